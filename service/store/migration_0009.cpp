// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 9, for batches (docs/batches.md). A job that is an item of a batch carries the
// client's batch_id; the batch itself is a row with its items, their final states and results
// as JSON in `data` (at most --max-batch-items entries). `finished_at` is set in the same write
// that queues its webhook: a batch whose end is stored is never ended (or announced) again.
#include "migrations.h"

namespace Mediaforge {

QString migration0009(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN batch_id TEXT NOT NULL DEFAULT ''",
            "CREATE TABLE batches ("
            "id TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL, batch_id TEXT NOT NULL, "
            "created_at INTEGER NOT NULL, finished_at INTEGER, data TEXT NOT NULL)",
            "CREATE INDEX batches_owner ON batches (owner, batch_id, created_at)",
            "CREATE INDEX batches_unfinished ON batches (finished_at)",
    });
}

} // namespace Mediaforge
