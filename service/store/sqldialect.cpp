// SPDX-License-Identifier: GPL-3.0-or-later
#include "sqldialect.h"

#include <QRegularExpression>

namespace Mediaforge::Sql {

QString ddl(SqlDialect dialect, const char *statement)
{
    QString text = QString::fromLatin1(statement);
    if (dialect == SqlDialect::Postgres) {
        static const QRegularExpression integer(QStringLiteral("\\bINTEGER\\b"));
        static const QRegularExpression real(QStringLiteral("\\bREAL\\b"));
        text.replace(integer, QStringLiteral("BIGINT"));
        text.replace(real, QStringLiteral("DOUBLE PRECISION"));
    }
    return text;
}

QString nowMs(SqlDialect dialect)
{
    switch (dialect) {
    case SqlDialect::Postgres:
        // clock_timestamp(), not now(): now() is the transaction's start, and a renewal must
        // not be dated earlier than it happens.
        return QStringLiteral("CAST(floor(extract(epoch FROM clock_timestamp()) * 1000) AS BIGINT)");
    case SqlDialect::Sqlite:
        break;
    }
    return QStringLiteral("CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)");
}

QString claimLock(SqlDialect dialect)
{
    return dialect == SqlDialect::Postgres ? QStringLiteral(" FOR UPDATE OF q SKIP LOCKED") : QString();
}

} // namespace Mediaforge::Sql
