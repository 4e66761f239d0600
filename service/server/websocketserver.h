// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "session.h"

#include <QHash>
#include <QObject>

#include <optional>

class QWebSocketServer;

namespace Mediaforge {

// Accepts WebSocket connections (ws:// or wss://), applies the connection limit and the browser
// Origin allow-list, and gives each connection a Session.
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

    void stopListening();
    void notifyAll(const Error &error);
    void closeAll();

    // Browser Origin check: clients that send no Origin (scripts, the CLI) are not browsers and
    // pass; a browser's Origin must be listed, or the list must hold "*".
    static bool isOriginAllowed(const QString &origin, const QStringList &allowed);

signals:
    void connectionCountChanged(int count);

private:
    void onNewConnection();

    SessionContext m_context;
    QWebSocketServer *m_server = nullptr;
    QHash<quint64, Session *> m_sessions;
    quint64 m_nextConnectionId = 1;
    QString m_scheme = QStringLiteral("ws");
};

} // namespace Mediaforge
