// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpserver.h"

#include "logging/logging.h"

#include <QTcpSocket>
#include <QTimer>

namespace Mediaforge {

namespace {

// After an accept failure with no idle connection to close (no file descriptors left), how
// soon to try again.
constexpr int kAcceptRetryMs = 200;
// When descriptors run out, connections idle for less than this are not dropped.
constexpr qint64 kAcceptIdleGraceMs = 1000;
// A refused socket gets this long to take its 503 before it is cut.
constexpr int kRefuseGraceMs = 1000;

} // namespace

HttpServer::HttpServer(const HttpLimits &limits, HttpConnection::Handler handler, QObject *parent)
    : QObject(parent), m_limits(limits), m_handler(std::move(handler))
{
    connect(&m_server, &QTcpServer::newConnection, this, &HttpServer::acceptPending);
    connect(&m_server, &QTcpServer::acceptError, this, &HttpServer::onAcceptError);
}

quint16 HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_server.listen(address, port))
        return 0;
    return m_server.serverPort();
}

void HttpServer::acceptPending()
{
    if (m_acceptWarned) {
        m_acceptWarned = false;
        qCInfo(lcHttp) << "accepting HTTP connections again";
    }
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        if (m_connections.size() >= m_limits.maxConnections && !dropOldestIdle()) {
            refuse(socket);
            continue;
        }
        auto *connection = new HttpConnection(socket, m_limits, m_handler, this);
        m_connections.append(connection);
        connect(connection, &HttpConnection::closedByLimit, this, &HttpServer::closedByLimit);
        connect(connection, &HttpConnection::finished, this, [this, connection] {
            m_connections.removeOne(connection);
            emit connectionCountChanged(connectionCount());
        });
        emit connectionCountChanged(connectionCount());
    }
}

bool HttpServer::dropOldestIdle(qint64 minimumWaitMs)
{
    // Silent connections first; then those with a request half sent (a slow client or a
    // slowloris); never one that is answering.
    HttpConnection *oldest = nullptr;
    for (const bool withInput : {false, true}) {
        for (HttpConnection *connection : std::as_const(m_connections)) {
            if (connection->isIdle() && connection->hasInput() == withInput
                && connection->waitingForMs() >= minimumWaitMs
                && (!oldest || connection->waitingSinceMs() < oldest->waitingSinceMs()))
                oldest = connection;
        }
        if (oldest)
            break;
    }
    if (!oldest)
        return false;
    qCDebug(lcHttp) << "at" << m_connections.size() << "connections: dropping the longest idle one";
    emit closedByLimit("evicted");
    oldest->drop();   // finished() removes it from m_connections
    return true;
}

void HttpServer::refuse(QTcpSocket *socket)
{
    qCDebug(lcHttp) << "all" << m_connections.size() << "connections busy: refusing a new one";
    emit closedByLimit("busy");
    socket->setParent(this);
    static const QByteArray body(R"({"error":{"code":"RATE_LIMITED","message":"too many HTTP connections; try again"}})");
    socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                  "Cache-Control: no-store\r\nConnection: close\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(kRefuseGraceMs, socket, [socket] { socket->abort(); });
    socket->disconnectFromHost();
}

void HttpServer::onAcceptError(QAbstractSocket::SocketError error)
{
    // QTcpServer stops accepting after an error such as EMFILE and never resumes by itself.
    // One line when accepting stops and one when it works again (acceptPending), not one per
    // retry; accepting flaps while descriptors stay short, so not again within a minute.
    if (!m_acceptWarned && (!m_sinceAcceptWarning.isValid() || m_sinceAcceptWarning.elapsed() >= 60000)) {
        m_acceptWarned = true;
        m_sinceAcceptWarning.start();
        qCWarning(lcHttp) << "cannot accept HTTP connections:" << error << m_server.errorString()
                          << "- dropping idle ones and retrying until it works again";
    }
    // With a descriptor freed, accept again at once; with none to free, wait a little rather
    // than spin on the same error. Only a connection idle for a while is dropped: one accepted
    // in the same burst may not have had time to send its request (connections that closed
    // meanwhile free their descriptors on the next turn of the event loop).
    const bool freed = dropOldestIdle(kAcceptIdleGraceMs);
    QTimer::singleShot(freed ? 0 : kAcceptRetryMs, this, [this] {
        if (m_server.isListening())   // Qt 6.4 crashes resuming a server closed meanwhile
            m_server.resumeAccepting();
    });
}

} // namespace Mediaforge
