// SPDX-License-Identifier: GPL-3.0-or-later
// The option schemas of PROTOCOL.md's "Operations and options": what is refused (and under which
// path), what is filled in, what aliases become, and the CLI's key=value parsing.
#include "operations.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Mediaforge;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(Mediaforge::Operation)
Q_DECLARE_METATYPE(Mediaforge::CodecKind)

namespace {

QJsonObject json(const char *text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(text), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qFatal("bad JSON in test table: %s", text);
    return document.object();
}

QJsonValue jsonValue(const char *text)
{
    return QJsonDocument::fromJson("[" + QByteArray(text) + "]").array().first();
}

QStringList pathsOf(const Error &error)
{
    QStringList paths;
    for (const QJsonValue &detail : error.details.toArray())
        paths.append(detail["path"_L1].toString());
    return paths;
}

QString filtersWith(int count)
{
    QStringList entries;
    for (int i = 0; i < count; ++i)
        entries.append(u"{\"type\": \"grayscale\"}"_s);
    return u"{\"filters\": ["_s + entries.join(u',') + u"]}"_s;
}

} // namespace

class TestOperations : public QObject
{
    Q_OBJECT

private slots:
    void operationNames();
    void defaults_data();
    void defaults();
    void aliases_data();
    void aliases();
    void integralNumbersAreIntegers();
    void invalid_data();
    void invalid();
    void errorNamesEveryPath();
    void pictureBoundsRefuseOversizedOutputs_data();
    void pictureBoundsRefuseOversizedOutputs();
    void pictureBoundsAcceptOutputsAtTheLimit_data();
    void pictureBoundsAcceptOutputsAtTheLimit();
    void parseOptionValue_data();
    void parseOptionValue();
    void schemaIntrospection();
    void describeOptions();
    void codecNames_data();
    void codecNames();
    void containerTable_data();
    void containerTable();
};

void TestOperations::operationNames()
{
    const QStringList expected{u"speed"_s, u"compress"_s, u"extract_audio"_s, u"remove_audio"_s, u"convert"_s,
                               u"thumbnail"_s, u"trim"_s, u"concat"_s, u"gif"_s, u"filter"_s,
                               u"extract_subtitles"_s, u"burn_subtitles"_s, u"probe"_s};
    QStringList names;
    for (Operation operation : allOperations()) {
        names.append(operationName(operation));
        QCOMPARE(operationFromName(operationName(operation)), std::optional<Operation>(operation));
    }
    QCOMPARE(names, expected);
    QVERIFY(!operationFromName(u"Speed"));
    QVERIFY(!operationFromName(u"transcode"));
    QVERIFY(!operationFromName(u""));
}

void TestOperations::defaults_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QJsonObject>("normalized");

    QTest::newRow("speed") << Operation::Speed << json(R"({"speed_factor": 2})") << json(R"({"speed_factor": 2, "maintain_pitch": false})");
    QTest::newRow("compress") << Operation::Compress << QJsonObject() << json(R"({"preset": "medium"})");
    QTest::newRow("compress keeps what it was given")
            << Operation::Compress << json(R"({"preset": "custom", "crf": 20, "video_bitrate_kbps": 800, "audio_bitrate_kbps": 96, "max_width": 1280, "max_height": 720, "target_format": "mkv"})")
            << json(R"({"preset": "custom", "crf": 20, "video_bitrate_kbps": 800, "audio_bitrate_kbps": 96, "max_width": 1280, "max_height": 720, "target_format": "mkv"})");
    QTest::newRow("null means absent") << Operation::Compress << json(R"({"crf": null, "target_format": null})") << json(R"({"preset": "medium"})");
    QTest::newRow("extract_audio") << Operation::ExtractAudio << QJsonObject() << json(R"({"format": "mp3"})");
    QTest::newRow("extract_audio with rate") << Operation::ExtractAudio << json(R"({"format": "opus", "sample_rate": 48000, "bitrate_kbps": 64})")
                                             << json(R"({"format": "opus", "sample_rate": 48000, "bitrate_kbps": 64})");
    QTest::newRow("remove_audio") << Operation::RemoveAudio << QJsonObject() << json(R"({"keep_video_quality": true})");
    QTest::newRow("convert") << Operation::Convert << json(R"({"target_format": "mp4"})") << json(R"({"target_format": "mp4", "stream_copy": true})");
    QTest::newRow("thumbnail") << Operation::Thumbnail << QJsonObject() << json(R"({"format": "png"})");
    QTest::newRow("thumbnail tile") << Operation::Thumbnail << json(R"({"tile": {"columns": 4, "rows": 3}, "count": 10})")
                                    << json(R"({"format": "png", "count": 10, "tile": {"columns": 4, "rows": 3}})");
    QTest::newRow("trim") << Operation::Trim << json(R"({"end_time": 5})") << json(R"({"start_time": 0, "end_time": 5, "accurate": false})");
    QTest::newRow("concat") << Operation::Concat << QJsonObject() << QJsonObject();
    QTest::newRow("concat with count") << Operation::Concat << json(R"({"file_count": 3, "target_format": "mp3"})")
                                       << json(R"({"file_count": 3, "target_format": "mp3"})");
    QTest::newRow("gif") << Operation::Gif << json(R"({"duration": 3})") << json(R"({"start_time": 0, "duration": 3, "fps": 10, "optimize": true})");
    QTest::newRow("filter entries get their defaults")
            << Operation::Filter << json(R"({"filters": [{"type": "fade", "in_seconds": 1}, {"type": "flip"}, {"type": "normalize"}]})")
            << json(R"({"filters": [{"type": "fade", "in_seconds": 1, "out_seconds": 0}, {"type": "flip", "direction": "h"}, {"type": "normalize"}]})");
    QTest::newRow("extract_subtitles") << Operation::ExtractSubtitles << QJsonObject() << json(R"({"subtitle_index": 0, "format": "srt"})");
    QTest::newRow("burn_subtitles") << Operation::BurnSubtitles << QJsonObject() << json(R"({"subtitle_index": 0})");
    QTest::newRow("probe") << Operation::Probe << QJsonObject() << QJsonObject();
}

void TestOperations::defaults()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    QFETCH(QJsonObject, normalized);
    const auto result = validateOptions(operation, options);
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(*result, normalized);
    // Normalizing is idempotent: the job store may validate a stored job again.
    const auto again = validateOptions(operation, *result);
    QVERIFY(again.ok());
    QCOMPARE(*again, normalized);
}

void TestOperations::aliases_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");

    QTest::newRow("jpg") << Operation::Thumbnail << json(R"({"format": "jpg"})") << u"format"_s << u"jpeg"_s;
    QTest::newRow("JPG") << Operation::Thumbnail << json(R"({"format": "JPG"})") << u"format"_s << u"jpeg"_s;
    QTest::newRow("MP4") << Operation::Convert << json(R"({"target_format": "MP4"})") << u"target_format"_s << u"mp4"_s;
    QTest::newRow("Medium") << Operation::Compress << json(R"({"preset": "Medium"})") << u"preset"_s << u"medium"_s;
    const QList<std::tuple<const char *, const char *, const char *, const char *>> codecs{
        {"webm", "video_codec", "libvpx-vp9", "vp9"},  {"webm", "video_codec", "vp9", "vp9"},
        {"webm", "video_codec", "libvpx", "vp8"},      {"mp4", "video_codec", "libx264", "h264"},
        {"mp4", "video_codec", "H264", "h264"},        {"mp4", "video_codec", "avc", "h264"},
        {"mp4", "video_codec", "libx265", "hevc"},     {"mkv", "video_codec", "h265", "hevc"},
        {"mkv", "video_codec", "libaom-av1", "av1"},   {"mkv", "video_codec", "libsvtav1", "av1"},
        {"avi", "video_codec", "libxvid", "mpeg4"},    {"webm", "audio_codec", "libopus", "opus"},
        {"webm", "audio_codec", "libvorbis", "vorbis"}, {"mp3", "audio_codec", "libmp3lame", "mp3"},
        {"wav", "audio_codec", "pcm", "pcm_s16le"},    {"m4a", "audio_codec", "alac", "alac"},
        {"flac", "audio_codec", "flac", "flac"},       {"mp4", "audio_codec", "aac", "aac"},
    };
    for (const auto &[format, key, name, codec] : codecs) {
        QJsonObject options{{u"target_format"_s, QString::fromUtf8(format)}, {QString::fromUtf8(key), QString::fromUtf8(name)}};
        QTest::addRow("%s %s in %s", key, name, format) << Operation::Convert << options << QString::fromUtf8(key) << QString::fromUtf8(codec);
    }
    QTest::newRow("webvtt") << Operation::ExtractSubtitles << json(R"({"format": "webvtt"})") << u"format"_s << u"vtt"_s;
    QTest::newRow("ssa") << Operation::ExtractSubtitles << json(R"({"format": "ssa"})") << u"format"_s << u"ass"_s;
    QTest::newRow("subrip") << Operation::ExtractSubtitles << json(R"({"format": "subrip"})") << u"format"_s << u"srt"_s;
}

void TestOperations::aliases()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    QFETCH(QString, key);
    QFETCH(QString, value);
    const auto result = validateOptions(operation, options);
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(result->value(key).toString(), value);
}

void TestOperations::integralNumbersAreIntegers()
{
    // JSON has one number type: 23.0 is the integer 23, not a fraction to refuse.
    const auto compress = validateOptions(Operation::Compress, json(R"({"crf": 23.0, "max_width": 1.28e3})"));
    QVERIFY2(compress.ok(), compress.ok() ? "" : qPrintable(compress.error().message));
    QCOMPARE(compress->value("crf"_L1).toInteger(), 23);
    QCOMPARE(QJsonDocument(*compress).toJson(QJsonDocument::Compact), QByteArray(R"({"crf":23,"max_width":1280,"preset":"medium"})"));
    const auto tile = validateOptions(Operation::Thumbnail, json(R"({"tile": {"columns": 2.0, "rows": 3}})"));
    QVERIFY(tile.ok());
    QCOMPARE(tile->value("tile"_L1)["columns"_L1].toInteger(), 2);
}

void TestOperations::invalid_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QStringList>("paths");

    const auto row = [](const char *name, Operation operation, const char *options, const QStringList &paths) {
        QTest::newRow(name) << operation << json(options) << paths;
    };
    const auto one = [](const char *path) { return QStringList{QString::fromUtf8(path)}; };

    // speed
    row("speed_factor missing", Operation::Speed, "{}", one("options.speed_factor"));
    row("speed_factor below 0.25", Operation::Speed, R"({"speed_factor": 0.2})", one("options.speed_factor"));
    row("speed_factor above 10", Operation::Speed, R"({"speed_factor": 10.5})", one("options.speed_factor"));
    row("speed_factor as text", Operation::Speed, R"({"speed_factor": "2"})", one("options.speed_factor"));
    row("maintain_pitch as text", Operation::Speed, R"({"speed_factor": 2, "maintain_pitch": "yes"})", one("options.maintain_pitch"));
    row("maintain_pitch as number", Operation::Speed, R"({"speed_factor": 2, "maintain_pitch": 1})", one("options.maintain_pitch"));
    row("speed unknown option", Operation::Speed, R"({"speed_factor": 2, "pitch": true})", one("options.pitch"));
    // compress
    row("preset unknown", Operation::Compress, R"({"preset": "ultra"})", one("options.preset"));
    row("crf 52", Operation::Compress, R"({"crf": 52})", one("options.crf"));
    row("crf negative", Operation::Compress, R"({"crf": -1})", one("options.crf"));
    row("crf fractional", Operation::Compress, R"({"crf": 23.5})", one("options.crf"));
    row("crf as text", Operation::Compress, R"({"crf": "23"})", one("options.crf"));
    row("crf as bool", Operation::Compress, R"({"crf": true})", one("options.crf"));
    row("video bitrate too low", Operation::Compress, R"({"video_bitrate_kbps": 7})", one("options.video_bitrate_kbps"));
    row("video bitrate too high", Operation::Compress, R"({"video_bitrate_kbps": 200001})", one("options.video_bitrate_kbps"));
    row("audio bitrate too high", Operation::Compress, R"({"audio_bitrate_kbps": 600})", one("options.audio_bitrate_kbps"));
    row("max_width too small", Operation::Compress, R"({"max_width": 15})", one("options.max_width"));
    row("max_width beyond 8K", Operation::Compress, R"({"max_width": 7681})", one("options.max_width"));
    row("max_height zero", Operation::Compress, R"({"max_height": 0})", one("options.max_height"));
    row("compress to mp3", Operation::Compress, R"({"target_format": "mp3"})", one("options.target_format"));
    row("raw ffmpeg arguments", Operation::Compress, R"({"ffmpeg_args": ["-i", "/etc/passwd"]})", one("options.ffmpeg_args"));
    row("every offending field", Operation::Compress, R"({"zzz": 1, "crf": 99, "preset": "x", "max_width": "big"})",
        QStringList{u"options.zzz"_s, u"options.preset"_s, u"options.crf"_s, u"options.max_width"_s});
    // extract_audio
    row("format unknown", Operation::ExtractAudio, R"({"format": "wma"})", one("options.format"));
    row("bitrate too low", Operation::ExtractAudio, R"({"bitrate_kbps": 4})", one("options.bitrate_kbps"));
    row("sample_rate not offered", Operation::ExtractAudio, R"({"sample_rate": 12345})", one("options.sample_rate"));
    row("sample_rate fractional", Operation::ExtractAudio, R"({"sample_rate": 44100.5})", one("options.sample_rate"));
    row("sample_rate huge", Operation::ExtractAudio, R"({"sample_rate": 1e300})", one("options.sample_rate"));
    row("wav has no bitrate", Operation::ExtractAudio, R"({"format": "wav", "bitrate_kbps": 128})", one("options.bitrate_kbps"));
    row("flac has no bitrate", Operation::ExtractAudio, R"({"format": "flac", "bitrate_kbps": 128})", one("options.bitrate_kbps"));
    row("mp3 at 96 kHz", Operation::ExtractAudio, R"({"sample_rate": 96000})", one("options.sample_rate"));
    row("opus at 44.1 kHz", Operation::ExtractAudio, R"({"format": "opus", "sample_rate": 44100})", one("options.sample_rate"));
    // remove_audio
    row("keep_video_quality as text", Operation::RemoveAudio, R"({"keep_video_quality": "false"})", one("options.keep_video_quality"));
    // convert
    row("target_format missing", Operation::Convert, "{}", one("options.target_format"));
    row("target_format unknown", Operation::Convert, R"({"target_format": "exe"})", one("options.target_format"));
    row("codec not on the whitelist", Operation::Convert, R"({"target_format": "mkv", "video_codec": "libfoo"})", one("options.video_codec"));
    row("encoder options are not codecs", Operation::Convert, R"({"target_format": "mkv", "video_codec": "libx264 -preset slow"})",
        one("options.video_codec"));
    row("video codec as audio codec", Operation::Convert, R"({"target_format": "mkv", "audio_codec": "h264"})", one("options.audio_codec"));
    row("audio codec as video codec", Operation::Convert, R"({"target_format": "mkv", "video_codec": "aac"})", one("options.video_codec"));
    row("h264 in webm", Operation::Convert, R"({"target_format": "webm", "video_codec": "libx264"})", one("options.video_codec"));
    row("aac in webm", Operation::Convert, R"({"target_format": "webm", "audio_codec": "aac"})", one("options.audio_codec"));
    row("both refused by webm", Operation::Convert, R"({"target_format": "webm", "video_codec": "hevc", "audio_codec": "mp3"})",
        QStringList{u"options.video_codec"_s, u"options.audio_codec"_s});
    row("vp9 in avi", Operation::Convert, R"({"target_format": "avi", "video_codec": "vp9"})", one("options.video_codec"));
    row("opus in flv", Operation::Convert, R"({"target_format": "flv", "audio_codec": "opus"})", one("options.audio_codec"));
    row("flac in mp4", Operation::Convert, R"({"target_format": "mp4", "audio_codec": "flac"})", one("options.audio_codec"));
    row("vp8 in mov", Operation::Convert, R"({"target_format": "mov", "video_codec": "vp8"})", one("options.video_codec"));
    row("video codec for mp3", Operation::Convert, R"({"target_format": "mp3", "video_codec": "h264"})", one("options.video_codec"));
    row("aac for mp3", Operation::Convert, R"({"target_format": "mp3", "audio_codec": "aac"})", one("options.audio_codec"));
    row("vorbis for opus", Operation::Convert, R"({"target_format": "opus", "audio_codec": "vorbis"})", one("options.audio_codec"));
    row("codec for gif", Operation::Convert, R"({"target_format": "gif", "video_codec": "h264"})", one("options.video_codec"));
    row("stream_copy as text", Operation::Convert, R"({"target_format": "mkv", "stream_copy": "true"})", one("options.stream_copy"));
    // thumbnail
    row("timestamp negative", Operation::Thumbnail, R"({"timestamp": -1})", one("options.timestamp"));
    row("timestamp beyond a day", Operation::Thumbnail, R"({"timestamp": 86401})", one("options.timestamp"));
    row("count zero", Operation::Thumbnail, R"({"count": 0})", one("options.count"));
    row("count 21", Operation::Thumbnail, R"({"count": 21})", one("options.count"));
    row("count fractional", Operation::Thumbnail, R"({"count": 2.5})", one("options.count"));
    row("image format unknown", Operation::Thumbnail, R"({"format": "bmp"})", one("options.format"));
    row("width too small", Operation::Thumbnail, R"({"width": 8})", one("options.width"));
    row("height too large", Operation::Thumbnail, R"({"height": 8000})", one("options.height"));
    row("timestamp and count", Operation::Thumbnail, R"({"timestamp": 1, "count": 3})", one("options.count"));
    row("tile with timestamp", Operation::Thumbnail, R"({"timestamp": 1, "tile": {"columns": 2, "rows": 2}})", one("options.tile"));
    row("tile columns zero", Operation::Thumbnail, R"({"tile": {"columns": 0, "rows": 2}})", one("options.tile.columns"));
    row("tile rows 11", Operation::Thumbnail, R"({"tile": {"columns": 2, "rows": 11}})", one("options.tile.rows"));
    row("tile rows missing", Operation::Thumbnail, R"({"tile": {"columns": 2}})", one("options.tile.rows"));
    row("tile unknown member", Operation::Thumbnail, R"({"tile": {"columns": 2, "rows": 2, "gap": 4}})", one("options.tile.gap"));
    row("tile not an object", Operation::Thumbnail, R"({"tile": "3x2"})", one("options.tile"));
    row("more frames than cells", Operation::Thumbnail, R"({"count": 5, "tile": {"columns": 2, "rows": 2}})", one("options.count"));
    // trim
    row("start_time negative", Operation::Trim, R"({"start_time": -1, "end_time": 2})", one("options.start_time"));
    row("end_time zero", Operation::Trim, R"({"end_time": 0})", one("options.end_time"));
    row("end_time equal to start", Operation::Trim, R"({"start_time": 5, "end_time": 5})", one("options.end_time"));
    row("end_time before start", Operation::Trim, R"({"start_time": 5, "end_time": 3})", one("options.end_time"));
    row("accurate as text", Operation::Trim, R"({"end_time": 3, "accurate": "no"})", one("options.accurate"));
    // concat
    row("file_count 1", Operation::Concat, R"({"file_count": 1})", one("options.file_count"));
    row("file_count 51", Operation::Concat, R"({"file_count": 51})", one("options.file_count"));
    row("concat to gif", Operation::Concat, R"({"target_format": "gif"})", one("options.target_format"));
    row("concat inputs are not options", Operation::Concat, R"({"inputs": []})", one("options.inputs"));
    // gif
    row("gif duration missing", Operation::Gif, "{}", one("options.duration"));
    row("gif duration zero", Operation::Gif, R"({"duration": 0})", one("options.duration"));
    row("gif duration 31", Operation::Gif, R"({"duration": 31})", one("options.duration"));
    row("gif fps zero", Operation::Gif, R"({"duration": 1, "fps": 0})", one("options.fps"));
    row("gif fps 31", Operation::Gif, R"({"duration": 1, "fps": 31})", one("options.fps"));
    row("gif fps fractional", Operation::Gif, R"({"duration": 1, "fps": 12.5})", one("options.fps"));
    row("gif width too small", Operation::Gif, R"({"duration": 1, "width": 15})", one("options.width"));
    row("gif start negative", Operation::Gif, R"({"duration": 1, "start_time": -0.5})", one("options.start_time"));
    row("gif optimize as number", Operation::Gif, R"({"duration": 1, "optimize": 0})", one("options.optimize"));
    // filter
    row("filters missing", Operation::Filter, "{}", one("options.filters"));
    row("filters empty", Operation::Filter, R"({"filters": []})", one("options.filters"));
    row("filters not an array", Operation::Filter, R"({"filters": {"type": "scale"}})", one("options.filters"));
    row("filters as a string", Operation::Filter, R"({"filters": "scale=640:-1"})", one("options.filters"));
    row("filter not an object", Operation::Filter, R"({"filters": ["grayscale"]})", one("options.filters[0]"));
    row("filter type missing", Operation::Filter, R"({"filters": [{"width": 640}]})", one("options.filters[0].type"));
    row("filter type unknown", Operation::Filter, R"({"filters": [{"type": "grayscale"}, {"type": "blur"}]})", one("options.filters[1].type"));
    row("filter type not text", Operation::Filter, R"({"filters": [{"type": 5}]})", one("options.filters[0].type"));
    row("scale without sizes", Operation::Filter, R"({"filters": [{"type": "scale"}]})", one("options.filters[0]"));
    row("scale odd width", Operation::Filter, R"({"filters": [{"type": "scale", "width": 641}]})", one("options.filters[0].width"));
    row("scale too tall", Operation::Filter, R"({"filters": [{"type": "scale", "height": 7682}]})", one("options.filters[0].height"));
    row("scale expression", Operation::Filter, R"({"filters": [{"type": "scale", "width": "iw/2"}]})", one("options.filters[0].width"));
    row("rotate without angle", Operation::Filter, R"({"filters": [{"type": "rotate"}]})", one("options.filters[0].angle"));
    row("rotate too far", Operation::Filter, R"({"filters": [{"type": "rotate", "angle": 400}]})", one("options.filters[0].angle"));
    row("rotate angle as text", Operation::Filter, R"({"filters": [{"type": "scale", "width": 640}, {"type": "rotate", "angle": "90"}]})",
        one("options.filters[1].angle"));
    row("crop without height", Operation::Filter, R"({"filters": [{"type": "crop", "width": 640}]})", one("options.filters[0].height"));
    row("crop odd width", Operation::Filter, R"({"filters": [{"type": "crop", "width": 641, "height": 480}]})", one("options.filters[0].width"));
    row("crop x negative", Operation::Filter, R"({"filters": [{"type": "crop", "width": 640, "height": 480, "x": -1}]})", one("options.filters[0].x"));
    row("crop unknown member", Operation::Filter, R"({"filters": [{"type": "crop", "width": 640, "height": 480, "left": 4}]})",
        one("options.filters[0].left"));
    row("fps below 1", Operation::Filter, R"({"filters": [{"type": "fps", "fps": 0.5}]})", one("options.filters[0].fps"));
    row("fps above 240", Operation::Filter, R"({"filters": [{"type": "fps", "fps": 241}]})", one("options.filters[0].fps"));
    row("volume without level", Operation::Filter, R"({"filters": [{"type": "volume"}]})", one("options.filters[0]"));
    row("volume with both", Operation::Filter, R"({"filters": [{"type": "volume", "volume": 2, "gain_db": 3}]})", one("options.filters[0].gain_db"));
    row("volume factor above 20", Operation::Filter, R"({"filters": [{"type": "volume", "volume": 21}]})", one("options.filters[0].volume"));
    row("volume factor negative", Operation::Filter, R"({"filters": [{"type": "volume", "volume": -1}]})", one("options.filters[0].volume"));
    row("gain below -60", Operation::Filter, R"({"filters": [{"type": "volume", "gain_db": -61}]})", one("options.filters[0].gain_db"));
    row("gain above 30", Operation::Filter, R"({"filters": [{"type": "volume", "gain_db": 31}]})", one("options.filters[0].gain_db"));
    row("flip diagonal", Operation::Filter, R"({"filters": [{"type": "flip", "direction": "d"}]})", one("options.filters[0].direction"));
    row("fade of nothing", Operation::Filter, R"({"filters": [{"type": "fade"}]})", one("options.filters[0]"));
    row("fade in negative", Operation::Filter, R"({"filters": [{"type": "fade", "in_seconds": -1}]})", one("options.filters[0].in_seconds"));
    row("fade out over an hour", Operation::Filter, R"({"filters": [{"type": "fade", "out_seconds": 3601}]})", one("options.filters[0].out_seconds"));
    row("normalize takes no options", Operation::Filter, R"({"filters": [{"type": "normalize", "target": -23}]})", one("options.filters[0].target"));
    row("grayscale takes no options", Operation::Filter, R"({"filters": [{"type": "grayscale", "amount": 1}]})", one("options.filters[0].amount"));
    row("picture filter into sound", Operation::Filter, R"({"filters": [{"type": "volume", "volume": 2}, {"type": "grayscale"}], "target_format": "mp3"})",
        one("options.filters[1].type"));
    row("filter into gif", Operation::Filter, R"({"filters": [{"type": "grayscale"}], "target_format": "gif"})", one("options.target_format"));
    row("every offending filter", Operation::Filter,
        R"({"filters": [{"type": "scale", "width": 3}, {"type": "grayscale"}, {"type": "volume"}, {"type": "what"}]})",
        QStringList{u"options.filters[0].width"_s, u"options.filters[2]"_s, u"options.filters[3].type"_s});
    // subtitles and probe
    row("subtitle_index negative", Operation::ExtractSubtitles, R"({"subtitle_index": -1})", one("options.subtitle_index"));
    row("subtitle_index 100", Operation::ExtractSubtitles, R"({"subtitle_index": 100})", one("options.subtitle_index"));
    row("subtitle_index fractional", Operation::ExtractSubtitles, R"({"subtitle_index": 1.5})", one("options.subtitle_index"));
    row("subtitle format unknown", Operation::ExtractSubtitles, R"({"format": "sub"})", one("options.format"));
    row("burn takes no format", Operation::BurnSubtitles, R"({"format": "srt"})", one("options.format"));
    row("burn index as text", Operation::BurnSubtitles, R"({"subtitle_index": "0"})", one("options.subtitle_index"));
    row("burn takes no file", Operation::BurnSubtitles, R"({"subtitle_file": "/etc/passwd"})", one("options.subtitle_file"));
    row("probe takes nothing", Operation::Probe, R"({"show_frames": true})", one("options.show_frames"));
}

void TestOperations::invalid()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    QFETCH(QStringList, paths);
    const auto result = validateOptions(operation, options);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, ErrorCode::ValidationError);
    QCOMPARE(pathsOf(result.error()), paths);
    QVERIFY(result.error().message.startsWith(paths.first() + u": "_s));
    for (const QJsonValue &detail : result.error().details.toArray())
        QVERIFY(!detail["message"_L1].toString().isEmpty());
}

void TestOperations::errorNamesEveryPath()
{
    const auto one = validateOptions(Operation::Compress, json(R"({"crf": 60})"));
    QVERIFY(!one.ok());
    QCOMPARE(one.error().message, u"options.crf: must be an integer from 0 to 51"_s);
    QCOMPARE(one.error().details.toArray(),
             (QJsonArray{QJsonObject{{u"path"_s, u"options.crf"_s}, {u"message"_s, u"must be an integer from 0 to 51"_s}}}));
    const QJsonObject wire = one.error().toJson();
    QCOMPARE(wire.value("code"_L1).toString(), u"VALIDATION_ERROR"_s);
    QVERIFY(wire.value("details"_L1).isArray());

    const auto three = validateOptions(Operation::Gif, json(R"({"duration": 40, "fps": 0, "width": 2})"));
    QVERIFY(!three.ok());
    QCOMPARE(three.error().message, u"options.duration: must be a number greater than 0 and at most 30 (and 2 more)"_s);

    const auto tooMany = validateOptions(Operation::Filter, QJsonDocument::fromJson(filtersWith(21).toUtf8()).object());
    QVERIFY(!tooMany.ok());
    QCOMPARE(pathsOf(tooMany.error()), QStringList{u"options.filters"_s});
    QVERIFY(validateOptions(Operation::Filter, QJsonDocument::fromJson(filtersWith(20).toUtf8()).object()).ok());
}

void TestOperations::pictureBoundsRefuseOversizedOutputs_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("limit");   // the message names the limit

    // Issue 8, defect 4: this made a 16000x16000 PNG and 2.9 GiB of ffmpeg memory.
    QTest::newRow("contact sheet 10x10 of 1600 px (the reported attack)")
            << Operation::Thumbnail << json(R"({"tile": {"columns": 10, "rows": 10}, "width": 1600})")
            << u"options.width"_s << u"16000 pixels wide (10 columns of 1600); the limit is 7680"_s;
    QTest::newRow("contact sheet 10 rows of 800 px")
            << Operation::Thumbnail << json(R"({"tile": {"columns": 1, "rows": 10}, "height": 800})")
            << u"options.height"_s << u"the limit is 7680"_s;
    QTest::newRow("contact sheet sides within, pixels beyond")
            << Operation::Thumbnail << json(R"({"tile": {"columns": 10, "rows": 10}, "width": 768, "height": 768})")
            << u"options.tile"_s << u"33.2 Mpx (7680x4320)"_s;
    QTest::newRow("one image of 7680x7680")
            << Operation::Thumbnail << json(R"({"width": 7680, "height": 7680})")
            << u"options.height"_s << u"33.2 Mpx (7680x4320)"_s;
    // Issue 8, defect 4: this grew its output by 21 MiB/s.
    QTest::newRow("gif 7680 px wide (the reported attack)")
            << Operation::Gif << json(R"({"duration": 30, "fps": 30, "width": 7680})")
            << u"options.width"_s << u"from 16 to 1920"_s;
    QTest::newRow("scale to 7680x7680")
            << Operation::Filter << json(R"({"filters": [{"type": "scale", "width": 7680, "height": 7680}]})")
            << u"options.filters[0]"_s << u"33.2 Mpx (7680x4320)"_s;
}

void TestOperations::pictureBoundsRefuseOversizedOutputs()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    QFETCH(QString, path);
    QFETCH(QString, limit);
    const auto result = validateOptions(operation, options);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, ErrorCode::ValidationError);
    QCOMPARE(pathsOf(result.error()), QStringList{path});
    QVERIFY2(result.error().message.contains(limit), qPrintable(result.error().message));
}

void TestOperations::pictureBoundsAcceptOutputsAtTheLimit_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QJsonObject>("options");

    QTest::newRow("contact sheet 10x10 of 768 px wide") << Operation::Thumbnail << json(R"({"tile": {"columns": 10, "rows": 10}, "width": 768})");
    QTest::newRow("contact sheet 10x10 of 768x432") << Operation::Thumbnail << json(R"({"tile": {"columns": 10, "rows": 10}, "width": 768, "height": 432})");
    QTest::newRow("one image of 7680x4320") << Operation::Thumbnail << json(R"({"width": 7680, "height": 4320})");
    QTest::newRow("gif 1920 px wide") << Operation::Gif << json(R"({"duration": 30, "fps": 30, "width": 1920})");
    QTest::newRow("scale to 4320x7680") << Operation::Filter << json(R"({"filters": [{"type": "scale", "width": 4320, "height": 7680}]})");
}

void TestOperations::pictureBoundsAcceptOutputsAtTheLimit()
{
    QFETCH(Operation, operation);
    QFETCH(QJsonObject, options);
    const auto result = validateOptions(operation, options);
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
}

void TestOperations::parseOptionValue_data()
{
    QTest::addColumn<Operation>("operation");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QJsonValue>("expected");   // undefined: an error naming options.<key>

    const QJsonValue error = QJsonValue::Undefined;
    QTest::newRow("integer") << Operation::Compress << u"crf"_s << u"23"_s << QJsonValue(23);
    QTest::newRow("integer written as a decimal") << Operation::Compress << u"crf"_s << u"23.0"_s << QJsonValue(23);
    QTest::newRow("integer with spaces") << Operation::Compress << u"crf"_s << u" 23 "_s << QJsonValue(23);
    QTest::newRow("integer fractional") << Operation::Compress << u"crf"_s << u"23.5"_s << error;
    QTest::newRow("integer out of range") << Operation::Compress << u"crf"_s << u"99"_s << error;
    QTest::newRow("integer from words") << Operation::Compress << u"crf"_s << u"twenty"_s << error;
    QTest::newRow("number") << Operation::Speed << u"speed_factor"_s << u"1.5"_s << QJsonValue(1.5);
    QTest::newRow("number with a comma") << Operation::Speed << u"speed_factor"_s << u"1,5"_s << error;
    QTest::newRow("true") << Operation::Speed << u"maintain_pitch"_s << u"true"_s << QJsonValue(true);
    QTest::newRow("yes") << Operation::Speed << u"maintain_pitch"_s << u"yes"_s << QJsonValue(true);
    QTest::newRow("off") << Operation::Speed << u"maintain_pitch"_s << u"OFF"_s << QJsonValue(false);
    QTest::newRow("0") << Operation::Trim << u"accurate"_s << u"0"_s << QJsonValue(false);
    QTest::newRow("maybe") << Operation::Trim << u"accurate"_s << u"maybe"_s << error;
    QTest::newRow("choice alias") << Operation::Thumbnail << u"format"_s << u"jpg"_s << QJsonValue(u"jpeg"_s);
    QTest::newRow("choice unknown") << Operation::Thumbnail << u"format"_s << u"gif"_s << error;
    QTest::newRow("codec from encoder name") << Operation::Convert << u"video_codec"_s << u"libvpx-vp9"_s << QJsonValue(u"vp9"_s);
    QTest::newRow("sample rate") << Operation::ExtractAudio << u"sample_rate"_s << u"48000"_s << QJsonValue(48000);
    QTest::newRow("sample rate not offered") << Operation::ExtractAudio << u"sample_rate"_s << u"48001"_s << error;
    QTest::newRow("tile shorthand") << Operation::Thumbnail << u"tile"_s << u"3x2"_s << jsonValue(R"({"columns": 3, "rows": 2})");
    QTest::newRow("tile JSON") << Operation::Thumbnail << u"tile"_s << uR"({"rows": 1, "columns": 4})"_s << jsonValue(R"({"columns": 4, "rows": 1})");
    QTest::newRow("tile too wide") << Operation::Thumbnail << u"tile"_s << u"11x2"_s << error;
    QTest::newRow("tile words") << Operation::Thumbnail << u"tile"_s << u"three by two"_s << error;
    QTest::newRow("filters JSON") << Operation::Filter << u"filters"_s << uR"([{"type": "flip"}])"_s
                                  << jsonValue(R"([{"type": "flip", "direction": "h"}])");
    QTest::newRow("filters as filter syntax") << Operation::Filter << u"filters"_s << u"hflip,vflip"_s << error;
    QTest::newRow("unknown key") << Operation::Compress << u"preset_name"_s << u"fast"_s << error;
    QTest::newRow("probe takes nothing") << Operation::Probe << u"format"_s << u"json"_s << error;
}

void TestOperations::parseOptionValue()
{
    QFETCH(Operation, operation);
    QFETCH(QString, key);
    QFETCH(QString, text);
    QFETCH(QJsonValue, expected);
    const auto result = Mediaforge::parseOptionValue(operation, key, text);
    if (expected.isUndefined()) {
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::ValidationError);
        // The path may go deeper (options.tile.columns) but starts at the option.
        QVERIFY(pathsOf(result.error()).value(0).startsWith(u"options."_s + key));
        return;
    }
    QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().message));
    QCOMPARE(*result, expected);
}

void TestOperations::schemaIntrospection()
{
    const auto names = [](const QList<OptionSpec> &specs) {
        QStringList list;
        for (const OptionSpec &spec : specs)
            list.append(spec.name);
        return list;
    };
    QCOMPARE(names(optionSpecs(Operation::Compress)),
             (QStringList{u"preset"_s, u"crf"_s, u"video_bitrate_kbps"_s, u"audio_bitrate_kbps"_s, u"max_width"_s,
                          u"max_height"_s, u"target_format"_s}));
    QVERIFY(optionSpecs(Operation::Probe).isEmpty());

    const QList<OptionSpec> compress = optionSpecs(Operation::Compress);
    QCOMPARE(compress.at(0).type, OptionType::Choice);
    QCOMPARE(compress.at(0).defaultValue, QJsonValue(u"medium"_s));
    QCOMPARE(compress.at(0).choices, (QStringList{u"low"_s, u"medium"_s, u"high"_s, u"custom"_s}));
    QCOMPARE(compress.at(1).type, OptionType::Integer);
    QCOMPARE(compress.at(1).minimum, 0.0);
    QCOMPARE(compress.at(1).maximum, 51.0);
    QVERIFY(compress.at(1).defaultValue.isUndefined());

    const QList<OptionSpec> speed = optionSpecs(Operation::Speed);
    QVERIFY(speed.at(0).required);
    QCOMPARE(speed.at(0).type, OptionType::Number);

    const QList<OptionSpec> thumbnail = optionSpecs(Operation::Thumbnail);
    const auto tile = std::find_if(thumbnail.begin(), thumbnail.end(), [](const OptionSpec &spec) { return spec.name == "tile"_L1; });
    QVERIFY(tile != thumbnail.end());
    QCOMPARE(tile->type, OptionType::Object);
    QCOMPARE(names(tile->fields), (QStringList{u"columns"_s, u"rows"_s}));

    QCOMPARE(filterTypes(), (QStringList{u"scale"_s, u"rotate"_s, u"crop"_s, u"fps"_s, u"volume"_s, u"normalize"_s,
                                         u"flip"_s, u"grayscale"_s, u"fade"_s, u"denoise"_s, u"sharpen"_s}));
    QCOMPARE(names(filterOptionSpecs(u"crop")), (QStringList{u"width"_s, u"height"_s, u"x"_s, u"y"_s}));
    QCOMPARE(names(filterOptionSpecs(u"volume")), (QStringList{u"volume"_s, u"gain_db"_s}));
    QVERIFY(filterOptionSpecs(u"grayscale").isEmpty());
    QVERIFY(filterOptionSpecs(u"blur").isEmpty());
}

void TestOperations::describeOptions()
{
    for (Operation operation : allOperations()) {
        const QStringList lines = Mediaforge::describeOptions(operation);
        QCOMPARE(lines.size(), optionSpecs(operation).size());
        for (qsizetype i = 0; i < lines.size(); ++i)
            QVERIFY2(lines.at(i).startsWith(optionSpecs(operation).at(i).name + u"  "_s), qPrintable(lines.at(i)));
    }
    const QStringList compress = Mediaforge::describeOptions(Operation::Compress);
    QVERIFY(compress.at(0).startsWith("preset  low|medium|high|custom (default medium)  "_L1));
    QVERIFY(compress.at(1).startsWith("crf  integer 0-51  "_L1));
    QVERIFY(Mediaforge::describeOptions(Operation::Speed).at(0).startsWith("speed_factor  number 0.25-10 (required)  "_L1));
    QVERIFY(Mediaforge::describeOptions(Operation::ExtractAudio).at(2).startsWith("sample_rate  integer 8000|16000|22050|44100|48000|96000  "_L1));
    QVERIFY(Mediaforge::describeOptions(Operation::Thumbnail).at(5).startsWith("tile  {columns integer 1-10, rows integer 1-10}  "_L1));
}

void TestOperations::codecNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<CodecKind>("kind");
    QTest::addColumn<QString>("codec");   // empty: not on the whitelist

    QTest::newRow("vp9") << u"vp9"_s << CodecKind::Video << u"vp9"_s;
    QTest::newRow("libvpx-vp9") << u"libvpx-vp9"_s << CodecKind::Video << u"vp9"_s;
    QTest::newRow("LIBX264") << u"LIBX264"_s << CodecKind::Video << u"h264"_s;
    QTest::newRow("libsvtav1") << u"libsvtav1"_s << CodecKind::Video << u"av1"_s;
    QTest::newRow("libopus as video") << u"libopus"_s << CodecKind::Video << QString();
    QTest::newRow("libopus") << u"libopus"_s << CodecKind::Audio << u"opus"_s;
    QTest::newRow("prores is not offered") << u"prores"_s << CodecKind::Video << QString();
    QTest::newRow("empty") << QString() << CodecKind::Audio << QString();
}

void TestOperations::codecNames()
{
    QFETCH(QString, name);
    QFETCH(CodecKind, kind);
    QFETCH(QString, codec);
    const auto canonical = canonicalCodecName(name, kind);
    QCOMPARE(canonical.value_or(QString()), codec);
    QCOMPARE(Mediaforge::codecNames(CodecKind::Video), (QStringList{u"h264"_s, u"hevc"_s, u"vp8"_s, u"vp9"_s, u"av1"_s, u"mpeg4"_s}));
    QCOMPARE(Mediaforge::codecNames(CodecKind::Audio),
             (QStringList{u"aac"_s, u"mp3"_s, u"opus"_s, u"vorbis"_s, u"flac"_s, u"alac"_s, u"pcm_s16le"_s}));
}

void TestOperations::containerTable_data()
{
    QTest::addColumn<QString>("format");
    QTest::addColumn<bool>("audioOnly");
    QTest::addColumn<QString>("video");
    QTest::addColumn<QString>("audio");
    QTest::addColumn<QStringList>("accepted");
    QTest::addColumn<QStringList>("refused");

    QTest::newRow("mp4") << u"mp4"_s << false << u"h264"_s << u"aac"_s << QStringList{u"h264"_s, u"hevc"_s, u"av1"_s, u"opus"_s, u"mp3"_s}
                         << QStringList{u"vp8"_s, u"flac"_s, u"vorbis"_s, u"subrip"_s};
    QTest::newRow("mov") << u"mov"_s << false << u"h264"_s << u"aac"_s << QStringList{u"hevc"_s, u"alac"_s, u"pcm_s16le"_s}
                         << QStringList{u"vp9"_s, u"opus"_s};
    QTest::newRow("mkv") << u"mkv"_s << false << u"h264"_s << u"aac"_s
                         << QStringList{u"h264"_s, u"vp9"_s, u"flac"_s, u"truehd"_s, u"subrip"_s, u"hdmv_pgs_subtitle"_s}
                         << QStringList{u"mov_text"_s};
    QTest::newRow("webm") << u"webm"_s << false << u"vp9"_s << u"opus"_s << QStringList{u"vp8"_s, u"av1"_s, u"vorbis"_s, u"webvtt"_s}
                          << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("avi") << u"avi"_s << false << u"h264"_s << u"aac"_s << QStringList{u"mpeg4"_s, u"mjpeg"_s, u"pcm_s16le"_s}
                         << QStringList{u"vp9"_s, u"opus"_s};
    QTest::newRow("flv") << u"flv"_s << false << u"h264"_s << u"aac"_s << QStringList{u"mp3"_s} << QStringList{u"hevc"_s, u"opus"_s};
    QTest::newRow("gif") << u"gif"_s << false << u"gif"_s << QString() << QStringList{u"gif"_s} << QStringList{u"h264"_s, u"aac"_s};
    QTest::newRow("mp3") << u"mp3"_s << true << QString() << u"mp3"_s << QStringList{u"mp3"_s} << QStringList{u"aac"_s, u"h264"_s};
    QTest::newRow("aac") << u"aac"_s << true << QString() << u"aac"_s << QStringList{u"aac"_s} << QStringList{u"mp3"_s};
    QTest::newRow("m4a") << u"m4a"_s << true << QString() << u"aac"_s << QStringList{u"alac"_s} << QStringList{u"mp3"_s, u"h264"_s};
    QTest::newRow("wav") << u"wav"_s << true << QString() << u"pcm_s16le"_s << QStringList{u"pcm_s24le"_s} << QStringList{u"aac"_s};
    QTest::newRow("opus") << u"opus"_s << true << QString() << u"opus"_s << QStringList{u"opus"_s} << QStringList{u"vorbis"_s};
    QTest::newRow("flac") << u"flac"_s << true << QString() << u"flac"_s << QStringList{u"flac"_s} << QStringList{u"alac"_s};
    QTest::newRow("ogg") << u"ogg"_s << true << QString() << u"vorbis"_s << QStringList{u"opus"_s, u"flac"_s} << QStringList{u"mp3"_s};
    QTest::newRow("unknown format") << u"exe"_s << false << QString() << QString() << QStringList() << QStringList{u"h264"_s};
}

void TestOperations::containerTable()
{
    QFETCH(QString, format);
    QFETCH(bool, audioOnly);
    QFETCH(QString, video);
    QFETCH(QString, audio);
    QFETCH(QStringList, accepted);
    QFETCH(QStringList, refused);
    QCOMPARE(isAudioOnlyFormat(format), audioOnly);
    QCOMPARE(defaultCodec(format, CodecKind::Video), video);
    QCOMPARE(defaultCodec(format, CodecKind::Audio), audio);
    for (const QString &codec : accepted)
        QVERIFY2(formatAcceptsCodec(format, codec), qPrintable(codec));
    for (const QString &codec : refused)
        QVERIFY2(!formatAcceptsCodec(format, codec), qPrintable(codec));
    // A container's own defaults always fit it.
    if (!video.isEmpty())
        QVERIFY(formatAcceptsCodec(format, video));
    if (!audio.isEmpty())
        QVERIFY(formatAcceptsCodec(format, audio));
    QCOMPARE(outputFormats().contains(format), format != "exe"_L1);
}

QTEST_GUILESS_MAIN(TestOperations)
#include "tst_operations.moc"
