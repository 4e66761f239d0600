// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectionsettings.h"

#include <QSettings>
#include <QUrlQuery>

namespace Mediaforge::Monitor {

namespace {
const QString kServers = QStringLiteral("servers");
const QString kOpen = QStringLiteral("open_servers");
const QString kUrl = QStringLiteral("url");
const QString kToken = QStringLiteral("token");
const QString kRemember = QStringLiteral("remember_token");
} // namespace

ConnectionSettings::ConnectionSettings(QSettings &settings) : m_settings(settings)
{
}

QVariant ConnectionSettings::layoutValue(const QString &key, const QVariant &fallback) const
{
    return m_settings.value(QStringLiteral("window/") + key, fallback);
}

void ConnectionSettings::setLayoutValue(const QString &key, const QVariant &value)
{
    m_settings.setValue(QStringLiteral("window/") + key, value);
}

QUrl ConnectionSettings::normalizeUrl(const QString &text)
{
    QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return {};
    if (!trimmed.contains(QLatin1StringView("://")))
        trimmed.prepend(QStringLiteral("ws://"));
    QUrl url(trimmed, QUrl::StrictMode);
    if (url.scheme() == QLatin1StringView("http"))
        url.setScheme(QStringLiteral("ws"));
    else if (url.scheme() == QLatin1StringView("https"))
        url.setScheme(QStringLiteral("wss"));
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != QLatin1StringView("ws") && url.scheme() != QLatin1StringView("wss")))
        return {};
    if (url.path().isEmpty())
        url.setPath(QStringLiteral("/"));
    return url;
}

QUrl ConnectionSettings::withoutToken(const QUrl &url, QString *token)
{
    QUrlQuery query(url);
    if (!query.hasQueryItem(kToken))
        return url;
    if (token)
        *token = query.queryItemValue(kToken, QUrl::FullyDecoded);
    query.removeAllQueryItems(kToken);
    QUrl stripped = url;
    stripped.setQuery(query.isEmpty() ? QString() : query.query());
    return stripped;
}

QList<ConnectionSettings::Server> ConnectionSettings::recentServers() const
{
    QList<Server> servers;
    const int count = m_settings.beginReadArray(kServers);
    for (int i = 0; i < count; ++i) {
        m_settings.setArrayIndex(i);
        Server server;
        server.url = QUrl(m_settings.value(kUrl).toString());
        server.rememberToken = m_settings.value(kRemember, false).toBool();
        if (server.rememberToken)
            server.token = m_settings.value(kToken).toString();
        if (server.url.isValid())
            servers.append(server);
    }
    m_settings.endArray();
    return servers;
}

std::optional<ConnectionSettings::Server> ConnectionSettings::find(const QUrl &url) const
{
    const QList<Server> servers = recentServers();
    for (const Server &server : servers) {
        if (server.url == url)
            return server;
    }
    return std::nullopt;
}

void ConnectionSettings::remember(const Server &server)
{
    QList<Server> servers = recentServers();
    const QUrl key = withoutToken(server.url);
    servers.removeIf([&key](const Server &other) { return other.url == key; });
    Server entry = server;
    entry.url = withoutToken(server.url);
    if (!entry.rememberToken)
        entry.token.clear();
    servers.prepend(entry);
    while (servers.size() > kMaxRecent)
        servers.removeLast();
    write(servers);
}

void ConnectionSettings::forget(const QUrl &url)
{
    QList<Server> servers = recentServers();
    servers.removeIf([&url](const Server &other) { return other.url == url; });
    write(servers);
}

void ConnectionSettings::write(const QList<Server> &servers)
{
    // Rewritten whole, so that a token the user no longer wants kept leaves the file.
    m_settings.remove(kServers);
    m_settings.beginWriteArray(kServers, int(servers.size()));
    for (int i = 0; i < servers.size(); ++i) {
        m_settings.setArrayIndex(i);
        const Server &server = servers.at(i);
        m_settings.setValue(kUrl, server.url.toString());
        m_settings.setValue(kRemember, server.rememberToken);
        if (server.rememberToken && !server.token.isEmpty())
            m_settings.setValue(kToken, server.token);
    }
    m_settings.endArray();
    m_settings.sync();
}

QList<QUrl> ConnectionSettings::openServers() const
{
    QList<QUrl> urls;
    const QStringList values = m_settings.value(kOpen).toStringList();
    for (const QString &value : values) {
        const QUrl url(value);
        if (url.isValid())
            urls.append(url);
    }
    return urls;
}

void ConnectionSettings::setOpenServers(const QList<QUrl> &urls)
{
    QStringList values;
    for (const QUrl &url : urls)
        values.append(url.toString());
    m_settings.setValue(kOpen, values);
    m_settings.sync();
}

QString ConnectionSettings::location() const
{
    return m_settings.fileName();
}

} // namespace Mediaforge::Monitor
