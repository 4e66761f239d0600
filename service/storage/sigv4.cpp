// SPDX-License-Identifier: GPL-3.0-or-later
#include "sigv4.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>

#include <algorithm>

namespace Mediaforge::SigV4 {

namespace {

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

QByteArray hmac(const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

// Trimall: surrounding white space removed, inner runs of spaces collapsed to one, as the
// signing rules ask (and as servers recompute it).
QByteArray trimAll(const QByteArray &value)
{
    return value.simplified();
}

} // namespace

QByteArray emptyPayloadHash()
{
    return sha256Hex(QByteArray());
}

QByteArray uriEncode(const QByteArray &utf8, bool keepSlash)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(utf8.size() * 3);
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z')
                || (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~';
        if (unreserved || (keepSlash && byte == '/')) {
            out += c;
        } else {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        }
    }
    return out;
}

QByteArray canonicalQuery(const QList<Header> &query)
{
    QList<Header> encoded;
    encoded.reserve(query.size());
    for (const auto &[name, value] : query)
        encoded.append({uriEncode(name, false), uriEncode(value, false)});
    // Sorted by encoded name, then value (byte order), which is what servers recompute.
    std::sort(encoded.begin(), encoded.end());
    QByteArray out;
    for (const auto &[name, value] : encoded) {
        if (!out.isEmpty())
            out += '&';
        out += name + '=' + value;
    }
    return out;
}

QByteArray canonicalRequest(const Request &request, const QList<Header> &signedHeaders,
                            QByteArray *signedHeaderNames)
{
    // Lower-case names, sorted; repeated names joined with commas in the order given.
    QList<Header> headers;
    for (const auto &[name, value] : signedHeaders) {
        const QByteArray lower = name.trimmed().toLower();
        auto existing = std::find_if(headers.begin(), headers.end(),
                                     [&](const Header &header) { return header.first == lower; });
        if (existing != headers.end())
            existing->second += ',' + trimAll(value);
        else
            headers.append({lower, trimAll(value)});
    }
    std::sort(headers.begin(), headers.end(),
              [](const Header &a, const Header &b) { return a.first < b.first; });
    QByteArray canonicalHeaders;
    QByteArray names;
    for (const auto &[name, value] : headers) {
        canonicalHeaders += name + ':' + value + '\n';
        if (!names.isEmpty())
            names += ';';
        names += name;
    }
    if (signedHeaderNames)
        *signedHeaderNames = names;
    const QByteArray path = request.encodedPath.isEmpty() ? QByteArrayLiteral("/") : request.encodedPath;
    return request.method.toUpper() + '\n' + path + '\n' + canonicalQuery(request.query) + '\n'
            + canonicalHeaders + '\n' + names + '\n' + request.payloadHash;
}

QList<Header> sign(const Request &request, const Credentials &credentials, const QByteArray &region,
                   const QByteArray &service, const QDateTime &timeUtc)
{
    const QDateTime utc = timeUtc.toUTC();
    const QByteArray date = utc.toString(QStringLiteral("yyyyMMdd")).toLatin1();
    const QByteArray stamp = utc.toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")).toLatin1();

    QList<Header> added{{QByteArrayLiteral("x-amz-date"), stamp},
                        {QByteArrayLiteral("x-amz-content-sha256"), request.payloadHash}};
    if (!credentials.sessionToken.isEmpty())
        added.append({QByteArrayLiteral("x-amz-security-token"), credentials.sessionToken});

    QList<Header> toSign{{QByteArrayLiteral("host"), request.host}};
    toSign += request.headers;
    toSign += added;

    QByteArray signedHeaderNames;
    const QByteArray canonical = canonicalRequest(request, toSign, &signedHeaderNames);
    const QByteArray scope = date + '/' + region + '/' + service + "/aws4_request";
    const QByteArray stringToSign = "AWS4-HMAC-SHA256\n" + stamp + '\n' + scope + '\n' + sha256Hex(canonical);

    const QByteArray dateKey = hmac("AWS4" + credentials.secretAccessKey, date);
    const QByteArray regionKey = hmac(dateKey, region);
    const QByteArray serviceKey = hmac(regionKey, service);
    const QByteArray signingKey = hmac(serviceKey, QByteArrayLiteral("aws4_request"));
    const QByteArray signature = hmac(signingKey, stringToSign).toHex();

    added.prepend({QByteArrayLiteral("Authorization"),
                   "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + '/' + scope
                           + ", SignedHeaders=" + signedHeaderNames + ", Signature=" + signature});
    return added;
}

} // namespace Mediaforge::SigV4
