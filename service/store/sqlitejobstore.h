// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sqljobstore.h"

#include <QString>

#include <memory>

namespace Mediaforge {

// The embedded default store: one SQLite file (Qt Sql's QSQLITE driver) in the data dir, in
// WAL mode with synchronous=NORMAL: a commit reaches the operating system before the call
// returns, so a crash of the service (SIGKILL, OOM) loses nothing; only a power cut may lose
// the last commits, never the file's consistency.
class SqliteJobStore : public SqlJobStore
{
public:
    // Opens (creating when missing) and migrates. Refuses, with a one-line reason, a file that
    // is not an SQLite database or is damaged, an SQLite database of another program, and one
    // written by a newer schema than this build knows. Never modifies a refused file.
    static std::unique_ptr<SqliteJobStore> open(const QString &path, QString *error);
    // Renames the file (and its -wal/-shm companions) to "<path>.broken-<UTC time>" so that a
    // fresh one can be created; returns the new name, or empty and sets `error`.
    static QString moveAside(const QString &path, QString *error);

    QString describe() const override;

private:
    SqliteJobStore(QString path, QString connectionName);
    QString prepare();

    QString m_path;
};

} // namespace Mediaforge
