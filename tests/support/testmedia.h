// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

// Test media is made at test time with ffmpeg's lavfi sources (testsrc2, sine), never
// committed. Files are cached per test process in a temporary directory.
namespace TestMedia {

struct VideoSpec
{
    double seconds = 2.0;
    int width = 320;
    int height = 240;
    int fps = 25;
    bool audio = true;
    bool subtitles = false;          // adds an srt stream (mkv container only)
    QString videoCodec = QStringLiteral("libx264");
    QString audioCodec = QStringLiteral("aac");
    QString container = QStringLiteral("mp4");
    int sampleRate = 44100;
};

// Creates (or reuses) a file matching spec in `directory`; returns its absolute path. Fails
// the calling test (QFAIL-style via qFatal) when ffmpeg cannot make it.
QString makeVideo(const QString &directory, const VideoSpec &spec);
QString makeAudio(const QString &directory, double seconds, const QString &codec = QStringLiteral("libmp3lame"),
                  const QString &container = QStringLiteral("mp3"));
// A standalone srt file with `cues` one-second cues.
QString makeSrt(const QString &directory, int cues = 3);

// ffprobe -show_format -show_streams as JSON, or an empty object when ffprobe fails.
QJsonObject probe(const QString &path);
// Convenience readers over probe().
double durationOf(const QString &path);
QStringList codecsOf(const QString &path, const QString &codecType);   // "video", "audio", ...
int streamCount(const QString &path, const QString &codecType);
QString formatOf(const QString &path);
int countFrames(const QString &path);   // exact, decodes the file (-count_frames)

// ffmpeg and ffprobe programs tests should use (MEDIAFORGE_FFMPEG / _FFPROBE or the PATH).
QString ffmpegPath();
QString ffprobePath();

} // namespace TestMedia
