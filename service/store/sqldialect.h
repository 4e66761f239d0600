// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

// Where the two SQL stores' databases differ, in one place: everything else (the schema, the
// migrations, the queries) is written once in SQL that both SQLite and PostgreSQL accept.
namespace Mediaforge {

enum class SqlDialect { Sqlite, Postgres };

namespace Sql {

// A migration's DDL in the dialect's types. The migrations are written in SQLite's words
// (INTEGER, REAL): SQLite's INTEGER holds 64 bits, PostgreSQL's only 32, and the times are
// milliseconds since the epoch, so PostgreSQL gets BIGINT and DOUBLE PRECISION instead.
QString ddl(SqlDialect dialect, const char *statement);

// The database's own clock in milliseconds since the epoch: leases are timed by it, never by a
// node's clock, so that nodes whose clocks disagree still agree on when a lease ends.
QString nowMs(SqlDialect dialect);

// What a claim's choice of row adds so that concurrent claimers never wait for, nor take, a row
// another one is claiming. SQLite has one writer at a time and needs nothing.
QString claimLock(SqlDialect dialect);

} // namespace Sql

} // namespace Mediaforge
