// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhooksigner.h"

#include <QCryptographicHash>
#include <QList>
#include <QMessageAuthenticationCode>

namespace Mediaforge {

Q_LOGGING_CATEGORY(lcWebhooks, "mediaforge.webhooks")

namespace WebhookSigner {

namespace {

QByteArray mac(const QByteArray &secret, const QByteArray &timestamp, const QByteArray &body)
{
    QMessageAuthenticationCode code(QCryptographicHash::Sha256, secret);
    code.addData(timestamp);
    code.addData(".");
    code.addData(body);
    return code.result().toHex();
}

// Compares in time independent of where the first difference is.
bool sameBytes(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return difference == 0;
}

} // namespace

QByteArray signature(const QByteArray &secret, qint64 unixSeconds, const QByteArray &body)
{
    const QByteArray timestamp = QByteArray::number(unixSeconds);
    return "t=" + timestamp + ",v1=" + mac(secret, timestamp, body);
}

bool verify(const QByteArray &secret, const QByteArray &header, const QByteArray &body, qint64 nowSeconds,
            std::chrono::seconds tolerance)
{
    QByteArray timestamp;
    QList<QByteArray> candidates;
    for (const QByteArray &part : header.split(',')) {
        const QByteArray item = part.trimmed();
        if (item.startsWith("t="))
            timestamp = item.mid(2);
        else if (item.startsWith("v1="))
            candidates.append(item.mid(3));
    }
    bool ok = false;
    const qint64 seconds = timestamp.toLongLong(&ok);
    if (!ok || qAbs(nowSeconds - seconds) > tolerance.count())
        return false;
    const QByteArray expected = mac(secret, timestamp, body);
    for (const QByteArray &candidate : std::as_const(candidates)) {
        if (sameBytes(candidate, expected))
            return true;
    }
    return false;
}

} // namespace WebhookSigner

} // namespace Mediaforge
