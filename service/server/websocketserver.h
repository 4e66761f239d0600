// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "session.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <memory>
#include <optional>

class QTcpServer;
class QTimer;
class QWebSocketServer;

namespace Mediaforge {

class AcceptResumer;

class ByteBudget;
class PeerSocket;

// Accepts WebSocket connections (ws:// or wss://), applies the connection limits and the
// browser Origin allow-list, and gives each connection a Session.
// The TCP listener is ours and QWebSocketServer only performs the upgrade
// (handleConnection): that way a connection is seen, counted per address and refused before
// its handshake, and each Session reaches the TCP socket under its QWebSocket (PeerSocket).
class WebSocketServer : public QObject
{
    Q_OBJECT
public:
    WebSocketServer(const SessionContext &context, QObject *parent = nullptr);
    ~WebSocketServer() override;

    std::optional<QString> listen(const QString &host, quint16 port);
    quint16 port() const;
    QString url() const;
    int connectionCount() const { return int(m_sessions.size()); }
    int unauthenticatedCount() const { return int(m_unauthenticated.size()); }

    void stopListening();
    void notifyAll(const Error &error);
    void closeAll();

    // Browser Origin check: clients that send no Origin (scripts, the CLI) are not browsers and
    // pass; a browser's Origin must be listed, or the list must hold "*".
    static bool isOriginAllowed(const QString &origin, const QStringList &allowed);

signals:
    void connectionCountChanged(int count);

private:
    void onTcpConnection();
    void onUpgraded();
    void keepAliveTick();
    void forgetUnauthenticated(PeerSocket *peer);
    static QString peerKey(const QHostAddress &address, quint16 port);

    std::shared_ptr<SessionContext> m_context;   // shared with every session
    QTcpServer *m_listener = nullptr;
    AcceptResumer *m_acceptResumer = nullptr;
    QWebSocketServer *m_server = nullptr;
    ByteBudget *m_receiveBudget = nullptr;
    ByteBudget *m_outputBudget = nullptr;
    QHash<quint64, Session *> m_sessions;
    QHash<QString, PeerSocket *> m_handshaking;           // "address|port" -> peer before its upgrade
    QHash<PeerSocket *, QHostAddress> m_unauthenticated;  // before the handshake and until authenticated
    QHash<QHostAddress, int> m_unauthenticatedByAddress;
    quint64 m_nextConnectionId = 1;
    QTimer *m_keepAliveClock = nullptr;
    quint64 m_keepAliveTicks = 0;
    QString m_scheme = QStringLiteral("ws");
};

} // namespace Mediaforge
