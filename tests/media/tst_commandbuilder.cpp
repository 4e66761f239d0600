// SPDX-License-Identifier: GPL-3.0-or-later
// The command builder checked to the argument, on probe results written out by hand: every
// operation and every option that changes the command. No ffmpeg runs here
// (tst_commandbuilder_run does that).
#include "media/commandbuilder.h"
#include "media/mediainfo.h"
#include "operations.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Mediaforge;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(Mediaforge::Operation)

namespace {

const QString kWork = u"/job/dir"_s;

QJsonObject json(const char *text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(text), &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad JSON in test table: %s", text);
    return document.object();
}

// Space-separated arguments; none of the expected ones contain a space.
QStringList args(const char *text)
{
    return QString::fromUtf8(text).split(u' ', Qt::SkipEmptyParts);
}

QStringList input(const QString &path, const QString &seek = QString(), const QString &duration = QString())
{
    QStringList list{u"-protocol_whitelist"_s, u"file"_s, u"-format_whitelist"_s, allowedDemuxers()};
    if (!seek.isEmpty())
        list += {u"-ss"_s, seek};
    if (!duration.isEmpty())
        list += {u"-t"_s, duration};
    return list + QStringList{u"-i"_s, u"file:"_s + path};
}

QStringList output(const QString &muxer, const QString &fileName, bool faststart = false)
{
    QStringList list;
    if (faststart)
        list += {u"-movflags"_s, u"+faststart"_s};
    return list + QStringList{u"-f"_s, muxer, u"file:"_s + kWork + u'/' + fileName};
}

QStringList mp4Output()
{
    return output(u"mp4"_s, u"output.mp4"_s, true);
}

QStringList imageOutput(const QString &fileName)
{
    return args("-frames:v 1 -update 1") + output(u"image2"_s, fileName);
}

const QStringList kX264 = args("-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p");
const QStringList kAac = args("-c:a aac -b:a 160k");

// ---- probe results

StreamInfo video(int index, const QString &codec, int width, int height, double fps = 30, int rotation = 0)
{
    StreamInfo stream;
    stream.index = index;
    stream.kind = StreamInfo::Kind::Video;
    stream.codec = codec;
    stream.profile = u"High"_s;
    stream.width = width;
    stream.height = height;
    stream.fps = fps;
    stream.pixelFormat = u"yuv420p"_s;
    stream.rotation = rotation;
    return stream;
}

StreamInfo audio(int index, const QString &codec, int sampleRate = 48000, int channels = 2, qint64 bitRate = 128000)
{
    StreamInfo stream;
    stream.index = index;
    stream.kind = StreamInfo::Kind::Audio;
    stream.codec = codec;
    stream.sampleRate = sampleRate;
    stream.channels = channels;
    stream.bitRate = bitRate;
    return stream;
}

StreamInfo subtitle(int index, const QString &codec)
{
    StreamInfo stream;
    stream.index = index;
    stream.kind = StreamInfo::Kind::Subtitle;
    stream.codec = codec;
    return stream;
}

MediaInfo media(const QString &formatName, double duration, const QList<StreamInfo> &streams, const QString &brand = QString())
{
    MediaInfo info;
    info.formatName = formatName;
    info.duration = duration;
    info.streams = streams;
    if (!brand.isEmpty())
        info.tags.insert(u"major_brand"_s, brand);
    return info;
}

const QString kMp4Names = u"mov,mp4,m4a,3gp,3g2,mj2"_s;

// 10 s of 1080p30 H.264 with 128k AAC.
MediaInfo hdMp4()
{
    return media(kMp4Names, 10, {video(0, u"h264"_s, 1920, 1080), audio(1, u"aac"_s)}, u"isom"_s);
}

MediaInfo silentMp4()
{
    return media(kMp4Names, 10, {video(0, u"h264"_s, 1280, 720, 25)}, u"isom"_s);
}

// A phone recording: stored landscape, displayed portrait.
MediaInfo phoneMov()
{
    return media(kMp4Names, 10, {video(0, u"h264"_s, 1920, 1080, 30, -90), audio(1, u"aac"_s)}, u"qt  "_s);
}

// Odd-sized H.264 with Opus and three subtitle streams: SubRip, PGS (bitmap), ASS.
MediaInfo oddMkv()
{
    return media(u"matroska,webm"_s, 10,
                 {video(0, u"h264"_s, 321, 241), audio(1, u"opus"_s, 48000, 2, 0), subtitle(2, u"subrip"_s),
                  subtitle(3, u"hdmv_pgs_subtitle"_s), subtitle(4, u"ass"_s)});
}

MediaInfo vp9Webm()
{
    return media(u"matroska,webm"_s, 5, {video(0, u"vp9"_s, 1280, 720), audio(1, u"opus"_s, 48000, 2, 0)});
}

MediaInfo hevcMp4()
{
    return media(kMp4Names, 10, {video(0, u"hevc"_s, 1920, 1080), audio(1, u"aac"_s)}, u"isom"_s);
}

// 3 minutes of MP3 with cover art, which is not video.
MediaInfo mp3Audio()
{
    StreamInfo cover = video(1, u"mjpeg"_s, 500, 500, 0);
    cover.attachedPicture = true;
    return media(u"mp3"_s, 180, {audio(0, u"mp3"_s, 44100, 2, 192000), cover});
}

MediaInfo monoWav()
{
    return media(u"wav"_s, 4, {audio(0, u"pcm_s16le"_s, 44100, 1, 705600)});
}

MediaInfo opusOgg()
{
    return media(u"ogg"_s, 60, {audio(0, u"opus"_s, 48000, 2, 0)});
}

MediaInfo mpegTs()
{
    return media(u"mpegts"_s, 10, {video(0, u"h264"_s, 1280, 720), audio(1, u"mp2"_s)});
}

MediaInfo xvidAvi()
{
    return media(u"avi"_s, 10, {video(0, u"mpeg4"_s, 640, 480, 25), audio(1, u"mp3"_s, 44100)});
}

QString extension(const MediaInfo &info)
{
    if (info.formatName.startsWith("mov"_L1))
        return u"mp4"_s;
    if (info.formatName.startsWith("matroska"_L1))
        return u"mkv"_s;
    if (info.formatName == "mpegts"_L1)
        return u"ts"_s;
    return info.formatName;
}

QString inputPath(const QList<MediaInfo> &inputs, qsizetype index)
{
    if (inputs.size() == 1)
        return u"/job/input."_s + extension(inputs.first());
    return u"/job/input%1.%2"_s.arg(index + 1).arg(extension(inputs.at(index)));
}

QList<CommandInput> commandInputs(const QList<MediaInfo> &inputs)
{
    QList<CommandInput> list;
    for (qsizetype i = 0; i < inputs.size(); ++i)
        list.append({inputPath(inputs, i), inputs.at(i)});
    return list;
}

Result<CommandPlan> build(Operation operation, const QJsonObject &options, const QList<MediaInfo> &inputs, int threads = 0)
{
    const auto normalized = validateOptions(operation, options);
    if (!normalized)
        return normalized.error();
    return buildCommand(operation, *normalized, commandInputs(inputs), {kWork, threads});
}

} // namespace

class TestCommandBuilder : public QObject
{
    Q_OBJECT

private slots:
    void arguments_data();
    void arguments();
    void mediaErrors_data();
    void mediaErrors();
    void concatListQuotesPaths();
    void threadsGoWithEveryOutput();
    void probeHasNoCommand();
    void outputSizeLimitPrecedesEveryOutputFile_data();
    void outputSizeLimitPrecedesEveryOutputFile();
    void noInputAllowsAProtocolButFile();
    void burnSubtitlesReadsTheInputOnlyThroughWhitelists();
    void escapeFilterValue_data();
    void escapeFilterValue();
    void defaultOutputFormat_data();
    void defaultOutputFormat();

private:
    void addSpeedRows();
    void addCompressRows();
    void addExtractAudioRows();
    void addRemoveAudioRows();
    void addConvertRows();
    void addThumbnailRows();
    void addTrimRows();
    void addConcatRows();
    void addGifRows();
    void addFilterRows();
    void addSubtitleRows();
};

// ---------------------------------------------------------------------------------------------

void TestCommandBuilder::arguments_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QList<MediaInfo>>("inputs");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<QStringList>("outputs");
    QTest::addColumn<double>("duration");

    addSpeedRows();
    addCompressRows();
    addExtractAudioRows();
    addRemoveAudioRows();
    addConvertRows();
    addThumbnailRows();
    addTrimRows();
    addConcatRows();
    addGifRows();
    addFilterRows();
    addSubtitleRows();
}

void TestCommandBuilder::arguments()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    QFETCH(QList<MediaInfo>, inputs);
    QFETCH(QStringList, expected);
    QFETCH(QStringList, outputs);
    QFETCH(double, duration);

    const auto plan = build(operation, options, inputs);
    QVERIFY2(plan.ok(), plan.ok() ? "" : qPrintable(plan.error().message));
    if (plan->arguments != expected) {
        // Shows the first difference instead of two walls of text.
        for (qsizetype i = 0; i < std::max(plan->arguments.size(), expected.size()); ++i) {
            const QString actualArgument = plan->arguments.value(i, u"<end>"_s);
            const QString expectedArgument = expected.value(i, u"<end>"_s);
            QVERIFY2(actualArgument == expectedArgument,
                     qPrintable(u"argument %1: got %2, expected %3\nfull: %4"_s.arg(i).arg(actualArgument, expectedArgument,
                                                                                 plan->arguments.join(u' '))));
        }
    }
    QStringList expectedPaths;
    for (const QString &name : outputs)
        expectedPaths.append(kWork + u'/' + name);
    QCOMPARE(plan->outputPaths, expectedPaths);
    QCOMPARE(plan->expectedDurationSeconds, duration);
    if (operation != Operation::Concat)
        QVERIFY(plan->auxiliaryFiles.isEmpty());
}

void TestCommandBuilder::addSpeedRows()
{
    const QString in = u"/job/input.mp4"_s;
    QTest::newRow("speed 2x, pitch follows")
            << Operation::Speed << json(R"({"speed_factor": 2})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf setpts=PTS/2,fps=30") + kX264 + args("-map 0:1 -af asetrate=96000,aresample=48000") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 5.0;
    QTest::newRow("speed 3x, pitch kept: atempo chain")
            << Operation::Speed << json(R"({"speed_factor": 3, "maintain_pitch": true})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf setpts=PTS/3,fps=30") + kX264 + args("-map 0:1 -af atempo=2,atempo=1.5") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0 / 3;
    QTest::newRow("speed 10x, pitch kept")
            << Operation::Speed << json(R"({"speed_factor": 10, "maintain_pitch": true})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf setpts=PTS/10,fps=30") + kX264 + args("-map 0:1 -af atempo=2,atempo=2,atempo=2,atempo=1.25") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 1.0;
    QTest::newRow("speed 0.25x, pitch kept")
            << Operation::Speed << json(R"({"speed_factor": 0.25, "maintain_pitch": true})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf setpts=PTS/0.25,fps=30") + kX264 + args("-map 0:1 -af atempo=0.5,atempo=0.5") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 40.0;
    QTest::newRow("speed 0.3x, pitch kept")
            << Operation::Speed << json(R"({"speed_factor": 0.3, "maintain_pitch": true})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf setpts=PTS/0.3,fps=30") + kX264 + args("-map 0:1 -af atempo=0.5,atempo=0.6") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0 / 0.3;
    QTest::newRow("speed 1x copies")
            << Operation::Speed << json(R"({"speed_factor": 1})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -c:v copy -map 0:1 -c:a copy") + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("speed without audio")
            << Operation::Speed << json(R"({"speed_factor": 2})") << QList<MediaInfo>{silentMp4()}
            << input(in) + args("-map 0:0 -vf setpts=PTS/2,fps=25") + kX264 + mp4Output() << QStringList{u"output.mp4"_s} << 5.0;
    QTest::newRow("speed of an mp3: cover art is not video")
            << Operation::Speed << json(R"({"speed_factor": 1.5})") << QList<MediaInfo>{mp3Audio()}
            << input(u"/job/input.mp3"_s) + args("-map 0:0 -af asetrate=66150,aresample=44100 -c:a libmp3lame -b:a 192k")
                    + output(u"mp3"_s, u"output.mp3"_s)
            << QStringList{u"output.mp3"_s} << 120.0;
    QTest::newRow("speed keeps HEVC and the mov container")
            << Operation::Speed << json(R"({"speed_factor": 2})")
            << QList<MediaInfo>{media(kMp4Names, 10, {video(0, u"hevc"_s, 1920, 1080), audio(1, u"aac"_s)}, u"qt  "_s)}
            << input(in) + args("-map 0:0 -vf setpts=PTS/2,fps=30 -c:v libx265 -preset veryfast -crf 28 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p")
                    + args("-map 0:1 -af asetrate=96000,aresample=48000") + kAac + output(u"mov"_s, u"output.mov"_s, true)
            << QStringList{u"output.mov"_s} << 5.0;
}

void TestCommandBuilder::addCompressRows()
{
    const QString in = u"/job/input.mp4"_s;
    const auto x264 = [](int crf) { return args("-c:v libx264 -preset medium -crf") + QStringList{QString::number(crf)} + args("-pix_fmt yuv420p"); };
    QTest::newRow("compress medium: CRF 28, 128k audio already small enough to copy")
            << Operation::Compress << QJsonObject() << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0") + x264(28) + args("-map 0:1 -c:a copy") + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("compress low: CRF 32, audio to 96k")
            << Operation::Compress << json(R"({"preset": "low"})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0") + x264(32) + args("-map 0:1 -c:a aac -b:a 96k") + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("compress high with max_width")
            << Operation::Compress << json(R"({"preset": "high", "max_width": 1280})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf scale=1280:720") + x264(23) + args("-map 0:1 -c:a copy") + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("compress crf, capped bitrate, audio rate, max_height")
            << Operation::Compress
            << json(R"({"crf": 20, "video_bitrate_kbps": 2000, "audio_bitrate_kbps": 64, "max_height": 480})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf scale=852:480 -c:v libx264 -preset medium -crf 20 -maxrate 2000k -bufsize 4000k -pix_fmt yuv420p")
                    + args("-map 0:1 -c:a aac -b:a 64k") + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("compress custom with a bitrate only")
            << Operation::Compress << json(R"({"preset": "custom", "video_bitrate_kbps": 1500})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -c:v libx264 -preset medium -b:v 1500k -pix_fmt yuv420p -map 0:1 -c:a copy") + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("compress custom without numbers: CRF 23")
            << Operation::Compress << json(R"({"preset": "custom"})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0") + x264(23) + args("-map 0:1 -c:a copy") + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("compress to webm: VP9 and Opus")
            << Operation::Compress << json(R"({"preset": "high", "target_format": "webm"})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -c:v libvpx-vp9 -deadline good -cpu-used 2 -row-mt 1 -crf 31 -b:v 0 -pix_fmt yuv420p")
                    + args("-map 0:1 -c:a libopus -b:a 192k") + output(u"webm"_s, u"output.webm"_s)
            << QStringList{u"output.webm"_s} << 10.0;
    QTest::newRow("compress webm input keeps webm, VP9 with a ceiling")
            << Operation::Compress << json(R"({"video_bitrate_kbps": 1000})") << QList<MediaInfo>{vp9Webm()}
            << input(u"/job/input.mkv"_s) + args("-map 0:0 -c:v libvpx-vp9 -deadline good -cpu-used 2 -row-mt 1 -crf 36 -b:v 1000k -pix_fmt yuv420p")
                    + args("-map 0:1 -c:a libopus -b:a 128k") + output(u"webm"_s, u"output.webm"_s)
            << QStringList{u"output.webm"_s} << 5.0;
    QTest::newRow("compress rotated: bounds apply to the portrait picture")
            << Operation::Compress << json(R"({"max_width": 720})") << QList<MediaInfo>{phoneMov()}
            << input(in) + args("-map 0:0 -vf scale=720:1280") + x264(28) + args("-map 0:1 -c:a copy") + output(u"mov"_s, u"output.mov"_s, true)
            << QStringList{u"output.mov"_s} << 10.0;
    QTest::newRow("compress never upscales")
            << Operation::Compress << json(R"({"max_width": 3840, "max_height": 2160})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0") + x264(28) + args("-map 0:1 -c:a copy") + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("compress odd size made even, mkv, opus becomes aac")
            << Operation::Compress << QJsonObject() << QList<MediaInfo>{oddMkv()}
            << input(u"/job/input.mkv"_s) + args("-map 0:0 -vf scale=320:240") + x264(28) + args("-map 0:1 -c:a aac -b:a 128k")
                    + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
    QTest::newRow("compress mpeg-ts input to the mp4 default")
            << Operation::Compress << QJsonObject() << QList<MediaInfo>{mpegTs()}
            << input(u"/job/input.ts"_s) + args("-map 0:0") + x264(28) + args("-map 0:1 -c:a aac -b:a 128k") + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
}

void TestCommandBuilder::addExtractAudioRows()
{
    const QStringList in = input(u"/job/input.mp4"_s) + args("-map 0:1 -vn");
    QTest::newRow("extract mp3 by default")
            << Operation::ExtractAudio << QJsonObject() << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a libmp3lame -b:a 192k") + output(u"mp3"_s, u"output.mp3"_s) << QStringList{u"output.mp3"_s} << 10.0;
    QTest::newRow("extract aac copies into ADTS")
            << Operation::ExtractAudio << json(R"({"format": "aac"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a copy") + output(u"adts"_s, u"output.aac"_s) << QStringList{u"output.aac"_s} << 10.0;
    QTest::newRow("extract m4a copies")
            << Operation::ExtractAudio << json(R"({"format": "m4a"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a copy") + output(u"ipod"_s, u"output.m4a"_s, true) << QStringList{u"output.m4a"_s} << 10.0;
    QTest::newRow("extract m4a at the source's rate still copies")
            << Operation::ExtractAudio << json(R"({"format": "m4a", "sample_rate": 48000})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a copy") + output(u"ipod"_s, u"output.m4a"_s, true) << QStringList{u"output.m4a"_s} << 10.0;
    QTest::newRow("extract aac with a bitrate encodes")
            << Operation::ExtractAudio << json(R"({"format": "aac", "bitrate_kbps": 96})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a aac -b:a 96k") + output(u"adts"_s, u"output.aac"_s) << QStringList{u"output.aac"_s} << 10.0;
    QTest::newRow("extract wav")
            << Operation::ExtractAudio << json(R"({"format": "wav"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a pcm_s16le") + output(u"wav"_s, u"output.wav"_s) << QStringList{u"output.wav"_s} << 10.0;
    QTest::newRow("extract opus at 16 kHz")
            << Operation::ExtractAudio << json(R"({"format": "opus", "sample_rate": 16000})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a libopus -b:a 128k -ar 16000") + output(u"opus"_s, u"output.opus"_s) << QStringList{u"output.opus"_s} << 10.0;
    QTest::newRow("extract flac at 96 kHz")
            << Operation::ExtractAudio << json(R"({"format": "flac", "sample_rate": 96000})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a flac -ar 96000") + output(u"flac"_s, u"output.flac"_s) << QStringList{u"output.flac"_s} << 10.0;
    QTest::newRow("extract ogg: vorbis")
            << Operation::ExtractAudio << json(R"({"format": "ogg", "bitrate_kbps": 112})") << QList<MediaInfo>{hdMp4()}
            << in + args("-c:a libvorbis -b:a 112k") + output(u"ogg"_s, u"output.ogg"_s) << QStringList{u"output.ogg"_s} << 10.0;
    QTest::newRow("extract mp3 from mp3 copies")
            << Operation::ExtractAudio << QJsonObject() << QList<MediaInfo>{mp3Audio()}
            << input(u"/job/input.mp3"_s) + args("-map 0:0 -vn -c:a copy") + output(u"mp3"_s, u"output.mp3"_s)
            << QStringList{u"output.mp3"_s} << 180.0;
    QTest::newRow("extract ogg from opus copies: ogg carries opus")
            << Operation::ExtractAudio << json(R"({"format": "ogg"})") << QList<MediaInfo>{opusOgg()}
            << input(u"/job/input.ogg"_s) + args("-map 0:0 -vn -c:a copy") + output(u"ogg"_s, u"output.ogg"_s)
            << QStringList{u"output.ogg"_s} << 60.0;
}

void TestCommandBuilder::addRemoveAudioRows()
{
    QTest::newRow("remove_audio copies video")
            << Operation::RemoveAudio << QJsonObject() << QList<MediaInfo>{hdMp4()}
            << input(u"/job/input.mp4"_s) + args("-map 0:0 -an -c:v copy") + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("remove_audio re-encodes to h264")
            << Operation::RemoveAudio << json(R"({"keep_video_quality": false})") << QList<MediaInfo>{hevcMp4()}
            << input(u"/job/input.mp4"_s) + args("-map 0:0 -an") + kX264 + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("remove_audio keeps subtitles the container holds")
            << Operation::RemoveAudio << QJsonObject() << QList<MediaInfo>{oddMkv()}
            << input(u"/job/input.mkv"_s) + args("-map 0:0 -map 0:2 -c:s:0 copy -map 0:3 -c:s:1 copy -map 0:4 -c:s:2 copy -an -c:v copy")
                    + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
    QTest::newRow("remove_audio re-encoding an odd size")
            << Operation::RemoveAudio << json(R"({"keep_video_quality": false})") << QList<MediaInfo>{oddMkv()}
            << input(u"/job/input.mkv"_s) + args("-map 0:0 -map 0:2 -c:s:0 copy -map 0:3 -c:s:1 copy -map 0:4 -c:s:2 copy -an -vf scale=320:240")
                    + kX264 + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
}

void TestCommandBuilder::addConvertRows()
{
    const QStringList in = input(u"/job/input.mp4"_s);
    QTest::newRow("convert to mkv copies")
            << Operation::Convert << json(R"({"target_format": "mkv"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v copy -map 0:1 -c:a copy") + output(u"matroska"_s, u"output.mkv"_s) << QStringList{u"output.mkv"_s} << 10.0;
    QTest::newRow("convert to webm encodes what webm refuses")
            << Operation::Convert << json(R"({"target_format": "webm"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v libvpx-vp9 -deadline good -cpu-used 5 -row-mt 1 -crf 31 -b:v 0 -pix_fmt yuv420p -map 0:1 -c:a libopus -b:a 128k")
                    + output(u"webm"_s, u"output.webm"_s)
            << QStringList{u"output.webm"_s} << 10.0;
    QTest::newRow("convert with an encoder name forces that codec")
            << Operation::Convert << json(R"({"target_format": "mp4", "video_codec": "libx265"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v libx265 -preset veryfast -crf 28 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p -map 0:1 -c:a copy")
                    + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("convert to avi: Annex B for copied H.264")
            << Operation::Convert << json(R"({"target_format": "avi"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v copy -bsf:v h264_mp4toannexb -map 0:1 -c:a copy") + output(u"avi"_s, u"output.avi"_s)
            << QStringList{u"output.avi"_s} << 10.0;
    QTest::newRow("convert vp9/opus to avi: H.264 and AAC")
            << Operation::Convert << json(R"({"target_format": "avi"})") << QList<MediaInfo>{vp9Webm()}
            << input(u"/job/input.mkv"_s) + args("-map 0:0") + kX264 + args("-map 0:1") + kAac + output(u"avi"_s, u"output.avi"_s)
            << QStringList{u"output.avi"_s} << 5.0;
    QTest::newRow("convert to avi with mpeg4 tagged XVID")
            << Operation::Convert << json(R"({"target_format": "avi", "video_codec": "mpeg4", "audio_codec": "libmp3lame"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v mpeg4 -q:v 4 -tag:v XVID -pix_fmt yuv420p -map 0:1 -c:a libmp3lame -b:a 192k") + output(u"avi"_s, u"output.avi"_s)
            << QStringList{u"output.avi"_s} << 10.0;
    QTest::newRow("convert without stream copy encodes both")
            << Operation::Convert << json(R"({"target_format": "mov", "stream_copy": false})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0") + kX264 + args("-map 0:1") + kAac + output(u"mov"_s, u"output.mov"_s, true)
            << QStringList{u"output.mov"_s} << 10.0;
    QTest::newRow("convert to flv with mp3 audio")
            << Operation::Convert << json(R"({"target_format": "flv", "audio_codec": "mp3"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v copy -map 0:1 -c:a libmp3lame -b:a 192k") + output(u"flv"_s, u"output.flv"_s)
            << QStringList{u"output.flv"_s} << 10.0;
    QTest::newRow("convert to mp3 drops video")
            << Operation::Convert << json(R"({"target_format": "mp3"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:1 -c:a libmp3lame -b:a 192k -vn") + output(u"mp3"_s, u"output.mp3"_s) << QStringList{u"output.mp3"_s} << 10.0;
    QTest::newRow("convert to wav with pcm asked")
            << Operation::Convert << json(R"({"target_format": "wav", "audio_codec": "pcm"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:1 -c:a pcm_s16le -vn") + output(u"wav"_s, u"output.wav"_s) << QStringList{u"output.wav"_s} << 10.0;
    QTest::newRow("convert to gif uses the palette")
            << Operation::Convert << json(R"({"target_format": "gif"})") << QList<MediaInfo>{hdMp4()}
            << in + QStringList{u"-filter_complex"_s,
                                u"[0:0]fps=10,scale=480:270:flags=lanczos,split[a][b];[a]palettegen=stats_mode=diff[p];"
                                "[b][p]paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle[gif]"_s}
                    + args("-map [gif] -c:v gif -loop 0") + output(u"gif"_s, u"output.gif"_s)
            << QStringList{u"output.gif"_s} << 10.0;
    QTest::newRow("convert mkv to mp4: text subtitles become mov_text, bitmap ones stay behind")
            << Operation::Convert << json(R"({"target_format": "mp4"})") << QList<MediaInfo>{oddMkv()}
            << input(u"/job/input.mkv"_s) + args("-map 0:0 -c:v copy -map 0:1 -c:a copy -map 0:2 -c:s:0 mov_text -map 0:4 -c:s:1 mov_text") + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("convert odd mkv to webm: even size, webvtt")
            << Operation::Convert << json(R"({"target_format": "webm"})") << QList<MediaInfo>{oddMkv()}
            << input(u"/job/input.mkv"_s)
                    + args("-map 0:0 -vf scale=320:240 -c:v libvpx-vp9 -deadline good -cpu-used 5 -row-mt 1 -crf 31 -b:v 0 -pix_fmt yuv420p")
                    + args("-map 0:1 -c:a copy -map 0:2 -c:s:0 webvtt -map 0:4 -c:s:1 webvtt") + output(u"webm"_s, u"output.webm"_s)
            << QStringList{u"output.webm"_s} << 10.0;
    QTest::newRow("convert mp3 to m4a with aac")
            << Operation::Convert << json(R"({"target_format": "m4a", "audio_codec": "aac"})") << QList<MediaInfo>{mp3Audio()}
            << input(u"/job/input.mp3"_s) + args("-map 0:0 -c:a aac -b:a 160k -vn") + output(u"ipod"_s, u"output.m4a"_s, true)
            << QStringList{u"output.m4a"_s} << 180.0;
    QTest::newRow("convert mp3 to mp4: sound only")
            << Operation::Convert << json(R"({"target_format": "mp4"})") << QList<MediaInfo>{mp3Audio()}
            << input(u"/job/input.mp3"_s) + args("-map 0:0 -c:a copy") + mp4Output() << QStringList{u"output.mp4"_s} << 180.0;
    QTest::newRow("convert hevc copy to mov gets the hvc1 tag")
            << Operation::Convert << json(R"({"target_format": "mov"})") << QList<MediaInfo>{hevcMp4()}
            << in + args("-map 0:0 -c:v copy -tag:v hvc1 -map 0:1 -c:a copy") + output(u"mov"_s, u"output.mov"_s, true)
            << QStringList{u"output.mov"_s} << 10.0;
    QTest::newRow("convert to mkv with av1")
            << Operation::Convert << json(R"({"target_format": "mkv", "video_codec": "libaom-av1"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v libsvtav1 -preset 10 -crf 35 -pix_fmt yuv420p -map 0:1 -c:a copy") + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
}

void TestCommandBuilder::addThumbnailRows()
{
    const QString in = u"/job/input.mp4"_s;
    QTest::newRow("thumbnail default: 10% in")
            << Operation::Thumbnail << QJsonObject() << QList<MediaInfo>{hdMp4()}
            << input(in, u"1"_s) + args("-map 0:0 -c:v png") + imageOutput(u"thumbnail.png"_s) << QStringList{u"thumbnail.png"_s} << 0.0;
    QTest::newRow("thumbnail jpg at a timestamp, width keeps the aspect")
            << Operation::Thumbnail << json(R"({"timestamp": 5.5, "format": "jpg", "width": 320})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"5.5"_s) + args("-map 0:0 -vf scale=320:180 -c:v mjpeg -q:v 2") + imageOutput(u"thumbnail.jpg"_s)
            << QStringList{u"thumbnail.jpg"_s} << 0.0;
    QTest::newRow("thumbnail webp at 0 with a height")
            << Operation::Thumbnail << json(R"({"timestamp": 0, "format": "webp", "height": 100})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-map 0:0 -vf scale=178:100 -c:v libwebp -quality 85") + imageOutput(u"thumbnail.webp"_s)
            << QStringList{u"thumbnail.webp"_s} << 0.0;
    QTest::newRow("thumbnail with both sides")
            << Operation::Thumbnail << json(R"({"timestamp": 2, "width": 100, "height": 100})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"2"_s) + args("-map 0:0 -vf scale=100:100 -c:v png") + imageOutput(u"thumbnail.png"_s)
            << QStringList{u"thumbnail.png"_s} << 0.0;
    QTest::newRow("thumbnail in the last frame is taken from it")
            << Operation::Thumbnail << json(R"({"timestamp": 9.99})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"9.966667"_s) + args("-map 0:0 -c:v png") + imageOutput(u"thumbnail.png"_s)
            << QStringList{u"thumbnail.png"_s} << 0.0;
    QTest::newRow("thumbnail of a rotated video is portrait")
            << Operation::Thumbnail << json(R"({"timestamp": 2, "width": 540})") << QList<MediaInfo>{phoneMov()}
            << input(in, u"2"_s) + args("-map 0:0 -vf scale=540:960 -c:v png") + imageOutput(u"thumbnail.png"_s)
            << QStringList{u"thumbnail.png"_s} << 0.0;
    QTest::newRow("thumbnail count 4: one input and one output each")
            << Operation::Thumbnail << json(R"({"count": 4})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"1.25"_s) + input(in, u"3.75"_s) + input(in, u"6.25"_s) + input(in, u"8.75"_s)
                    + args("-map 0:0 -c:v png") + imageOutput(u"thumbnail_01.png"_s) + args("-map 1:0 -c:v png")
                    + imageOutput(u"thumbnail_02.png"_s) + args("-map 2:0 -c:v png") + imageOutput(u"thumbnail_03.png"_s)
                    + args("-map 3:0 -c:v png") + imageOutput(u"thumbnail_04.png"_s)
            << QStringList{u"thumbnail_01.png"_s, u"thumbnail_02.png"_s, u"thumbnail_03.png"_s, u"thumbnail_04.png"_s} << 0.0;
    QTest::newRow("thumbnail count 2, jpeg, width")
            << Operation::Thumbnail << json(R"({"count": 2, "format": "jpeg", "width": 640})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"2.5"_s) + input(in, u"7.5"_s) + args("-map 0:0 -vf scale=640:360 -c:v mjpeg -q:v 2")
                    + imageOutput(u"thumbnail_01.jpg"_s) + args("-map 1:0 -vf scale=640:360 -c:v mjpeg -q:v 2") + imageOutput(u"thumbnail_02.jpg"_s)
            << QStringList{u"thumbnail_01.jpg"_s, u"thumbnail_02.jpg"_s} << 0.0;
    QString graph;
    for (int i = 0; i < 6; ++i)
        graph += u"[%1:0]trim=end_frame=1,setpts=PTS-STARTPTS,scale=320:180,setsar=1[f%1];"_s.arg(i);
    graph += u"[f0][f1][f2][f3][f4][f5]concat=n=6:v=1:a=0,tile=3x2[sheet]"_s;
    QTest::newRow("thumbnail tile 3x2: one contact sheet, cells 320 wide")
            << Operation::Thumbnail << json(R"({"tile": {"columns": 3, "rows": 2}})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"0.833333"_s) + input(in, u"2.5"_s) + input(in, u"4.166667"_s) + input(in, u"5.833333"_s)
                    + input(in, u"7.5"_s) + input(in, u"9.166667"_s) + QStringList{u"-filter_complex"_s, graph}
                    + args("-map [sheet] -c:v png") + imageOutput(u"contact_sheet.png"_s)
            << QStringList{u"contact_sheet.png"_s} << 0.0;
    QTest::newRow("thumbnail tile with count and cell size")
            << Operation::Thumbnail << json(R"({"count": 2, "tile": {"columns": 2, "rows": 1}, "width": 200, "format": "webp"})")
            << QList<MediaInfo>{hdMp4()}
            << input(in, u"2.5"_s) + input(in, u"7.5"_s)
                    + QStringList{u"-filter_complex"_s,
                                  u"[0:0]trim=end_frame=1,setpts=PTS-STARTPTS,scale=200:113,setsar=1[f0];"
                                  "[1:0]trim=end_frame=1,setpts=PTS-STARTPTS,scale=200:113,setsar=1[f1];"
                                  "[f0][f1]concat=n=2:v=1:a=0,tile=2x1[sheet]"_s}
                    + args("-map [sheet] -c:v libwebp -quality 85") + imageOutput(u"contact_sheet.webp"_s)
            << QStringList{u"contact_sheet.webp"_s} << 0.0;
}

void TestCommandBuilder::addTrimRows()
{
    const QString in = u"/job/input.mp4"_s;
    QTest::newRow("trim copies with fast seek")
            << Operation::Trim << json(R"({"start_time": 2, "end_time": 5})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"2"_s) + args("-t 3 -map 0:0 -map 0:1 -c copy -avoid_negative_ts make_zero") + mp4Output()
            << QStringList{u"output.mp4"_s} << 3.0;
    QTest::newRow("trim accurate re-encodes")
            << Operation::Trim << json(R"({"start_time": 2.5, "end_time": 5, "accurate": true})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"2.5"_s) + args("-t 2.5 -map 0:0 -map 0:1") + kX264 + kAac + mp4Output() << QStringList{u"output.mp4"_s} << 2.5;
    QTest::newRow("trim end past the input is clipped")
            << Operation::Trim << json(R"({"start_time": 8, "end_time": 20})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"8"_s) + args("-t 2 -map 0:0 -map 0:1 -c copy -avoid_negative_ts make_zero") + mp4Output()
            << QStringList{u"output.mp4"_s} << 2.0;
    QTest::newRow("trim from start_time to the end")
            << Operation::Trim << json(R"({"start_time": 4})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"4"_s) + args("-map 0:0 -map 0:1 -c copy -avoid_negative_ts make_zero") + mp4Output()
            << QStringList{u"output.mp4"_s} << 6.0;
    QTest::newRow("trim the first seconds")
            << Operation::Trim << json(R"({"end_time": 3})") << QList<MediaInfo>{hdMp4()}
            << input(in) + args("-t 3 -map 0:0 -map 0:1 -c copy -avoid_negative_ts make_zero") + mp4Output()
            << QStringList{u"output.mp4"_s} << 3.0;
    QTest::newRow("trim keeps subtitles")
            << Operation::Trim << json(R"({"start_time": 1, "end_time": 2})") << QList<MediaInfo>{oddMkv()}
            << input(u"/job/input.mkv"_s, u"1"_s)
                    + args("-t 1 -map 0:0 -map 0:1 -c copy -map 0:2 -c:s:0 copy -map 0:3 -c:s:1 copy -map 0:4 -c:s:2 copy -avoid_negative_ts make_zero")
                    + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 1.0;
    QTest::newRow("trim mpeg-ts: audio the mp4 refuses is encoded, video copied")
            << Operation::Trim << json(R"({"start_time": 1, "end_time": 2})") << QList<MediaInfo>{mpegTs()}
            << input(u"/job/input.ts"_s, u"1"_s) + args("-t 1 -map 0:0 -map 0:1 -c:v copy") + kAac
                    + args("-avoid_negative_ts make_zero") + mp4Output()
            << QStringList{u"output.mp4"_s} << 1.0;
    QTest::newRow("trim accurate keeps the source codecs")
            << Operation::Trim << json(R"({"start_time": 1, "end_time": 2, "accurate": true})") << QList<MediaInfo>{xvidAvi()}
            << input(u"/job/input.avi"_s, u"1"_s) + args("-t 1 -map 0:0 -map 0:1 -c:v mpeg4 -q:v 4 -tag:v XVID -pix_fmt yuv420p")
                    + args("-c:a libmp3lame -b:a 192k") + output(u"avi"_s, u"output.avi"_s)
            << QStringList{u"output.avi"_s} << 1.0;
}

void TestCommandBuilder::addConcatRows()
{
    const QString list = u"-f concat -safe 0 -protocol_whitelist file -format_whitelist"_s;
    const QStringList demuxer = list.split(u' ') + QStringList{u"concat,"_s + allowedDemuxers(), u"-i"_s, u"file:/job/dir/concat.txt"_s};
    QTest::newRow("concat of matching inputs: demuxer and copy")
            << Operation::Concat << QJsonObject() << QList<MediaInfo>{hdMp4(), hdMp4()}
            << demuxer + args("-map 0:0 -map 0:1 -c copy") + mp4Output() << QStringList{u"output.mp4"_s} << 20.0;
    MediaInfo nearly = hdMp4();
    nearly.streams[0].fps = 29.97;
    nearly.duration = 5;
    QTest::newRow("concat tolerates frame rates within 1%")
            << Operation::Concat << QJsonObject() << QList<MediaInfo>{hdMp4(), nearly}
            << demuxer + args("-map 0:0 -map 0:1 -c copy") + mp4Output() << QStringList{u"output.mp4"_s} << 15.0;
    QTest::newRow("concat of matching inputs into avi")
            << Operation::Concat << json(R"({"target_format": "avi"})") << QList<MediaInfo>{hdMp4(), hdMp4()}
            << demuxer + args("-map 0:0 -map 0:1 -c copy -bsf:v h264_mp4toannexb") + output(u"avi"_s, u"output.avi"_s)
            << QStringList{u"output.avi"_s} << 20.0;
    QTest::newRow("concat of mp3s: audio only, copy")
            << Operation::Concat << json(R"({"file_count": 2})") << QList<MediaInfo>{mp3Audio(), mp3Audio()}
            << demuxer + args("-map 0:0 -c copy") + output(u"mp3"_s, u"output.mp3"_s) << QStringList{u"output.mp3"_s} << 360.0;

    const QString scaled = u"scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p"_s;
    const QString resampled = u"aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"_s;
    QTest::newRow("concat of different inputs: filter, first input's frame")
            << Operation::Concat << QJsonObject() << QList<MediaInfo>{hdMp4(), vp9Webm()}
            << input(u"/job/input1.mp4"_s) + input(u"/job/input2.mkv"_s)
                    + QStringList{u"-filter_complex"_s,
                                  u"[0:0]%1[v0];[0:1]%2[a0];[1:0]%1[v1];[1:1]%2[a1];[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]"_s.arg(scaled, resampled)}
                    + args("-map [v]") + kX264 + args("-map [a]") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 15.0;
    QTest::newRow("concat into webm re-encodes even matching inputs")
            << Operation::Concat << json(R"({"target_format": "webm"})") << QList<MediaInfo>{hdMp4(), hdMp4()}
            << input(u"/job/input1.mp4"_s) + input(u"/job/input2.mp4"_s)
                    + QStringList{u"-filter_complex"_s,
                                  u"[0:0]%1[v0];[0:1]%2[a0];[1:0]%1[v1];[1:1]%2[a1];[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]"_s.arg(scaled, resampled)}
                    + args("-map [v] -c:v libvpx-vp9 -deadline good -cpu-used 5 -row-mt 1 -crf 31 -b:v 0 -pix_fmt yuv420p")
                    + args("-map [a] -c:a libopus -b:a 128k") + output(u"webm"_s, u"output.webm"_s)
            << QStringList{u"output.webm"_s} << 20.0;
    QTest::newRow("concat with a silent input: anullsrc for its length")
            << Operation::Concat << json(R"({"target_format": "mkv"})") << QList<MediaInfo>{silentMp4(), hdMp4()}
            << input(u"/job/input1.mp4"_s) + input(u"/job/input2.mp4"_s)
                    + QStringList{u"-filter_complex"_s,
                                  u"[0:0]scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25,format=yuv420p[v0];"
                                  "anullsrc=channel_layout=stereo:sample_rate=48000,atrim=duration=10[a0];"
                                  "[1:0]scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25,format=yuv420p[v1];"
                                  "[1:1]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a1];"
                                  "[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]"_s}
                    + args("-map [v]") + kX264 + args("-map [a]") + kAac + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 20.0;
    QTest::newRow("concat with an audio-only input: black frames for it")
            << Operation::Concat << QJsonObject() << QList<MediaInfo>{silentMp4(), monoWav()}
            << input(u"/job/input1.mp4"_s) + input(u"/job/input2.wav"_s)
                    + QStringList{u"-filter_complex"_s,
                                  u"[0:0]scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25,format=yuv420p[v0];"
                                  "anullsrc=channel_layout=mono:sample_rate=44100,atrim=duration=10[a0];"
                                  "color=c=black:s=1280x720:r=25:d=4,format=yuv420p,setsar=1[v1];"
                                  "[1:0]aresample=44100,aformat=sample_fmts=fltp:channel_layouts=mono[a1];"
                                  "[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]"_s}
                    + args("-map [v]") + kX264 + args("-map [a]") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 14.0;
    QTest::newRow("concat of sound files: stereo wins")
            << Operation::Concat << QJsonObject() << QList<MediaInfo>{mp3Audio(), monoWav()}
            << input(u"/job/input1.mp3"_s) + input(u"/job/input2.wav"_s)
                    + QStringList{u"-filter_complex"_s,
                                  u"[0:0]aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo[a0];"
                                  "[1:0]aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo[a1];"
                                  "[a0][a1]concat=n=2:v=0:a=1[a]"_s}
                    + args("-map [a] -c:a libmp3lame -b:a 192k") + output(u"mp3"_s, u"output.mp3"_s)
            << QStringList{u"output.mp3"_s} << 184.0;
    QTest::newRow("concat of videos into m4a takes only the sound")
            << Operation::Concat << json(R"({"target_format": "m4a"})") << QList<MediaInfo>{hdMp4(), hdMp4()}
            << demuxer + args("-map 0:1 -c copy") + output(u"ipod"_s, u"output.m4a"_s, true) << QStringList{u"output.m4a"_s} << 20.0;
}

void TestCommandBuilder::addGifRows()
{
    const QString in = u"/job/input.mp4"_s;
    const QString palette = u"split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle[gif]"_s;
    QTest::newRow("gif: palette, at most 480 wide")
            << Operation::Gif << json(R"({"duration": 3})") << QList<MediaInfo>{hdMp4()}
            << input(in, QString(), u"3"_s) + QStringList{u"-filter_complex"_s, u"[0:0]fps=10,scale=480:270:flags=lanczos,"_s + palette}
                    + args("-map [gif] -c:v gif -loop 0") + output(u"gif"_s, u"output.gif"_s)
            << QStringList{u"output.gif"_s} << 3.0;
    QTest::newRow("gif plain with start, fps, width")
            << Operation::Gif << json(R"({"start_time": 2, "duration": 5, "fps": 15, "width": 320, "optimize": false})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"2"_s, u"5"_s) + args("-map 0:0 -vf fps=15,scale=320:180:flags=lanczos -c:v gif -loop 0") + output(u"gif"_s, u"output.gif"_s)
            << QStringList{u"output.gif"_s} << 5.0;
    QTest::newRow("gif past the end is as long as what is left")
            << Operation::Gif << json(R"({"start_time": 8, "duration": 5, "optimize": false})") << QList<MediaInfo>{hdMp4()}
            << input(in, u"8"_s, u"5"_s) + args("-map 0:0 -vf fps=10,scale=480:270:flags=lanczos -c:v gif -loop 0") + output(u"gif"_s, u"output.gif"_s)
            << QStringList{u"output.gif"_s} << 2.0;
    QTest::newRow("gif of a rotated video")
            << Operation::Gif << json(R"({"duration": 1, "optimize": false})") << QList<MediaInfo>{phoneMov()}
            << input(in, QString(), u"1"_s) + args("-map 0:0 -vf fps=10,scale=480:853:flags=lanczos -c:v gif -loop 0") + output(u"gif"_s, u"output.gif"_s)
            << QStringList{u"output.gif"_s} << 1.0;
}

void TestCommandBuilder::addFilterRows()
{
    const QStringList in = input(u"/job/input.mp4"_s);
    const auto videoFilter = [&](const char *options, const QString &chain) {
        return std::make_tuple(json(options), in + QStringList{u"-map"_s, u"0:0"_s, u"-vf"_s, chain} + kX264 + args("-map 0:1 -c:a copy") + mp4Output());
    };
    const QList<std::tuple<const char *, const char *, QString>> videoRows{
        {"scale by width", R"({"filters": [{"type": "scale", "width": 1280}]})", u"scale=1280:720"_s},
        {"scale by height keeps an even width", R"({"filters": [{"type": "scale", "height": 480}]})", u"scale=854:480"_s},
        {"scale both", R"({"filters": [{"type": "scale", "width": 640, "height": 640}]})", u"scale=640:640"_s},
        {"rotate 90", R"({"filters": [{"type": "rotate", "angle": 90}]})", u"transpose=clock"_s},
        {"rotate -90", R"({"filters": [{"type": "rotate", "angle": -90}]})", u"transpose=cclock"_s},
        {"rotate 270", R"({"filters": [{"type": "rotate", "angle": 270}]})", u"transpose=cclock"_s},
        {"rotate 180", R"({"filters": [{"type": "rotate", "angle": 180}]})", u"hflip,vflip"_s},
        {"rotate -180", R"({"filters": [{"type": "rotate", "angle": -180}]})", u"hflip,vflip"_s},
        {"rotate 45 within the frame", R"({"filters": [{"type": "rotate", "angle": 45}]})", u"rotate=45*PI/180:fillcolor=black"_s},
        {"rotate -30.5", R"({"filters": [{"type": "rotate", "angle": -30.5}]})", u"rotate=-30.5*PI/180:fillcolor=black"_s},
        {"crop centred", R"({"filters": [{"type": "crop", "width": 640, "height": 480}]})", u"crop=640:480:640:300"_s},
        {"crop at x,y", R"({"filters": [{"type": "crop", "width": 640, "height": 480, "x": 0, "y": 600}]})", u"crop=640:480:0:600"_s},
        {"crop after a quarter turn sees the portrait frame",
         R"({"filters": [{"type": "rotate", "angle": 90}, {"type": "crop", "width": 1000, "height": 1000}]})", u"transpose=clock,crop=1000:1000:40:460"_s},
        {"scale after a quarter turn", R"({"filters": [{"type": "rotate", "angle": 90}, {"type": "scale", "width": 540}]})",
         u"transpose=clock,scale=540:960"_s},
        {"fps", R"({"filters": [{"type": "fps", "fps": 29.97}]})", u"fps=29.97"_s},
        {"flip default is horizontal", R"({"filters": [{"type": "flip"}]})", u"hflip"_s},
        {"flip vertical", R"({"filters": [{"type": "flip", "direction": "vertical"}]})", u"vflip"_s},
        {"grayscale keeps yuv420p", R"({"filters": [{"type": "grayscale"}]})", u"hue=s=0"_s},
        {"denoise", R"({"filters": [{"type": "denoise"}]})", u"hqdn3d"_s},
        {"sharpen", R"({"filters": [{"type": "sharpen"}]})", u"unsharp=5:5:1.0:5:5:0.0"_s},
    };
    for (const auto &[name, options, chain] : videoRows) {
        const auto [parsed, expected] = videoFilter(options, chain);
        QTest::newRow(qPrintable(u"filter "_s + QString::fromUtf8(name)))
                << Operation::Filter << parsed << QList<MediaInfo>{hdMp4()} << expected << QStringList{u"output.mp4"_s} << 10.0;
    }
    QTest::newRow("filter rotate 360 changes nothing: copy")
            << Operation::Filter << json(R"({"filters": [{"type": "rotate", "angle": 360}]})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v copy -map 0:1 -c:a copy") + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("filter volume factor copies the video")
            << Operation::Filter << json(R"({"filters": [{"type": "volume", "volume": 1.5}]})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v copy -map 0:1 -af volume=1.5") + kAac + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("filter volume in dB")
            << Operation::Filter << json(R"({"filters": [{"type": "volume", "gain_db": -6}]})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v copy -map 0:1 -af volume=-6dB") + kAac + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("filter normalize resets the rate")
            << Operation::Filter << json(R"({"filters": [{"type": "normalize"}]})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -c:v copy -map 0:1 -af loudnorm=I=-16:TP=-1.5:LRA=11") + kAac + args("-ar 48000") + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("filter fade in and out: picture and sound")
            << Operation::Filter << json(R"({"filters": [{"type": "fade", "in_seconds": 1, "out_seconds": 2}]})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -vf fade=t=in:st=0:d=1,fade=t=out:st=8:d=2") + kX264
                    + args("-map 0:1 -af afade=t=in:st=0:d=1,afade=t=out:st=8:d=2") + kAac + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("filter fade on a silent video")
            << Operation::Filter << json(R"({"filters": [{"type": "fade", "out_seconds": 1.5}]})") << QList<MediaInfo>{silentMp4()}
            << in + args("-map 0:0 -vf fade=t=out:st=8.5:d=1.5") + kX264 + mp4Output() << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("filter chain in order, to mkv")
            << Operation::Filter
            << json(R"({"filters": [{"type": "scale", "width": 1280}, {"type": "grayscale"}, {"type": "volume", "volume": 2}], "target_format": "mkv"})")
            << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:0 -vf scale=1280:720,hue=s=0") + kX264 + args("-map 0:1 -af volume=2") + kAac + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
    QTest::newRow("filter keeps HEVC")
            << Operation::Filter << json(R"({"filters": [{"type": "flip"}]})") << QList<MediaInfo>{hevcMp4()}
            << in + args("-map 0:0 -vf hflip -c:v libx265 -preset veryfast -crf 28 -x265-params log-level=error -tag:v hvc1 -pix_fmt yuv420p")
                    + args("-map 0:1 -c:a copy") + mp4Output()
            << QStringList{u"output.mp4"_s} << 10.0;
    QTest::newRow("filter on odd mkv: even size, opus kept")
            << Operation::Filter << json(R"({"filters": [{"type": "denoise"}, {"type": "volume", "volume": 0.8}]})") << QList<MediaInfo>{oddMkv()}
            << input(u"/job/input.mkv"_s) + args("-map 0:0 -vf hqdn3d,scale=320:240") + kX264 + args("-map 0:1 -af volume=0.8 -c:a libopus -b:a 128k")
                    + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
    QTest::newRow("filter an mp3")
            << Operation::Filter << json(R"({"filters": [{"type": "volume", "volume": 0.5}]})") << QList<MediaInfo>{mp3Audio()}
            << input(u"/job/input.mp3"_s) + args("-map 0:0 -af volume=0.5 -c:a libmp3lame -b:a 192k -vn") + output(u"mp3"_s, u"output.mp3"_s)
            << QStringList{u"output.mp3"_s} << 180.0;
    QTest::newRow("filter a video's sound into wav")
            << Operation::Filter << json(R"({"filters": [{"type": "normalize"}], "target_format": "wav"})") << QList<MediaInfo>{hdMp4()}
            << in + args("-map 0:1 -af loudnorm=I=-16:TP=-1.5:LRA=11 -c:a pcm_s16le -ar 48000 -vn") + output(u"wav"_s, u"output.wav"_s)
            << QStringList{u"output.wav"_s} << 10.0;
    QTest::newRow("filter normalize into opus runs at 48 kHz")
            << Operation::Filter << json(R"({"filters": [{"type": "normalize"}], "target_format": "opus"})") << QList<MediaInfo>{mp3Audio()}
            << input(u"/job/input.mp3"_s) + args("-map 0:0 -af loudnorm=I=-16:TP=-1.5:LRA=11 -c:a libopus -b:a 128k -ar 48000 -vn")
                    + output(u"opus"_s, u"output.opus"_s)
            << QStringList{u"output.opus"_s} << 180.0;
}

void TestCommandBuilder::addSubtitleRows()
{
    const QStringList in = input(u"/job/input.mkv"_s);
    QTest::newRow("extract_subtitles srt from SubRip copies")
            << Operation::ExtractSubtitles << QJsonObject() << QList<MediaInfo>{oddMkv()}
            << in + args("-map 0:2 -c:s copy") + output(u"srt"_s, u"subtitles.srt"_s) << QStringList{u"subtitles.srt"_s} << 10.0;
    QTest::newRow("extract_subtitles vtt converts")
            << Operation::ExtractSubtitles << json(R"({"format": "webvtt"})") << QList<MediaInfo>{oddMkv()}
            << in + args("-map 0:2 -c:s webvtt") + output(u"webvtt"_s, u"subtitles.vtt"_s) << QStringList{u"subtitles.vtt"_s} << 10.0;
    QTest::newRow("extract_subtitles index counts subtitle streams")
            << Operation::ExtractSubtitles << json(R"({"subtitle_index": 2, "format": "ass"})") << QList<MediaInfo>{oddMkv()}
            << in + args("-map 0:4 -c:s copy") + output(u"ass"_s, u"subtitles.ass"_s) << QStringList{u"subtitles.ass"_s} << 10.0;
    QTest::newRow("extract_subtitles ass to srt")
            << Operation::ExtractSubtitles << json(R"({"subtitle_index": 2})") << QList<MediaInfo>{oddMkv()}
            << in + args("-map 0:4 -c:s srt") + output(u"srt"_s, u"subtitles.srt"_s) << QStringList{u"subtitles.srt"_s} << 10.0;
    QTest::newRow("burn_subtitles: first stream, audio copied")
            << Operation::BurnSubtitles << QJsonObject() << QList<MediaInfo>{oddMkv()}
            << in + args("-map 0:0 -vf ass=filename=/job/dir/burn_input.ass,scale=320:240") + kX264 + args("-map 0:1 -c:a copy")
                    + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
    QTest::newRow("burn_subtitles si counts subtitle streams")
            << Operation::BurnSubtitles << json(R"({"subtitle_index": 2})") << QList<MediaInfo>{oddMkv()}
            << in + args("-map 0:0 -vf ass=filename=/job/dir/burn_input.ass,scale=320:240") + kX264 + args("-map 0:1 -c:a copy")
                    + output(u"matroska"_s, u"output.mkv"_s)
            << QStringList{u"output.mkv"_s} << 10.0;
}

// ---------------------------------------------------------------------------------------------

void TestCommandBuilder::mediaErrors_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QList<MediaInfo>>("inputs");
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("path");   // empty: no details

    MediaInfo unknownLength = hdMp4();
    unknownLength.duration = 0;
    MediaInfo bitmapOnly = media(u"matroska,webm"_s, 10, {video(0, u"h264"_s, 640, 480), subtitle(1, u"dvd_subtitle"_s)});

    QTest::newRow("speed of nothing") << Operation::Speed << json(R"({"speed_factor": 2})") << QList<MediaInfo>{media(u"mp3"_s, 1, {})}
                                      << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("compress an mp3") << Operation::Compress << QJsonObject() << QList<MediaInfo>{mp3Audio()} << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("extract_audio without audio") << Operation::ExtractAudio << QJsonObject() << QList<MediaInfo>{silentMp4()}
                                                 << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("remove_audio without video") << Operation::RemoveAudio << QJsonObject() << QList<MediaInfo>{mp3Audio()}
                                                << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("convert to mp3 without audio") << Operation::Convert << json(R"({"target_format": "mp3"})") << QList<MediaInfo>{silentMp4()}
                                                  << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("convert to gif without video") << Operation::Convert << json(R"({"target_format": "gif"})") << QList<MediaInfo>{mp3Audio()}
                                                  << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("thumbnail of sound") << Operation::Thumbnail << QJsonObject() << QList<MediaInfo>{mp3Audio()}
                                        << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("thumbnail at the very end") << Operation::Thumbnail << json(R"({"timestamp": 10})") << QList<MediaInfo>{hdMp4()}
                                               << ErrorCode::ValidationError << u"options.timestamp"_s;
    QTest::newRow("thumbnail count without a duration") << Operation::Thumbnail << json(R"({"count": 3})") << QList<MediaInfo>{unknownLength}
                                                        << ErrorCode::UnsupportedInput << u"options.count"_s;
    QTest::newRow("contact sheet without a duration") << Operation::Thumbnail << json(R"({"tile": {"columns": 2, "rows": 2}})")
                                                      << QList<MediaInfo>{unknownLength} << ErrorCode::UnsupportedInput << u"options.tile"_s;
    QTest::newRow("trim from the end") << Operation::Trim << json(R"({"start_time": 10, "end_time": 12})") << QList<MediaInfo>{hdMp4()}
                                       << ErrorCode::ValidationError << u"options.start_time"_s;
    QTest::newRow("gif from past the end") << Operation::Gif << json(R"({"start_time": 12, "duration": 1})") << QList<MediaInfo>{hdMp4()}
                                           << ErrorCode::ValidationError << u"options.start_time"_s;
    QTest::newRow("gif of sound") << Operation::Gif << json(R"({"duration": 1})") << QList<MediaInfo>{mp3Audio()}
                                  << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("concat of one") << Operation::Concat << QJsonObject() << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"inputs"_s;
    QTest::newRow("concat count mismatch") << Operation::Concat << json(R"({"file_count": 3})") << QList<MediaInfo>{hdMp4(), hdMp4()}
                                           << ErrorCode::ValidationError << u"options.file_count"_s;
    QTest::newRow("concat input without a duration") << Operation::Concat << QJsonObject() << QList<MediaInfo>{hdMp4(), unknownLength}
                                                     << ErrorCode::UnsupportedInput << u"inputs[1]"_s;
    QTest::newRow("concat of silent videos into mp3") << Operation::Concat << json(R"({"target_format": "mp3"})")
                                                      << QList<MediaInfo>{silentMp4(), silentMp4()} << ErrorCode::UnsupportedInput << QString();
    QTest::newRow("crop wider than the picture") << Operation::Filter << json(R"({"filters": [{"type": "crop", "width": 2000, "height": 100}]})")
                                                 << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"options.filters[0].width"_s;
    QTest::newRow("crop taller than the picture") << Operation::Filter << json(R"({"filters": [{"type": "crop", "width": 100, "height": 1100}]})")
                                                  << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"options.filters[0].height"_s;
    QTest::newRow("crop past the right edge") << Operation::Filter << json(R"({"filters": [{"type": "crop", "width": 640, "height": 100, "x": 1500}]})")
                                              << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"options.filters[0].x"_s;
    QTest::newRow("crop past the bottom") << Operation::Filter << json(R"({"filters": [{"type": "crop", "width": 640, "height": 100, "y": 1000}]})")
                                          << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"options.filters[0].y"_s;
    QTest::newRow("crop checked against the scaled picture")
            << Operation::Filter << json(R"({"filters": [{"type": "scale", "width": 640}, {"type": "crop", "width": 1000, "height": 100}]})")
            << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"options.filters[1].width"_s;
    QTest::newRow("fade in longer than the input") << Operation::Filter << json(R"({"filters": [{"type": "fade", "in_seconds": 11}]})")
                                                   << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"options.filters[0].in_seconds"_s;
    QTest::newRow("fade out longer than the input") << Operation::Filter << json(R"({"filters": [{"type": "fade", "out_seconds": 11}]})")
                                                    << QList<MediaInfo>{hdMp4()} << ErrorCode::ValidationError << u"options.filters[0].out_seconds"_s;
    QTest::newRow("fade out without a duration") << Operation::Filter << json(R"({"filters": [{"type": "fade", "out_seconds": 1}]})")
                                                 << QList<MediaInfo>{unknownLength} << ErrorCode::ValidationError << u"options.filters[0].out_seconds"_s;
    QTest::newRow("volume without audio") << Operation::Filter << json(R"({"filters": [{"type": "grayscale"}, {"type": "volume", "volume": 2}]})")
                                          << QList<MediaInfo>{silentMp4()} << ErrorCode::UnsupportedInput << u"options.filters[1].type"_s;
    QTest::newRow("scale on sound") << Operation::Filter << json(R"({"filters": [{"type": "scale", "width": 640}]})")
                                    << QList<MediaInfo>{mp3Audio()} << ErrorCode::UnsupportedInput << u"options.filters[0].type"_s;
    QTest::newRow("subtitles in a file without any") << Operation::ExtractSubtitles << QJsonObject() << QList<MediaInfo>{hdMp4()}
                                                     << ErrorCode::UnsupportedInput << u"options.subtitle_index"_s;
    QTest::newRow("subtitle index beyond the streams") << Operation::ExtractSubtitles << json(R"({"subtitle_index": 3})") << QList<MediaInfo>{oddMkv()}
                                                       << ErrorCode::ValidationError << u"options.subtitle_index"_s;
    QTest::newRow("bitmap subtitles cannot become text") << Operation::ExtractSubtitles << json(R"({"subtitle_index": 1})") << QList<MediaInfo>{oddMkv()}
                                                         << ErrorCode::UnsupportedInput << u"options.subtitle_index"_s;
    QTest::newRow("bitmap subtitles cannot be burned") << Operation::BurnSubtitles << QJsonObject() << QList<MediaInfo>{bitmapOnly}
                                                       << ErrorCode::UnsupportedInput << u"options.subtitle_index"_s;
    QTest::newRow("burn into sound") << Operation::BurnSubtitles << QJsonObject() << QList<MediaInfo>{mp3Audio()}
                                     << ErrorCode::UnsupportedInput << QString();
    // Picture bounds that depend on the input's aspect ratio (validation cannot see it).
    const MediaInfo tall = media(kMp4Names, 10, {video(0, u"h264"_s, 400, 8000)}, u"isom"_s);
    QTest::newRow("gif of a very tall video at the default width") << Operation::Gif << json(R"({"duration": 1})")
                                                                  << QList<MediaInfo>{tall} << ErrorCode::ValidationError << u"options.width"_s;
    QTest::newRow("thumbnail 7680 wide of a portrait video") << Operation::Thumbnail << json(R"({"width": 7680})")
                                                              << QList<MediaInfo>{phoneMov()} << ErrorCode::ValidationError << u"options.width"_s;
    QTest::newRow("thumbnail series 7680 wide of a portrait video") << Operation::Thumbnail << json(R"({"width": 7680, "count": 2})")
                                                                     << QList<MediaInfo>{phoneMov()} << ErrorCode::ValidationError << u"options.width"_s;
    QTest::newRow("contact sheet of tall cells") << Operation::Thumbnail << json(R"({"tile": {"columns": 2, "rows": 10}})")
                                                 << QList<MediaInfo>{tall} << ErrorCode::ValidationError << u"options.tile"_s;
    QTest::newRow("scale a portrait video to 7680 wide") << Operation::Filter << json(R"({"filters": [{"type": "scale", "width": 7680}]})")
                                                         << QList<MediaInfo>{phoneMov()} << ErrorCode::ValidationError << u"options.filters"_s;
    QTest::newRow("two inputs for speed") << Operation::Speed << json(R"({"speed_factor": 2})") << QList<MediaInfo>{hdMp4(), hdMp4()}
                                          << ErrorCode::InternalError << QString();
}

void TestCommandBuilder::mediaErrors()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    QFETCH(QList<MediaInfo>, inputs);
    QFETCH(ErrorCode, code);
    QFETCH(QString, path);

    const auto plan = build(operation, options, inputs);
    QVERIFY(!plan.ok());
    QCOMPARE(errorCodeName(plan.error().code), errorCodeName(code));
    QVERIFY(!plan.error().message.isEmpty());
    if (path.isEmpty()) {
        QVERIFY(plan.error().details.isUndefined());
    } else {
        const QJsonArray details = plan.error().details.toArray();
        QCOMPARE(details.size(), 1);
        QCOMPARE(details.first()["path"_L1].toString(), path);
    }
}

void TestCommandBuilder::concatListQuotesPaths()
{
    const QList<CommandInput> inputs{{u"/job/it's here/a.mp4"_s, hdMp4()}, {u"/job/b.mp4"_s, hdMp4()}};
    const auto plan = buildCommand(Operation::Concat, QJsonObject(), inputs, {kWork, 0});
    QVERIFY(plan.ok());
    QCOMPARE(plan->auxiliaryFiles.size(), 1);
    QCOMPARE(plan->auxiliaryFiles.first().fileName, u"concat.txt"_s);
    QCOMPARE(plan->auxiliaryFiles.first().contents,
             QByteArray("ffconcat version 1.0\nfile 'file:/job/it'\\''s here/a.mp4'\nfile 'file:/job/b.mp4'\n"));
}

void TestCommandBuilder::threadsGoWithEveryOutput()
{
    const auto plan = build(Operation::Thumbnail, json(R"({"count": 2})"), {hdMp4()}, 2);
    QVERIFY(plan.ok());
    const QString in = u"/job/input.mp4"_s;
    QCOMPARE(plan->arguments, input(in, u"2.5"_s) + input(in, u"7.5"_s) + args("-map 0:0 -c:v png -threads 2")
                                      + imageOutput(u"thumbnail_01.png"_s) + args("-map 1:0 -c:v png -threads 2")
                                      + imageOutput(u"thumbnail_02.png"_s));
    const auto trim = build(Operation::Trim, json(R"({"end_time": 1})"), {hdMp4()}, 3);
    QVERIFY(trim.ok());
    QCOMPARE(trim->arguments.mid(trim->arguments.indexOf(u"-threads"_s)), args("-threads 3") + mp4Output());
}

void TestCommandBuilder::probeHasNoCommand()
{
    // The job manager runs ffprobe for probe jobs; asking for an ffmpeg command is a bug.
    const auto plan = buildCommand(Operation::Probe, QJsonObject(), {{u"/job/input.mp4"_s, hdMp4()}}, {kWork, 0});
    QVERIFY(!plan.ok());
    QCOMPARE(plan.error().code, ErrorCode::InternalError);
}

void TestCommandBuilder::outputSizeLimitPrecedesEveryOutputFile_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QList<MediaInfo>>("inputs");

    QTest::newRow("compress") << Operation::Compress << QJsonObject() << QList<MediaInfo>{hdMp4()};
    QTest::newRow("thumbnail series") << Operation::Thumbnail << json(R"({"count": 3})") << QList<MediaInfo>{hdMp4()};
    QTest::newRow("contact sheet") << Operation::Thumbnail << json(R"({"tile": {"columns": 2, "rows": 2}})") << QList<MediaInfo>{hdMp4()};
    QTest::newRow("gif") << Operation::Gif << json(R"({"duration": 2})") << QList<MediaInfo>{hdMp4()};
    QTest::newRow("extract_audio") << Operation::ExtractAudio << QJsonObject() << QList<MediaInfo>{hdMp4()};
    QTest::newRow("extract_subtitles") << Operation::ExtractSubtitles << QJsonObject() << QList<MediaInfo>{oddMkv()};
    QTest::newRow("burn_subtitles (both runs)") << Operation::BurnSubtitles << QJsonObject() << QList<MediaInfo>{oddMkv()};
    QTest::newRow("concat") << Operation::Concat << QJsonObject() << QList<MediaInfo>{hdMp4(), hdMp4()};
}

// -fs is an output option: it binds the file named after it and must come before that file.
void TestCommandBuilder::outputSizeLimitPrecedesEveryOutputFile()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    QFETCH(QList<MediaInfo>, inputs);
    const auto normalized = validateOptions(operation, options);
    QVERIFY(normalized.ok());

    CommandContext limited{kWork, 0, 5'000'000};
    const auto plan = buildCommand(operation, *normalized, commandInputs(inputs), limited);
    QVERIFY2(plan.ok(), plan.ok() ? "" : qPrintable(plan.error().message));
    for (const CommandStep &step : plan->steps()) {
        QVERIFY(!step.outputPaths.isEmpty());
        QCOMPARE(step.arguments.count(u"-fs"_s), step.outputPaths.size());
        for (const QString &path : step.outputPaths) {
            const qsizetype at = step.arguments.indexOf(u"file:"_s + path);
            QVERIFY2(at >= 4, qPrintable(path));
            // ... -fs 5000000 -f <muxer> file:<path>
            QCOMPARE(step.arguments.at(at - 4), u"-fs"_s);
            QCOMPARE(step.arguments.at(at - 3), u"5000000"_s);
            QCOMPARE(step.arguments.at(at - 2), u"-f"_s);
        }
    }

    const auto unlimited = buildCommand(operation, *normalized, commandInputs(inputs), {kWork, 0});
    QVERIFY(unlimited.ok());
    for (const CommandStep &step : unlimited->steps())
        QVERIFY(!step.arguments.contains(u"-fs"_s));
}

// -progress pipe:1 is an output FfmpegProcess adds; no input may name the pipe protocol.
void TestCommandBuilder::noInputAllowsAProtocolButFile()
{
    const QList<std::pair<Operation, QList<MediaInfo>>> cases{
            {Operation::Compress, {hdMp4()}},
            {Operation::Concat, {hdMp4(), hdMp4()}},
            {Operation::BurnSubtitles, {oddMkv()}},
            {Operation::Thumbnail, {hdMp4()}},
    };
    for (const auto &[operation, inputs] : cases) {
        const auto normalized = validateOptions(operation, QJsonObject());
        QVERIFY(normalized.ok());
        const auto plan = buildCommand(operation, *normalized, commandInputs(inputs), {kWork, 0});
        QVERIFY(plan.ok());
        for (const CommandStep &step : plan->steps()) {
            const qsizetype inputCount = step.arguments.count(u"-i"_s);
            QVERIFY(inputCount > 0);
            QCOMPARE(step.arguments.count(u"-protocol_whitelist"_s), inputCount);
            for (qsizetype i = 0; i < step.arguments.size(); ++i) {
                if (step.arguments.at(i) == "-protocol_whitelist"_L1)
                    QCOMPARE(step.arguments.at(i + 1), u"file"_s);
            }
            // (Demuxer names such as png_pipe are formats, not the protocol.)
            for (const QString &argument : step.arguments)
                QVERIFY2(!argument.startsWith("pipe:"_L1), qPrintable(argument));
        }
    }
}

// Issue 8, defect 9: the subtitles filter opened the client's file itself, without the
// whitelists. Now every mention of the input, in every run, is an -i with both whitelists,
// and the filter draws a file a previous run of the same plan wrote.
void TestCommandBuilder::burnSubtitlesReadsTheInputOnlyThroughWhitelists()
{
    const QString in = u"/job/input.mkv"_s;
    const auto plan = build(Operation::BurnSubtitles, json(R"({"subtitle_index": 2})"), {oddMkv()});
    QVERIFY(plan.ok());
    QCOMPARE(plan->preparation.size(), 1);
    const CommandStep &extraction = plan->preparation.first();
    const QString extracted = kWork + u"/burn_input.ass"_s;
    QCOMPARE(extraction.arguments, input(in) + args("-map 0:4 -c:s ass") + output(u"ass"_s, u"burn_input.ass"_s));
    QCOMPARE(extraction.outputPaths, QStringList{extracted});

    for (const CommandStep &step : plan->steps()) {
        for (qsizetype i = 0; i < step.arguments.size(); ++i) {
            if (!step.arguments.at(i).contains(in))
                continue;
            QCOMPARE(step.arguments.at(i), u"file:"_s + in);
            QVERIFY(i >= 5);
            QCOMPARE(step.arguments.mid(i - 5, 5),
                     (QStringList{u"-protocol_whitelist"_s, u"file"_s, u"-format_whitelist"_s, allowedDemuxers(), u"-i"_s}));
        }
    }
    const QString graph = plan->arguments.at(plan->arguments.indexOf(u"-vf"_s) + 1);
    QVERIFY2(graph.startsWith(u"ass=filename="_s + extracted + u','), qPrintable(graph));
    QVERIFY(!graph.contains("subtitles="_L1));
    // The extracted file is the service's, not an output.
    QVERIFY(!plan->outputPaths.contains(extracted));
}

void TestCommandBuilder::escapeFilterValue_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("escaped");

    QTest::newRow("plain") << u"/tmp/job/input.mkv"_s << u"/tmp/job/input.mkv"_s;
    // ' and \ are special at both levels; : only to the option parser; [ ] , ; only to the graph parser.
    QTest::newRow("quote") << u"a'b"_s << u"a\\\\\\'b"_s;
    QTest::newRow("colon") << u"a:b"_s << u"a\\\\:b"_s;
    QTest::newRow("backslash") << u"a\\b"_s << u"a\\\\\\\\b"_s;
    QTest::newRow("comma") << u"a,b"_s << u"a\\,b"_s;
    QTest::newRow("brackets") << u"[a]"_s << u"\\[a\\]"_s;
    QTest::newRow("semicolon") << u"a;b"_s << u"a\\;b"_s;
    QTest::newRow("space") << u"a b"_s << u"a\\\\\\ b"_s;
}

void TestCommandBuilder::escapeFilterValue()
{
    QFETCH(QString, value);
    QFETCH(QString, escaped);
    QCOMPARE(Mediaforge::escapeFilterValue(value), escaped);

    // Read it back the way ffmpeg does: the graph parser unescapes once and stops at [ ] , ;
    // then the option parser unescapes again and stops at :. Both must give back all of it.
    const auto unescape = [](const QString &text, QStringView terminators) {
        QString result;
        for (qsizetype i = 0; i < text.size(); ++i) {
            const QChar ch = text.at(i);
            if (ch == u'\\' && i + 1 < text.size()) {
                result += text.at(++i);
                continue;
            }
            if (terminators.contains(ch) || ch == u'\'')
                return QString();   // unquoted special character: the value would end or change here
            result += ch;
        }
        return result;
    };
    const QString afterGraph = unescape(escaped, u"[],;");
    QCOMPARE(unescape(afterGraph, u":"), value);
}

void TestCommandBuilder::defaultOutputFormat_data()
{
    QTest::addColumn<MediaInfo>("info");
    QTest::addColumn<QString>("format");

    QTest::newRow("mp4") << hdMp4() << u"mp4"_s;
    QTest::newRow("mov by its brand") << phoneMov() << u"mov"_s;
    QTest::newRow("mkv") << oddMkv() << u"mkv"_s;
    QTest::newRow("webm by its codecs") << vp9Webm() << u"webm"_s;
    QTest::newRow("avi") << xvidAvi() << u"avi"_s;
    QTest::newRow("flv") << media(u"flv"_s, 1, {video(0, u"h264"_s, 640, 360)}) << u"flv"_s;
    QTest::newRow("mpeg-ts becomes mp4") << mpegTs() << u"mp4"_s;
    QTest::newRow("mp3 with cover art") << mp3Audio() << u"mp3"_s;
    QTest::newRow("wav") << monoWav() << u"wav"_s;
    QTest::newRow("ogg opus") << opusOgg() << u"opus"_s;
    QTest::newRow("ogg vorbis") << media(u"ogg"_s, 1, {audio(0, u"vorbis"_s)}) << u"ogg"_s;
    QTest::newRow("flac") << media(u"flac"_s, 1, {audio(0, u"flac"_s)}) << u"flac"_s;
    QTest::newRow("adts") << media(u"aac"_s, 1, {audio(0, u"aac"_s)}) << u"aac"_s;
    QTest::newRow("m4a") << media(kMp4Names, 1, {audio(0, u"aac"_s)}, u"M4A "_s) << u"m4a"_s;
    QTest::newRow("aiff becomes m4a") << media(u"aiff"_s, 1, {audio(0, u"pcm_s16be"_s)}) << u"m4a"_s;
}

void TestCommandBuilder::defaultOutputFormat()
{
    QFETCH(MediaInfo, info);
    QFETCH(QString, format);
    QCOMPARE(Mediaforge::defaultOutputFormat(info), format);
}

QTEST_GUILESS_MAIN(TestCommandBuilder)
#include "tst_commandbuilder.moc"
