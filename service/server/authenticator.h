// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QByteArray>
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

// Tokens from a file of `role token name` lines (role `client` or `admin`; `#` comments).
// Without a file, authentication is off and every connection is an admin of its own namespace.
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

private:
    struct Entry
    {
        Identity identity;
        QByteArray token;
    };
    QList<Entry> m_entries;
    bool m_enabled = false;
};

} // namespace Mediaforge
