// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqljobstore.h"

#include "jobrecord.h"
#include "migrations.h"

#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace Mediaforge {

Q_LOGGING_CATEGORY(lcStore, "mediaforge.store")

namespace {

const QString kColumns = QStringLiteral(
        "id, seq, owner, owner_label, job_id, token_owner, protocol_level, operation, options, priority, detach, "
        "state, stage, percentage, attempts, directory, inputs, outputs, probe_result, error, outputs_removed, "
        "retained, retain_until, created_at, input_completed_at, started_at, finished_at, updated_at, "
        // Schema version 2.
        "idempotency_owner, idempotency_key, request_hash, "
        // Schema version 5.
        "ffmpeg_command, ffmpeg_stderr, "
        // Schema version 6.
        "notify_url, notify_events, "
        // Schema version 7.
        "preset, "
        // Schema version 8.
        "output_targets, "
        // Schema version 9.
        "batch_id, "
        // Schema version 10.
        "use_cache");
// Read after kColumns, never written by save(): only claims and take-overs change it (and
// the node, read after it).
constexpr int kGenerationColumn = 39;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

Job jobFromQuery(const QSqlQuery &query)
{
    using namespace JobRecord;
    Job job;
    int c = 0;
    job.id = query.value(c++).toString();
    job.sequence = query.value(c++).toULongLong();
    job.owner = query.value(c++).toString();
    job.ownerLabel = query.value(c++).toString();
    job.jobId = query.value(c++).toString();
    job.tokenOwner = query.value(c++).toInt() != 0;
    job.protocolLevel = query.value(c++).toInt();
    job.operation = operationFromName(query.value(c++).toString()).value_or(Operation::Probe);
    job.options = objectFromJson(query.value(c++).toByteArray());
    job.priority = JobPriority(std::clamp(query.value(c++).toInt(), 0, 2));
    job.detach = query.value(c++).toInt() != 0;
    job.status = jobStatusFromName(query.value(c++).toString()).value_or(JobStatus::Failed);
    const QString stage = query.value(c++).toString();
    for (JobStage candidate : {JobStage::Uploading, JobStage::Downloading, JobStage::Queued, JobStage::Processing,
                               JobStage::Finalizing, JobStage::UploadingOutputs}) {
        if (jobStageName(candidate) == stage)
            job.stage = candidate;
    }
    job.progress.percentage = query.value(c++).toDouble();
    job.attempts = query.value(c++).toInt();
    job.directory = query.value(c++).toString();
    job.inputs = inputsFromJson(query.value(c++).toByteArray());
    job.outputs = outputsFromJson(query.value(c++).toByteArray());
    job.probeResult = objectFromJson(query.value(c++).toByteArray());
    job.error = errorFromJson(query.value(c++));
    job.outputsRemoved = query.value(c++).toInt() != 0;
    job.retained = query.value(c++).toInt() != 0;
    job.retainUntil = timeFromColumn(query.value(c++));
    job.createdAt = timeFromColumn(query.value(c++));
    job.inputCompletedAt = timeFromColumn(query.value(c++));
    job.startedAt = timeFromColumn(query.value(c++));
    job.finishedAt = timeFromColumn(query.value(c++));
    ++c;   // updated_at: for operators reading the file
    job.idempotencyOwner = query.value(c++).toString();
    job.idempotencyKey = query.value(c++).toString();
    job.requestHash = query.value(c++).toString();
    job.ffmpegCommand = query.value(c++).toString();
    job.ffmpegStderr = query.value(c++).toString();
    job.notifyUrl = query.value(c++).toString();
    job.notifyEvents = query.value(c++).toString().split(u',', Qt::SkipEmptyParts);
    job.preset = query.value(c++).toString();
    job.outputTargets = outputTargetsFromJson(query.value(c++).toByteArray(), &job.outputStorage);
    job.batchId = query.value(c++).toString();
    job.useCache = query.value(c++).toInt() == 1;    // NULL (rows from before version 10): no
    return job;
}

} // namespace

SqlJobStore::SqlJobStore(SqlDialect dialect, QString connectionName, QString node, std::chrono::seconds lease)
    : m_dialect(dialect), m_connectionName(std::move(connectionName)), m_node(std::move(node)), m_lease(lease)
{
    // Bound as '' (the embedded store's rows), never as NULL, which equals nothing.
    if (m_node.isNull())
        m_node = QStringLiteral("");
}

SqlJobStore::~SqlJobStore()
{
    if (m_database.isValid()) {
        dropPrepared();
        m_database.close();
        m_database = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

QSqlDatabase &SqlJobStore::addDatabase(const QString &driver)
{
    m_database = QSqlDatabase::addDatabase(driver, m_connectionName);
    return m_database;
}

QString SqlJobStore::readSchemaVersion()
{
    QSqlQuery query = newQuery();
    if (!query.exec(QStringLiteral("SELECT max(version) FROM schema_version")) || !query.next())
        return QStringLiteral("no schema version: ") + query.lastError().text();
    m_schemaVersion = query.value(0).toInt();
    return QString();
}

QString SqlJobStore::migrate(const QString &where)
{
    QSqlQuery query = newQuery();
    if (m_schemaVersion == 0
        && !query.exec(Sql::ddl(m_dialect, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY NOT "
                                           "NULL, applied_at INTEGER NOT NULL, description TEXT NOT NULL)")))
        return QStringLiteral("cannot create the job store %1: %2").arg(where, query.lastError().text());
    for (const Migration &migration : jobStoreMigrations()) {
        if (migration.version <= m_schemaVersion)
            continue;
        if (!m_database.transaction())
            return QStringLiteral("cannot migrate the job store %1: %2").arg(where, m_database.lastError().text());
        QString problem = migration.apply(m_database, m_dialect);
        if (problem.isEmpty()) {
            query.prepare(QStringLiteral("INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)"));
            query.addBindValue(migration.version);
            query.addBindValue(nowMs());
            query.addBindValue(QString::fromLatin1(migration.description));
            if (!query.exec())
                problem = query.lastError().text();
        }
        if (!problem.isEmpty() || !m_database.commit()) {
            m_database.rollback();
            return QStringLiteral("migrating the job store %1 to schema version %2 failed: %3")
                    .arg(where)
                    .arg(migration.version)
                    .arg(problem.isEmpty() ? m_database.lastError().text() : problem);
        }
        qCInfo(lcStore).noquote() << "job store" << where << "migrated to schema version" << migration.version;
        m_schemaVersion = migration.version;
    }
    return QString();
}

bool SqlJobStore::exec(QSqlQuery &query, const char *what)
{
    if (m_outage.isValid()) {
        // Fails at once: the next newQuery() after the back-off tries the connection again.
        m_lastError = QStringLiteral("%1: the job store is unreachable (%2)").arg(QString::fromLatin1(what), m_outageReason);
        return false;
    }
    if (query.exec())
        return true;
    m_lastError = QStringLiteral("%1: %2").arg(QString::fromLatin1(what), query.lastError().text().simplified());
    if (m_reconnects && connectionLost(query.lastError())) {
        beginOutage(query.lastError().text().simplified());
        m_lastError = QStringLiteral("%1: the job store is unreachable (%2)").arg(QString::fromLatin1(what), m_outageReason);
        return false;
    }
    qCWarning(lcStore).noquote() << "job store" << m_lastError;
    return false;
}

bool SqlJobStore::write(const Job &job, bool insert)
{
    if (job.notifyUrl.isEmpty())
        return writeRow(job, insert);
    // A job with a notify_url: its state change and the outbox row that reports it are one
    // transaction, so that neither is ever stored without the other.
    if (!ready(insert ? "insert" : "save") || !begun(m_database.transaction(), insert ? "insert" : "save"))
        return false;
    std::optional<JobStatus> previous;
    if (!insert) {
        QSqlQuery query(m_database);
        query.prepare(QStringLiteral("SELECT state FROM jobs WHERE id = ?"));
        query.addBindValue(job.id);
        if (exec(query, "previous state") && query.next())
            previous = jobStatusFromName(query.value(0).toString());
    }
    const bool ok = writeRow(job, insert) && writeOutbox(job, previous);
    if (!ok || !m_database.commit()) {
        if (ok)
            m_lastError = QStringLiteral("commit: ") + m_database.lastError().text();
        m_database.rollback();
        return false;
    }
    return true;
}

bool SqlJobStore::writeRow(const Job &job, bool insert)
{
    using namespace JobRecord;
    m_fenced = false;
    const auto generation = m_generations.constFind(job.id);
    const bool fenced = !insert && generation != m_generations.cend();
    const QString sql = insert
            ? QString(QStringLiteral("INSERT INTO jobs (") + kColumns
                      + QStringLiteral(", node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                       "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
            : QString(QStringLiteral(
                "UPDATE jobs SET id = ?, seq = ?, owner = ?, owner_label = ?, job_id = ?, token_owner = ?, "
                "protocol_level = ?, operation = ?, options = ?, priority = ?, detach = ?, state = ?, stage = ?, "
                "percentage = ?, attempts = ?, directory = ?, inputs = ?, outputs = ?, probe_result = ?, error = ?, "
                "outputs_removed = ?, retained = ?, retain_until = ?, created_at = ?, input_completed_at = ?, "
                "started_at = ?, finished_at = ?, updated_at = ?, idempotency_owner = ?, idempotency_key = ?, "
                "request_hash = ?, ffmpeg_command = ?, ffmpeg_stderr = ?, notify_url = ?, notify_events = ?, "
                "preset = ?, output_targets = ?, batch_id = ?, use_cache = ? WHERE id = ?")
                      + (fenced ? QStringLiteral(" AND lease_generation = ?") : QString()));
    QSqlQuery &query = prepared(sql);
    // A null QString binds as SQL NULL; the text columns hold "" for "none".
    const auto text = [](const QString &value) { return value.isNull() ? QStringLiteral("") : value; };
    query.addBindValue(job.id);
    query.addBindValue(qint64(job.sequence));
    query.addBindValue(text(job.owner));
    query.addBindValue(text(job.ownerLabel));
    query.addBindValue(text(job.jobId));
    query.addBindValue(job.tokenOwner ? 1 : 0);
    query.addBindValue(job.protocolLevel);
    query.addBindValue(operationName(job.operation));
    query.addBindValue(QString::fromUtf8(objectToJson(job.options)));
    query.addBindValue(int(job.priority));
    query.addBindValue(job.detach ? 1 : 0);
    query.addBindValue(jobStatusName(job.status));
    query.addBindValue(jobStageName(job.stage));
    query.addBindValue(job.progress.percentage);
    query.addBindValue(job.attempts);
    query.addBindValue(text(job.directory));
    query.addBindValue(QString::fromUtf8(inputsToJson(job.inputs)));
    query.addBindValue(QString::fromUtf8(outputsToJson(job.outputs)));
    query.addBindValue(QString::fromUtf8(objectToJson(job.probeResult)));
    query.addBindValue(errorToJson(job.error));
    query.addBindValue(job.outputsRemoved ? 1 : 0);
    query.addBindValue(job.retained ? 1 : 0);
    query.addBindValue(timeToColumn(job.retainUntil));
    query.addBindValue(timeToColumn(job.createdAt.isValid() ? job.createdAt : QDateTime::currentDateTimeUtc()));
    query.addBindValue(timeToColumn(job.inputCompletedAt));
    query.addBindValue(timeToColumn(job.startedAt));
    query.addBindValue(timeToColumn(isFinished(job.status) ? job.finishedAt : QDateTime()));
    query.addBindValue(nowMs());
    // NULL without a key: the partial index then holds only the jobs that have one.
    const bool keyed = !job.idempotencyKey.isEmpty();
    query.addBindValue(keyed ? QVariant(job.idempotencyOwner) : QVariant(QMetaType(QMetaType::QString)));
    query.addBindValue(keyed ? QVariant(job.idempotencyKey) : QVariant(QMetaType(QMetaType::QString)));
    query.addBindValue(keyed ? QVariant(job.requestHash) : QVariant(QMetaType(QMetaType::QString)));
    query.addBindValue(text(job.ffmpegCommand));
    query.addBindValue(text(job.ffmpegStderr));
    query.addBindValue(text(job.notifyUrl));
    query.addBindValue(text(job.notifyEvents.join(u',')));
    query.addBindValue(text(job.preset));
    query.addBindValue(text(QString::fromUtf8(outputTargetsToJson(job.outputTargets, job.outputStorage))));
    query.addBindValue(text(job.batchId));
    query.addBindValue(job.useCache ? 1 : 0);
    if (insert) {
        query.addBindValue(text(m_node));
    } else {
        query.addBindValue(job.id);
        if (fenced)
            query.addBindValue(*generation);
    }
    if (!exec(query, insert ? "insert" : "save"))
        return false;
    if (insert) {
        m_generations.insert(job.id, 0);
        return true;
    }
    if (query.numRowsAffected() != 1) {
        m_fenced = fenced;
        m_lastError = fenced ? QStringLiteral("save: job %1 was taken over by another node (its lease generation "
                                              "is no longer %2)")
                                       .arg(job.id)
                                       .arg(*generation)
                             : QStringLiteral("save: no job %1").arg(job.id);
        // The stale generation stays: every later write of this node to the job is refused too.
        if (fenced)
            qCWarning(lcStore).noquote() << "job store" << m_lastError;
        return false;
    }
    // A finished job whose files are gone is never written by its node again.
    if (isFinished(job.status) && job.outputsRemoved)
        m_generations.remove(job.id);
    return true;
}

bool SqlJobStore::insert(const Job &job)
{
    return write(job, true);
}

bool SqlJobStore::save(const Job &job)
{
    return write(job, false);
}

bool SqlJobStore::saveProgress(const QString &id, JobStage stage, double percentage)
{
    m_fenced = false;
    const auto generation = m_generations.constFind(id);
    const bool fenced = generation != m_generations.cend();
    QSqlQuery &query = prepared(QStringLiteral("UPDATE jobs SET stage = ?, percentage = ?, updated_at = ? WHERE id = ?")
                  + (fenced ? QStringLiteral(" AND lease_generation = ?") : QString()));
    query.addBindValue(jobStageName(stage));
    query.addBindValue(percentage);
    query.addBindValue(nowMs());
    query.addBindValue(id);
    if (fenced)
        query.addBindValue(*generation);
    if (!exec(query, "progress"))
        return false;
    if (query.numRowsAffected() != 1) {
        m_fenced = fenced;
        m_lastError = QStringLiteral("progress: job %1 is not this node's any more").arg(id);
        return false;
    }
    return true;
}

std::optional<Job> SqlJobStore::claimNext(const QDateTime &now)
{
    // One statement: the choice and the claim cannot be separated by another writer. The order
    // is FairQueue's: priority, then the owner holding fewer running slots (on a shared
    // database: on every node), then arrival. A node claims the queued jobs whose files it
    // holds; the claim starts a lease and a new generation, so that whatever the node writes
    // from now on is refused once another node has taken the job over.
    // The claim and the outbox row of its "processing" event are one transaction.
    // First: ready() may reconnect, which drops the kept statements.
    if (!ready("claim") || !begun(m_database.transaction(), "claim"))
        return std::nullopt;
    QSqlQuery &query = prepared(QStringLiteral(
                          "UPDATE jobs SET state = 'processing', stage = 'processing', percentage = 0, started_at = ?, "
                          "updated_at = ?, lease_expires_at = %1 + ?, lease_generation = lease_generation + 1 "
                          "WHERE id = (SELECT q.id FROM jobs q "
                          "LEFT JOIN (SELECT owner, COUNT(*) AS slots FROM jobs WHERE state = 'processing' GROUP BY owner) r "
                          "ON r.owner = q.owner "
                          "WHERE q.state = 'queued' AND q.node = ? "
                          // A draining node claims nothing, whichever node drained it.
                          "AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.name = q.node AND n.state = 'draining') "
                          "ORDER BY q.priority DESC, COALESCE(r.slots, 0), q.seq "
                          "LIMIT 1%2) RETURNING id, lease_generation")
                          .arg(Sql::nowMs(m_dialect), Sql::claimLock(m_dialect)));
    query.addBindValue(now.toMSecsSinceEpoch());
    query.addBindValue(nowMs());
    query.addBindValue(qint64(m_lease.count()) * 1000);
    query.addBindValue(m_node);
    if (!exec(query, "claim") || !query.next()) {
        m_database.rollback();
        return std::nullopt;
    }
    const QString id = query.value(0).toString();
    const qint64 generation = query.value(1).toLongLong();
    query.finish();
    std::optional<Job> claimed = load(id);
    if (!claimed || !writeOutbox(*claimed, JobStatus::Queued) || !m_database.commit()) {
        m_database.rollback();
        return std::nullopt;
    }
    m_generations.insert(id, generation);
    return claimed;
}

QList<Job> SqlJobStore::select(const QString &where, const QVariantList &bindings, bool track)
{
    QSqlQuery &query = prepared(QStringLiteral("SELECT ") + kColumns + QStringLiteral(", lease_generation, node FROM jobs ") + where,
                               true);
    for (const QVariant &value : bindings)
        query.addBindValue(value);
    QList<Job> jobs;
    if (!exec(query, "select"))
        return jobs;
    while (query.next()) {
        jobs.append(jobFromQuery(query));
        jobs.last().node = query.value(kGenerationColumn + 1).toString();
        if (track)
            m_generations.insert(jobs.constLast().id, query.value(kGenerationColumn).toLongLong());
    }
    query.finish();   // a kept statement must not hold its read transaction open
    return jobs;
}

std::optional<Job> SqlJobStore::load(const QString &id)
{
    const QList<Job> found = select(QStringLiteral("WHERE id = ?"), {id});
    return found.isEmpty() ? std::nullopt : std::optional<Job>(found.constFirst());
}

std::optional<Job> SqlJobStore::findLatest(const QString &owner, const QString &jobId)
{
    const QList<Job> found = select(QStringLiteral("WHERE owner = ? AND job_id = ? ORDER BY seq DESC LIMIT 1"), {owner, jobId});
    return found.isEmpty() ? std::nullopt : std::optional<Job>(found.constFirst());
}

std::optional<Job> SqlJobStore::findByIdempotencyKey(const QString &owner, const QString &key, const QDateTime &since)
{
    const QList<Job> found = select(QStringLiteral("WHERE idempotency_owner = ? AND idempotency_key = ? AND created_at >= ? "
                                                   "ORDER BY seq DESC LIMIT 1"),
                                    {owner, key, since.toMSecsSinceEpoch()});
    return found.isEmpty() ? std::nullopt : std::optional<Job>(found.constFirst());
}

QList<Job> SqlJobStore::live()
{
    return select(QStringLiteral("WHERE node = ? AND (finished_at IS NULL OR outputs_removed = 0) ORDER BY seq"), {m_node},
                  true);
}

HistoryPage SqlJobStore::history(const HistoryQuery &query)
{
    QString where = QStringLiteral("WHERE finished_at IS NOT NULL");
    QVariantList bindings;
    if (!query.owner.isEmpty()) {
        where += QStringLiteral(" AND owner = ?");
        bindings.append(query.owner);
    }
    if (!query.states.isEmpty()) {
        QStringList marks;
        for (JobStatus status : query.states) {
            marks.append(QStringLiteral("?"));
            bindings.append(jobStatusName(status));
        }
        where += QStringLiteral(" AND state IN (") + marks.join(u',') + u')';
    }
    if (query.before) {
        where += QStringLiteral(" AND (finished_at < ? OR (finished_at = ? AND seq < ?))");
        bindings << query.before->finishedMs << query.before->finishedMs << qint64(query.before->sequence);
    }
    const int limit = std::max(1, query.limit);
    where += QStringLiteral(" ORDER BY finished_at DESC, seq DESC LIMIT %1").arg(limit + 1);
    HistoryPage page;
    page.jobs = select(where, bindings);
    if (page.jobs.size() > limit) {
        page.jobs.removeLast();
        const Job &last = page.jobs.constLast();
        page.next = HistoryCursor{last.finishedAt.toMSecsSinceEpoch(), last.sequence};
    }
    return page;
}

int SqlJobStore::purgeFinishedBefore(const QDateTime &cutoff)
{
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("DELETE FROM jobs WHERE finished_at IS NOT NULL AND outputs_removed = 1 AND finished_at < ?"));
    query.addBindValue(cutoff.toMSecsSinceEpoch());
    if (!exec(query, "purge"))
        return 0;
    int removed = query.numRowsAffected();
    // A batch's items end before it does, so its row outlives theirs by the same measure.
    QSqlQuery batches(m_database);
    batches.prepare(QStringLiteral("DELETE FROM batches WHERE finished_at IS NOT NULL AND finished_at < ?"));
    batches.addBindValue(cutoff.toMSecsSinceEpoch());
    if (exec(batches, "purge batches"))
        removed += batches.numRowsAffected();
    // Their finished deliveries go with them (a batch's batch.completed is filed under the
    // batch's id); pending ones are still owed to the receiver.
    QSqlQuery deliveries(m_database);
    deliveries.prepare(QStringLiteral("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND NOT EXISTS "
                                      "(SELECT 1 FROM jobs WHERE jobs.id = webhook_deliveries.job_id) AND NOT EXISTS "
                                      "(SELECT 1 FROM batches WHERE batches.id = webhook_deliveries.job_id)"));
    exec(deliveries, "purge deliveries");
    return removed;
}

quint64 SqlJobStore::maxSequence()
{
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("SELECT coalesce(max(seq), 0) FROM jobs"));
    if (!exec(query, "sequence") || !query.next())
        return 0;
    return query.value(0).toULongLong();
}

QHash<QString, qint64> SqlJobStore::inputBytesSince(const QString &owner, const QDateTime &since)
{
    // One owner's jobs of one day: few enough to sum here, and the inputs are JSON either way.
    QHash<QString, qint64> bytes;
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("SELECT id, inputs FROM jobs WHERE owner = ? AND created_at >= ?"));
    query.addBindValue(owner);
    query.addBindValue(JobRecord::timeToColumn(since));
    if (!exec(query, "input bytes"))
        return bytes;
    while (query.next()) {
        qint64 total = 0;
        for (const JobInput &input : JobRecord::inputsFromJson(query.value(1).toByteArray()))
            total += input.bytes;
        bytes.insert(query.value(0).toString(), total);
    }
    return bytes;
}

bool SqlJobStore::requestCancel(const QString &id)
{
    // Not fenced: the asking node holds no lease on the job; the running node's own writes stay
    // fenced by their generation, which this leaves alone.
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND finished_at IS NULL"));
    query.addBindValue(id);
    return exec(query, "request cancel") && query.numRowsAffected() > 0;
}

QList<Job> SqlJobStore::unfinishedElsewhere(const QString &owner, int limit)
{
    QString where = QStringLiteral("WHERE node <> ? AND finished_at IS NULL");
    QVariantList bindings{m_node};
    if (!owner.isEmpty()) {
        where += QStringLiteral(" AND owner = ?");
        bindings.append(owner);
    }
    return select(where + QStringLiteral(" ORDER BY seq DESC LIMIT %1").arg(std::clamp(limit, 1, 1000)), bindings);
}

QList<QDateTime> SqlJobStore::createdSince(const QString &owner, const QDateTime &since, int limit)
{
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("SELECT created_at FROM jobs WHERE owner = ? AND created_at >= ? ORDER BY created_at LIMIT %1")
                          .arg(std::clamp(limit, 1, 1000000)));
    query.addBindValue(owner);
    query.addBindValue(JobRecord::timeToColumn(since));
    QList<QDateTime> times;
    if (!exec(query, "jobs created since"))
        return times;
    while (query.next())
        times.append(JobRecord::timeFromColumn(query.value(0)));
    return times;
}

QList<NodeJobCounts> SqlJobStore::countsByNode()
{
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("SELECT node, state, count(*) FROM jobs GROUP BY node, state ORDER BY node"));
    QList<NodeJobCounts> counts;
    if (!exec(query, "counts by node"))
        return counts;
    while (query.next()) {
        const QString node = query.value(0).toString();
        if (counts.isEmpty() || counts.constLast().node != node)
            counts.append(NodeJobCounts{node});
        NodeJobCounts &entry = counts.last();
        const qint64 n = query.value(2).toLongLong();
        switch (jobStatusFromName(query.value(1).toString()).value_or(JobStatus::Failed)) {
        case JobStatus::AwaitingUpload:
        case JobStatus::Downloading:
            entry.inputJobs += n;
            break;
        case JobStatus::Queued:
            entry.queuedJobs += n;
            break;
        case JobStatus::Processing:
            entry.activeJobs += n;
            break;
        case JobStatus::Completed:
            entry.completedJobs += n;
            break;
        case JobStatus::Failed:
            entry.failedJobs += n;
            break;
        case JobStatus::Cancelled:
            entry.cancelledJobs += n;
            break;
        }
    }
    return counts;
}

QStringList SqlJobStore::cancelRequests()
{
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("SELECT id FROM jobs WHERE node = ? AND cancel_requested = 1 AND finished_at IS NULL"));
    query.addBindValue(m_node);
    QStringList ids;
    if (!exec(query, "cancel requests"))
        return ids;
    while (query.next())
        ids.append(query.value(0).toString());
    return ids;
}

} // namespace Mediaforge
