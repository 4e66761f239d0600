// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

class QSqlDatabase;

namespace Mediaforge {

// One forward step of the SQLite schema. Migrations only ever move forward: version N+1 is
// written as a new function (a new migration_000N.cpp) appended to the list, never by editing
// an earlier one, because databases at every earlier version exist in the field.
struct Migration
{
    int version;
    const char *description;
    // Runs inside a transaction that the caller commits together with the schema_version row.
    // Returns the error text, empty when it succeeded.
    QString (*apply)(QSqlDatabase &database);
};

// Every migration, oldest first; the last one's version is what this build writes.
const QList<Migration> &sqliteMigrations();
int latestSchemaVersion();

// Each migration in its own file.
QString migration0001(QSqlDatabase &database);
QString migration0002(QSqlDatabase &database);

} // namespace Mediaforge
