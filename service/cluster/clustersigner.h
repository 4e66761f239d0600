// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

namespace Mediaforge {

// Signs and checks the requests nodes make to each other's HTTP port with the cluster secret:
// HMAC-SHA256 over the method, the path, the calling node's name and an expiry (Unix seconds).
// A signature is good for at most kMaxLifetimeSeconds, so a captured request replays only
// briefly, and it names one path, so it opens one file. Clients' tokens play no part: the
// secret is shared by the nodes only (docs/security.md).
class ClusterSigner
{
public:
    // How far ahead an expiry may lie, and the clock difference tolerated between nodes.
    static constexpr qint64 kMaxLifetimeSeconds = 60;
    static constexpr qint64 kSkewSeconds = 5;

    // The request header fields (lowercase names, as HttpRequest holds them).
    static constexpr const char *kNodeHeader = "x-mediaforge-node";
    static constexpr const char *kExpiresHeader = "x-mediaforge-expires";
    static constexpr const char *kSignatureHeader = "x-mediaforge-signature";

    enum class Verdict {
        Valid,
        Missing,       // no signature fields at all: 401
        Malformed,     // fields present but unreadable (node name, expiry, hex): 403
        Expired,       // the expiry has passed (beyond the skew): 403
        TooFarAhead,   // an expiry further ahead than the lifetime allows: 403
        Forged,        // the HMAC does not match: 403
    };

    ClusterSigner(QByteArray secret, QString node);

    bool enabled() const { return !m_secret.isEmpty(); }
    QString node() const { return m_node; }

    // The three header fields for a request `method` `path` made now (`nowSeconds`), valid
    // for `lifetimeSeconds` (at most kMaxLifetimeSeconds).
    QList<std::pair<QByteArray, QByteArray>> sign(const QByteArray &method, const QString &path, qint64 nowSeconds,
                                                  qint64 lifetimeSeconds = 30) const;
    // Whether a request carries a valid signature at `nowSeconds`. `node` is the caller's name
    // as it claims it: trustworthy only when the verdict is Valid.
    Verdict verify(const QByteArray &method, const QString &path, const QByteArray &node, const QByteArray &expires,
                   const QByteArray &signature, qint64 nowSeconds) const;

    static const char *verdictName(Verdict verdict);

private:
    QByteArray mac(const QByteArray &method, const QString &path, const QByteArray &node, qint64 expires) const;

    QByteArray m_secret;
    QString m_node;
};

} // namespace Mediaforge
