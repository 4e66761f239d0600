// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 6, for webhooks. A job's notify_url and the states it wants to hear about live
// with the job, so that the store itself writes the outbox row of a state change in the same
// transaction as the change. The outbox: one row per delivery, kept after it is delivered or
// given up for get_job, removed with its job's record. A dispatcher leases a due row while it
// sends it (lease_node, lease_until by the database's clock), so that two nodes of a shared
// store never send one delivery at once.
#include "migrations.h"

namespace Mediaforge {

QString migration0006(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN notify_url TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE jobs ADD COLUMN notify_events TEXT NOT NULL DEFAULT ''",
            "CREATE TABLE webhook_deliveries ("
            "id TEXT PRIMARY KEY NOT NULL, job_id TEXT NOT NULL, owner TEXT NOT NULL, url TEXT NOT NULL, "
            "event TEXT NOT NULL, position INTEGER NOT NULL, snapshot TEXT NOT NULL, "
            "attempt INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, created_at INTEGER NOT NULL, "
            "retry_from INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_attempt_at INTEGER, "
            "last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', "
            "lease_node TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0, "
            "UNIQUE (job_id, position))",
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
    });
}

} // namespace Mediaforge
