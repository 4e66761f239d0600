// SPDX-License-Identifier: GPL-3.0-or-later
// SqlJobStore, continued: the webhook outbox (schema version 6). Rows are written with the
// state change they report (writeOutbox, inside the job write's transaction) and leased by a
// dispatcher while it sends them: on PostgreSQL a claim skips the rows another node is
// claiming, and a lease by the database's clock keeps a row from being sent twice at once.
#include "sqljobstore.h"

#include "jobrecord.h"

#include <QSqlError>
#include <QSqlQuery>

namespace Mediaforge {

namespace {

const QString kDeliveryColumns = QStringLiteral(
        "id, job_id, owner, url, event, position, snapshot, attempt, status, created_at, retry_from, "
        "next_attempt_at, last_attempt_at, last_status, last_error");

WebhookDelivery deliveryFromQuery(const QSqlQuery &query)
{
    using namespace JobRecord;
    WebhookDelivery delivery;
    int c = 0;
    delivery.id = query.value(c++).toString();
    delivery.job = query.value(c++).toString();
    delivery.owner = query.value(c++).toString();
    delivery.url = query.value(c++).toString();
    delivery.event = query.value(c++).toString();
    delivery.position = query.value(c++).toInt();
    delivery.snapshot = query.value(c++).toString().toUtf8();
    delivery.attempt = query.value(c++).toInt();
    delivery.status = WebhookDelivery::statusFromName(query.value(c++).toString()).value_or(WebhookDelivery::Status::Failed);
    delivery.createdAt = timeFromColumn(query.value(c++));
    delivery.retryFrom = timeFromColumn(query.value(c++));
    delivery.nextAttemptAt = timeFromColumn(query.value(c++));
    delivery.lastAttemptAt = timeFromColumn(query.value(c++));
    delivery.lastStatusCode = query.value(c++).toInt();
    delivery.lastError = query.value(c++).toString();
    return delivery;
}

} // namespace

bool SqlJobStore::writeOutbox(const Job &job, std::optional<JobStatus> previous)
{
    using namespace JobRecord;
    std::optional<WebhookDelivery> entry = WebhookOutbox::entryFor(job, previous, QDateTime::currentDateTimeUtc());
    if (!entry)
        return true;
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral(
            "INSERT INTO webhook_deliveries (id, job_id, owner, url, event, position, snapshot, status, created_at, "
            "retry_from, next_attempt_at) SELECT ?, ?, ?, ?, ?, COALESCE(MAX(position), 0) + 1, ?, 'pending', ?, ?, ? "
            "FROM webhook_deliveries WHERE job_id = ?"));
    query.addBindValue(entry->id);
    query.addBindValue(entry->job);
    query.addBindValue(entry->owner.isNull() ? QStringLiteral("") : entry->owner);
    query.addBindValue(entry->url);
    query.addBindValue(entry->event);
    query.addBindValue(QString::fromUtf8(entry->snapshot));
    query.addBindValue(timeToColumn(entry->createdAt));
    query.addBindValue(timeToColumn(entry->retryFrom));
    query.addBindValue(timeToColumn(entry->nextAttemptAt));
    query.addBindValue(entry->job);
    return exec(query, "outbox");
}

QList<WebhookDelivery> SqlJobStore::selectDeliveries(const QString &where, const QVariantList &bindings)
{
    QSqlQuery query(m_database);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT ") + kDeliveryColumns + QStringLiteral(" FROM webhook_deliveries ") + where);
    for (const QVariant &value : bindings)
        query.addBindValue(value);
    QList<WebhookDelivery> list;
    if (!exec(query, "deliveries"))
        return list;
    while (query.next())
        list.append(deliveryFromQuery(query));
    return list;
}

QList<WebhookDelivery> SqlJobStore::claimDeliveries(const QDateTime &now, int limit, std::chrono::milliseconds lease)
{
    // One statement: choice and lease cannot be separated by another node's claim. A delivery
    // waits while an earlier one of its job is pending (the receiver hears them in order).
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral(
                          "UPDATE webhook_deliveries SET lease_node = ?, lease_until = %1 + ? WHERE id IN ("
                          "SELECT q.id FROM webhook_deliveries q WHERE q.status = 'pending' AND q.next_attempt_at <= ? "
                          "AND q.lease_until < %1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e "
                          "WHERE e.job_id = q.job_id AND e.status = 'pending' AND e.position < q.position) "
                          "ORDER BY q.next_attempt_at LIMIT ?%2) RETURNING id")
                          .arg(Sql::nowMs(m_dialect), Sql::claimLock(m_dialect)));
    query.addBindValue(m_node);
    query.addBindValue(qint64(lease.count()));
    query.addBindValue(now.toMSecsSinceEpoch());
    query.addBindValue(limit);
    QStringList ids;
    if (!exec(query, "claim deliveries"))
        return {};
    while (query.next())
        ids.append(query.value(0).toString());
    query.finish();
    QList<WebhookDelivery> claimed;
    for (const QString &id : std::as_const(ids)) {
        if (std::optional<WebhookDelivery> found = delivery(id))
            claimed.append(*found);
    }
    return claimed;
}

bool SqlJobStore::recordDeliveryAttempt(const WebhookDelivery &delivery)
{
    using namespace JobRecord;
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("UPDATE webhook_deliveries SET attempt = ?, status = ?, next_attempt_at = ?, "
                                 "last_attempt_at = ?, last_status = ?, last_error = ?, lease_until = 0 WHERE id = ?"));
    query.addBindValue(delivery.attempt);
    query.addBindValue(WebhookDelivery::statusName(delivery.status));
    query.addBindValue(timeToColumn(delivery.nextAttemptAt));
    query.addBindValue(timeToColumn(delivery.lastAttemptAt));
    query.addBindValue(delivery.lastStatusCode);
    query.addBindValue(delivery.lastError.isNull() ? QStringLiteral("") : delivery.lastError);
    query.addBindValue(delivery.id);
    return exec(query, "delivery attempt");
}

void SqlJobStore::releaseDeliveryLeases()
{
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("UPDATE webhook_deliveries SET lease_until = 0 WHERE lease_node = ? AND status = 'pending'"));
    query.addBindValue(m_node);
    exec(query, "release delivery leases");
}

QList<WebhookDelivery> SqlJobStore::deliveries(const QString &job)
{
    return selectDeliveries(QStringLiteral("WHERE job_id = ? ORDER BY position"), {job});
}

std::optional<WebhookDelivery> SqlJobStore::delivery(const QString &id)
{
    const QList<WebhookDelivery> found = selectDeliveries(QStringLiteral("WHERE id = ?"), {id});
    return found.isEmpty() ? std::nullopt : std::optional<WebhookDelivery>(found.constFirst());
}

bool SqlJobStore::redeliver(const QString &id, const QDateTime &now)
{
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, retry_from = ? "
                                 "WHERE id = ?"));
    query.addBindValue(now.toMSecsSinceEpoch());
    query.addBindValue(now.toMSecsSinceEpoch());
    query.addBindValue(id);
    if (!exec(query, "redeliver"))
        return false;
    if (query.numRowsAffected() != 1) {
        m_lastError = QStringLiteral("redeliver: no delivery %1").arg(id);
        return false;
    }
    return true;
}

qint64 SqlJobStore::pendingDeliveries()
{
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'"));
    if (!exec(query, "pending deliveries") || !query.next())
        return 0;
    return query.value(0).toLongLong();
}

qint64 SqlJobStore::failingWebhookEndpoints()
{
    // Over the pending rows only (the due index's status), which an outage keeps few per URL.
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("SELECT COUNT(DISTINCT url) FROM webhook_deliveries WHERE status = 'pending' "
                                 "AND attempt > 0 AND (last_status < 200 OR last_status > 299)"));
    if (!exec(query, "failing webhook endpoints") || !query.next())
        return 0;
    return query.value(0).toLongLong();
}

} // namespace Mediaforge
