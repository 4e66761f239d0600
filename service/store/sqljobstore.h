// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobs/jobstore.h"
#include "sqldialect.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QLoggingCategory>
#include <QString>

#include <chrono>
#include <map>
#include <memory>

class QSqlQuery;

namespace Mediaforge {
Q_DECLARE_LOGGING_CATEGORY(lcStore)
}

namespace Mediaforge {

// What the SQL stores share: the queries of the JobStore contract, the forward migrations and
// the fencing of writes. The subclasses open their database and say what differs (SqlDialect).
class SqlJobStore : public JobStore
{
public:
    ~SqlJobStore() override;

    QString lastError() const override { return m_lastError; }
    bool lastWriteFenced() const override { return m_fenced; }
    int schemaVersion() const { return m_schemaVersion; }
    QString node() const { return m_node; }

    // sqljobstoreconnection.cpp
    bool reachable() const override { return !m_outage.isValid(); }
    QString outageReason() const override { return m_outage.isValid() ? m_outageReason : QString(); }
    qint64 outageMs() const override { return m_outage.isValid() ? m_outage.elapsed() : 0; }
    std::chrono::milliseconds retryAfter() const override;

    bool insert(const Job &job) override;
    bool save(const Job &job) override;
    bool saveProgress(const QString &id, JobStage stage, double percentage) override;
    std::optional<Job> claimNext(const QDateTime &now) override;
    std::optional<Job> claimNextAnywhere(const QDateTime &now, QString *holder) override;
    bool handBack(const Job &job, const QString &holder) override;
    std::optional<Job> load(const QString &id) override;
    std::optional<Job> findLatest(const QString &owner, const QString &jobId) override;
    std::optional<Job> findByIdempotencyKey(const QString &owner, const QString &key, const QDateTime &since) override;
    // This node's live jobs: another node's are its own to recover.
    QList<Job> live() override;
    HistoryPage history(const HistoryQuery &query) override;
    int purgeFinishedBefore(const QDateTime &cutoff) override;
    quint64 maxSequence() override;
    QHash<QString, qint64> inputBytesSince(const QString &owner, const QDateTime &since) override;
    // sqljobstorenodes.cpp
    bool registerNode(const NodeRecord &self) override;
    bool setNodeState(const QString &state) override;
    bool setNodeStateOf(const QString &node, const QString &state) override;
    QStringList movedAway(const QStringList &queued, QStringList *claimed) override;
    QList<NodeRecord> nodes() override;
    QString nodeOf(const QString &id) override;
    bool requestCancel(const QString &id) override;
    QStringList cancelRequests() override;
    QList<Job> unfinishedElsewhere(const QString &owner, int limit) override;
    QList<NodeJobCounts> countsByNode() override;
    QList<QDateTime> createdSince(const QString &owner, const QDateTime &since, int limit) override;
    // sqljobstorewebhooks.cpp
    QList<WebhookDelivery> claimDeliveries(const QDateTime &now, int limit, std::chrono::milliseconds lease) override;
    bool recordDeliveryAttempt(const WebhookDelivery &delivery) override;
    void releaseDeliveryLeases() override;
    QList<WebhookDelivery> deliveries(const QString &job) override;
    std::optional<WebhookDelivery> delivery(const QString &id) override;
    bool redeliver(const QString &id, const QDateTime &now) override;
    // sqljobstorebatches.cpp
    bool saveBatch(const Batch &batch, const std::optional<WebhookDelivery> &delivery) override;
    std::optional<Batch> loadBatch(const QString &id) override;
    std::optional<Batch> findBatch(const QString &owner, const QString &batchId) override;
    QList<Batch> unfinishedBatches() override;
    qint64 pendingDeliveries() override;
    qint64 failingWebhookEndpoints() override;

protected:
    // `node` names the rows this store inserts and claims (empty for the embedded store);
    // `lease` is how long a claim holds before it must be renewed (zero: no leases).
    SqlJobStore(SqlDialect dialect, QString connectionName, QString node, std::chrono::seconds lease);

    // Adds the database (driver) under this store's connection name.
    QSqlDatabase &addDatabase(const QString &driver);
    // Reads the schema version (0: none yet); an error text when the table cannot be read.
    QString readSchemaVersion();
    // Creates the schema_version table when missing and applies every migration newer than
    // schemaVersion(), each in its own transaction. `where` names the store in messages.
    QString migrate(const QString &where);
    bool exec(QSqlQuery &query, const char *what);
    // A query on the store's connection; first reopens that connection when it was lost and the
    // back-off has passed (a query made before a reopen would belong to the old connection).
    QSqlQuery newQuery();
    // A query on the store's connection prepared with `sql`, kept for the next call with the
    // same text on SQLite: preparing (parsing, planning) cost more than the write itself on
    // every start_job and state change (docs/performance.md). Valid until the next call of
    // prepared(): one caller at a time; the texts are the store's own constants.
    QSqlQuery &prepared(const QString &sql, bool forwardOnly = false);
    // Makes a lost connection an outage to recover from (PostgreSQL), rather than an error of
    // each call; `maxBackoff` bounds the wait between two attempts to reconnect.
    void enableReconnect(std::chrono::milliseconds maxBackoff);
    // How long the connection has been up since it was last reopened after an outage; -1 when
    // it never was (the connection opened at start-up, or a store that does not reconnect).
    qint64 sinceReconnectMs() const { return m_connected.isValid() ? m_connected.elapsed() : -1; }
    // SELECT of every job column plus the lease generation, and the rows it returns. `track`:
    // remember their generations so that this node's later writes are fenced by them.
    QList<Job> select(const QString &where, const QVariantList &bindings, bool track = false);

    SqlDialect m_dialect;
    QString m_connectionName;
    QString m_node;
    std::chrono::seconds m_lease;
    QSqlDatabase m_database;
    int m_schemaVersion = 0;
    QString m_lastError;
    bool m_fenced = false;
    // The lease generation of each job this node holds, as last claimed, inserted or read live:
    // its writes succeed only while the row still carries it.
    QHash<QString, qint64> m_generations;

private:
    // Dropped before the connection closes (a statement belongs to its connection).
    void dropPrepared() { m_prepared.clear(); }

    struct Prepared
    {
        std::unique_ptr<QSqlQuery> query;
        bool ok = false;
    };
    std::map<QString, Prepared> m_prepared;
    bool write(const Job &job, bool insert);
    bool connectionLost(const QSqlError &error) const;
    // Before a transaction: reconnects when the back-off has passed; false (lastError set, no
    // log line) while the store is unreachable. `begun`: the result of transaction(), whose
    // failure on a lost connection starts the outage.
    bool ready(const char *what);
    bool begun(bool ok, const char *what);
    void beginOutage(const QString &reason);
    void reconnect();

    // Reconnection (sqljobstoreconnection.cpp).
    bool m_reconnects = false;
    QElapsedTimer m_connected;     // since the connection was reopened after an outage
    QElapsedTimer m_outage;        // valid while the store is unreachable
    QElapsedTimer m_lastAttempt;   // the last attempt to reconnect
    qint64 m_backoffMs = 0;
    qint64 m_maxBackoffMs = 0;
    int m_attempts = 0;
    QString m_outageReason;
    bool writeRow(const Job &job, bool insert);
    // Inside the caller's transaction: the outbox row of the change from `previous`, if the job
    // wants one (WebhookOutbox::entryFor). sqljobstorewebhooks.cpp
    bool writeOutbox(const Job &job, std::optional<JobStatus> previous);
    QList<WebhookDelivery> selectDeliveries(const QString &where, const QVariantList &bindings);
    QList<Batch> selectBatches(const QString &where, const QVariantList &bindings);
};

} // namespace Mediaforge
