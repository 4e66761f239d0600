// SPDX-License-Identifier: GPL-3.0-or-later
// JobManager, continued: the limits a batch meets as a whole. submit() checks each job against
// room for one more; a batch needs room for all of its items at once, or it would be refused
// half way with some of its jobs already running.
#include "jobmanager.h"

#include <QJsonArray>
#include <QJsonObject>

namespace Mediaforge {

std::optional<Error> JobManager::admitBatch(const QList<SubmitRequest> &items)
{
    if (items.isEmpty())
        return Error(ErrorCode::ValidationError, QStringLiteral("a batch needs at least one item"));
    if (m_shuttingDown)
        return Error(ErrorCode::ShuttingDown, QStringLiteral("the service is shutting down; no new jobs"));
    if (!m_store->reachable() && m_store->retryAfter().count() > 0)
        return storeUnavailable();
    // Storage names and keys, which only the manager can check, before anything is created:
    // submit() would find an unknown storage only after the items before it had started.
    for (qsizetype i = 0; i < items.size(); ++i) {
        QList<JobInput> inputs = items.at(i).inputs;
        if (auto refused = checkStorageInputs(inputs)) {
            QJsonArray details;
            for (const QJsonValue &detail : refused->details.toArray()) {
                QJsonObject moved = detail.toObject();
                moved.insert(QStringLiteral("path"), QString(QStringLiteral("items[%1].").arg(i) + moved.value(QStringLiteral("path")).toString()));
                details.append(moved);
            }
            refused->details = details;
            refused->message = details.at(0)[QLatin1StringView("path")].toString() + QStringLiteral(": ") + refused->message;
            return refused;
        }
    }
    const QString &owner = items.constFirst().owner;
    const int count = int(items.size());
    for (const SubmitRequest &item : items) {
        const Job *existing = findJob(owner, item.jobId);
        if (existing && !isFinished(existing->status)) {
            return Error(ErrorCode::DuplicateJob,
                         QStringLiteral("job_id '%1' is already in use by an unfinished job").arg(item.jobId));
        }
    }
    int waiting = 0;
    int waitingOfOwner = 0;
    int unfinishedOfOwner = 0;
    for (const auto &[id, job] : m_jobs) {
        if (isFinished(job.status))
            continue;
        if (job.owner == owner)
            ++unfinishedOfOwner;
        if (job.status != JobStatus::Processing) {
            ++waiting;
            if (job.owner == owner)
                ++waitingOfOwner;
        }
    }
    if (waiting + count > m_settings.maxQueuedJobs) {
        return Error(ErrorCode::QueueFull,
                     QStringLiteral("the service has %1 jobs waiting; a batch of %2 does not fit").arg(waiting).arg(count),
                     QJsonObject{{QStringLiteral("limit"), QStringLiteral("global")},
                                 {QStringLiteral("max"), m_settings.maxQueuedJobs}});
    }
    const int ownerMax = std::max(1, int(qint64(m_settings.maxQueuedJobs) * m_settings.ownerQueueSharePercent / 100));
    if (m_settings.ownerQueueSharePercent < 100 && waitingOfOwner + count > ownerMax) {
        return Error(ErrorCode::QueueFull,
                     QStringLiteral("this owner has %1 jobs waiting; a batch of %2 exceeds its share of the queue")
                             .arg(waitingOfOwner)
                             .arg(count),
                     QJsonObject{{QStringLiteral("limit"), QStringLiteral("per_owner")}, {QStringLiteral("max"), ownerMax}});
    }
    if (const auto quota = m_quotas.constFind(owner); quota != m_quotas.cend() && quota->maxUnfinishedJobs > 0
                                                      && unfinishedOfOwner + count > quota->maxUnfinishedJobs) {
        return Error(ErrorCode::QuotaExceeded,
                     QStringLiteral("at most %1 unfinished jobs; a batch of %2 does not fit").arg(quota->maxUnfinishedJobs).arg(count),
                     QJsonObject{{QStringLiteral("quota"), QStringLiteral("unfinished_jobs")},
                                 {QStringLiteral("limit"), quota->maxUnfinishedJobs},
                                 {QStringLiteral("used"), unfinishedOfOwner}});
    }
    if (const int perMinute = jobsPerMinuteOf(owner); perMinute > 0) {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        int recent = 0;
        for (const QDateTime &at : m_recentSubmits.value(owner))
            recent += at.secsTo(now) < m_settings.rateWindow.count() ? 1 : 0;
        if (recent + count > perMinute) {
            return Error(ErrorCode::RateLimited,
                         QStringLiteral("at most %1 new jobs a minute; a batch of %2 does not fit now").arg(perMinute).arg(count),
                         QJsonObject{{QStringLiteral("retry_after_seconds"), qint64(m_settings.rateWindow.count())},
                                     {QStringLiteral("limit"), perMinute}});
        }
    }
    return std::nullopt;
}

} // namespace Mediaforge
