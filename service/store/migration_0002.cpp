// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 2: idempotent submission. A job may carry the key its start_job gave, the
// owner name the key counts for and a fingerprint of the request. Rows from version 1 keep
// NULL there: they were submitted without a key.
#include "migrations.h"

namespace Mediaforge {

QString migration0002(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN idempotency_owner TEXT",
            "ALTER TABLE jobs ADD COLUMN idempotency_key TEXT",
            "ALTER TABLE jobs ADD COLUMN request_hash TEXT",
            // A retry looks its key up among one owner's recent jobs.
            ("CREATE INDEX jobs_idempotency ON jobs (idempotency_owner, idempotency_key, created_at) "
             "WHERE idempotency_key IS NOT NULL"),
    });
}

} // namespace Mediaforge
