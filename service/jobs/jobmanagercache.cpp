// SPDX-License-Identifier: GPL-3.0-or-later
// Where JobManager meets the result cache (resultcache.h): a job answered from it when its
// inputs have arrived, and a finished run's outputs added to it before the job completes.
// Both read or write whole files, so the work runs on m_cacheWorker and comes back to the
// event loop. Kept apart from the job flow in jobmanager.cpp.
#include "jobmanager.h"
#include "jobmanager_p.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QPointer>

namespace Mediaforge {

using namespace JobManagerDetail;

bool JobManagerDetail::hashPrefix(const QString &path, qint64 bytes, Sha256 &hash)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    return hash.addFrom(file, bytes) == bytes;
}

bool JobManager::answerFromCache(Job &job)
{
    std::optional<CacheCheck> check = m_cache.beginLookup(m_cache.key(job), job);
    if (!check)
        return false;
    // Hashing a cached rendition reads all of it: gigabytes must not hold up every connection.
    // Until the answer, the job stays where its input left it (received, 100 %); a cancel
    // meanwhile ends it as usual, and the check then finds no directory to link into.
    QPointer<JobManager> self(this);
    m_cacheWorker.start([self, check = std::move(*check)] {
        const CacheCheckResult result = ResultCache::check(check);
        QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, check, result] {
                    if (self)
                        self->cacheChecked(check, result);
                },
                Qt::QueuedConnection);
    });
    return true;
}

void JobManager::cacheChecked(const CacheCheck &check, const CacheCheckResult &result)
{
    m_cache.finishLookup(check, result);
    m_disk.setExternalBytes(m_cache.stats().bytes);   // a changed entry may have gone
    Job *job = m_runtimes.contains(check.jobId) ? mutableJob(check.jobId) : nullptr;
    if (!job || isFinished(job->status))
        return;     // cancelled meanwhile: its directory, with whatever was linked, is gone
    if (result.outcome != CacheCheckResult::Outcome::Hit) {
        enqueue(*job);
        return;
    }
    job->outputs = result.outputs;
    job->cached = true;
    job->startedAt = job->inputCompletedAt;
    m_disk.directoryChanged(job->directory);
    qCInfo(lcJobs).noquote() << jobFields(*job) << "answered from the result cache";
    // Cached files still have to reach the client's output_targets (or storage) before the job completes.
    if (job->uploadsOutputs()) {
        startOutputUploads(*job);
        return;
    }
    finishJob(*job, JobStatus::Completed, std::nullopt);
}

bool JobManager::addToCache(const Job &job)
{
    std::optional<CacheAddition> addition = m_cache.beginInsert(m_cache.key(job), job);
    if (!addition)
        return false;
    // Where the cache dir is on another file system the outputs are copied: off the event loop.
    QPointer<JobManager> self(this);
    m_cacheWorker.start([self, id = job.id, addition = std::move(*addition)] {
        const bool built = ResultCache::build(addition);
        QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, id, addition, built] {
                    if (!self) {
                        QDir(addition.tempDir).removeRecursively();
                        return;
                    }
                    self->m_cache.finishInsert(addition, built);
                    self->m_disk.setExternalBytes(self->m_cache.stats().bytes);
                    Job *job = self->m_runtimes.contains(id) ? self->mutableJob(id) : nullptr;
                    if (job && !isFinished(job->status))    // else cancelled meanwhile
                        self->completeRun(*job);
                },
                Qt::QueuedConnection);
    });
    return true;
}

} // namespace Mediaforge
