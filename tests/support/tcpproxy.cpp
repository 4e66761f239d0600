// SPDX-License-Identifier: GPL-3.0-or-later
#include "tcpproxy.h"

#include <QHostAddress>
#include <QList>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

// Lives on the proxy's thread: every socket is created and used there.
class TcpProxyRelay : public QObject
{
public:
    explicit TcpProxyRelay(quint16 targetPort) : m_targetPort(targetPort)
    {
        connect(&m_server, &QTcpServer::newConnection, this, &TcpProxyRelay::accept);
    }

    quint16 listen() { return m_server.listen(QHostAddress::LocalHost, 0) ? m_server.serverPort() : 0; }

    void cut()
    {
        m_cut = true;
        for (const Pair &pair : std::as_const(m_pairs)) {
            if (pair.client)
                pair.client->abort();
            if (pair.server)
                pair.server->abort();
        }
        m_pairs.clear();
    }

    void restore() { m_cut = false; }

private:
    struct Pair
    {
        QPointer<QTcpSocket> client;
        QPointer<QTcpSocket> server;
    };

    void accept()
    {
        while (QTcpSocket *client = m_server.nextPendingConnection()) {
            if (m_cut) {
                client->abort();
                client->deleteLater();
                continue;
            }
            auto *server = new QTcpSocket(this);
            client->setParent(this);
            // Bytes written while the server side still connects wait in its write buffer.
            server->connectToHost(QHostAddress::LocalHost, m_targetPort);
            connect(client, &QTcpSocket::readyRead, server, [client, server] { server->write(client->readAll()); });
            connect(server, &QTcpSocket::readyRead, client, [client, server] { client->write(server->readAll()); });
            // One end gone takes the other with it, after what it sent has been passed on.
            connect(client, &QTcpSocket::disconnected, server, [client, server] {
                if (server->isOpen())
                    server->write(client->readAll());
                server->disconnectFromHost();
                client->deleteLater();
            });
            connect(server, &QTcpSocket::disconnected, client, [client, server] {
                if (client->isOpen())
                    client->write(server->readAll());
                client->disconnectFromHost();
                server->deleteLater();
            });
            connect(server, &QTcpSocket::errorOccurred, client, [client](QAbstractSocket::SocketError error) {
                if (error != QAbstractSocket::RemoteHostClosedError)
                    client->abort();
            });
            m_pairs.append(Pair{client, server});
        }
    }

    QTcpServer m_server{this};   // a child, so that it moves to the thread with the relay
    quint16 m_targetPort = 0;
    QList<Pair> m_pairs;
    bool m_cut = false;
};

TcpProxy::TcpProxy()
{
    m_thread.start();
}

TcpProxy::~TcpProxy()
{
    if (m_relay)
        QMetaObject::invokeMethod(m_relay, [relay = m_relay] { delete relay; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

bool TcpProxy::listen(quint16 targetPort)
{
    if (m_relay)
        return false;
    m_relay = new TcpProxyRelay(targetPort);
    m_relay->moveToThread(&m_thread);
    QMetaObject::invokeMethod(m_relay, [this] { m_port = m_relay->listen(); }, Qt::BlockingQueuedConnection);
    return m_port != 0;
}

void TcpProxy::cut()
{
    QMetaObject::invokeMethod(m_relay, [relay = m_relay] { relay->cut(); }, Qt::BlockingQueuedConnection);
}

void TcpProxy::restore()
{
    QMetaObject::invokeMethod(m_relay, [relay = m_relay] { relay->restore(); }, Qt::BlockingQueuedConnection);
}
