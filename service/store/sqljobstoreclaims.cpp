// SPDX-License-Identifier: GPL-3.0-or-later
// SqlJobStore, continued: claims across nodes. A node whose own queue is empty (or whose jobs
// come later in the order) takes a job queued on a busy node and pulls its inputs from there.
#include "sqljobstore.h"

#include <QSqlQuery>

namespace Mediaforge {

std::optional<Job> SqlJobStore::claimNextAnywhere(const QDateTime &now, QString *holder)
{
    holder->clear();
    // The embedded store is one node: nothing to take from elsewhere.
    if (m_node.isEmpty() || m_dialect != SqlDialect::Postgres)
        return claimNext(now);
    // One statement, as claimNext(): the choice and the claim cannot be separated by another
    // node. Another node's job qualifies only while that node is alive (a heartbeat within one
    // lease, so that its inputs can be pulled) and has no free slot (it would claim the job
    // itself at once: moving it would only cost a transfer). Level 0 jobs move too: the node
    // their owner is connected to streams the outputs from the one that ran them in the same
    // one message per file as its own (docs/scaling.md, "Outputs through any node").
    // As claimNext(): the claim and the outbox row of its "processing" event are one transaction.
    // First: ready() may reconnect, which drops the kept statements.
    if (!ready("claim anywhere") || !begun(m_database.transaction(), "claim anywhere"))
        return std::nullopt;
    QSqlQuery &query = prepared(QStringLiteral(
                          "UPDATE jobs SET state = 'processing', stage = 'processing', percentage = 0, started_at = ?, "
                          "updated_at = ?, lease_expires_at = %1 + ?, lease_generation = jobs.lease_generation + 1, node = ? "
                          "FROM (SELECT q.id, q.node AS holder FROM jobs q "
                          "LEFT JOIN (SELECT owner, COUNT(*) AS slots FROM jobs WHERE state = 'processing' GROUP BY owner) r "
                          "ON r.owner = q.owner "
                          "WHERE q.state = 'queued' AND (q.node = ? OR (EXISTS ("
                          "SELECT 1 FROM nodes n WHERE n.name = q.node AND n.heartbeat_at > %1 - ? AND n.slots <= "
                          "(SELECT COUNT(*) FROM jobs b WHERE b.node = n.name AND b.state = 'processing')))) "
                          // A draining node claims nothing, neither its own jobs nor others', whichever
                          // node drained it (as claimNext()).
                          "AND NOT EXISTS (SELECT 1 FROM nodes me WHERE me.name = ? AND me.state = 'draining') "
                          "ORDER BY q.priority DESC, COALESCE(r.slots, 0), CASE WHEN q.node = ? THEN 0 ELSE 1 END, q.seq "
                          "LIMIT 1%2) c WHERE jobs.id = c.id RETURNING jobs.id, jobs.lease_generation, c.holder")
                          .arg(Sql::nowMs(m_dialect), Sql::claimLock(m_dialect)));
    query.addBindValue(now.toMSecsSinceEpoch());
    query.addBindValue(QDateTime::currentMSecsSinceEpoch());
    query.addBindValue(qint64(m_lease.count()) * 1000);
    query.addBindValue(m_node);
    query.addBindValue(m_node);
    query.addBindValue(qint64(m_lease.count()) * 1000);
    query.addBindValue(m_node);
    query.addBindValue(m_node);
    if (!exec(query, "claim anywhere") || !query.next()) {
        m_database.rollback();
        return std::nullopt;
    }
    const QString id = query.value(0).toString();
    const qint64 generation = query.value(1).toLongLong();
    const QString from = query.value(2).toString();
    query.finish();
    std::optional<Job> claimed = load(id);
    if (!claimed || !writeOutbox(*claimed, JobStatus::Queued) || !m_database.commit()) {
        m_database.rollback();
        return std::nullopt;
    }
    m_generations.insert(id, generation);
    if (from != m_node)
        *holder = from;
    return claimed;
}

bool SqlJobStore::handBack(const Job &job, const QString &holder)
{
    if (m_node.isEmpty() || !save(job))
        return false;
    // Fenced by the generation this node claimed: once handed back, its writes are refused.
    const auto mine = m_generations.constFind(job.id);
    if (mine == m_generations.cend())
        return false;
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("UPDATE jobs SET node = ?, lease_generation = lease_generation + 1 "
                                 "WHERE id = ? AND lease_generation = ? AND node = ?"));
    query.addBindValue(holder);
    query.addBindValue(job.id);
    query.addBindValue(*mine);
    query.addBindValue(m_node);
    if (!exec(query, "hand back") || query.numRowsAffected() != 1)
        return false;
    m_generations.remove(job.id);
    return true;
}

} // namespace Mediaforge
