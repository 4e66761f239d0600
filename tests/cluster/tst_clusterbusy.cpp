// SPDX-License-Identifier: GPL-3.0-or-later
// A busy cluster losing a node: three real mediaforged nodes (one slot each) on one real
// PostgreSQL 15, 200 small URL jobs (`probe`, detached, level 1) from 20 clients spread over
// the three nodes, and one node SIGKILLed while it runs a job and the queue is still long.
// Every job ends exactly once, in a state docs/scaling.md names ("A busy cluster loses a
// node"): in the store, to the client still connected to it, in the admin feeds of the two
// surviving nodes, in the nodes' logs and in their /metrics; afterwards no ffmpeg, ffprobe or
// prober of any node is left, and no node's temp dir holds a finished job's files (the killed
// node's once it has started again and swept them). Leases are 3 s; every wait is on a state
// the store or a socket shows, bounded by minutes, never on a time measured under load.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

#include <signal.h>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clusterbusy-secret-0123456789abcdef0123456";
constexpr int kClients = 20;
constexpr int kJobsPerClient = 10;
constexpr int kJobs = kClients * kJobsPerClient;

bool isEnd(const QString &event)
{
    return event == QLatin1StringView("completed") || event == QLatin1StringView("failed")
            || event == QLatin1StringView("cancelled");
}

// Every process whose parent chain leads to `pid`, from /proc.
QList<qint64> descendants(qint64 pid)
{
    QHash<qint64, qint64> parents;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 child = entry.toLongLong(&numeric);
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!numeric || !stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1)
            parents.insert(child, fields.at(1).toLongLong());
    }
    QList<qint64> found;
    QList<qint64> frontier{pid};
    while (!frontier.isEmpty()) {
        QList<qint64> next;
        for (auto it = parents.cbegin(); it != parents.cend(); ++it) {
            if (frontier.contains(it.value()) && !found.contains(it.key()))
                next.append(it.key());
        }
        found += next;
        frontier = next;
    }
    return found;
}

bool alive(qint64 pid)
{
    return QFile::exists(QStringLiteral("/proc/%1").arg(pid));
}

// The job directories left in a node's temp dir.
QStringList jobDirectories(const TestService &node)
{
    return QDir(node.jobsDirectory()).entryList({QStringLiteral("job-*")}, QDir::Dirs | QDir::NoDotAndDotDot);
}

QByteArray metricsOf(const TestService &node)
{
    QNetworkAccessManager network;
    QNetworkReply *reply = network.get(QNetworkRequest(QUrl(node.httpUrl() + QStringLiteral("/metrics"))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(30000))
        return {};
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    return body;
}

// The value of one series in a /metrics text; 0 when the series is absent (a counter that
// never moved has no line).
qint64 metric(const QByteArray &text, const QString &series)
{
    const QRegularExpression line(u'^' + QRegularExpression::escape(series) + QStringLiteral(" (\\d+)$"),
                                  QRegularExpression::MultilineOption);
    return line.match(QString::fromUtf8(text)).captured(1).toLongLong();
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
        // A tiny clip: a `probe` of it is one run of the node's prober, so 200 of them keep
        // three one-slot nodes busy for well under a minute, and the cluster's own work
        // (claims, leases, relay, pulls) is most of what the test exercises.
        QVERIFY2(m_cluster.start(0.2, 64, 48), qPrintable(m_cluster.error()));
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

        // The nodes are drained while the jobs arrive, so that every input is in and the whole
        // queue waits when they start claiming: a probe is quick, and without this gate the
        // nodes would run most jobs before the last input arrived. Drained nodes accept and
        // download jobs, claim nothing and move nothing (docs/scaling.md, "Draining a node").
        // Resumed in the order B, C, A: an active node takes a draining node's queued URL jobs
        // and downloads them again, and A must never hold a download when it is killed (that job
        // would wait for it, above). Once A is active, no node drains any more.
        const auto setNodes = [&](const QString &request) {
            for (const QString &name : {QStringLiteral("node-b"), QStringLiteral("node-c"), QStringLiteral("node-a")}) {
                const QJsonObject reply = feedB.ask(QJsonObject{{QStringLiteral("type"), request}, {QStringLiteral("node"), name}});
                if (reply.value(QStringLiteral("type")).toString() != QLatin1StringView("nodes"))
                    return false;
            }
            return true;
        };
        QVERIFY(setNodes(QStringLiteral("drain_node")));

        // Twenty clients, spread over the nodes in turn (7 on A, 7 on B, 6 on C), each hearing
        // the terminal messages of its own jobs (`completed`, or an `error` that ends a job).
        QHash<QString, int> terminals;   // by job_id (unique over all clients); outlives the clients
        TestSubmitter clients[kClients];
        TestService *nodes[] = {&a, &b, &c};
        for (int i = 0; i < kClients; ++i) {
            QVERIFY(clients[i].open(QUrl(nodes[i % 3]->wsUrl())));
            QObject::connect(&clients[i].connection, &ClientConnection::messageReceived, &clients[i].connection,
                             [&terminals](const QJsonObject &message) {
                                 const QString type = message.value(QStringLiteral("type")).toString();
                                 const QString jobId = message.value(QStringLiteral("job_id")).toString();
                                 if ((type == QLatin1StringView("completed") || type == QLatin1StringView("error")) && !jobId.isEmpty())
                                     ++terminals[jobId];
                             });
        }
        // Submitted in turns without waiting for each ack, so that every node's queue fills at
        // once and long before the nodes could drain it. Each accepted job is remembered with
        // the client (and so the node) it came through.
        QStringList ids;
        QStringList refused;
        QHash<QString, QString> jobIdOf;   // service id -> job_id
        QHash<QString, int> clientOf;      // job_id -> client index
        for (int round = 0; round < kJobsPerClient; ++round) {
            for (int i = 0; i < kClients; ++i) {
                const QString jobId = QStringLiteral("c%1-j%2").arg(i).arg(round);
                clientOf.insert(jobId, i);
                const QJsonObject request{
                        {QStringLiteral("type"), QStringLiteral("start_job")},
                        {QStringLiteral("job_id"), jobId},
                        {QStringLiteral("operation"), QStringLiteral("probe")},
                        {QStringLiteral("detach"), true},
                        {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("url")},
                                                              {QStringLiteral("url"), m_cluster.clipUrl()}}}};
                clients[i].connection.request(request, [&, jobId](const QJsonObject &reply) {
                    const QString id = reply.value(QStringLiteral("id")).toString();
                    if (reply.value(QStringLiteral("type")).toString() != QLatin1StringView("ack") || id.isEmpty()) {
                        refused.append(jobId + u' ' + QString::fromUtf8(QJsonDocument(reply).toJson(QJsonDocument::Compact)));
                        return;
                    }
                    ids.append(id);
                    jobIdOf.insert(id, jobId);
                });
            }
        }
        QVERIFY2(QTest::qWaitFor([&] { return ids.size() + refused.size() == kJobs; }, 120'000),
                 qPrintable(QString::number(ids.size())));
        QVERIFY2(refused.isEmpty(), qPrintable(refused.join(u'\n')));
        QCOMPARE(QSet<QString>(ids.cbegin(), ids.cend()).size(), kJobs);

        // Mid-run: every input has arrived (so that the ends are those of the table in
        // docs/scaling.md, "A busy cluster loses a node"), the nodes claim again, A runs a job,
        // and much of the queue is still ahead.
        QVERIFY2(QTest::qWaitFor([&] { return count(database, QStringLiteral("state = 'queued'")) == kJobs; }, 120'000),
                 qPrintable(m_cluster.postgres().psql(database, QStringLiteral("SELECT node, state, count(*) FROM jobs "
                                                                             "GROUP BY node, state")).join(u'\n')));
        QVERIFY(setNodes(QStringLiteral("resume_node")));
        // A probe holds its slot for a moment only, and on an idle machine the three nodes run
        // the whole queue in seconds, so a look at the store and a kill after it could fall
        // between two runs. The store is watched without stopping A until it shows A running a
        // job; then A is frozen (SIGSTOP) for the real look: its rows cannot change meanwhile,
        // and the kill lands inside the run the store shows. A freeze of one look (well under a
        // lease) is what any slow node does; when A has moved on by then, it goes on.
        QStringList runningOnA;
        QStringList heldByA;
        QList<qint64> processesOfA;
        int downloadingAtLook = 0;
        QDeadlineTimer looking(240'000);
        for (int look = 0; look < 200 && runningOnA.isEmpty() && !looking.hasExpired(); ++look) {
            if (count(database, QStringLiteral("node = 'node-a' AND state = 'processing'")) == 0) {
                QTest::qWait(10);
                --look;   // not a look: A was not frozen
                continue;
            }
            QVERIFY(::kill(pid_t(a.processId()), SIGSTOP) == 0);
            // A write A sent just before the stop may still be on its way to the database.
            QTest::qWait(300);
            runningOnA = m_cluster.postgres().psql(database,
                                                   QStringLiteral("SELECT id FROM jobs WHERE node = 'node-a' AND state = 'processing'"));
            // And nothing of A still downloading (a job taken over from a draining node).
            if (count(database, QStringLiteral("node = 'node-a' AND state IN ('downloading', 'awaiting_upload')")) > 0) {
                runningOnA.clear();
                ++downloadingAtLook;
            }
            if (runningOnA.isEmpty()) {
                QVERIFY(::kill(pid_t(a.processId()), SIGCONT) == 0);
                // Long enough for A to renew its leases (every second here) between two freezes.
                QTest::qWait(400);
            }
        }
        const auto pullLines = [](const QString &log) {
            QStringList lines = log.split(u'\n');
            lines.removeIf([](const QString &line) {
                return !line.contains(QStringLiteral("cannot pull")) && !line.contains(QStringLiteral("fetching"));
            });
            return lines.mid(0, 20).join(u'\n');
        };
        QVERIFY2(!runningOnA.isEmpty(), qPrintable(QStringLiteral("node A never ran a job at a look (%1 looks found it downloading):\n").arg(downloadingAtLook)
                                                   + m_cluster.postgres().psql(database, QStringLiteral("SELECT node, state, count(*) FROM jobs "
                                                                                                        "GROUP BY node, state")).join(u'\n')
                                                   + QStringLiteral("\nA:\n") + pullLines(a.log()) + QStringLiteral("\nB:\n") + pullLines(b.log())));
        // What A holds, as the frozen A left it: a run it had not finished, and its queue. (Read
        // before the kill: once A's lease has ended, another node may take its run at once.)
        heldByA = m_cluster.postgres().psql(database, QStringLiteral("SELECT id FROM jobs WHERE node = 'node-a' AND finished_at IS NULL"));
        processesOfA = descendants(a.processId());
        QVERIFY(::kill(pid_t(a.processId()), SIGKILL) == 0);
        const int unfinishedAtKill = count(database, QStringLiteral("finished_at IS NULL"));
        QVERIFY2(unfinishedAtKill >= 20, qPrintable(QString::number(unfinishedAtKill)));
        // A's children (its prober, an ffprobe) die with it (PR_SET_PDEATHSIG).
        QVERIFY2(QTest::qWaitFor([&] { return std::none_of(processesOfA.cbegin(), processesOfA.cend(), alive); }, 60'000),
                 "a child of the killed node outlived it");

        // Every job ends: the queue drains on B and C; A's jobs follow its lease (running) or
        // its absence for three leases (queued).
        QVERIFY2(QTest::qWaitFor([&] { return count(database, QStringLiteral("finished_at IS NULL")) == 0; }, 480'000),
                 qPrintable(m_cluster.postgres().psql(database, QStringLiteral("SELECT id, state, stage, attempts, node FROM jobs "
                                                                             "WHERE finished_at IS NULL")).join(u'\n')
                            + u'\n' + b.log() + u'\n' + c.log()));
        QCOMPARE(count(database, QStringLiteral("true")), kJobs);

        // The documented ends: completed, at attempts 2 only for a job A held at the kill (its
        // interrupted run).
        const QStringList rows = m_cluster.postgres().psql(database, QStringLiteral("SELECT id, state, attempts, node, error FROM jobs ORDER BY id"));
        QCOMPARE(rows.size(), kJobs);
        QHash<QString, QString> endedOn;
        QHash<QString, int> completedOn;
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
                ++completedOn[row.at(3)];
                QVERIFY2(attempts == 1 || (attempts == 2 && heldByA.contains(id) && row.at(3) != QLatin1StringView("node-a")),
                         qPrintable(line));
            } else {
                // Every input is a URL: a job whose pull from the dead A failed is fetched again
                // by the node that claimed it, and one queued on A is taken over after A's
                // silence. None fails.
                ++lost;
                QFAIL(qPrintable(QStringLiteral("a job did not complete: ") + line));
            }
        }
        // A run that A had not finished at the kill was run again elsewhere, once.
        for (const QString &id : runningOnA) {
            const QString row = m_cluster.row(database, id);
            QVERIFY2(row == QStringLiteral("completed|2|node-b") || row == QStringLiteral("completed|2|node-c"), qPrintable(row));
        }

        // Each job whose end a survivor stored reaches its client once, if that client is still
        // connected (on B or C), and each survivor's admin feed once: its own node's, or the
        // other's through the relay. An end stored by A in the instant before the kill may miss
        // its notification (docs/scaling.md), so those are "at most once".
        const auto onSurvivor = [&](const QString &id) { return endedOn.value(id) != QLatin1StringView("node-a"); };
        const auto clientAlive = [&](const QString &id) { return clientOf.value(jobIdOf.value(id)) % 3 != 0; };
        const auto allHeard = [&] {
            for (const QString &id : ids) {
                if (onSurvivor(id) && (endsOnB.value(id) < 1 || endsOnC.value(id) < 1
                                       || (clientAlive(id) && terminals.value(jobIdOf.value(id)) < 1)))
                    return false;
            }
            return true;
        };
        QVERIFY2(QTest::qWaitFor(allHeard, 120'000), "an end stored by B or C did not reach a feed or its client");
        QTest::qWait(2 * ClusterFixture::kLeaseSeconds * 1000);   // later heartbeats end nothing more

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
        int heardByClients = 0;
        for (const QString &id : ids) {
            const int toClient = terminals.value(jobIdOf.value(id));
            heardByClients += toClient;
            QVERIFY2(completedLines.value(id) <= 1, qPrintable(id));
            QVERIFY2(endsOnB.value(id) <= 1 && endsOnC.value(id) <= 1 && toClient <= 1, qPrintable(id));
            if (onSurvivor(id)) {
                QVERIFY2(endsOnB.value(id) == 1 && endsOnC.value(id) == 1,
                         qPrintable(id + QStringLiteral(": B heard %1, C heard %2").arg(endsOnB.value(id)).arg(endsOnC.value(id))));
                if (clientAlive(id))
                    QVERIFY2(toClient == 1, qPrintable(id + QStringLiteral(": its client heard %1 ends").arg(toClient)));
                if (m_cluster.row(database, id).startsWith(QStringLiteral("completed")))
                    QCOMPARE(completedLines.value(id), 1);
            }
        }

        // Each survivor's /metrics counts the jobs it completed, as the store does, and holds
        // nothing queued, receiving or running.
        for (auto [node, name] : {std::pair{&b, QStringLiteral("node-b")}, std::pair{&c, QStringLiteral("node-c")}}) {
            const QByteArray text = metricsOf(*node);
            QVERIFY2(!text.isEmpty(), qPrintable(name));
            QVERIFY2(metric(text, QStringLiteral("mediaforge_jobs_total{operation=\"probe\",outcome=\"completed\"}")) == completedOn.value(name),
                     qPrintable(name + QStringLiteral(": store %1\n").arg(completedOn.value(name)) + QString::fromUtf8(text)));
            for (const QString &gauge : {QStringLiteral("mediaforge_active_jobs"), QStringLiteral("mediaforge_queue_depth"),
                                        QStringLiteral("mediaforge_input_jobs")})
                QVERIFY2(metric(text, gauge) == 0, qPrintable(name + u' ' + gauge));
        }

        // Nothing left behind on the survivors: no ffmpeg or ffprobe, no job directory.
        for (TestService *node : {&b, &c}) {
            if (!QTest::qWaitFor([&] { return jobDirectories(*node).isEmpty(); }, 60'000)) {
                QString why;
                for (const QString &directory : jobDirectories(*node)) {
                    const QString id = directory.mid(4);
                    why += directory + u' ' + m_cluster.row(database, id) + u'\n';
                    for (const QString &line : QString(fullLog(a) + u'\n' + fullLog(b) + u'\n' + fullLog(c)).split(u'\n')) {
                        if (line.contains(id))
                            why += line + u'\n';
                    }
                }
                QFAIL(qPrintable(node->wsUrl() + u' ' + why));
            }
            for (const qint64 pid : descendants(node->processId())) {
                QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
                const QByteArray name = comm.open(QIODevice::ReadOnly) ? comm.readAll().trimmed() : QByteArray();
                QVERIFY2(name != "ffmpeg" && name != "ffprobe", qPrintable(QString::number(pid)));
            }
        }
        qInfo("%d jobs, %d unfinished at the kill (%lld held by A, %lld running there): %d completed, %d failed; "
              "%d terminal messages to the clients still connected",
              kJobs, unfinishedAtKill, qlonglong(heldByA.size()), qlonglong(runningOnA.size()), completed, lost, heardByClients);

        // The killed node's temp dir still holds what it had at the kill; started again, it
        // sweeps it (no record of the store is its unfinished job any more) and takes nothing
        // back: every row stays as it ended.
        const QStringList before = rows;
        QVERIFY2(m_cluster.startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(QTest::qWaitFor([&] { return jobDirectories(a).isEmpty(); }, 60'000), qPrintable(jobDirectories(a).join(u' ')));
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT id, state, attempts, node, error FROM jobs ORDER BY id")), before);

        for (TestSubmitter &client : clients)
            client.connection.close();
        feedB.connection.close();
        feedC.connection.close();
        a.stop();
        b.stop();
        c.stop();
    }
};

QTEST_GUILESS_MAIN(TestClusterBusy)
#include "tst_clusterbusy.moc"
