// SPDX-License-Identifier: GPL-3.0-or-later
#include "s3signer.h"

#include <QNetworkRequest>
#include <QUrlQuery>

namespace Mediaforge {

void signStorageRequest(QNetworkRequest &request, const StorageSpec &storage, const QByteArray &method,
                        const QUrl &url, const QByteArray &host, const QByteArray &payloadHash, const QDateTime &now)
{
    SigV4::Request signable;
    signable.method = method;
    signable.host = host;
    const QByteArray sentPath = url.path(QUrl::FullyEncoded).toLatin1();
    signable.encodedPath = SigV4::uriEncode(QByteArray::fromPercentEncoding(sentPath), true);
    const QUrlQuery query(url);
    for (const auto &[name, value] : query.queryItems(QUrl::FullyDecoded))
        signable.query.append({name.toUtf8(), value.toUtf8()});
    signable.payloadHash = payloadHash;
    const QByteArray contentType = request.rawHeader("Content-Type");
    if (!contentType.isEmpty())
        signable.headers.append({QByteArrayLiteral("content-type"), contentType});
    const QList<SigV4::Header> added = SigV4::sign(signable, storage.credentials, storage.region, "s3", now);
    for (const auto &[name, value] : added)
        request.setRawHeader(name, value);
}

} // namespace Mediaforge
