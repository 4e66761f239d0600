// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <utility>

namespace Mediaforge::SigV4 {

// AWS Signature Version 4 for S3-compatible storages, as headers (not presigned query strings).
// Pure functions, no I/O: the caller builds the request, asks for the headers to add, and sends
// exactly what it signed. Checked against botocore's signer by tests/storage/tst_sigv4.

using Header = std::pair<QByteArray, QByteArray>;

struct Credentials
{
    QByteArray accessKeyId;
    QByteArray secretAccessKey;
    QByteArray sessionToken;   // optional (temporary credentials): sent as x-amz-security-token
};

// The hash that stands in for the body when it is not signed; TLS carries its integrity then.
inline constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty body, hex.
QByteArray emptyPayloadHash();

struct Request
{
    QByteArray method;                 // GET, PUT, POST, HEAD, DELETE
    QByteArray host;                   // the Host header as it is sent (with ":port" if not default)
    QByteArray encodedPath;            // the path as sent: "/" or percent-encoded (uriEncodePath)
    QList<Header> query;               // decoded names and values, in any order
    QList<Header> headers;             // further headers to sign (names any case), e.g. Content-Type
    QByteArray payloadHash;            // hex SHA-256 of the body, or kUnsignedPayload
};

// RFC 3986 unreserved characters stay, everything else is %XX with upper-case hex; with
// keepSlash, '/' stays too (object keys in paths).
QByteArray uriEncode(const QByteArray &utf8, bool keepSlash);
// An object key as the path part after the bucket: each byte encoded as above, '/' kept.
inline QByteArray uriEncodePath(const QString &key) { return uriEncode(key.toUtf8(), true); }
// The query string to send, in the same (canonical, sorted) form that is signed.
QByteArray canonicalQuery(const QList<Header> &query);

// The headers to add to the request: Authorization, x-amz-date, x-amz-content-sha256 and
// x-amz-security-token when there is a session token. `service` is "s3".
QList<Header> sign(const Request &request, const Credentials &credentials, const QByteArray &region,
                   const QByteArray &service, const QDateTime &timeUtc);

// The parts in between, exposed for tests and for explaining a SignatureDoesNotMatch.
QByteArray canonicalRequest(const Request &request, const QList<Header> &signedHeaders,
                            QByteArray *signedHeaderNames);

} // namespace Mediaforge::SigV4
