// SPDX-License-Identifier: GPL-3.0-or-later
// Probe with the real ffprobe on media generated at test time (tests/support/testmedia.h).
//
// Playlists point at a FIFO that nobody writes: a program that opened it would block in
// open() until the probe time limit, so a fast UNSUPPORTED_INPUT proves it was never opened.
//
// The one fake: a script that execs `sleep`, standing in for an ffprobe stuck on a
// pathological input, for the time limit and for cancel() while ffprobe runs. Real ffprobe
// cannot be made to hang on a regular file while the whitelists are in place, which is the
// point of them.
#include "logging/logging.h"
#include "media/probe.h"
#include "testmedia.h"

#include <QDir>
#include <QElapsedTimer>
#include <QtEndian>
#include <QFile>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStringEncoder>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <functional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using Mediaforge::ErrorCode;
using Mediaforge::MediaInfo;
using Mediaforge::Probe;
using Mediaforge::StreamInfo;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(TestMedia::VideoSpec)

namespace {

const char kStuckProbe[] = "#!/bin/sh\n# Stand-in for a stuck ffprobe (see tst_probe.cpp).\nexec sleep 30\n";

// The name every playlist below refers to.
const QString kFifoName = QStringLiteral("fifo.ts");

bool processExists(qint64 pid)
{
    return QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid));
}

// True while some process has the FIFO open for reading (a non-blocking writer can open it).
bool fifoHasReader(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_NONBLOCK);
    if (fd < 0)
        return false;   // ENXIO: no reader
    ::close(fd);
    return true;
}

void writeFile(const QString &path, const QByteArray &contents)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(contents) != contents.size())
        qFatal("cannot write %s", qPrintable(path));
}

// An mp4 with a movie header and no track: a file ffprobe reads fine, with zero streams.
QByteArray mp4WithoutTracks()
{
    const auto u32 = [](quint32 value) {
        QByteArray bytes(4, '\0');
        qToBigEndian(value, bytes.data());
        return bytes;
    };
    const auto box = [&u32](const char *type, const QByteArray &payload) {
        QByteArray result = u32(quint32(8 + payload.size()));
        result.append(type, 4);
        result.append(payload);
        return result;
    };
    const QByteArray ftyp = box("ftyp", "isom" + u32(512) + "isomiso2mp41");
    QByteArray mvhd = u32(0) + u32(0) + u32(0) + u32(1000) + u32(2000);   // version/flags .. duration
    mvhd += u32(0x10000) + QByteArray("\x01\x00", 2) + QByteArray(10, '\0');   // rate, volume
    for (quint32 value : {0x10000u, 0u, 0u, 0u, 0x10000u, 0u, 0u, 0u, 0x40000000u})   // matrix
        mvhd += u32(value);
    mvhd += QByteArray(24, '\0') + u32(1);   // pre-defined, next track id
    return ftyp + box("moov", box("mvhd", mvhd));
}

struct ProbeRun
{
    Mediaforge::Result<MediaInfo> result{Mediaforge::Error{ErrorCode::InternalError, QString()}};
    qint64 milliseconds = 0;
    int finishedCount = 0;
};

} // namespace

class TestProbe : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void video_data();
    void video();
    void subtitleAndAudioLanguages();
    void audioFile();
    void standaloneSubtitleFile();
    void corruptFileIsUnsupported();
    void emptyFileIsUnsupported();
    void fileWithoutStreamsIsUnsupported();
    void oversizedProbeOutputIsRefused();
    void referenceFormatsAreRefusedUnopened_data();
    void referenceFormatsAreRefusedUnopened();
    void sniffLeavesMediaAndSubtitlesAlone_data();
    void sniffLeavesMediaAndSubtitlesAlone();
    void whitelistsRefuseWhatSniffingMisses_data();
    void whitelistsRefuseWhatSniffingMisses();
    void withoutWhitelistsThePlaylistIsFollowed();
    void timeoutKillsFfprobe();
    void cancelKillsRunningFfprobeSilently();
    void cancelRightAfterStartIsSilent();
    void cancelAfterRefusalIsSilent();

private:
    ProbeRun probe(const QString &path, std::chrono::milliseconds timeout = 20s,
                   const QString &program = QString());
    QString mediaDirectory() const { return m_root.filePath(QStringLiteral("media")); }
    QString newJobDirectory();

    QTemporaryDir m_root;
    QString m_ffprobe;
    QString m_stuckProbe;
    int m_jobs = 0;
};

void TestProbe::initTestCase()
{
    QVERIFY(m_root.isValid());
    QVERIFY(QDir().mkpath(mediaDirectory()));
    m_ffprobe = TestMedia::ffprobePath();
    QVERIFY2(!m_ffprobe.isEmpty(), "ffprobe not found");
    m_stuckProbe = m_root.filePath(QStringLiteral("stuck-ffprobe.sh"));
    writeFile(m_stuckProbe, kStuckProbe);
    QVERIFY(QFile::setPermissions(m_stuckProbe, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
}

QString TestProbe::newJobDirectory()
{
    const QString path = m_root.filePath(QStringLiteral("job-%1").arg(++m_jobs));
    QDir().mkpath(path);
    return path;
}

ProbeRun TestProbe::probe(const QString &path, std::chrono::milliseconds timeout, const QString &program)
{
    Probe probe(program.isEmpty() ? m_ffprobe : program);
    QSignalSpy finished(&probe, &Probe::finished);
    QElapsedTimer timer;
    timer.start();
    probe.start(path, timeout);
    ProbeRun run;
    if (!finished.wait(int(timeout.count()) + 10000))
        return run;
    run.milliseconds = timer.elapsed();
    QTest::qWait(50);   // a second finished() would arrive by now
    run.finishedCount = int(finished.size());
    run.result = probe.result();
    return run;
}

void TestProbe::video_data()
{
    QTest::addColumn<TestMedia::VideoSpec>("spec");
    QTest::addColumn<QString>("formatName");
    QTest::addColumn<QString>("videoCodec");
    QTest::addColumn<QString>("audioCodec");

    TestMedia::VideoSpec mp4;
    QTest::newRow("mp4 h264 aac 320x240 25fps 44.1k")
            << mp4 << QStringLiteral("mov,mp4,m4a,3gp,3g2,mj2") << QStringLiteral("h264") << QStringLiteral("aac");

    TestMedia::VideoSpec mkv;
    mkv.container = QStringLiteral("mkv");
    mkv.seconds = 1.5;
    mkv.width = 640;
    mkv.height = 360;
    mkv.fps = 30;
    mkv.sampleRate = 48000;
    QTest::newRow("mkv h264 aac 640x360 30fps 48k")
            << mkv << QStringLiteral("matroska,webm") << QStringLiteral("h264") << QStringLiteral("aac");

    TestMedia::VideoSpec webm;
    webm.container = QStringLiteral("webm");
    webm.seconds = 1;
    webm.width = 176;
    webm.height = 144;
    webm.fps = 15;
    webm.videoCodec = QStringLiteral("libvpx-vp9");
    webm.audioCodec = QStringLiteral("libopus");
    webm.sampleRate = 48000;
    QTest::newRow("webm vp9 opus 176x144 15fps")
            << webm << QStringLiteral("matroska,webm") << QStringLiteral("vp9") << QStringLiteral("opus");
}

void TestProbe::video()
{
    QFETCH(TestMedia::VideoSpec, spec);
    QFETCH(QString, formatName);
    QFETCH(QString, videoCodec);
    QFETCH(QString, audioCodec);

    const QString path = TestMedia::makeVideo(mediaDirectory(), spec);
    const ProbeRun run = probe(path);
    QCOMPARE(run.finishedCount, 1);
    QVERIFY2(run.result.ok(), qPrintable(run.result.ok() ? QString() : run.result.error().message));
    const MediaInfo &info = run.result.value();
    QCOMPARE(info.formatName, formatName);
    QVERIFY2(qAbs(info.duration - spec.seconds) < 0.1, qPrintable(QString::number(info.duration)));
    QCOMPARE(info.size, QFileInfo(path).size());
    QVERIFY(info.bitRate > 0);

    const StreamInfo *video = info.firstVideo();
    QVERIFY(video);
    QCOMPARE(video->codec, videoCodec);
    QCOMPARE(video->width, spec.width);
    QCOMPARE(video->height, spec.height);
    QCOMPARE(video->fps, double(spec.fps));
    QCOMPARE(video->pixelFormat, QStringLiteral("yuv420p"));

    const StreamInfo *audio = info.firstAudio();
    QVERIFY(audio);
    QCOMPARE(audio->codec, audioCodec);
    QCOMPARE(audio->sampleRate, spec.sampleRate);
    QCOMPARE(audio->channels, 1);   // lavfi sine is mono
    QVERIFY(info.subtitleStreams().isEmpty());
}

void TestProbe::subtitleAndAudioLanguages()
{
    TestMedia::VideoSpec spec;
    spec.container = QStringLiteral("mkv");
    spec.subtitles = true;
    const QString source = TestMedia::makeVideo(mediaDirectory(), spec);
    const QString path = QDir(newJobDirectory()).filePath(QStringLiteral("tagged.mkv"));
    QProcess remux;
    remux.start(TestMedia::ffmpegPath(),
                {QStringLiteral("-hide_banner"), QStringLiteral("-loglevel"), QStringLiteral("error"),
                 QStringLiteral("-nostdin"), QStringLiteral("-i"), source, QStringLiteral("-map"), QStringLiteral("0"),
                 QStringLiteral("-c"), QStringLiteral("copy"), QStringLiteral("-metadata:s:a:0"),
                 QStringLiteral("language=eng"), QStringLiteral("-metadata:s:s:0"), QStringLiteral("language=fra"),
                 path});
    QVERIFY(remux.waitForFinished(30000));
    QCOMPARE(remux.exitCode(), 0);

    const ProbeRun run = probe(path);
    QVERIFY(run.result.ok());
    const MediaInfo &info = run.result.value();
    QCOMPARE(info.streams.size(), 3);
    const QList<const StreamInfo *> subtitles = info.subtitleStreams();
    QCOMPARE(subtitles.size(), 1);
    QCOMPARE(subtitles.first()->codec, QStringLiteral("subrip"));
    QCOMPARE(subtitles.first()->language, QStringLiteral("fra"));
    QVERIFY(subtitles.first()->isTextSubtitle());
    QCOMPARE(info.firstAudio()->language, QStringLiteral("eng"));
    QCOMPARE(subtitles.first()->index, 2);
}

void TestProbe::audioFile()
{
    const QString path = TestMedia::makeAudio(mediaDirectory(), 1.5);
    const ProbeRun run = probe(path);
    QVERIFY(run.result.ok());
    const MediaInfo &info = run.result.value();
    QCOMPARE(info.formatName, QStringLiteral("mp3"));
    QVERIFY(!info.hasVideo());
    QVERIFY2(qAbs(info.duration - 1.5) < 0.1, qPrintable(QString::number(info.duration)));
    QCOMPARE(info.streams.size(), 1);
    QCOMPARE(info.firstAudio()->codec, QStringLiteral("mp3"));
    QCOMPARE(info.firstAudio()->sampleRate, 44100);
    QCOMPARE(info.firstAudio()->channels, 1);
}

void TestProbe::standaloneSubtitleFile()
{
    // Text, but not a playlist: the sniff must let it through to ffprobe.
    const ProbeRun run = probe(TestMedia::makeSrt(mediaDirectory(), 3));
    QVERIFY2(run.result.ok(), qPrintable(run.result.ok() ? QString() : run.result.error().message));
    QCOMPARE(run.result->formatName, QStringLiteral("srt"));
    QCOMPARE(run.result->subtitleStreams().size(), 1);
    QCOMPARE(run.result->subtitleStreams().first()->codec, QStringLiteral("subrip"));
}

void TestProbe::corruptFileIsUnsupported()
{
    const QString job = newJobDirectory();
    const QString path = QDir(job).filePath(QStringLiteral("corrupt.bin"));
    QRandomGenerator random(20261126);   // fixed: the same bytes on every run
    QByteArray bytes(64 * 1024, Qt::Uninitialized);
    random.fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    writeFile(path, bytes);

    const ProbeRun run = probe(path);
    QCOMPARE(run.finishedCount, 1);
    QVERIFY(!run.result.ok());
    QCOMPARE(run.result.error().code, ErrorCode::UnsupportedInput);
    QVERIFY(run.result.error().message.contains(QLatin1StringView("not a media file ffprobe can read")));
    // ffprobe's own words, with the job directory redacted.
    const QString detail = run.result.error().details.toObject().value(QLatin1StringView("ffprobe")).toString();
    QVERIFY2(detail.contains(QLatin1StringView("<job>/corrupt.bin")), qPrintable(detail));
    QVERIFY2(!detail.contains(job), qPrintable(detail));
}

void TestProbe::emptyFileIsUnsupported()
{
    const QString path = QDir(newJobDirectory()).filePath(QStringLiteral("empty.mp4"));
    writeFile(path, QByteArray());
    const ProbeRun run = probe(path);
    QCOMPARE(run.finishedCount, 1);
    QCOMPARE(run.result.error().code, ErrorCode::UnsupportedInput);
    QVERIFY(run.result.error().message.contains(QLatin1StringView("empty")));
}

void TestProbe::fileWithoutStreamsIsUnsupported()
{
    const QString path = QDir(newJobDirectory()).filePath(QStringLiteral("no-tracks.mp4"));
    writeFile(path, mp4WithoutTracks());
    // ffprobe itself is happy with it: the refusal is ours.
    QCOMPARE(TestMedia::formatOf(path), QStringLiteral("mov,mp4,m4a,3gp,3g2,mj2"));
    const ProbeRun run = probe(path);
    QVERIFY(!run.result.ok());
    QCOMPARE(run.result.error().code, ErrorCode::UnsupportedInput);
    QVERIFY(run.result.error().message.contains(QLatin1StringView("no streams")));
}

void TestProbe::oversizedProbeOutputIsRefused()
{
    // A 9 MiB comment tag makes ffprobe's JSON larger than the 8 MiB we accept.
    const QString job = newJobDirectory();
    const QString metadata = QDir(job).filePath(QStringLiteral("meta.txt"));
    writeFile(metadata, ";FFMETADATA1\ncomment=" + QByteArray(9 * 1024 * 1024, 'A') + '\n');
    const QString path = QDir(job).filePath(QStringLiteral("big-tag.mkv"));
    QProcess ffmpeg;
    ffmpeg.start(TestMedia::ffmpegPath(),
                 {QStringLiteral("-hide_banner"), QStringLiteral("-loglevel"), QStringLiteral("error"),
                  QStringLiteral("-nostdin"), QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                  QStringLiteral("testsrc2=size=64x48:duration=0.2"), QStringLiteral("-i"), metadata,
                  QStringLiteral("-map"), QStringLiteral("0:v"), QStringLiteral("-map_metadata"), QStringLiteral("1"),
                  QStringLiteral("-c:v"), QStringLiteral("libx264"), QStringLiteral("-preset"),
                  QStringLiteral("ultrafast"), path});
    QVERIFY(ffmpeg.waitForFinished(30000));
    QCOMPARE(ffmpeg.exitCode(), 0);

    const ProbeRun run = probe(path);
    QCOMPARE(run.finishedCount, 1);
    QVERIFY(!run.result.ok());
    QCOMPARE(run.result.error().code, ErrorCode::UnsupportedInput);
    QCOMPARE(run.result.error().details.toObject().value(QLatin1StringView("reason")).toString(),
             QStringLiteral("probe_output_limit"));
}

void TestProbe::referenceFormatsAreRefusedUnopened_data()
{
    QTest::addColumn<QByteArray>("contents");
    QTest::addColumn<QString>("detected");
    QTest::addColumn<QString>("named");   // what the message calls it

    QTest::newRow("HLS media playlist")
            << QByteArray("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nfifo.ts\n#EXT-X-ENDLIST\n")
            << QStringLiteral("hls") << QStringLiteral("HLS");
    QTest::newRow("HLS with BOM, CRLF and blank lines")
            << QByteArray("\xEF\xBB\xBF\r\n\r\n#EXTM3U\r\n#EXT-X-TARGETDURATION:2\r\n#EXTINF:2.0,\r\nfifo.ts\r\n")
            << QStringLiteral("hls") << QStringLiteral("HLS");
    QTest::newRow("HLS tags without #EXTM3U")
            << QByteArray("#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nfifo.ts\n") << QStringLiteral("hls")
            << QStringLiteral("HLS");
    QTest::newRow("extended M3U") << QByteArray("#EXTM3U\n#EXTINF:-1,Clip\nfifo.ts\n") << QStringLiteral("m3u")
                                  << QStringLiteral("M3U");
    QTest::newRow("M3U of absolute paths") << QByteArray("FIFO_PATH\n") << QStringLiteral("m3u") << QStringLiteral("M3U");
    QTest::newRow("M3U of relative paths") << QByteArray("./fifo.ts\n../x/fifo.ts\n") << QStringLiteral("m3u")
                                           << QStringLiteral("M3U");
    QTest::newRow("M3U of bare names") << QByteArray("fifo.ts\nother.mp4\n") << QStringLiteral("m3u")
                                       << QStringLiteral("M3U");
    QTest::newRow("M3U with comments first") << QByteArray("# my list\nfifo.ts\n") << QStringLiteral("m3u")
                                             << QStringLiteral("M3U");
    QTest::newRow("RTSP address") << QByteArray("rtsp://127.0.0.1:8554/cam\n") << QStringLiteral("url_list")
                                  << QStringLiteral("rtsp://");
    QTest::newRow("RTMP address") << QByteArray("  RTMP://127.0.0.1/live/key\n") << QStringLiteral("url_list")
                                  << QStringLiteral("rtmp://");
    QTest::newRow("file URL") << QByteArray("file://FIFO_PATH\n") << QStringLiteral("url_list")
                              << QStringLiteral("file://");
    QTest::newRow("DASH MPD")
            << QByteArray("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\" "
                          "mediaPresentationDuration=\"PT2S\" minBufferTime=\"PT1S\" "
                          "profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\"><Period><AdaptationSet>"
                          "<Representation id=\"1\" bandwidth=\"100000\" mimeType=\"video/mp2t\">"
                          "<BaseURL>fifo.ts</BaseURL></Representation></AdaptationSet></Period></MPD>\n")
            << QStringLiteral("dash") << QStringLiteral("DASH");
    QTest::newRow("ffconcat") << QByteArray("ffconcat version 1.0\nfile 'fifo.ts'\n") << QStringLiteral("ffconcat")
                              << QStringLiteral("ffconcat");
    QTest::newRow("concat list") << QByteArray("file 'fifo.ts'\nfile 'fifo.ts'\n") << QStringLiteral("concat")
                                 << QStringLiteral("concat");
    QTest::newRow("concat list with comment and directives")
            << QByteArray("# made by hand\nfile fifo.ts\ninpoint 1.0\noutpoint 2.0\n") << QStringLiteral("concat")
            << QStringLiteral("concat");
    QTest::newRow("SDP")
            << QByteArray("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=Mediaforge test\nc=IN IP4 127.0.0.1\nt=0 0\n"
                          "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n")
            << QStringLiteral("sdp") << QStringLiteral("SDP");
    QTest::newRow("PLS") << QByteArray("[playlist]\nFile1=fifo.ts\nTitle1=Clip\nNumberOfEntries=1\nVersion=2\n")
                         << QStringLiteral("pls") << QStringLiteral("PLS");
    QTest::newRow("ASX") << QByteArray("<ASX version=\"3.0\">\n<Entry><Ref href=\"fifo.ts\"/></Entry>\n</ASX>\n")
                         << QStringLiteral("asx") << QStringLiteral("ASX");
    QStringEncoder utf16(QStringEncoder::Utf16LE);
    const QByteArray asxUtf16 = QByteArray("\xFF\xFE")
            + QByteArray(utf16(QStringLiteral("<asx version=\"3.0\"><entry><ref href=\"fifo.ts\"/></entry></asx>")));
    QTest::newRow("ASX in UTF-16") << asxUtf16 << QStringLiteral("asx") << QStringLiteral("ASX");
    QTest::newRow("SMIL") << QByteArray("<smil>\n<body><seq><video src=\"fifo.ts\"/></seq></body>\n</smil>\n")
                          << QStringLiteral("smil") << QStringLiteral("SMIL");
    QTest::newRow("XSPF")
            << QByteArray("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<playlist version=\"1\" "
                          "xmlns=\"http://xspf.org/ns/0/\"><trackList><track><location>fifo.ts</location>"
                          "</track></trackList></playlist>\n")
            << QStringLiteral("xspf") << QStringLiteral("XSPF");
}

void TestProbe::referenceFormatsAreRefusedUnopened()
{
    QFETCH(QByteArray, contents);
    QFETCH(QString, detected);
    QFETCH(QString, named);

    const QString job = newJobDirectory();
    const QString fifo = QDir(job).filePath(kFifoName);
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    contents.replace("FIFO_PATH", QFile::encodeName(fifo));
    const QString path = QDir(job).filePath(QStringLiteral("input"));
    writeFile(path, contents);

    // Had anything opened the FIFO, it would block there until the 5 s limit: TIMEOUT.
    const ProbeRun run = probe(path, 5s);
    QCOMPARE(run.finishedCount, 1);
    QVERIFY(!run.result.ok());
    QCOMPARE(run.result.error().code, ErrorCode::UnsupportedInput);
    QVERIFY2(run.result.error().message.contains(named), qPrintable(run.result.error().message));
    QCOMPARE(run.result.error().details.toObject().value(QLatin1StringView("detected")).toString(), detected);
    QVERIFY(run.milliseconds < 3000);
    QVERIFY(!fifoHasReader(fifo));
    // The static check alone says the same.
    const std::optional<Mediaforge::Error> sniffed = Probe::sniffReferenceFormat(path);
    QVERIFY(sniffed.has_value());
    QCOMPARE(sniffed->message, run.result.error().message);
}

void TestProbe::sniffLeavesMediaAndSubtitlesAlone_data()
{
    QTest::addColumn<QByteArray>("contents");

    QTest::newRow("srt") << QByteArray("1\n00:00:00,100 --> 00:00:00,900\nHello\n\n2\n00:00:01,100 --> 00:00:01,900\nfile.mp4\n");
    QTest::newRow("webvtt") << QByteArray("WEBVTT\n\n00:00.100 --> 00:00.900\nsee http://example.com\n");
    QTest::newRow("ass") << QByteArray("[Script Info]\nTitle: x\nScriptType: v4.00+\n\n[Events]\n");
    QTest::newRow("microdvd") << QByteArray("{1}{25}Hello|World\n{26}{50}clip.mp4\n");
    QTest::newRow("plain sentence") << QByteArray("just some words, nothing more\n");
    QTest::newRow("html that is not a playlist") << QByteArray("<html><body>hello</body></html>\n");
    QTest::newRow("binary with a playlist word inside")
            << (QByteArray("\x00\x00\x00\x18", 4) + "ftypisom" + QByteArray(8, '\0') + "\n#EXT-X-VERSION:3\n");
    const QString video = TestMedia::makeVideo(mediaDirectory(), TestMedia::VideoSpec());
    QFile file(video);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(video));
    QTest::newRow("real mp4 head") << file.read(4096);
    QTest::newRow("real mp3 head") << [this] {
        QFile audio(TestMedia::makeAudio(mediaDirectory(), 1.5));
        return audio.open(QIODevice::ReadOnly) ? audio.read(4096) : QByteArray();
    }();
}

void TestProbe::sniffLeavesMediaAndSubtitlesAlone()
{
    QFETCH(QByteArray, contents);
    QVERIFY(!contents.isEmpty());
    const QString path = QDir(newJobDirectory()).filePath(QStringLiteral("input"));
    writeFile(path, contents);
    const std::optional<Mediaforge::Error> sniffed = Probe::sniffReferenceFormat(path);
    QVERIFY2(!sniffed.has_value(), qPrintable(sniffed ? sniffed->message : QString()));
}

void TestProbe::whitelistsRefuseWhatSniffingMisses_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QByteArray>("contents");

    const QByteArray hls("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nfifo.ts\n#EXT-X-ENDLIST\n");
    const QByteArray ffconcat("ffconcat version 1.0\nfile 'fifo.ts'\n");
    const QByteArray dash("<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\" "
                          "mediaPresentationDuration=\"PT2S\" minBufferTime=\"PT1S\" "
                          "profiles=\"urn:mpeg:dash:profile:isoff-on-demand:2011\"><Period><AdaptationSet>"
                          "<Representation id=\"1\" bandwidth=\"1\" mimeType=\"video/mp2t\"><BaseURL>fifo.ts"
                          "</BaseURL></Representation></AdaptationSet></Period></MPD>\n");
    const QByteArray sdp("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP 96\n"
                         "a=rtpmap:96 H264/90000\n");
    for (const QString &program : {QStringLiteral("ffprobe"), QStringLiteral("ffmpeg")}) {
        QTest::addRow("%s hls", qPrintable(program)) << program << hls;
        QTest::addRow("%s ffconcat", qPrintable(program)) << program << ffconcat;
        QTest::addRow("%s dash", qPrintable(program)) << program << dash;
        QTest::addRow("%s sdp", qPrintable(program)) << program << sdp;
    }
}

// Defense in depth, with the sniff out of the way: the exact ffprobe arguments Probe uses (and
// the same whitelists on ffmpeg's input) refuse the reference formats ffmpeg 5.1 would follow.
void TestProbe::whitelistsRefuseWhatSniffingMisses()
{
    QFETCH(QString, program);
    QFETCH(QByteArray, contents);

    const QString job = newJobDirectory();
    const QString fifo = QDir(job).filePath(kFifoName);
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const QString path = QDir(job).filePath(QStringLiteral("input"));
    writeFile(path, contents);

    QStringList arguments = Probe::arguments(path);
    QString executable = m_ffprobe;
    if (program == QLatin1StringView("ffmpeg")) {
        executable = TestMedia::ffmpegPath();
        const QStringList inputOptions = arguments.mid(arguments.indexOf(QStringLiteral("-protocol_whitelist")), 4);
        arguments = QStringList{QStringLiteral("-hide_banner"), QStringLiteral("-nostdin")} + inputOptions
                + QStringList{QStringLiteral("-i"), arguments.last(), QStringLiteral("-f"), QStringLiteral("null"),
                              QStringLiteral("-")};
    }
    QProcess process;
    process.start(executable, arguments);
    const bool ended = process.waitForFinished(5000);
    if (!ended) {
        process.kill();
        process.waitForFinished();
        QFAIL("blocked: it opened what the input refers to");
    }
    QVERIFY(process.exitCode() != 0);
    const QByteArray errors = process.readAllStandardError();
    QVERIFY2(errors.contains("not on whitelist"), errors.constData());

    // The same whitelists let real media through.
    QStringList mediaArguments = arguments;
    const QString media = QStringLiteral("file:") + TestMedia::makeVideo(mediaDirectory(), TestMedia::VideoSpec());
    mediaArguments.replace(mediaArguments.indexOf(QStringLiteral("file:") + path), media);
    process.start(executable, mediaArguments);
    QVERIFY(process.waitForFinished(20000));
    QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
}

// The control for the two tests above: the FIFO does catch a program that follows the
// playlist. Without the whitelists ffprobe opens the segment and blocks on it.
void TestProbe::withoutWhitelistsThePlaylistIsFollowed()
{
    const QString job = newJobDirectory();
    const QString fifo = QDir(job).filePath(kFifoName);
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const QString path = QDir(job).filePath(QStringLiteral("input"));
    writeFile(path, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nfifo.ts\n#EXT-X-ENDLIST\n");

    QProcess process;
    process.start(m_ffprobe, {QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("file:") + path});
    const bool opened = QTest::qWaitFor([&] { return fifoHasReader(fifo); }, 5000);
    process.kill();
    process.waitForFinished(5000);
    QVERIFY2(opened, "ffprobe without whitelists did not open the playlist's segment");
}

void TestProbe::timeoutKillsFfprobe()
{
    const QString path = TestMedia::makeVideo(mediaDirectory(), TestMedia::VideoSpec());
    Probe probe(m_stuckProbe);
    QSignalSpy finished(&probe, &Probe::finished);
    QElapsedTimer timer;
    timer.start();
    probe.start(path, 500ms);
    const qint64 pid = probe.processId();
    QVERIFY(pid > 0);
    QVERIFY(finished.wait(10000));
    QVERIFY2(timer.elapsed() >= 450 && timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(finished.size(), 1);
    QVERIFY(!probe.result().ok());
    QCOMPARE(probe.result().error().code, ErrorCode::Timeout);
    QCOMPARE(probe.result().error().details.toObject().value(QLatin1StringView("reason")).toString(),
             QStringLiteral("probe_time_limit"));
    QVERIFY(!processExists(pid));
    QCOMPARE(probe.processId(), 0);
}

void TestProbe::cancelKillsRunningFfprobeSilently()
{
    const QString path = TestMedia::makeVideo(mediaDirectory(), TestMedia::VideoSpec());
    Probe probe(m_stuckProbe);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(path, 10s);
    const qint64 pid = probe.processId();
    QVERIFY(pid > 0);
    QTest::qWait(200);
    QVERIFY(processExists(pid));
    probe.cancel();
    // Killed and reaped by cancel() itself.
    QVERIFY(!processExists(pid));
    QTest::qWait(500);
    QCOMPARE(finished.size(), 0);
}

void TestProbe::cancelRightAfterStartIsSilent()
{
    const QString path = TestMedia::makeVideo(mediaDirectory(), TestMedia::VideoSpec());
    Probe probe(m_ffprobe);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(path, 10s);
    const qint64 pid = probe.processId();
    QVERIFY(pid > 0);
    probe.cancel();
    QVERIFY(!processExists(pid));
    QTest::qWait(500);
    QCOMPARE(finished.size(), 0);

    // The same object probes again afterwards.
    probe.start(path, 10s);
    QVERIFY(finished.wait(10000));
    QVERIFY(probe.result().ok());
}

void TestProbe::cancelAfterRefusalIsSilent()
{
    const QString path = QDir(newJobDirectory()).filePath(QStringLiteral("list.m3u8"));
    writeFile(path, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
    Probe probe(m_ffprobe);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(path);   // refused at once; finished() is queued
    probe.cancel();
    QTest::qWait(300);
    QCOMPARE(finished.size(), 0);
}

QTEST_GUILESS_MAIN(TestProbe)
#include "tst_probe.moc"
