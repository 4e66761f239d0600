// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "job.h"
#include "media/commandbuilder.h"
#include "media/processlimits.h"
#include "media/progressparser.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <memory>
#include <optional>

class QTimer;

namespace Mediaforge {

class FfmpegProcess;
class Probe;
class ProberPool;

struct RunnerSettings
{
    QString ffmpegPath = QStringLiteral("ffmpeg");
    QString ffprobePath = QStringLiteral("ffprobe");
    int ffmpegThreads = 0;
    std::chrono::milliseconds jobTimeout = std::chrono::seconds(600);
    std::chrono::milliseconds stallTimeout = std::chrono::seconds(120);
    std::chrono::milliseconds killGrace = std::chrono::seconds(2);
    MediaLimits limits;   // none unless set (MediaLimits::fromConfig)
    // Long-lived mediaforge-probers (--prober builtin); null: one ffprobe run per probe.
    std::shared_ptr<ProberPool> proberPool;
};

// The processing part of one job, once its inputs are on disk and it holds a worker slot:
// probe every input -> build the command -> run ffmpeg -> probe and hash the outputs.
// The job timeout and the stall watchdog live here because only the runner sees ffmpeg's
// progress.
class JobRunner : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QString id;
        Operation operation = Operation::Probe;
        QJsonObject options;
        QStringList inputPaths;
        QString inputDisplayName;   // to derive download names
        QString directory;
    };

    JobRunner(Request request, const RunnerSettings &settings, QObject *parent = nullptr);
    ~JobRunner() override;

    void start();
    // Stops whatever runs (ffprobe, ffmpeg: SIGTERM then SIGKILL). No signal afterwards.
    void abort();
    // At shutdown, when no event loop runs any more: ffmpeg and ffprobe are killed and reaped
    // now, and nothing is left to a deleteLater() that would never come.
    void abortNow();

    const std::optional<Error> &error() const { return m_error; }
    // For admins' job details: the redacted ffmpeg command line and the last lines of its
    // stderr (empty when ffmpeg did not run).
    QString ffmpegCommand() const { return m_ffmpegCommand; }
    QString ffmpegStderr() const { return m_ffmpegStderr; }
    const QList<JobOutput> &outputs() const { return m_outputs; }
    const QJsonObject &probeResult() const { return m_probeResult; }
    double expectedDuration() const { return m_plan.expectedDurationSeconds; }

    // "clip.mov" + compress + output.mp4 -> "clip_compressed.mp4". Client text only ever
    // reaches a download name, sanitized, never a path.
    static QString downloadName(const QString &inputName, Operation operation, const QString &outputPath,
                                int index, int count);

signals:
    void processingProgress(const Mediaforge::FfmpegProgress &progress, double expectedDuration);
    void finalizing();
    void finished();

private:
    void probeNext();
    void runFfmpeg();
    void onFfmpegFinished(bool success, const QString &errorTail);
    void finalizeNext();
    void fail(Error error);
    void finish();

    Request m_request;
    RunnerSettings m_settings;
    QList<CommandInput> m_inputs;
    CommandPlan m_plan;
    QPointer<Probe> m_probe;
    FfmpegProcess *m_ffmpeg = nullptr;
    QTimer *m_timeoutTimer = nullptr;
    QTimer *m_stallTimer = nullptr;
    double m_lastOutTime = -1;
    QList<JobOutput> m_outputs;
    QJsonObject m_probeResult;
    std::optional<Error> m_error;
    QString m_ffmpegCommand;
    QString m_ffmpegStderr;
    bool m_done = false;
};

} // namespace Mediaforge
