// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 3: nodes and leases, for a store that several nodes share (PostgreSQL). A job
// belongs to the node that holds its files (`node`; empty on the embedded store, which one
// process owns). A claimed job carries a lease that its node renews, timed by the database's
// clock (`lease_expires_at`, milliseconds), and a generation that every claim and take-over
// increments: a node writes a job only while the generation is the one it claimed, so a node
// that froze past its lease can never overwrite the run that replaced it.
#include "migrations.h"

namespace Mediaforge {

QString migration0003(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN node TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER",
            "ALTER TABLE jobs ADD COLUMN lease_generation INTEGER NOT NULL DEFAULT 0",
            // Every heartbeat looks for leases that ended.
            "CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'processing'",
            // Recovery at start-up reads one node's live jobs.
            "CREATE INDEX jobs_node_live ON jobs (node, seq) WHERE finished_at IS NULL OR outputs_removed = 0",
    });
}

} // namespace Mediaforge
