// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sqldialect.h"

#include <QList>
#include <QString>

class QSqlDatabase;

namespace Mediaforge {

// One forward step of the job store's schema, the same for SQLite and PostgreSQL (types mapped
// by Sql::ddl). Migrations only ever move forward: version N+1 is written as a new function (a
// new migration_000N.cpp) appended to the list, never by editing an earlier one, because
// databases at every earlier version exist in the field.
struct Migration
{
    int version;
    const char *description;
    // Runs inside a transaction that the caller commits together with the schema_version row.
    // Returns the error text, empty when it succeeded.
    QString (*apply)(QSqlDatabase &database, SqlDialect dialect);
};

// Every migration, oldest first; the last one's version is what this build writes.
const QList<Migration> &jobStoreMigrations();
int latestSchemaVersion();

// Runs `statements` in order through Sql::ddl; the first error's text, or empty.
QString runStatements(QSqlDatabase &database, SqlDialect dialect, const QList<const char *> &statements);

// Each migration in its own file.
QString migration0001(QSqlDatabase &database, SqlDialect dialect);
QString migration0002(QSqlDatabase &database, SqlDialect dialect);
QString migration0003(QSqlDatabase &database, SqlDialect dialect);
QString migration0004(QSqlDatabase &database, SqlDialect dialect);
QString migration0005(QSqlDatabase &database, SqlDialect dialect);
QString migration0006(QSqlDatabase &database, SqlDialect dialect);
QString migration0007(QSqlDatabase &database, SqlDialect dialect);
QString migration0008(QSqlDatabase &database, SqlDialect dialect);
QString migration0009(QSqlDatabase &database, SqlDialect dialect);
QString migration0010(QSqlDatabase &database, SqlDialect dialect);
QString migration0011(QSqlDatabase &database, SqlDialect dialect);
QString migration0012(QSqlDatabase &database, SqlDialect dialect);
QString migration0013(QSqlDatabase &database, SqlDialect dialect);

} // namespace Mediaforge
