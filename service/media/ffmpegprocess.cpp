// SPDX-License-Identifier: GPL-3.0-or-later
#include "ffmpegprocess.h"

#include "logging/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

namespace Mediaforge {

namespace {

// Enough for ffmpeg's closing error lines (the reason is always at the end) while a child that
// prints a warning per frame for an hour still costs no more than this.
constexpr qsizetype kStderrTailBytes = 8 * 1024;
constexpr qsizetype kErrorTailLines = 20;

// How long the destructor waits for the killed child to be reaped.
constexpr int kReapMilliseconds = 2000;

QString withoutTrailingSlash(QString path)
{
    while (path.size() > 1 && path.endsWith(u'/'))
        path.chop(1);
    return path;
}

} // namespace

FfmpegProcess::FfmpegProcess(const QString &ffmpegPath, QObject *parent)
    : QObject(parent), m_process(new QProcess(this)), m_killTimer(new QTimer(this))
{
    qRegisterMetaType<Mediaforge::FfmpegProgress>();
    m_process->setProgram(ffmpegPath);
    // -nostdin already keeps ffmpeg off stdin; /dev/null also covers whatever it forks.
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_killTimer->setSingleShot(true);
    // A coarse timer may fire 5 % early; the grace period is a promise to ffmpeg.
    m_killTimer->setTimerType(Qt::PreciseTimer);
    connect(m_killTimer, &QTimer::timeout, this, [this] {
        qCInfo(lcFfmpeg) << "ffmpeg did not stop on SIGTERM, sending SIGKILL to group" << m_processGroup;
        signalGroup(SIGKILL);
    });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &FfmpegProcess::readProgress);
    connect(m_process, &QProcess::readyReadStandardError, this, &FfmpegProcess::readStderr);
    connect(m_process, &QProcess::finished, this, &FfmpegProcess::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        // A child that never ran produces no finished(); everything else ends in onFinished.
        // Queued, so that a caller never sees finished() from inside start().
        if (error == QProcess::FailedToStart) {
            QMetaObject::invokeMethod(
                    this,
                    [this, message = m_process->errorString()] {
                        finish(false, redact(QStringLiteral("could not start ffmpeg: ") + message));
                    },
                    Qt::QueuedConnection);
        }
    });
}

FfmpegProcess::~FfmpegProcess()
{
    // Nobody listens any more: no signal may leave a half-destroyed object.
    disconnect(m_process, nullptr, this, nullptr);
    if (m_process->state() != QProcess::NotRunning) {
        signalGroup(SIGKILL);
        // Reap it here: QProcess's own destructor would warn and wait anyway, and a child
        // nobody waits for stays a zombie.
        m_process->waitForFinished(kReapMilliseconds);
    }
}

QStringList FfmpegProcess::globalArguments()
{
    // -loglevel warning: keeps the errors that explain a failure and the warnings that often
    // precede one, and drops the per-stream info chatter. -stats_period (ffmpeg >= 5.0) sets
    // how often -progress blocks arrive; ffmpeg sends its first one only a whole period after
    // encoding began, so the period is what a client waits for its first processing progress
    // (issue 11, B5: <= 500 ms). 0.25 s matches the engine's own progress throttle.
    return {QStringLiteral("-hide_banner"), QStringLiteral("-nostdin"), QStringLiteral("-y"),
            QStringLiteral("-nostats"),     QStringLiteral("-loglevel"), QStringLiteral("warning"),
            QStringLiteral("-progress"),    QStringLiteral("pipe:1"),   QStringLiteral("-stats_period"),
            QStringLiteral("0.25")};
}

void FfmpegProcess::setLimits(const ProcessLimits &limits, qint64 maxOutputBytes)
{
    m_limits = limits;
    m_maxOutputBytes = maxOutputBytes;
}

void FfmpegProcess::start(const QStringList &arguments, const QString &workDirectory)
{
    start(QList<CommandStep>{CommandStep{arguments, {}}}, workDirectory);
}

void FfmpegProcess::start(const QList<CommandStep> &steps, const QString &workDirectory)
{
    if (m_process->state() != QProcess::NotRunning) {
        qCWarning(lcFfmpeg) << "start() while ffmpeg is still running; ignored";
        return;
    }
    m_workDirectory = workDirectory.isEmpty() ? QString() : withoutTrailingSlash(QDir::cleanPath(workDirectory));
    m_steps = steps;
    m_step = 0;
    m_stopped = false;
    m_finished = false;
    m_limitError.reset();
    m_killTimer->stop();
    if (!m_workDirectory.isEmpty())
        m_process->setWorkingDirectory(m_workDirectory);
    m_elapsed.start();
    if (m_steps.isEmpty()) {
        QMetaObject::invokeMethod(this, [this] { finish(false, QStringLiteral("no ffmpeg command to run")); },
                                  Qt::QueuedConnection);
        return;
    }
    startStep();
}

void FfmpegProcess::startStep()
{
    m_parser = ProgressParser();
    m_stderrTail.clear();
    m_processGroup = 0;

    const QStringList fullArguments = globalArguments() + m_steps.at(m_step).arguments;
    m_arguments = fullArguments;
    m_process->setArguments(fullArguments);

    const pid_t parentPid = ::getpid();
    m_process->setChildProcessModifier([parentPid, limits = m_limits] {
        // Runs in the child between fork and exec: async-signal-safe calls only.
        // Own process group, so that one kill(-pgid) reaches every helper ffmpeg forks.
        ::setpgid(0, 0);
        // Die with the service. The signal fires when the thread that forked exits, which is
        // the thread this FfmpegProcess lives in: keep it on a thread that lives as long as the
        // service (the main thread).
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        // The service may have died before prctl() took effect; then nobody will ever stop us.
        if (::getppid() != parentPid)
            ::_exit(127);
        // Output size, address space, CPU time, priorities: inherited by whatever ffmpeg forks.
        limits.applyInChild();
    });

    qCDebug(lcFfmpeg).noquote() << "starting" << m_process->program()
                                << redact(fullArguments.join(u' '));
    m_process->start(QIODevice::ReadOnly);
    const qint64 pid = m_process->processId();
    if (pid > 0) {
        m_processGroup = pid;
        // The child calls setpgid() itself. Setting it from here too (as shells do) closes the
        // window in which a stop() right after start() would find no group, should start()
        // ever return before the child ran; Qt 6.4 returns after the exec, and this call then
        // fails harmlessly with EACCES.
        ::setpgid(pid_t(pid), pid_t(pid));
    }
}

void FfmpegProcess::stop(std::chrono::milliseconds grace)
{
    if (m_process->state() == QProcess::NotRunning || m_finished)
        return;
    if (m_stopped) {
        // A second stop() may shorten the grace, never extend it.
        if (m_killTimer->isActive() && m_killTimer->remainingTime() > grace.count())
            m_killTimer->start(grace);
        return;
    }
    m_stopped = true;
    qCInfo(lcFfmpeg) << "stopping ffmpeg group" << m_processGroup << "grace" << grace.count() << "ms";
    signalGroup(SIGTERM);
    m_killTimer->start(grace);
}

void FfmpegProcess::killNow()
{
    if (m_process->state() == QProcess::NotRunning)
        return;
    m_killTimer->stop();
    signalGroup(SIGKILL);
    m_process->waitForFinished(5000);
}

qint64 FfmpegProcess::processId() const
{
    return m_process->state() == QProcess::NotRunning ? 0 : m_process->processId();
}

bool FfmpegProcess::isRunning() const
{
    return m_process->state() != QProcess::NotRunning;
}

void FfmpegProcess::signalGroup(int signalNumber)
{
    if (m_processGroup <= 0)
        return;
    if (::kill(-pid_t(m_processGroup), signalNumber) == 0)
        return;
    // ESRCH: the group is empty. The leader may still be running outside its group if it has
    // not reached setpgid() (cannot happen after our parent-side setpgid, but cheap to cover).
    if (errno == ESRCH && m_process->state() != QProcess::NotRunning)
        ::kill(pid_t(m_processGroup), signalNumber);
}

void FfmpegProcess::readProgress()
{
    const QByteArray data = m_process->readAllStandardOutput();
    // A preparing step's clock is not the job's.
    if (m_step + 1 < m_steps.size())
        return;
    const QList<FfmpegProgress> blocks = m_parser.feed(data);
    for (const FfmpegProgress &block : blocks)
        emit progress(block);
}

void FfmpegProcess::readStderr()
{
    m_stderrTail.append(m_process->readAllStandardError());
    if (m_stderrTail.size() > kStderrTailBytes)
        m_stderrTail.remove(0, m_stderrTail.size() - kStderrTailBytes);
}

void FfmpegProcess::onFinished(int exitCode, QProcess::ExitStatus status)
{
    // QProcess has read what was left in the pipes; take it before judging the run.
    readProgress();
    readStderr();
    m_killTimer->stop();
    // ffmpeg is gone, but a filter or protocol helper it forked may not be: the group goes too.
    signalGroup(SIGKILL);

    bool success = !m_stopped && status == QProcess::NormalExit && exitCode == 0;
    const QString tail = errorTail();
    m_limitError = limitFailure(QStringLiteral("ffmpeg"), m_limits, m_maxOutputBytes,
                                ProcessExit{status, exitCode, m_stopped, tail});
    if (!m_limitError && success && m_step < m_steps.size())
        m_limitError = outputLimitFailure(m_steps.at(m_step).outputPaths, m_maxOutputBytes);
    if (m_limitError)
        success = false;
    const QString how = status == QProcess::NormalExit ? QStringLiteral("with code %1").arg(exitCode)
                                                       : QStringLiteral("by signal %1").arg(exitCode);
    qCInfo(lcFfmpeg).noquote() << QStringLiteral("ffmpeg exited %1%2 after %3 ms%4")
                                          .arg(how, m_stopped ? QStringLiteral(" (stopped)") : QString())
                                          .arg(m_elapsed.elapsed())
                                          .arg(m_limitError ? QStringLiteral(": ") + m_limitError->message : QString());
    if (success && m_step + 1 < m_steps.size()) {
        // Qt has finished with the old child before it emits finished(): the object may start
        // the next one from here.
        ++m_step;
        startStep();
        return;
    }
    finish(success, tail);
}

void FfmpegProcess::finish(bool success, const QString &tail)
{
    if (m_finished)
        return;
    m_finished = true;
    emit finished(success, tail);
}

QString FfmpegProcess::commandLine() const
{
    if (m_arguments.isEmpty())
        return {};
    return redact(QFileInfo(m_process->program()).fileName() + u' ' + m_arguments.join(u' '));
}

QString FfmpegProcess::errorTail() const
{
    QByteArray bytes = m_stderrTail;
    // A cut tail starts mid-line (maybe mid-character): drop that fragment.
    if (bytes.size() >= kStderrTailBytes) {
        const qsizetype newline = bytes.indexOf('\n');
        if (newline >= 0)
            bytes.remove(0, newline + 1);
    }
    QStringList lines = QString::fromUtf8(bytes).split(u'\n', Qt::SkipEmptyParts);
    for (QString &line : lines) {
        if (line.endsWith(u'\r'))
            line.chop(1);
    }
    lines.removeAll(QString());
    if (lines.size() > kErrorTailLines)
        lines = lines.mid(lines.size() - kErrorTailLines);
    return redact(lines.join(u'\n'));
}

QString FfmpegProcess::redact(const QString &text) const
{
    QString result = text;
    if (!m_workDirectory.isEmpty()) {
        // ffmpeg prints paths as given; the canonical form differs when the temp dir is
        // reached through a symlink. The longer one first, in case one contains the other.
        QStringList forms{m_workDirectory};
        const QString canonical = QFileInfo(m_workDirectory).canonicalFilePath();
        if (!canonical.isEmpty() && canonical != m_workDirectory)
            forms.append(canonical);
        std::sort(forms.begin(), forms.end(),
                  [](const QString &a, const QString &b) { return a.size() > b.size(); });
        for (const QString &form : std::as_const(forms))
            result.replace(form, QStringLiteral("<job>"));
    }
    return Logging::redactPaths(result);
}

} // namespace Mediaforge
