// SPDX-License-Identifier: GPL-3.0-or-later
// JobManager, continued: jobs that move between the nodes of a shared store. A node with a free
// slot may claim a job queued on a busy node; it then pulls the job's inputs from that node's
// HTTP port (the URL and the request's signature come from the service: the engine knows no
// cluster) with the limits and disk guard of any input, and runs it. The node that received
// the job keeps its input files for that node until the job ends. A pull that fails gives the
// job back to its holder as a run that counts (attempts + 1), or ends it when its holder is
// gone for good (NODE_LOST) or it has had its runs (--max-attempts); a job whose inputs are URLs
// or storage objects is fetched again by the node that claimed it instead. The holder still has the
// job queued in memory (a pull publishes nothing, so it has not lent the job away yet) and
// runs it with the stored attempts when the store hands it out there again.
#include "jobmanager.h"
#include "jobmanager_p.h"
#include "jobrecovery.h"

#include <QDir>
#include <QFileInfo>

namespace Mediaforge {

using namespace JobManagerDetail;

void JobManager::placeInputsHere(Job &job) const
{
    // The holder's file names, in this node's own directory for the job, none of them received.
    job.directory = QDir(m_settings.tempDir).filePath(kJobDirPrefix + job.id);
    for (JobInput &input : job.inputs) {
        input.path = QDir(job.directory).filePath(QFileInfo(input.path).fileName());
        input.bytes = 0;
        input.complete = false;
    }
}

void JobManager::setPullSource(PullSourceFunction source)
{
    m_pullSource = std::move(source);
}

void JobManager::startPull(Job record, const QString &holder, int slot)
{
    const QString id = record.id;
    if (m_jobs.count(id)) {
        qCWarning(lcJobs) << "the store handed out job" << id << "from node" << holder << "which this node holds already";
        return;
    }
    m_pullOrigins.insert(id, record);
    m_pullHolders.insert(id, holder);
    Job job = std::move(record);
    job.connectionId = 0;
    job.progress = JobProgress{};
    placeInputsHere(job);
    Job &stored = admit(std::move(job));
    m_slots[slot] = id;
    runtime(id).slot = slot;
    if (!QDir().mkpath(stored.directory)) {
        pullFailed(id, Error(ErrorCode::InternalError, QStringLiteral("cannot create the job's directory")));
        return;
    }
    // The record names this node's files from now on: a restart here finds them.
    persist(stored);
    qCInfo(lcJobs).noquote() << jobFields(stored) << Logging::Fields{{QStringLiteral("node"), holder}}
                             << "claimed from another node; pulling its inputs";
    pullInput(id, 0);
}

void JobManager::pullInput(const QString &id, int index)
{
    Job *job = mutableJob(id);
    if (!job || isFinished(job->status) || !m_runtimes.contains(id))
        return;
    const QString holder = m_pullHolders.value(id);
    const std::optional<PullSource> source = m_pullSource ? m_pullSource(holder, id, index) : std::nullopt;
    if (!source) {
        pullFailed(id, Error(ErrorCode::DownloadFailed, QStringLiteral("node %1 has no URL in the store").arg(holder)));
        return;
    }
    if (source->inPlace) {
        readInPlace(id, holder);
        return;
    }
    DownloadLimits limits = m_settings.download;
    limits.maxBytes = m_settings.maxFileBytes;
    // A node's route answers or refuses; a redirect would send the signature elsewhere.
    limits.maxRedirects = 0;
    limits.admit = [this, id, index](qint64 received, qint64 more, bool announced) -> std::optional<Error> {
        const Job *current = this->job(id);
        return current ? admitInputBytes(*current, index, received, more, !announced) : std::nullopt;
    };
    // The URL is a node's from the shared store, never a client's: the private-address guard
    // lets it through (nodes are usually on a private network).
    UrlPolicy policy = m_settings.urlPolicy;
    policy.allowPrivate = true;
    auto *downloader = new Downloader(m_network, m_resolver, policy, limits, this);
    downloader->setHeaders(source->headers);
    Runtime &rt = runtime(id);
    rt.downloader = downloader;
    rt.downloadIndex = index;
    connect(downloader, &Downloader::finished, this, [this, id, index, downloader] {
        downloader->deleteLater();
        Job *current = m_runtimes.contains(id) ? mutableJob(id) : nullptr;
        if (!current || isFinished(current->status))
            return;
        if (const auto &error = downloader->error()) {
            pullFailed(id, *error);
            return;
        }
        JobInput &input = current->inputs[index];
        input.bytes = downloader->bytesReceived();
        input.complete = true;
        m_bytesReceived += input.bytes;
        emit bytesReceivedChanged(input.bytes);
        if (index + 1 < current->inputs.size()) {
            pullInput(id, index + 1);
            return;
        }
        m_pullOrigins.remove(id);
        m_pullHolders.remove(id);
        const int slot = runtime(id).slot;
        qCInfo(lcJobs).noquote() << jobFields(*current) << "inputs pulled from node"
                                 << Logging::Fields{{QStringLiteral("bytes"), QString::number(downloader->bytesReceived())}};
        startProcessing(*current, slot);
    });
    qCInfo(lcInput).noquote() << jobFields(*job) << Logging::Fields{{QStringLiteral("node"), holder}} << "pulling input"
                              << index;
    downloader->start(source->url, job->inputs.at(index).path);
}

void JobManager::readInPlace(const QString &id, const QString &holder)
{
    Job *job = mutableJob(id);
    const Job origin = m_pullOrigins.value(id);
    // Only files under the holder's own directory of the shared dir: the paths come from the
    // store, and a record must not make this node read anything else.
    const QString holderDir = QDir(m_settings.sharedDir).filePath(holder) + u'/';
    qint64 bytes = 0;
    for (qsizetype i = 0; i < job->inputs.size() && i < origin.inputs.size(); ++i) {
        const QString path = QDir::cleanPath(origin.inputs.at(i).path);
        const QFileInfo file(path);
        if (m_settings.sharedDir.isEmpty() || !path.startsWith(holderDir) || !file.isFile()
            || file.size() != origin.inputs.at(i).bytes) {
            pullFailed(id, Error(ErrorCode::DownloadFailed,
                                 QStringLiteral("input %1 is not in node %2's directory of the shared dir").arg(i).arg(holder)));
            return;
        }
        // The holder keeps the file (it lends the job) until the job ends; this node only reads it.
        JobInput &input = job->inputs[i];
        input.path = path;
        input.bytes = file.size();
        input.complete = true;
        bytes += input.bytes;
    }
    m_pullOrigins.remove(id);
    m_pullHolders.remove(id);
    persist(*job);
    qCInfo(lcJobs).noquote() << jobFields(*job) << Logging::Fields{{QStringLiteral("node"), holder}}
                             << "inputs read in place in the shared dir, nothing pulled"
                             << Logging::Fields{{QStringLiteral("bytes"), QString::number(bytes)}};
    startProcessing(*job, runtime(id).slot);
}

void JobManager::pullFailed(const QString &id, const Error &error)
{
    Job *job = mutableJob(id);
    if (!job)
        return;
    const QString holder = m_pullHolders.take(id);
    Job origin = m_pullOrigins.take(id);
    QDir(job->directory).removeRecursively();
    m_disk.directoryChanged(job->directory);
    if (portableInputs(origin)) {
        refetchInputs(std::move(origin), holder, error);
        return;
    }
    // Gone for good: no heartbeat for as long as a running job's holder is given (NODE_LOST).
    bool gone = false;
    const qint64 goneAfterMs = qint64(m_store->leaseDuration().count()) * 1000 * 3;
    for (const NodeRecord &node : m_store->nodes()) {
        if (node.name == holder)
            gone = node.heartbeatAgeMs > goneAfterMs;
    }
    const int runs = origin.attempts + 1;
    if (gone || runs > m_settings.maxAttempts) {
        Error failure = gone ? Error(ErrorCode::NodeLost,
                                     QStringLiteral("the only node holding the job's input is gone: %1").arg(error.message),
                                     QJsonObject{{QStringLiteral("node"), holder}})
                             : Error(ErrorCode::AttemptsExhausted,
                                     QStringLiteral("the job's input could not be pulled from node %1 in %2 tries: %3")
                                             .arg(holder)
                                             .arg(runs)
                                             .arg(error.message),
                                     QJsonObject{{QStringLiteral("attempts"), runs},
                                                 {QStringLiteral("max_attempts"), m_settings.maxAttempts}});
        qCWarning(lcJobs).noquote() << jobFields(*job) << Logging::Fields{{QStringLiteral("node"), holder}}
                                    << "cannot pull its input:" << failure.message;
        finishJob(*job, JobStatus::Failed, failure);
        return;
    }
    // Back to its holder, which still has it queued in memory; the pull counts as a run, so a
    // node that can never be reached does not bounce the job for ever.
    origin.status = JobStatus::Queued;
    origin.stage = JobStage::Queued;
    origin.attempts = runs;
    origin.startedAt = QDateTime();
    origin.progress = JobProgress{};
    const bool handed = m_store->handBack(origin, holder);
    qCWarning(lcJobs).noquote() << jobFields(*job) << Logging::Fields{{QStringLiteral("node"), holder}}
                                << "cannot pull its input (" << error.message << ");"
                                << (handed ? "handed back to its node" : "and cannot hand it back:")
                                << (handed ? QString() : m_store->lastError());
    // Nothing of it is this node's: out of memory at once and without an announcement. A
    // `removed` would tell every node's subscribers that a job still queued on its holder is
    // gone, and a copy left in memory until later would make this node refuse the job when
    // its next claim (just below, the holder being still busy) hands it out here again.
    stopRuntime(id);
    if (auto ids = m_byJobId.find(jobIdKey(job->owner, job->jobId)); ids != m_byJobId.end()) {
        ids->removeOne(id);
        if (ids->isEmpty())
            m_byJobId.erase(ids);
    }
    m_order.removeOne(id);
    m_jobs.erase(id);
    schedule();
}

void JobManager::refetchInputs(Job origin, const QString &holder, const Error &error)
{
    // URLs (or storage objects) reach this node as well as they reached the holder: fetching
    // them again here costs one download, where handing the job back would bet a run on a
    // holder that may be dying. No ffmpeg ran, so the attempt does not count. A holder that is
    // alive lets go of the job at its next heartbeat, which finds it on this node.
    const QString id = origin.id;
    stopRuntime(id);   // frees the slot: the job queues here like any other once fetched
    forgetHeld(id);
    Job job = std::move(origin);
    job.status = JobStatus::Downloading;
    job.stage = JobStage::Downloading;
    job.progress = JobProgress{};
    job.startedAt = QDateTime();
    job.connectionId = 0;
    placeInputsHere(job);
    Job &stored = admit(std::move(job));
    if (!QDir().mkpath(stored.directory)) {
        finishJob(stored, JobStatus::Failed, Error(ErrorCode::InternalError, QStringLiteral("cannot create the job's directory")));
        return;
    }
    if (!persistOrAbandon(stored))
        return;
    qCWarning(lcJobs).noquote() << jobFields(stored) << Logging::Fields{{QStringLiteral("node"), holder}}
                                << "cannot pull its input (" << error.message << "); fetching its URL inputs again here";
    emit jobStageChanged(id);
    startInput(stored);
    schedule();
}

bool JobManager::lendAway(const QString &id)
{
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end() || it->second.status != JobStatus::Queued)
        return false;
    qCInfo(lcJobs).noquote() << jobFields(it->second) << "another node claimed the job; its inputs stay here for it";
    stopRuntime(id);
    m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), id), m_queue.end());
    if (auto ids = m_byJobId.find(jobIdKey(it->second.owner, it->second.jobId)); ids != m_byJobId.end()) {
        ids->removeOne(id);
        if (ids->isEmpty())
            m_byJobId.erase(ids);
    }
    m_order.removeOne(id);
    m_lent.insert_or_assign(id, std::move(it->second));
    m_jobs.erase(it);
    reorderQueue();
    return true;
}

Job *JobManager::takeBackLent(const Job &claimed)
{
    const auto it = m_lent.find(claimed.id);
    if (it == m_lent.end())
        return nullptr;
    // The heartbeat lends a job as soon as the store names another node as its holder, which
    // it does for the whole of that node's pull; a pull that then fails hands it back here.
    Job job = std::move(it->second);
    m_lent.erase(it);
    job.status = JobStatus::Queued;
    job.stage = JobStage::Queued;
    job.attempts = std::max(job.attempts, claimed.attempts);
    forgetForeign(job.id);
    const QString id = job.id;
    // Not admit(): the job was counted when it arrived here the first time.
    m_jobs.emplace(id, std::move(job));
    remember(m_jobs.at(id));
    auto runtime = std::make_shared<Runtime>();
    runtime->stageClock.start();
    m_runtimes.insert(id, runtime);
    qCInfo(lcJobs).noquote() << jobFields(m_jobs.at(id)) << "handed back by the node that claimed it; its inputs are still here";
    return &m_jobs.at(id);
}

void JobManager::releaseLent(const QString &id)
{
    const auto it = m_lent.find(id);
    if (it == m_lent.end())
        return;
    QDir(it->second.directory).removeRecursively();
    m_disk.directoryChanged(it->second.directory);
    m_lent.erase(it);
}

} // namespace Mediaforge
