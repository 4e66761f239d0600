// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlitejobstore.h"

#include "jobrecord.h"
#include "migrations.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUuid>

namespace Mediaforge {

Q_LOGGING_CATEGORY(lcStore, "mediaforge.store")

namespace {

// PRAGMA application_id of every database this store creates ("MFor"): how a foreign SQLite
// file is told apart from ours.
constexpr qint32 kApplicationId = 0x4D466F72;

const QString kColumns = QStringLiteral(
        "id, seq, owner, owner_label, job_id, token_owner, protocol_level, operation, options, priority, detach, "
        "state, stage, percentage, attempts, directory, inputs, outputs, probe_result, error, outputs_removed, "
        "retained, retain_until, created_at, input_completed_at, started_at, finished_at, updated_at, "
        // Schema version 2.
        "idempotency_owner, idempotency_key, request_hash");

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
    job.tokenOwner = query.value(c++).toBool();
    job.protocolLevel = query.value(c++).toInt();
    job.operation = operationFromName(query.value(c++).toString()).value_or(Operation::Probe);
    job.options = objectFromJson(query.value(c++).toByteArray());
    job.priority = JobPriority(std::clamp(query.value(c++).toInt(), 0, 2));
    job.detach = query.value(c++).toBool();
    job.status = jobStatusFromName(query.value(c++).toString()).value_or(JobStatus::Failed);
    const QString stage = query.value(c++).toString();
    for (JobStage candidate : {JobStage::Uploading, JobStage::Downloading, JobStage::Queued, JobStage::Processing,
                               JobStage::Finalizing}) {
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
    job.outputsRemoved = query.value(c++).toBool();
    job.retained = query.value(c++).toBool();
    job.retainUntil = timeFromColumn(query.value(c++));
    job.createdAt = timeFromColumn(query.value(c++));
    job.inputCompletedAt = timeFromColumn(query.value(c++));
    job.startedAt = timeFromColumn(query.value(c++));
    job.finishedAt = timeFromColumn(query.value(c++));
    ++c;   // updated_at: for operators reading the file
    job.idempotencyOwner = query.value(c++).toString();
    job.idempotencyKey = query.value(c++).toString();
    job.requestHash = query.value(c++).toString();
    return job;
}

} // namespace

SqliteJobStore::SqliteJobStore(QString path, QString connectionName)
    : m_path(std::move(path)), m_connectionName(std::move(connectionName))
{
}

SqliteJobStore::~SqliteJobStore()
{
    if (m_database.isValid()) {
        m_database.close();
        m_database = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

std::unique_ptr<SqliteJobStore> SqliteJobStore::open(const QString &path, QString *error)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        *error = QStringLiteral("Qt's SQLite driver (QSQLITE, Debian package libqt6sql6-sqlite) is not installed");
        return nullptr;
    }
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = QStringLiteral("cannot create the directory %1").arg(info.absolutePath());
        return nullptr;
    }
    std::unique_ptr<SqliteJobStore> store(
            new SqliteJobStore(info.absoluteFilePath(),
                               QStringLiteral("mediaforge-store-") + QUuid::createUuid().toString(QUuid::WithoutBraces)));
    store->m_database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), store->m_connectionName);
    store->m_database.setDatabaseName(store->m_path);
    if (!store->m_database.open()) {
        *error = QStringLiteral("cannot open the job store %1: %2").arg(store->m_path, store->m_database.lastError().text());
        return nullptr;
    }
    if (QString problem = store->prepare(); !problem.isEmpty()) {
        *error = problem;
        return nullptr;
    }
    return store;
}

QString SqliteJobStore::prepare()
{
    // Read before anything writes: a refused file must stay exactly as it was.
    const QString damaged = QStringLiteral("the job store %1 is not a readable Mediaforge database (damaged, or not "
                                           "SQLite): %2; start with --reset-store to move it aside and begin empty")
                                    .arg(m_path);
    QSqlQuery query(m_database);
    if (!query.exec(QStringLiteral("PRAGMA application_id")) || !query.next())
        return damaged.arg(query.lastError().text());
    const qint32 applicationId = query.value(0).toInt();
    if (!query.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'")))
        return damaged.arg(query.lastError().text());
    QStringList tables;
    while (query.next())
        tables.append(query.value(0).toString());
    if (!tables.isEmpty() && applicationId != kApplicationId) {
        return QStringLiteral("the job store %1 is an SQLite database of another program (tables: %2); "
                              "point --data-dir elsewhere, or start with --reset-store to move it aside")
                .arg(m_path, tables.mid(0, 5).join(QStringLiteral(", ")));
    }
    if (!tables.isEmpty()) {
        if (!query.exec(QStringLiteral("PRAGMA quick_check")) || !query.next())
            return damaged.arg(query.lastError().text());
        const QString verdict = query.value(0).toString();
        if (verdict != QLatin1StringView("ok"))
            return damaged.arg(verdict.left(200));
        if (!query.exec(QStringLiteral("SELECT max(version) FROM schema_version")) || !query.next())
            return damaged.arg(QStringLiteral("no schema version: ") + query.lastError().text());
        m_schemaVersion = query.value(0).toInt();
        if (m_schemaVersion > latestSchemaVersion()) {
            return QStringLiteral("the job store %1 has schema version %2, newer than this mediaforged knows (%3); "
                                  "run the newer version, or restore a backup")
                    .arg(m_path)
                    .arg(m_schemaVersion)
                    .arg(latestSchemaVersion());
        }
    }
    // WAL: readers never block the writer, and a commit is one append to the log.
    if (!query.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !query.next()
        || query.value(0).toString().toLower() != QLatin1StringView("wal"))
        return QStringLiteral("the job store %1 cannot use WAL mode: %2").arg(m_path, query.lastError().text());
    for (const char *pragma : {"PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON"}) {
        if (!query.exec(QString::fromLatin1(pragma)))
            return QStringLiteral("the job store %1: %2 failed: %3").arg(m_path, QString::fromLatin1(pragma), query.lastError().text());
    }
    return migrate();
}

QString SqliteJobStore::migrate()
{
    QSqlQuery query(m_database);
    if (m_schemaVersion == 0) {
        if (!query.exec(QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId))
            || !query.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY NOT "
                                          "NULL, applied_at INTEGER NOT NULL, description TEXT NOT NULL)")))
            return QStringLiteral("cannot create the job store %1: %2").arg(m_path, query.lastError().text());
    }
    for (const Migration &migration : sqliteMigrations()) {
        if (migration.version <= m_schemaVersion)
            continue;
        if (!m_database.transaction())
            return QStringLiteral("cannot migrate the job store %1: %2").arg(m_path, m_database.lastError().text());
        QString problem = migration.apply(m_database);
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
                    .arg(m_path)
                    .arg(migration.version)
                    .arg(problem.isEmpty() ? m_database.lastError().text() : problem);
        }
        qCInfo(lcStore).noquote() << "job store" << m_path << "migrated to schema version" << migration.version;
        m_schemaVersion = migration.version;
    }
    return QString();
}

QString SqliteJobStore::moveAside(const QString &path, QString *error)
{
    const QString target = path + QStringLiteral(".broken-")
            + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
    if (!QFile::exists(path)) {
        *error = QStringLiteral("%1 does not exist").arg(path);
        return QString();
    }
    if (!QFile::rename(path, target)) {
        *error = QStringLiteral("cannot rename %1 to %2").arg(path, target);
        return QString();
    }
    // The companions belong to the moved file; left in place they would be replayed into the
    // new, empty one.
    for (const QString &suffix : {QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (QFile::exists(path + suffix))
            QFile::rename(path + suffix, target + suffix);
    }
    return target;
}

QString SqliteJobStore::describe() const
{
    return QStringLiteral("sqlite:") + m_path;
}

bool SqliteJobStore::exec(QSqlQuery &query, const char *what)
{
    if (query.exec())
        return true;
    m_lastError = QStringLiteral("%1: %2").arg(QString::fromLatin1(what), query.lastError().text());
    qCWarning(lcStore).noquote() << "job store" << m_lastError;
    return false;
}

bool SqliteJobStore::write(const Job &job, bool insert)
{
    using namespace JobRecord;
    QSqlQuery query(m_database);
    if (insert) {
        query.prepare(QStringLiteral("INSERT INTO jobs (") + kColumns
                      + QStringLiteral(") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                       "?, ?, ?, ?, ?, ?, ?)"));
    } else {
        query.prepare(QStringLiteral(
                "UPDATE jobs SET id = ?, seq = ?, owner = ?, owner_label = ?, job_id = ?, token_owner = ?, "
                "protocol_level = ?, operation = ?, options = ?, priority = ?, detach = ?, state = ?, stage = ?, "
                "percentage = ?, attempts = ?, directory = ?, inputs = ?, outputs = ?, probe_result = ?, error = ?, "
                "outputs_removed = ?, retained = ?, retain_until = ?, created_at = ?, input_completed_at = ?, "
                "started_at = ?, finished_at = ?, updated_at = ?, idempotency_owner = ?, idempotency_key = ?, "
                "request_hash = ? WHERE id = ?"));
    }
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
    if (!insert)
        query.addBindValue(job.id);
    if (!exec(query, insert ? "insert" : "save"))
        return false;
    if (!insert && query.numRowsAffected() != 1) {
        m_lastError = QStringLiteral("save: no job %1").arg(job.id);
        return false;
    }
    return true;
}

bool SqliteJobStore::insert(const Job &job)
{
    return write(job, true);
}

bool SqliteJobStore::save(const Job &job)
{
    return write(job, false);
}

bool SqliteJobStore::saveProgress(const QString &id, JobStage stage, double percentage)
{
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("UPDATE jobs SET stage = ?, percentage = ?, updated_at = ? WHERE id = ?"));
    query.addBindValue(jobStageName(stage));
    query.addBindValue(percentage);
    query.addBindValue(nowMs());
    query.addBindValue(id);
    return exec(query, "progress") && query.numRowsAffected() == 1;
}

std::optional<Job> SqliteJobStore::claimNext(const QDateTime &now)
{
    // One statement: the choice and the claim cannot be separated by another writer. The order
    // is FairQueue's: priority, then the owner holding fewer running slots, then arrival.
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral(
            "UPDATE jobs SET state = 'processing', stage = 'processing', percentage = 0, started_at = ?, updated_at = ? "
            "WHERE id = (SELECT q.id FROM jobs q "
            "LEFT JOIN (SELECT owner, COUNT(*) AS slots FROM jobs WHERE state = 'processing' GROUP BY owner) r "
            "ON r.owner = q.owner "
            "WHERE q.state = 'queued' ORDER BY q.priority DESC, COALESCE(r.slots, 0), q.seq LIMIT 1) RETURNING id"));
    query.addBindValue(now.toMSecsSinceEpoch());
    query.addBindValue(nowMs());
    if (!exec(query, "claim") || !query.next())
        return std::nullopt;
    const QString id = query.value(0).toString();
    query.finish();
    return load(id);
}

QList<Job> SqliteJobStore::select(const QString &where, const QVariantList &bindings)
{
    QSqlQuery query(m_database);
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM jobs ") + where);
    for (const QVariant &value : bindings)
        query.addBindValue(value);
    QList<Job> jobs;
    if (!exec(query, "select"))
        return jobs;
    while (query.next())
        jobs.append(jobFromQuery(query));
    return jobs;
}

std::optional<Job> SqliteJobStore::load(const QString &id)
{
    const QList<Job> found = select(QStringLiteral("WHERE id = ?"), {id});
    return found.isEmpty() ? std::nullopt : std::optional<Job>(found.constFirst());
}

std::optional<Job> SqliteJobStore::findLatest(const QString &owner, const QString &jobId)
{
    const QList<Job> found = select(QStringLiteral("WHERE owner = ? AND job_id = ? ORDER BY seq DESC LIMIT 1"), {owner, jobId});
    return found.isEmpty() ? std::nullopt : std::optional<Job>(found.constFirst());
}

std::optional<Job> SqliteJobStore::findByIdempotencyKey(const QString &owner, const QString &key, const QDateTime &since)
{
    const QList<Job> found = select(QStringLiteral("WHERE idempotency_owner = ? AND idempotency_key = ? AND created_at >= ? "
                                                   "ORDER BY seq DESC LIMIT 1"),
                                    {owner, key, since.toMSecsSinceEpoch()});
    return found.isEmpty() ? std::nullopt : std::optional<Job>(found.constFirst());
}

QList<Job> SqliteJobStore::live()
{
    return select(QStringLiteral("WHERE finished_at IS NULL OR outputs_removed = 0 ORDER BY seq"), {});
}

HistoryPage SqliteJobStore::history(const HistoryQuery &query)
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

int SqliteJobStore::purgeFinishedBefore(const QDateTime &cutoff)
{
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("DELETE FROM jobs WHERE finished_at IS NOT NULL AND outputs_removed = 1 AND finished_at < ?"));
    query.addBindValue(cutoff.toMSecsSinceEpoch());
    if (!exec(query, "purge"))
        return 0;
    return query.numRowsAffected();
}

quint64 SqliteJobStore::maxSequence()
{
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("SELECT coalesce(max(seq), 0) FROM jobs"));
    if (!exec(query, "sequence") || !query.next())
        return 0;
    return query.value(0).toULongLong();
}

} // namespace Mediaforge
