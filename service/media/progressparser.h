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
// Lines may end in LF or CRLF; values may be padded with spaces. A line longer than 4 KiB is
// not ffmpeg's and is dropped whole, so memory stays bounded whatever the child writes.
class ProgressParser
{
public:
    QList<FfmpegProgress> feed(QByteArrayView data);

private:
    // Applies one complete line to m_current; true when it closed a block (progress=...).
    bool parseLine(QByteArrayView line);

    QByteArray m_pending;   // an unfinished line
    FfmpegProgress m_current;
    int m_outTimeRank = 0;       // which out_time key set m_current.outTimeSeconds
    bool m_discarding = false;   // inside an over-long line: skip to its end
};

} // namespace Mediaforge

Q_DECLARE_METATYPE(Mediaforge::FfmpegProgress)
