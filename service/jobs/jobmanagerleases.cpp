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
        // node's writes and the next renewal names the jobs it lost.
        qCWarning(lcJobs).noquote() << "cannot renew the leases of" << running.size() << "jobs:" << m_store->lastError();
        return;
    }
    m_sinceRenewal.restart();
    for (const QString &id : *lost)
        abandon(id);
    // Cancels asked for on other nodes: their notification normally came first; this catches
    // one that was lost (a dropped LISTEN connection, a node that restarted meanwhile).
    for (const QString &id : m_store->cancelRequests()) {
        if (const Job *job = mutableJob(id); job && !isFinished(job->status)) {
            qCInfo(lcJobs).noquote() << jobFields(*job) << "cancelled on another node";
            cancel(id);
        }
    }
    if (!m_shuttingDown)
        adoptExpired();
    // Other nodes' queued jobs are looked for here too: nothing else wakes an idle node.
    if (m_pullSource)
        schedule();
    // Progress held back while the leases were unconfirmed goes out now.
    for (const QString &id : std::as_const(running)) {
        if (Job *job = mutableJob(id); job && !isFinished(job->status))
            flushProgress(*job);
    }
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
            Job lost = loseJob(record, gone, now).job;
            persist(lost);
            // What the relay last told this node of the job (running on the lost node) is
            // stale now: queries read the store's record again.
            forgetForeign(lost.id);
            qCWarning(lcJobs).noquote() << jobFields(lost) << Logging::Fields{{QStringLiteral("node"), gone}}
                                        << "failed NODE_LOST: the only node holding its uploaded input is gone";
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
    // In memory only, so that nothing here treats it as running; the record is the new
    // holder's. It leaves memory with the other finished jobs.
    job->status = JobStatus::Cancelled;
    job->outputsRemoved = true;
    m_parked.remove(id);
    scheduleEviction(id);
    schedule();
    checkDrained();
}

bool JobManager::persistOrAbandon(Job &job)
{
    if (persist(job) || !m_store->lastWriteFenced())
        return true;   // a store that cannot write is logged; the job goes on as before
    abandon(job.id);
    return false;
}

} // namespace Mediaforge
