// SPDX-License-Identifier: GPL-3.0-or-later
#include "httprequest.h"

#include <algorithm>
#include <cctype>

namespace Mediaforge {

namespace {

// RFC 9110 token characters: methods and field names.
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

QByteArrayView trimmed(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

bool hasConnectionOption(const HttpRequest &request, QByteArrayView option)
{
    for (const auto &[name, value] : request.headers) {
        if (name != "connection")
            continue;
        for (const QByteArray &part : value.split(',')) {
            if (trimmed(part).compare(option, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

HttpRequest::Problem problem(int status, const char *reason)
{
    return HttpRequest::Problem{status, QByteArray(reason)};
}

} // namespace

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key == name)
            return value;
    }
    return QByteArray();
}

bool HttpRequest::keepAlive() const
{
    if (minorVersion == 0)
        return hasConnectionOption(*this, "keep-alive");
    return !hasConnectionOption(*this, "close");
}

std::variant<HttpRequest, HttpRequest::Problem> HttpRequest::parse(QByteArrayView head)
{
    QList<QByteArrayView> lines;
    while (!head.isEmpty()) {
        qsizetype end = head.indexOf('\n');
        if (end < 0)
            end = head.size();
        QByteArrayView line = head.first(end);
        if (line.endsWith('\r'))
            line.chop(1);
        lines.append(line);
        head = head.sliced(std::min(end + 1, head.size()));
    }
    if (lines.isEmpty())
        return problem(400, "empty request");

    HttpRequest request;
    const QByteArrayView requestLine = lines.takeFirst();
    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype lastSpace = requestLine.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        return problem(400, "malformed request line");
    request.method = requestLine.first(firstSpace).toByteArray();
    request.target = requestLine.sliced(firstSpace + 1, lastSpace - firstSpace - 1).toByteArray();
    const QByteArrayView version = requestLine.sliced(lastSpace + 1);
    if (!isToken(request.method))
        return problem(400, "malformed method");
    if (version.size() != 8 || !version.startsWith("HTTP/") || version.at(6) != '.'
        || !std::isdigit(static_cast<unsigned char>(version.at(5)))
        || !std::isdigit(static_cast<unsigned char>(version.at(7))))
        return problem(400, "malformed HTTP version");
    if (version.at(5) != '1')
        return problem(505, "only HTTP/1.0 and HTTP/1.1 are served");
    request.minorVersion = version.at(7) - '0';
    for (char c : request.target) {
        // No spaces or controls inside the target: a sign of request smuggling or garbage.
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return problem(400, "malformed request target");
    }
    request.url = QUrl::fromEncoded(request.target, QUrl::StrictMode);
    if (!request.url.isValid() || (!request.target.startsWith('/') && request.url.scheme().isEmpty()
                                   && request.target != "*"))
        return problem(400, "malformed request target");

    bool sawLength = false;
    for (const QByteArrayView line : std::as_const(lines)) {
        if (line.isEmpty())
            continue;
        if (line.front() == ' ' || line.front() == '\t')
            return problem(400, "obsolete line folding");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return problem(400, "malformed header field");
        const QByteArray name = line.first(colon).toByteArray().toLower();
        const QByteArray value = trimmed(line.sliced(colon + 1)).toByteArray();
        for (char c : value) {
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return problem(400, "control character in a header field");
        }
        if (name == "content-length") {
            bool ok = false;
            const qint64 length = value.toLongLong(&ok);
            const bool digits = !value.isEmpty()
                    && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (!ok || !digits || length < 0)
                return problem(400, "malformed Content-Length");
            if (sawLength && length != request.contentLength)
                return problem(400, "conflicting Content-Length fields");
            sawLength = true;
            request.contentLength = length;
        } else if (name == "transfer-encoding") {
            request.chunked = true;
        }
        request.headers.append({name, value});
    }
    return request;
}

} // namespace Mediaforge
