// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobstore.h"

#include <map>

namespace Mediaforge {

// The store without a disk: everything is lost with the process. The job manager's default
// when no store is given (unit tests), the benchmark's baseline against SQLite, and the
// reference the contract tests hold every other store to.
class MemoryJobStore : public JobStore
{
public:
    QString describe() const override { return QStringLiteral("memory"); }
    QString lastError() const override { return m_lastError; }

    bool insert(const Job &job) override;
    bool save(const Job &job) override;
    bool saveProgress(const QString &id, JobStage stage, double percentage) override;
    std::optional<Job> claimNext(const QDateTime &now) override;
    std::optional<Job> load(const QString &id) override;
    std::optional<Job> findLatest(const QString &owner, const QString &jobId) override;
    std::optional<Job> findByIdempotencyKey(const QString &owner, const QString &key, const QDateTime &since) override;
    QList<Job> live() override;
    HistoryPage history(const HistoryQuery &query) override;
    int purgeFinishedBefore(const QDateTime &cutoff) override;
    quint64 maxSequence() override;
    QHash<QString, qint64> inputBytesSince(const QString &owner, const QDateTime &since) override;
    QList<WebhookDelivery> claimDeliveries(const QDateTime &now, int limit, std::chrono::milliseconds lease) override;
    bool recordDeliveryAttempt(const WebhookDelivery &delivery) override;
    void releaseDeliveryLeases() override;
    QList<WebhookDelivery> deliveries(const QString &job) override;
    std::optional<WebhookDelivery> delivery(const QString &id) override;
    bool redeliver(const QString &id, const QDateTime &now) override;
    qint64 pendingDeliveries() override;
    qint64 failingWebhookEndpoints() override;

private:
    void addDelivery(const Job &job, std::optional<JobStatus> previous);

    struct StoredDelivery
    {
        WebhookDelivery delivery;
        QDateTime leaseUntil;
    };
    // Every delivery in creation order; the position within a job follows from it.
    QList<StoredDelivery> m_deliveries;
    std::map<QString, Job> m_jobs;
    quint64 m_maxSequence = 0;
    QString m_lastError;
};

// The history order both stores share: newest-finished first, then the later arrival first.
bool finishedAfter(const Job &a, const Job &b);
HistoryCursor historyCursorOf(const Job &job);

} // namespace Mediaforge
