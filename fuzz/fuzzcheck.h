// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the fuzz targets share. FUZZ_CHECK states a property every input must keep; breaking it
// aborts, which libFuzzer (and the replay main under ctest) reports as a crash with the input.

#include <QByteArray>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace FuzzInput {

// The input as a QByteArray that owns a copy (Qt may keep what it parses).
inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
}

} // namespace FuzzInput
