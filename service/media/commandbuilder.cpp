// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandbuilder.h"

#include <QDir>
#include <QJsonArray>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

using namespace Qt::StringLiterals;

namespace Mediaforge {

namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers

// Fixed notation: ffmpeg reads "1e-05" as a number but not every option parser does.
QString num(double value)
{
    QString text = QString::number(value, 'f', 6);
    while (text.endsWith(u'0'))
        text.chop(1);
    if (text.endsWith(u'.'))
        text.chop(1);
    return text == "-0"_L1 ? u"0"_s : text;
}

QString kbit(int kbps)
{
    return QString::number(kbps) + u'k';
}

QString stringOption(const QJsonObject &options, QLatin1StringView key)
{
    return options.value(key).toString();
}

double numberOption(const QJsonObject &options, QLatin1StringView key, double fallback = 0)
{
    return options.value(key).toDouble(fallback);
}

int intOption(const QJsonObject &options, QLatin1StringView key, int fallback = 0)
{
    return options.value(key).toInt(fallback);
}

QJsonArray problem(const QString &path, const QString &message)
{
    return QJsonArray{QJsonObject{{u"path"_s, path}, {u"message"_s, message}}};
}

Error invalidOption(const QString &path, const QString &message)
{
    return Error(ErrorCode::ValidationError, path + u": "_s + message, problem(path, message));
}

Error unsupported(const QString &message, const QString &path = QString())
{
    return Error(ErrorCode::UnsupportedInput, message,
                 path.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(problem(path, message)));
}

QStringList mapStream(int input, const StreamInfo &stream)
{
    return {u"-map"_s, u"%1:%2"_s.arg(input).arg(stream.index)};
}

// ---------------------------------------------------------------------------------------------
// Picture sizes

struct Size
{
    int width = 0;
    int height = 0;

    bool isOdd() const { return width % 2 != 0 || height % 2 != 0; }
    bool operator==(const Size &) const = default;
};

// What people see: ffmpeg turns rotated video upright before any filter and before encoding,
// so every size computed here is in display orientation.
Size displaySize(const StreamInfo &video)
{
    const int rotation = ((video.rotation % 360) + 360) % 360;
    if (rotation == 90 || rotation == 270)
        return {video.height, video.width};
    return {video.width, video.height};
}

int evenDown(int value)
{
    return std::max(2, value - value % 2);
}

int evenRound(double value)
{
    return std::max(2, 2 * int(std::lround(value / 2.0)));
}

// yuv420p stores chroma per 2x2 block, so encoders refuse odd sizes.
Size evenSize(Size size)
{
    return {evenDown(size.width), evenDown(size.height)};
}

QString scaleFilter(Size size)
{
    return u"scale=%1:%2"_s.arg(size.width).arg(size.height);
}

// Largest even size within the bounds with the source's aspect ratio; never larger than the source.
Size fitWithin(Size source, int maxWidth, int maxHeight)
{
    double factor = 1.0;
    if (maxWidth > 0 && source.width > maxWidth)
        factor = std::min(factor, double(maxWidth) / source.width);
    if (maxHeight > 0 && source.height > maxHeight)
        factor = std::min(factor, double(maxHeight) / source.height);
    if (factor >= 1.0)
        return evenSize(source);
    return evenSize({int(std::floor(source.width * factor + 1e-9)), int(std::floor(source.height * factor + 1e-9))});
}

// One side given: the other follows the aspect ratio. Images need no even sizes.
Size imageSize(Size source, int width, int height)
{
    if (width > 0 && height > 0)
        return {width, height};
    if (width > 0)
        return {width, std::max(1, int(std::lround(double(width) * source.height / source.width)))};
    if (height > 0)
        return {std::max(1, int(std::lround(double(height) * source.width / source.height))), height};
    return source;
}

// The picture bounds of shared/operations.h, checked again now that the input's size (and so
// the side the options leave to the aspect ratio) is known.
std::optional<Error> checkPicture(Size size, qint64 maxPixels, int maxSide, const QString &path, const QString &what)
{
    const qint64 pixels = qint64(size.width) * size.height;
    if (size.width <= maxSide && size.height <= maxSide && pixels <= maxPixels)
        return std::nullopt;
    return invalidOption(path, u"%1 would be %2x%3 pixels; the limit is %4 pixels a side and %5 in all"_s
                                       .arg(what)
                                       .arg(size.width)
                                       .arg(size.height)
                                       .arg(maxSide)
                                       .arg(pixelLimitText(maxPixels)));
}

// ---------------------------------------------------------------------------------------------
// Output formats

struct Muxer
{
    QLatin1StringView format;
    QLatin1StringView muxer;
    QLatin1StringView extension;
    bool faststart;   // mp4 family: index first so that players start before the download ends
};

constexpr std::array kMuxers{
    Muxer{"mp4"_L1, "mp4"_L1, "mp4"_L1, true},
    Muxer{"mov"_L1, "mov"_L1, "mov"_L1, true},
    Muxer{"mkv"_L1, "matroska"_L1, "mkv"_L1, false},
    Muxer{"webm"_L1, "webm"_L1, "webm"_L1, false},
    Muxer{"avi"_L1, "avi"_L1, "avi"_L1, false},
    Muxer{"flv"_L1, "flv"_L1, "flv"_L1, false},
    Muxer{"gif"_L1, "gif"_L1, "gif"_L1, false},
    Muxer{"mp3"_L1, "mp3"_L1, "mp3"_L1, false},
    Muxer{"aac"_L1, "adts"_L1, "aac"_L1, false},
    Muxer{"m4a"_L1, "ipod"_L1, "m4a"_L1, true},
    Muxer{"wav"_L1, "wav"_L1, "wav"_L1, false},
    Muxer{"opus"_L1, "opus"_L1, "opus"_L1, false},
    Muxer{"flac"_L1, "flac"_L1, "flac"_L1, false},
    Muxer{"ogg"_L1, "ogg"_L1, "ogg"_L1, false},
};

const Muxer &muxerFor(QStringView format)
{
    for (const Muxer &muxer : kMuxers) {
        if (muxer.format == format)
            return muxer;
    }
    return kMuxers.front();
}

// ---------------------------------------------------------------------------------------------
// The plan being built

class PlanBuilder
{
public:
    explicit PlanBuilder(const CommandContext &context) : m_context(context) { }

    void add(const QStringList &arguments) { m_plan.arguments += arguments; }

    void addInput(const QString &path, double seek = 0, double duration = 0)
    {
        add({u"-protocol_whitelist"_s, u"file"_s, u"-format_whitelist"_s, allowedDemuxers()});
        if (seek > 0)
            add({u"-ss"_s, num(seek)});
        if (duration > 0)
            add({u"-t"_s, num(duration)});
        add({u"-i"_s, u"file:"_s + path});
    }

    // The list names the inputs; the demuxer whitelist still applies to each of them because
    // the concat demuxer hands its own white lists down to the files it opens.
    void addConcatListInput(const QString &fileName, const QByteArray &contents)
    {
        m_plan.auxiliaryFiles.append({fileName, contents});
        add({u"-f"_s, u"concat"_s, u"-safe"_s, u"0"_s, u"-protocol_whitelist"_s, u"file"_s,
             u"-format_whitelist"_s, u"concat,"_s + allowedDemuxers(), u"-i"_s, u"file:"_s + workPath(fileName)});
    }

    void addOutput(const QString &format, const QString &baseName)
    {
        const Muxer &muxer = muxerFor(format);
        addThreads();
        if (muxer.faststart)
            add({u"-movflags"_s, u"+faststart"_s});
        finishOutput(muxer.muxer, baseName + u'.' + muxer.extension);
    }

    // -update keeps the image muxer from reading the file name as a %d pattern.
    void addImageOutput(const QString &fileName)
    {
        addThreads();
        add({u"-frames:v"_s, u"1"_s, u"-update"_s, u"1"_s});
        finishOutput(u"image2"_s, fileName);
    }

    void addFileOutput(const QString &muxer, const QString &fileName)
    {
        addThreads();
        finishOutput(muxer, fileName);
    }

    QString workPath(const QString &fileName) const { return QDir(m_context.workDirectory).filePath(fileName); }

    void addPreparation(const CommandStep &step) { m_plan.preparation.append(step); }

    CommandPlan finish(double expectedDuration)
    {
        m_plan.expectedDurationSeconds = std::max(0.0, expectedDuration);
        return m_plan;
    }

private:
    void addThreads()
    {
        if (m_context.threads > 0)
            add({u"-threads"_s, QString::number(m_context.threads)});
    }

    void finishOutput(const QString &muxer, const QString &fileName)
    {
        const QString path = workPath(fileName);
        // -fs is per output file and must precede it; ffmpeg stops cleanly once a file has
        // passed it (FfmpegProcess then fails the run with TOO_LARGE).
        if (m_context.maxOutputBytes > 0)
            add({u"-fs"_s, QString::number(m_context.maxOutputBytes)});
        add({u"-f"_s, muxer, u"file:"_s + path});
        m_plan.outputPaths.append(path);
    }

    const CommandContext &m_context;
    CommandPlan m_plan;
};

// ---------------------------------------------------------------------------------------------
// Encoders

// Fast for operations whose point is not the file size; thorough where it is (compress).
enum class Effort { Fast, Thorough };

struct VideoEncoding
{
    VideoEncoding(QString codecName = QString()) : codec(std::move(codecName)) { }

    QString codec;            // empty: the container's default
    std::optional<int> crf;   // constant quality; the codec's default when neither is set
    int bitrateKbps = 0;      // with crf: a ceiling; alone: the target rate
    Effort effort = Effort::Fast;
};

struct AudioEncoding
{
    AudioEncoding(QString codecName = QString(), int kbps = 0, int rate = 0)
        : codec(std::move(codecName)), bitrateKbps(kbps), sampleRate(rate)
    {
    }

    QString codec;            // empty: the container's default
    int bitrateKbps = 0;      // 0: the codec's default
    int sampleRate = 0;       // 0: keep
};

// Visually transparent defaults on each codec's own scale.
int defaultCrf(const QString &codec)
{
    if (codec == "hevc"_L1)
        return 28;
    if (codec == "vp9"_L1)
        return 31;
    if (codec == "vp8"_L1)
        return 10;
    if (codec == "av1"_L1)
        return 35;
    return 23;
}

QStringList rateControl(const VideoEncoding &encoding, const QString &crfOption)
{
    if (!encoding.crf && encoding.bitrateKbps > 0)
        return {u"-b:v"_s, kbit(encoding.bitrateKbps)};
    QStringList args{crfOption, QString::number(encoding.crf.value_or(defaultCrf(encoding.codec)))};
    if (encoding.bitrateKbps > 0)
        args += {u"-maxrate"_s, kbit(encoding.bitrateKbps), u"-bufsize"_s, kbit(2 * encoding.bitrateKbps)};
    return args;
}

QStringList vpxArguments(const VideoEncoding &encoding, bool thorough)
{
    const bool vp9 = encoding.codec == "vp9"_L1;
    QStringList args{u"-c:v"_s, vp9 ? u"libvpx-vp9"_s : u"libvpx"_s, u"-deadline"_s, u"good"_s,
                     u"-cpu-used"_s, thorough ? u"2"_s : u"5"_s};
    if (vp9)
        args += {u"-row-mt"_s, u"1"_s};
    if (!encoding.crf && encoding.bitrateKbps > 0)
        return args + QStringList{u"-b:v"_s, kbit(encoding.bitrateKbps)};
    args += {u"-crf"_s, QString::number(encoding.crf.value_or(defaultCrf(encoding.codec)))};
    // libvpx reads crf with a bitrate as "constrained quality": VP9 takes 0 as "no ceiling",
    // VP8 needs a real ceiling for crf to mean anything.
    if (encoding.bitrateKbps > 0)
        return args + QStringList{u"-b:v"_s, kbit(encoding.bitrateKbps)};
    return args + QStringList{u"-b:v"_s, vp9 ? u"0"_s : u"4000k"_s};
}

QStringList videoEncoderArgs(const VideoEncoding &encoding, const QString &format)
{
    const QString &codec = encoding.codec;
    const bool thorough = encoding.effort == Effort::Thorough;
    const bool appleFamily = format == "mp4"_L1 || format == "mov"_L1;
    QStringList args;
    if (codec == "h264"_L1 || codec == "hevc"_L1) {
        args = {u"-c:v"_s, codec == "h264"_L1 ? u"libx264"_s : u"libx265"_s, u"-preset"_s,
                thorough ? u"medium"_s : u"veryfast"_s};
        args += rateControl(encoding, u"-crf"_s);
        if (codec == "hevc"_L1) {
            args += {u"-x265-params"_s, u"log-level=error"_s};
            // Apple players only take HEVC tagged hvc1.
            if (appleFamily)
                args += {u"-tag:v"_s, u"hvc1"_s};
        }
    } else if (codec == "vp9"_L1 || codec == "vp8"_L1) {
        args = vpxArguments(encoding, thorough);
    } else if (codec == "av1"_L1) {
        // SVT-AV1: the only AV1 encoder here fast enough for a service.
        args = {u"-c:v"_s, u"libsvtav1"_s, u"-preset"_s, thorough ? u"6"_s : u"10"_s};
        args += (!encoding.crf && encoding.bitrateKbps > 0)
                ? QStringList{u"-b:v"_s, kbit(encoding.bitrateKbps)}
                : QStringList{u"-crf"_s, QString::number(encoding.crf.value_or(defaultCrf(codec)))};
    } else {
        args = {u"-c:v"_s, u"mpeg4"_s};
        args += encoding.bitrateKbps > 0 ? QStringList{u"-b:v"_s, kbit(encoding.bitrateKbps)}
                                         : QStringList{u"-q:v"_s, u"4"_s};
        if (format == "avi"_L1)
            args += {u"-tag:v"_s, u"XVID"_s};
    }
    // 8-bit 4:2:0 is what every player decodes.
    return args + QStringList{u"-pix_fmt"_s, u"yuv420p"_s};
}

QString audioEncoderName(const QString &codec)
{
    if (codec == "mp3"_L1)
        return u"libmp3lame"_s;
    if (codec == "opus"_L1)
        return u"libopus"_s;
    if (codec == "vorbis"_L1)
        return u"libvorbis"_s;
    return codec;   // aac, flac, alac, pcm_s16le: ffmpeg's own encoders carry the codec's name
}

int defaultAudioBitrate(const QString &codec)
{
    if (codec == "aac"_L1 || codec == "vorbis"_L1)
        return 160;
    if (codec == "mp3"_L1)
        return 192;
    if (codec == "opus"_L1)
        return 128;
    return 0;   // lossless
}

QStringList audioEncoderArgs(const AudioEncoding &encoding)
{
    QStringList args{u"-c:a"_s, audioEncoderName(encoding.codec)};
    if (const int fallback = defaultAudioBitrate(encoding.codec); fallback > 0)
        args += {u"-b:a"_s, kbit(encoding.bitrateKbps > 0 ? encoding.bitrateKbps : fallback)};
    if (encoding.sampleRate > 0)
        args += {u"-ar"_s, QString::number(encoding.sampleRate)};
    return args;
}

// Stream copy still needs help in two places: avi wants Annex B H.264, Apple wants hvc1.
QStringList videoCopyArgs(const QString &codec, const QString &format)
{
    QStringList args{u"-c:v"_s, u"copy"_s};
    if (format == "avi"_L1 && codec == "h264"_L1)
        args += {u"-bsf:v"_s, u"h264_mp4toannexb"_s};
    if ((format == "mp4"_L1 || format == "mov"_L1) && codec == "hevc"_L1)
        args += {u"-tag:v"_s, u"hvc1"_s};
    return args;
}

// Encodes video through `filters`; `finalSize` is the size they produce.
QStringList encodeVideo(QStringList filters, Size finalSize, VideoEncoding encoding, const QString &format)
{
    if (finalSize.isOdd())
        filters.append(scaleFilter(evenSize(finalSize)));
    if (encoding.codec.isEmpty())
        encoding.codec = defaultCodec(format, CodecKind::Video);
    QStringList args;
    if (!filters.isEmpty())
        args += {u"-vf"_s, filters.join(u',')};
    return args + videoEncoderArgs(encoding, format);
}

// Video that keeps its content: copied when allowed and the container takes it, else encoded.
QStringList passVideo(const StreamInfo &video, const QString &format, bool allowCopy, const VideoEncoding &encoding = {})
{
    if (allowCopy && formatAcceptsCodec(format, video.codec))
        return videoCopyArgs(video.codec, format);
    return encodeVideo({}, displaySize(video), encoding, format);
}

QStringList passAudio(const StreamInfo &audio, const QString &format, bool allowCopy, AudioEncoding encoding = {})
{
    if (allowCopy && formatAcceptsCodec(format, audio.codec))
        return {u"-c:a"_s, u"copy"_s};
    if (encoding.codec.isEmpty())
        encoding.codec = defaultCodec(format, CodecKind::Audio);
    return audioEncoderArgs(encoding);
}

// Operations that change the content but not the codec choice (speed, filter, accurate trim,
// burned subtitles) keep the codec the client already has when there is an encoder for it and
// the container takes it: an HEVC upload stays HEVC.
QString keepCodec(const StreamInfo &stream, const QString &format, CodecKind kind)
{
    if (codecNames(kind).contains(stream.codec) && formatAcceptsCodec(format, stream.codec))
        return stream.codec;
    return defaultCodec(format, kind);
}

// The text codec a container stores subtitles in when the source's own cannot go there.
QString textSubtitleCodec(const QString &format)
{
    if (format == "mkv"_L1)
        return u"srt"_s;
    if (format == "mp4"_L1 || format == "mov"_L1)
        return u"mov_text"_s;
    if (format == "webm"_L1)
        return u"webvtt"_s;
    return QString();
}

// Keeps every subtitle stream the container can hold: copied, or text converted to the
// container's text codec; bitmap subtitles a container cannot hold are left out.
QStringList subtitleArgs(const MediaInfo &info, const QString &format)
{
    QStringList args;
    int outputIndex = 0;
    for (const StreamInfo *stream : info.subtitleStreams()) {
        QString codec;
        if (formatAcceptsCodec(format, stream->codec))
            codec = u"copy"_s;
        else if (stream->isTextSubtitle())
            codec = textSubtitleCodec(format);
        if (codec.isEmpty())
            continue;
        args += mapStream(0, *stream);
        args += {u"-c:s:%1"_s.arg(outputIndex++), codec};
    }
    return args;
}

bool fitsWebm(const MediaInfo &info)
{
    const StreamInfo *video = info.firstVideo();
    const StreamInfo *audio = info.firstAudio();
    return (!video || formatAcceptsCodec(u"webm"_s, video->codec)) && (!audio || formatAcceptsCodec(u"webm"_s, audio->codec));
}

// A seek this close to the end still finds a frame to decode.
double latestSeek(const MediaInfo &info, const StreamInfo &video)
{
    const double duration = video.duration > 0 ? video.duration : info.duration;
    const double frame = video.fps > 0 ? 1.0 / video.fps : 0.04;
    return std::max(0.0, duration - frame);
}

// ---------------------------------------------------------------------------------------------
// Operations

Result<CommandPlan> buildSpeed(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    const StreamInfo *audio = info.firstAudio();
    if (!video && !audio)
        return unsupported(u"input has neither video nor audio"_s);
    const double factor = numberOption(options, "speed_factor"_L1, 1);
    const bool keepPitch = options.value("maintain_pitch"_L1).toBool();
    const QString format = defaultOutputFormat(info);
    // 1x is the same file: copy rather than re-encode.
    const bool unchanged = std::abs(factor - 1.0) < 1e-9;
    PlanBuilder plan(context);
    plan.addInput(input.path);
    if (video) {
        plan.add(mapStream(0, *video));
        // fps= after setpts keeps the source frame rate: frames are dropped (or repeated) so
        // the result lasts exactly duration / factor instead of keeping every frame at a
        // rate the container then rounds.
        QStringList filters{u"setpts=PTS/"_s + num(factor)};
        if (video->fps > 0)
            filters.append(u"fps="_s + num(video->fps));
        plan.add(unchanged ? passVideo(*video, format, true)
                           : encodeVideo(filters, displaySize(*video), keepCodec(*video, format, CodecKind::Video), format));
    }
    if (audio) {
        plan.add(mapStream(0, *audio));
        if (unchanged) {
            plan.add(passAudio(*audio, format, true));
        } else {
            QStringList filters;
            if (keepPitch) {
                // atempo sounds best within 0.5-2; larger changes are a chain of such steps.
                double rest = factor;
                for (; rest > 2.0; rest /= 2.0)
                    filters.append(u"atempo=2"_s);
                for (; rest < 0.5; rest /= 0.5)
                    filters.append(u"atempo=0.5"_s);
                if (std::abs(rest - 1.0) > 1e-9)
                    filters.append(u"atempo="_s + num(rest));
            } else {
                // Playing the samples faster moves the pitch with the speed, like tape.
                const int rate = audio->sampleRate > 0 ? audio->sampleRate : 48000;
                filters += {u"asetrate=%1"_s.arg(qRound(rate * factor)), u"aresample=%1"_s.arg(rate)};
            }
            plan.add({u"-af"_s, filters.join(u',')});
            plan.add(audioEncoderArgs({keepCodec(*audio, format, CodecKind::Audio)}));
        }
    }
    plan.addOutput(format, u"output"_s);
    return plan.finish(info.duration / factor);
}

struct PresetValues
{
    int h264Crf;
    int vp9Crf;
    int audioKbps;
};

// `preset` names the quality kept, as in the services Mediaforge replaces: low = smallest file
// (x264 CRF 32, 96k audio), medium = CRF 28 / 128k, high = best quality (CRF 23 / 192k);
// custom starts from CRF 23 / 128k. Their clients get the sizes they are used to. The VP9
// values give comparable quality on VP9's own scale.
PresetValues presetValues(const QString &preset)
{
    if (preset == "low"_L1)
        return {32, 40, 96};
    if (preset == "high"_L1)
        return {23, 31, 192};
    if (preset == "custom"_L1)
        return {23, 31, 128};
    return {28, 36, 128};
}

Result<CommandPlan> buildCompress(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    const StreamInfo *audio = info.firstAudio();
    if (!video)
        return unsupported(u"compress needs a video stream; for audio use extract_audio with bitrate_kbps"_s);
    const QString format = options.contains("target_format"_L1) ? stringOption(options, "target_format"_L1)
                                                                 : defaultOutputFormat(info);
    const QString preset = stringOption(options, "preset"_L1);
    const PresetValues values = presetValues(preset);

    VideoEncoding encoding;
    encoding.codec = defaultCodec(format, CodecKind::Video);
    encoding.effort = Effort::Thorough;
    encoding.bitrateKbps = intOption(options, "video_bitrate_kbps"_L1);
    // An explicit crf wins over the preset in every preset, as it did in the services replaced;
    // custom with only a bitrate is plain bitrate control.
    if (options.contains("crf"_L1))
        encoding.crf = intOption(options, "crf"_L1);
    else if (!(preset == "custom"_L1 && encoding.bitrateKbps > 0))
        encoding.crf = encoding.codec == "vp9"_L1 ? values.vp9Crf : values.h264Crf;

    const Size source = displaySize(*video);
    const Size target = fitWithin(source, intOption(options, "max_width"_L1), intOption(options, "max_height"_L1));
    PlanBuilder plan(context);
    plan.addInput(input.path);
    plan.add(mapStream(0, *video));
    plan.add(encodeVideo(target == source ? QStringList() : QStringList{scaleFilter(target)}, target, encoding, format));
    if (audio) {
        const bool explicitRate = options.contains("audio_bitrate_kbps"_L1);
        const int kbps = explicitRate ? intOption(options, "audio_bitrate_kbps"_L1) : values.audioKbps;
        const QString codec = defaultCodec(format, CodecKind::Audio);
        // Re-encoding audio that is already at or below the preset's rate only loses quality.
        const bool alreadySmall = !explicitRate && audio->codec == codec && audio->bitRate > 0
                && audio->bitRate <= qint64(kbps) * 1000;
        plan.add(mapStream(0, *audio));
        plan.add(passAudio(*audio, format, alreadySmall, {codec, kbps}));
    }
    plan.addOutput(format, u"output"_s);
    return plan.finish(info.duration);
}

Result<CommandPlan> buildExtractAudio(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *audio = info.firstAudio();
    if (!audio)
        return unsupported(u"input has no audio stream to extract"_s);
    const QString format = stringOption(options, "format"_L1);
    const int bitrate = intOption(options, "bitrate_kbps"_L1);
    const int sampleRate = intOption(options, "sample_rate"_L1);
    const bool sameRate = sampleRate == 0 || sampleRate == audio->sampleRate;
    PlanBuilder plan(context);
    plan.addInput(input.path);
    plan.add(mapStream(0, *audio));
    plan.add({u"-vn"_s});
    plan.add(passAudio(*audio, format, bitrate == 0 && sameRate, {defaultCodec(format, CodecKind::Audio), bitrate, sampleRate}));
    plan.addOutput(format, u"output"_s);
    return plan.finish(info.duration);
}

Result<CommandPlan> buildRemoveAudio(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    if (!video)
        return unsupported(u"input has no video stream; without its audio nothing would be left"_s);
    const QString format = defaultOutputFormat(info);
    PlanBuilder plan(context);
    plan.addInput(input.path);
    plan.add(mapStream(0, *video));
    plan.add(subtitleArgs(info, format));
    plan.add({u"-an"_s});
    plan.add(passVideo(*video, format, options.value("keep_video_quality"_L1).toBool(true)));
    plan.addOutput(format, u"output"_s);
    return plan.finish(info.duration);
}

struct GifParameters
{
    double start = 0;
    double length = 0;
    int fps = 10;
    int width = 0;   // 0: the source width, at most kDefaultGifWidth
    bool optimize = true;
};

// GIF has no inter-frame compression worth the name: a full-HD GIF of a few seconds runs to
// tens of megabytes. Unless asked, GIFs are at most this wide.
constexpr int kDefaultGifWidth = 480;

Result<CommandPlan> gifPlan(const CommandInput &input, const StreamInfo &video, const GifParameters &parameters,
                    const CommandContext &context)
{
    const Size source = displaySize(video);
    const int width = parameters.width > 0 ? parameters.width : std::min(source.width, kDefaultGifWidth);
    const Size size = imageSize(source, width, 0);
    if (auto error = checkPicture(size, kMaxGifFramePixels, kMaxOutputSide, u"options.width"_s, u"each GIF frame"_s))
        return *error;
    const QString scaled = u"fps=%1,scale=%2:%3:flags=lanczos"_s.arg(parameters.fps).arg(size.width).arg(size.height);
    PlanBuilder plan(context);
    plan.addInput(input.path, parameters.start, parameters.length);
    if (parameters.optimize) {
        // One pass: the palette is computed from the clip itself, then applied to it.
        plan.add({u"-filter_complex"_s,
                  u"[0:%1]%2,split[a][b];[a]palettegen=stats_mode=diff[p];"
                  "[b][p]paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle[gif]"_s.arg(video.index).arg(scaled),
                  u"-map"_s, u"[gif]"_s});
    } else {
        plan.add(mapStream(0, video));
        plan.add({u"-vf"_s, scaled});
    }
    plan.add({u"-c:v"_s, u"gif"_s, u"-loop"_s, u"0"_s});
    plan.addOutput(u"gif"_s, u"output"_s);
    const double available = input.info.duration > 0 ? input.info.duration - parameters.start : parameters.length;
    return plan.finish(parameters.length > 0 ? std::min(parameters.length, available) : available);
}

Result<CommandPlan> buildConvert(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    const StreamInfo *audio = info.firstAudio();
    const QString format = stringOption(options, "target_format"_L1);
    const bool streamCopy = options.value("stream_copy"_L1).toBool(true);
    const QString videoCodec = stringOption(options, "video_codec"_L1);
    const QString audioCodec = stringOption(options, "audio_codec"_L1);
    if (format == "gif"_L1) {
        if (!video)
            return unsupported(u"input has no video stream to make a gif of"_s);
        return gifPlan(input, *video, {0, 0, 10, 0, true}, context);
    }
    const bool audioOnly = isAudioOnlyFormat(format);
    if (audioOnly ? !audio : !video && !audio)
        return unsupported(audioOnly ? u"input has no audio stream for a %1 file"_s.arg(format)
                                     : u"input has neither video nor audio"_s);
    PlanBuilder plan(context);
    plan.addInput(input.path);
    if (video && !audioOnly) {
        plan.add(mapStream(0, *video));
        VideoEncoding encoding;
        encoding.codec = videoCodec;
        plan.add(passVideo(*video, format, streamCopy && videoCodec.isEmpty(), encoding));
    }
    if (audio) {
        plan.add(mapStream(0, *audio));
        plan.add(passAudio(*audio, format, streamCopy && audioCodec.isEmpty(), {audioCodec}));
    }
    if (audioOnly)
        plan.add({u"-vn"_s});
    else
        plan.add(subtitleArgs(info, format));
    plan.addOutput(format, u"output"_s);
    return plan.finish(info.duration);
}

struct ImageFormat
{
    QString extension;
    QStringList encoder;
};

ImageFormat imageFormat(const QString &format)
{
    if (format == "jpeg"_L1)
        return {u"jpg"_s, {u"-c:v"_s, u"mjpeg"_s, u"-q:v"_s, u"2"_s}};
    if (format == "webp"_L1)
        return {u"webp"_s, {u"-c:v"_s, u"libwebp"_s, u"-quality"_s, u"85"_s}};
    return {u"png"_s, {u"-c:v"_s, u"png"_s}};
}

// Contact sheet cells default to this width so that a 5x4 sheet of a 4K video stays a
// picture people can open.
constexpr int kDefaultTileWidth = 320;

struct ThumbnailSource
{
    const CommandInput &input;
    const StreamInfo &video;
    Size size;              // display size of the video
    double lastSeek = 0;    // latest time that still has a frame
    ImageFormat image;
};

// Evenly spaced, each frame in the middle of its share of the video.
QList<double> spacedTimes(double duration, int count, double lastSeek)
{
    QList<double> times;
    for (int i = 0; i < count; ++i)
        times.append(std::min(duration * (i + 0.5) / count, lastSeek));
    return times;
}

// One run, one fast-seeking input per frame: each seek costs a keyframe's decode, not a pass
// over the whole file. Each frame becomes its own output file.
CommandPlan thumbnailSeries(const ThumbnailSource &source, const QList<double> &times, Size size, const CommandContext &context)
{
    PlanBuilder plan(context);
    for (double time : times)
        plan.addInput(source.input.path, time);
    for (int i = 0; i < times.size(); ++i) {
        plan.add(mapStream(i, source.video));
        if (size != source.size)
            plan.add({u"-vf"_s, scaleFilter(size)});
        plan.add(source.image.encoder);
        plan.addImageOutput(u"thumbnail_%1.%2"_s.arg(i + 1, 2, 10, QChar(u'0')).arg(source.image.extension));
    }
    // A still image has no timeline to report progress on.
    return plan.finish(0);
}

// The same inputs, joined into one contact sheet: a frame from each, scaled, then tiled.
CommandPlan contactSheet(const ThumbnailSource &source, const QList<double> &times, Size cell, int columns, int rows,
                         const CommandContext &context)
{
    PlanBuilder plan(context);
    QString graph;
    QString cells;
    for (int i = 0; i < times.size(); ++i) {
        plan.addInput(source.input.path, times.at(i));
        graph += u"[%1:%2]trim=end_frame=1,setpts=PTS-STARTPTS,%3,setsar=1[f%1];"_s.arg(i).arg(source.video.index).arg(scaleFilter(cell));
        cells += u"[f%1]"_s.arg(i);
    }
    graph += cells + u"concat=n=%1:v=1:a=0,tile=%2x%3[sheet]"_s.arg(times.size()).arg(columns).arg(rows);
    plan.add({u"-filter_complex"_s, graph, u"-map"_s, u"[sheet]"_s});
    plan.add(source.image.encoder);
    plan.addImageOutput(u"contact_sheet."_s + source.image.extension);
    return plan.finish(0);
}

Result<CommandPlan> buildThumbnail(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    if (!video)
        return unsupported(u"input has no video stream to take a thumbnail of"_s);
    const ThumbnailSource source{input, *video, displaySize(*video), latestSeek(info, *video),
                                 imageFormat(stringOption(options, "format"_L1))};
    const int width = intOption(options, "width"_L1);
    const int height = intOption(options, "height"_L1);
    const double duration = info.duration;

    const bool tile = options.contains("tile"_L1);
    const bool count = options.contains("count"_L1);
    if (tile || count) {
        if (duration <= 0) {
            return unsupported(u"the input's duration is unknown, so frames cannot be spaced over it"_s,
                               count ? u"options.count"_s : u"options.tile"_s);
        }
        if (!tile) {
            const Size size = imageSize(source.size, width, height);
            if (auto error = checkPicture(size, kMaxFramePixels, kMaxOutputSide, u"options.width"_s, u"each image"_s))
                return *error;
            return thumbnailSeries(source, spacedTimes(duration, intOption(options, "count"_L1), source.lastSeek), size, context);
        }
        const QJsonObject grid = options.value("tile"_L1).toObject();
        const int columns = grid.value("columns"_L1).toInt(1);
        const int rows = grid.value("rows"_L1).toInt(1);
        const int frames = count ? intOption(options, "count"_L1) : columns * rows;
        const Size cell = (width > 0 || height > 0) ? imageSize(source.size, width, height)
                                                    : imageSize(source.size, std::min(source.size.width, kDefaultTileWidth), 0);
        if (auto error = checkPicture({cell.width * columns, cell.height * rows}, kMaxSheetPixels, kMaxSheetSide,
                                      u"options.tile"_s, u"the contact sheet"_s))
            return *error;
        return contactSheet(source, spacedTimes(duration, frames, source.lastSeek), cell, columns, rows, context);
    }

    // Without timestamp or count: one frame a tenth of the way in, past black intros and
    // fades but well before the end.
    const double timestamp = options.contains("timestamp"_L1) ? numberOption(options, "timestamp"_L1) : duration * 0.1;
    if (duration > 0 && timestamp >= duration)
        return invalidOption(u"options.timestamp"_s, u"lies beyond the input's %1 s"_s.arg(num(duration)));
    PlanBuilder plan(context);
    const Size size = imageSize(source.size, width, height);
    if (auto error = checkPicture(size, kMaxFramePixels, kMaxOutputSide, u"options.width"_s, u"the image"_s))
        return *error;
    plan.addInput(input.path, duration > 0 ? std::min(timestamp, source.lastSeek) : timestamp);
    plan.add(mapStream(0, *video));
    if (size != source.size)
        plan.add({u"-vf"_s, scaleFilter(size)});
    plan.add(source.image.encoder);
    plan.addImageOutput(u"thumbnail."_s + source.image.extension);
    return plan.finish(0);
}

Result<CommandPlan> buildTrim(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    const StreamInfo *audio = info.firstAudio();
    if (!video && !audio)
        return unsupported(u"input has neither video nor audio"_s);
    const double duration = info.duration;
    const double start = numberOption(options, "start_time"_L1);
    if (duration > 0 && start >= duration)
        return invalidOption(u"options.start_time"_s, u"lies beyond the input's %1 s"_s.arg(num(duration)));
    double end = options.contains("end_time"_L1) ? numberOption(options, "end_time"_L1) : duration;
    // An end past the input means "to the end", which is what the client gets anyway.
    if (duration > 0)
        end = std::min(end, duration);
    const double length = end > start ? end - start : 0;
    const QString format = defaultOutputFormat(info);
    const bool accurate = options.value("accurate"_L1).toBool();

    PlanBuilder plan(context);
    plan.addInput(input.path, start);
    if (options.contains("end_time"_L1) && length > 0)
        plan.add({u"-t"_s, num(length)});
    if (video)
        plan.add(mapStream(0, *video));
    if (audio)
        plan.add(mapStream(0, *audio));
    const bool copyAll = (!video || formatAcceptsCodec(format, video->codec)) && (!audio || formatAcceptsCodec(format, audio->codec));
    if (!accurate && copyAll) {
        // Fast seek plus copy starts at the keyframe before start_time; shifting timestamps
        // to zero keeps players from showing a frozen first frame.
        plan.add({u"-c"_s, u"copy"_s});
        if (video)
            plan.add(videoCopyArgs(video->codec, format).mid(2));
        plan.add(subtitleArgs(info, format));
        plan.add({u"-avoid_negative_ts"_s, u"make_zero"_s});
    } else {
        // -ss before -i with re-encoding is frame-accurate: ffmpeg decodes from the keyframe
        // and drops what lies before start_time.
        if (video)
            plan.add(passVideo(*video, format, !accurate, keepCodec(*video, format, CodecKind::Video)));
        if (audio)
            plan.add(passAudio(*audio, format, !accurate, {keepCodec(*audio, format, CodecKind::Audio)}));
        plan.add(subtitleArgs(info, format));
        if (!accurate)
            plan.add({u"-avoid_negative_ts"_s, u"make_zero"_s});
    }
    plan.addOutput(format, u"output"_s);
    return plan.finish(length);
}

bool sameVideo(const StreamInfo &a, const StreamInfo &b)
{
    const double fpsTolerance = 0.01 * std::max(a.fps, b.fps);
    return a.index == b.index && a.codec == b.codec && a.profile == b.profile && a.width == b.width
            && a.height == b.height && a.pixelFormat == b.pixelFormat && a.rotation == b.rotation
            && std::abs(a.fps - b.fps) <= fpsTolerance;
}

bool sameAudio(const StreamInfo &a, const StreamInfo &b)
{
    return a.index == b.index && a.codec == b.codec && a.profile == b.profile && a.sampleRate == b.sampleRate
            && a.channels == b.channels;
}

// The concat demuxer joins packets, so it is right only when every input would decode into the
// same kind of stream and the target container takes them as they are.
bool inputsMatch(const QList<CommandInput> &inputs, const QString &format, bool withVideo)
{
    const MediaInfo &first = inputs.first().info;
    const StreamInfo *video = withVideo ? first.firstVideo() : nullptr;
    const StreamInfo *audio = first.firstAudio();
    if ((video && !formatAcceptsCodec(format, video->codec)) || (audio && !formatAcceptsCodec(format, audio->codec)))
        return false;
    return std::all_of(inputs.begin(), inputs.end(), [&](const CommandInput &input) {
        const StreamInfo *otherVideo = withVideo ? input.info.firstVideo() : nullptr;
        const StreamInfo *otherAudio = input.info.firstAudio();
        return bool(video) == bool(otherVideo) && bool(audio) == bool(otherAudio)
                && (!video || sameVideo(*video, *otherVideo)) && (!audio || sameAudio(*audio, *otherAudio));
    });
}

// ffconcat quoting: inside '...' everything is literal except ', written as '\''.
QByteArray concatList(const QList<CommandInput> &inputs)
{
    QByteArray list = "ffconcat version 1.0\n";
    for (const CommandInput &input : inputs) {
        QString quoted = u"file:"_s + input.path;
        quoted.replace(u'\'', u"'\\''"_s);
        list += "file '" + quoted.toUtf8() + "'\n";
    }
    return list;
}

struct ConcatLayout
{
    Size size;
    double fps = 25;
    int sampleRate = 48000;
    QString channelLayout = u"stereo"_s;
};

ConcatLayout concatLayout(const QList<CommandInput> &inputs)
{
    ConcatLayout layout;
    bool haveVideo = false;
    bool haveAudio = false;
    int channels = 0;
    for (const CommandInput &input : inputs) {
        if (const StreamInfo *video = input.info.firstVideo(); video && !haveVideo) {
            haveVideo = true;
            layout.size = evenSize(displaySize(*video));
            if (video->fps > 0)
                layout.fps = video->fps;
        }
        if (const StreamInfo *audio = input.info.firstAudio()) {
            if (!haveAudio && audio->sampleRate > 0)
                layout.sampleRate = audio->sampleRate;
            haveAudio = true;
            channels = std::max(channels, audio->channels);
        }
    }
    // Stereo unless every input is mono: more channels are folded down, fewer spread out.
    if (channels == 1)
        layout.channelLayout = u"mono"_s;
    return layout;
}

QString concatFilterGraph(const QList<CommandInput> &inputs, bool withVideo, bool withAudio)
{
    const ConcatLayout layout = concatLayout(inputs);
    const QString size = u"%1x%2"_s.arg(layout.size.width).arg(layout.size.height);
    QString graph;
    QString segments;
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        const MediaInfo &info = inputs.at(i).info;
        if (withVideo) {
            if (const StreamInfo *video = info.firstVideo()) {
                // Letterbox to the first input's frame, then one frame rate, shape and format.
                graph += u"[%1:%2]scale=%3:%4:force_original_aspect_ratio=decrease,pad=%3:%4:(ow-iw)/2:(oh-ih)/2,"
                         "setsar=1,fps=%5,format=yuv420p[v%1];"_s.arg(i)
                                 .arg(video->index)
                                 .arg(layout.size.width)
                                 .arg(layout.size.height)
                                 .arg(num(layout.fps));
            } else {
                graph += u"color=c=black:s=%2:r=%3:d=%4,format=yuv420p,setsar=1[v%1];"_s.arg(i).arg(size, num(layout.fps), num(info.duration));
            }
            segments += u"[v%1]"_s.arg(i);
        }
        if (withAudio) {
            if (const StreamInfo *audio = info.firstAudio()) {
                graph += u"[%1:%2]aresample=%3,aformat=sample_fmts=fltp:channel_layouts=%4[a%1];"_s.arg(i)
                                 .arg(audio->index)
                                 .arg(layout.sampleRate)
                                 .arg(layout.channelLayout);
            } else {
                // Silence for inputs without sound keeps the sound of the others in place.
                graph += u"anullsrc=channel_layout=%2:sample_rate=%3,atrim=duration=%4[a%1];"_s.arg(i)
                                 .arg(layout.channelLayout)
                                 .arg(layout.sampleRate)
                                 .arg(num(info.duration));
            }
            segments += u"[a%1]"_s.arg(i);
        }
    }
    graph += segments + u"concat=n=%1:v=%2:a=%3"_s.arg(inputs.size()).arg(withVideo ? 1 : 0).arg(withAudio ? 1 : 0);
    if (withVideo)
        graph += u"[v]"_s;
    if (withAudio)
        graph += u"[a]"_s;
    return graph;
}

Result<CommandPlan> buildConcat(const QJsonObject &options, const QList<CommandInput> &inputs, const CommandContext &context)
{
    if (inputs.size() < 2)
        return invalidOption(u"inputs"_s, u"concat needs at least 2 inputs"_s);
    if (options.contains("file_count"_L1) && intOption(options, "file_count"_L1) != inputs.size())
        return invalidOption(u"options.file_count"_s, u"says %1 files but %2 arrived"_s.arg(intOption(options, "file_count"_L1)).arg(inputs.size()));
    bool anyVideo = false;
    bool anyAudio = false;
    double total = 0;
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        const MediaInfo &info = inputs.at(i).info;
        if (!info.hasVideo() && !info.hasAudio())
            return unsupported(u"input %1 has neither video nor audio"_s.arg(i + 1), u"inputs[%1]"_s.arg(i));
        if (info.duration <= 0)
            return unsupported(u"input %1 has no known duration"_s.arg(i + 1), u"inputs[%1]"_s.arg(i));
        anyVideo = anyVideo || info.hasVideo();
        anyAudio = anyAudio || info.hasAudio();
        total += info.duration;
    }
    const MediaInfo &first = inputs.first().info;
    const QString format = options.contains("target_format"_L1) ? stringOption(options, "target_format"_L1)
                                                                 : defaultOutputFormat(first);
    const bool withVideo = anyVideo && !isAudioOnlyFormat(format);
    if (!withVideo && !anyAudio)
        return unsupported(u"a %1 file needs audio, and no input has any"_s.arg(format));

    PlanBuilder plan(context);
    if (inputsMatch(inputs, format, withVideo)) {
        plan.addConcatListInput(u"concat.txt"_s, concatList(inputs));
        if (const StreamInfo *video = first.firstVideo(); video && withVideo)
            plan.add(mapStream(0, *video));
        if (const StreamInfo *audio = first.firstAudio())
            plan.add(mapStream(0, *audio));
        plan.add({u"-c"_s, u"copy"_s});
        if (const StreamInfo *video = first.firstVideo(); video && withVideo)
            plan.add(videoCopyArgs(video->codec, format).mid(2));
    } else {
        for (const CommandInput &input : inputs)
            plan.addInput(input.path);
        plan.add({u"-filter_complex"_s, concatFilterGraph(inputs, withVideo, anyAudio)});
        if (withVideo)
            plan.add(QStringList{u"-map"_s, u"[v]"_s} + videoEncoderArgs({defaultCodec(format, CodecKind::Video)}, format));
        if (anyAudio)
            plan.add(QStringList{u"-map"_s, u"[a]"_s} + audioEncoderArgs({defaultCodec(format, CodecKind::Audio)}));
    }
    plan.addOutput(format, u"output"_s);
    return plan.finish(total);
}

Result<CommandPlan> buildGif(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const StreamInfo *video = input.info.firstVideo();
    if (!video)
        return unsupported(u"input has no video stream to make a gif of"_s);
    GifParameters parameters;
    parameters.start = numberOption(options, "start_time"_L1);
    parameters.length = numberOption(options, "duration"_L1);
    parameters.fps = intOption(options, "fps"_L1, 10);
    parameters.width = intOption(options, "width"_L1);
    parameters.optimize = options.value("optimize"_L1).toBool(true);
    if (input.info.duration > 0 && parameters.start >= input.info.duration)
        return invalidOption(u"options.start_time"_s, u"lies beyond the input's %1 s"_s.arg(num(input.info.duration)));
    return gifPlan(input, *video, parameters, context);
}

// ---- filter

enum class FilterTarget { Video, Audio, Both };

FilterTarget filterTarget(const QString &type)
{
    if (type == "volume"_L1 || type == "normalize"_L1)
        return FilterTarget::Audio;
    if (type == "fade"_L1)
        return FilterTarget::Both;
    return FilterTarget::Video;
}

struct FilterChains
{
    QStringList video;
    QStringList audio;
    Size size;            // of the picture after the video filters so far
    double duration = 0;
    int sampleRate = 0;
    bool normalized = false;   // loudnorm ran: its 192 kHz output needs a rate set on the way out
    bool withVideo = false;
    bool withAudio = false;
};

QStringList rotateFilters(double angle, Size &size)
{
    double turn = std::fmod(angle, 360.0);
    if (turn < 0)
        turn += 360.0;
    const auto near = [turn](double value) { return std::abs(turn - value) < 1e-9; };
    if (near(0) || near(360))
        return {};
    // Quarter turns move whole pixels: the frame turns with the picture and nothing is cut.
    if (near(90) || near(270)) {
        std::swap(size.width, size.height);
        return {near(90) ? u"transpose=clock"_s : u"transpose=cclock"_s};
    }
    if (near(180))
        return {u"hflip"_s, u"vflip"_s};
    return {u"rotate=%1*PI/180:fillcolor=black"_s.arg(num(angle))};
}

std::optional<Error> addCrop(const QJsonObject &entry, const QString &path, FilterChains &chains)
{
    const int width = intOption(entry, "width"_L1);
    const int height = intOption(entry, "height"_L1);
    const Size frame = chains.size;
    if (width > frame.width)
        return invalidOption(path + u".width"_s, u"is wider than the %1-pixel picture"_s.arg(frame.width));
    if (height > frame.height)
        return invalidOption(path + u".height"_s, u"is taller than the %1-pixel picture"_s.arg(frame.height));
    const int x = entry.contains("x"_L1) ? intOption(entry, "x"_L1) : (frame.width - width) / 2;
    const int y = entry.contains("y"_L1) ? intOption(entry, "y"_L1) : (frame.height - height) / 2;
    if (x + width > frame.width)
        return invalidOption(path + u".x"_s, u"puts the window past the right edge of the %1-pixel picture"_s.arg(frame.width));
    if (y + height > frame.height)
        return invalidOption(path + u".y"_s, u"puts the window past the bottom of the %1-pixel picture"_s.arg(frame.height));
    chains.video.append(u"crop=%1:%2:%3:%4"_s.arg(width).arg(height).arg(x).arg(y));
    chains.size = {width, height};
    return std::nullopt;
}

std::optional<Error> addFade(const QJsonObject &entry, const QString &path, FilterChains &chains)
{
    const double in = numberOption(entry, "in_seconds"_L1);
    const double out = numberOption(entry, "out_seconds"_L1);
    const double duration = chains.duration;
    if (out > 0 && duration <= 0)
        return invalidOption(path + u".out_seconds"_s, u"needs the input's duration, which is unknown"_s);
    if (duration > 0 && in > duration)
        return invalidOption(path + u".in_seconds"_s, u"is longer than the input's %1 s"_s.arg(num(duration)));
    if (duration > 0 && out > duration)
        return invalidOption(path + u".out_seconds"_s, u"is longer than the input's %1 s"_s.arg(num(duration)));
    const QString outStart = num(duration - out);
    if (chains.withVideo) {
        if (in > 0)
            chains.video.append(u"fade=t=in:st=0:d=%1"_s.arg(num(in)));
        if (out > 0)
            chains.video.append(u"fade=t=out:st=%1:d=%2"_s.arg(outStart, num(out)));
    }
    if (chains.withAudio) {
        if (in > 0)
            chains.audio.append(u"afade=t=in:st=0:d=%1"_s.arg(num(in)));
        if (out > 0)
            chains.audio.append(u"afade=t=out:st=%1:d=%2"_s.arg(outStart, num(out)));
    }
    return std::nullopt;
}

void addScale(const QJsonObject &entry, FilterChains &chains)
{
    const int width = intOption(entry, "width"_L1);
    const int height = intOption(entry, "height"_L1);
    const Size from = chains.size;
    Size to{width, height};
    if (width == 0)
        to.width = evenRound(double(height) * from.width / from.height);
    if (height == 0)
        to.height = evenRound(double(width) * from.height / from.width);
    chains.video.append(scaleFilter(to));
    chains.size = to;
}

std::optional<Error> addFilter(const QJsonObject &entry, const QString &path, FilterChains &chains)
{
    const QString type = stringOption(entry, "type"_L1);
    if (type == "scale"_L1) {
        addScale(entry, chains);
    } else if (type == "rotate"_L1) {
        chains.video += rotateFilters(numberOption(entry, "angle"_L1), chains.size);
    } else if (type == "crop"_L1) {
        return addCrop(entry, path, chains);
    } else if (type == "fps"_L1) {
        chains.video.append(u"fps="_s + num(numberOption(entry, "fps"_L1)));
    } else if (type == "volume"_L1) {
        chains.audio.append(entry.contains("volume"_L1) ? u"volume="_s + num(numberOption(entry, "volume"_L1))
                                                         : u"volume=%1dB"_s.arg(num(numberOption(entry, "gain_db"_L1))));
    } else if (type == "normalize"_L1) {
        // Single-pass EBU R128 to the common streaming target.
        chains.audio.append(u"loudnorm=I=-16:TP=-1.5:LRA=11"_s);
        chains.normalized = true;
    } else if (type == "flip"_L1) {
        chains.video.append(stringOption(entry, "direction"_L1) == "v"_L1 ? u"vflip"_s : u"hflip"_s);
    } else if (type == "grayscale"_L1) {
        // Desaturating keeps yuv420p, which every encoder and player takes; format=gray would not.
        chains.video.append(u"hue=s=0"_s);
    } else if (type == "fade"_L1) {
        return addFade(entry, path, chains);
    } else if (type == "denoise"_L1) {
        chains.video.append(u"hqdn3d"_s);
    } else if (type == "sharpen"_L1) {
        chains.video.append(u"unsharp=5:5:1.0:5:5:0.0"_s);
    }
    return std::nullopt;
}

Result<CommandPlan> buildFilter(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    const StreamInfo *audio = info.firstAudio();
    const QString format = options.contains("target_format"_L1) ? stringOption(options, "target_format"_L1)
                                                                 : defaultOutputFormat(info);
    FilterChains chains;
    chains.withVideo = video && !isAudioOnlyFormat(format);
    chains.withAudio = audio != nullptr;
    chains.size = video ? displaySize(*video) : Size{};
    chains.duration = info.duration;
    chains.sampleRate = audio ? audio->sampleRate : 0;
    if (!chains.withVideo && !chains.withAudio)
        return unsupported(u"input has no stream a %1 file can carry"_s.arg(format));

    const QJsonArray filters = options.value("filters"_L1).toArray();
    for (qsizetype i = 0; i < filters.size(); ++i) {
        const QJsonObject entry = filters.at(i).toObject();
        const QString path = u"options.filters[%1]"_s.arg(i);
        const QString type = stringOption(entry, "type"_L1);
        const FilterTarget target = filterTarget(type);
        if (target == FilterTarget::Video && !chains.withVideo)
            return unsupported(u"%1 is a video filter and the output has no video"_s.arg(type), path + u".type"_s);
        if (target == FilterTarget::Audio && !chains.withAudio)
            return unsupported(u"%1 is an audio filter and the input has no audio"_s.arg(type), path + u".type"_s);
        if (const auto error = addFilter(entry, path, chains))
            return *error;
    }
    if (chains.withVideo) {
        if (auto error = checkPicture(chains.size, kMaxFramePixels, kMaxOutputSide, u"options.filters"_s, u"the filtered picture"_s))
            return *error;
    }

    PlanBuilder plan(context);
    plan.addInput(input.path);
    if (chains.withVideo) {
        plan.add(mapStream(0, *video));
        // Streams no filter touches are copied: filtering the sound must not re-encode the picture.
        plan.add(chains.video.isEmpty() ? passVideo(*video, format, true)
                                        : encodeVideo(chains.video, chains.size, keepCodec(*video, format, CodecKind::Video), format));
    }
    if (chains.withAudio) {
        plan.add(mapStream(0, *audio));
        const QString codec = keepCodec(*audio, format, CodecKind::Audio);
        // loudnorm works at 192 kHz; the rate goes back to the input's through -ar, because an
        // aresample after loudnorm loses the channel layout in ffmpeg 5.1. Opus only runs at 48 kHz.
        int rate = 0;
        if (chains.normalized)
            rate = codec == "opus"_L1 || chains.sampleRate <= 0 ? 48000 : chains.sampleRate;
        if (chains.audio.isEmpty())
            plan.add(passAudio(*audio, format, true));
        else
            plan.add(QStringList{u"-af"_s, chains.audio.join(u',')} + audioEncoderArgs({codec, 0, rate}));
    }
    if (isAudioOnlyFormat(format))
        plan.add({u"-vn"_s});
    plan.addOutput(format, u"output"_s);
    return plan.finish(info.duration);
}

// ---- subtitles

Result<const StreamInfo *> subtitleStream(const MediaInfo &info, int index)
{
    const QList<const StreamInfo *> streams = info.subtitleStreams();
    if (streams.isEmpty())
        return unsupported(u"input has no subtitle streams"_s, u"options.subtitle_index"_s);
    if (index >= streams.size())
        return invalidOption(u"options.subtitle_index"_s,
                             u"input has only %1 subtitle stream(s), counted from 0"_s.arg(streams.size()));
    const StreamInfo *stream = streams.at(index);
    if (!stream->isTextSubtitle()) {
        return unsupported(u"subtitle stream %1 is a bitmap format (%2); only text subtitles can be used"_s.arg(index).arg(stream->codec),
                           u"options.subtitle_index"_s);
    }
    return stream;
}

struct SubtitleFormat
{
    QString sourceCodec;   // the codec that is copied as it is
    QString encoder;
    QString muxer;
    QString extension;
};

SubtitleFormat subtitleFormat(const QString &format)
{
    if (format == "vtt"_L1)
        return {u"webvtt"_s, u"webvtt"_s, u"webvtt"_s, u"vtt"_s};
    if (format == "ass"_L1)
        return {u"ass"_s, u"ass"_s, u"ass"_s, u"ass"_s};
    return {u"subrip"_s, u"srt"_s, u"srt"_s, u"srt"_s};
}

Result<CommandPlan> buildExtractSubtitles(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const auto stream = subtitleStream(input.info, intOption(options, "subtitle_index"_L1));
    if (!stream)
        return stream.error();
    const SubtitleFormat format = subtitleFormat(stringOption(options, "format"_L1));
    PlanBuilder plan(context);
    plan.addInput(input.path);
    plan.add(mapStream(0, **stream));
    plan.add({u"-c:s"_s, (*stream)->codec == format.sourceCodec ? u"copy"_s : format.encoder});
    plan.addFileOutput(format.muxer, u"subtitles."_s + format.extension);
    return plan.finish(input.info.duration);
}

// Not a name an output ever has: outputs are output.*, thumbnail*.*, contact_sheet.*, subtitles.*.
QString burnSubtitleFile()
{
    return u"burn_input.ass"_s;
}

Result<CommandPlan> buildBurnSubtitles(const QJsonObject &options, const CommandInput &input, const CommandContext &context)
{
    const MediaInfo &info = input.info;
    const StreamInfo *video = info.firstVideo();
    const StreamInfo *audio = info.firstAudio();
    if (!video)
        return unsupported(u"input has no video stream to burn subtitles into"_s);
    const int index = intOption(options, "subtitle_index"_L1);
    const auto stream = subtitleStream(info, index);
    if (!stream)
        return stream.error();
    const QString format = defaultOutputFormat(info);
    // The subtitles filter would open the input itself, without the protocol and demuxer
    // whitelists every other reader of it has, and would load the fonts the container carries.
    // Instead a first run copies the one stream, through the whitelisted input, into an ASS file
    // the service names; the ass filter draws that file with libass, which opens nothing else.
    PlanBuilder extraction(context);
    extraction.addInput(input.path);
    extraction.add(mapStream(0, **stream));
    extraction.add({u"-c:s"_s, u"ass"_s});
    extraction.addFileOutput(u"ass"_s, burnSubtitleFile());
    const CommandPlan extracted = extraction.finish(0);
    const QString filter = u"ass=filename="_s + escapeFilterValue(extraction.workPath(burnSubtitleFile()));
    PlanBuilder plan(context);
    plan.addPreparation({extracted.arguments, extracted.outputPaths});
    plan.addInput(input.path);
    plan.add(mapStream(0, *video));
    plan.add(encodeVideo({filter}, displaySize(*video), keepCodec(*video, format, CodecKind::Video), format));
    if (audio) {
        plan.add(mapStream(0, *audio));
        plan.add(passAudio(*audio, format, true));
    }
    plan.addOutput(format, u"output"_s);
    return plan.finish(info.duration);
}

} // namespace

QString escapeFilterValue(const QString &value)
{
    const auto escape = [](const QString &text, QStringView special) {
        QString escaped;
        escaped.reserve(text.size() * 2);
        for (const QChar ch : text) {
            // Whitespace too: both parsers trim it at the ends of a value unless escaped.
            if (special.contains(ch) || ch.isSpace())
                escaped += u'\\';
            escaped += ch;
        }
        return escaped;
    };
    return escape(escape(value, u"\\':"), u"\\'[],;");
}

QString defaultOutputFormat(const MediaInfo &info)
{
    const QStringList names = info.formatName.split(u',');
    const auto is = [&names](QLatin1StringView name) { return names.contains(name); };
    if (info.hasVideo()) {
        if (is("mov"_L1))
            return info.tags.value(u"major_brand"_s).startsWith("qt"_L1) ? u"mov"_s : u"mp4"_s;
        if (is("matroska"_L1))
            return fitsWebm(info) ? u"webm"_s : u"mkv"_s;
        if (is("avi"_L1))
            return u"avi"_s;
        if (is("flv"_L1))
            return u"flv"_s;
        return u"mp4"_s;
    }
    for (const QLatin1StringView audioFormat : {"mp3"_L1, "aac"_L1, "wav"_L1, "flac"_L1}) {
        if (is(audioFormat))
            return audioFormat;
    }
    if (is("ogg"_L1)) {
        const StreamInfo *audio = info.firstAudio();
        return audio && audio->codec == "opus"_L1 ? u"opus"_s : u"ogg"_s;
    }
    if (is("matroska"_L1))
        return fitsWebm(info) ? u"webm"_s : u"mkv"_s;
    return u"m4a"_s;
}

Result<CommandPlan> buildCommand(Operation operation, const QJsonObject &options,
                                 const QList<CommandInput> &inputs, const CommandContext &context)
{
    // probe runs ffprobe, never ffmpeg: asking for its command is a caller's mistake.
    if (operation == Operation::Probe)
        return Error(ErrorCode::InternalError, u"probe has no ffmpeg command"_s);
    if (operation == Operation::Concat)
        return buildConcat(options, inputs, context);
    if (inputs.size() != 1)
        return Error(ErrorCode::InternalError, u"%1 takes exactly one input"_s.arg(operationName(operation)));
    const CommandInput &input = inputs.first();
    switch (operation) {
    case Operation::Speed: return buildSpeed(options, input, context);
    case Operation::Compress: return buildCompress(options, input, context);
    case Operation::ExtractAudio: return buildExtractAudio(options, input, context);
    case Operation::RemoveAudio: return buildRemoveAudio(options, input, context);
    case Operation::Convert: return buildConvert(options, input, context);
    case Operation::Thumbnail: return buildThumbnail(options, input, context);
    case Operation::Trim: return buildTrim(options, input, context);
    case Operation::Gif: return buildGif(options, input, context);
    case Operation::Filter: return buildFilter(options, input, context);
    case Operation::ExtractSubtitles: return buildExtractSubtitles(options, input, context);
    case Operation::BurnSubtitles: return buildBurnSubtitles(options, input, context);
    case Operation::Concat:
    case Operation::Probe:
        break;
    }
    return Error(ErrorCode::InternalError, u"unknown operation"_s);
}

} // namespace Mediaforge
