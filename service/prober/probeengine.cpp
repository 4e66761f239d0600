// SPDX-License-Identifier: GPL-3.0-or-later
#include "probeengine.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

#include <sys/resource.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

namespace Mediaforge::Prober {

namespace {

// ffprobe prints times and "values" (sizes, rates) as strings; integers as JSON numbers.
QString timeText(int64_t ts, AVRational timeBase)
{
    return QString::asprintf("%f", double(ts) * av_q2d(timeBase));
}

QString rationalText(AVRational q)
{
    return QString::asprintf("%d/%d", q.num, q.den);
}

QJsonObject tagsOf(const AVDictionary *dictionary)
{
    QJsonObject tags;
    const AVDictionaryEntry *entry = nullptr;
    while ((entry = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX)))
        tags.insert(QString::fromUtf8(entry->key), QString::fromUtf8(entry->value));
    return tags;
}

QString errorText(int code)
{
    char buffer[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, buffer, sizeof buffer);
    return QString::fromUtf8(buffer);
}

QJsonObject streamJson(const AVStream *stream)
{
    const AVCodecParameters *par = stream->codecpar;
    QJsonObject object{{QStringLiteral("index"), stream->index}};
    if (const AVCodecDescriptor *descriptor = avcodec_descriptor_get(par->codec_id))
        object.insert(QStringLiteral("codec_name"), QString::fromUtf8(descriptor->name));
    if (const char *profile = avcodec_profile_name(par->codec_id, par->profile))
        object.insert(QStringLiteral("profile"), QString::fromUtf8(profile));
    else if (par->profile != FF_PROFILE_UNKNOWN)
        object.insert(QStringLiteral("profile"), QString::number(par->profile));
    if (const char *type = av_get_media_type_string(par->codec_type))
        object.insert(QStringLiteral("codec_type"), QString::fromUtf8(type));

    switch (par->codec_type) {
    case AVMEDIA_TYPE_VIDEO:
        object.insert(QStringLiteral("width"), par->width);
        object.insert(QStringLiteral("height"), par->height);
        if (const char *format = av_get_pix_fmt_name(AVPixelFormat(par->format)))
            object.insert(QStringLiteral("pix_fmt"), QString::fromUtf8(format));
        break;
    case AVMEDIA_TYPE_AUDIO: {
        object.insert(QStringLiteral("sample_rate"), QString::number(par->sample_rate));
        object.insert(QStringLiteral("channels"), par->ch_layout.nb_channels);
        if (par->ch_layout.order != AV_CHANNEL_ORDER_UNSPEC) {
            char layout[256] = {};
            if (av_channel_layout_describe(&par->ch_layout, layout, sizeof layout) >= 0)
                object.insert(QStringLiteral("channel_layout"), QString::fromUtf8(layout));
        }
        break;
    }
    default:
        break;
    }
    object.insert(QStringLiteral("r_frame_rate"), rationalText(stream->r_frame_rate));
    object.insert(QStringLiteral("avg_frame_rate"), rationalText(stream->avg_frame_rate));
    if (stream->duration != AV_NOPTS_VALUE)
        object.insert(QStringLiteral("duration"), timeText(stream->duration, stream->time_base));
    if (par->bit_rate > 0)
        object.insert(QStringLiteral("bit_rate"), QString::number(par->bit_rate));
    object.insert(QStringLiteral("disposition"),
                  QJsonObject{{QStringLiteral("attached_pic"),
                               (stream->disposition & AV_DISPOSITION_ATTACHED_PIC) ? 1 : 0}});
    const QJsonObject tags = tagsOf(stream->metadata);
    if (!tags.isEmpty())
        object.insert(QStringLiteral("tags"), tags);

    QJsonArray sideData;
    for (int i = 0; i < stream->nb_side_data; ++i) {
        const AVPacketSideData &side = stream->side_data[i];
        if (side.type != AV_PKT_DATA_DISPLAYMATRIX || side.size < int(9 * sizeof(int32_t)))
            continue;
        // ffprobe prints the angle as an integer (truncated); a degenerate matrix has none.
        const double rotation = av_display_rotation_get(reinterpret_cast<const int32_t *>(side.data));
        sideData.append(QJsonObject{{QStringLiteral("rotation"),
                                     std::isfinite(rotation) ? qint64(rotation) : qint64(0)}});
    }
    if (!sideData.isEmpty())
        object.insert(QStringLiteral("side_data_list"), sideData);
    return object;
}

QJsonObject formatJson(const AVFormatContext *context)
{
    QJsonObject object{{QStringLiteral("nb_streams"), int(context->nb_streams)},
                       {QStringLiteral("format_name"), QString::fromUtf8(context->iformat->name)}};
    if (context->iformat->long_name)
        object.insert(QStringLiteral("format_long_name"), QString::fromUtf8(context->iformat->long_name));
    if (context->duration != AV_NOPTS_VALUE)
        object.insert(QStringLiteral("duration"), timeText(context->duration, AV_TIME_BASE_Q));
    const int64_t size = context->pb ? avio_size(context->pb) : -1;
    if (size >= 0)
        object.insert(QStringLiteral("size"), QString::number(size));
    if (context->bit_rate > 0)
        object.insert(QStringLiteral("bit_rate"), QString::number(context->bit_rate));
    const QJsonObject tags = tagsOf(context->metadata);
    if (!tags.isEmpty())
        object.insert(QStringLiteral("tags"), tags);
    return object;
}

} // namespace

bool probeFile(const Request &request, QByteArray *json, QString *error)
{
    // The name ffprobe is given and prints in its error line.
    const QByteArray name = "file:" + request.path.toUtf8();
    const QByteArray formats = request.formats.toUtf8();
    AVDictionary *options = nullptr;
    av_dict_set(&options, "protocol_whitelist", "file", 0);
    av_dict_set(&options, "format_whitelist", formats.constData(), 0);
    // ffprobe's own default: MPEG-TS programs announced late are still found.
    av_dict_set(&options, "scan_all_pmts", "1", AV_DICT_DONT_OVERWRITE);

    AVFormatContext *context = nullptr;
    int result = avformat_open_input(&context, name.constData(), nullptr, &options);
    av_dict_free(&options);
    if (result >= 0) {
        result = avformat_find_stream_info(context, nullptr);
        if (result < 0)
            avformat_close_input(&context);
    }
    if (result < 0) {
        *error = QString::fromUtf8(name) + QStringLiteral(": ") + errorText(result);
        return false;
    }

    QJsonArray streams;
    for (unsigned i = 0; i < context->nb_streams; ++i)
        streams.append(streamJson(context->streams[i]));
    const QJsonObject root{{QStringLiteral("streams"), streams}, {QStringLiteral("format"), formatJson(context)}};
    avformat_close_input(&context);
    *json = QJsonDocument(root).toJson(QJsonDocument::Compact);
    return true;
}

void limitCpuForNextRequest(int seconds)
{
    if (seconds <= 0)
        return;
    rusage usage {};
    rlimit limit {};
    if (::getrusage(RUSAGE_SELF, &usage) != 0 || ::getrlimit(RLIMIT_CPU, &limit) != 0)
        return;
    const rlim_t used = rlim_t(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + 1;
    rlim_t soft = used + rlim_t(seconds);
    // The hard limit cannot be raised again; the service's per-request wall-clock limit and its
    // recycling of probers bound what is left.
    if (limit.rlim_max != RLIM_INFINITY && soft > limit.rlim_max)
        soft = limit.rlim_max;
    limit.rlim_cur = soft;
    ::setrlimit(RLIMIT_CPU, &limit);
}

} // namespace Mediaforge::Prober
