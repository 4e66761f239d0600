// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "directtcpserver.h"
#include "httpconnection.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTcpServer>

namespace Mediaforge {

// The listening side of the HTTP port. Not Qt's QAbstractHttpServer: in Qt 6.4 it hands a
// request over only once its whole body is in memory and has no head limit, timeouts or
// connection cap (README, "Dependencies"). Accepts connections up to HttpLimits::maxConnections
// and hands each to an HttpConnection. At the cap, the connection that has waited longest for
// a request is dropped to make room (idle and half-sent requests cost a file descriptor each;
// a new client, such as a health check, should still get in); when every connection is busy
// answering, the newcomer gets 503. When the process runs out of file descriptors, an idle
// connection is dropped as well and accepting resumes shortly after instead of stopping.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    HttpServer(const HttpLimits &limits, HttpConnection::Handler handler, QObject *parent = nullptr);

    // The bound port, or 0 when listening failed.
    quint16 listen(const QHostAddress &address, quint16 port);
    int connectionCount() const { return int(m_connections.size()); }

signals:
    void connectionCountChanged(int count);
    // See HttpConnection::closedByLimit; also "evicted" (dropped at the cap for a newcomer)
    // and "busy" (a newcomer refused with 503).
    void closedByLimit(const QByteArray &reason);

private:
    void acceptPending();
    void onAcceptError(QAbstractSocket::SocketError error);
    bool dropOldestIdle(qint64 minimumWaitMs = 0);
    void refuse(QTcpSocket *socket);

    HttpLimits m_limits;
    HttpConnection::Handler m_handler;
    DirectTcpServer m_server;   // small writes skip Qt's 32 KiB write block
    QList<HttpConnection *> m_connections;
    QElapsedTimer m_sinceAcceptWarning;
    bool m_acceptWarned = false;   // an accept error was logged; the next accept logs the end
};

} // namespace Mediaforge
