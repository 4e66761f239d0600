// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the two files JobManager is written in (jobmanager.cpp: the job flow;
// jobmanagerstore.cpp: what ties it to its JobStore). Not part of the engine's interface.
#pragma once

#include "jobmanager.h"
#include "logging/logging.h"

#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <vector>

namespace Mediaforge {

namespace JobManagerDetail {

// Job directories carry this prefix so that the start-up sweep never touches anything else
// in a shared temp dir such as /tmp.
inline const QString kJobDirPrefix = QStringLiteral("job-");

inline Logging::Fields jobFields(const Job &job)
{
    return Logging::Fields{{QStringLiteral("job"), job.id},
                           {QStringLiteral("job_id"), job.jobId},
                           {QStringLiteral("operation"), operationName(job.operation)}};
}

} // namespace JobManagerDetail

struct JobManager::Runtime
{
    std::vector<std::unique_ptr<QFile>> uploads;   // one per input, opened on first write
    QPointer<Downloader> downloader;
    int downloadIndex = -1;
    QPointer<JobRunner> runner;
    int slot = -1;
    QTimer *uploadStallTimer = nullptr;
    QTimer *progressTimer = nullptr;
    QElapsedTimer sinceProgress;     // since the last jobProgress emission
    bool progressPending = false;
    double lastSentPercentage = -1;  // of the current stage
    QElapsedTimer stageClock;        // since the current stage began: rates and ETAs
    QElapsedTimer sinceStoreWrite;   // progress reaches the store at most once a second

    ~Runtime()
    {
        delete uploadStallTimer;
        delete progressTimer;
        // deleteLater: the runtime may end inside one of these objects' own signals.
        if (downloader) {
            downloader->cancel();
            downloader->deleteLater();
        }
        if (runner) {
            runner->abort();
            runner->deleteLater();
        }
        for (auto &file : uploads) {
            if (file)
                file->close();
        }
    }
};

} // namespace Mediaforge
