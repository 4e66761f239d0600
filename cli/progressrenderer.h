// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

namespace Mediaforge::Cli {

class Console;

// Where a job is, as far as the progress display cares. The stages are the service's
// (uploading, downloading, queued, processing, finalizing) plus `receiving`: the outputs
// coming back to mediaforge.
struct ProgressSnapshot
{
    QString stage;
    double percentage = -1;        // unknown when < 0
    qint64 bytes = -1;             // transfers
    qint64 totalBytes = -1;
    double bytesPerSecond = -1;    // transfers; the reporter measures it when not given
    double speed = -1;             // processing: times real time
    double etaSeconds = -1;
    int queuePosition = 0;
    // Several inputs at once (stage `batch`): how many there are, and how many have ended.
    int itemsTotal = 0;
    int itemsCompleted = 0;
    int itemsFailed = 0;
};

// The texts of the progress display, pure functions of a snapshot.
class ProgressRenderer
{
    Q_DECLARE_TR_FUNCTIONS(ProgressRenderer)
public:
    static QString stageLabel(const QString &stage);
    // The terminal line, at most width - 1 columns so that the terminal never wraps it: the
    // bar shrinks first, then details are dropped (byte counts, then rate or speed, then ETA).
    static QString terminalLine(const ProgressSnapshot &snapshot, int width);
    // One line for logs (stderr not a terminal), without the newline.
    static QString plainLine(const ProgressSnapshot &snapshot);
    // {"event":"progress","job_id":...,"stage":...,"percentage":...} plus what is known.
    static QJsonObject jsonEvent(const ProgressSnapshot &snapshot, const QString &jobId);
};

// Shows progress the way the output wants it: a bar redrawn in place on a terminal, plain
// lines on a pipe (on a stage change and every 10 %), JSON events on stdout, or nothing.
// Percentages never go backwards within a stage, whatever arrives.
class ProgressReporter
{
public:
    enum class Mode { Terminal, Plain, Json, Quiet };
    using Clock = std::function<qint64()>;   // milliseconds, monotonic

    ProgressReporter(Console &console, Mode mode, Clock clock = {});

    // The mode a command gets from --json, --quiet and whether stderr is a terminal.
    static Mode modeFor(const Console &console, bool json, bool quiet);

    Mode mode() const { return m_mode; }
    void setJobId(const QString &jobId) { m_jobId = jobId; }
    void update(ProgressSnapshot snapshot);
    // Ends the current stage at 100 % (e.g. when the job completes after `finalizing`, for
    // which the service sends no percentage). JSON mode does this at every stage change.
    void completeStage();
    // Takes the bar off the terminal; the next output starts on a clean line.
    void finish();

private:
    void emitTerminal(const ProgressSnapshot &snapshot, bool force);
    void emitPlain(const ProgressSnapshot &snapshot, bool stageChanged);
    void emitJson(const ProgressSnapshot &snapshot, bool stageChanged);

    struct Sample
    {
        qint64 time;
        qint64 bytes;
    };

    Console &m_console;
    Mode m_mode;
    Clock m_clock;
    QString m_jobId;
    QString m_stage;
    ProgressSnapshot m_last;
    QHash<QString, double> m_highest;   // per stage: what percentage was shown last
    QList<Sample> m_samples;            // the last seconds of a transfer, for its rate
    qint64 m_lastDraw = -1;
    double m_lastJsonPercentage = -1;
    qint64 m_lastJsonTime = -1;
    int m_lastPlainDecile = -1;
    int m_lastPlainEnded = 0;
};

} // namespace Mediaforge::Cli
