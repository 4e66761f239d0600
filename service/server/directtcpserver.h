// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QTcpServer>
#include <QTcpSocket>

namespace Mediaforge {

// A QTcpSocket whose small writes go straight to the kernel while Qt's write buffer is empty.
// Why: QAbstractSocket allocates a 32 KiB write-buffer block on a socket's first write (the
// WebSocket handshake answer, an HTTP response) and keeps it until the socket closes; at
// 10,000 idle connections that block is nine tenths of the service's memory. Qt 6.4 has no
// public knob for its size, and opening the socket QIODevice::Unbuffered would also make
// reads bypass the read buffer that PeerSocket's receive budget relies on
// (setReadBufferSize), so only the write side is changed here.
// Everything else stays Qt's: what the kernel does not take at once, and any write of
// kDirectMaxBytes or more, goes through QTcpSocket's buffer, so bytesToWrite() still measures
// what waits for a slow reader and every back-pressure bound on it holds as before.
class DirectWriteSocket : public QTcpSocket
{
    Q_OBJECT
public:
    // Larger writes (output chunks, file bodies) keep going through Qt's buffer: a writer that
    // loops while bytesToWrite() is small stops after a few of them and lets the event loop run.
    static constexpr qint64 kDirectMaxBytes = 16 * 1024;

    using QTcpSocket::QTcpSocket;

    // Bytes handed to the kernel past Qt's buffer since the socket was made (for tests).
    qint64 directBytes() const { return m_directBytes; }

protected:
    qint64 writeData(const char *data, qint64 size) override;

private:
    void announceWritten();

    qint64 m_directBytes = 0;
    qint64 m_unannounced = 0;
};

// Hands out DirectWriteSocket connections (set up like QTcpServer's own, plus TCP_NODELAY: a
// WebSocket frame is written as a header and a payload, and Nagle would hold the payload back
// until the peer acknowledged the header, which a delayed ACK can take 40 ms to do; Qt's
// buffer used to join the two into one send).
class DirectTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;

protected:
    void incomingConnection(qintptr socketDescriptor) override;
};

} // namespace Mediaforge
