// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the files JobManager is written in (jobmanager.cpp: the job flow; the others,
// jobmanager*.cpp, one concern each). Not part of the engine's interface.
#pragma once

#include "jobmanager.h"
#include "logging/logging.h"
#include "sha256.h"

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

// SHA-256 (hex) of what makes a request the same request: a retry with its idempotency key
// must ask for the same work (jobmanageridempotency.cpp).
QString requestHash(const SubmitRequest &request);

// Feeds the first `bytes` of the file at `path` to `hash` (an upload resumed after a restart,
// whose earlier bytes no running hash saw). False when they cannot be read.
bool hashPrefix(const QString &path, qint64 bytes, Sha256 &hash);

} // namespace JobManagerDetail

struct JobManager::Runtime
{
    std::vector<std::unique_ptr<QFile>> uploads;   // one per input, opened on first write
    std::vector<std::unique_ptr<Sha256>> uploadHashes;   // alongside: SHA-256 so far
    QPointer<Downloader> downloader;
    int downloadIndex = -1;
    QPointer<JobRunner> runner;
    QPointer<OutputUploader> uploader;
    int slot = -1;
    bool finalizingOffSlot = false;  // probing and hashing its outputs after giving its slot back
    QElapsedTimer sinceUploadData;   // since the last upload bytes (the stall timeout)
    // The upload continues on another connection or after a restart: until one chunk fits, a
    // chunk at the wrong offset is refused (BAD_OFFSET) without failing the job.
    bool uploadResumed = false;
    QTimer *progressTimer = nullptr;
    QElapsedTimer sinceProgress;     // since the last jobProgress emission
    bool progressPending = false;
    double lastSentPercentage = -1;  // of the current stage
    QElapsedTimer stageClock;        // since the current stage began: rates and ETAs
    QElapsedTimer sinceStoreWrite;   // progress reaches the store at most once a second
    bool shuttingDown = false;       // the manager is being destroyed after the event loop

    ~Runtime()
    {
        delete progressTimer;
        // deleteLater: the runtime may end inside one of these objects' own signals.
        // At shutdown no event loop is left to run a deleteLater(): everything goes now.
        if (downloader) {
            downloader->cancel();
            if (shuttingDown)
                delete downloader;
            else
                downloader->deleteLater();
        }
        if (uploader) {
            uploader->cancel();
            if (shuttingDown)
                delete uploader;
            else
                uploader->deleteLater();
        }
        if (runner) {
            if (shuttingDown) {
                runner->abortNow();
                delete runner;
            } else {
                runner->abort();
                runner->deleteLater();
            }
        }
        for (auto &file : uploads) {
            if (file)
                file->close();
        }
    }
};

} // namespace Mediaforge
