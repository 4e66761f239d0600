// SPDX-License-Identifier: GPL-3.0-or-later
#include "mediainfo.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace Mediaforge {

namespace {

// ffprobe prints most numbers as strings ("12.345000", "N/A").
double toDouble(const QJsonValue &value)
{
    if (value.isDouble())
        return value.toDouble();
    bool ok = false;
    const double parsed = value.toString().toDouble(&ok);
    return ok && std::isfinite(parsed) ? parsed : 0.0;
}

qint64 toInt64(const QJsonValue &value)
{
    if (value.isDouble()) {
        // A crafted file can make ffprobe print any number: one qint64 cannot hold is unknown
        // (converting it would be undefined behaviour; found by fuzz_mediainfo).
        const double number = value.toDouble();
        return std::isfinite(number) && std::abs(number) < 9.0e18 ? qint64(number) : 0;
    }
    bool ok = false;
    const qint64 parsed = value.toString().toLongLong(&ok);
    return ok ? parsed : 0;
}

// "30000/1001" -> 29.97; "0/0" -> 0.
double parseRational(const QString &text)
{
    const qsizetype slash = text.indexOf(u'/');
    if (slash < 0)
        return text.toDouble();
    const double num = text.left(slash).toDouble();
    const double den = text.mid(slash + 1).toDouble();
    return den > 0 ? num / den : 0.0;
}

QMap<QString, QString> readTags(const QJsonObject &object)
{
    QMap<QString, QString> tags;
    const QJsonObject tagObject = object.value(QLatin1StringView("tags")).toObject();
    for (auto it = tagObject.begin(); it != tagObject.end(); ++it)
        tags.insert(it.key(), it.value().toVariant().toString());
    return tags;
}

QJsonObject tagsToJson(const QMap<QString, QString> &tags)
{
    QJsonObject object;
    for (auto it = tags.begin(); it != tags.end(); ++it)
        object.insert(it.key(), it.value());
    return object;
}

QString kindName(StreamInfo::Kind kind)
{
    switch (kind) {
    case StreamInfo::Kind::Video: return QStringLiteral("video");
    case StreamInfo::Kind::Audio: return QStringLiteral("audio");
    case StreamInfo::Kind::Subtitle: return QStringLiteral("subtitle");
    case StreamInfo::Kind::Data: return QStringLiteral("data");
    case StreamInfo::Kind::Attachment: return QStringLiteral("attachment");
    case StreamInfo::Kind::Other: break;
    }
    return QStringLiteral("other");
}

double roundTo(double value, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

StreamInfo readStream(const QJsonObject &object)
{
    StreamInfo stream;
    stream.index = object.value(QLatin1StringView("index")).toInt(-1);
    const QString type = object.value(QLatin1StringView("codec_type")).toString();
    if (type == QLatin1StringView("video"))
        stream.kind = StreamInfo::Kind::Video;
    else if (type == QLatin1StringView("audio"))
        stream.kind = StreamInfo::Kind::Audio;
    else if (type == QLatin1StringView("subtitle"))
        stream.kind = StreamInfo::Kind::Subtitle;
    else if (type == QLatin1StringView("data"))
        stream.kind = StreamInfo::Kind::Data;
    else if (type == QLatin1StringView("attachment"))
        stream.kind = StreamInfo::Kind::Attachment;
    stream.codec = object.value(QLatin1StringView("codec_name")).toString();
    stream.profile = object.value(QLatin1StringView("profile")).toString();
    stream.width = object.value(QLatin1StringView("width")).toInt();
    stream.height = object.value(QLatin1StringView("height")).toInt();
    stream.fps = parseRational(object.value(QLatin1StringView("avg_frame_rate")).toString());
    if (stream.fps <= 0)
        stream.fps = parseRational(object.value(QLatin1StringView("r_frame_rate")).toString());
    // Codecs without a frame rate (images, subtitles) report absurd r_frame_rate values.
    if (stream.fps > 1000)
        stream.fps = 0;
    stream.pixelFormat = object.value(QLatin1StringView("pix_fmt")).toString();
    stream.sampleRate = int(toInt64(object.value(QLatin1StringView("sample_rate"))));
    stream.channels = object.value(QLatin1StringView("channels")).toInt();
    stream.channelLayout = object.value(QLatin1StringView("channel_layout")).toString();
    stream.bitRate = toInt64(object.value(QLatin1StringView("bit_rate")));
    stream.duration = toDouble(object.value(QLatin1StringView("duration")));
    stream.tags = readTags(object);
    stream.language = stream.tags.value(QStringLiteral("language"));
    stream.attachedPicture = object.value(QLatin1StringView("disposition"))
                                     .toObject()
                                     .value(QLatin1StringView("attached_pic"))
                                     .toInt()
            == 1;
    const QJsonArray sideData = object.value(QLatin1StringView("side_data_list")).toArray();
    for (const QJsonValue &entry : sideData) {
        const QJsonObject side = entry.toObject();
        if (side.contains(QLatin1StringView("rotation")))
            // Within a turn, so that any number a crafted file puts here converts to int.
            stream.rotation = int(std::fmod(toDouble(side.value(QLatin1StringView("rotation"))), 360.0));
    }
    if (stream.rotation == 0 && stream.tags.contains(QStringLiteral("rotate")))
        stream.rotation = stream.tags.value(QStringLiteral("rotate")).toInt();
    return stream;
}

} // namespace

bool StreamInfo::isTextSubtitle() const
{
    static const QStringList textCodecs{
        QStringLiteral("subrip"), QStringLiteral("srt"), QStringLiteral("ass"),
        QStringLiteral("ssa"), QStringLiteral("webvtt"), QStringLiteral("mov_text"),
        QStringLiteral("text"), QStringLiteral("microdvd"), QStringLiteral("subviewer"),
        QStringLiteral("jacosub"), QStringLiteral("sami"), QStringLiteral("realtext"),
        QStringLiteral("mpl2"), QStringLiteral("pjs"), QStringLiteral("vplayer"),
        QStringLiteral("stl"), QStringLiteral("ttml")};
    return isSubtitle() && textCodecs.contains(codec);
}

QJsonObject StreamInfo::toJson() const
{
    QJsonObject object{{QStringLiteral("index"), index},
                       {QStringLiteral("type"), kindName(kind)},
                       {QStringLiteral("codec"), codec}};
    if (!profile.isEmpty())
        object.insert(QStringLiteral("profile"), profile);
    if (kind == Kind::Video) {
        object.insert(QStringLiteral("width"), width);
        object.insert(QStringLiteral("height"), height);
        object.insert(QStringLiteral("fps"), roundTo(fps, 3));
        object.insert(QStringLiteral("pix_fmt"), pixelFormat);
        if (rotation != 0)
            object.insert(QStringLiteral("rotation"), rotation);
        if (attachedPicture)
            object.insert(QStringLiteral("attached_picture"), true);
    }
    if (kind == Kind::Audio) {
        object.insert(QStringLiteral("sample_rate"), sampleRate);
        object.insert(QStringLiteral("channels"), channels);
        if (!channelLayout.isEmpty())
            object.insert(QStringLiteral("channel_layout"), channelLayout);
    }
    if (bitRate > 0)
        object.insert(QStringLiteral("bit_rate"), bitRate);
    if (duration > 0)
        object.insert(QStringLiteral("duration"), roundTo(duration, 3));
    if (!language.isEmpty())
        object.insert(QStringLiteral("language"), language);
    object.insert(QStringLiteral("tags"), tagsToJson(tags));
    return object;
}

const StreamInfo *MediaInfo::firstVideo() const
{
    for (const StreamInfo &stream : streams) {
        if (stream.isVideo())
            return &stream;
    }
    return nullptr;
}

const StreamInfo *MediaInfo::firstAudio() const
{
    for (const StreamInfo &stream : streams) {
        if (stream.isAudio())
            return &stream;
    }
    return nullptr;
}

QList<const StreamInfo *> MediaInfo::subtitleStreams() const
{
    QList<const StreamInfo *> result;
    for (const StreamInfo &stream : streams) {
        if (stream.isSubtitle())
            result.append(&stream);
    }
    return result;
}

QJsonObject MediaInfo::toJson() const
{
    QJsonArray streamArray;
    for (const StreamInfo &stream : streams)
        streamArray.append(stream.toJson());
    return QJsonObject{{QStringLiteral("format"), formatName},
                       {QStringLiteral("format_long_name"), formatLongName},
                       {QStringLiteral("duration"), roundTo(duration, 3)},
                       {QStringLiteral("bit_rate"), bitRate},
                       {QStringLiteral("size"), size},
                       {QStringLiteral("tags"), tagsToJson(tags)},
                       {QStringLiteral("streams"), streamArray}};
}

QJsonObject MediaInfo::toOutputMetadata() const
{
    const StreamInfo *video = firstVideo();
    const StreamInfo *audio = firstAudio();
    // Still images report a video stream without duration; keep the keys so that level 0
    // clients find every field they read.
    return QJsonObject{
            {QStringLiteral("format"), formatName},
            {QStringLiteral("duration"), roundTo(duration, 3)},
            {QStringLiteral("size_bytes"), size},
            {QStringLiteral("video_codec"), video ? QJsonValue(video->codec) : QJsonValue()},
            {QStringLiteral("audio_codec"), audio ? QJsonValue(audio->codec) : QJsonValue()},
            {QStringLiteral("width"), video ? QJsonValue(video->width) : QJsonValue()},
            {QStringLiteral("height"), video ? QJsonValue(video->height) : QJsonValue()},
            {QStringLiteral("bitrate"), bitRate},
            {QStringLiteral("fps"), video ? QJsonValue(roundTo(video->fps, 3)) : QJsonValue()}};
}

QString allowedDemuxers()
{
    // ffmpeg matches each comma-separated entry against the demuxer's own comma-separated
    // names, so "mov" admits "mov,mp4,m4a,3gp,3g2,mj2".
    static const QString list = QStringLiteral(
            "mov,matroska,avi,flv,mpegts,mpeg,mp3,aac,wav,w64,ogg,flac,asf,"
            "mxf,nut,dv,m4v,h264,hevc,mjpeg,yuv4mpegpipe,ivf,obu,aiff,caf,au,amr,ac3,eac3,dts,"
            "truehd,wv,ape,tta,mpc,mpc8,gif,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe,tiff_pipe,"
            "srt,ass,webvtt,subviewer,microdvd,sup");
    return list;
}

Result<MediaInfo> MediaInfo::fromFfprobeJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    const QJsonObject root = document.object();
    const QJsonObject format = root.value(QLatin1StringView("format")).toObject();
    if (parseError.error != QJsonParseError::NoError || format.isEmpty()) {
        return Error{ErrorCode::UnsupportedInput,
                     QStringLiteral("input is not a media file ffprobe can read")};
    }
    MediaInfo info;
    info.formatName = format.value(QLatin1StringView("format_name")).toString();
    info.formatLongName = format.value(QLatin1StringView("format_long_name")).toString();
    info.duration = toDouble(format.value(QLatin1StringView("duration")));
    info.bitRate = toInt64(format.value(QLatin1StringView("bit_rate")));
    info.size = toInt64(format.value(QLatin1StringView("size")));
    info.tags = readTags(format);
    const QJsonArray streams = root.value(QLatin1StringView("streams")).toArray();
    for (const QJsonValue &stream : streams)
        info.streams.append(readStream(stream.toObject()));
    // Some containers (raw streams, some MKVs) only carry the duration per stream.
    if (info.duration <= 0) {
        for (const StreamInfo &stream : info.streams)
            info.duration = std::max(info.duration, stream.duration);
    }
    return info;
}

MediaInfo MediaInfo::fromOutputMetadata(const QJsonObject &object)
{
    MediaInfo info;
    info.formatName = object.value(QStringLiteral("format")).toString();
    info.duration = object.value(QStringLiteral("duration")).toDouble();
    info.size = object.value(QStringLiteral("size_bytes")).toInteger();
    info.bitRate = object.value(QStringLiteral("bitrate")).toInteger();
    if (object.value(QStringLiteral("video_codec")).isString()) {
        StreamInfo video;
        video.kind = StreamInfo::Kind::Video;
        video.codec = object.value(QStringLiteral("video_codec")).toString();
        video.width = object.value(QStringLiteral("width")).toInt();
        video.height = object.value(QStringLiteral("height")).toInt();
        video.fps = object.value(QStringLiteral("fps")).toDouble();
        info.streams.append(video);
    }
    if (object.value(QStringLiteral("audio_codec")).isString()) {
        StreamInfo audio;
        audio.kind = StreamInfo::Kind::Audio;
        audio.codec = object.value(QStringLiteral("audio_codec")).toString();
        info.streams.append(audio);
    }
    return info;
}

} // namespace Mediaforge
