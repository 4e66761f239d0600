// SPDX-License-Identifier: GPL-3.0-or-later
#include "batchtracker.h"

#include "jobmanager.h"
#include "jobstore.h"
#include "logging/logging.h"
#include "protocol.h"
#include "startbatch.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTimer>
#include <QUuid>

#include <cmath>
#include <utility>

namespace Mediaforge {

using namespace Protocol;

namespace {

QString randomHex(int words)
{
    QString text;
    for (int i = 0; i < words; ++i)
        text += QStringLiteral("%1").arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0'));
    return text;
}

Logging::Fields batchFields(const Batch &batch)
{
    return Logging::Fields{{QStringLiteral("batch"), batch.id}, {QStringLiteral("batch_id"), batch.batchId}};
}

} // namespace

BatchTracker::BatchTracker(JobManager &manager, JobStore &store, std::chrono::milliseconds progressInterval, QObject *parent)
    : QObject(parent), m_manager(manager), m_store(store)
{
    m_progressTimer = new QTimer(this);
    m_progressTimer->setInterval(progressInterval);
    connect(m_progressTimer, &QTimer::timeout, this, &BatchTracker::flushProgress);
    m_retryTimer = new QTimer(this);
    m_retryTimer->setInterval(std::chrono::seconds(2));
    connect(m_retryTimer, &QTimer::timeout, this, [this] {
        const QStringList ids = m_batches.keys();
        for (const QString &id : ids)
            tryFinish(id);
        if (m_batches.isEmpty())
            m_retryTimer->stop();
    });
    connect(&m_manager, &JobManager::jobFinished, this, &BatchTracker::onJobFinished);
    connect(&m_manager, &JobManager::jobEndedForLostNode, this, &BatchTracker::onJobFinished);
    connect(&m_manager, &JobManager::jobProgress, this, &BatchTracker::onJobChanged);
    connect(&m_manager, &JobManager::jobStageChanged, this, &BatchTracker::onJobChanged);
}

QString BatchTracker::generatedBatchId()
{
    return QStringLiteral("batch-") + randomHex(2).left(12);
}

void BatchTracker::recover()
{
    const QList<Batch> stored = m_store.unfinishedBatches();
    for (Batch batch : stored) {
        for (BatchItem &item : batch.items) {
            if (!item.status.isEmpty())
                continue;
            const Job *job = m_manager.job(item.id);
            if (!job) {
                // Its record is gone (purged): it ended long ago, and nobody can say how.
                item.status = QStringLiteral("failed");
                item.result = QJsonObject{{QStringLiteral("job_id"), item.jobId}, {QStringLiteral("id"), item.id},
                                          {QStringLiteral("status"), item.status}};
                continue;
            }
            if (isFinished(job->status))
                noteFinished(batch, item, *job);
        }
        const QString id = batch.id;
        for (const BatchItem &item : std::as_const(batch.items))
            m_batchOfJob.insert(item.id, id);
        qCInfo(lcJobs).noquote() << batchFields(batch) << "batch recovered with" << batch.unfinished() << "unfinished items";
        m_batches.insert(id, std::move(batch));
        tryFinish(id);
    }
}

Result<const Batch *> BatchTracker::submit(QString batchId, const QString &owner, const QString &ownerLabel,
                                           quint64 connectionId, QList<SubmitRequest> items, const QString &notifyUrl)
{
    if (batchId.isEmpty())
        batchId = generatedBatchId();
    for (const Batch &live : std::as_const(m_batches)) {
        if (live.owner == owner && live.batchId == batchId)
            return Error(ErrorCode::DuplicateJob, QStringLiteral("batch_id '%1' is already in use by an unfinished batch").arg(batchId));
    }
    for (int i = 0; i < items.size(); ++i)
        items[i].jobId = StartBatchRequest::itemJobId(batchId, i);
    for (SubmitRequest &item : items)
        item.batchId = batchId;
    if (auto refused = m_manager.admitBatch(items))
        return *refused;

    Batch batch;
    batch.id = randomHex(3);
    batch.batchId = batchId;
    batch.owner = owner;
    batch.ownerLabel = ownerLabel;
    batch.connectionId = connectionId;
    batch.createdAt = QDateTime::currentDateTimeUtc();
    batch.notifyUrl = notifyUrl;
    QStringList submitted;
    for (const SubmitRequest &item : std::as_const(items)) {
        const Result<QString> result = m_manager.submit(item);
        if (!result.ok()) {
            // Not foreseen by admitBatch (the store, the disk): all or none, so what started stops.
            for (const QString &id : std::as_const(submitted))
                m_manager.cancel(id);
            return result.error();
        }
        submitted.append(result.value());
        batch.items.append(BatchItem{result.value(), item.jobId, QString(), 0, QJsonObject()});
    }
    if (!m_store.saveBatch(batch, std::nullopt)) {
        for (const QString &id : std::as_const(submitted))
            m_manager.cancel(id);
        return Error(ErrorCode::InternalError, QStringLiteral("the job store cannot record the batch; try again later"));
    }
    const QString id = batch.id;
    for (const BatchItem &item : std::as_const(batch.items))
        m_batchOfJob.insert(item.id, id);
    qCInfo(lcJobs).noquote() << batchFields(batch) << "batch accepted with" << batch.items.size() << "items";
    m_batches.insert(id, std::move(batch));
    return &m_batches[id];
}

std::optional<Batch> BatchTracker::batch(const QString &id) const
{
    if (const auto it = m_batches.constFind(id); it != m_batches.cend())
        return *it;
    return m_store.loadBatch(id);
}

std::optional<Batch> BatchTracker::find(const QString &owner, const QString &batchId) const
{
    for (const Batch &live : m_batches) {
        if (live.owner == owner && live.batchId == batchId)
            return live;
    }
    return m_store.findBatch(owner, batchId);
}

int BatchTracker::cancel(const QString &id)
{
    const auto it = m_batches.constFind(id);
    if (it == m_batches.cend())
        return 0;
    QStringList open;
    for (const BatchItem &item : it->items) {
        if (item.status.isEmpty())
            open.append(item.id);
    }
    int cancelled = 0;
    // Each cancel ends its job at once (jobFinished), which may end the batch.
    for (const QString &jobId : std::as_const(open))
        cancelled += m_manager.cancel(jobId) ? 0 : 1;
    return cancelled;
}

void BatchTracker::noteFinished(Batch &batch, BatchItem &item, const Job &job)
{
    Q_UNUSED(batch);
    item.status = jobStatusName(job.status);
    QJsonObject result{{QStringLiteral("job_id"), job.jobId}, {QStringLiteral("id"), job.id},
                       {QStringLiteral("status"), item.status}};
    if (job.status == JobStatus::Completed) {
        QJsonArray outputs;
        item.outputBytes = 0;
        for (const JobOutput &output : job.outputs) {
            outputs.append(output.toJson());
            item.outputBytes += output.size;
        }
        result.insert(QString(Field::Outputs), outputs);
        if (!job.probeResult.isEmpty())
            result.insert(QString(Field::Result), job.probeResult);
    } else if (job.error) {
        result.insert(QString(Field::Error), job.error->toJson());
    }
    item.result = result;
}

void BatchTracker::onJobFinished(const QString &jobId)
{
    const QString id = m_batchOfJob.value(jobId);
    if (id.isEmpty())
        return;
    Batch &batch = m_batches[id];
    const Job *job = m_manager.job(jobId);
    for (BatchItem &item : batch.items) {
        if (item.id == jobId && item.status.isEmpty() && job)
            noteFinished(batch, item, *job);
    }
    if (batch.unfinished() > 0) {
        // The counts in the store follow each item's end; the last one is written with the end.
        if (!m_store.saveBatch(batch, std::nullopt))
            qCWarning(lcJobs).noquote() << batchFields(batch) << "cannot store the batch:" << m_store.lastError();
        m_dirty.insert(id);
        if (!m_progressTimer->isActive())
            m_progressTimer->start();
        return;
    }
    tryFinish(id);
}

void BatchTracker::onJobChanged(const QString &jobId)
{
    const QString id = m_batchOfJob.value(jobId);
    if (id.isEmpty())
        return;
    m_dirty.insert(id);
    if (!m_progressTimer->isActive())
        m_progressTimer->start();
}

void BatchTracker::flushProgress()
{
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    for (const QString &id : dirty) {
        if (m_batches.contains(id))
            emit batchProgress(id);
    }
    if (m_dirty.isEmpty())
        m_progressTimer->stop();
}

void BatchTracker::tryFinish(const QString &id)
{
    const auto it = m_batches.find(id);
    if (it == m_batches.end() || it->unfinished() > 0)
        return;
    Batch &batch = *it;
    batch.finishedAt = QDateTime::currentDateTimeUtc();
    std::optional<WebhookDelivery> delivery;
    if (!batch.notifyUrl.isEmpty()) {
        WebhookDelivery entry;
        entry.id = QStringLiteral("whd_") + QUuid::createUuid().toString(QUuid::Id128);
        entry.job = batch.id;
        entry.owner = batch.owner;
        entry.url = batch.notifyUrl;
        entry.event = QStringLiteral("batch.completed");
        entry.snapshot = QJsonDocument(snapshot(batch, true)).toJson(QJsonDocument::Compact);
        entry.createdAt = batch.finishedAt;
        entry.retryFrom = batch.finishedAt;
        entry.nextAttemptAt = batch.finishedAt;
        delivery = entry;
    }
    // Stored before announced: a batch whose end the store took is never ended again, one
    // whose end it refused is tried again (and after a restart, by recover()).
    if (!m_store.saveBatch(batch, delivery)) {
        qCWarning(lcJobs).noquote() << batchFields(batch) << "cannot store the end of the batch, retrying:" << m_store.lastError();
        batch.finishedAt = QDateTime();
        if (!m_retryTimer->isActive())
            m_retryTimer->start();
        return;
    }
    qCInfo(lcJobs).noquote() << batchFields(batch) << "batch finished:" << batch.count(QStringLiteral("completed"))
                             << "completed," << batch.count(QStringLiteral("failed")) << "failed,"
                             << batch.count(QStringLiteral("cancelled")) << "cancelled";
    // Announced from memory, then forgotten: get_batch reads the stored row from now on.
    emit batchFinished(id);
    for (const BatchItem &item : std::as_const(batch.items))
        m_batchOfJob.remove(item.id);
    m_dirty.remove(id);
    m_batches.erase(it);
}

QJsonObject BatchTracker::snapshot(const Batch &batch, bool withItems) const
{
    const int completed = batch.count(QStringLiteral("completed"));
    const int failed = batch.count(QStringLiteral("failed"));
    const int cancelled = batch.count(QStringLiteral("cancelled"));
    const int total = int(batch.items.size());
    // Unfinished items add what they have done so far, so the figure moves between ends.
    double percentage = 0;
    QJsonArray items;
    for (int i = 0; i < total; ++i) {
        const BatchItem &item = batch.items.at(i);
        const Job *job = item.status.isEmpty() ? m_manager.heldJob(item.id) : nullptr;
        percentage += item.status.isEmpty() ? (job && job->status == JobStatus::Processing ? job->progress.percentage : 0) : 100;
        if (!withItems)
            continue;
        QJsonObject entry{{QStringLiteral("index"), i}, {QString(Field::JobId), item.jobId}, {QString(Field::Id), item.id}};
        if (!item.status.isEmpty()) {
            entry.insert(QString(Field::Status), item.status);
        } else if (job) {
            entry.insert(QString(Field::Status), jobStatusName(job->status));
            entry.insert(QString(Field::Stage), jobStageName(job->stage));
            entry.insert(QString(Field::Percentage), job->progress.percentage);
        }
        items.append(entry);
    }
    QJsonObject object{{QString(Field::Id), batch.id},
                       {QString(Field::BatchId), batch.batchId},
                       {QString(Field::Status), batch.isFinished() ? QStringLiteral("finished") : QStringLiteral("running")},
                       {QStringLiteral("total"), total},
                       {QStringLiteral("completed"), completed},
                       {QStringLiteral("failed"), failed},
                       {QStringLiteral("cancelled"), cancelled},
                       {QStringLiteral("finished"), completed + failed + cancelled},
                       {QStringLiteral("output_bytes"), batch.outputBytes()},
                       {QString(Field::Percentage), total > 0 ? std::round(percentage / total * 10) / 10 : 100.0},
                       {QStringLiteral("created_at"), batch.createdAt.toString(Qt::ISODateWithMs)}};
    if (batch.isFinished()) {
        object.insert(QStringLiteral("finished_at"), batch.finishedAt.toString(Qt::ISODateWithMs));
        QJsonArray results;
        for (int i = 0; i < total; ++i) {
            QJsonObject result = batch.items.at(i).result;
            result.insert(QStringLiteral("index"), i);
            results.append(result);
        }
        object.insert(QStringLiteral("results"), results);
    } else if (withItems) {
        object.insert(QString(Field::Items), items);
    }
    return object;
}

QJsonObject BatchTracker::completedMessage(const Batch &batch) const
{
    QJsonObject message = snapshot(batch, true);
    message.insert(QString(Field::Type), QString(Type::BatchCompleted));
    return message;
}

} // namespace Mediaforge
