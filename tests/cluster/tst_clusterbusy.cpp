// SPDX-License-Identifier: GPL-3.0-or-later
// A busy cluster losing a node: three real mediaforged nodes (one slot each) on one real
// PostgreSQL 15, 60 small URL jobs from 6 clients (two per node), and one node SIGKILLed while
// it runs a job and the queue is still long. Every job ends exactly once, in a state
// docs/scaling.md names ("A busy cluster loses a node"): in the store, in the admin feeds of
// the two surviving nodes, and in the nodes' logs. Leases are 3 s; every wait is on a state
// the store shows, bounded by minutes, never on a time measured under load.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QSet>
#include <QTest>

#include <signal.h>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clusterbusy-secret-0123456789abcdef0123456";
constexpr int kClients = 6;
constexpr int kJobsPerClient = 10;

bool isEnd(const QString &event)
{
    return event == QLatin1StringView("completed") || event == QLatin1StringView("failed")
            || event == QLatin1StringView("cancelled");
}

} // namespace

class TestClusterBusy : public QObject
{
    Q_OBJECT

private:
    ClusterFixture m_cluster{kClusterSecret};

    int count(const QString &database, const QString &where)
    {
        return m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FROM jobs WHERE ") + where).value(0).toInt();
    }

    // The whole log of a node (TestService::log() keeps only its end).
    static QString fullLog(const TestService &node)
    {
        QFile file(node.tempPath(QStringLiteral("service.log")));
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    }

private slots:
    void initTestCase()
    {
        // A small clip: each run takes about a second, so 60 of them keep three one-slot nodes
        // busy for a minute or so, and the kill lands while the queue is long.
        QVERIFY2(m_cluster.start(1.0, 320, 240), qPrintable(m_cluster.error()));
    }

    void nodeKilledInABusyQueueLeavesEveryJobEndedExactlyOnce()
    {
        const QString database = QStringLiteral("busy");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        TestService c;
        QVERIFY2(m_cluster.startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(m_cluster.startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));
        QVERIFY2(m_cluster.startNode(c, database, QStringLiteral("node-c")), qPrintable(c.log()));

        // An admin's feed on each node that survives: the ends it hears, per job.
        TestSubmitter feedB;
        TestSubmitter feedC;
        QHash<QString, int> endsOnB;
        QHash<QString, int> endsOnC;
        for (auto [feed, node, ends] : {std::tuple{&feedB, &b, &endsOnB}, std::tuple{&feedC, &c, &endsOnC}}) {
            QVERIFY(feed->open(QUrl(node->wsUrl())));
            QHash<QString, int> *sink = ends;
            QObject::connect(&feed->connection, &ClientConnection::messageReceived, &feed->connection,
                             [sink](const QJsonObject &message) {
                                 if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("job_event")
                                     && isEnd(message.value(QStringLiteral("event")).toString()))
                                     ++(*sink)[message.value(QStringLiteral("job")).toObject().value(QStringLiteral("id")).toString()];
                             });
            QCOMPARE(feed->ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("subscribe")}}).value(QStringLiteral("type")).toString(),
                     QStringLiteral("subscribed"));
        }

        // Six clients, two on each node, submit in turns: every node's queue fills at once.
        TestSubmitter clients[kClients];
        TestService *nodes[] = {&a, &b, &c};
        for (int i = 0; i < kClients; ++i)
            QVERIFY(clients[i].open(QUrl(nodes[i % 3]->wsUrl())));
        QStringList ids;
        for (int round = 0; round < kJobsPerClient; ++round) {
            for (int i = 0; i < kClients; ++i) {
                const QString id = m_cluster.submitUrl(clients[i], QStringLiteral("c%1-j%2").arg(i).arg(round));
                QVERIFY(!id.isEmpty());
                ids.append(id);
            }
        }
        QCOMPARE(QSet<QString>(ids.cbegin(), ids.cend()).size(), kClients * kJobsPerClient);

        // Mid-run: every input has arrived (a job still downloading on a dead node waits for it,
        // docs/scaling.md "Not there yet"), A runs a job, and most of the queue is still ahead.
        QVERIFY2(QTest::qWaitFor([&] { return count(database, QStringLiteral("state IN ('downloading', 'awaiting_upload')")) == 0; },
                                 120'000),
                 qPrintable(a.log()));
        QVERIFY2(QTest::qWaitFor([&] { return count(database, QStringLiteral("node = 'node-a' AND state = 'processing'")) > 0; },
                                 120'000),
                 qPrintable(a.log()));
        QVERIFY(::kill(pid_t(a.processId()), SIGKILL) == 0);
        // Read right after the kill: A renewed its leases at most a third of a lease ago, so
        // nobody has taken its runs over yet, and a dead A claims nothing more.
        const QStringList runningOnA = m_cluster.postgres().psql(
                database, QStringLiteral("SELECT id FROM jobs WHERE node = 'node-a' AND state = 'processing'"));
        QVERIFY(!runningOnA.isEmpty());
        const int unfinishedAtKill = count(database, QStringLiteral("finished_at IS NULL"));
        QVERIFY2(unfinishedAtKill >= 10, qPrintable(QString::number(unfinishedAtKill)));

        // Every job ends: the queue drains on B and C; A's jobs follow its lease (running) or
        // its absence for three leases (queued).
        QVERIFY2(QTest::qWaitFor([&] { return count(database, QStringLiteral("finished_at IS NULL")) == 0; }, 540'000),
                 qPrintable(m_cluster.postgres().psql(database, QStringLiteral("SELECT id, state, stage, attempts, node FROM jobs "
                                                                             "WHERE finished_at IS NULL")).join(u'\n')
                            + u'\n' + b.log() + u'\n' + c.log()));
        QCOMPARE(count(database, QStringLiteral("true")), kClients * kJobsPerClient);

        // The documented ends: completed (attempts 2 for a run the kill interrupted, which then
        // ran on B or C), or NODE_LOST for a job that could not leave A.
        const QStringList rows = m_cluster.postgres().psql(database, QStringLiteral("SELECT id, state, attempts, node, error FROM jobs"));
        QCOMPARE(rows.size(), kClients * kJobsPerClient);
        QHash<QString, QString> endedOn;
        int completed = 0;
        int lost = 0;
        for (const QString &line : rows) {
            const QStringList row = line.split(u'|');
            const QString &id = row.at(0);
            const QString &state = row.at(1);
            const int attempts = row.at(2).toInt();
            endedOn.insert(id, row.at(3));
            if (state == QLatin1StringView("completed")) {
                ++completed;
                QVERIFY2(attempts == 1 || (attempts == 2 && runningOnA.contains(id) && row.at(3) != QLatin1StringView("node-a")),
                         qPrintable(line));
            } else {
                ++lost;
                QVERIFY2(state == QLatin1StringView("failed") && row.at(4).contains(QStringLiteral("NODE_LOST")), qPrintable(line));
            }
        }
        // A run that A had not finished at the kill was run again elsewhere, once.
        for (const QString &id : runningOnA) {
            const QString row = m_cluster.row(database, id);
            QVERIFY2(row == QStringLiteral("completed|2|node-b") || row == QStringLiteral("completed|2|node-c"), qPrintable(row));
        }
        qInfo("%d jobs, %d unfinished at the kill: %d completed, %d NODE_LOST; A was running %lld", int(ids.size()),
              unfinishedAtKill, completed, lost, qlonglong(runningOnA.size()));

        // No job was run to completion twice: one "completed" line per job over all three logs
        // (A's up to its death; a job it completed just before may lack its line there).
        const QString logs = fullLog(a) + u'\n' + fullLog(b) + u'\n' + fullLog(c);
        QHash<QString, int> completedLines;
        for (const QString &line : logs.split(u'\n')) {
            if (!line.contains(QStringLiteral(" state=completed ")))
                continue;
            const int at = line.indexOf(QStringLiteral("job="));
            if (at >= 0)
                ++completedLines[line.mid(at + 4).section(u' ', 0, 0)];
        }
        // Each survivor's feed hears each end once: its own node's, or the other's through the
        // relay. An end stored by A in the instant before the kill may miss its notification.
        QTest::qWait(2 * ClusterFixture::kLeaseSeconds * 1000);   // later heartbeats end nothing more
        for (const QString &id : ids) {
            const bool onSurvivor = endedOn.value(id) != QLatin1StringView("node-a");
            QVERIFY2(completedLines.value(id) <= 1, qPrintable(id));
            QVERIFY2(endsOnB.value(id) <= 1 && endsOnC.value(id) <= 1, qPrintable(id));
            if (onSurvivor) {
                QVERIFY2(endsOnB.value(id) == 1 && endsOnC.value(id) == 1,
                         qPrintable(id + QStringLiteral(": B heard %1, C heard %2").arg(endsOnB.value(id)).arg(endsOnC.value(id))));
                if (m_cluster.row(database, id).startsWith(QStringLiteral("completed")))
                    QCOMPARE(completedLines.value(id), 1);
            }
        }
        for (TestSubmitter &client : clients)
            client.connection.close();
        feedB.connection.close();
        feedC.connection.close();
        b.stop();
        c.stop();
    }
};

QTEST_GUILESS_MAIN(TestClusterBusy)
#include "tst_clusterbusy.moc"
