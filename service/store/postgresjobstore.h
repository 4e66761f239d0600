// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sqljobstore.h"

#include <QHash>
#include <QString>

#include <chrono>
#include <memory>

namespace Mediaforge {

// The store that several nodes share: one PostgreSQL database (Qt Sql's QPSQL driver, libpq).
// Same schema and queries as the embedded store; what PostgreSQL adds is that claims from many
// nodes never take the same job (FOR UPDATE SKIP LOCKED) and that a claimed job carries a
// lease its node renews: a node that stops renewing (dead, frozen, cut off) loses its jobs to
// the others, and whatever it writes afterwards is refused (fencing by lease generation).
class PostgresJobStore : public SqlJobStore
{
public:
    // `uri`: a libpq URI, postgresql://USER[:PASSWORD]@HOST:PORT/DB[?key=value&...]; the query
    // parameters are libpq's (host=/a/socket/dir, sslmode=..., connect_timeout=...). Without a
    // password in the URI libpq takes PGPASSWORD or the password file. Connecting gives up
    // after connect_timeout (default 10 s): an unreachable database is an error, not a hang.
    // Migrates under an advisory lock, so that nodes starting together migrate once.
    static std::unique_ptr<PostgresJobStore> open(const QString &uri, const QString &node, std::chrono::seconds lease,
                                                  QString *error);
    // Whether `uri` is one open() accepts; the reason when not.
    static QString checkUri(const QString &uri);
    // Opens one more connection to the database of `uri`, under `connectionName`, for what must
    // not share the store's (the cluster's LISTEN, which a busy connection would delay). The
    // error text (without the password) when it fails; the connection is then removed again.
    static QString openConnection(const QString &uri, const QString &connectionName);

    QString describe() const override { return m_description; }

    std::chrono::seconds leaseDuration() const override { return m_lease; }
    std::optional<QStringList> renewLeases(const QStringList &running) override;
    QList<Job> expiredLeases(int limit) override;
    bool takeOver(const Job &expired) override;
    QString goneHolder(const Job &expired) override;
    QList<Job> strandedQueued(int limit) override;
    bool takeOverQueued(const Job &stranded) override;
    std::optional<quint64> nextSequence() override;

    // Lease periods without a heartbeat after which a node is gone for good (NODE_LOST).
    static constexpr int kGoneAfterLeases = 3;

private:
    PostgresJobStore(QString connectionName, QString node, std::chrono::seconds lease);
    QString prepare();

    QString m_description;   // the URI without its password
    QHash<QString, qint64> m_expiredGenerations;   // as the last expiredLeases() read them
    QHash<QString, QString> m_expiredGoneHolders;   // of those, the jobs whose node is gone for good
};

} // namespace Mediaforge
