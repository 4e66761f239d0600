// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 7: the preset a job was started by (docs/presets.md), shown in its snapshot
// after a restart as before it. Empty for free-form jobs.
#include "migrations.h"

namespace Mediaforge {

QString migration0007(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE jobs ADD COLUMN preset TEXT NOT NULL DEFAULT ''",
    });
}

} // namespace Mediaforge
