// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "batch.h"
#include "errorcode.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <chrono>
#include <optional>

class QTimer;

namespace Mediaforge {

class JobManager;
class JobStore;
struct Job;
struct SubmitRequest;

// Batches of jobs (docs/batches.md). Each item is a normal job of the JobManager, submitted
// with the batch's id; this class counts their ends, keeps the batch's row in the store, and
// ends the batch once, when its last item ended: the end is stored (with its webhook) before
// it is announced, and a restart ends the batches whose end was not stored yet. Knows no
// sockets: sessions hear batchProgress and batchFinished through the event router.
class BatchTracker : public QObject
{
    Q_OBJECT
public:
    BatchTracker(JobManager &manager, JobStore &store, std::chrono::milliseconds progressInterval,
                 QObject *parent = nullptr);

    // After JobManager::initialize(): the stored unfinished batches, their items' states read
    // again; those whose items all ended meanwhile end now.
    void recover();

    // Submits every item (their job_id, owner and connection set by the caller) as one batch:
    // all or none. `batchId` empty: generated. Errors: DUPLICATE_JOB (batch_id in use by an
    // unfinished batch, or an item's job_id), the limits of JobManager::admitBatch, and what
    // submit() refuses.
    Result<const Batch *> submit(QString batchId, const QString &owner, const QString &ownerLabel,
                                 quint64 connectionId, QList<SubmitRequest> items, const QString &notifyUrl);
    // A live (unfinished) batch from memory, else the store's row. Null when unknown.
    std::optional<Batch> batch(const QString &id) const;
    std::optional<Batch> find(const QString &owner, const QString &batchId) const;
    // Cancels every unfinished item; the number cancelled. The batch ends when the last one has.
    int cancel(const QString &id);

    // What get_batch, batch_progress and batch_completed carry (docs/protocol.md).
    QJsonObject snapshot(const Batch &batch, bool withItems) const;
    QJsonObject completedMessage(const Batch &batch) const;

    static QString generatedBatchId();

signals:
    void batchProgress(const QString &id);   // throttled: at most once per interval per batch
    void batchFinished(const QString &id);   // once per batch, after its end was stored

private:
    void onJobFinished(const QString &jobId);
    void onJobChanged(const QString &jobId);
    void noteFinished(Batch &batch, BatchItem &item, const Job &job);
    void tryFinish(const QString &id);
    void flushProgress();

    JobManager &m_manager;
    JobStore &m_store;
    QHash<QString, Batch> m_batches;          // unfinished, by service id
    QHash<QString, QString> m_batchOfJob;     // item job id -> batch id, of unfinished batches
    QSet<QString> m_dirty;                    // batches with news for batchProgress
    QTimer *m_progressTimer = nullptr;
    QTimer *m_retryTimer = nullptr;           // stores the end again when the store refused it
};

} // namespace Mediaforge
