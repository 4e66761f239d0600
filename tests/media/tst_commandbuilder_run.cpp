// SPDX-License-Identifier: GPL-3.0-or-later
// The built commands, run through the real ffmpeg on media made at test time, and the outputs
// checked with ffprobe: what the argument-level tests cannot prove is that ffmpeg agrees.
#include "media/commandbuilder.h"
#include "media/mediainfo.h"
#include "operations.h"
#include "testmedia.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;

Q_DECLARE_METATYPE(Mediaforge::Operation)
using namespace Qt::StringLiterals;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

MediaInfo toMediaInfo(const QJsonObject &probed)
{
    auto info = MediaInfo::fromFfprobeJson(QJsonDocument(probed).toJson());
    if (!info)
        qFatal("cannot read a probe result");
    return *info;
}

// One ffprobe per file: starting ffprobe costs more than most of the runs it checks.
class Probed
{
public:
    explicit Probed(const QString &path) : m_root(TestMedia::probe(path)) { }

    QString format() const { return m_root.value("format"_L1).toObject().value("format_name"_L1).toString(); }
    double duration() const { return m_root.value("format"_L1).toObject().value("duration"_L1).toString().toDouble(); }
    QStringList codecs(const QString &type) const
    {
        QStringList names;
        for (const QJsonValue &stream : streams()) {
            if (stream["codec_type"_L1].toString() == type)
                names.append(stream["codec_name"_L1].toString());
        }
        return names;
    }
    qsizetype count(const QString &type) const { return codecs(type).size(); }
    QJsonObject stream(const QString &type) const
    {
        for (const QJsonValue &stream : streams()) {
            if (stream["codec_type"_L1].toString() == type)
                return stream.toObject();
        }
        return {};
    }
    QString size() const
    {
        const QJsonObject video = stream(u"video"_s);
        return u"%1x%2"_s.arg(video.value("width"_L1).toInt()).arg(video.value("height"_L1).toInt());
    }
    QString sampleRate() const { return stream(u"audio"_s).value("sample_rate"_L1).toString(); }

private:
    QJsonArray streams() const { return m_root.value("streams"_L1).toArray(); }

    QJsonObject m_root;
};

} // namespace

class TestCommandBuilderRun : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void speed_data();
    void speed();
    void compress_data();
    void compress();
    void extractAudio_data();
    void extractAudio();
    void removeAudio_data();
    void removeAudio();
    void convert_data();
    void convert();
    void thumbnail_data();
    void thumbnail();
    void trim_data();
    void trim();
    void concatMatchingInputsUsesDemuxerAndCopy();
    void concatDifferentInputsUsesFilter();
    void concatInputWithoutAudioGetsSilence();
    void gif_data();
    void gif();
    void filter_data();
    void filter();
    void extractSubtitles_data();
    void extractSubtitles();
    void burnSubtitlesFromAPathFullOfFilterSyntax();
    void mediaErrors_data();
    void mediaErrors();

private:
    // Validates like the service does, builds, runs ffmpeg; the plan on success.
    std::optional<CommandPlan> run(Operation operation, const QJsonObject &options, const QStringList &inputs);
    Result<CommandPlan> build(Operation operation, const QJsonObject &options, const QStringList &inputs,
                              const QString &workDirectory);
    QString media(const QString &name) const { return m_media.value(name); }
    const MediaInfo &info(const QString &path);
    double inputDuration(const QString &name) { return info(media(name)).duration; }

    QTemporaryDir m_mediaDir;
    QTemporaryDir m_workRoot;
    QHash<QString, QString> m_media;
    QHash<QString, MediaInfo> m_infos;
    int m_runs = 0;
};

void TestCommandBuilderRun::initTestCase()
{
    QVERIFY(m_mediaDir.isValid());
    QVERIFY(m_workRoot.isValid());
    QVERIFY2(!TestMedia::ffmpegPath().isEmpty(), "ffmpeg is needed");
    const QString dir = m_mediaDir.path();
    TestMedia::VideoSpec spec;
    m_media[u"video"_s] = TestMedia::makeVideo(dir, spec);
    spec.audio = false;
    m_media[u"silent"_s] = TestMedia::makeVideo(dir, spec);
    spec = {};
    spec.seconds = 1;
    spec.width = 640;
    spec.height = 360;
    spec.videoCodec = u"libvpx-vp9"_s;
    spec.audioCodec = u"libopus"_s;
    spec.container = u"mkv"_s;
    spec.sampleRate = 48000;
    m_media[u"vp9"_s] = TestMedia::makeVideo(dir, spec);
    spec = {};
    spec.container = u"mkv"_s;
    spec.subtitles = true;
    m_media[u"subtitled"_s] = TestMedia::makeVideo(dir, spec);
    m_media[u"mp3"_s] = TestMedia::makeAudio(dir, 2.0);

    // A phone video: stored landscape, shown portrait through the display matrix.
    const QString rotated = QDir(dir).filePath(u"rotated.mp4"_s);
    QProcess process;
    process.start(TestMedia::ffmpegPath(), {u"-hide_banner"_s, u"-loglevel"_s, u"error"_s, u"-nostdin"_s, u"-y"_s,
                                             u"-i"_s, media(u"video"_s), u"-c"_s, u"copy"_s,
                                             u"-metadata:s:v:0"_s, u"rotate=90"_s, rotated});
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), 0);
    m_media[u"rotated"_s] = rotated;
    QCOMPARE(std::abs(info(rotated).firstVideo()->rotation), 90);
}

const MediaInfo &TestCommandBuilderRun::info(const QString &path)
{
    if (!m_infos.contains(path))
        m_infos.insert(path, toMediaInfo(TestMedia::probe(path)));
    return m_infos[path];
}

Result<CommandPlan> TestCommandBuilderRun::build(Operation operation, const QJsonObject &options,
                                                 const QStringList &inputs, const QString &workDirectory)
{
    const auto normalized = validateOptions(operation, options);
    if (!normalized)
        return normalized.error();
    QList<CommandInput> commandInputs;
    for (const QString &path : inputs)
        commandInputs.append({path, info(path)});
    return buildCommand(operation, *normalized, commandInputs, {workDirectory, 1});
}

std::optional<CommandPlan> TestCommandBuilderRun::run(Operation operation, const QJsonObject &options,
                                                      const QStringList &inputs)
{
    const QString work = QDir(m_workRoot.path()).filePath(u"job%1"_s.arg(++m_runs));
    QDir().mkpath(work);
    const auto plan = build(operation, options, inputs, work);
    if (!plan) {
        qWarning("build failed: %s", qPrintable(plan.error().message));
        return std::nullopt;
    }
    for (const AuxiliaryFile &file : plan->auxiliaryFiles) {
        QFile out(QDir(work).filePath(file.fileName));
        if (!out.open(QIODevice::WriteOnly) || out.write(file.contents) != file.contents.size())
            return std::nullopt;
    }
    // Every run of the plan in order (burn_subtitles prepares its subtitle file in a first one).
    for (const CommandStep &step : plan->steps()) {
        QProcess ffmpeg;
        ffmpeg.start(TestMedia::ffmpegPath(), QStringList{u"-hide_banner"_s, u"-nostdin"_s, u"-y"_s, u"-nostats"_s,
                                                           u"-loglevel"_s, u"error"_s}
                                                      + step.arguments);
        if (!ffmpeg.waitForFinished(60000) || ffmpeg.exitStatus() != QProcess::NormalExit || ffmpeg.exitCode() != 0) {
            qWarning("ffmpeg %s\nfailed: %s", qPrintable(step.arguments.join(u' ')),
                     ffmpeg.readAllStandardError().constData());
            return std::nullopt;
        }
    }
    for (const QString &output : plan->outputPaths) {
        if (QFileInfo(output).size() <= 0) {
            qWarning("missing output %s", qPrintable(output));
            return std::nullopt;
        }
    }
    return *plan;
}

void TestCommandBuilderRun::speed_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("options");

    QTest::newRow("2x, pitch follows") << u"video"_s << json(R"({"speed_factor": 2})");
    QTest::newRow("0.5x, pitch kept") << u"video"_s << json(R"({"speed_factor": 0.5, "maintain_pitch": true})");
    QTest::newRow("4x, atempo chain") << u"video"_s << json(R"({"speed_factor": 4, "maintain_pitch": true})");
    QTest::newRow("no audio") << u"silent"_s << json(R"({"speed_factor": 2})");
    QTest::newRow("audio only") << u"mp3"_s << json(R"({"speed_factor": 2})");
}

void TestCommandBuilderRun::speed()
{
    QFETCH(QString, input);
    QFETCH(QJsonObject, options);
    const auto plan = run(Operation::Speed, options, {media(input)});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    const double expected = inputDuration(input) / options.value("speed_factor"_L1).toDouble();
    QCOMPARE(plan->expectedDurationSeconds, expected);
    QVERIFY2(std::abs(output.duration() - expected) < 0.15, qPrintable(QString::number(output.duration())));
    const MediaInfo &source = info(media(input));
    QCOMPARE(output.count(u"audio"_s), source.hasAudio() ? 1 : 0);
    QCOMPARE(output.count(u"video"_s), source.hasVideo() ? 1 : 0);
    if (source.hasVideo()) {
        // The picture itself must end on time, within one frame: not only the longest stream.
        const QJsonArray streams = TestMedia::probe(plan->outputPaths.first())[u"streams"_s].toArray();
        for (const QJsonValue &stream : streams) {
            if (stream[u"codec_type"_s].toString() != u"video"_s)
                continue;
            const double videoDuration = stream[u"duration"_s].toString().toDouble();
            const double frame = 1.0 / source.firstVideo()->fps;
            QVERIFY2(std::abs(videoDuration - expected) <= frame + 0.001,
                     qPrintable(u"video lasts %1 s, expected %2 s"_s.arg(videoDuration).arg(expected)));
        }
    }
}

void TestCommandBuilderRun::compress_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("size");
    QTest::addColumn<QStringList>("codecs");

    QTest::newRow("defaults") << u"video"_s << QJsonObject() << u"320x240"_s << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("max_width") << u"video"_s << json(R"({"preset": "low", "max_width": 160})") << u"160x120"_s
                               << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("max_height, odd result made even") << u"video"_s << json(R"({"preset": "high", "max_height": 100})")
                                                      << u"132x100"_s << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("rotated: bounds apply to what is shown") << u"rotated"_s << json(R"({"max_width": 120})") << u"120x160"_s
                                                            << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("custom bitrate to webm")
            << u"video"_s << json(R"({"preset": "custom", "video_bitrate_kbps": 300, "audio_bitrate_kbps": 64, "target_format": "webm"})")
            << u"320x240"_s << QStringList{u"vp9"_s, u"opus"_s};
    QTest::newRow("crf to mkv, no audio") << u"silent"_s << json(R"({"crf": 30, "target_format": "mkv"})") << u"320x240"_s
                                          << QStringList{u"h264"_s};
}

void TestCommandBuilderRun::compress()
{
    QFETCH(QString, input);
    QFETCH(QJsonObject, options);
    QFETCH(QString, size);
    QFETCH(QStringList, codecs);
    const auto plan = run(Operation::Compress, options, {media(input)});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    QCOMPARE(output.size(), size);
    QCOMPARE(output.codecs(u"video"_s) + output.codecs(u"audio"_s), codecs);
    QVERIFY(std::abs(output.duration() - 2.0) < 0.15);
}

void TestCommandBuilderRun::extractAudio_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("codec");
    QTest::addColumn<QString>("formatName");
    QTest::addColumn<bool>("copied");

    QTest::newRow("mp3 from aac: encode") << u"video"_s << QJsonObject() << u"mp3"_s << u"mp3"_s << false;
    QTest::newRow("aac from aac: copy to ADTS") << u"video"_s << json(R"({"format": "aac"})") << u"aac"_s << u"aac"_s << true;
    QTest::newRow("m4a from aac: copy") << u"video"_s << json(R"({"format": "m4a"})") << u"aac"_s << u"mov,mp4,m4a,3gp,3g2,mj2"_s << true;
    QTest::newRow("wav") << u"video"_s << json(R"({"format": "wav"})") << u"pcm_s16le"_s << u"wav"_s << false;
    QTest::newRow("opus, 44.1 kHz source") << u"video"_s << json(R"({"format": "opus", "bitrate_kbps": 64})") << u"opus"_s << u"ogg"_s << false;
    QTest::newRow("flac, resampled") << u"video"_s << json(R"({"format": "flac", "sample_rate": 22050})") << u"flac"_s << u"flac"_s << false;
    QTest::newRow("ogg") << u"video"_s << json(R"({"format": "ogg"})") << u"vorbis"_s << u"ogg"_s << false;
    QTest::newRow("opus from opus: copy") << u"vp9"_s << json(R"({"format": "opus"})") << u"opus"_s << u"ogg"_s << true;
}

void TestCommandBuilderRun::extractAudio()
{
    QFETCH(QString, input);
    QFETCH(QJsonObject, options);
    QFETCH(QString, codec);
    QFETCH(QString, formatName);
    QFETCH(bool, copied);
    const auto plan = run(Operation::ExtractAudio, options, {media(input)});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    QCOMPARE(plan->arguments.join(u' ').contains("-c:a copy"_L1), copied);
    QCOMPARE(output.codecs(u"audio"_s), QStringList{codec});
    QCOMPARE(output.count(u"video"_s), 0);
    QCOMPARE(output.format(), formatName);
    if (options.contains("sample_rate"_L1))
        QCOMPARE(output.sampleRate(), u"22050"_s);
    QVERIFY(std::abs(output.duration() - inputDuration(input)) < 0.15);
}

void TestCommandBuilderRun::removeAudio_data()
{
    QTest::addColumn<bool>("keep");
    QTest::newRow("copy video") << true;
    QTest::newRow("re-encode video") << false;
}

void TestCommandBuilderRun::removeAudio()
{
    QFETCH(bool, keep);
    QJsonObject options{{u"keep_video_quality"_s, keep}};
    const auto plan = run(Operation::RemoveAudio, options, {media(u"video"_s)});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    QCOMPARE(output.count(u"audio"_s), 0);
    QCOMPARE(output.codecs(u"video"_s), QStringList{u"h264"_s});
    QCOMPARE(plan->arguments.contains(u"libx264"_s), !keep);
    QCOMPARE(output.stream(u"video"_s).value("nb_frames"_L1).toString(), u"50"_s);
}

void TestCommandBuilderRun::convert_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("formatName");
    QTest::addColumn<QStringList>("codecs");   // video, audio, subtitle codecs in that order

    const QString mp4 = u"mov,mp4,m4a,3gp,3g2,mj2"_s;
    QTest::newRow("mkv, copy") << u"video"_s << json(R"({"target_format": "mkv"})") << u"matroska,webm"_s
                               << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("webm") << u"video"_s << json(R"({"target_format": "webm"})") << u"matroska,webm"_s
                          << QStringList{u"vp9"_s, u"opus"_s};
    QTest::newRow("mp4, hevc asked") << u"video"_s << json(R"({"target_format": "mp4", "video_codec": "libx265"})") << mp4
                                     << QStringList{u"hevc"_s, u"aac"_s};
    QTest::newRow("avi: h264 copied, aac kept") << u"video"_s << json(R"({"target_format": "avi"})") << u"avi"_s
                                                << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("avi, mpeg4 + mp3 asked") << u"video"_s << json(R"({"target_format": "avi", "video_codec": "mpeg4", "audio_codec": "mp3"})")
                                            << u"avi"_s << QStringList{u"mpeg4"_s, u"mp3"_s};
    QTest::newRow("vp9/opus mkv to mp4: both kept") << u"vp9"_s << json(R"({"target_format": "mp4"})") << mp4
                                                     << QStringList{u"vp9"_s, u"opus"_s};
    QTest::newRow("vp9/opus to flv: both encoded") << u"vp9"_s << json(R"({"target_format": "flv"})") << u"flv"_s
                                                   << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("mp3: video dropped") << u"video"_s << json(R"({"target_format": "mp3"})") << u"mp3"_s << QStringList{u"mp3"_s};
    QTest::newRow("m4a, alac") << u"video"_s << json(R"({"target_format": "m4a", "audio_codec": "alac"})") << mp4
                               << QStringList{u"alac"_s};
    QTest::newRow("gif") << u"video"_s << json(R"({"target_format": "gif"})") << u"gif"_s << QStringList{u"gif"_s};
    QTest::newRow("mkv subtitles to mp4 become mov_text") << u"subtitled"_s << json(R"({"target_format": "mov"})") << mp4
                                                           << QStringList{u"h264"_s, u"aac"_s, u"mov_text"_s};
    QTest::newRow("audio file to mp4") << u"mp3"_s << json(R"({"target_format": "mp4"})") << mp4 << QStringList{u"mp3"_s};
}

void TestCommandBuilderRun::convert()
{
    QFETCH(QString, input);
    QFETCH(QJsonObject, options);
    QFETCH(QString, formatName);
    QFETCH(QStringList, codecs);
    const auto plan = run(Operation::Convert, options, {media(input)});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    QCOMPARE(output.format(), formatName);
    QCOMPARE(output.codecs(u"video"_s) + output.codecs(u"audio"_s) + output.codecs(u"subtitle"_s), codecs);
    QVERIFY(std::abs(output.duration() - inputDuration(input)) < 0.15);
}

void TestCommandBuilderRun::thumbnail_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QStringList>("files");
    QTest::addColumn<QString>("codec");
    QTest::addColumn<QString>("size");

    QTest::newRow("default: one png") << u"video"_s << QJsonObject() << QStringList{u"thumbnail.png"_s} << u"png"_s << u"320x240"_s;
    QTest::newRow("timestamp, jpg alias, width") << u"video"_s << json(R"({"timestamp": 1.5, "format": "jpg", "width": 160})")
                                                 << QStringList{u"thumbnail.jpg"_s} << u"mjpeg"_s << u"160x120"_s;
    QTest::newRow("count 3, webp, height") << u"video"_s << json(R"({"count": 3, "format": "webp", "height": 60})")
                                           << QStringList{u"thumbnail_01.webp"_s, u"thumbnail_02.webp"_s, u"thumbnail_03.webp"_s}
                                           << u"webp"_s << u"80x60"_s;
    QStringList twenty;
    for (int i = 1; i <= 20; ++i)
        twenty.append(u"thumbnail_%1.png"_s.arg(i, 2, 10, QChar(u'0')));
    QTest::newRow("count 20") << u"video"_s << json(R"({"count": 20, "width": 32})") << twenty << u"png"_s << u"32x24"_s;
    QTest::newRow("tile 3x2") << u"video"_s << json(R"({"tile": {"columns": 3, "rows": 2}, "width": 100})")
                              << QStringList{u"contact_sheet.png"_s} << u"png"_s << u"300x150"_s;
    QTest::newRow("tile 2x2, 3 frames") << u"video"_s << json(R"({"count": 3, "tile": {"columns": 2, "rows": 2}})")
                                        << QStringList{u"contact_sheet.png"_s} << u"png"_s << u"640x480"_s;
    QTest::newRow("rotated video gives a portrait thumbnail") << u"rotated"_s << json(R"({"timestamp": 0.5})")
                                                              << QStringList{u"thumbnail.png"_s} << u"png"_s << u"240x320"_s;
    QTest::newRow("timestamp within the last frame") << u"video"_s << json(R"({"timestamp": 1.99})")
                                                     << QStringList{u"thumbnail.png"_s} << u"png"_s << u"320x240"_s;
}

void TestCommandBuilderRun::thumbnail()
{
    QFETCH(QString, input);
    QFETCH(QJsonObject, options);
    QFETCH(QStringList, files);
    QFETCH(QString, codec);
    QFETCH(QString, size);
    const auto plan = run(Operation::Thumbnail, options, {media(input)});
    QVERIFY(plan);
    QCOMPARE(plan->outputPaths.size(), files.size());
    QCOMPARE(plan->expectedDurationSeconds, 0.0);
    for (qsizetype i = 0; i < files.size(); ++i)
        QCOMPARE(QFileInfo(plan->outputPaths.at(i)).fileName(), files.at(i));
    // run() saw every file non-empty; probing the first and the last shows what they hold.
    for (const QString &path : {plan->outputPaths.first(), plan->outputPaths.last()}) {
        const Probed output(path);
        QCOMPARE(output.codecs(u"video"_s), QStringList{codec});
        QCOMPARE(output.size(), size);
    }
}

void TestCommandBuilderRun::trim_data()
{
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<double>("minimum");
    QTest::addColumn<double>("maximum");

    QTest::newRow("copy from 0") << json(R"({"start_time": 0, "end_time": 1})") << 0.9 << 1.1;
    // Copy starts at the keyframe at or before start_time: up to one GOP more.
    QTest::newRow("copy from 0.5") << json(R"({"start_time": 0.5, "end_time": 1.5})") << 0.9 << 1.6;
    QTest::newRow("accurate") << json(R"({"start_time": 0.5, "end_time": 1.5, "accurate": true})") << 0.9 << 1.1;
    QTest::newRow("start only, end clipped") << json(R"({"start_time": 1.5, "end_time": 60, "accurate": true})") << 0.4 << 0.6;
}

void TestCommandBuilderRun::trim()
{
    QFETCH(QJsonObject, options);
    QFETCH(double, minimum);
    QFETCH(double, maximum);
    const auto plan = run(Operation::Trim, options, {media(u"video"_s)});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    QVERIFY2(output.duration() >= minimum && output.duration() <= maximum, qPrintable(QString::number(output.duration())));
    QVERIFY(plan->expectedDurationSeconds >= minimum && plan->expectedDurationSeconds <= maximum);
    QCOMPARE(output.codecs(u"video"_s) + output.codecs(u"audio"_s), (QStringList{u"h264"_s, u"aac"_s}));
}

void TestCommandBuilderRun::concatMatchingInputsUsesDemuxerAndCopy()
{
    const auto plan = run(Operation::Concat, QJsonObject(), {media(u"video"_s), media(u"video"_s)});
    QVERIFY(plan);
    QCOMPARE(plan->auxiliaryFiles.size(), 1);
    QVERIFY(plan->arguments.contains(u"concat"_s));
    QVERIFY(!plan->arguments.contains(u"-filter_complex"_s));
    const Probed output(plan->outputPaths.first());
    QCOMPARE(plan->expectedDurationSeconds, 2 * inputDuration(u"video"_s));
    QVERIFY(std::abs(output.duration() - 4.0) < 0.15);
    QCOMPARE(output.codecs(u"video"_s) + output.codecs(u"audio"_s), (QStringList{u"h264"_s, u"aac"_s}));
    QCOMPARE(output.stream(u"video"_s).value("nb_frames"_L1).toString(), u"100"_s);
}

void TestCommandBuilderRun::concatDifferentInputsUsesFilter()
{
    const auto plan = run(Operation::Concat, json(R"({"file_count": 2})"), {media(u"video"_s), media(u"vp9"_s)});
    QVERIFY(plan);
    QVERIFY(plan->auxiliaryFiles.isEmpty());
    QVERIFY(plan->arguments.contains(u"-filter_complex"_s));
    const Probed output(plan->outputPaths.first());
    QCOMPARE(output.format(), u"mov,mp4,m4a,3gp,3g2,mj2"_s);
    QCOMPARE(output.codecs(u"video"_s) + output.codecs(u"audio"_s), (QStringList{u"h264"_s, u"aac"_s}));
    QCOMPARE(output.size(), u"320x240"_s);
    QCOMPARE(plan->expectedDurationSeconds, inputDuration(u"video"_s) + inputDuration(u"vp9"_s));
    QVERIFY(std::abs(output.duration() - 3.0) < 0.15);
}

void TestCommandBuilderRun::concatInputWithoutAudioGetsSilence()
{
    const auto plan = run(Operation::Concat, json(R"({"target_format": "mkv"})"), {media(u"silent"_s), media(u"video"_s)});
    QVERIFY(plan);
    QVERIFY(plan->arguments.join(u' ').contains("anullsrc"_L1));
    const Probed output(plan->outputPaths.first());
    QCOMPARE(output.codecs(u"audio"_s), QStringList{u"aac"_s});
    QCOMPARE(output.sampleRate(), u"44100"_s);
    QVERIFY(std::abs(output.duration() - 4.0) < 0.15);
}

void TestCommandBuilderRun::gif_data()
{
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("size");
    QTest::addColumn<double>("duration");
    QTest::addColumn<int>("frames");

    QTest::newRow("palette") << json(R"({"duration": 1})") << u"320x240"_s << 1.0 << 10;
    QTest::newRow("plain, width, fps") << json(R"({"duration": 1, "start_time": 0.5, "fps": 5, "width": 160, "optimize": false})")
                                       << u"160x120"_s << 1.0 << 5;
    QTest::newRow("clipped at the end") << json(R"({"duration": 30, "start_time": 1.5})") << u"320x240"_s << 0.5 << 5;
}

void TestCommandBuilderRun::gif()
{
    QFETCH(QJsonObject, options);
    QFETCH(QString, size);
    QFETCH(double, duration);
    QFETCH(int, frames);
    const auto plan = run(Operation::Gif, options, {media(u"video"_s)});
    QVERIFY(plan);
    const QString path = plan->outputPaths.first();
    const Probed output(path);
    QCOMPARE(output.format(), u"gif"_s);
    QCOMPARE(output.size(), size);
    QCOMPARE(plan->expectedDurationSeconds, duration);
    QVERIFY2(std::abs(output.duration() - duration) < 0.15, qPrintable(QString::number(output.duration())));
    QCOMPARE(TestMedia::countFrames(path), frames);
}

void TestCommandBuilderRun::filter_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("size");   // 0x0: no video
    QTest::addColumn<bool>("videoCopied");
    QTest::addColumn<bool>("audioCopied");

    QTest::newRow("scale") << u"video"_s << json(R"({"filters": [{"type": "scale", "width": 160}]})") << u"160x120"_s << false << true;
    QTest::newRow("rotate 90 turns the frame") << u"video"_s << json(R"({"filters": [{"type": "rotate", "angle": 90}]})")
                                               << u"240x320"_s << false << true;
    QTest::newRow("rotate 30 within the frame") << u"video"_s << json(R"({"filters": [{"type": "rotate", "angle": 30}]})")
                                                << u"320x240"_s << false << true;
    QTest::newRow("crop") << u"video"_s << json(R"({"filters": [{"type": "crop", "width": 100, "height": 80, "x": 10, "y": 20}]})")
                          << u"100x80"_s << false << true;
    QTest::newRow("rotate -90 then crop")
            << u"video"_s << json(R"({"filters": [{"type": "rotate", "angle": -90}, {"type": "crop", "width": 240, "height": 300}]})")
            << u"240x300"_s << false << true;
    QTest::newRow("fps, flip, grayscale, denoise, sharpen")
            << u"video"_s
            << json(R"({"filters": [{"type": "fps", "fps": 10}, {"type": "flip", "direction": "v"}, {"type": "grayscale"}, {"type": "denoise"}, {"type": "sharpen"}]})")
            << u"320x240"_s << false << true;
    QTest::newRow("volume copies the video") << u"video"_s << json(R"({"filters": [{"type": "volume", "volume": 0.5}]})")
                                             << u"320x240"_s << true << false;
    QTest::newRow("gain, normalize, fade")
            << u"video"_s
            << json(R"({"filters": [{"type": "volume", "gain_db": -3}, {"type": "normalize"}, {"type": "fade", "out_seconds": 1}]})")
            << u"320x240"_s << false << false;
    QTest::newRow("fade on a silent video") << u"silent"_s << json(R"({"filters": [{"type": "fade", "in_seconds": 1}]})")
                                            << u"320x240"_s << false << true;
    QTest::newRow("audio file normalized to ogg") << u"mp3"_s << json(R"({"filters": [{"type": "normalize"}], "target_format": "ogg"})")
                                                  << u"0x0"_s << true << false;
    QTest::newRow("normalized to webm: opus at 48 kHz")
            << u"video"_s << json(R"({"filters": [{"type": "normalize"}], "target_format": "webm"})")
            << u"320x240"_s << false << false;
}

void TestCommandBuilderRun::filter()
{
    QFETCH(QString, input);
    QFETCH(QJsonObject, options);
    QFETCH(QString, size);
    QFETCH(bool, videoCopied);
    QFETCH(bool, audioCopied);
    const auto plan = run(Operation::Filter, options, {media(input)});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    const QString arguments = plan->arguments.join(u' ');
    QCOMPARE(output.size(), size);
    QCOMPARE(arguments.contains("-c:v copy"_L1), videoCopied && size != "0x0"_L1);
    const bool hasAudio = info(media(input)).hasAudio();
    QCOMPARE(output.count(u"audio"_s), hasAudio ? 1 : 0);
    QCOMPARE(arguments.contains("-c:a copy"_L1), audioCopied && hasAudio);
    if (hasAudio) {
        const bool opus = options.value("target_format"_L1) == "webm"_L1;
        QCOMPARE(output.sampleRate(), opus ? u"48000"_s : u"44100"_s);
    }
    QVERIFY(std::abs(output.duration() - inputDuration(input)) < 0.15);
    if (arguments.contains("fps=10"_L1))
        QCOMPARE(output.stream(u"video"_s).value("nb_frames"_L1).toString(), u"20"_s);
}

void TestCommandBuilderRun::extractSubtitles_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("codec");
    QTest::addColumn<QString>("fileName");
    QTest::newRow("srt") << u"srt"_s << u"subrip"_s << u"subtitles.srt"_s;
    QTest::newRow("vtt") << u"vtt"_s << u"webvtt"_s << u"subtitles.vtt"_s;
    QTest::newRow("ass") << u"ass"_s << u"ass"_s << u"subtitles.ass"_s;
}

void TestCommandBuilderRun::extractSubtitles()
{
    QFETCH(QString, format);
    QFETCH(QString, codec);
    QFETCH(QString, fileName);
    const auto plan = run(Operation::ExtractSubtitles, QJsonObject{{u"format"_s, format}}, {media(u"subtitled"_s)});
    QVERIFY(plan);
    const QString path = plan->outputPaths.first();
    QCOMPARE(QFileInfo(path).fileName(), fileName);
    QCOMPARE(Probed(path).codecs(u"subtitle"_s), QStringList{codec});
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("Cue number 2"));
}

void TestCommandBuilderRun::burnSubtitlesFromAPathFullOfFilterSyntax()
{
    // Service paths never hold client text, but the temp directory is configurable: the
    // filtergraph escaping must hold for any path.
    const QString dir = QDir(m_mediaDir.path()).filePath(u"it's: a [strange], dir;\\ with spaces "_s);
    QVERIFY(QDir().mkpath(dir));
    const QString input = QDir(dir).filePath(u"in put.mkv"_s);
    QVERIFY(QFile::copy(media(u"subtitled"_s), input));
    const auto plan = run(Operation::BurnSubtitles, QJsonObject(), {input});
    QVERIFY(plan);
    const Probed output(plan->outputPaths.first());
    QCOMPARE(output.codecs(u"video"_s) + output.codecs(u"audio"_s), (QStringList{u"h264"_s, u"aac"_s}));
    QCOMPARE(output.count(u"subtitle"_s), 0);
    QVERIFY(plan->arguments.join(u' ').contains("-c:a copy"_L1));
    QVERIFY(std::abs(output.duration() - 2.0) < 0.15);
}

void TestCommandBuilderRun::mediaErrors_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("path");

    QTest::newRow("extract_audio without audio") << Operation::ExtractAudio << u"silent"_s << QJsonObject() << u"UNSUPPORTED_INPUT"_s << QString();
    QTest::newRow("remove_audio without video") << Operation::RemoveAudio << u"mp3"_s << QJsonObject() << u"UNSUPPORTED_INPUT"_s << QString();
    QTest::newRow("thumbnail past the end") << Operation::Thumbnail << u"video"_s << json(R"({"timestamp": 2.5})")
                                            << u"VALIDATION_ERROR"_s << u"options.timestamp"_s;
    QTest::newRow("trim past the end") << Operation::Trim << u"video"_s << json(R"({"start_time": 2, "end_time": 3})")
                                       << u"VALIDATION_ERROR"_s << u"options.start_time"_s;
    QTest::newRow("gif past the end") << Operation::Gif << u"video"_s << json(R"({"start_time": 5, "duration": 1})")
                                      << u"VALIDATION_ERROR"_s << u"options.start_time"_s;
    QTest::newRow("crop wider than the picture") << Operation::Filter << u"video"_s
                                                 << json(R"({"filters": [{"type": "scale", "width": 160}, {"type": "crop", "width": 200, "height": 100}]})")
                                                 << u"VALIDATION_ERROR"_s << u"options.filters[1].width"_s;
    QTest::newRow("volume without audio") << Operation::Filter << u"silent"_s << json(R"({"filters": [{"type": "volume", "volume": 2}]})")
                                          << u"UNSUPPORTED_INPUT"_s << u"options.filters[0].type"_s;
    QTest::newRow("video filter on audio") << Operation::Filter << u"mp3"_s << json(R"({"filters": [{"type": "normalize"}, {"type": "flip"}]})")
                                           << u"UNSUPPORTED_INPUT"_s << u"options.filters[1].type"_s;
    QTest::newRow("subtitle index beyond") << Operation::ExtractSubtitles << u"subtitled"_s << json(R"({"subtitle_index": 1})")
                                           << u"VALIDATION_ERROR"_s << u"options.subtitle_index"_s;
    QTest::newRow("no subtitles") << Operation::BurnSubtitles << u"video"_s << QJsonObject() << u"UNSUPPORTED_INPUT"_s << u"options.subtitle_index"_s;
}

void TestCommandBuilderRun::mediaErrors()
{
    QFETCH(Operation, operation);
    QFETCH(QString, input);
    QFETCH(QJsonObject, options);
    QFETCH(QString, code);
    QFETCH(QString, path);
    const auto plan = build(operation, options, {media(input)}, m_workRoot.path());
    QVERIFY(!plan);
    QCOMPARE(errorCodeName(plan.error().code), code);
    if (!path.isEmpty())
        QCOMPARE(plan.error().details.toArray().first()["path"_L1].toString(), path);
}

QTEST_GUILESS_MAIN(TestCommandBuilderRun)
#include "tst_commandbuilder_run.moc"
