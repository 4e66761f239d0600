// SPDX-License-Identifier: GPL-3.0-or-later
// JobManager, continued: what ties it to its JobStore. Crash recovery at start-up, the sweep of
// files no record owns, history (records read back, purged after --history-days, finished jobs
// leaving memory) and the graceful stop that keeps the queue.
#include "jobmanager.h"
#include "jobmanager_p.h"
#include "fairqueue.h"
#include "jobrecovery.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <utility>
#include <cmath>

namespace Mediaforge {

using namespace JobManagerDetail;

void StoreLatency::add(qint64 microseconds)
{
    if (m_samples.size() < kCapacity)
        m_samples.push_back(microseconds);
    else
        m_samples[size_t(m_count % qint64(kCapacity))] = microseconds;
    ++m_count;
}

qint64 StoreLatency::percentile(double fraction) const
{
    if (m_samples.empty())
        return 0;
    std::vector<qint64> sorted = m_samples;
    const size_t rank = std::min(sorted.size() - 1, size_t(std::ceil(fraction * double(sorted.size()))) - 1);
    std::nth_element(sorted.begin(), sorted.begin() + qsizetype(rank), sorted.end());
    return sorted[rank];
}

bool JobManager::persist(const Job &job)
{
    QElapsedTimer clock;
    clock.start();
    const bool ok = m_store->save(job);
    m_storeLatency.add(clock.nsecsElapsed() / 1000);
    if (ok) {
        m_unstored.remove(job.id);   // a newer state than the one kept, if any
        // A held end that a later write stored (the job's files released meanwhile, say):
        // announced after the caller is done with the job, not from inside its change.
        if (m_unannounced.contains(job.id))
            QMetaObject::invokeMethod(this, [this, id = job.id] { announceHeld(id); }, Qt::QueuedConnection);
    } else if (!m_store->reachable()) {
        // Kept for when the store returns (flushUnstored); the store logged the outage once.
        keepUnstored(job);
    } else {
        qCWarning(lcJobs).noquote() << jobFields(job) << "cannot record the job's state:" << m_store->lastError();
    }
    return ok;
}

void JobManager::recover()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QList<Job> records = m_store->live();
    int queued = 0;
    int ended = 0;
    int kept = 0;
    for (const Job &record : records) {
        Recovered recovered = recoverJob(record, m_settings.maxAttempts, now);
        Job &job = recovered.job;
        const bool changed = recovered.action != Recovered::Action::KeepOutputs || job.outputsRemoved != record.outputsRemoved;
        // Fenced: another node took the job over between the read and this write.
        if (changed && !persist(job) && m_store->lastWriteFenced())
            continue;
        if (recovered.action == Recovered::Action::End) {
            QDir(job.directory).removeRecursively();
            if (record.status != job.status) {
                qCInfo(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("state"), jobStatusName(job.status)}}
                                         << "ended at start-up:" << (job.error ? job.error->message : QString());
            }
            ++ended;
            continue;
        }
        const QString id = job.id;
        m_jobs.emplace(id, std::move(job));
        Job &stored = m_jobs.at(id);
        remember(stored);
        if (isFinished(stored.status) && stored.outputsRemoved)
            scheduleEviction(id);
        // Nobody is connected after a start: an owner that can come back gets the grace again.
        holdForOwner(stored);
        if (recovered.action == Recovered::Action::KeepOutputs) {
            ++kept;
            continue;
        }
        auto runtime = std::make_shared<Runtime>();
        runtime->stageClock.start();
        m_runtimes.insert(id, runtime);
        if (recovered.action == Recovered::Action::Queue) {
            // What an interrupted run left (partial outputs, work files) goes; the inputs stay.
            QDir directory(stored.directory);
            const QStringList entries = directory.entryList(QDir::Files | QDir::NoDotAndDotDot);
            for (const QString &entry : entries) {
                const QString path = directory.filePath(entry);
                if (std::none_of(stored.inputs.cbegin(), stored.inputs.cend(),
                                 [&path](const JobInput &input) { return input.path == path; }))
                    QFile::remove(path);
            }
            m_queue.push_back(id);
            ++queued;
        } else {
            startInput(stored);
            runtime->uploadResumed = recovered.action == Recovered::Action::Upload;
        }
    }
    reorderQueue();
    if (!records.isEmpty()) {
        qCInfo(lcJobs).noquote() << "recovered from" << m_store->describe() << ":" << queued << "queued," << kept
                                 << "with outputs kept," << ended << "ended";
    }
}

void JobManager::sweep()
{
    // Whatever a crash left behind that no record owns any more.
    QDir root(m_settings.tempDir);
    const QStringList entries = root.entryList({kJobDirPrefix + u'*'}, QDir::Dirs | QDir::NoDotAndDotDot);
    int removed = 0;
    for (const QString &name : entries) {
        const QString id = name.mid(kJobDirPrefix.size());
        if (m_jobs.count(id) && QFileInfo(m_jobs.at(id).directory) == QFileInfo(root.filePath(name)))
            continue;
        QDir(root.filePath(name)).removeRecursively();
        ++removed;
    }
    if (removed)
        qCInfo(lcJobs) << "removed" << removed << "job directories no record owns";
}

void JobManager::purgeHistory()
{
    const int removed = m_store->purgeFinishedBefore(QDateTime::currentDateTimeUtc().addDays(-m_settings.historyDays));
    if (removed > 0)
        qCInfo(lcJobs) << "removed" << removed << "job and batch records older than" << m_settings.historyDays << "days";
}

void JobManager::scheduleEviction(const QString &id)
{
    // Only the jobs that may have become evictable are looked at: a walk over every job in
    // memory per ended job made each end cost O(jobs live).
    m_evictable.append(id);
    if (m_evictionPending)
        return;
    m_evictionPending = true;
    // Deferred: whoever reacts to the signal that ended the job still reads it from memory.
    QMetaObject::invokeMethod(this, &JobManager::evictFinished, Qt::QueuedConnection);
}

void JobManager::remember(Job &job)
{
    // Whatever node the record named, a job in this node's memory is this node's to run.
    job.node = m_settings.clusterNode;
    m_order.append(job.id);
    m_byJobId[jobIdKey(job.owner, job.jobId)].append(job.id);
}

QString JobManager::jobIdKey(const QString &owner, const QString &jobId)
{
    return owner + QChar(0) + jobId;
}

void JobManager::evictFinished()
{
    m_evictionPending = false;
    const QStringList candidates = std::exchange(m_evictable, {});
    for (const QString &id : candidates) {
        const auto it = m_jobs.find(id);
        if (it == m_jobs.end() || !isFinished(it->second.status) || !it->second.outputsRemoved)
            continue;
        if (m_takenOver.contains(id))
            continue;   // letGo() takes it out of memory, without a "removed"
        if (m_unannounced.contains(id)) {
            m_evictable.append(id);   // announceFinished() schedules it again
            continue;
        }
        forgetHeld(id);
        emit jobRemoved(id);
    }
}

void JobManager::forgetHeld(const QString &id)
{
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return;
    const QString key = jobIdKey(it->second.owner, it->second.jobId);
    if (auto ids = m_byJobId.find(key); ids != m_byJobId.end()) {
        ids->removeOne(id);
        if (ids->isEmpty())
            m_byJobId.erase(ids);
    }
    m_jobs.erase(it);
    m_order.removeOne(id);
}

const Job *JobManager::heldJob(const QString &id) const
{
    if (const auto it = m_jobs.find(id); it != m_jobs.end())
        return &it->second;
    // Lent to the node that claimed it: its inputs are still served from here.
    const auto lent = m_lent.find(id);
    return lent == m_lent.end() ? nullptr : &lent->second;
}

const Job *JobManager::job(const QString &id) const
{
    if (const auto it = m_jobs.find(id); it != m_jobs.end())
        return &it->second;
    if (const auto it = m_foreign.find(id); it != m_foreign.end())
        return &it->second;
    if (const auto it = m_loaded.find(id); it != m_loaded.end())
        return &it->second;
    std::optional<Job> stored = m_store->load(id);
    if (!stored)
        return nullptr;
    if (!m_loadedPrune) {
        // Records read back live until the event loop runs again: long enough for the request
        // that asked, short enough that memory holds only live jobs.
        m_loadedPrune = true;
        QMetaObject::invokeMethod(
                const_cast<JobManager *>(this),
                [this] {
                    m_loaded.clear();
                    m_loadedPrune = false;
                },
                Qt::QueuedConnection);
    }
    return &m_loaded.emplace(id, std::move(*stored)).first->second;
}

void JobManager::noteForeign(Job job)
{
    // Enough for every job a large cluster runs at once; a node that vanished without a last
    // word must not make this grow.
    constexpr size_t kMaxForeign = 10000;
    if (m_jobs.count(job.id))
        return;
    const QString id = job.id;
    m_loaded.erase(id);
    if (m_foreign.insert_or_assign(id, std::move(job)).second)
        m_foreignOrder.push_back(id);
    while (m_foreign.size() > kMaxForeign && !m_foreignOrder.empty()) {
        m_foreign.erase(m_foreignOrder.front());
        m_foreignOrder.pop_front();
    }
}

QList<Job> JobManager::jobsElsewhere(const QString &owner, int limit) const
{
    QList<Job> jobs = m_store->unfinishedElsewhere(owner, limit);
    for (Job &job : jobs) {
        if (const auto it = m_foreign.find(job.id); it != m_foreign.end())
            job = it->second;
    }
    return jobs;
}

void JobManager::forgetForeign(const QString &id)
{
    if (m_foreign.erase(id))
        m_foreignOrder.erase(std::find(m_foreignOrder.begin(), m_foreignOrder.end(), id));
    m_loaded.erase(id);
}

HistoryPage JobManager::history(const HistoryQuery &query) const
{
    return m_store->history(query);
}

const Job *JobManager::findJob(const QString &owner, const QString &jobId) const
{
    // The latest job in memory with that job_id (several when earlier ones are finished).
    if (const auto ids = m_byJobId.constFind(jobIdKey(owner, jobId)); ids != m_byJobId.cend())
        return &m_jobs.at(ids->constLast());
    const std::optional<Job> stored = m_store->findLatest(owner, jobId);
    return stored ? job(stored->id) : nullptr;
}

void JobManager::shutdown(std::chrono::milliseconds drain)
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    const Error shuttingDown(ErrorCode::ShuttingDown, QStringLiteral("the service is shutting down"));
    QStringList waiting;
    for (auto &[id, job] : m_jobs) {
        if (isFinished(job.status) || job.status == JobStatus::Processing)
            continue;
        // Queued jobs and downloads (which start again) of owners who can come back stay for
        // the next start; an upload cannot continue without its connection.
        if (ownerCanReturn(job) && (job.status == JobStatus::Queued || job.status == JobStatus::Downloading))
            park(job);
        else
            waiting.append(id);
    }
    for (const QString &id : std::as_const(waiting))
        finishJob(m_jobs.at(id), JobStatus::Cancelled, shuttingDown);
    m_drainTimer = new QTimer(this);
    m_drainTimer->setSingleShot(true);
    connect(m_drainTimer, &QTimer::timeout, this, [this, shuttingDown] {
        QStringList running;
        for (const auto &[id, job] : m_jobs) {
            if (!isFinished(job.status) && !m_parked.contains(id))
                running.append(id);
        }
        for (const QString &id : std::as_const(running)) {
            Job &job = m_jobs.at(id);
            if (ownerCanReturn(job))
                park(job);
            else
                finishJob(job, JobStatus::Cancelled, shuttingDown);
        }
        checkDrained();
    });
    m_drainTimer->start(drain);
    checkDrained();
}

void JobManager::park(Job &job)
{
    m_parked.insert(job.id);
    if (job.status == JobStatus::Queued)
        return;   // already stored as queued
    stopRuntime(job.id);
    if (job.status == JobStatus::Processing) {
        // Partial outputs and work files go; the inputs stay for the next run. The service
        // stopped this run, not the job: attempts stay as they are.
        QDir directory(job.directory);
        const QStringList entries = directory.entryList(QDir::Files | QDir::NoDotAndDotDot);
        for (const QString &entry : entries) {
            const QString path = directory.filePath(entry);
            const bool isInput = std::any_of(job.inputs.cbegin(), job.inputs.cend(),
                                             [&path](const JobInput &input) { return input.path == path; });
            if (!isInput)
                QFile::remove(path);
        }
        job.outputs.clear();
        job.probeResult = QJsonObject();
        job.startedAt = QDateTime();
        job.status = JobStatus::Queued;
        job.stage = JobStage::Queued;
        job.progress = JobProgress{};
        persist(job);
        qCInfo(lcJobs).noquote() << jobFields(job) << "stopped by the shutdown; queued for the next start";
        emit jobStageChanged(job.id);
    }
}

void JobManager::checkDrained()
{
    if (!m_shuttingDown)
        return;
    for (const auto &[id, job] : m_jobs) {
        if (!isFinished(job.status) && !m_parked.contains(id))
            return;
    }
    if (m_drainTimer) {
        m_drainTimer->stop();
        m_drainTimer->deleteLater();
        m_drainTimer = nullptr;
        QMetaObject::invokeMethod(this, &JobManager::drained, Qt::QueuedConnection);
    }
}

// m_queue mirrors the order in which the store's claimNext takes queued jobs (FairQueue), so
// that queue positions say where a job really stands.
void JobManager::reorderQueue()
{
    if (m_queue.size() < 2)
        return;
    QHash<QString, int> running;
    for (const QString &id : std::as_const(m_slots)) {
        if (const auto it = m_jobs.find(id); !id.isEmpty() && it != m_jobs.end())
            ++running[it->second.owner];
    }
    QList<FairQueue::Entry> queued;
    queued.reserve(qsizetype(m_queue.size()));
    for (const QString &id : m_queue)
        queued.append(FairQueue::entryOf(m_jobs.at(id)));
    const QStringList order = FairQueue::claimOrder(queued, running);
    m_queue.assign(order.cbegin(), order.cend());
}

} // namespace Mediaforge
