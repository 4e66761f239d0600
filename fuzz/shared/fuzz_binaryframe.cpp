// SPDX-License-Identifier: GPL-3.0-or-later
// The binary message layout (4-byte header length, JSON header, payload) on any bytes.
// Properties: nothing crashes or reads past the message; a message that parses re-encodes to
// a frame that parses to the same header and payload; failures are INVALID_BINARY.

#include "binaryframe.h"
#include "fuzzcheck.h"

using namespace Mediaforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // A view of exactly the input: a read past its end is an ASan report.
    const QByteArrayView message(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto frame = BinaryFrame::parse(message);
    if (!frame) {
        FUZZ_CHECK(frame.error().code == ErrorCode::InvalidBinary);
        return 0;
    }
    FUZZ_CHECK(frame->payload.size() <= message.size() - 4);
    FUZZ_CHECK(frame->payload.isEmpty() || frame->payload.data() >= message.data());
    FUZZ_CHECK(frame->payload.isEmpty() || frame->payload.data() + frame->payload.size() == message.data() + message.size());
    const QByteArray encoded = BinaryFrame::encode(frame->header, frame->payload);
    // Re-encoding may lengthen a header (1e9 becomes 1000000000): past the limit, parse must
    // refuse it; within it, the round trip must be exact.
    const bool fits = encoded.size() - 4 - frame->payload.size() <= BinaryFrame::kMaxHeaderBytes;
    const auto again = BinaryFrame::parse(encoded);
    FUZZ_CHECK(again.ok() == fits);
    if (!fits)
        return 0;
    FUZZ_CHECK(again->header == frame->header);
    FUZZ_CHECK(again->payload == frame->payload);
    return 0;
}
