// SPDX-License-Identifier: GPL-3.0-or-later
// Where JobManager meets the result cache (resultcache.h): a job answered from it when its
// inputs have arrived, and a completed run's outputs added to it. Kept apart from the job flow
// in jobmanager.cpp.
#include "jobmanager.h"
#include "jobmanager_p.h"

#include <QFile>

namespace Mediaforge {

using namespace JobManagerDetail;

bool JobManagerDetail::hashPrefix(const QString &path, qint64 bytes, QCryptographicHash &hash)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    QByteArray buffer(1024 * 1024, Qt::Uninitialized);
    while (bytes > 0) {
        const qint64 read = file.read(buffer.data(), std::min<qint64>(bytes, buffer.size()));
        if (read <= 0)
            return false;
        hash.addData(QByteArrayView(buffer.constData(), read));
        bytes -= read;
    }
    return true;
}

bool JobManager::answerFromCache(Job &job)
{
    const QString key = m_cache.key(job);
    if (key.isEmpty())
        return false;
    auto outputs = m_cache.lookup(key, job);
    m_disk.setExternalBytes(m_cache.stats().bytes);   // a bad entry may have gone
    if (!outputs)
        return false;
    job.outputs = *outputs;
    job.cached = true;
    job.startedAt = job.inputCompletedAt;
    m_disk.directoryChanged(job.directory);
    qCInfo(lcJobs).noquote() << jobFields(job) << "answered from the result cache";
    // Cached files still have to reach the client's output_targets (or storage) before the job completes.
    if (job.uploadsOutputs()) {
        startOutputUploads(job);
        return true;
    }
    finishJob(job, JobStatus::Completed, std::nullopt);
    return true;
}

void JobManager::addToCache(const Job &job)
{
    const QString key = m_cache.key(job);
    if (key.isEmpty())
        return;
    m_cache.insert(key, job);
    m_disk.setExternalBytes(m_cache.stats().bytes);
}

} // namespace Mediaforge
