// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP port's request-head parser (service/server/httprequest.*), which reads bytes from any
// peer before authentication. Input: a request head without its terminating empty line, at
// most what the connection buffers (HttpLimits::maxHeadBytes). Properties: nothing crashes; a
// refusal is 400 or 505 with a reason; an accepted head holds only what the parser promises
// (a token method, a target without spaces or controls, lowercase token field names, trimmed
// values without controls, a non-negative length); and writing the parsed head out again
// parses to the same request, so the parser and what it hands on cannot disagree.

#include "server/httpconnection.h"
#include "server/httprequest.h"
#include "fuzzcheck.h"

#include <variant>

using namespace Mediaforge;

namespace {

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

void checkAccepted(const HttpRequest &request)
{
    FUZZ_CHECK(isToken(request.method));
    FUZZ_CHECK(!request.target.isEmpty());
    for (char c : request.target)
        FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
    FUZZ_CHECK(request.url.isValid());
    FUZZ_CHECK(request.minorVersion >= 0 && request.minorVersion <= 9);
    FUZZ_CHECK(request.contentLength >= 0);
    FUZZ_CHECK(request.hasBody() == (request.chunked || request.contentLength > 0));
    for (const auto &[name, value] : request.headers) {
        FUZZ_CHECK(isToken(name));
        FUZZ_CHECK(name == name.toLower());
        for (char c : value)
            FUZZ_CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\t') && c != 0x7f);
        FUZZ_CHECK(value.isEmpty() || (value.front() != ' ' && value.front() != '\t'));
        FUZZ_CHECK(value.isEmpty() || (value.back() != ' ' && value.back() != '\t'));
        FUZZ_CHECK(!request.header(name).isNull() || value.isEmpty());
    }
    request.keepAlive();
    request.isHead();
}

QByteArray written(const HttpRequest &request)
{
    QByteArray head = request.method + ' ' + request.target + " HTTP/1." + QByteArray::number(request.minorVersion);
    for (const auto &[name, value] : request.headers)
        head += "\r\n" + name + ": " + value;
    return head;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > size_t(HttpLimits{}.maxHeadBytes))
        return 0;
    const QByteArray head = FuzzInput::bytes(data, size);
    const auto parsed = HttpRequest::parse(head);
    if (const auto *refused = std::get_if<HttpRequest::Problem>(&parsed)) {
        FUZZ_CHECK(refused->status == 400 || refused->status == 505);
        FUZZ_CHECK(!refused->reason.isEmpty());
        return 0;
    }
    const HttpRequest &request = std::get<HttpRequest>(parsed);
    checkAccepted(request);

    const auto again = HttpRequest::parse(written(request));
    FUZZ_CHECK(std::holds_alternative<HttpRequest>(again));
    const HttpRequest &second = std::get<HttpRequest>(again);
    FUZZ_CHECK(second.method == request.method);
    FUZZ_CHECK(second.target == request.target);
    FUZZ_CHECK(second.url == request.url);
    FUZZ_CHECK(second.minorVersion == request.minorVersion);
    FUZZ_CHECK(second.headers == request.headers);
    FUZZ_CHECK(second.contentLength == request.contentLength);
    FUZZ_CHECK(second.chunked == request.chunked);
    FUZZ_CHECK(second.keepAlive() == request.keepAlive());
    return 0;
}
