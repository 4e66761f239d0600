// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "ownersettings.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

class QNetworkRequest;

namespace Mediaforge {

enum class Role { Client, Admin };
QString roleName(Role role);

struct Identity
{
    Role role = Role::Client;
    QString name;   // the token's name: owner namespace and label
};

// Tokens from a file of `role token name [key=value ...]` lines (role `client` or `admin`; `#`
// comments). The keys set what the owner name may do (OwnerSettings); every token of a name
// shares them. Without a file, authentication is off and every connection is an admin of its
// own namespace.
class Authenticator
{
public:
    Authenticator() = default;   // authentication off
    static Result<Authenticator> fromFile(const QString &path);
    static Result<Authenticator> fromText(const QByteArray &text);

    bool enabled() const { return m_enabled; }
    // Compares in constant time against every token, so that timing does not reveal a prefix.
    std::optional<Identity> authenticate(QByteArrayView token) const;
    // The token a request carries: `Authorization: Bearer …`, else `?token=` in the URL.
    static QByteArray tokenFromRequest(const QNetworkRequest &request);
    static QByteArray tokenFromHeaders(const QByteArray &authorization, const QString &query);
    // The settings of an owner name from its tokens' keys; defaults (no limits) for any other.
    OwnerSettings ownerSettings(const QString &owner) const { return m_settings.value(owner); }
    // Owner names whose lines carry keys (quotas, presets, webhook settings).
    QStringList ownersWithSettings() const { return m_settings.keys(); }

private:
    struct Entry
    {
        Identity identity;
        QByteArray token;
    };
    QList<Entry> m_entries;
    QHash<QString, OwnerSettings> m_settings;   // owner names whose lines carry keys
    bool m_enabled = false;
};

} // namespace Mediaforge
