// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

namespace Mediaforge {

struct StreamInfo
{
    enum class Kind { Video, Audio, Subtitle, Data, Attachment, Other };

    int index = -1;                // ffprobe's stream index in the container
    Kind kind = Kind::Other;
    QString codec;                 // codec_name, e.g. "h264", "aac", "subrip"
    QString profile;
    int width = 0;
    int height = 0;
    double fps = 0;                // avg_frame_rate, falling back to r_frame_rate
    QString pixelFormat;
    int sampleRate = 0;
    int channels = 0;
    QString channelLayout;
    qint64 bitRate = 0;
    double duration = 0;           // seconds; 0 when the container does not say
    int rotation = 0;              // degrees, from the display matrix side data or the rotate tag
    bool attachedPicture = false;  // cover art: a video stream that is not really video
    QString language;
    QMap<QString, QString> tags;

    bool isVideo() const { return kind == Kind::Video && !attachedPicture; }
    bool isAudio() const { return kind == Kind::Audio; }
    bool isSubtitle() const { return kind == Kind::Subtitle; }
    // Text subtitles can be converted to srt/vtt/ass; bitmap ones (dvd, pgs) cannot.
    bool isTextSubtitle() const;
    QJsonObject toJson() const;
};

// What ffprobe says about one file, typed. Produced from `ffprobe -of json -show_format
// -show_streams`.
struct MediaInfo
{
    QString formatName;            // ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    QString formatLongName;
    double duration = 0;           // seconds; 0 when unknown
    qint64 bitRate = 0;
    qint64 size = 0;
    QMap<QString, QString> tags;
    QList<StreamInfo> streams;

    const StreamInfo *firstVideo() const;
    const StreamInfo *firstAudio() const;
    QList<const StreamInfo *> subtitleStreams() const;
    bool hasVideo() const { return firstVideo() != nullptr; }
    bool hasAudio() const { return firstAudio() != nullptr; }

    // The `probe` operation's result and the `metadata` of outputs (PROTOCOL.md).
    QJsonObject toJson() const;
    // `output_metadata` of `completed`: format, duration, size_bytes, video_codec, audio_codec,
    // width, height, bitrate, fps.
    QJsonObject toOutputMetadata() const;
    // Rebuilds a MediaInfo that describes itself as `toOutputMetadata()` did (the job store's
    // records and the result cache's entries keep only that).
    static MediaInfo fromOutputMetadata(const QJsonObject &object);

    // UNSUPPORTED_INPUT when the JSON has no usable format section.
    static Result<MediaInfo> fromFfprobeJson(const QByteArray &json);
};

// Demuxers that ffprobe and ffmpeg may use on job inputs (comma separated, for
// `-format_whitelist`): containers, raw streams and single images; none that can name other
// files or URLs (hls, dash, concat, sdp, rtsp, image2 patterns, ...).
QString allowedDemuxers();

} // namespace Mediaforge
