// SPDX-License-Identifier: GPL-3.0-or-later
// FfmpegProcess with the real ffmpeg: success, failure, stop, process groups, PR_SET_PDEATHSIG.
//
// The one fake: real ffmpeg reacts to SIGTERM and forks no helpers, so the SIGKILL escalation
// and the "whole group" cases use a small shell script (written to the test's temp dir) in
// place of ffmpeg. It ignores SIGTERM or exits early, and in both cases leaves a `sleep`
// child behind in its process group, whose pid it writes to helper.pid.
//
// The test process makes itself a child subreaper, so that such orphaned helpers (and ffmpeg in
// the PR_SET_PDEATHSIG test) become its children: it can then reap them and see which signal
// ended them. The init of a container often does not reap orphans, and a zombie still counts
// as a member of its process group.
#include "logging/logging.h"
#include "media/ffmpegprocess.h"
#include "testmedia.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <functional>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

using Mediaforge::FfmpegProcess;
using Mediaforge::FfmpegProgress;
using namespace std::chrono_literals;

namespace {

const char kFakeFfmpeg[] = R"(#!/bin/sh
# Stand-in for ffmpeg in tst_ffmpegprocess (see the comment at the top of that file).
for arg in "$@"; do mode="$arg"; done
case "$mode" in
ignore-term)
    trap '' TERM
    sleep 30 >/dev/null 2>&1 </dev/null &
    echo $! > helper.pid
    printf 'out_time_us=0\nprogress=continue\n'
    wait
    ;;
leave-child)
    sleep 30 >/dev/null 2>&1 </dev/null &
    echo $! > helper.pid
    printf 'out_time_us=0\nprogress=end\n'
    exit 0
    ;;
esac
exit 3
)";

bool processExists(qint64 pid)
{
    return QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid));
}

bool groupGone(qint64 pgid)
{
    return ::kill(-pid_t(pgid), 0) == -1 && errno == ESRCH;
}

// Reaps `pid` (our child or, as subreaper, our adopted orphan); returns its wait status, or -1
// when it did not end in time (it is then killed so that it does not outlive the test).
int reap(qint64 pid, int milliseconds)
{
    int status = 0;
    const bool ended = QTest::qWaitFor([&] { return ::waitpid(pid_t(pid), &status, WNOHANG) == pid_t(pid); },
                                 milliseconds);
    if (ended)
        return status;
    ::kill(pid_t(pid), SIGKILL);
    ::waitpid(pid_t(pid), &status, 0);
    return -1;
}

qint64 readPid(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return file.readAll().trimmed().toLongLong();
}

// A 600 s encode that really runs until someone stops it; -re keeps it at real time so that it
// costs little CPU meanwhile.
QStringList longEncode(const QString &directory)
{
    return {QStringLiteral("-re"), QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
            QStringLiteral("testsrc2=size=320x240:rate=25:duration=600"), QStringLiteral("-c:v"),
            QStringLiteral("libx264"), QStringLiteral("-preset"), QStringLiteral("ultrafast"),
            QStringLiteral("file:") + QDir(directory).filePath(QStringLiteral("long.mp4"))};
}

// Helper mode for pdeathsigKillsFfmpegWithTheService: a stand-in for the service that starts
// a long encode, prints ffmpeg's pid once it runs, and waits to be killed.
int runPdeathsigHelper(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString ffmpeg = QString::fromLocal8Bit(argv[2]);
    const QString directory = QString::fromLocal8Bit(argv[3]);
    FfmpegProcess process(ffmpeg);
    bool announced = false;
    QObject::connect(&process, &FfmpegProcess::progress, &app, [&] {
        if (announced)
            return;
        announced = true;
        std::printf("%lld\n", static_cast<long long>(process.processId()));
        std::fflush(stdout);
    });
    QObject::connect(&process, &FfmpegProcess::finished, &app, [] { QCoreApplication::exit(1); });
    process.start(longEncode(directory), directory);
    return app.exec();
}

} // namespace

class TestFfmpegProcess : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void globalArgumentsComeFirst();
    void shortEncodeSucceedsWithMonotonicProgress();
    void failingCommandReportsRedactedStderrTail();
    void errorTailIsBounded();
    void missingProgramFailsOnceAndLater();
    void childHasItsOwnProcessGroup();
    void stopEndsRunningEncodeWithinGrace();
    void stopEscalatesToSigkillWhenTermIsIgnored();
    void childrenLeftAfterExitAreKilled();
    void destructorKillsRunningEncode();
    void destructorKillsTheWholeGroup();
    void finishedIsEmittedOnce();
    void pdeathsigKillsFfmpegWithTheService();

private:
    QString newWorkDirectory();

    QTemporaryDir m_root;
    QString m_ffmpeg;
    QString m_fake;
    int m_workDirectories = 0;
};

void TestFfmpegProcess::initTestCase()
{
    QVERIFY(m_root.isValid());
    m_ffmpeg = TestMedia::ffmpegPath();
    QVERIFY2(!m_ffmpeg.isEmpty(), "ffmpeg not found");
    QCOMPARE(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);

    m_fake = m_root.filePath(QStringLiteral("fake-ffmpeg.sh"));
    QFile script(m_fake);
    QVERIFY(script.open(QIODevice::WriteOnly));
    QVERIFY(script.write(kFakeFfmpeg) > 0);
    script.close();
    QVERIFY(script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
}

void TestFfmpegProcess::cleanup()
{
    Mediaforge::Logging::setTempDirectory(QString());
}

QString TestFfmpegProcess::newWorkDirectory()
{
    const QString path = m_root.filePath(QStringLiteral("job-%1").arg(++m_workDirectories));
    QDir().mkpath(path);
    return path;
}

void TestFfmpegProcess::globalArgumentsComeFirst()
{
    const QStringList global = FfmpegProcess::globalArguments();
    for (const char *option : {"-hide_banner", "-nostdin", "-y", "-nostats"})
        QVERIFY2(global.contains(QLatin1StringView(option)), option);
    QCOMPARE(global.at(global.indexOf(QStringLiteral("-progress")) + 1), QStringLiteral("pipe:1"));
    QCOMPARE(global.at(global.indexOf(QStringLiteral("-loglevel")) + 1), QStringLiteral("warning"));
    QCOMPARE(global.at(global.indexOf(QStringLiteral("-stats_period")) + 1), QStringLiteral("0.25"));
    // ffmpeg 5.1 accepts every one of them (an unknown option would fail this run).
    QProcess ffmpeg;
    ffmpeg.start(m_ffmpeg, global + QStringList{QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                                                QStringLiteral("nullsrc=d=0.1"), QStringLiteral("-f"),
                                                QStringLiteral("null"), QStringLiteral("-")});
    QVERIFY(ffmpeg.waitForFinished(20000));
    QCOMPARE(ffmpeg.exitCode(), 0);
    QVERIFY(ffmpeg.readAllStandardOutput().contains("progress=end"));
}

void TestFfmpegProcess::shortEncodeSucceedsWithMonotonicProgress()
{
    const QString work = newWorkDirectory();
    const QString output = QDir(work).filePath(QStringLiteral("out.mp4"));
    FfmpegProcess process(m_ffmpeg);
    QList<FfmpegProgress> blocks;
    connect(&process, &FfmpegProcess::progress, this, [&](const FfmpegProgress &block) { blocks.append(block); });
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    // -re makes the 2 s clip take 2 s, so that several progress blocks arrive (one per 0.5 s).
    process.start({QStringLiteral("-re"), QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                   QStringLiteral("testsrc2=size=160x120:rate=25:duration=2"), QStringLiteral("-c:v"),
                   QStringLiteral("libx264"), QStringLiteral("-preset"), QStringLiteral("ultrafast"),
                   QStringLiteral("file:") + output},
                  work);
    QVERIFY(process.isRunning());
    QVERIFY(process.processId() > 0);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), true);
    QVERIFY(!process.isRunning());
    QCOMPARE(process.processId(), 0);

    QVERIFY2(blocks.size() >= 3, qPrintable(QString::number(blocks.size())));
    double previous = 0;
    for (const FfmpegProgress &block : std::as_const(blocks)) {
        QVERIFY(block.outTimeSeconds.has_value());
        QVERIFY(*block.outTimeSeconds >= previous);
        previous = *block.outTimeSeconds;
    }
    QVERIFY(blocks.last().end);
    QVERIFY2(qAbs(previous - 2.0) < 0.2, qPrintable(QString::number(previous)));
    QVERIFY(blocks.last().frame.has_value());
    QCOMPARE(*blocks.last().frame, qint64(50));
    QVERIFY(QFileInfo(output).size() > 0);
    QCOMPARE(TestMedia::countFrames(output), 50);
}

void TestFfmpegProcess::failingCommandReportsRedactedStderrTail()
{
    const QString work = newWorkDirectory();
    // A path under the service's temp dir but outside this job goes through redactPaths.
    Mediaforge::Logging::setTempDirectory(m_root.path());
    FfmpegProcess process(m_ffmpeg);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start({QStringLiteral("-i"), QStringLiteral("file:") + QDir(work).filePath(QStringLiteral("missing.mp4")),
                   QStringLiteral("-i"), QStringLiteral("file:") + m_root.filePath(QStringLiteral("elsewhere/gone.mp4")),
                   QStringLiteral("-f"), QStringLiteral("null"), QStringLiteral("-")},
                  work);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);
    const QString tail = finished.first().at(1).toString();
    QVERIFY2(tail.contains(QLatin1StringView("file:<job>/missing.mp4: No such file or directory")), qPrintable(tail));
    QVERIFY2(!tail.contains(work), qPrintable(tail));
    QVERIFY2(!tail.contains(m_root.path()), qPrintable(tail));
}

void TestFfmpegProcess::errorTailIsBounded()
{
    const QString work = newWorkDirectory();
    FfmpegProcess process(m_ffmpeg);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    // showinfo at -loglevel info writes two lines per frame: ~25 KiB for 100 frames.
    process.start({QStringLiteral("-loglevel"), QStringLiteral("info"), QStringLiteral("-f"), QStringLiteral("lavfi"),
                   QStringLiteral("-i"), QStringLiteral("testsrc2=size=64x48:rate=25:duration=4"),
                   QStringLiteral("-vf"), QStringLiteral("showinfo"), QStringLiteral("-f"), QStringLiteral("null"),
                   QStringLiteral("-")},
                  work);
    QVERIFY(finished.wait(20000));
    QCOMPARE(finished.first().at(0).toBool(), true);
    const QString tail = finished.first().at(1).toString();
    const QStringList lines = tail.split(u'\n');
    QCOMPARE(lines.size(), 20);
    QVERIFY(tail.toUtf8().size() <= 8 * 1024);
    // The tail is the end of stderr: the last frame is in it, the first is not.
    QVERIFY2(tail.contains(QLatin1StringView("n:  99")), qPrintable(tail));
    QVERIFY(!tail.contains(QLatin1StringView("n:   0 ")));
}

void TestFfmpegProcess::missingProgramFailsOnceAndLater()
{
    FfmpegProcess process(m_root.filePath(QStringLiteral("no-such-ffmpeg")));
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start({QStringLiteral("-version")}, newWorkDirectory());
    QCOMPARE(finished.size(), 0);   // never from inside start()
    QVERIFY(finished.wait(5000));
    QTest::qWait(100);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY(finished.first().at(1).toString().contains(QLatin1StringView("could not start ffmpeg")));
}

void TestFfmpegProcess::childHasItsOwnProcessGroup()
{
    const QString work = newWorkDirectory();
    FfmpegProcess process(m_ffmpeg);
    QSignalSpy progress(&process, &FfmpegProcess::progress);
    process.start(longEncode(work), work);
    const qint64 pid = process.processId();
    QVERIFY(pid > 0);
    // Right after start(), before the child has necessarily run: set from our side too.
    QCOMPARE(::getpgid(pid_t(pid)), pid_t(pid));
    QVERIFY(progress.wait(10000));   // now it is ffmpeg, exec'd
    QCOMPARE(::getpgid(pid_t(pid)), pid_t(pid));
    QVERIFY(::getpgid(pid_t(pid)) != ::getpgrp());
    // Its parent is us: QProcess reaps it and PR_SET_PDEATHSIG refers to this process.
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    QVERIFY(status.open(QIODevice::ReadOnly));
    const QByteArray parentLine = "\nPPid:\t" + QByteArray::number(::getpid()) + '\n';
    QVERIFY(status.readAll().contains(parentLine));
}

void TestFfmpegProcess::stopEndsRunningEncodeWithinGrace()
{
    const QString work = newWorkDirectory();
    FfmpegProcess process(m_ffmpeg);
    QSignalSpy progress(&process, &FfmpegProcess::progress);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start(longEncode(work), work);
    QVERIFY(progress.wait(10000));
    const qint64 pid = process.processId();
    QVERIFY(processExists(pid));

    QElapsedTimer timer;
    timer.start();
    const auto grace = 5000ms;
    process.stop(grace);
    QVERIFY(finished.wait(int(grace.count()) + 5000));
    // ffmpeg honours SIGTERM: no need to wait for the SIGKILL.
    QVERIFY2(timer.elapsed() < grace.count(), qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);   // stopped is never success
    QVERIFY(!processExists(pid));
    QVERIFY(QTest::qWaitFor([&] { return groupGone(pid); }, 2000));
    QVERIFY(!process.isRunning());
}

void TestFfmpegProcess::stopEscalatesToSigkillWhenTermIsIgnored()
{
    const QString work = newWorkDirectory();
    FfmpegProcess process(m_fake);
    QSignalSpy progress(&process, &FfmpegProcess::progress);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start({QStringLiteral("ignore-term")}, work);
    QVERIFY(progress.wait(10000));
    const qint64 pid = process.processId();
    const qint64 helper = readPid(QDir(work).filePath(QStringLiteral("helper.pid")));
    QVERIFY(helper > 0);
    QCOMPARE(::getpgid(pid_t(helper)), pid_t(pid));   // the helper is in ffmpeg's group

    QElapsedTimer timer;
    timer.start();
    process.stop(800ms);
    QVERIFY(finished.wait(10000));
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(elapsed >= 700 && elapsed < 3000, qPrintable(QString::number(elapsed)));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY(!processExists(pid));
    const int status = reap(helper, 3000);
    QVERIFY2(status != -1, "the helper outlived the group kill");
    QVERIFY(WIFSIGNALED(status));
    QCOMPARE(WTERMSIG(status), SIGKILL);
    QVERIFY(QTest::qWaitFor([&] { return groupGone(pid); }, 2000));
}

void TestFfmpegProcess::childrenLeftAfterExitAreKilled()
{
    const QString work = newWorkDirectory();
    FfmpegProcess process(m_fake);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start({QStringLiteral("leave-child")}, work);
    QVERIFY(finished.wait(10000));
    const qint64 helper = readPid(QDir(work).filePath(QStringLiteral("helper.pid")));
    QVERIFY(helper > 0);
    QCOMPARE(finished.first().at(0).toBool(), true);   // exit code 0 and not stopped
    const int status = reap(helper, 3000);
    QVERIFY2(status != -1, "a child ffmpeg left behind is still running");
    QVERIFY(WIFSIGNALED(status));
    QCOMPARE(WTERMSIG(status), SIGKILL);
}

void TestFfmpegProcess::destructorKillsRunningEncode()
{
    const QString work = newWorkDirectory();
    auto *process = new FfmpegProcess(m_ffmpeg);
    QSignalSpy progress(process, &FfmpegProcess::progress);
    process->start(longEncode(work), work);
    QVERIFY(progress.wait(10000));
    const qint64 pid = process->processId();
    QElapsedTimer timer;
    timer.start();
    delete process;
    QVERIFY(timer.elapsed() < 2000);
    // Killed and reaped by the destructor itself: no zombie left for anyone.
    QVERIFY(!processExists(pid));
    QVERIFY(groupGone(pid));
}

void TestFfmpegProcess::destructorKillsTheWholeGroup()
{
    const QString work = newWorkDirectory();
    auto *process = new FfmpegProcess(m_fake);
    QSignalSpy progress(process, &FfmpegProcess::progress);
    bool finishedAfterDelete = false;
    connect(process, &FfmpegProcess::finished, this, [&] { finishedAfterDelete = true; });
    process->start({QStringLiteral("ignore-term")}, work);
    QVERIFY(progress.wait(10000));
    const qint64 pid = process->processId();
    const qint64 helper = readPid(QDir(work).filePath(QStringLiteral("helper.pid")));
    QVERIFY(helper > 0);
    delete process;
    QVERIFY(!processExists(pid));
    const int status = reap(helper, 3000);
    QVERIFY2(status != -1, "the helper outlived the FfmpegProcess");
    QCOMPARE(WTERMSIG(status), SIGKILL);
    QVERIFY(QTest::qWaitFor([&] { return groupGone(pid); }, 2000));
    QVERIFY(!finishedAfterDelete);
}

void TestFfmpegProcess::finishedIsEmittedOnce()
{
    const QString work = newWorkDirectory();
    FfmpegProcess process(m_ffmpeg);
    QSignalSpy progress(&process, &FfmpegProcess::progress);
    QSignalSpy finished(&process, &FfmpegProcess::finished);
    process.start(longEncode(work), work);
    QVERIFY(progress.wait(10000));
    process.stop(2000ms);
    process.stop(2000ms);
    QVERIFY(finished.wait(10000));
    process.stop(2000ms);   // after the end: nothing to do, nothing to emit
    QTest::qWait(300);
    QCOMPARE(finished.size(), 1);
}

void TestFfmpegProcess::pdeathsigKillsFfmpegWithTheService()
{
    // No /proc file shows the parent-death signal, so this kills a stand-in service (this test
    // binary in helper mode) with SIGKILL, leaving it no chance to clean up, and watches what
    // happens to its ffmpeg. As our subreaper child, ffmpeg's end is ours to see.
    const QString work = newWorkDirectory();
    QProcess service;
    service.start(QCoreApplication::applicationFilePath(),
                  {QStringLiteral("--pdeathsig-helper"), m_ffmpeg, work});
    QVERIFY(service.waitForStarted(5000));
    QVERIFY(QTest::qWaitFor([&] { return service.canReadLine(); }, 15000));
    const qint64 ffmpegPid = service.readLine().trimmed().toLongLong();
    QVERIFY(ffmpegPid > 0);
    QVERIFY(processExists(ffmpegPid));

    service.kill();
    QVERIFY(service.waitForFinished(5000));
    const int status = reap(ffmpegPid, 5000);
    QVERIFY2(status != -1, "ffmpeg outlived the service that started it");
    QVERIFY(WIFSIGNALED(status));
    QCOMPARE(WTERMSIG(status), SIGKILL);
}

int main(int argc, char **argv)
{
    if (argc == 4 && qstrcmp(argv[1], "--pdeathsig-helper") == 0)
        return runPdeathsigHelper(argc, argv);
    QCoreApplication app(argc, argv);
    TestFfmpegProcess test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_ffmpegprocess.moc"
