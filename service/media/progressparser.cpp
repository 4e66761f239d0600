// SPDX-License-Identifier: GPL-3.0-or-later
#include "progressparser.h"

#include <cmath>

namespace Mediaforge {

namespace {

// ffmpeg's longest real line is well under 100 bytes; anything longer is not -progress output
// and is dropped so that a misbehaving child cannot make us buffer without bound.
constexpr qsizetype kMaxLineLength = 4096;

// Where the current block's out time came from. ffmpeg 5.1 prints out_time_us, out_time_ms
// (also microseconds, despite the name) and out_time (hh:mm:ss.micro), in that order; the
// integer microseconds are exact, so a later, less exact key never overrides an earlier one.
enum OutTimeRank { NoOutTime = 0, RankOutTime = 1, RankOutTimeMs = 2, RankOutTimeUs = 3 };

bool isNotAvailable(QByteArrayView value)
{
    return value.isEmpty() || value == QByteArrayView("N/A");
}

std::optional<double> parseDouble(QByteArrayView value)
{
    if (isNotAvailable(value))
        return std::nullopt;
    bool ok = false;
    const double parsed = QByteArray(value.data(), value.size()).toDouble(&ok);
    if (!ok || !std::isfinite(parsed))
        return std::nullopt;
    return parsed;
}

std::optional<qint64> parseInteger(QByteArrayView value)
{
    if (isNotAvailable(value))
        return std::nullopt;
    bool ok = false;
    const qint64 parsed = QByteArray(value.data(), value.size()).toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    return parsed;
}

// Negative times appear while ffmpeg has not yet output a frame past the start of some inputs
// (e.g. "-00:00:04.976780"); they are no progress, so they count as unset.
std::optional<double> parseMicroseconds(QByteArrayView value)
{
    const std::optional<qint64> micros = parseInteger(value);
    if (!micros || *micros < 0)
        return std::nullopt;
    return double(*micros) / 1e6;
}

// "hh:mm:ss.micro"; the hours are not limited to two digits.
std::optional<double> parseClock(QByteArrayView value)
{
    if (isNotAvailable(value) || value.startsWith('-'))
        return std::nullopt;
    const QList<QByteArray> parts = QByteArray(value.data(), value.size()).split(':');
    if (parts.size() != 3)
        return std::nullopt;
    bool hoursOk = false;
    bool minutesOk = false;
    bool secondsOk = false;
    const qint64 hours = parts[0].toLongLong(&hoursOk);
    const int minutes = parts[1].toInt(&minutesOk);
    const double seconds = parts[2].toDouble(&secondsOk);
    if (!hoursOk || !minutesOk || !secondsOk || hours < 0 || minutes < 0 || minutes >= 60
        || seconds < 0 || seconds >= 60 || !std::isfinite(seconds)) {
        return std::nullopt;
    }
    return double(hours) * 3600.0 + minutes * 60.0 + seconds;
}

// "1.23x", "   0x", "2.35e+03x" or "N/A".
std::optional<double> parseSpeed(QByteArrayView value)
{
    if (value.endsWith('x'))
        value.chop(1);
    const std::optional<double> speed = parseDouble(value.trimmed());
    if (!speed || *speed < 0)
        return std::nullopt;
    return speed;
}

} // namespace

QList<FfmpegProgress> ProgressParser::feed(QByteArrayView data)
{
    QList<FfmpegProgress> blocks;
    while (!data.isEmpty()) {
        const qsizetype newline = data.indexOf('\n');
        const QByteArrayView piece = newline < 0 ? data : data.first(newline);
        data = newline < 0 ? QByteArrayView() : data.sliced(newline + 1);

        if (!m_discarding && m_pending.size() + piece.size() > kMaxLineLength) {
            m_pending.clear();
            m_discarding = true;
        }
        if (!m_discarding)
            m_pending.append(piece.data(), piece.size());
        if (newline < 0)
            break;   // the rest of this line comes with a later read

        if (!m_discarding && parseLine(m_pending)) {
            blocks.append(m_current);
            m_current = FfmpegProgress();
            m_outTimeRank = NoOutTime;
        }
        m_pending.clear();
        m_discarding = false;
    }
    return blocks;
}

bool ProgressParser::parseLine(QByteArrayView line)
{
    line = line.trimmed();   // also drops the '\r' of CRLF
    const qsizetype equals = line.indexOf('=');
    if (equals <= 0)
        return false;
    const QByteArrayView key = line.first(equals).trimmed();
    const QByteArrayView value = line.sliced(equals + 1).trimmed();

    const auto setOutTime = [this](int rank, std::optional<double> seconds) {
        if (rank < m_outTimeRank)
            return;
        m_outTimeRank = rank;
        m_current.outTimeSeconds = seconds;
    };

    if (key == QByteArrayView("progress")) {
        m_current.end = value == QByteArrayView("end");
        return true;
    }
    if (key == QByteArrayView("out_time_us"))
        setOutTime(RankOutTimeUs, parseMicroseconds(value));
    else if (key == QByteArrayView("out_time_ms"))
        setOutTime(RankOutTimeMs, parseMicroseconds(value));
    else if (key == QByteArrayView("out_time"))
        setOutTime(RankOutTime, parseClock(value));
    else if (key == QByteArrayView("speed"))
        m_current.speed = parseSpeed(value);
    else if (key == QByteArrayView("fps")) {
        m_current.fps = parseDouble(value);
        if (m_current.fps && *m_current.fps < 0)
            m_current.fps.reset();
    } else if (key == QByteArrayView("frame")) {
        m_current.frame = parseInteger(value);
        if (m_current.frame && *m_current.frame < 0)
            m_current.frame.reset();
    } else if (key == QByteArrayView("total_size")) {
        m_current.totalSize = parseInteger(value);
        if (m_current.totalSize && *m_current.totalSize < 0)
            m_current.totalSize.reset();
    }
    return false;
}

} // namespace Mediaforge
