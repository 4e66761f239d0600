// SPDX-License-Identifier: GPL-3.0-or-later
// The ffprobe JSON reader on any bytes (a hostile file can make ffprobe print odd values; a
// broken ffprobe can print anything). Properties: nothing crashes; a failure is
// UNSUPPORTED_INPUT; what parses can be described for clients (toJson, output metadata)
// without crashing or undefined behaviour (a number too big for its type included).

#include "fuzzcheck.h"
#include "media/mediainfo.h"

using namespace Mediaforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)   // ffprobe's output is read with a bound of its own
        return 0;
    const auto info = MediaInfo::fromFfprobeJson(FuzzInput::bytes(data, size));
    if (!info) {
        FUZZ_CHECK(info.error().code == ErrorCode::UnsupportedInput);
        return 0;
    }
    info->toJson();
    info->toOutputMetadata();
    info->firstVideo();
    info->firstAudio();
    for (const StreamInfo *stream : info->subtitleStreams())
        stream->isTextSubtitle();
    return 0;
}
