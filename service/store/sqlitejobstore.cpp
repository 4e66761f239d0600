// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqlitejobstore.h"

#include "migrations.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace Mediaforge {

namespace {

// PRAGMA application_id of every database this store creates ("MFor"): how a foreign SQLite
// file is told apart from ours.
constexpr qint32 kApplicationId = 0x4D466F72;

} // namespace

SqliteJobStore::SqliteJobStore(QString path, QString connectionName)
    : SqlJobStore(SqlDialect::Sqlite, std::move(connectionName), QString(), std::chrono::seconds(0)),
      m_path(std::move(path))
{
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
    store->addDatabase(QStringLiteral("QSQLITE")).setDatabaseName(store->m_path);
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
        if (const QString problem = readSchemaVersion(); !problem.isEmpty())
            return damaged.arg(problem);
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
    if (m_schemaVersion == 0 && !query.exec(QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId)))
        return QStringLiteral("cannot create the job store %1: %2").arg(m_path, query.lastError().text());
    return migrate(m_path);
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

} // namespace Mediaforge
