// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 8: the `output_targets` of start_job (presigned upload URLs and their headers,
// JSON). They are credentials, kept with the job so that a job that a restart requeues can
// still put its outputs where the client asked; "" for jobs that deliver over the socket.
#include "migrations.h"

namespace Mediaforge {

QString migration0008(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN output_targets TEXT NOT NULL DEFAULT ''",
    });
}

} // namespace Mediaforge
