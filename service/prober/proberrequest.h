// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace Mediaforge::Prober {

// One line on the prober's stdin: {"path": "/abs/file", "formats": "mov,matroska,..."}.
// The service is the only writer, but the decoder still refuses anything it did not mean to send:
// a helper that links libavformat should open exactly one local file with exactly the demuxers
// named, whatever reaches its stdin.
struct Request
{
    QString path;      // absolute, opened as file:<path> with protocol_whitelist=file
    QString formats;   // -format_whitelist: comma-separated demuxer names

    QByteArray toLine() const;   // compact JSON and '\n'
    // nullopt with `error` set when the line is not a request this prober serves.
    static std::optional<Request> fromLine(const QByteArray &line, QString *error = nullptr);
};

// Longest request line accepted; a path is at most PATH_MAX and the whitelist about 400 bytes.
constexpr qsizetype kMaxRequestBytes = 16 * 1024;

// One line on the prober's stdout: {"ok":true,"ffprobe":{...}} with the members of
// `ffprobe -of json -show_format -show_streams` that MediaInfo reads, or
// {"ok":false,"error":"file:/abs/file: Invalid data found when processing input"}, the line
// ffprobe itself prints last on the same failure.
QByteArray successLine(const QByteArray &ffprobeJson);
QByteArray failureLine(const QString &message);

} // namespace Mediaforge::Prober
