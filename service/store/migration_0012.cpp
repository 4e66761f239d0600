// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 12: the shared directory a node keeps its job files under (--shared-dir), so
// that a node with the same one reads another node's inputs and outputs in place instead of
// over HTTP (docs/scaling.md, "A shared filesystem"). Empty: the node has its own disk only.
#include "migrations.h"

namespace Mediaforge {

QString migration0012(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE nodes ADD COLUMN shared_dir TEXT NOT NULL DEFAULT ''",
    });
}

} // namespace Mediaforge
