// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 11: what each node's ffmpeg is (its version and encoder names), so that an
// operator sees from any node whether the cluster runs one ffmpeg (docs/scaling.md, "Nodes
// with another ffmpeg"). Empty for a row written by an older node until it starts again.
#include "migrations.h"

namespace Mediaforge {

QString migration0011(QSqlDatabase &database, SqlDialect dialect)
{
    return runStatements(database, dialect, {
            "ALTER TABLE nodes ADD COLUMN ffmpeg_version TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE nodes ADD COLUMN encoders TEXT NOT NULL DEFAULT ''",
    });
}

} // namespace Mediaforge
