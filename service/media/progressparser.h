// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>

#include <optional>

namespace Mediaforge {

// One block of ffmpeg's `-progress` output (key=value lines up to `progress=continue|end`).
// Fields ffmpeg reports as N/A stay unset.
struct FfmpegProgress
{
    std::optional<double> outTimeSeconds;   // from out_time_us (out_time_ms is also microseconds)
    std::optional<double> speed;            // "1.23x" -> 1.23
    std::optional<double> fps;
    std::optional<qint64> frame;
    std::optional<qint64> totalSize;        // bytes written so far
    bool end = false;                       // progress=end
};

// Incremental: feed whatever the pipe delivered (partial lines included), get complete blocks.
class ProgressParser
{
public:
    QList<FfmpegProgress> feed(QByteArrayView data);

private:
    QByteArray m_pending;   // an unfinished line
    FfmpegProgress m_current;
};

} // namespace Mediaforge

Q_DECLARE_METATYPE(Mediaforge::FfmpegProgress)
