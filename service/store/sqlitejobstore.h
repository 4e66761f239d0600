// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobs/jobstore.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

class QSqlQuery;

namespace Mediaforge {

// The embedded default store: one SQLite file (Qt Sql's QSQLITE driver) in the data dir, in
// WAL mode with synchronous=NORMAL: a commit reaches the operating system before the call
// returns, so a crash of the service (SIGKILL, OOM) loses nothing; only a power cut may lose
// the last commits, never the file's consistency.
class SqliteJobStore : public JobStore
{
public:
    // Opens (creating when missing) and migrates. Refuses, with a one-line reason, a file that
    // is not an SQLite database or is damaged, an SQLite database of another program, and one
    // written by a newer schema than this build knows. Never modifies a refused file.
    static std::unique_ptr<SqliteJobStore> open(const QString &path, QString *error);
    // Renames the file (and its -wal/-shm companions) to "<path>.broken-<UTC time>" so that a
    // fresh one can be created; returns the new name, or empty and sets `error`.
    static QString moveAside(const QString &path, QString *error);

    ~SqliteJobStore() override;

    QString describe() const override;
    QString lastError() const override { return m_lastError; }
    int schemaVersion() const { return m_schemaVersion; }

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

private:
    SqliteJobStore(QString path, QString connectionName);
    QString prepare();
    QString migrate();
    bool exec(QSqlQuery &query, const char *what);
    bool write(const Job &job, bool insert);
    QList<Job> select(const QString &where, const QVariantList &bindings);

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_database;
    int m_schemaVersion = 0;
    QString m_lastError;
};

} // namespace Mediaforge
