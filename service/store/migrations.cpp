// SPDX-License-Identifier: GPL-3.0-or-later
#include "migrations.h"

namespace Mediaforge {

const QList<Migration> &sqliteMigrations()
{
    static const QList<Migration> list{
            {1, "jobs table, queue and history indexes", &migration0001},
            {2, "idempotency keys of start_job", &migration0002},
    };
    return list;
}

int latestSchemaVersion()
{
    return sqliteMigrations().constLast().version;
}

} // namespace Mediaforge
