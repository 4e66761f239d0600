// SPDX-License-Identifier: GPL-3.0-or-later
#include "peersocket.h"

#include "logging/logging.h"

#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QtEndian>

#include <algorithm>
#include <optional>

namespace Mediaforge {

namespace {

// Growth step of an authenticated peer's read buffer while a large frame arrives: small
// enough that the budget follows the bytes really held, large enough to be cheap.
constexpr qint64 kGrowStep = qint64(16) * 1024 * 1024;
// Qt's frame parser gives up on a frame after 5 s without new data (close 1001); a peer
// waiting for the budget is nudged before that.
constexpr int kNudgeMs = 2000;
// A peer that waits this long for the receive budget is told the service is busy.
constexpr qint64 kMaxBudgetWaitMs = 60 * 1000;
constexpr quint16 kCloseBusy = 4029;

struct FrameHeader
{
    qint64 headerBytes = 0;
    quint64 length = 0;
    int opcode = 0;
};

// RFC 6455 section 5.2; nullopt until the whole header has arrived.
std::optional<FrameHeader> parseFrameHeader(QByteArrayView data)
{
    if (data.size() < 2)
        return std::nullopt;
    const auto byte = [&](qsizetype i) { return quint8(data.at(i)); };
    FrameHeader header;
    header.opcode = byte(0) & 0x0F;
    const bool masked = byte(1) & 0x80;
    header.length = byte(1) & 0x7F;
    qsizetype position = 2;
    if (header.length == 126) {
        if (data.size() < 4)
            return std::nullopt;
        header.length = (quint64(byte(2)) << 8) | byte(3);
        position = 4;
    } else if (header.length == 127) {
        if (data.size() < 10)
            return std::nullopt;
        header.length = 0;
        for (qsizetype i = 2; i < 10; ++i)
            header.length = (header.length << 8) | byte(i);
        position = 10;
    }
    if (masked)
        position += 4;
    if (data.size() < position)
        return std::nullopt;
    header.headerBytes = position;
    return header;
}

} // namespace

PeerSocket::PeerSocket(QTcpSocket *tcp, const Limits &limits, ByteBudget *receiveBudget)
    : QObject(tcp), m_tcp(tcp), m_address(tcp->peerAddress()), m_limits(limits), m_share(receiveBudget)
{
    // Connected before Qt's own reader exists, so this runs first on every readyRead.
    connect(tcp, &QIODevice::readyRead, this, &PeerSocket::beforeQtReads);
}

PeerSocket::~PeerSocket()
{
    if (m_share.budget())
        m_share.budget()->cancel(this);
}

void PeerSocket::upgraded(QWebSocket *socket)
{
    m_socket = socket;
    m_phase = Phase::Unauthenticated;
    socket->setMaxAllowedIncomingFrameSize(quint64(m_limits.anonymousBytes));
    socket->setMaxAllowedIncomingMessageSize(quint64(m_limits.anonymousBytes));
    // A frame header and a little slack: nothing an anonymous peer may send needs more.
    m_tcp->setReadBufferSize(m_limits.anonymousBytes + 1024);
    // Connected after Qt's reader: sees what Qt left in the buffer.
    connect(m_tcp, &QIODevice::readyRead, this, &PeerSocket::afterQtReads);
}

void PeerSocket::setAuthenticated()
{
    if (m_phase != Phase::Unauthenticated || !m_socket || !m_tcp)
        return;
    m_phase = Phase::Authenticated;
    m_socket->setMaxAllowedIncomingFrameSize(quint64(m_limits.maxMessage));
    m_socket->setMaxAllowedIncomingMessageSize(quint64(m_limits.maxMessage));
    m_tcp->setReadBufferSize(m_limits.baseBuffer);
    emit authenticated();
}

void PeerSocket::beforeQtReads()
{
    if (!m_tcp)
        return;
    if (m_phase == Phase::Closing) {
        drain();
        return;
    }
    if (m_phase != Phase::Unauthenticated || m_firstFrameSeen || !m_oversized)
        return;
    const std::optional<FrameHeader> header = parseFrameHeader(m_tcp->peek(14));
    if (!header)
        return;
    m_firstFrameSeen = true;
    if (header->length > quint64(m_limits.anonymousBytes)) {
        // Refused on its header: not one byte of the payload is read into memory.
        const auto handler = m_oversized;
        handler(qint64(std::min<quint64>(header->length, quint64(std::numeric_limits<qint64>::max()))));
    }
}

void PeerSocket::afterQtReads()
{
    if (!m_tcp || m_phase == Phase::Closing)
        return;
    if (m_phase == Phase::Unauthenticated) {
        // Qt started on the first frame before its header was complete for us: its small
        // frame limit guards this peer instead.
        m_firstFrameSeen = true;
        return;
    }
    if (m_phase != Phase::Authenticated || m_waitingForBudget)
        return;
    const qint64 size = m_tcp->readBufferSize();
    const qint64 available = m_tcp->bytesAvailable();
    if (size > 0 && available >= size) {
        // The buffer is full and Qt is still waiting for the rest of a frame.
        growBuffer();
    } else if (size > m_limits.baseBuffer && available < m_limits.baseBuffer) {
        // The large message has been handed over: back to the small buffer.
        m_tcp->setReadBufferSize(m_limits.baseBuffer);
        m_share.releaseAll();
    }
}

void PeerSocket::growBuffer()
{
    ByteBudget *budget = m_share.budget();
    const qint64 size = m_tcp->readBufferSize();
    // A frame header (14) and a following control frame fit beyond the message itself.
    const qint64 ceiling = m_limits.maxMessage + 4096;
    if (!budget || size >= ceiling)
        return;
    const qint64 target = std::min(ceiling, size + kGrowStep);
    const qint64 delta = target - size;
    const auto apply = [this, delta, target] {
        m_share.hold(delta);
        m_waitingForBudget = false;
        if (m_tcp && m_phase == Phase::Authenticated)
            m_tcp->setReadBufferSize(target);
        else
            m_share.releaseAll();
    };
    if (budget->acquire(this, delta, apply)) {
        apply();
        return;
    }
    m_waitingForBudget = true;
    qCInfo(lcServer).noquote() << Logging::Fields{{QStringLiteral("peer"), m_address.toString()},
                                                  {QStringLiteral("receive_budget_bytes"), QString::number(budget->total())}}
                               << "receive budget in use; a large message waits its turn";
    m_budgetWait.start();
    if (!m_nudge) {
        m_nudge = new QTimer(this);
        connect(m_nudge, &QTimer::timeout, this, &PeerSocket::nudgeWhileWaiting);
    }
    m_nudge->start(kNudgeMs);
}

void PeerSocket::nudgeWhileWaiting()
{
    if (!m_waitingForBudget || !m_tcp || m_phase != Phase::Authenticated) {
        m_nudge->stop();
        return;
    }
    if (m_budgetWait.elapsed() > kMaxBudgetWaitMs) {
        m_nudge->stop();
        closeGracefully(kCloseBusy, QStringLiteral("service busy receiving other large messages; retry later"),
                       false);
        return;
    }
    // Qt's reader is stopped by its own 5 s timer unless it hears from the socket.
    emit m_tcp->readyRead();
}

void PeerSocket::closeGracefully(quint16 code, const QString &reason, bool atFrameBoundary)
{
    if (!m_tcp || m_phase == Phase::Closing)
        return;
    m_phase = Phase::Closing;
    if (m_share.budget())
        m_share.budget()->cancel(this);
    m_waitingForBudget = false;
    m_share.releaseAll();
    // From now on the bytes are ours: Qt would close TCP at the first frame it dislikes.
    if (m_socket)
        QObject::disconnect(m_tcp, &QIODevice::readyRead, m_socket, nullptr);
    m_tcp->setReadBufferSize(0);
    const QByteArray reasonUtf8 = reason.toUtf8().left(123);
    QByteArray frame;
    frame.append(char(0x88));   // FIN + close; a server's frames are not masked
    frame.append(char(2 + reasonUtf8.size()));
    const quint16 bigEndian = qToBigEndian(code);
    frame.append(reinterpret_cast<const char *>(&bigEndian), 2);
    frame.append(reasonUtf8);
    m_tcp->write(frame);
    m_tcp->flush();
    m_parseFrames = atFrameBoundary;
    m_skip = 0;
    m_grace = new QTimer(this);
    m_grace->setSingleShot(true);
    connect(m_grace, &QTimer::timeout, this, &PeerSocket::finishClose);
    m_grace->start(m_limits.graceMs);
    drain();
}

void PeerSocket::drain()
{
    if (!m_tcp)
        return;
    // Reading everything keeps the kernel from answering the peer with a reset, which would
    // cost it the close frame still in flight.
    while (m_tcp->bytesAvailable() > 0) {
        if (!m_parseFrames) {
            m_tcp->skip(m_tcp->bytesAvailable());
            continue;
        }
        if (m_skip > 0) {
            m_skip -= m_tcp->skip(std::min(m_skip, m_tcp->bytesAvailable()));
            continue;
        }
        const std::optional<FrameHeader> header = parseFrameHeader(m_tcp->peek(14));
        if (!header)
            return;
        m_tcp->skip(header->headerBytes);
        if (header->opcode == 0x8) {
            // The peer answered: the handshake is complete.
            m_tcp->skip(m_tcp->bytesAvailable());
            finishClose();
            return;
        }
        m_skip = qint64(std::min<quint64>(header->length, quint64(std::numeric_limits<qint64>::max())));
    }
}

void PeerSocket::finishClose()
{
    if (!m_tcp || m_tcpClosing)
        return;
    m_tcpClosing = true;
    if (m_grace)
        m_grace->stop();
    m_tcp->skip(m_tcp->bytesAvailable());
    m_tcp->disconnectFromHost();
    // A peer that reads nothing would keep the unsent bytes, and the socket, for ever.
    QTimer::singleShot(m_limits.graceMs, this, [this] {
        if (m_tcp && m_tcp->state() != QAbstractSocket::UnconnectedState)
            m_tcp->abort();
    });
}

} // namespace Mediaforge
