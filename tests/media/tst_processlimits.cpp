// SPDX-License-Identifier: GPL-3.0-or-later
// The resource limits of ffmpeg and ffprobe (issue 8, defect 4), with the real programs: each
// limit, set small, really stops a real run, the run ends in the typed error the job gets
// (TOO_LARGE, RESOURCE_LIMIT), and nothing of it is left running. The priorities are read back
// from the kernel while ffmpeg runs. limitFailure() itself is also checked on a table, because
// some endings (the kernel's SIGKILL, the OOM killer) cannot be provoked here on purpose.
#include "config/config.h"
#include "media/ffmpegprocess.h"
#include "media/probe.h"
#include "media/processlimits.h"
#include "testmedia.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <functional>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace Mediaforge;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(QProcess::ExitStatus)
Q_DECLARE_METATYPE(std::optional<Mediaforge::ErrorCode>)

namespace {

bool groupGone(qint64 pgid)
{
    return ::kill(-pid_t(pgid), 0) == -1 && errno == ESRCH;
}

QStringList lavfiInput(const QString &source)
{
    return {u"-f"_s, u"lavfi"_s, u"-i"_s, source};
}

// A clip of `seconds` of 640x360 noise-free test pattern, encoded fast: about 100 KiB a second.
QStringList encodeTo(const QString &path, int seconds, bool realTime = false)
{
    QStringList arguments;
    if (realTime)
        arguments.append(u"-re"_s);
    return arguments + lavfiInput(u"testsrc2=size=640x360:rate=25:duration=%1"_s.arg(seconds))
            + QStringList{u"-c:v"_s, u"libx264"_s, u"-preset"_s, u"ultrafast"_s, u"-f"_s, u"matroska"_s, u"file:"_s + path};
}

// The nice value of a running process, field 19 of /proc/<pid>/stat (after the parenthesized name).
int niceOf(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -100;
    const QByteArray text = stat.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); nice is field 19.
    return fields.size() > 16 ? fields.at(16).toInt() : -100;
}

} // namespace

class TestProcessLimits : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void limitFailureClassifiesEndings_data();
    void limitFailureClassifiesEndings();
    void fromConfigTurnsSettingsIntoLimits();

    void outputSizeLimitEndsEncodeWithTooLarge();
    void fileSizeRlimitKillsAWriterThatIgnoresFs();
    void addressSpaceLimitFailsEncodeWithResourceLimit();
    void cpuTimeLimitStopsEncodeWithResourceLimit();
    void childRunsWithLowerCpuAndIoPriority();
    void stepsRunInOrderAndAFailedStepEndsTheSequence();
    void ffprobeUnderItsAddressSpaceLimitFailsWithResourceLimit();
    void ffprobeMayWriteNoFile();

private:
    QString newWorkDirectory();

    QTemporaryDir m_root;
    QString m_ffmpeg;
    QString m_ffprobe;
    int m_directories = 0;
};

void TestProcessLimits::initTestCase()
{
    QVERIFY(m_root.isValid());
    m_ffmpeg = TestMedia::ffmpegPath();
    m_ffprobe = TestMedia::ffprobePath();
    QVERIFY2(!m_ffmpeg.isEmpty(), "ffmpeg not found");
    QVERIFY2(!m_ffprobe.isEmpty(), "ffprobe not found");
}

QString TestProcessLimits::newWorkDirectory()
{
    const QString path = m_root.filePath(u"job-%1"_s.arg(++m_directories));
    QDir().mkpath(path);
    return path;
}

void TestProcessLimits::limitFailureClassifiesEndings_data()
{
    QTest::addColumn<QProcess::ExitStatus>("status");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<bool>("stopped");
    QTest::addColumn<QString>("stderrTail");
    QTest::addColumn<bool>("cpuLimit");
    QTest::addColumn<std::optional<ErrorCode>>("code");
    QTest::addColumn<QString>("reason");

    const auto none = std::optional<ErrorCode>();
    const auto tooLarge = std::optional<ErrorCode>(ErrorCode::TooLarge);
    const auto resource = std::optional<ErrorCode>(ErrorCode::ResourceLimit);
    QTest::newRow("success") << QProcess::NormalExit << 0 << false << QString() << true << none << QString();
    QTest::newRow("plain failure") << QProcess::NormalExit << 1 << false << u"Invalid data found"_s << true << none << QString();
    QTest::newRow("SIGXFSZ") << QProcess::CrashExit << int(SIGXFSZ) << false << QString() << true << tooLarge << u"output_limit"_s;
    QTest::newRow("x264 malloc failure") << QProcess::NormalExit << 1 << false << u"x264 [error]: malloc of size 26999616 failed"_s
                                         << true << resource << u"memory"_s;
    QTest::newRow("ENOMEM text") << QProcess::NormalExit << 1 << false << u"Error: Cannot allocate memory"_s << false << resource
                                 << u"memory"_s;
    QTest::newRow("SVT-AV1 crash after failed allocation")
            << QProcess::CrashExit << int(SIGSEGV) << false << u"SvtMalloc[fatal]: allocate memory failed"_s << true << resource
            << u"memory"_s;
    QTest::newRow("libraries cannot be mapped") << QProcess::NormalExit << 127 << false
                                                << u"error while loading shared libraries: libx.so: failed to map segment"_s
                                                << true << resource << u"memory"_s;
    QTest::newRow("threads cannot start under the address-space limit")
            << QProcess::NormalExit << 1 << false
            << u"Failed to inject frame into filter network: Resource temporarily unavailable"_s << true << resource << u"memory"_s;
    QTest::newRow("SIGXCPU") << QProcess::CrashExit << int(SIGXCPU) << false << QString() << true << resource << u"cpu_time"_s;
    QTest::newRow("ffmpeg's clean exit after SIGXCPU") << QProcess::NormalExit << 255 << false << QString() << true << resource
                                                       << u"cpu_time"_s;
    QTest::newRow("255 without a CPU limit") << QProcess::NormalExit << 255 << false << QString() << false << none << QString();
    QTest::newRow("kernel SIGKILL") << QProcess::CrashExit << int(SIGKILL) << false << QString() << true << resource << u"killed"_s;
    // What the service did itself is never a limit.
    QTest::newRow("stopped: SIGKILL") << QProcess::CrashExit << int(SIGKILL) << true << QString() << true << none << QString();
    QTest::newRow("stopped: 255") << QProcess::NormalExit << 255 << true << QString() << true << none << QString();
    QTest::newRow("stopped: memory text") << QProcess::NormalExit << 1 << true << u"Cannot allocate memory"_s << true << none
                                          << QString();
}

void TestProcessLimits::limitFailureClassifiesEndings()
{
    QFETCH(QProcess::ExitStatus, status);
    QFETCH(int, exitCode);
    QFETCH(bool, stopped);
    QFETCH(QString, stderrTail);
    QFETCH(bool, cpuLimit);
    QFETCH(std::optional<ErrorCode>, code);
    QFETCH(QString, reason);

    ProcessLimits limits;
    limits.addressSpaceBytes = qint64(512) * 1024 * 1024;
    limits.cpuSeconds = cpuLimit ? 30 : 0;
    const std::optional<Error> error = limitFailure(u"ffmpeg"_s, limits, 1024 * 1024,
                                                    ProcessExit{status, exitCode, stopped, stderrTail});
    QCOMPARE(error.has_value(), code.has_value());
    if (!error)
        return;
    QCOMPARE(errorCodeName(error->code), errorCodeName(*code));
    QCOMPARE(error->details.toObject().value("reason"_L1).toString(), reason);
    QVERIFY(error->message.startsWith("ffmpeg "_L1));
    if (reason == "memory"_L1)
        QCOMPARE(error->details.toObject().value("limit_bytes"_L1).toInteger(), limits.addressSpaceBytes);
    if (reason == "cpu_time"_L1)
        QCOMPARE(error->details.toObject().value("limit_seconds"_L1).toInt(), 30);
    if (reason == "output_limit"_L1)
        QCOMPARE(error->details.toObject().value("max_output_bytes"_L1).toInteger(), 1024 * 1024);
}

void TestProcessLimits::fromConfigTurnsSettingsIntoLimits()
{
    Config config;
    config.ffmpegMaxOutputBytes = 100 * 1024 * 1024;
    config.ffmpegMemoryBytes = qint64(3) * 1024 * 1024 * 1024;
    config.ffprobeMemoryBytes = 600 * 1024 * 1024;
    config.ffmpegCpuSeconds = 1200;
    config.ffmpegNice = 5;
    config.ffmpegIoPriority = 6;
    const MediaLimits limits = MediaLimits::fromConfig(config);
    QCOMPARE(limits.maxOutputBytes, config.ffmpegMaxOutputBytes);
    QCOMPARE(limits.ffmpeg.fileSizeBytes, config.ffmpegMaxOutputBytes + MediaLimits::kFileSizeMarginBytes);
    QCOMPARE(limits.ffmpeg.addressSpaceBytes, config.ffmpegMemoryBytes);
    QCOMPARE(limits.ffmpeg.cpuSeconds, 1200);
    QCOMPARE(limits.ffmpeg.niceness, 5);
    QCOMPARE(limits.ffmpeg.ioPriority, 6);
    QCOMPARE(limits.ffprobe.fileSizeBytes, 0);
    QCOMPARE(limits.ffprobe.addressSpaceBytes, config.ffprobeMemoryBytes);
    QVERIFY(limits.ffprobe.cpuSeconds > 0);

    config.ffmpegMaxOutputBytes = 0;
    QCOMPARE(MediaLimits::fromConfig(config).ffmpeg.fileSizeBytes, -1);
}

// -fs ends ffmpeg with exit code 0 and a cut-off file: the run must still fail, as TOO_LARGE.
void TestProcessLimits::outputSizeLimitEndsEncodeWithTooLarge()
{
    const QString work = newWorkDirectory();
    const QString output = QDir(work).filePath(u"output.mkv"_s);
    constexpr qint64 limit = 200 * 1024;
    QStringList arguments = encodeTo(output, 60);
    arguments.insert(arguments.size() - 3, u"-fs"_s);
    arguments.insert(arguments.size() - 3, QString::number(limit));
    FfmpegProcess process(m_ffmpeg);
    process.setLimits(ProcessLimits(), limit);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start(QList<CommandStep>{{arguments, {output}}}, work);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY(process.limitError().has_value());
    QCOMPARE(errorCodeName(process.limitError()->code), u"TOO_LARGE"_s);
    QCOMPARE(process.limitError()->details.toObject().value("max_output_bytes"_L1).toInteger(), limit);
    // It stopped at the limit, far short of the 60 s asked for. Matroska writes
    // whole clusters (up to 5 s here), so the file passes -fs by up to one cluster: the reason
    // RLIMIT_FSIZE sits 64 MiB above it.
    QVERIFY(QFileInfo(output).size() >= limit);
    QVERIFY2(QFileInfo(output).size() < 3 * 1024 * 1024, qPrintable(QString::number(QFileInfo(output).size())));
    QVERIFY(!process.isRunning());
}

// RLIMIT_FSIZE is the kernel's backstop for a writer -fs does not bind (here: no -fs at all).
void TestProcessLimits::fileSizeRlimitKillsAWriterThatIgnoresFs()
{
    const QString work = newWorkDirectory();
    const QString output = QDir(work).filePath(u"output.mkv"_s);
    ProcessLimits limits;
    limits.fileSizeBytes = 150 * 1024;
    FfmpegProcess process(m_ffmpeg);
    process.setLimits(limits, 0);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start(QList<CommandStep>{{encodeTo(output, 60), {output}}}, work);
    const qint64 group = process.processId();
    QVERIFY(group > 0);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY(process.limitError().has_value());
    QCOMPARE(errorCodeName(process.limitError()->code), u"TOO_LARGE"_s);
    QCOMPARE(process.limitError()->details.toObject().value("reason"_L1).toString(), u"output_limit"_s);
    // The kernel refused every byte past the limit.
    QVERIFY(QFileInfo(output).size() <= limits.fileSizeBytes);
    QVERIFY(QTest::qWaitFor([&] { return groupGone(group); }, 10000));
}

void TestProcessLimits::addressSpaceLimitFailsEncodeWithResourceLimit()
{
    const QString work = newWorkDirectory();
    const QString output = QDir(work).filePath(u"output.mkv"_s);
    ProcessLimits limits;
    // Enough to load ffmpeg and its libraries and start x264's threads, far too little for
    // x264 at 8K (measured on 2 cores: it asks for a 172 MB block at once, on top of ~50 MB
    // frames, and reports that it cannot have it). Below ~550 MiB x264 fails earlier without a
    // word, which ends as FFMPEG_FAILED (docs/security.md).
    limits.addressSpaceBytes = qint64(640) * 1024 * 1024;
    FfmpegProcess process(m_ffmpeg);
    process.setLimits(limits, 0);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start(lavfiInput(u"testsrc2=size=7680x4320:rate=25"_s)
                          + QStringList{u"-frames:v"_s, u"5"_s, u"-c:v"_s, u"libx264"_s, u"-preset"_s, u"medium"_s,
                                        u"-f"_s, u"matroska"_s, u"file:"_s + output},
                  work);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY2(process.limitError().has_value(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(errorCodeName(process.limitError()->code), u"RESOURCE_LIMIT"_s);
    QCOMPARE(process.limitError()->details.toObject().value("reason"_L1).toString(), u"memory"_s);
    QCOMPARE(process.limitError()->details.toObject().value("limit_bytes"_L1).toInteger(), limits.addressSpaceBytes);
    QVERIFY(!process.isRunning());
}

void TestProcessLimits::cpuTimeLimitStopsEncodeWithResourceLimit()
{
    const QString work = newWorkDirectory();
    const QString output = QDir(work).filePath(u"output.mkv"_s);
    ProcessLimits limits;
    limits.cpuSeconds = 1;
    FfmpegProcess process(m_ffmpeg);
    process.setLimits(limits, 0);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    // Ten minutes of 720p at x264's medium preset: hundreds of CPU seconds if nothing stopped it.
    process.start(lavfiInput(u"testsrc2=size=1280x720:rate=25:duration=600"_s)
                          + QStringList{u"-c:v"_s, u"libx264"_s, u"-preset"_s, u"medium"_s, u"-f"_s, u"matroska"_s,
                                        u"file:"_s + output},
                  work);
    const qint64 group = process.processId();
    QVERIFY(group > 0);
    // CPU seconds, not wall-clock ones: under a loaded machine this may take a while.
    QVERIFY(finished.wait(180000));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY2(process.limitError().has_value(), qPrintable(finished.first().at(1).toString()));
    QCOMPARE(errorCodeName(process.limitError()->code), u"RESOURCE_LIMIT"_s);
    const QString reason = process.limitError()->details.toObject().value("reason"_L1).toString();
    // ffmpeg's clean exit on SIGXCPU, or the kernel's SIGKILL at the hard limit 2 s later.
    QVERIFY2(reason == "cpu_time"_L1 || reason == "killed"_L1, qPrintable(reason));
    QVERIFY(QTest::qWaitFor([&] { return groupGone(group); }, 10000));
}

void TestProcessLimits::childRunsWithLowerCpuAndIoPriority()
{
    const QString work = newWorkDirectory();
    ProcessLimits limits;
    limits.niceness = 7;
    limits.ioPriority = 5;
    limits.fileSizeBytes = 50 * 1024 * 1024;
    limits.addressSpaceBytes = qint64(2) * 1024 * 1024 * 1024;
    limits.cpuSeconds = 600;
    FfmpegProcess process(m_ffmpeg);
    process.setLimits(limits, 0);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start(encodeTo(QDir(work).filePath(u"output.mkv"_s), 60, true), work);
    const qint64 pid = process.processId();
    QVERIFY(pid > 0);

    errno = 0;
    const int own = ::getpriority(PRIO_PROCESS, 0);
    QCOMPARE(niceOf(pid), std::min(19, own + 7));
    const long ioprio = ::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, int(pid));
    QCOMPARE(ioprio, long((2 << 13) | 5));   // best-effort class, level 5

    rlimit limit{};
    QCOMPARE(::prlimit(pid_t(pid), RLIMIT_FSIZE, nullptr, &limit), 0);
    QCOMPARE(qint64(limit.rlim_cur), limits.fileSizeBytes);
    QCOMPARE(::prlimit(pid_t(pid), RLIMIT_AS, nullptr, &limit), 0);
    QCOMPARE(qint64(limit.rlim_cur), limits.addressSpaceBytes);
    QCOMPARE(::prlimit(pid_t(pid), RLIMIT_CPU, nullptr, &limit), 0);
    QCOMPARE(qint64(limit.rlim_cur), 600);
    QCOMPARE(qint64(limit.rlim_max), 600 + ProcessLimits::kCpuHardGraceSeconds);
    // The service itself keeps its own limits.
    QCOMPARE(::getrlimit(RLIMIT_FSIZE, &limit), 0);
    QVERIFY(limit.rlim_cur == RLIM_INFINITY || qint64(limit.rlim_cur) > limits.fileSizeBytes);

    process.stop();
    QVERIFY(finished.wait(30000));
    QVERIFY(!process.limitError().has_value());   // a stop is never a limit
}

void TestProcessLimits::stepsRunInOrderAndAFailedStepEndsTheSequence()
{
    const QString work = newWorkDirectory();
    const QString first = QDir(work).filePath(u"first.mkv"_s);
    const QString second = QDir(work).filePath(u"second.mkv"_s);
    {
        FfmpegProcess process(m_ffmpeg);
        QList<FfmpegProgress> blocks;
        connect(&process, &FfmpegProcess::progress, this, [&](const FfmpegProgress &block) { blocks.append(block); });
        QSignalSpy finished(&process, &FfmpegProcess::finished);
        // The second run reads what the first wrote, so it can only succeed in this order.
        process.start(QList<CommandStep>{{encodeTo(first, 4), {first}},
                                         {QStringList{u"-i"_s, u"file:"_s + first, u"-t"_s, u"1"_s, u"-c"_s, u"copy"_s,
                                                      u"-f"_s, u"matroska"_s, u"file:"_s + second},
                                          {second}}},
                      work);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.size(), 1);
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        QVERIFY(QFileInfo(second).size() > 0);
        // Only the last run's clock is reported: it ends near 1 s, not near the first run's 4 s.
        QVERIFY(!blocks.isEmpty());
        for (const FfmpegProgress &block : std::as_const(blocks))
            QVERIFY2(block.outTimeSeconds.value_or(0) < 2.0, qPrintable(QString::number(block.outTimeSeconds.value_or(0))));
    }
    {
        const QString never = QDir(work).filePath(u"never.mkv"_s);
        FfmpegProcess process(m_ffmpeg);
        QSignalSpy finished(&process, &FfmpegProcess::finished);
        process.start(QList<CommandStep>{{QStringList{u"-i"_s, u"file:"_s + QDir(work).filePath(u"missing.mkv"_s), u"-f"_s,
                                                      u"null"_s, u"-"_s},
                                          {}},
                                         {encodeTo(never, 1), {never}}},
                      work);
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY(!QFileInfo::exists(never));
    }
}

void TestProcessLimits::ffprobeUnderItsAddressSpaceLimitFailsWithResourceLimit()
{
    const QString work = newWorkDirectory();
    const QString clip = TestMedia::makeVideo(work, TestMedia::VideoSpec());
    ProcessLimits limits;
    // ffprobe cannot even map its libraries into 200 MiB (measured: it needs about 512 MiB).
    limits.addressSpaceBytes = 200 * 1024 * 1024;
    Probe probe(m_ffprobe);
    probe.setLimits(limits);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(clip);
    QVERIFY(finished.wait(30000));
    QVERIFY(!probe.result().ok());
    QCOMPARE(errorCodeName(probe.result().error().code), u"RESOURCE_LIMIT"_s);
    QCOMPARE(probe.result().error().details.toObject().value("reason"_L1).toString(), u"memory"_s);

    // The same file probes fine within the default limit.
    limits.addressSpaceBytes = qint64(1024) * 1024 * 1024;
    probe.setLimits(limits);
    probe.start(clip);
    QVERIFY(finished.wait(30000));
    QVERIFY2(probe.result().ok(), probe.result().ok() ? "" : qPrintable(probe.result().error().message));
}

// ffprobe runs with RLIMIT_FSIZE 0: it reads, and writes only to its pipes.
void TestProcessLimits::ffprobeMayWriteNoFile()
{
    const QString work = newWorkDirectory();
    const QString clip = TestMedia::makeVideo(work, TestMedia::VideoSpec());
    Config config;
    Probe probe(m_ffprobe);
    probe.setLimits(MediaLimits::fromConfig(config).ffprobe);
    QSignalSpy finished(&probe, &Probe::finished);
    probe.start(clip);
    QVERIFY(finished.wait(30000));
    QVERIFY2(probe.result().ok(), probe.result().ok() ? "" : qPrintable(probe.result().error().message));
    QVERIFY(probe.result()->hasVideo());
}

QTEST_GUILESS_MAIN(TestProcessLimits)
#include "tst_processlimits.moc"
