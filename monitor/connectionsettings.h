// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QUrl>
#include <QVariant>

class QSettings;

namespace Mediaforge::Monitor {

// The services the user connected to, for the connect dialog and the next start. A token is
// written only when the user asked for it, and then in clear text: QSettings has no secret
// store, and pretending to encrypt it with a key kept next to it would be worse.
class ConnectionSettings
{
public:
    struct Server
    {
        QUrl url;
        QString token;          // empty unless rememberToken
        bool rememberToken = false;
    };

    explicit ConnectionSettings(QSettings &settings);

    // Most recent first.
    QList<Server> recentServers() const;
    std::optional<Server> find(const QUrl &url) const;
    // Moves `server` to the top; forgets its token unless rememberToken.
    void remember(const Server &server);
    void forget(const QUrl &url);
    // The services that were open when the monitor last closed.
    QList<QUrl> openServers() const;
    void setOpenServers(const QList<QUrl> &urls);
    // The window's layout (geometry, columns, side panel), under "window/<key>".
    QVariant layoutValue(const QString &key, const QVariant &fallback = {}) const;
    void setLayoutValue(const QString &key, const QVariant &value);
    // Where the settings live, to tell the user where a remembered token is.
    QString location() const;

    // "host:port", "ws://host:port/" or "wss://..." → a WebSocket URL; invalid when it is not one.
    static QUrl normalizeUrl(const QString &text);
    // Moves a `?token=` of the URL (the browser way of authenticating) out of it, so that it is
    // never stored as part of a URL.
    static QUrl withoutToken(const QUrl &url, QString *token = nullptr);

    static constexpr int kMaxRecent = 10;

private:
    void write(const QList<Server> &servers);

    QSettings &m_settings;
};

} // namespace Mediaforge::Monitor
