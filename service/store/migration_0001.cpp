// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 1: one row per job. Scalar fields the store filters or orders on are
// columns; lists that are only ever read whole (inputs, outputs) are JSON text.
#include "migrations.h"

namespace Mediaforge {

QString migration0001(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "CREATE TABLE jobs ("
            " id TEXT PRIMARY KEY NOT NULL,"
            " seq INTEGER NOT NULL,"
            " owner TEXT NOT NULL,"
            " owner_label TEXT NOT NULL,"
            " job_id TEXT NOT NULL,"
            " token_owner INTEGER NOT NULL,"
            " protocol_level INTEGER NOT NULL,"
            " operation TEXT NOT NULL,"
            " options TEXT NOT NULL,"
            " priority INTEGER NOT NULL,"
            " detach INTEGER NOT NULL,"
            " state TEXT NOT NULL,"
            " stage TEXT NOT NULL,"
            " percentage REAL NOT NULL DEFAULT 0,"
            " attempts INTEGER NOT NULL DEFAULT 1,"
            " directory TEXT NOT NULL,"
            " inputs TEXT NOT NULL,"
            " outputs TEXT NOT NULL,"
            " probe_result TEXT NOT NULL,"
            " error TEXT,"
            " outputs_removed INTEGER NOT NULL DEFAULT 0,"
            " retained INTEGER NOT NULL DEFAULT 0,"
            " retain_until INTEGER,"
            " created_at INTEGER NOT NULL,"
            " input_completed_at INTEGER,"
            " started_at INTEGER,"
            " finished_at INTEGER,"
            " updated_at INTEGER NOT NULL)",
            // The claim reads the queue in this order.
            "CREATE INDEX jobs_queue ON jobs (priority DESC, seq) WHERE state = 'queued'",
            // History pages: newest-finished first, arrival as the tie-break.
            "CREATE INDEX jobs_history ON jobs (finished_at DESC, seq DESC) WHERE finished_at IS NOT NULL",
            "CREATE INDEX jobs_owner_history ON jobs (owner, finished_at DESC, seq DESC) WHERE finished_at IS NOT NULL",
            "CREATE INDEX jobs_owner_job_id ON jobs (owner, job_id, seq)",
            // What recovery loads: unfinished jobs and finished ones still holding files.
            "CREATE INDEX jobs_live ON jobs (seq) WHERE finished_at IS NULL OR outputs_removed = 0",
    });
}

} // namespace Mediaforge
