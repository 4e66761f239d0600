// SPDX-License-Identifier: GPL-3.0-or-later
// JobManager, continued: a store that cannot be reached for a while (a PostgreSQL server that
// restarts or a network that drops). Running jobs go on; new ones are refused with a hint to
// retry, since accepting a job the store cannot record would break "nothing accepted is lost";
// and the state changes the store could not take are kept, the latest per job, and written
// when it answers again. Those writes are fenced like every other: if another node took a job
// over meanwhile, this node's result is refused and its run is abandoned.
#include "jobmanager.h"
#include "jobmanager_p.h"

#include <algorithm>
#include <cmath>

namespace Mediaforge {

using namespace JobManagerDetail;

Error JobManager::storeUnavailable() const
{
    // At least a second: a client that retries at once would only meet the same outage.
    const qint64 retry = std::max<qint64>(1, qint64(std::ceil(double(m_store->retryAfter().count()) / 1000.0)));
    return Error(ErrorCode::SubmitFailed,
                 QStringLiteral("the job store cannot be reached; retry in %1 s").arg(retry),
                 QJsonObject{{QStringLiteral("reason"), QStringLiteral("store_unavailable")},
                             {QStringLiteral("retry_after_seconds"), retry}});
}

void JobManager::keepUnstored(const Job &job)
{
    // One entry per job: no job is accepted while the store is away, so this holds at most
    // the jobs this node had in memory when the outage began.
    m_unstored.insert(job.id, job);
}

bool JobManager::flushUnstored()
{
    if (m_unstored.isEmpty())
        return true;
    QList<Job> pending = m_unstored.values();
    std::sort(pending.begin(), pending.end(), [](const Job &a, const Job &b) { return a.sequence < b.sequence; });
    int written = 0;
    int refused = 0;
    for (const Job &kept : std::as_const(pending)) {
        // What memory holds now is at least as new as what was kept (the job may have gone on).
        const Job *held = heldJob(kept.id);
        const Job &job = held ? *held : kept;
        if (m_store->save(job)) {
            m_unstored.remove(kept.id);
            ++written;
            announceHeld(kept.id);
            continue;
        }
        if (m_store->lastWriteFenced()) {
            m_unstored.remove(kept.id);
            m_unannounced.remove(kept.id);   // the job's new holder announces its own end
            ++refused;
            abandon(kept.id);
            continue;
        }
        if (!m_store->reachable())
            return false;   // gone again: the next heartbeat tries once more
        // Any other failure is one of this job's own; it was logged and is not retried, and
        // an end held for it goes out as it would have without the outage.
        m_unstored.remove(kept.id);
        announceHeld(kept.id);
    }
    qCInfo(lcJobs).noquote() << "the job store is back: wrote" << written
                             << "state changes made while it was unreachable;" << refused
                             << "refused because another node took the job over";
    return true;
}

void JobManager::announceHeld(const QString &id)
{
    if (!m_unannounced.remove(id))
        return;
    if (const Job *job = heldJob(id); job && isFinished(job->status))
        announceFinished(*job);
}

} // namespace Mediaforge
