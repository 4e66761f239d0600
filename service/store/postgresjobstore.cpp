// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresjobstore.h"

#include "migrations.h"

#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

namespace Mediaforge {

namespace {

// pg_advisory_lock key ("MFor") held while one node checks and migrates the schema.
constexpr qint64 kMigrationLock = 0x4D466F72;

struct ConnectionParameters
{
    QString host;
    int port = -1;
    QString user;
    QString password;
    QString database;
    QStringList options;   // key=value, libpq's names
    QString description;
};

std::optional<ConnectionParameters> parseUri(const QString &uri, QString *error)
{
    const QUrl url(uri, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1StringView("postgresql") && url.scheme() != QLatin1StringView("postgres"))) {
        *error = QStringLiteral("not a postgresql:// URI");
        return std::nullopt;
    }
    ConnectionParameters parameters;
    parameters.host = url.host();
    parameters.port = url.port(-1);
    parameters.user = url.userName();
    parameters.password = url.password();
    parameters.database = url.path().mid(1);
    if (parameters.database.isEmpty() || parameters.database.contains(u'/')) {
        *error = QStringLiteral("the URI names no database (postgresql://USER@HOST:PORT/DB)");
        return std::nullopt;
    }
    // Qt hands the options to libpq as "key=value key=value": a value with a space or a quote
    // would be cut there, so such values are refused rather than misread.
    static const QRegularExpression key(QStringLiteral("^[a-z_]{1,40}$"));
    static const QRegularExpression value(QStringLiteral("^[^\\s'\";\\\\]{0,1000}$"));
    bool timeout = false;
    for (const auto &[name, text] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
        if (!key.match(name).hasMatch() || !value.match(text).hasMatch() || name == QLatin1StringView("password")) {
            *error = QStringLiteral("the URI parameter '%1' is not one this store passes on (letters and "
                                    "underscores; no spaces or quotes in values; the password belongs before the @)")
                             .arg(name.left(40));
            return std::nullopt;
        }
        timeout = timeout || name == QLatin1StringView("connect_timeout");
        parameters.options.append(name + u'=' + text);
    }
    if (!timeout)
        parameters.options.append(QStringLiteral("connect_timeout=10"));
    QUrl shown = url;
    shown.setPassword(QString());
    shown.setQuery(QString());
    parameters.description = shown.toString();
    return parameters;
}

// The store's connection and the relay's are opened from the same URI the same way.
void configure(QSqlDatabase &database, const ConnectionParameters &parameters)
{
    database.setHostName(parameters.host);
    if (parameters.port > 0)
        database.setPort(parameters.port);
    database.setUserName(parameters.user);
    database.setPassword(parameters.password);
    database.setDatabaseName(parameters.database);
    database.setConnectOptions(parameters.options.join(u';'));
}

} // namespace

PostgresJobStore::PostgresJobStore(QString connectionName, QString node, std::chrono::seconds lease)
    : SqlJobStore(SqlDialect::Postgres, std::move(connectionName), std::move(node), lease)
{
}

QString PostgresJobStore::checkUri(const QString &uri)
{
    QString error;
    return parseUri(uri, &error) ? QString() : error;
}

QString PostgresJobStore::openConnection(const QString &uri, const QString &connectionName)
{
    QString error;
    const std::optional<ConnectionParameters> parameters = parseUri(uri, &error);
    if (!parameters)
        return error;
    QString problem;
    {
        QSqlDatabase database = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
        configure(database, *parameters);
        if (!database.open())
            problem = QStringLiteral("cannot connect to %1: %2").arg(parameters->description, database.lastError().text().simplified());
    }
    if (!problem.isEmpty())
        QSqlDatabase::removeDatabase(connectionName);
    return problem;
}

std::unique_ptr<PostgresJobStore> PostgresJobStore::open(const QString &uri, const QString &node,
                                                         std::chrono::seconds lease, QString *error)
{
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        *error = QStringLiteral("Qt's PostgreSQL driver (QPSQL, Debian package libqt6sql6-psql) is not installed");
        return nullptr;
    }
    const std::optional<ConnectionParameters> parameters = parseUri(uri, error);
    if (!parameters) {
        *error = QStringLiteral("--store %1: %2").arg(uri.section(u'@', -1), *error);
        return nullptr;
    }
    std::unique_ptr<PostgresJobStore> store(new PostgresJobStore(
            QStringLiteral("mediaforge-store-") + QUuid::createUuid().toString(QUuid::WithoutBraces), node, lease));
    store->m_description = parameters->description;
    QSqlDatabase &database = store->addDatabase(QStringLiteral("QPSQL"));
    configure(database, *parameters);
    if (!database.open()) {
        *error = QStringLiteral("cannot connect to the job store %1: %2")
                         .arg(store->m_description, database.lastError().text().simplified());
        return nullptr;
    }
    // A lost connection is reopened at least as often as the leases are renewed, so that a
    // node whose database restarted renews its leases before anyone could take them over.
    store->enableReconnect(std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 3);
    if (QString problem = store->prepare(); !problem.isEmpty()) {
        *error = problem;
        return nullptr;
    }
    return store;
}

QString PostgresJobStore::prepare()
{
    QSqlQuery query(m_database);
    // Two nodes starting at once must not both create the tables: the first migrates, the
    // second waits here and then finds the schema current. A session lock: it ends with the
    // connection even if this process dies while holding it.
    if (!query.exec(QStringLiteral("SELECT pg_advisory_lock(%1)").arg(kMigrationLock)))
        return QStringLiteral("the job store %1: cannot take the migration lock: %2").arg(m_description, query.lastError().text());
    const auto unlock = qScopeGuard([this] {
        QSqlQuery release(m_database);
        release.exec(QStringLiteral("SELECT pg_advisory_unlock(%1)").arg(kMigrationLock));
    });
    if (!query.exec(QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
                                   "AND table_name IN ('schema_version', 'jobs')"))
        || !query.next())
        return QStringLiteral("the job store %1 cannot be read: %2").arg(m_description, query.lastError().text());
    const int tables = query.value(0).toInt();
    if (tables > 0) {
        if (const QString problem = readSchemaVersion(); !problem.isEmpty()) {
            return QStringLiteral("the job store %1 holds a jobs table that is not Mediaforge's (%2); point --store "
                                  "at another database")
                    .arg(m_description, problem);
        }
        if (m_schemaVersion > latestSchemaVersion()) {
            return QStringLiteral("the job store %1 has schema version %2, newer than this mediaforged knows (%3); "
                                  "run the newer version on every node")
                    .arg(m_description)
                    .arg(m_schemaVersion)
                    .arg(latestSchemaVersion());
        }
    }
    return migrate(m_description);
}

std::optional<QStringList> PostgresJobStore::renewLeases(const QStringList &running)
{
    // One statement for every lease of this node: a heartbeat costs one round trip whatever
    // the number of jobs. A job another node took over is no longer this node's, so it is not
    // renewed, and shows up as lost.
    // The node's own heartbeat (nodes table) rides in the same statement.
    QSqlQuery &query = prepared(QStringLiteral("WITH beat AS (UPDATE nodes SET heartbeat_at = %1 WHERE name = ?) "
                                 "UPDATE jobs SET lease_expires_at = %1 + ? WHERE node = ? AND state = 'processing' "
                                 "RETURNING id, lease_generation")
                          .arg(Sql::nowMs(m_dialect)));
    query.addBindValue(m_node);
    query.addBindValue(qint64(m_lease.count()) * 1000);
    query.addBindValue(m_node);
    if (!exec(query, "renew leases"))
        return std::nullopt;
    QHash<QString, qint64> renewed;
    while (query.next())
        renewed.insert(query.value(0).toString(), query.value(1).toLongLong());
    query.finish();   // a kept statement
    QStringList lost;
    for (const QString &id : running) {
        const auto mine = m_generations.constFind(id);
        const auto found = renewed.constFind(id);
        if (found == renewed.cend() || (mine != m_generations.cend() && *mine != *found))
            lost.append(id);
    }
    return lost;
}

QList<Job> PostgresJobStore::expiredLeases(int limit)
{
    m_expiredGenerations.clear();
    m_expiredGoneHolders.clear();
    // Whether the holder is gone for good is judged by the same clock as the leases: its
    // heartbeat in the nodes table (none at all counts as gone: it never registered).
    QSqlQuery query = newQuery();   // first: it may reconnect
    // Not before this node has been connected for a whole lease: after the database restarts
    // (or comes back from a partition), every lease looks expired by its clock, and the nodes
    // that hold them need that long to reconnect and renew. An outage alone requeues nothing.
    if (const qint64 since = sinceReconnectMs(); !reachable() || (since >= 0 && since < qint64(m_lease.count()) * 1000))
        return {};
    query.prepare(QStringLiteral("SELECT j.id, j.lease_generation, j.node, "
                                 "CASE WHEN n.heartbeat_at IS NULL OR n.heartbeat_at < %1 - ? THEN 1 ELSE 0 END "
                                 "FROM jobs j LEFT JOIN nodes n ON n.name = j.node WHERE j.state = 'processing' "
                                 "AND j.node <> ? AND j.lease_expires_at < %1 "
                                 // A draining node takes nothing over (the others do).
                                 "AND NOT EXISTS (SELECT 1 FROM nodes me WHERE me.name = ? AND me.state = 'draining') "
                                 "ORDER BY j.seq LIMIT %2")
                          .arg(Sql::nowMs(m_dialect))
                          .arg(std::max(1, limit)));
    query.addBindValue(qint64(m_lease.count()) * 1000 * kGoneAfterLeases);
    query.addBindValue(m_node);
    query.addBindValue(m_node);
    if (!exec(query, "expired leases"))
        return {};
    QStringList ids;
    while (query.next()) {
        ids.append(query.value(0).toString());
        m_expiredGenerations.insert(ids.constLast(), query.value(1).toLongLong());
        if (query.value(3).toInt() == 1)
            m_expiredGoneHolders.insert(ids.constLast(), query.value(2).toString());
    }
    query.finish();
    QList<Job> jobs;
    for (const QString &id : std::as_const(ids)) {
        if (std::optional<Job> job = load(id))
            jobs.append(std::move(*job));
    }
    return jobs;
}

QString PostgresJobStore::goneHolder(const Job &expired)
{
    return m_expiredGoneHolders.value(expired.id);
}

bool PostgresJobStore::takeOver(const Job &expired)
{
    const auto seen = m_expiredGenerations.constFind(expired.id);
    if (seen == m_expiredGenerations.cend())
        return false;
    // Fenced by the generation that was read as expired: of two nodes taking over at once,
    // one succeeds; a lease renewed meanwhile (the node was only slow) keeps its job.
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("UPDATE jobs SET node = ?, lease_generation = lease_generation + 1, lease_expires_at = "
                                 "%1 + ?, updated_at = ? WHERE id = ? AND state = 'processing' AND lease_generation = ? "
                                 "AND lease_expires_at < %1 RETURNING lease_generation")
                          .arg(Sql::nowMs(m_dialect)));
    query.addBindValue(m_node);
    query.addBindValue(qint64(m_lease.count()) * 1000);
    query.addBindValue(QDateTime::currentMSecsSinceEpoch());
    query.addBindValue(expired.id);
    query.addBindValue(*seen);
    if (!exec(query, "take over") || !query.next())
        return false;
    m_generations.insert(expired.id, query.value(0).toLongLong());
    m_expiredGenerations.remove(expired.id);
    return true;
}

QList<Job> PostgresJobStore::strandedQueued(int limit)
{
    m_expiredGenerations.clear();
    m_expiredGoneHolders.clear();
    QSqlQuery query = newQuery();   // first: it may reconnect
    // The same grace after a reconnection as for leases: after an outage every node's
    // heartbeat is old until it has beaten again.
    if (const qint64 since = sinceReconnectMs(); !reachable() || (since >= 0 && since < qint64(m_lease.count()) * 1000))
        return {};
    query.prepare(QStringLiteral("SELECT j.id, j.lease_generation, j.node, "
                                 "CASE WHEN n.heartbeat_at IS NULL OR n.heartbeat_at < %1 - ? THEN 1 ELSE 0 END AS gone "
                                 "FROM jobs j LEFT JOIN nodes n ON n.name = j.node WHERE j.node <> ? AND j.node <> '' "
                                 "AND ((j.state = 'queued' "
                                 "      AND (n.state = 'draining' OR n.heartbeat_at IS NULL OR n.heartbeat_at < %1 - ?)) "
                                 // Still downloading on a node silent for a lease, as a running job's
                                 // lease ends: fetched again elsewhere (fencing stops the old download).
                                 "     OR (j.state = 'downloading' AND (n.heartbeat_at IS NULL OR n.heartbeat_at < %1 - ?))) "
                                 // A draining node takes nothing over itself.
                                 "AND NOT EXISTS (SELECT 1 FROM nodes me WHERE me.name = ? AND me.state = 'draining') "
                                 "ORDER BY gone DESC, j.seq LIMIT %2")
                          .arg(Sql::nowMs(m_dialect))
                          .arg(std::max(1, limit)));
    const qint64 goneAfter = qint64(m_lease.count()) * 1000 * kGoneAfterLeases;
    query.addBindValue(goneAfter);
    query.addBindValue(m_node);
    query.addBindValue(goneAfter);
    query.addBindValue(qint64(m_lease.count()) * 1000);
    query.addBindValue(m_node);
    if (!exec(query, "stranded queued jobs"))
        return {};
    QStringList ids;
    while (query.next()) {
        ids.append(query.value(0).toString());
        m_expiredGenerations.insert(ids.constLast(), query.value(1).toLongLong());
        if (query.value(3).toInt() == 1)
            m_expiredGoneHolders.insert(ids.constLast(), query.value(2).toString());
    }
    query.finish();
    QList<Job> jobs;
    for (const QString &id : std::as_const(ids)) {
        if (std::optional<Job> job = load(id))
            jobs.append(std::move(*job));
    }
    return jobs;
}

std::optional<quint64> PostgresJobStore::nextSequence()
{
    // One round trip per new job; what it buys is one arrival order for the whole cluster.
    QSqlQuery &query = prepared(QStringLiteral("SELECT nextval('jobs_seq')"));
    if (!exec(query, "next arrival number") || !query.next())
        return std::nullopt;
    const quint64 next = query.value(0).toULongLong();
    query.finish();   // a kept statement
    return next;
}

bool PostgresJobStore::takeOverQueued(const Job &stranded)
{
    const auto seen = m_expiredGenerations.constFind(stranded.id);
    if (seen == m_expiredGenerations.cend())
        return false;
    // Fenced by the generation read: of two nodes, one moves it; the old holder's later writes
    // (it was only draining) are refused from now on, and it drops the job (movedAway). It
    // leaves `queued` in the same statement: this node has none of its inputs yet, and another
    // node's claim of a queued job here would pull them from this node (and fail the job).
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("UPDATE jobs SET node = ?, state = 'downloading', stage = 'downloading', "
                                 "lease_generation = lease_generation + 1, updated_at = ? "
                                 "WHERE id = ? AND state IN ('queued', 'downloading') AND lease_generation = ? "
                                 "RETURNING lease_generation"));
    query.addBindValue(m_node);
    query.addBindValue(QDateTime::currentMSecsSinceEpoch());
    query.addBindValue(stranded.id);
    query.addBindValue(*seen);
    if (!exec(query, "take over a queued job") || !query.next())
        return false;
    m_generations.insert(stranded.id, query.value(0).toLongLong());
    m_expiredGenerations.remove(stranded.id);
    return true;
}

} // namespace Mediaforge
