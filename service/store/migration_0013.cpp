// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 13: jobs' arrival numbers (`seq`) from one database sequence on PostgreSQL, so
// that nodes submitting at the same moment never give two jobs the same number (each node
// counted from the highest stored `seq` before). It starts after the highest number stored.
// SQLite has one process writing: it keeps its own counter, and nothing changes there.
#include "migrations.h"

#include <QSqlError>
#include <QSqlQuery>

namespace Mediaforge {

QString migration0013(QSqlDatabase &database, SqlDialect dialect)
{
    if (dialect != SqlDialect::Postgres)
        return QString();
    for (const char *statement : {"CREATE SEQUENCE jobs_seq AS BIGINT",
                                  "SELECT setval('jobs_seq', GREATEST((SELECT max(seq) FROM jobs), 1), "
                                  "(SELECT max(seq) FROM jobs) IS NOT NULL)"}) {
        QSqlQuery query(database);
        if (!query.exec(QString::fromLatin1(statement)))
            return query.lastError().text();
    }
    return QString();
}

} // namespace Mediaforge
