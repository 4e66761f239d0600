// SPDX-License-Identifier: GPL-3.0-or-later
// The request line mediaforge-prober reads on its stdin, any bytes. Properties: nothing
// crashes; what is accepted names an absolute path without NUL or line breaks and a demuxer
// list of lowercase names, and writes back as a line that decodes to the same request (so the
// service's own requests always pass).

#include "fuzzcheck.h"
#include "proberrequest.h"

#include <QRegularExpression>

using namespace Mediaforge::Prober;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > size_t(2 * kMaxRequestBytes))   // the prober stops reading a line there
        return 0;
    const std::optional<Request> request = Request::fromLine(FuzzInput::bytes(data, size));
    if (!request)
        return 0;
    FUZZ_CHECK(request->path.startsWith(u'/'));
    FUZZ_CHECK(!request->path.contains(QChar(0)) && !request->path.contains(u'\n'));
    static const QRegularExpression names(QStringLiteral("^[a-z0-9_,]+$"));
    FUZZ_CHECK(names.match(request->formats).hasMatch());
    const QByteArray line = request->toLine();
    FUZZ_CHECK(line.endsWith('\n') && line.count('\n') == 1);
    const std::optional<Request> again = Request::fromLine(line);
    FUZZ_CHECK(again && again->path == request->path && again->formats == request->formats);
    return 0;
}
