// SPDX-License-Identifier: GPL-3.0-or-later
#include "clustersigner.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>

#include <algorithm>

namespace Mediaforge {

namespace {

// The same rule as --node-name: nothing that could end a line of the signed text.
bool fitNodeName(const QByteArray &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"));
    return pattern.match(QString::fromLatin1(name)).hasMatch();
}

// Compares every byte whatever the first difference: how long a refusal takes must not tell
// a forger how many leading bytes were right.
bool equalInConstantTime(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return difference == 0;
}

} // namespace

ClusterSigner::ClusterSigner(QByteArray secret, QString node) : m_secret(std::move(secret)), m_node(std::move(node)) { }

QByteArray ClusterSigner::mac(const QByteArray &method, const QString &path, const QByteArray &node, qint64 expires) const
{
    // A version tag first, and one field per line: no field can contain a line end (method
    // and node are checked, the path is percent-encoded), so no two requests sign the same text.
    QByteArray text = "mediaforge-cluster-v1\n" + method + '\n' + path.toUtf8() + '\n' + node + '\n'
            + QByteArray::number(expires);
    return QMessageAuthenticationCode::hash(text, m_secret, QCryptographicHash::Sha256);
}

QList<std::pair<QByteArray, QByteArray>> ClusterSigner::sign(const QByteArray &method, const QString &path,
                                                             qint64 nowSeconds, qint64 lifetimeSeconds) const
{
    const qint64 expires = nowSeconds + std::clamp<qint64>(lifetimeSeconds, 1, kMaxLifetimeSeconds);
    const QByteArray node = m_node.toLatin1();
    return {{"X-Mediaforge-Node", node},
            {"X-Mediaforge-Expires", QByteArray::number(expires)},
            {"X-Mediaforge-Signature", mac(method, path, node, expires).toHex()}};
}

ClusterSigner::Verdict ClusterSigner::verify(const QByteArray &method, const QString &path, const QByteArray &node,
                                             const QByteArray &expires, const QByteArray &signature,
                                             qint64 nowSeconds) const
{
    if (node.isEmpty() && expires.isEmpty() && signature.isEmpty())
        return Verdict::Missing;
    bool numeric = false;
    const qint64 expiry = expires.toLongLong(&numeric);
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    if (!enabled() || !fitNodeName(node) || !numeric || !hex.match(QString::fromLatin1(signature)).hasMatch()
        || path.contains(u'\n') || method.contains('\n'))
        return Verdict::Malformed;
    // The MAC first: an expiry is only worth judging once it is known to be the signer's.
    if (!equalInConstantTime(mac(method, path, node, expiry), QByteArray::fromHex(signature)))
        return Verdict::Forged;
    if (expiry + kSkewSeconds < nowSeconds)
        return Verdict::Expired;
    if (expiry > nowSeconds + kMaxLifetimeSeconds + kSkewSeconds)
        return Verdict::TooFarAhead;
    return Verdict::Valid;
}

const char *ClusterSigner::verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Valid:
        return "valid";
    case Verdict::Missing:
        return "missing";
    case Verdict::Malformed:
        return "malformed";
    case Verdict::Expired:
        return "expired";
    case Verdict::TooFarAhead:
        return "too_far_ahead";
    case Verdict::Forged:
        return "forged";
    }
    return "unknown";
}

} // namespace Mediaforge
