// SPDX-License-Identifier: GPL-3.0-or-later
#include "memoryjobstore.h"

#include "fairqueue.h"

#include <QSet>

#include <algorithm>

namespace Mediaforge {

bool finishedAfter(const Job &a, const Job &b)
{
    const qint64 aMs = a.finishedAt.toMSecsSinceEpoch();
    const qint64 bMs = b.finishedAt.toMSecsSinceEpoch();
    if (aMs != bMs)
        return aMs > bMs;
    return a.sequence > b.sequence;
}

HistoryCursor historyCursorOf(const Job &job)
{
    return HistoryCursor{job.finishedAt.toMSecsSinceEpoch(), job.sequence};
}

bool MemoryJobStore::insert(const Job &job)
{
    if (m_jobs.count(job.id)) {
        m_lastError = QStringLiteral("job %1 exists").arg(job.id);
        return false;
    }
    m_jobs.emplace(job.id, job);
    m_maxSequence = std::max<quint64>(m_maxSequence, job.sequence);
    addDelivery(job, std::nullopt);
    return true;
}

bool MemoryJobStore::save(const Job &job)
{
    const auto it = m_jobs.find(job.id);
    if (it == m_jobs.end()) {
        m_lastError = QStringLiteral("no job %1").arg(job.id);
        return false;
    }
    const JobStatus previous = it->second.status;
    it->second = job;
    addDelivery(job, previous);
    m_maxSequence = std::max<quint64>(m_maxSequence, job.sequence);
    return true;
}

bool MemoryJobStore::saveProgress(const QString &id, JobStage stage, double percentage)
{
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end()) {
        m_lastError = QStringLiteral("no job %1").arg(id);
        return false;
    }
    it->second.stage = stage;
    it->second.progress.percentage = percentage;
    return true;
}

std::optional<Job> MemoryJobStore::claimNext(const QDateTime &now)
{
    QHash<QString, int> running;
    for (const auto &[id, job] : m_jobs) {
        if (job.status == JobStatus::Processing)
            ++running[job.owner];
    }
    Job *best = nullptr;
    for (auto &[id, job] : m_jobs) {
        if (job.status != JobStatus::Queued)
            continue;
        if (!best || FairQueue::claimedBefore(FairQueue::entryOf(job), running.value(job.owner),
                                              FairQueue::entryOf(*best), running.value(best->owner)))
            best = &job;
    }
    if (!best)
        return std::nullopt;
    best->status = JobStatus::Processing;
    best->stage = JobStage::Processing;
    best->startedAt = now;
    best->progress = JobProgress{};
    addDelivery(*best, JobStatus::Queued);
    return *best;
}

std::optional<Job> MemoryJobStore::load(const QString &id)
{
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return std::nullopt;
    return it->second;
}

std::optional<Job> MemoryJobStore::findLatest(const QString &owner, const QString &jobId)
{
    const Job *latest = nullptr;
    for (const auto &[id, job] : m_jobs) {
        if (job.owner == owner && job.jobId == jobId && (!latest || job.sequence > latest->sequence))
            latest = &job;
    }
    return latest ? std::optional<Job>(*latest) : std::nullopt;
}

std::optional<Job> MemoryJobStore::findByIdempotencyKey(const QString &owner, const QString &key, const QDateTime &since)
{
    const Job *latest = nullptr;
    for (const auto &[id, job] : m_jobs) {
        if (!key.isEmpty() && job.idempotencyOwner == owner && job.idempotencyKey == key && job.createdAt >= since
            && (!latest || job.sequence > latest->sequence))
            latest = &job;
    }
    return latest ? std::optional<Job>(*latest) : std::nullopt;
}

QList<Job> MemoryJobStore::live()
{
    QList<Job> list;
    for (const auto &[id, job] : m_jobs) {
        if (!isFinished(job.status) || !job.outputsRemoved)
            list.append(job);
    }
    std::sort(list.begin(), list.end(), [](const Job &a, const Job &b) { return a.sequence < b.sequence; });
    return list;
}

HistoryPage MemoryJobStore::history(const HistoryQuery &query)
{
    QList<const Job *> matching;
    for (const auto &[id, job] : m_jobs) {
        if (!isFinished(job.status) || !job.finishedAt.isValid())
            continue;
        if (!query.owner.isEmpty() && job.owner != query.owner)
            continue;
        if (!query.states.isEmpty() && !query.states.contains(job.status))
            continue;
        if (query.before) {
            const qint64 ms = job.finishedAt.toMSecsSinceEpoch();
            if (ms > query.before->finishedMs || (ms == query.before->finishedMs && job.sequence >= query.before->sequence))
                continue;
        }
        matching.append(&job);
    }
    std::sort(matching.begin(), matching.end(), [](const Job *a, const Job *b) { return finishedAfter(*a, *b); });
    HistoryPage page;
    const int limit = std::max(1, query.limit);
    for (qsizetype i = 0; i < matching.size() && i < limit; ++i)
        page.jobs.append(*matching.at(i));
    if (matching.size() > limit)
        page.next = historyCursorOf(page.jobs.constLast());
    return page;
}

int MemoryJobStore::purgeFinishedBefore(const QDateTime &cutoff)
{
    int removed = 0;
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        const Job &job = it->second;
        if (isFinished(job.status) && job.outputsRemoved && job.finishedAt.isValid() && job.finishedAt < cutoff) {
            // Its finished deliveries go with it; pending ones are still owed to the receiver.
            const QString id = job.id;
            m_deliveries.removeIf([&id](const StoredDelivery &stored) {
                return stored.delivery.job == id && stored.delivery.status != WebhookDelivery::Status::Pending;
            });
            it = m_jobs.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    for (auto it = m_batches.begin(); it != m_batches.end();) {
        if (it->isFinished() && it->finishedAt.isValid() && it->finishedAt < cutoff) {
            const QString id = it->id;
            m_deliveries.removeIf([&id](const StoredDelivery &stored) {
                return stored.delivery.job == id && stored.delivery.status != WebhookDelivery::Status::Pending;
            });
            it = m_batches.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    return removed;
}

quint64 MemoryJobStore::maxSequence()
{
    return m_maxSequence;
}

QHash<QString, qint64> MemoryJobStore::inputBytesSince(const QString &owner, const QDateTime &since)
{
    QHash<QString, qint64> bytes;
    for (const auto &[id, job] : m_jobs) {
        if (job.owner != owner || job.createdAt < since)
            continue;
        qint64 total = 0;
        for (const JobInput &input : job.inputs)
            total += input.bytes;
        bytes.insert(id, total);
    }
    return bytes;
}

void MemoryJobStore::addDelivery(const Job &job, std::optional<JobStatus> previous)
{
    std::optional<WebhookDelivery> entry = WebhookOutbox::entryFor(job, previous, QDateTime::currentDateTimeUtc());
    if (!entry)
        return;
    for (const StoredDelivery &stored : std::as_const(m_deliveries)) {
        if (stored.delivery.job == job.id)
            entry->position = std::max(entry->position, stored.delivery.position);
    }
    ++entry->position;
    m_deliveries.append(StoredDelivery{*entry, QDateTime()});
}

QList<WebhookDelivery> MemoryJobStore::claimDeliveries(const QDateTime &now, int limit, std::chrono::milliseconds lease)
{
    QList<WebhookDelivery> due;
    QSet<QString> blocked;   // jobs with an earlier pending delivery
    for (StoredDelivery &stored : m_deliveries) {
        WebhookDelivery &delivery = stored.delivery;
        if (delivery.status != WebhookDelivery::Status::Pending)
            continue;
        if (blocked.contains(delivery.job))
            continue;
        blocked.insert(delivery.job);
        if (delivery.nextAttemptAt > now || (stored.leaseUntil.isValid() && stored.leaseUntil > now))
            continue;
        if (due.size() >= limit)
            continue;
        stored.leaseUntil = now.addMSecs(lease.count());
        due.append(delivery);
    }
    return due;
}

bool MemoryJobStore::recordDeliveryAttempt(const WebhookDelivery &delivery)
{
    for (StoredDelivery &stored : m_deliveries) {
        if (stored.delivery.id == delivery.id) {
            stored.delivery = delivery;
            stored.leaseUntil = QDateTime();
            return true;
        }
    }
    m_lastError = QStringLiteral("no delivery %1").arg(delivery.id);
    return false;
}

void MemoryJobStore::releaseDeliveryLeases()
{
    for (StoredDelivery &stored : m_deliveries)
        stored.leaseUntil = QDateTime();
}

QList<WebhookDelivery> MemoryJobStore::deliveries(const QString &job)
{
    QList<WebhookDelivery> list;
    for (const StoredDelivery &stored : std::as_const(m_deliveries)) {
        if (stored.delivery.job == job)
            list.append(stored.delivery);
    }
    return list;
}

std::optional<WebhookDelivery> MemoryJobStore::delivery(const QString &id)
{
    for (const StoredDelivery &stored : std::as_const(m_deliveries)) {
        if (stored.delivery.id == id)
            return stored.delivery;
    }
    return std::nullopt;
}

bool MemoryJobStore::redeliver(const QString &id, const QDateTime &now)
{
    for (StoredDelivery &stored : m_deliveries) {
        if (stored.delivery.id == id) {
            stored.delivery.status = WebhookDelivery::Status::Pending;
            stored.delivery.nextAttemptAt = now;
            stored.delivery.retryFrom = now;
            return true;
        }
    }
    m_lastError = QStringLiteral("no delivery %1").arg(id);
    return false;
}

qint64 MemoryJobStore::pendingDeliveries()
{
    return std::count_if(m_deliveries.cbegin(), m_deliveries.cend(), [](const StoredDelivery &stored) {
        return stored.delivery.status == WebhookDelivery::Status::Pending;
    });
}

qint64 MemoryJobStore::failingWebhookEndpoints()
{
    QSet<QString> urls;
    for (const StoredDelivery &stored : std::as_const(m_deliveries)) {
        const WebhookDelivery &delivery = stored.delivery;
        // A redelivered one keeps its last 2xx until it is tried again: not failing.
        if (delivery.status == WebhookDelivery::Status::Pending && delivery.attempt > 0
            && !(delivery.lastStatusCode >= 200 && delivery.lastStatusCode < 300))
            urls.insert(delivery.url);
    }
    return urls.size();
}

} // namespace Mediaforge

namespace Mediaforge {

bool MemoryJobStore::saveBatch(const Batch &batch, const std::optional<WebhookDelivery> &delivery)
{
    Batch stored = batch;
    stored.connectionId = 0;   // what the SQL stores keep: the connection is memory only
    auto it = std::find_if(m_batches.begin(), m_batches.end(), [&batch](const Batch &b) { return b.id == batch.id; });
    if (it == m_batches.end())
        m_batches.append(stored);
    else
        *it = stored;
    if (delivery) {
        WebhookDelivery entry = *delivery;
        entry.position = 0;
        for (const StoredDelivery &existing : std::as_const(m_deliveries)) {
            if (existing.delivery.job == entry.job)
                entry.position = std::max(entry.position, existing.delivery.position);
        }
        ++entry.position;
        m_deliveries.append(StoredDelivery{entry, QDateTime()});
    }
    return true;
}

std::optional<Batch> MemoryJobStore::loadBatch(const QString &id)
{
    for (const Batch &batch : std::as_const(m_batches)) {
        if (batch.id == id)
            return batch;
    }
    return std::nullopt;
}

std::optional<Batch> MemoryJobStore::findBatch(const QString &owner, const QString &batchId)
{
    for (auto it = m_batches.crbegin(); it != m_batches.crend(); ++it) {
        if (it->owner == owner && it->batchId == batchId)
            return *it;
    }
    return std::nullopt;
}

QList<Batch> MemoryJobStore::unfinishedBatches()
{
    QList<Batch> list;
    for (const Batch &batch : std::as_const(m_batches)) {
        if (!batch.isFinished())
            list.append(batch);
    }
    return list;
}

} // namespace Mediaforge
