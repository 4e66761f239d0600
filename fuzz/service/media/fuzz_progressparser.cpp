// SPDX-License-Identifier: GPL-3.0-or-later
// ffmpeg's -progress output (what the child writes on its pipe), any bytes, in any pieces.
// Properties: nothing crashes; the blocks do not depend on how the pipe split the bytes (the
// first byte picks a chunk size); times, speeds and rates are finite and times not negative.

#include "fuzzcheck.h"
#include "media/progressparser.h"

#include <cmath>

using namespace Mediaforge;

namespace {

bool same(const FfmpegProgress &a, const FfmpegProgress &b)
{
    return a.outTimeSeconds == b.outTimeSeconds && a.speed == b.speed && a.fps == b.fps && a.frame == b.frame
           && a.totalSize == b.totalSize && a.end == b.end;
}

bool finiteOrUnset(const std::optional<double> &value)
{
    return !value || std::isfinite(*value);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const qsizetype chunk = 1 + data[0] % 64;
    const QByteArrayView output(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    ProgressParser whole;
    const QList<FfmpegProgress> expected = whole.feed(output);

    ProgressParser pieces;
    QList<FfmpegProgress> got;
    for (qsizetype offset = 0; offset < output.size(); offset += chunk)
        got += pieces.feed(output.sliced(offset, std::min(chunk, output.size() - offset)));

    FUZZ_CHECK(got.size() == expected.size());
    for (qsizetype i = 0; i < got.size(); ++i) {
        FUZZ_CHECK(same(got.at(i), expected.at(i)));
        const FfmpegProgress &block = got.at(i);
        FUZZ_CHECK(finiteOrUnset(block.outTimeSeconds) && finiteOrUnset(block.speed) && finiteOrUnset(block.fps));
        FUZZ_CHECK(!block.outTimeSeconds || *block.outTimeSeconds >= 0);
    }
    return 0;
}
