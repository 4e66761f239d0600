// SPDX-License-Identifier: GPL-3.0-or-later
// SqlJobStore, continued: batches (schema version 9). A batch is one row, rewritten whole as
// its items end; the row that stores its end and the outbox row of its webhook are one
// transaction.
#include "sqljobstore.h"

#include "jobrecord.h"

#include <QSqlError>
#include <QSqlQuery>

namespace Mediaforge {

bool SqlJobStore::saveBatch(const Batch &batch, const std::optional<WebhookDelivery> &delivery)
{
    using namespace JobRecord;
    if (!ready("batch") || !begun(m_database.transaction(), "batch"))
        return false;
    QSqlQuery query(m_database);
    // Both SQLite (3.24+) and PostgreSQL know this upsert.
    query.prepare(QStringLiteral("INSERT INTO batches (id, owner, batch_id, created_at, finished_at, data) "
                                 "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                                 "finished_at = excluded.finished_at, data = excluded.data"));
    query.addBindValue(batch.id);
    query.addBindValue(batch.owner.isNull() ? QStringLiteral("") : batch.owner);
    query.addBindValue(batch.batchId);
    query.addBindValue(timeToColumn(batch.createdAt));
    query.addBindValue(timeToColumn(batch.finishedAt));
    query.addBindValue(QString::fromUtf8(batch.toData()));
    bool ok = exec(query, "batch");
    if (ok && delivery) {
        QSqlQuery outbox(m_database);
        outbox.prepare(QStringLiteral(
                "INSERT INTO webhook_deliveries (id, job_id, owner, url, event, position, snapshot, status, created_at, "
                "retry_from, next_attempt_at) SELECT ?, ?, ?, ?, ?, COALESCE(MAX(position), 0) + 1, ?, 'pending', ?, ?, ? "
                "FROM webhook_deliveries WHERE job_id = ?"));
        outbox.addBindValue(delivery->id);
        outbox.addBindValue(delivery->job);
        outbox.addBindValue(delivery->owner.isNull() ? QStringLiteral("") : delivery->owner);
        outbox.addBindValue(delivery->url);
        outbox.addBindValue(delivery->event);
        outbox.addBindValue(QString::fromUtf8(delivery->snapshot));
        outbox.addBindValue(timeToColumn(delivery->createdAt));
        outbox.addBindValue(timeToColumn(delivery->retryFrom));
        outbox.addBindValue(timeToColumn(delivery->nextAttemptAt));
        outbox.addBindValue(delivery->job);
        ok = exec(outbox, "batch outbox");
    }
    if (!ok || !m_database.commit()) {
        if (ok)
            m_lastError = QStringLiteral("commit: ") + m_database.lastError().text();
        m_database.rollback();
        return false;
    }
    return true;
}

QList<Batch> SqlJobStore::selectBatches(const QString &where, const QVariantList &bindings)
{
    using namespace JobRecord;
    QList<Batch> list;
    if (!ready("batches"))
        return list;
    QSqlQuery query(m_database);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT id, owner, batch_id, created_at, finished_at, data FROM batches ") + where);
    for (const QVariant &value : bindings)
        query.addBindValue(value);
    if (!exec(query, "batches"))
        return list;
    while (query.next()) {
        Batch batch;
        batch.id = query.value(0).toString();
        batch.owner = query.value(1).toString();
        batch.batchId = query.value(2).toString();
        batch.createdAt = timeFromColumn(query.value(3));
        batch.finishedAt = timeFromColumn(query.value(4));
        batch.readData(query.value(5).toString().toUtf8());
        list.append(batch);
    }
    return list;
}

std::optional<Batch> SqlJobStore::loadBatch(const QString &id)
{
    const QList<Batch> list = selectBatches(QStringLiteral("WHERE id = ?"), {id});
    return list.isEmpty() ? std::nullopt : std::optional<Batch>(list.constFirst());
}

std::optional<Batch> SqlJobStore::findBatch(const QString &owner, const QString &batchId)
{
    const QList<Batch> list = selectBatches(
            QStringLiteral("WHERE owner = ? AND batch_id = ? ORDER BY created_at DESC LIMIT 1"),
            {owner.isNull() ? QStringLiteral("") : owner, batchId});
    return list.isEmpty() ? std::nullopt : std::optional<Batch>(list.constFirst());
}

QList<Batch> SqlJobStore::unfinishedBatches()
{
    return selectBatches(QStringLiteral("WHERE finished_at IS NULL ORDER BY created_at"), {});
}

} // namespace Mediaforge
