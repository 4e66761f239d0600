// SPDX-License-Identifier: GPL-3.0-or-later
// The long-lived mediaforge-prober (service/prober/) against ffprobe, both real, on media
// generated at test time: the service must not be able to tell them apart, in what they find
// and in how they fail. And the pool around it: a prober that is killed or hangs costs that one
// probe, and the next probe gets a fresh one.
//
// The one fake: a shell script in the prober's place that hangs (execs `sleep`) the first time
// it is started and execs the real prober afterwards, standing in for a prober stuck on a
// pathological file. The real prober cannot be made to hang on a regular file with the
// whitelists in place, which is the point of them.
#include "media/probe.h"
#include "media/proberpool.h"
#include "probeengine.h"
#include "proberrequest.h"
#include "testmedia.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using Mediaforge::Error;
using Mediaforge::ErrorCode;
using Mediaforge::MediaInfo;
using Mediaforge::Probe;
using Mediaforge::ProberPool;
using Mediaforge::ProcessLimits;
using Mediaforge::Result;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(Probe::Origin)

namespace {

void writeFile(const QString &path, const QByteArray &contents)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(contents) != contents.size())
        qFatal("cannot write %s", qPrintable(path));
}

bool processExists(qint64 pid)
{
    return QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid));
}

QString describe(const Result<MediaInfo> &result)
{
    if (result.ok())
        return QString::fromUtf8(QJsonDocument(result->toJson()).toJson(QJsonDocument::Compact));
    const Error &error = result.error();
    return QStringLiteral("%1: %2 %3")
            .arg(Mediaforge::errorCodeName(error.code), error.message,
                 QString::fromUtf8(QJsonDocument(error.details.toObject()).toJson(QJsonDocument::Compact)));
}

// The limits the service gives ffprobe by default (MediaLimits::fromConfig).
ProcessLimits serviceLimits()
{
    ProcessLimits limits;
    limits.fileSizeBytes = 0;
    limits.addressSpaceBytes = qint64(1024) * 1024 * 1024;
    limits.cpuSeconds = 60;
    limits.niceness = 10;
    limits.ioPriority = 7;
    return limits;
}

} // namespace

class TestProber : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void sameMediaInfoAsFfprobe_data();
    void sameMediaInfoAsFfprobe();
    void sameErrorAsFfprobe_data();
    void sameErrorAsFfprobe();
    void whitelistsRefuseReferenceFormatsUnopened_data();
    void whitelistsRefuseReferenceFormatsUnopened();
    void oneProberServesManyProbes();
    void proberRunsUnderTheServiceLimits();
    void proberKilledMidRequestFailsThatProbeAndTheNextProbesFine();
    void hangingProberTimesOutAndIsGone();
    void cancelKillsTheLeasedProber();
    void missingProberFailsWithInternalError();
    void proberRefusesRequestsTheServiceNeverSends();

private:
    Result<MediaInfo> probeWith(const QString &path, Probe::Origin origin, ProberPool *pool,
                            std::chrono::milliseconds timeout = 30s);
    QString media(const QString &name) const { return m_root.filePath(QStringLiteral("media/") + name); }
    void ffmpeg(const QStringList &arguments, const QString &output);
    QString writeFakeProber(const QString &name, bool hangEveryTime);

    QTemporaryDir m_root;
    QString m_ffprobe;
    QString m_prober;
    QString m_fifo;
    std::unique_ptr<ProberPool> m_pool;
};

void TestProber::initTestCase()
{
    QVERIFY(m_root.isValid());
    QVERIFY(QDir().mkpath(media(QString())));
    m_ffprobe = TestMedia::ffprobePath();
    QVERIFY2(!m_ffprobe.isEmpty(), "ffprobe not found");
    m_prober = qEnvironmentVariable("MEDIAFORGE_BINARY_DIR") + QStringLiteral("/service/mediaforge-prober");
    QVERIFY2(QFileInfo(m_prober).isExecutable(), qPrintable(m_prober + QStringLiteral(" not built")));
    m_pool = std::make_unique<ProberPool>(m_prober, serviceLimits(), 2);
    m_fifo = m_root.filePath(QStringLiteral("fifo.ts"));
    QCOMPARE(::mkfifo(QFile::encodeName(m_fifo).constData(), 0600), 0);
}

void TestProber::ffmpeg(const QStringList &arguments, const QString &output)
{
    if (QFileInfo::exists(output))
        return;
    QProcess process;
    process.start(TestMedia::ffmpegPath(),
                  QStringList{QStringLiteral("-nostdin"), QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-y")}
                          + arguments + QStringList{output});
    QVERIFY(process.waitForFinished(120000));
    QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
}

Result<MediaInfo> TestProber::probeWith(const QString &path, Probe::Origin origin, ProberPool *pool,
                                    std::chrono::milliseconds timeout)
{
    Probe probe(m_ffprobe);
    probe.setLimits(serviceLimits());
    probe.setProberPool(pool);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(path, timeout, origin);
    if (!finished.wait(int(timeout.count()) + 20000))
        return Error{ErrorCode::InternalError, QStringLiteral("test: no finished()")};
    return probe.result();
}

void TestProber::sameMediaInfoAsFfprobe_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<Probe::Origin>("origin");

    // What the suite's tests generate (tests/support/testmedia.*), and the outputs the
    // operations make (images, GIFs, subtitles, audio-only files, stream copies).
    QList<std::pair<const char *, QString>> files;
    TestMedia::VideoSpec mp4;
    files.append({"mp4 h264 aac", TestMedia::makeVideo(media(QString()), mp4)});
    TestMedia::VideoSpec mkv;
    mkv.container = QStringLiteral("mkv");
    mkv.subtitles = true;
    mkv.sampleRate = 48000;
    files.append({"mkv h264 aac srt", TestMedia::makeVideo(media(QString()), mkv)});
    TestMedia::VideoSpec webm;
    webm.container = QStringLiteral("webm");
    webm.seconds = 1;
    webm.width = 176;
    webm.height = 144;
    webm.fps = 15;
    webm.videoCodec = QStringLiteral("libvpx-vp9");
    webm.audioCodec = QStringLiteral("libopus");
    webm.sampleRate = 48000;
    files.append({"webm vp9 opus", TestMedia::makeVideo(media(QString()), webm)});
    files.append({"mp3", TestMedia::makeAudio(media(QString()), 1.5)});
    files.append({"wav pcm", TestMedia::makeAudio(media(QString()), 1, QStringLiteral("pcm_s16le"), QStringLiteral("wav"))});
    files.append({"flac", TestMedia::makeAudio(media(QString()), 1, QStringLiteral("flac"), QStringLiteral("flac"))});
    files.append({"ogg vorbis", TestMedia::makeAudio(media(QString()), 1, QStringLiteral("libvorbis"), QStringLiteral("ogg"))});
    files.append({"srt", TestMedia::makeSrt(media(QString()), 3)});

    const QStringList source{QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                             QStringLiteral("testsrc2=size=320x240:rate=25:duration=1")};
    const QString mp4Path = files.first().second;
    const auto make = [&](const char *name, const QString &file, const QStringList &arguments) {
        ffmpeg(arguments, media(file));
        files.append({name, media(file)});
    };
    make("png", QStringLiteral("frame.png"), source + QStringList{QStringLiteral("-frames:v"), QStringLiteral("1")});
    make("jpeg", QStringLiteral("frame.jpg"), source + QStringList{QStringLiteral("-frames:v"), QStringLiteral("1")});
    make("gif", QStringLiteral("anim.gif"), source);
    make("webp", QStringLiteral("frame.webp"), source + QStringList{QStringLiteral("-frames:v"), QStringLiteral("1")});
    make("mpegts", QStringLiteral("clip.ts"), QStringList{QStringLiteral("-i"), mp4Path, QStringLiteral("-c"), QStringLiteral("copy")});
    make("avi mpeg4", QStringLiteral("clip.avi"), source + QStringList{QStringLiteral("-c:v"), QStringLiteral("mpeg4")});
    make("mov rotated 90", QStringLiteral("rotated.mov"),
         QStringList{QStringLiteral("-i"), mp4Path, QStringLiteral("-c"), QStringLiteral("copy"),
                     QStringLiteral("-metadata:s:v"), QStringLiteral("rotate=90")});
    make("trim with stream copy", QStringLiteral("trimmed.mp4"),
         QStringList{QStringLiteral("-ss"), QStringLiteral("0.5"), QStringLiteral("-i"), mp4Path, QStringLiteral("-t"),
                     QStringLiteral("1"), QStringLiteral("-c"), QStringLiteral("copy")});
    make("m4a aac only", QStringLiteral("audio.m4a"),
         QStringList{QStringLiteral("-i"), mp4Path, QStringLiteral("-vn"), QStringLiteral("-c"), QStringLiteral("copy")});

    for (const auto &[name, path] : std::as_const(files)) {
        QTest::addRow("%s, client input", name) << path << Probe::Origin::ClientInput;
        QTest::addRow("%s, service output", name) << path << Probe::Origin::ServiceOutput;
    }
}

// Field for field, with no rounding to tolerate: the prober formats every number the way
// ffprobe prints it and the service reads both through MediaInfo::fromFfprobeJson.
void TestProber::sameMediaInfoAsFfprobe()
{
    QFETCH(QString, path);
    QFETCH(Probe::Origin, origin);
    const Result<MediaInfo> viaFfprobe = probeWith(path, origin, nullptr);
    const Result<MediaInfo> viaProber = probeWith(path, origin, m_pool.get());
    QCOMPARE(describe(viaProber), describe(viaFfprobe));
    if (viaFfprobe.ok()) {
        // toJson() leaves out what clients never see; the fields the engine reads count too.
        QCOMPARE(viaProber->duration, viaFfprobe->duration);
        QCOMPARE(viaProber->streams.size(), viaFfprobe->streams.size());
        for (qsizetype i = 0; i < viaFfprobe->streams.size(); ++i) {
            QCOMPARE(viaProber->streams.at(i).fps, viaFfprobe->streams.at(i).fps);
            QCOMPARE(viaProber->streams.at(i).duration, viaFfprobe->streams.at(i).duration);
            QCOMPARE(viaProber->streams.at(i).rotation, viaFfprobe->streams.at(i).rotation);
            QCOMPARE(viaProber->streams.at(i).attachedPicture, viaFfprobe->streams.at(i).attachedPicture);
        }
    }
}

void TestProber::sameErrorAsFfprobe_data()
{
    QTest::addColumn<QByteArray>("contents");

    QRandomGenerator random(20261130);   // fixed: the same bytes on every run
    QByteArray garbage(64 * 1024, Qt::Uninitialized);
    random.fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / 4);
    QTest::newRow("random bytes") << garbage;

    TestMedia::VideoSpec spec;
    QFile clip(TestMedia::makeVideo(media(QString()), spec));
    QVERIFY(clip.open(QIODevice::ReadOnly));
    const QByteArray whole = clip.readAll();
    QTest::newRow("mp4 cut after 2 KiB") << whole.first(2048);
    QTest::newRow("mp4 cut in half") << whole.first(whole.size() / 2);
    QTest::newRow("mp4 without its first 4 KiB") << whole.sliced(4096);
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("HLS playlist") << QByteArray("#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:2.0,\nfifo.ts\n");
    QTest::newRow("HLS playlist after binary junk")
            << QByteArray("\x00\x01junk\n#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:2.0,\nfifo.ts\n", 48);
    QTest::newRow("concat list named .mp4") << QByteArray("file 'fifo.ts'\nfile 'fifo.ts'\n");
    QTest::newRow("plain text") << QByteArray("Hello, this is not a video at all.\n");
}

// Truncated, garbage and disguised inputs: the same code, message and details either way.
void TestProber::sameErrorAsFfprobe()
{
    QFETCH(QByteArray, contents);
    const QString directory = m_root.filePath(QStringLiteral("job-%1").arg(QString::fromUtf8(QTest::currentDataTag())).replace(u' ', u'-'));
    QVERIFY(QDir().mkpath(directory));
    const QString path = directory + QStringLiteral("/input.mp4");
    writeFile(path, contents);
    const Result<MediaInfo> viaFfprobe = probeWith(path, Probe::Origin::ClientInput, nullptr);
    const Result<MediaInfo> viaProber = probeWith(path, Probe::Origin::ClientInput, m_pool.get());
    QCOMPARE(describe(viaProber), describe(viaFfprobe));
}

void TestProber::whitelistsRefuseReferenceFormatsUnopened_data()
{
    QTest::addColumn<QByteArray>("contents");
    QTest::newRow("hls") << QByteArray("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nfifo.ts\n#EXT-X-ENDLIST\n");
    QTest::newRow("ffconcat") << QByteArray("ffconcat version 1.0\nfile 'fifo.ts'\n");
    QTest::newRow("sdp") << QByteArray("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP 96\n"
                                       "a=rtpmap:96 H264/90000\n");
}

// Defense in depth behind the sniff (which Probe runs first): the engine itself, given the
// service's whitelists, refuses what ffmpeg 5.1 would follow. The playlists name a FIFO nobody
// writes, so a prober that opened it would hang instead of answering.
void TestProber::whitelistsRefuseReferenceFormatsUnopened()
{
    QFETCH(QByteArray, contents);
    const QString path = m_root.filePath(QStringLiteral("playlist-%1").arg(QString::fromUtf8(QTest::currentDataTag())));
    writeFile(path, contents);
    QByteArray json;
    QString error;
    const Mediaforge::Prober::Request request{path, Mediaforge::allowedDemuxers() + QStringLiteral(",image2")};
    QVERIFY(!Mediaforge::Prober::probeFile(request, &json, &error));
    QVERIFY2(error.startsWith(QStringLiteral("file:") + path + QStringLiteral(": ")), qPrintable(error));
    QVERIFY(json.isEmpty());
}

void TestProber::oneProberServesManyProbes()
{
    ProberPool pool(m_prober, serviceLimits(), 1);
    const QString path = TestMedia::makeVideo(media(QString()), TestMedia::VideoSpec());
    for (int i = 0; i < 5; ++i) {
        const Result<MediaInfo> result = probeWith(path, Probe::Origin::ClientInput, &pool);
        QVERIFY2(result.ok(), qPrintable(describe(result)));
    }
    QCOMPARE(pool.startedCount(), 1);
    QCOMPARE(pool.idleCount(), 1);
}

// What the kernel holds for the pool's idle prober, read from /proc: the limits are on the
// process, not only in the arguments the pool meant to give it.
void TestProber::proberRunsUnderTheServiceLimits()
{
    ProberPool pool(m_prober, serviceLimits(), 1);
    const QString path = TestMedia::makeVideo(media(QString()), TestMedia::VideoSpec());
    QVERIFY(probeWith(path, Probe::Origin::ClientInput, &pool).ok());
    QCOMPARE(pool.idleCount(), 1);

    QString limits;
    int proberNice = 100;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!numeric || !stat.open(QIODevice::ReadOnly))
            continue;
        // pid (comm) state ppid ... : fields after the command's closing parenthesis.
        const QByteArray line = stat.readAll();
        const qsizetype close = line.lastIndexOf(')');
        const QList<QByteArray> fields = line.mid(close + 2).split(' ');
        if (!line.contains("(mediaforge-prob") || fields.size() < 17 || fields.at(1).toLongLong() != ::getpid())
            continue;
        proberNice = fields.at(16).toInt();   // field 19 of proc_pid_stat(5)
        QFile file(QStringLiteral("/proc/%1/limits").arg(pid));
        QVERIFY(file.open(QIODevice::ReadOnly));
        limits = QString::fromLatin1(file.readAll());
    }
    QVERIFY2(!limits.isEmpty(), "no mediaforge-prober child of this test found in /proc");
    const auto limitLine = [&limits](const QString &name) {
        for (const QString &line : limits.split(u'\n')) {
            if (line.startsWith(name))
                return line.mid(name.size()).simplified();
        }
        return QString();
    };
    // The per-request CPU limit is the prober's own (--cpu-seconds), set while it probes.
    QCOMPARE(proberNice, std::min(19, ::nice(0) + 10));
#if defined(__SANITIZE_ADDRESS__)
    // docs/testing.md: the sanitized build lifts these two for the prober only.
    QCOMPARE(limitLine(QStringLiteral("Max address space")), QStringLiteral("unlimited unlimited bytes"));
#else
    QCOMPARE(limitLine(QStringLiteral("Max address space")), QStringLiteral("1073741824 1073741824 bytes"));
    QCOMPARE(limitLine(QStringLiteral("Max file size")), QStringLiteral("0 0 bytes"));
#endif
}

QString TestProber::writeFakeProber(const QString &name, bool hangEveryTime)
{
    const QString script = m_root.filePath(name);
    const QString marker = script + QStringLiteral(".started");
    QByteArray text = "#!/bin/sh\n# Stand-in for a stuck mediaforge-prober (see tst_prober.cpp).\n";
    if (!hangEveryTime) {
        text += "if [ -e '" + QFile::encodeName(marker) + "' ]; then exec '" + QFile::encodeName(m_prober) + "' \"$@\"; fi\n";
        text += "touch '" + QFile::encodeName(marker) + "'\n";
    }
    text += "exec sleep 300\n";
    writeFile(script, text);
    QFile::setPermissions(script, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return script;
}

// A prober that dies mid-request (here SIGKILL from outside, as the kernel's OOM killer would)
// fails that probe the way ffprobe dying the same way does (RESOURCE_LIMIT, "killed"); the pool
// starts a fresh prober for the next probe, which succeeds.
void TestProber::proberKilledMidRequestFailsThatProbeAndTheNextProbesFine()
{
    ProberPool pool(writeFakeProber(QStringLiteral("hangs-once.sh"), false), serviceLimits(), 1);
    const QString path = TestMedia::makeVideo(media(QString()), TestMedia::VideoSpec());

    Probe probe(m_ffprobe);
    probe.setLimits(serviceLimits());
    probe.setProberPool(&pool);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(path);
    QTRY_VERIFY_WITH_TIMEOUT(probe.processId() > 0, 10000);
    const qint64 pid = probe.processId();
    // The script has got past its first start (the next start runs the real prober).
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_root.filePath(QStringLiteral("hangs-once.sh.started"))), 10000);
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    QVERIFY(finished.wait(20000));
    QVERIFY(!probe.result().ok());
    QCOMPARE(probe.result().error().code, ErrorCode::ResourceLimit);
    QCOMPARE(probe.result().error().details.toObject().value(QLatin1StringView("reason")).toString(),
             QStringLiteral("killed"));
    QCOMPARE(probe.processId(), 0);

    const Result<MediaInfo> next = probeWith(path, Probe::Origin::ClientInput, &pool);
    QVERIFY2(next.ok(), qPrintable(describe(next)));
    QCOMPARE(pool.startedCount(), 2);
}

// A prober stuck on a file fails that probe with TIMEOUT (reason probe_time_limit, as for
// ffprobe) and is killed and reaped, not left behind.
void TestProber::hangingProberTimesOutAndIsGone()
{
    ProberPool pool(writeFakeProber(QStringLiteral("hangs.sh"), true), serviceLimits(), 1);
    const QString path = TestMedia::makeVideo(media(QString()), TestMedia::VideoSpec());
    Probe probe(m_ffprobe);
    probe.setProberPool(&pool);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(path, 1s);
    QTRY_VERIFY_WITH_TIMEOUT(probe.processId() > 0, 10000);
    const qint64 pid = probe.processId();
    QVERIFY(finished.wait(30000));
    QVERIFY(!probe.result().ok());
    QCOMPARE(probe.result().error().code, ErrorCode::Timeout);
    QCOMPARE(probe.result().error().details.toObject().value(QLatin1StringView("reason")).toString(),
             QStringLiteral("probe_time_limit"));
    QVERIFY(!processExists(pid));
    QCOMPARE(pool.idleCount(), 0);
}

void TestProber::cancelKillsTheLeasedProber()
{
    ProberPool pool(writeFakeProber(QStringLiteral("hangs-for-cancel.sh"), true), serviceLimits(), 1);
    const QString path = TestMedia::makeVideo(media(QString()), TestMedia::VideoSpec());
    Probe probe(m_ffprobe);
    probe.setProberPool(&pool);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(path);
    QTRY_VERIFY_WITH_TIMEOUT(probe.processId() > 0, 10000);
    const qint64 pid = probe.processId();
    probe.cancel();
    QVERIFY(!processExists(pid));
    QTest::qWait(200);
    QCOMPARE(finished.size(), 0);
}

void TestProber::missingProberFailsWithInternalError()
{
    ProberPool pool(m_root.filePath(QStringLiteral("no-such-prober")), serviceLimits(), 1);
    const Result<MediaInfo> result =
            probeWith(TestMedia::makeVideo(media(QString()), TestMedia::VideoSpec()), Probe::Origin::ClientInput, &pool);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, ErrorCode::InternalError);
}

// Its stdin is the service's alone, but the prober still opens nothing it was not asked for in
// exactly the service's terms, and stops at the first line it does not understand.
void TestProber::proberRefusesRequestsTheServiceNeverSends()
{
    QProcess prober;
    prober.start(m_prober, QStringList());
    QVERIFY(prober.waitForStarted());
    prober.write("{\"path\":\"relative/name\",\"formats\":\"mov\"}\n");
    prober.closeWriteChannel();
    QVERIFY(prober.waitForFinished(20000));
    QCOMPARE(prober.exitCode(), 2);
    const QJsonObject answer = QJsonDocument::fromJson(prober.readAllStandardOutput()).object();
    QCOMPARE(answer.value(QLatin1StringView("ok")).toBool(true), false);
    QVERIFY(answer.value(QLatin1StringView("error")).toString().startsWith(QLatin1StringView("bad request")));

    QVERIFY(!Mediaforge::Prober::Request::fromLine("{\"path\":\"/a\",\"formats\":\"mov,hls;x\"}"));
    QVERIFY(!Mediaforge::Prober::Request::fromLine("{\"path\":\"/a\",\"formats\":\"mov\",\"x\":1}"));
    const Mediaforge::Prober::Request request{QStringLiteral("/tmp/job/input"), QStringLiteral("mov,matroska")};
    const auto decoded = Mediaforge::Prober::Request::fromLine(request.toLine());
    QVERIFY(decoded);
    QCOMPARE(decoded->path, request.path);
    QCOMPARE(decoded->formats, request.formats);
}

QTEST_GUILESS_MAIN(TestProber)
#include "tst_prober.moc"
