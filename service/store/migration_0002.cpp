// SPDX-License-Identifier: GPL-3.0-or-later
// Schema version 2: idempotent submission. A job may carry the key its start_job gave, the
// owner name the key counts for and a fingerprint of the request. Rows from version 1 keep
// NULL there: they were submitted without a key.
#include "migrations.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace Mediaforge {

QString migration0002(QSqlDatabase &database)
{
    static const char *const statements[] = {
            "ALTER TABLE jobs ADD COLUMN idempotency_owner TEXT",
            "ALTER TABLE jobs ADD COLUMN idempotency_key TEXT",
            "ALTER TABLE jobs ADD COLUMN request_hash TEXT",
            // A retry looks its key up among one owner's recent jobs.
            ("CREATE INDEX jobs_idempotency ON jobs (idempotency_owner, idempotency_key, created_at) "
             "WHERE idempotency_key IS NOT NULL"),
    };
    for (const char *statement : statements) {
        QSqlQuery query(database);
        if (!query.exec(QString::fromLatin1(statement)))
            return query.lastError().text();
    }
    return QString();
}

} // namespace Mediaforge
