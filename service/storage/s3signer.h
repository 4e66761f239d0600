// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "storagespec.h"

#include <QDateTime>

class QNetworkRequest;

namespace Mediaforge {

// Signs a request to a configured storage in place: the SigV4 headers for `method` to `url`
// (the URL as it is meant, before the downloader pins its host to an address) with the Host
// header `host` that is actually sent. The path is signed in S3's canonical form, decoded and
// encoded again, so that it matches what the server computes from the path it receives.
void signStorageRequest(QNetworkRequest &request, const StorageSpec &storage, const QByteArray &method,
                        const QUrl &url, const QByteArray &host, const QByteArray &payloadHash,
                        const QDateTime &now = QDateTime::currentDateTimeUtc());

} // namespace Mediaforge
