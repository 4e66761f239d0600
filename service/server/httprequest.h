// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QUrl>

#include <utility>
#include <variant>

namespace Mediaforge {

// One HTTP/1.x request head (request line and header fields) as the HTTP port reads it. The
// routes of that port take no body, so a request is complete once its head has arrived.
struct HttpRequest
{
    QByteArray method;                                  // case-sensitive, as sent ("GET")
    QByteArray target;                                  // request-target, as sent
    QUrl url;                                           // path and query of the target
    int minorVersion = 1;                               // HTTP/1.<minorVersion>
    QList<std::pair<QByteArray, QByteArray>> headers;   // names lowercased, values trimmed
    qint64 contentLength = 0;                           // from Content-Length; 0 when absent
    bool chunked = false;                               // any Transfer-Encoding (a body of unknown length)

    bool isHead() const { return method == "HEAD"; }
    // The first value of a field, empty when absent. `name` is lowercase.
    QByteArray header(QByteArrayView name) const;
    // Whether the client asked to keep the connection open after this exchange (HTTP/1.1
    // unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive").
    bool keepAlive() const;
    bool hasBody() const { return chunked || contentLength > 0; }

    // A request head that cannot be served, with the status to answer it with.
    struct Problem
    {
        int status = 400;        // 400, or 505 for another HTTP major version
        QByteArray reason;       // for the error body and the debug log
    };
    // Parses a head without its terminating empty line ("GET / HTTP/1.1\r\nHost: x").
    // Strict where leniency lets two parsers disagree about a message (obsolete line folding,
    // space before a colon, conflicting lengths), lenient about bare LF line ends.
    static std::variant<HttpRequest, Problem> parse(QByteArrayView head);
};

} // namespace Mediaforge
