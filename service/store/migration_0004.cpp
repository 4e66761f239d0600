// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 4: the nodes of a shared store. Each node upserts its row at start-up and
// refreshes `heartbeat_at` with its lease heartbeat, by the database's clock (milliseconds),
// so that any node can tell a live peer from a gone one without trusting its own clock, and
// so that the URL a job's files are fetched from comes from the database, never from a job.
#include "migrations.h"

namespace Mediaforge {

QString migration0004(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "CREATE TABLE nodes ("
            " name TEXT PRIMARY KEY,"
            " advertise_url TEXT NOT NULL,"
            " version TEXT NOT NULL,"
            " slots INTEGER NOT NULL,"
            " started_at INTEGER NOT NULL,"
            " heartbeat_at INTEGER NOT NULL,"
            " state TEXT NOT NULL DEFAULT 'active')",
    });
}

} // namespace Mediaforge
