// SPDX-License-Identifier: GPL-3.0-or-later
#include "migrations.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace Mediaforge {

const QList<Migration> &jobStoreMigrations()
{
    static const QList<Migration> list{
            {1, "jobs table, queue and history indexes", &migration0001},
            {2, "idempotency keys of start_job", &migration0002},
            {3, "nodes and leases of claimed jobs", &migration0003},
            {4, "the nodes table: advertise URL, version, slots, heartbeat", &migration0004},
            {5, "cancels asked for on another node; ffmpeg command and stderr", &migration0005},
            {6, "webhooks: notify settings of jobs, the delivery outbox", &migration0006},
            {7, "the preset a job was started by", &migration0007},
            {8, "output targets (presigned upload URLs) of start_job", &migration0008},
            {9, "batches: the batch of a job, the batches table", &migration0009},
            {10, "whether a job uses the result cache", &migration0010},
            {11, "the nodes table: ffmpeg version and encoders", &migration0011},
            {12, "the nodes table: the shared dir of a node's job files", &migration0012},
            {13, "PostgreSQL: jobs' arrival numbers from one sequence", &migration0013},
    };
    return list;
}

int latestSchemaVersion()
{
    return jobStoreMigrations().constLast().version;
}

QString runStatements(QSqlDatabase &database, SqlDialect dialect, const QList<const char *> &statements)
{
    for (const char *statement : statements) {
        QSqlQuery query(database);
        if (!query.exec(Sql::ddl(dialect, statement)))
            return query.lastError().text();
    }
    return QString();
}

} // namespace Mediaforge
