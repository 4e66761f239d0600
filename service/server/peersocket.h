// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bytebudget.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include <functional>
#include <optional>

class QTimer;
class QWebSocket;

namespace Mediaforge {

// What the service does with one peer's TCP connection underneath Qt's QWebSocket: the parts
// QWebSocket keeps to itself.
// It reads every frame header before Qt does (peeking, in a readyRead slot connected ahead
// of Qt's), so it knows what is coming before a byte of payload is buffered:
// - Before authentication: a frame larger than the small limit is refused at once with a
//   policy close, without its payload being read.
// - After authentication: Qt assembles a whole frame in the socket's read buffer before it
//   hands anything over. The buffer stays small; a larger frame first reserves its whole size
//   from a service-wide ByteBudget (all at once, so peers never deadlock holding parts), and
//   until then the socket is not read, so TCP holds the peer back. A message fragmented into
//   frames cannot be known in advance: once it outgrows the small buffer it reserves the
//   largest message allowed.
// - Closing: QWebSocket::close() closes TCP right after its close frame, and a peer that is
//   still sending then gets a reset instead of the close code. closeGracefully() sends the
//   close frame, keeps reading (and discarding) until the peer answers it or a grace period
//   ends, and only then closes TCP.
class PeerSocket : public QObject
{
    Q_OBJECT
public:
    enum class Phase { Handshake, Unauthenticated, Authenticated, Closing };

    struct Limits
    {
        qint64 anonymousBytes = 64 * 1024;   // largest frame/message before authentication
        qint64 baseBuffer = 2 * 1024 * 1024; // read buffer of an authenticated peer at rest
        qint64 maxMessage = 512 * 1024 * 1024;
        int graceMs = 3000;
    };

    // Lives as a child of `tcp` (it goes when the socket does).
    PeerSocket(QTcpSocket *tcp, const Limits &limits, ByteBudget *receiveBudget);
    ~PeerSocket() override;

    QTcpSocket *tcp() const { return m_tcp; }
    QHostAddress address() const { return m_address; }
    Phase phase() const { return m_phase; }
    bool isWaitingForBudget() const { return m_waitingForBudget; }
    bool isClosing() const { return m_phase == Phase::Closing; }
    // Milliseconds since bytes last arrived: a peer in the middle of a large frame is alive
    // although its pongs wait behind the frame.
    qint64 msSinceData() const { return m_sinceData.elapsed(); }

    // The WebSocket handshake is done: Qt's QWebSocket now reads the stream. The peer starts
    // unauthenticated with the small limits.
    void upgraded(QWebSocket *socket);
    void setAuthenticated();
    // Called (once) when the first frame of an unauthenticated peer is larger than the small
    // limit; the receiver closes the connection.
    void setOversizedHandler(std::function<void(qint64 length)> handler) { m_oversized = std::move(handler); }

    // Sends a close frame, drains the peer until it answers or `graceMs` passes, then closes
    // TCP. `atFrameBoundary`: called from a message handler, so what is left unread starts a
    // new frame and the peer's own close frame can be recognised.
    void closeGracefully(quint16 code, const QString &reason, bool atFrameBoundary);

signals:
    void authenticated();

private:
    struct Header
    {
        qint64 headerBytes = 0;
        quint64 length = 0;
        int opcode = 0;
        bool final = true;
    };

    void releaseReadBlock();
    void beforeQtReads();
    void afterQtReads();
    void trackFrames();
    bool onFrameHeader(const Header &header);   // false: stop tracking for now
    void reserve(qint64 bytes, qint64 until);
    void releaseReservation();
    void nudgeWhileWaiting();
    void drain();
    void finishClose();

    QPointer<QTcpSocket> m_tcp;
    QPointer<QWebSocket> m_socket;
    QHostAddress m_address;
    Limits m_limits;
    Phase m_phase = Phase::Handshake;
    std::function<void(qint64)> m_oversized;
    // Frame tracking, in absolute stream positions since the upgrade.
    bool m_tracking = true;
    qint64 m_availableBefore = 0;
    qint64 m_consumed = 0;             // bytes Qt has taken from the socket
    qint64 m_nextHeader = 0;           // where the next frame header starts
    QByteArray m_headerBytes;          // what has been seen of it
    std::optional<Header> m_heldHeader;   // a large frame waiting for the previous one to go
    qint64 m_fragmentBytes = 0;        // payload of the fragmented message being received
    bool m_fragmentReserved = false;
    qint64 m_reservedUntil = -1;       // the reservation ends once Qt consumed this position
    BudgetShare m_share;
    bool m_waitingForBudget = false;
    QElapsedTimer m_budgetWait;
    QElapsedTimer m_sinceData;
    QTimer *m_nudge = nullptr;
    // Close: the peer's frames are skipped to find its close frame.
    bool m_parseFrames = false;
    qint64 m_skip = 0;
    QTimer *m_grace = nullptr;
    bool m_tcpClosing = false;
};

} // namespace Mediaforge
