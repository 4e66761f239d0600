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
    bool final = true;
    bool plausible = true;   // what a client frame must look like (masked, no RSV bits, known opcode)
};

// RFC 6455 section 5.2; nullopt until the whole header has arrived.
std::optional<FrameHeader> parseFrameHeader(QByteArrayView data)
{
    if (data.size() < 2)
        return std::nullopt;
    const auto byte = [&](qsizetype i) { return quint8(data.at(i)); };
    FrameHeader header;
    header.opcode = byte(0) & 0x0F;
    header.final = byte(0) & 0x80;
    const bool masked = byte(1) & 0x80;
    const int opcode = header.opcode;
    header.plausible = masked && (byte(0) & 0x70) == 0 && (opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA));
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
    m_sinceData.start();
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
    releaseReadBlock();
}

void PeerSocket::releaseReadBlock()
{
    // Qt keeps the 16 KiB block its read buffer took for the handshake request until the socket
    // closes, although an idle peer may never send again: at 10,000 connections, 160 MB.
    // QIODevice::read(n) of exactly one buffered block hands the block itself over instead of
    // copying it, so a byte put back and read again takes the emptied block out of the socket
    // (net effect on the stream: none). Qt allocates a new one when the peer sends again.
    // In a read transaction ungetChar() does nothing and read() would not consume: skip it.
    if (!m_tcp || m_tcp->bytesAvailable() != 0 || m_tcp->isTransactionStarted())
        return;
    m_tcp->ungetChar('\0');
    const QByteArray block = m_tcp->read(1);
    Q_ASSERT(block.size() == 1 && m_tcp->bytesAvailable() == 0);
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
    m_sinceData.restart();
    if (m_phase == Phase::Closing) {
        drain();
        return;
    }
    if (m_phase == Phase::Handshake)
        return;
    m_availableBefore = m_tcp->bytesAvailable();
    if (m_tracking)
        trackFrames();
}

void PeerSocket::trackFrames()
{
    // Everything Qt can take has passed through here first, so the header bytes Qt has already
    // consumed are in m_headerBytes; the rest is in the buffer from `from` on.
    const qint64 available = m_tcp->bytesAvailable();
    while (m_tracking && m_phase != Phase::Closing && !m_heldHeader) {
        const qint64 from = m_nextHeader + m_headerBytes.size() - m_consumed;
        if (from < 0) {
            // Qt read frames before we saw them (sent together with the handshake): Qt's own
            // limits still hold, the exact reservations do not.
            m_tracking = false;
            return;
        }
        if (from >= available)
            return;
        const qint64 take = std::min<qint64>(14 - m_headerBytes.size(), available - from);
        m_headerBytes += m_tcp->peek(from + take).mid(from);
        const std::optional<FrameHeader> parsed = parseFrameHeader(m_headerBytes);
        if (!parsed)
            continue;   // loops once more only if more bytes are available
        if (!parsed->plausible) {
            // Not where a frame starts (or not a frame Qt accepts): stop guessing, Qt's limits
            // and the fallback below still hold.
            m_tracking = false;
            return;
        }
        const Header header{parsed->headerBytes, parsed->length, parsed->opcode, parsed->final};
        m_headerBytes.clear();
        if (!onFrameHeader(header))
            return;
    }
}

bool PeerSocket::onFrameHeader(const Header &header)
{
    const qint64 length = qint64(std::min<quint64>(header.length, quint64(std::numeric_limits<qint64>::max() / 2)));
    const qint64 frameEnd = m_nextHeader + header.headerBytes + length;
    const bool control = header.opcode >= 0x8;
    if (m_phase == Phase::Unauthenticated) {
        if (length > m_limits.anonymousBytes) {
            if (m_consumed < m_nextHeader) {
                // Frames before it are still to be read (a pipelined hello may authenticate
                // the peer): decide once Qt has read them.
                m_heldHeader = header;
                return false;
            }
            if (m_oversized) {
                // Refused on its header: not one byte of the payload is read into memory.
                m_tracking = false;
                const auto handler = m_oversized;
                handler(length);
                return false;
            }
        }
        m_nextHeader = frameEnd;
        return true;
    }
    if (control) {
        m_nextHeader = frameEnd;
        return true;
    }
    // A data frame: what must the read buffer hold for Qt to get it?
    const qint64 smallFrame = m_limits.baseBuffer - m_limits.anonymousBytes;
    qint64 needed = 0;
    qint64 until = frameEnd;
    const bool startsMessage = header.opcode != 0x0;
    if (startsMessage)
        m_fragmentBytes = 0;
    const bool fragmented = !header.final || !startsMessage;
    if (!fragmented) {
        if (length > smallFrame)
            needed = length + m_limits.baseBuffer;
    } else {
        // Qt keeps the earlier frames of the message itself; their total is unknown in advance.
        m_fragmentBytes += length;
        if (m_fragmentBytes > smallFrame && !m_fragmentReserved) {
            needed = m_limits.maxMessage + m_limits.baseBuffer;
            m_fragmentReserved = true;
        }
        until = header.final ? frameEnd : std::numeric_limits<qint64>::max();
        if (m_fragmentReserved && header.final)
            m_reservedUntil = frameEnd;   // the message ends with this frame
    }
    if (needed > 0) {
        if (m_share.held() > 0 || m_waitingForBudget) {
            // One reservation at a time: this frame waits until the previous large one is gone.
            m_heldHeader = header;
            return false;
        }
        reserve(needed, until);
    }
    m_nextHeader = frameEnd;
    return !m_waitingForBudget;
}

void PeerSocket::reserve(qint64 bytes, qint64 until)
{
    ByteBudget *budget = m_share.budget();
    m_reservedUntil = until;
    const qint64 target = std::min(bytes, m_limits.maxMessage + 2 * m_limits.baseBuffer);
    const qint64 delta = std::max<qint64>(0, target - m_tcp->readBufferSize());
    const auto apply = [this, delta, target] {
        m_share.hold(delta);
        m_waitingForBudget = false;
        if (m_nudge)
            m_nudge->stop();
        if (m_tcp && m_phase == Phase::Authenticated) {
            m_tcp->setReadBufferSize(target);
        } else {
            m_share.releaseAll();
        }
    };
    if (!budget || budget->acquire(this, delta, apply)) {
        apply();
        return;
    }
    m_waitingForBudget = true;
    qCInfo(lcServer).noquote() << Logging::Fields{{QStringLiteral("peer"), m_address.toString()},
                                                  {QStringLiteral("bytes"), QString::number(delta)},
                                                  {QStringLiteral("receive_budget_bytes"), QString::number(budget->total())}}
                               << "receive budget in use; a large message waits its turn";
    m_budgetWait.start();
    if (!m_nudge) {
        m_nudge = new QTimer(this);
        connect(m_nudge, &QTimer::timeout, this, &PeerSocket::nudgeWhileWaiting);
    }
    m_nudge->start(kNudgeMs);
}

void PeerSocket::releaseReservation()
{
    m_reservedUntil = -1;
    m_fragmentReserved = false;
    if (m_tcp && m_phase == Phase::Authenticated)
        m_tcp->setReadBufferSize(m_limits.baseBuffer);
    m_share.releaseAll();
    if (m_heldHeader) {
        // The next large frame was already announced: its turn now.
        const Header header = *m_heldHeader;
        m_heldHeader.reset();
        if (onFrameHeader(header) && m_tcp)
            trackFrames();
    }
}

void PeerSocket::afterQtReads()
{
    if (!m_tcp || m_phase == Phase::Closing || m_phase == Phase::Handshake)
        return;
    m_consumed += std::max<qint64>(0, m_availableBefore - m_tcp->bytesAvailable());
    m_availableBefore = m_tcp->bytesAvailable();
    if (m_phase == Phase::Unauthenticated) {
        // Qt has reached a held oversized frame and the peer is still anonymous: Qt's small
        // limit refuses it (close 1009); nothing more to track.
        if (m_heldHeader && m_consumed >= m_nextHeader)
            m_tracking = false;
        return;
    }
    if (m_phase != Phase::Authenticated)
        return;
    if (m_tracking) {
        if (m_reservedUntil >= 0 && m_consumed >= m_reservedUntil && !m_waitingForBudget) {
            releaseReservation();
        } else if (m_heldHeader && m_share.held() == 0 && !m_waitingForBudget) {
            // Held while the peer was anonymous; it has authenticated since.
            const Header header = *m_heldHeader;
            m_heldHeader.reset();
            if (onFrameHeader(header))
                trackFrames();
        }
        return;
    }
    // Untracked (see trackFrames): a full buffer means Qt waits for a larger frame; reserve
    // the largest message at once, and give it back once the buffer has been emptied.
    const qint64 size = m_tcp->readBufferSize();
    const qint64 available = m_tcp->bytesAvailable();
    if (m_waitingForBudget)
        return;
    if (size > 0 && available >= size && m_share.held() == 0)
        reserve(m_limits.maxMessage + m_limits.baseBuffer, std::numeric_limits<qint64>::max());
    else if (m_share.held() > 0 && available < m_limits.baseBuffer)
        releaseReservation();
}

void PeerSocket::nudgeWhileWaiting()
{
    if (!m_waitingForBudget || !m_tcp || m_phase != Phase::Authenticated) {
        m_nudge->stop();
        return;
    }
    if (m_budgetWait.elapsed() > kMaxBudgetWaitMs) {
        m_nudge->stop();
        closeGracefully(kCloseBusy, QStringLiteral("service busy receiving other large messages; retry later"), false);
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
