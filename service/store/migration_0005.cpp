// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 5, for nodes that answer for each other's jobs. A cancel asked for on one node
// for a job that another node runs: the flag is the durable half of the request (the
// notification that goes with it may be lost), and the node that runs the job looks for it at
// every heartbeat. The redacted ffmpeg command and stderr tail that admins see, so that every
// node shows them, not only the one that ran the job. Numbered after the nodes table's 4.
#include "migrations.h"

namespace Mediaforge {

QString migration0005(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE jobs ADD COLUMN ffmpeg_command TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE jobs ADD COLUMN ffmpeg_stderr TEXT NOT NULL DEFAULT ''",
    });
}

} // namespace Mediaforge
