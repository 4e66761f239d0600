// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 10: whether a job may be answered from and added to the result cache
// (start_job `cache`). NULL in the rows written before it: those jobs are not cached after a
// restart or on another node, as before, because whether their client opted out is unknown.
#include "migrations.h"

namespace Mediaforge {

QString migration0010(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN use_cache INTEGER",
    });
}

} // namespace Mediaforge
