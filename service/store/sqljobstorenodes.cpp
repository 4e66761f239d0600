// SPDX-License-Identifier: GPL-3.0-or-later
// SqlJobStore, continued: the nodes table (schema version 4). Only a store with a node name
// (the shared PostgreSQL store) has rows there; the embedded store is one process and writes
// none. Heartbeats are the database's clock, as leases are.
#include "sqljobstore.h"

#include <QDateTime>
#include <QSqlQuery>

#include <algorithm>

namespace Mediaforge {

bool SqlJobStore::registerNode(const NodeRecord &self)
{
    if (m_node.isEmpty())
        return true;
    // Replaces the row a previous run of this node left: a restarted node starts afresh
    // (new URL when its port changed, state back to active). Both times are the database's.
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("INSERT INTO nodes (name, advertise_url, version, slots, started_at, heartbeat_at, state, "
                                 "ffmpeg_version, encoders) "
                                 "VALUES (?, ?, ?, ?, %1, %1, 'active', ?, ?) ON CONFLICT (name) DO UPDATE SET "
                                 "advertise_url = excluded.advertise_url, version = excluded.version, "
                                 "slots = excluded.slots, started_at = excluded.started_at, "
                                 "heartbeat_at = excluded.heartbeat_at, state = 'active', "
                                 "ffmpeg_version = excluded.ffmpeg_version, encoders = excluded.encoders")
                          .arg(Sql::nowMs(m_dialect)));
    query.addBindValue(m_node);
    query.addBindValue(self.url);
    query.addBindValue(self.version);
    query.addBindValue(self.workerSlots);
    query.addBindValue(self.ffmpegVersion);
    // One column of names separated by spaces: read whole, never searched by SQL.
    query.addBindValue(self.encoders.join(u' '));
    return exec(query, "register node");
}

bool SqlJobStore::setNodeState(const QString &state)
{
    if (m_node.isEmpty())
        return true;
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("UPDATE nodes SET state = ? WHERE name = ?"));
    query.addBindValue(state);
    query.addBindValue(m_node);
    return exec(query, "set node state");
}

bool SqlJobStore::setNodeStateOf(const QString &node, const QString &state)
{
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("UPDATE nodes SET state = ? WHERE name = ?"));
    query.addBindValue(state);
    query.addBindValue(node);
    return exec(query, "set node state") && query.numRowsAffected() == 1;
}

QStringList SqlJobStore::movedAway(const QStringList &queued, QStringList *claimed)
{
    QStringList moved;
    // In slices: one statement per few hundred ids keeps each one short.
    constexpr qsizetype kSlice = 200;
    for (qsizetype from = 0; from < queued.size(); from += kSlice) {
        const QStringList slice = queued.mid(from, kSlice);
        QSqlQuery query = newQuery();
        query.prepare(QStringLiteral("SELECT id, state FROM jobs WHERE node <> ? AND id IN (%1)")
                              .arg(QStringList(slice.size(), QStringLiteral("?")).join(u',')));
        query.addBindValue(m_node);
        for (const QString &id : slice)
            query.addBindValue(id);
        if (!exec(query, "moved jobs"))
            return moved;
        while (query.next()) {
            // Queued or downloading elsewhere: taken over, its inputs fetched there again. A node
            // that claimed it to pull its inputs from here has it processing.
            if (const QString state = query.value(1).toString();
                state == QLatin1StringView("queued") || state == QLatin1StringView("downloading"))
                moved.append(query.value(0).toString());
            else if (claimed)
                claimed->append(query.value(0).toString());
        }
    }
    return moved;
}

QList<NodeRecord> SqlJobStore::nodes()
{
    QSqlQuery query = newQuery();
    query.prepare(QStringLiteral("SELECT name, advertise_url, version, slots, started_at, %1 - heartbeat_at, state, "
                                 "(SELECT count(*) FROM jobs j WHERE j.node = n.name AND j.state = 'processing'), ffmpeg_version, encoders "
                                 "FROM nodes n ORDER BY name")
                          .arg(Sql::nowMs(m_dialect)));
    QList<NodeRecord> list;
    if (!exec(query, "list nodes"))
        return list;
    while (query.next()) {
        NodeRecord node;
        node.name = query.value(0).toString();
        node.url = query.value(1).toString();
        node.version = query.value(2).toString();
        node.workerSlots = query.value(3).toInt();
        node.startedAt = QDateTime::fromMSecsSinceEpoch(query.value(4).toLongLong(), Qt::UTC);
        node.heartbeatAgeMs = std::max<qint64>(0, query.value(5).toLongLong());
        node.state = query.value(6).toString();
        node.runningJobs = query.value(7).toInt();
        node.ffmpegVersion = query.value(8).toString();
        node.encoders = query.value(9).toString().split(u' ', Qt::SkipEmptyParts);
        list.append(node);
    }
    return list;
}

QString SqlJobStore::nodeOf(const QString &id)
{
    QSqlQuery query(m_database);
    query.prepare(QStringLiteral("SELECT node FROM jobs WHERE id = ?"));
    query.addBindValue(id);
    if (!exec(query, "find a job's node") || !query.next())
        return QString();
    return query.value(0).toString();
}

} // namespace Mediaforge
