// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace Mediaforge {

// What the configured ffmpeg is, asked once at start-up: /health reports the version, the
// result cache keys on it, and a cluster's nodes table advertises both (docs/scaling.md).
struct FfmpegInfo
{
    QString version;       // "5.1.6-0+deb12u1"; empty when ffmpeg cannot be run
    QStringList encoders;  // encoder names as `-encoders` lists them, sorted; empty likewise

    static FfmpegInfo detect(const QString &program);
    // The name column of `ffmpeg -encoders` output; lines that are not an encoder are skipped,
    // and the list is bounded (kMaxEncoders names of at most 64 characters).
    static QStringList parseEncoders(const QByteArray &output);
    static constexpr int kMaxEncoders = 1000;
};

} // namespace Mediaforge
