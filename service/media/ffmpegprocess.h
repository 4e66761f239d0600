// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "commandbuilder.h"
#include "errorcode.h"
#include "processlimits.h"
#include "progressparser.h"

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

class QTimer;

namespace Mediaforge {

// One ffmpeg run. No shell: QProcess with an argument list. The child gets its own process
// group (so cancel reaches every helper it forks) and PR_SET_PDEATHSIG (so it dies with the
// service). Stopping sends SIGTERM to the group, then SIGKILL after the grace period.
// Every run has the resource limits of setLimits() (docs/security-ffmpeg.md): a run they end
// fails with limitError() set.
class FfmpegProcess : public QObject
{
    Q_OBJECT
public:
    explicit FfmpegProcess(const QString &ffmpegPath, QObject *parent = nullptr);
    ~FfmpegProcess() override;   // kills the group if still running

    // Applies to the runs started afterwards. maxOutputBytes: the -fs of the command, checked
    // against the outputs after each run that exits 0 (-fs cuts an output off cleanly).
    void setLimits(const ProcessLimits &limits, qint64 maxOutputBytes = 0);

    // `arguments` as CommandPlan::arguments; global options are prepended here.
    void start(const QStringList &arguments, const QString &workDirectory);
    // Runs the steps one after the other (CommandPlan::steps()); the first that fails ends the
    // sequence. progress() reports the last step only: the ones before it prepare its inputs.
    void start(const QList<CommandStep> &steps, const QString &workDirectory);
    // SIGTERM now, SIGKILL after `grace`; finished() is still emitted (success = false).
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
    // The service is going away and its event loop with it: the group is killed and reaped
    // here, since no timer or signal would run any more.
    void killNow();

    qint64 processId() const;   // 0 when not running
    bool isRunning() const;

    // The arguments FfmpegProcess puts before the plan's (for tests and logs).
    static QStringList globalArguments();
    // The command line of the last start(), redacted like the stderr tail (for admins).
    QString commandLine() const;
    // The last lines of stderr so far, redacted (also while ffmpeg still runs).
    QString errorTail() const;

    // After finished(success = false): TOO_LARGE or RESOURCE_LIMIT when one of the limits ended
    // the run (see limitFailure()), else nullopt.
    const std::optional<Error> &limitError() const { return m_limitError; }

signals:
    void progress(const Mediaforge::FfmpegProgress &progress);
    // success: exit code 0 and not stopped. errorTail: the last lines of stderr, with the
    // work directory redacted to "<job>".
    void finished(bool success, const QString &errorTail);

private:
    void readProgress();
    void readStderr();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void startStep();
    void finish(bool success, const QString &errorTail);   // emits finished() once
    void signalGroup(int signalNumber);                     // kill(-pgid, signalNumber)
    QString redact(const QString &text) const;   // work directory -> "<job>", then redactPaths

    QProcess *m_process = nullptr;
    QTimer *m_killTimer = nullptr;
    QString m_workDirectory;
    QStringList m_arguments;                // of the last start(), global ones included
    QList<CommandStep> m_steps;
    qsizetype m_step = 0;                   // index into m_steps of the run in progress
    ProcessLimits m_limits;
    qint64 m_maxOutputBytes = 0;
    std::optional<Error> m_limitError;
    ProgressParser m_parser;
    QByteArray m_stderrTail;                // at most the last 8 KiB of stderr
    qint64 m_processGroup = 0;              // the child's pid = its group id; kept after exit
    QElapsedTimer m_elapsed;
    bool m_stopped = false;
    bool m_finished = false;
};

} // namespace Mediaforge
