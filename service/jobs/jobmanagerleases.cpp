// SPDX-License-Identifier: GPL-3.0-or-later
// JobManager, continued: leases on a store that several nodes share. A heartbeat every third of
// the lease renews this node's claims (by the database's clock), drops the runs another node
// has taken over, and takes over the jobs of nodes that stopped renewing theirs. The store
// fences every write, so a node that froze past its lease learns at its next write or renewal
// that the job is no longer its own, and then stops its ffmpeg and announces nothing.
#include "jobmanager.h"
#include "jobmanager_p.h"
#include "jobrecovery.h"

#include <QDir>

namespace Mediaforge {

using namespace JobManagerDetail;

namespace {

// Jobs taken over per heartbeat: a node that comes upon many dead nodes' jobs spreads them
// over several beats (and leaves some to the other nodes).
constexpr int kAdoptPerBeat = 4;

} // namespace

void JobManager::startLeases()
{
    const std::chrono::seconds lease = m_store->leaseDuration();
    if (lease.count() <= 0 || m_leaseTimer)
        return;
    m_sinceRenewal.start();
    m_leaseTimer = new QTimer(this);
    m_leaseTimer->setInterval(std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 3);
    connect(m_leaseTimer, &QTimer::timeout, this, &JobManager::heartbeat);
    m_leaseTimer->start();
}

bool JobManager::leasesConfirmed() const
{
    const std::chrono::seconds lease = m_store->leaseDuration();
    // The monotonic clock runs on while the process is stopped: after a SIGSTOP longer than the
    // lease, this says so before anything else happens.
    return lease.count() <= 0 || (m_sinceRenewal.isValid() && m_sinceRenewal.elapsed() < lease.count() * 1000);
}

void JobManager::queueHeartbeat()
{
    if (m_heartbeatQueued || !m_leaseTimer)
        return;
    m_heartbeatQueued = true;
    // Not now: the caller is in the middle of a job's update and must not see it abandoned.
    QMetaObject::invokeMethod(this, &JobManager::heartbeat, Qt::QueuedConnection);
}

void JobManager::heartbeat()
{
    m_heartbeatQueued = false;
    QStringList running;
    for (const auto &[id, job] : m_jobs) {
        if (job.status == JobStatus::Processing && m_runtimes.contains(id))
            running.append(id);
    }
    QElapsedTimer clock;
    clock.start();
    const std::optional<QStringList> lost = m_store->renewLeases(running);
    m_storeLatency.add(clock.nsecsElapsed() / 1000);
    if (!lost) {
        // Nothing is known: the runs go on; if the leases end meanwhile, the store refuses this
        // node's writes and the next renewal names the jobs it lost. An outage of the store was
        // logged once by the store; each beat tries it again (after its back-off).
        if (m_store->reachable())
            qCWarning(lcJobs).noquote() << "cannot renew the leases of" << running.size() << "jobs:" << m_store->lastError();
        return;
    }
    m_sinceRenewal.restart();
    for (const QString &id : *lost)
        abandon(id);
    // What changed while the store was away is written before anything else is decided.
    if (!flushUnstored())
        return;
    // Cancels asked for on other nodes: their notification normally came first; this catches
    // one that was lost (a dropped LISTEN connection, a node that restarted meanwhile).
    for (const QString &id : m_store->cancelRequests()) {
        if (const Job *job = mutableJob(id); job && !isFinished(job->status)) {
            qCInfo(lcJobs).noquote() << jobFields(*job) << "cancelled on another node";
            cancel(id);
        }
    }
    if (!m_shuttingDown) {
        adoptExpired();
        adoptStranded();
    }
    dropMovedAway();
    freeEndedLent();
    // Other nodes' queued jobs are looked for here too: nothing else wakes an idle node.
    if (m_pullSource)
        schedule();
    // Progress held back while the leases were unconfirmed goes out now.
    for (const QString &id : std::as_const(running)) {
        if (Job *job = mutableJob(id); job && !isFinished(job->status))
            flushProgress(*job);
    }
    // Claims that failed while the store was unreachable; nothing when no slot is free.
    schedule();
}

void JobManager::adoptExpired()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    int adopted = 0;
    for (const Job &record : m_store->expiredLeases(kAdoptPerBeat * 4)) {
        if (adopted >= kAdoptPerBeat)
            break;
        if (m_jobs.count(record.id))
            continue;
        if (!portableInputs(record)) {
            // Inputs received on the node that stopped are on its disk only (fetching them
            // from another node is not there yet): the job waits for its node to come back,
            // unless the node is gone for good. Then it fails, once: the take-over is fenced,
            // so of several nodes exactly one writes the failure.
            const QString gone = m_store->goneHolder(record);
            if (gone.isEmpty() || !m_store->takeOver(record))
                continue;
            ++adopted;
            // Unless that node's files are in the shared dir this node mounts too.
            if (sharesDirWith(gone))
                adoptFromSharedDir(record, gone, true, now);
            else
                endForLostNode(record, gone, now);
            continue;
        }
        if (!m_store->takeOver(record))
            continue;
        ++adopted;
        Recovered recovered = adoptJob(record, m_settings.maxAttempts,
                                       QDir(m_settings.tempDir).filePath(kJobDirPrefix + record.id), now);
        Job &job = recovered.job;
        if (recovered.action == Recovered::Action::End) {
            persist(job);
            qCWarning(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("state"), jobStatusName(job.status)}}
                                        << "taken over from a node whose lease ended:"
                                        << (job.error ? job.error->message : QString());
            continue;
        }
        if (!QDir().mkpath(job.directory) || !persist(job))
            continue;
        qCInfo(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("attempts"), QString::number(job.attempts)}}
                                 << "taken over from a node whose lease ended; fetching its inputs again";
        Job &stored = admit(std::move(job));
        emit jobAccepted(stored.id);
        startInput(stored);
    }
}

void JobManager::endForLostNode(const Job &record, const QString &gone, const QDateTime &now)
{
    Job lost = loseJob(record, gone, now).job;
    if (!persist(lost))
        return;
    // What the relay last told this node of the job is stale now: queries read the store.
    forgetForeign(lost.id);
    qCWarning(lcJobs).noquote() << jobFields(lost) << Logging::Fields{{QStringLiteral("node"), gone}}
                                << "failed NODE_LOST: the only node holding its uploaded input is gone";
    // Stored first; then the clients following it here and on every other node hear of it.
    emit jobEndedForLostNode(lost.id);
}

void JobManager::adoptStranded()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    int adopted = 0;
    for (const Job &record : m_store->strandedQueued(kAdoptPerBeat * 4)) {
        if (adopted >= kAdoptPerBeat)
            break;
        if (m_jobs.count(record.id))
            continue;
        const QString gone = m_store->goneHolder(record);
        if (!portableInputs(record) || !ownerCanReturn(record)) {
            // Its input is on the other node's disk only, or its owner's connection is there: it
            // waits for that node (resume_node), unless the node is gone for good. Then it
            // ends, once: the take-over is fenced, so exactly one node writes the end.
            // A draining node leaves a lost node's files in the shared dir to the others.
            const bool shared = !portableInputs(record) && !gone.isEmpty() && sharesDirWith(gone);
            if (gone.isEmpty() || (shared && m_draining) || !m_store->takeOverQueued(record))
                continue;
            ++adopted;
            if (shared) {
                adoptFromSharedDir(record, gone, false, now);
            } else if (!portableInputs(record)) {
                endForLostNode(record, gone, now);
            } else {
                Job job = adoptJob(record, m_settings.maxAttempts, QString(), now).job;   // cancelled: node_lost
                if (persist(job)) {
                    forgetForeign(job.id);
                    emit jobEndedForLostNode(job.id);
                }
            }
            continue;
        }
        // A draining node takes nothing; the others take a draining or lost node's queue.
        if (m_draining || !m_store->takeOverQueued(record))
            continue;
        ++adopted;
        const QString directory = QDir(m_settings.tempDir).filePath(kJobDirPrefix + record.id);
        // A download interrupted by its node's death counts as a run (attempts + 1), as a
        // running job's does; a queued job moves as it is.
        const bool downloading = record.status == JobStatus::Downloading;
        Recovered moved = downloading ? adoptJob(record, m_settings.maxAttempts, directory, now)
                                      : moveQueuedJob(record, directory);
        Job job = std::move(moved.job);
        if (moved.action == Recovered::Action::End) {
            if (persist(job)) {
                forgetForeign(job.id);
                qCWarning(lcJobs).noquote() << jobFields(job) << "taken over from a silent node while downloading:"
                                            << (job.error ? job.error->message : QString());
                emit jobEndedForLostNode(job.id);
            }
            continue;
        }
        if (!QDir().mkpath(job.directory) || !persist(job))
            continue;
        forgetForeign(job.id);
        qCInfo(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("attempts"), QString::number(job.attempts)}}
                                 << "taken over from"
                                 << (downloading ? "a silent node while downloading" : gone.isEmpty() ? "the queue of a draining node"
                                                                                                     : "the queue of a lost node")
                                 << "; fetching its inputs again";
        Job &stored = admit(std::move(job));
        emit jobAccepted(stored.id);
        startInput(stored);
    }
}

void JobManager::dropMovedAway()
{
    // Queued jobs of this node that another node took (this one drains, or was thought gone):
    // their new holder runs them; here they leave the queue without a word.
    QStringList queued;
    for (const QString &id : m_queue) {
        if (!m_parked.contains(id))
            queued.append(id);
    }
    if (queued.isEmpty() || m_store->leaseDuration().count() <= 0)
        return;
    QStringList claimed;
    for (const QString &id : m_store->movedAway(queued, &claimed))
        abandon(id);
    // Claimed by a node that pulls their inputs from here, and the relay's word of it has not
    // come (or got lost): lent, so that the inputs stay until the job ends.
    for (const QString &id : std::as_const(claimed))
        lendAway(id);
}

void JobManager::freeEndedLent()
{
    // The relay frees a lent job's inputs when it hears the job end; a notification lost in a
    // relay outage would otherwise keep them until a restart. One query per heartbeat, only
    // while something is lent.
    if (m_lent.empty())
        return;
    QStringList lent;
    for (const auto &[id, job] : m_lent)
        lent.append(id);
    const std::optional<QStringList> ended = m_store->endedAmong(lent);
    if (!ended)
        return;
    for (const QString &id : *ended) {
        qCInfo(lcJobs).noquote() << Logging::Fields{{QStringLiteral("job"), id}}
                                 << "the node that ran a lent job has ended it (found at a heartbeat); its inputs here are freed";
        releaseLent(id);
    }
}

void JobManager::setDraining(bool draining)
{
    if (m_draining == draining)
        return;
    m_draining = draining;
    qCInfo(lcJobs).noquote() << (draining ? "draining: running jobs finish, nothing new is claimed"
                                          : "resumed: claiming queued jobs again");
    if (!draining)
        schedule();
}

void JobManager::abandon(const QString &id)
{
    // Also for a job that finishJob() has just marked finished: its final write was the one
    // refused, and what it left (outputs) must go the same way.
    Job *job = mutableJob(id);
    if (!job)
        return;
    qCWarning(lcJobs).noquote() << jobFields(*job)
                                << "another node took the job over (this node's lease ended): its run here stops "
                                   "and announces nothing";
    // The runtime's end stops ffmpeg (its whole process group) and any download.
    stopRuntime(id);
    m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), id), m_queue.end());
    // What this run wrote here is nobody's: the job's new holder has its own directory.
    QDir(job->directory).removeRecursively();
    m_disk.directoryChanged(job->directory);
    // Nothing this run changed is written or announced any more: not an end held during an
    // outage of the store, nor a state kept for it.
    m_unannounced.remove(id);
    m_unstored.remove(id);
    m_parked.remove(id);
    // Ended here, so that nothing treats it as running until letGo() (callers up the stack may
    // still hold the job), which hands it to its new holder.
    job->status = JobStatus::Cancelled;
    job->outputsRemoved = true;
    m_takenOver.insert(id);
    QMetaObject::invokeMethod(this, [this, id] { letGo(id); }, Qt::QueuedConnection);
    schedule();
    checkDrained();
}

void JobManager::letGo(const QString &id)
{
    if (!m_takenOver.remove(id))
        return;
    // The job lives on with its new holder. This node follows it from now on as any other
    // node's job, without a "removed" that would end its followers here: its clients here
    // hear how it goes on through the relay, or at once if it has ended already (this node
    // may have been cut off while it did, and missed the notification).
    forgetHeld(id);
    if (std::optional<Job> stored = m_store->load(id)) {
        if (isFinished(stored->status))
            emit jobEndedElsewhere(id);
        else
            noteForeign(std::move(*stored));
    }
}

bool JobManager::persistOrAbandon(Job &job)
{
    if (persist(job) || !m_store->lastWriteFenced())
        return true;   // a store that cannot write is logged; the job goes on as before
    abandon(job.id);
    return false;
}

} // namespace Mediaforge
