// SPDX-License-Identifier: GPL-3.0-or-later
#include "authenticator.h"

#include <QFile>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QUrlQuery>

namespace Mediaforge {

QString roleName(Role role)
{
    return role == Role::Admin ? QStringLiteral("admin") : QStringLiteral("client");
}

Result<Authenticator> Authenticator::fromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::InternalError, QStringLiteral("cannot read the tokens file %1").arg(path));
    if (file.size() > 16 * 1024 * 1024)
        return Error(ErrorCode::InternalError, QStringLiteral("the tokens file %1 is too large").arg(path));
    return fromText(file.readAll());
}

Result<Authenticator> Authenticator::fromText(const QByteArray &text)
{
    Authenticator authenticator;
    authenticator.m_enabled = true;
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    static const QRegularExpression namePattern(QStringLiteral("^[A-Za-z0-9_.@:-]{1,64}$"));
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = QString::fromUtf8(lines.at(i)).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const QStringList parts = line.split(whitespace);
        const auto fail = [i](const QString &why) {
            return Error(ErrorCode::InternalError, QStringLiteral("tokens file line %1: %2").arg(i + 1).arg(why));
        };
        if (parts.size() < 3)
            return fail(QStringLiteral("expected `role token name [key=value ...]`"));
        Entry entry;
        if (parts.at(0) == QLatin1StringView("admin"))
            entry.identity.role = Role::Admin;
        else if (parts.at(0) == QLatin1StringView("client"))
            entry.identity.role = Role::Client;
        else
            return fail(QStringLiteral("role must be client or admin"));
        if (parts.at(1).size() < 16)
            return fail(QStringLiteral("tokens must be at least 16 characters"));
        if (!namePattern.match(parts.at(2)).hasMatch())
            return fail(QStringLiteral("name must be 1-64 characters of A-Z a-z 0-9 _ . @ : -"));
        entry.token = parts.at(1).toUtf8();
        entry.identity.name = parts.at(2);
        for (const Entry &existing : std::as_const(authenticator.m_entries)) {
            if (existing.token == entry.token)
                return fail(QStringLiteral("duplicate token"));
        }
        if (parts.size() > 3) {
            OwnerSettings settings;
            QStringList seen;
            for (qsizetype k = 3; k < parts.size(); ++k) {
                const qsizetype equals = parts.at(k).indexOf(u'=');
                if (equals <= 0)
                    // Not quoted: a secret typed after its key with a space would be this word.
                    return fail(QStringLiteral("word %1 is not key=value (keys come after the name)").arg(k + 1));
                const QString key = parts.at(k).left(equals);
                if (seen.contains(key))
                    return fail(QStringLiteral("key '%1' given twice").arg(key.left(64)));
                seen.append(key);
                if (auto problem = settings.apply(key, parts.at(k).mid(equals + 1)))
                    return fail(*problem);
            }
            // Tokens of one name are one owner: its rules cannot depend on which token came.
            const auto existing = authenticator.m_settings.constFind(entry.identity.name);
            if (existing != authenticator.m_settings.cend() && !(*existing == settings)) {
                return fail(QStringLiteral("the keys for '%1' differ from an earlier line of the same name")
                                    .arg(entry.identity.name));
            }
            authenticator.m_settings.insert(entry.identity.name, settings);
        }
        authenticator.m_entries.append(entry);
    }
    if (authenticator.m_entries.isEmpty())
        return Error(ErrorCode::InternalError, QStringLiteral("the tokens file has no tokens"));
    return authenticator;
}

std::optional<Identity> Authenticator::authenticate(QByteArrayView token) const
{
    std::optional<Identity> found;
    for (const Entry &entry : m_entries) {
        // Fold every byte of every candidate, whatever matched before.
        unsigned char difference = entry.token.size() == token.size() ? 0 : 1;
        const qsizetype length = std::min(entry.token.size(), token.size());
        for (qsizetype i = 0; i < length; ++i)
            difference |= static_cast<unsigned char>(entry.token.at(i) ^ token.at(i));
        if (difference == 0 && !found)
            found = entry.identity;
    }
    return found;
}

QByteArray Authenticator::tokenFromHeaders(const QByteArray &authorization, const QString &query)
{
    const QByteArray trimmed = authorization.trimmed();
    if (trimmed.size() > 7 && trimmed.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
        return trimmed.mid(7).trimmed();
    return QUrlQuery(query).queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded).toUtf8();
}

QByteArray Authenticator::tokenFromRequest(const QNetworkRequest &request)
{
    return tokenFromHeaders(request.rawHeader("Authorization"), request.url().query());
}

} // namespace Mediaforge
