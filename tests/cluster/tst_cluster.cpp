// SPDX-License-Identifier: GPL-3.0-or-later
// Two real mediaforged nodes sharing one real PostgreSQL 15 (each with its own data dir), a job
// whose input is a URL on a real loopback HTTP server (so that either node can fetch it), and
// the two ways a node stops renewing its lease: it dies (SIGKILL), or it freezes (SIGSTOP of the
// node and its ffmpeg, as a paused machine) and comes back after another node took its job.
// Leases are 3 s here; every wait is on an observed state with a bound of minutes.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <iterator>

#include <signal.h>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_cluster-secret-0123456789abcdef0123456789";

// The processes below `pid` (its ffmpeg and ffprobe runs), from /proc.
QByteArray commandOf(qint64 pid)
{
    QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
    return comm.open(QIODevice::ReadOnly) ? comm.readAll().trimmed() : QByteArray();
}

QList<qint64> descendantsOf(qint64 pid)
{
    QHash<qint64, qint64> parents;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 child = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(child));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1)
            parents.insert(child, fields.at(1).toLongLong());
    }
    QList<qint64> found;
    QList<qint64> frontier{pid};
    while (!frontier.isEmpty()) {
        const qint64 parent = frontier.takeFirst();
        for (auto it = parents.cbegin(); it != parents.cend(); ++it) {
            if (it.value() == parent) {
                found.append(it.key());
                frontier.append(it.key());
            }
        }
    }
    return found;
}

// Whether the process exists and is not a zombie.
bool running(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    return text.mid(text.lastIndexOf(')') + 2, 1) != "Z";
}

} // namespace

class TestCluster : public QObject
{
    Q_OBJECT

private:
    ClusterFixture m_cluster{kClusterSecret};
    QTemporaryDir m_media;

    // "key: a | b" for each field whose value differs between the two objects.
    static QString differing(const QJsonObject &a, const QJsonObject &b)
    {
        QStringList keys = a.keys() + b.keys();
        keys.removeDuplicates();
        QStringList found;
        for (const QString &key : std::as_const(keys)) {
            if (a.value(key) != b.value(key))
                found.append(key + QStringLiteral(": ") + QString::fromUtf8(QJsonDocument(QJsonArray{a.value(key)}).toJson(QJsonDocument::Compact))
                             + QStringLiteral(" | ") + QString::fromUtf8(QJsonDocument(QJsonArray{b.value(key)}).toJson(QJsonDocument::Compact)));
        }
        return found.join(u'\n');
    }

    static bool hasEvent(const QList<QJsonObject> &events, const QString &event)
    {
        return std::any_of(events.cbegin(), events.cend(), [&event](const QJsonObject &message) {
            return message.value(QStringLiteral("event")).toString() == event;
        });
    }

    // "event state stage" of each event but progress (whose count depends on timing).
    static QStringList transitions(const QList<QJsonObject> &events)
    {
        QStringList found;
        for (const QJsonObject &message : events) {
            const QString event = message.value(QStringLiteral("event")).toString();
            const QJsonObject job = message.value(QStringLiteral("job")).toObject();
            if (event != QLatin1StringView("progress"))
                found.append(event + u' ' + job.value(QStringLiteral("status")).toString() + u' '
                             + job.value(QStringLiteral("stage")).toString());
        }
        return found;
    }

private slots:
    void initTestCase()
    {
        // The clip runs long enough at one ffmpeg thread that a run is surely still going when
        // the test kills or freezes its node right after the claim.
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.error()));
    }

    void unreachableStoreStopsTheStartWithOneLineAndExitCode2()
    {
        // Nothing listens on a port that was just bound and released.
        int port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        QTemporaryDir data;
        QProcess node;
        QProcessEnvironment environment = TestService::cleanEnvironment();
        environment.insert(m_cluster.environment());
        node.setProcessEnvironment(environment);
        node.start(qEnvironmentVariable("MEDIAFORGED"),
                   {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--http-port"), QStringLiteral("0"),
                    QStringLiteral("--data-dir"), data.path(), QStringLiteral("--store"),
                    QStringLiteral("postgresql://postgres:hidden@127.0.0.1:%1/jobs").arg(port)});
        QVERIFY(node.waitForFinished(60'000));
        QCOMPARE(node.exitCode(), 2);
        const QString error = QString::fromUtf8(node.readAllStandardError()).trimmed();
        QVERIFY2(error.startsWith(QStringLiteral("mediaforged: cannot connect to the job store postgresql://postgres@127.0.0.1:")),
                 qPrintable(error));
        QVERIFY2(!error.contains(u'\n'), qPrintable(error));
        QVERIFY2(!error.contains(QStringLiteral("hidden")), "the password must not be printed");
    }

    void subscriberOnOneNodeSeesTheEventsOfAJobTheOtherNodeRuns()
    {
        const QString database = QStringLiteral("events");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a")));
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b")));
        // An admin feed on each node; the job is submitted to (and so run by) node b.
        TestSubmitter feedA;
        TestSubmitter feedB;
        TestSubmitter client;
        QVERIFY(feedA.open(QUrl(a.wsUrl())));
        QVERIFY(feedB.open(QUrl(b.wsUrl())));
        QVERIFY(client.open(QUrl(b.wsUrl())));
        const QJsonObject subscribe{{QStringLiteral("type"), QStringLiteral("subscribe")}};
        QCOMPARE(feedA.ask(subscribe).value(QStringLiteral("type")).toString(), QStringLiteral("subscribed"));
        QCOMPARE(feedB.ask(subscribe).value(QStringLiteral("type")).toString(), QStringLiteral("subscribed"));
        // The id is known only from the ack: record every job_event, keep those of the job.
        QList<QJsonObject> onA;
        QList<QJsonObject> onB;
        const QString id = [&] {
            // Listen before the job exists: its accepted event may beat the ack.
            QObject::connect(&feedA.connection, &ClientConnection::messageReceived, &feedA.connection,
                             [&onA](const QJsonObject &message) {
                                 if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("job_event"))
                                     onA.append(message);
                             });
            QObject::connect(&feedB.connection, &ClientConnection::messageReceived, &feedB.connection,
                             [&onB](const QJsonObject &message) {
                                 if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("job_event"))
                                     onB.append(message);
                             });
            return m_cluster.submitUrl(client, QStringLiteral("events-1"));
        }();
        QVERIFY(!id.isEmpty());
        const auto ofJob = [&id](const QList<QJsonObject> &events) {
            QList<QJsonObject> found;
            for (const QJsonObject &message : events) {
                if (message.value(QStringLiteral("job")).toObject().value(QStringLiteral("id")).toString() == id)
                    found.append(message);
            }
            return found;
        };
        QVERIFY2(QTest::qWaitFor([&] { return hasEvent(ofJob(onA), QStringLiteral("completed")); }, 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + a.log()));
        QVERIFY(QTest::qWaitFor([&] { return hasEvent(ofJob(onB), QStringLiteral("completed")); }, 60'000));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|1|node-b"));
        const QList<QJsonObject> seenA = ofJob(onA);
        const QList<QJsonObject> seenB = ofJob(onB);
        // The same state changes in the same order, accepted first and completed last...
        QCOMPARE(transitions(seenA), transitions(seenB));
        QCOMPARE(transitions(seenA).value(0).section(u' ', 0, 0), QStringLiteral("accepted"));
        QVERIFY2(transitions(seenA).contains(QStringLiteral("stage processing processing")),
                 qPrintable(transitions(seenA).join(u',')));
        QCOMPARE(seenA.constLast().value(QStringLiteral("event")).toString(), QStringLiteral("completed"));
        // ...live progress of the run on the other node, with its figures...
        const bool liveProgress = std::any_of(seenA.cbegin(), seenA.cend(), [](const QJsonObject &message) {
            const QJsonObject job = message.value(QStringLiteral("job")).toObject();
            return message.value(QStringLiteral("event")).toString() == QLatin1StringView("progress")
                    && job.value(QStringLiteral("stage")).toString() == QLatin1StringView("processing")
                    && job.value(QStringLiteral("percentage")).toDouble() > 0
                    && job.value(QStringLiteral("duration_seconds")).toDouble() > 0;
        });
        QVERIFY2(liveProgress, qPrintable(transitions(seenA).join(u',')));
        // ...and the final snapshot with the same fields and values on both nodes.
        const QString differences = differing(seenA.constLast().value(QStringLiteral("job")).toObject(),
                                              seenB.constLast().value(QStringLiteral("job")).toObject());
        QVERIFY2(differences.isEmpty(), qPrintable(differences));
        client.connection.close();
        feedA.connection.close();
        feedB.connection.close();
        a.stop();
        b.stop();
    }

    void ownerAttachesOnOneNodeSeesProgressListsAndCancelsTheRunOnTheOtherNode()
    {
        const QString database = QStringLiteral("attach");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        // A token owner: the one kind of owner that can come back on another connection.
        const QString token = QStringLiteral("cluster-owner-token-0123456789");
        const QString tokens = QDir(m_media.path()).filePath(QStringLiteral("tokens"));
        QFile file(tokens);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("client " + token.toLatin1() + " owner\n");
        file.close();
        const QStringList auth{QStringLiteral("--tokens-file"), tokens};
        TestService a;
        TestService b;
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a"), auth));
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b"), auth));
        // Started on b (so run there), not detached: b holds it for its owner when the
        // connection drops (reconnect grace), until the owner attaches on a.
        TestSubmitter first;
        QVERIFY(first.open(QUrl(b.wsUrl()), token));
        const QString id = m_cluster.submitUrl(first, QStringLiteral("attach-1"), false);
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-b"), 120'000), qPrintable(m_cluster.row(database, id)));
        QList<qint64> ffmpegs;
        QVERIFY(QTest::qWaitFor([&] {
            const QList<qint64> children = descendantsOf(b.processId());
            ffmpegs.clear();
            std::copy_if(children.cbegin(), children.cend(), std::back_inserter(ffmpegs),
                         [](qint64 child) { return commandOf(child) == "ffmpeg"; });
            return !ffmpegs.isEmpty();
        }, 60'000));
        first.connection.close();

        TestSubmitter second;
        QVERIFY(second.open(QUrl(a.wsUrl()), token));
        QList<QJsonObject> messages;
        QObject::connect(&second.connection, &ClientConnection::messageReceived, &second.connection,
                         [&messages](const QJsonObject &message) { messages.append(message); });
        const QJsonObject attached = second.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("attach")},
                                                            {QStringLiteral("id"), id}});
        QCOMPARE(attached.value(QStringLiteral("type")).toString(), QStringLiteral("job"));
        QCOMPARE(attached.value(QStringLiteral("job")).toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("processing"));
        // b's live progress reaches the owner on a, as it would have on b.
        QVERIFY2(QTest::qWaitFor([&] {
            return std::any_of(messages.cbegin(), messages.cend(), [](const QJsonObject &message) {
                return message.value(QStringLiteral("type")).toString() == QLatin1StringView("progress")
                        && message.value(QStringLiteral("job_id")).toString() == QLatin1StringView("attach-1")
                        && message.value(QStringLiteral("stage")).toString() == QLatin1StringView("processing")
                        && message.value(QStringLiteral("duration_seconds")).toDouble() > 0;
            });
        }, 120'000), qPrintable(a.log()));
        QCOMPARE(second.statusOf(id), QStringLiteral("processing"));
        // Queries on a answer for the cluster: b's running job is listed, and counted on b.
        const QJsonArray listed = second.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("list_jobs")},
                                                         {QStringLiteral("states"), QJsonArray{QStringLiteral("processing")}}})
                                          .value(QStringLiteral("jobs"))
                                          .toArray();
        QCOMPARE(listed.size(), 1);
        QCOMPARE(listed.at(0).toObject().value(QStringLiteral("id")).toString(), id);
        const QJsonObject stats = second.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_stats")}})
                                          .value(QStringLiteral("stats"))
                                          .toObject();
        QCOMPARE(stats.value(QStringLiteral("active_jobs")).toInt(), 0);   // this node's own
        const QJsonObject cluster = stats.value(QStringLiteral("cluster")).toObject();
        QCOMPARE(cluster.value(QStringLiteral("node")).toString(), QStringLiteral("node-a"));
        QCOMPARE(cluster.value(QStringLiteral("active_jobs")).toInt(), 1);
        const QJsonArray nodes = cluster.value(QStringLiteral("nodes")).toArray();
        QCOMPARE(nodes.size(), 1);   // node-a holds no job yet
        QCOMPARE(nodes.at(0).toObject().value(QStringLiteral("node")).toString(), QStringLiteral("node-b"));
        QCOMPARE(nodes.at(0).toObject().value(QStringLiteral("active_jobs")).toInt(), 1);

        // The cancel on a stops b's ffmpeg; the owner's answer is the job's end, as on b.
        QJsonObject answer;
        second.connection.request(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("id"), id}},
                                  [&answer](const QJsonObject &reply) { answer = reply; });
        QVERIFY2(QTest::qWaitFor([&] { return !answer.isEmpty(); }, 120'000), qPrintable(a.log() + u'\n' + b.log()));
        QCOMPARE(answer.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
        QCOMPARE(answer.value(QStringLiteral("code")).toString(), QStringLiteral("JOB_CANCELLED"));
        QCOMPARE(answer.value(QStringLiteral("id")).toString(), id);
        QVERIFY2(QTest::qWaitFor([&] { return std::none_of(ffmpegs.cbegin(), ffmpegs.cend(), running); }, 60'000),
                 qPrintable(b.log()));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("cancelled|1|node-b"));
        QCOMPARE(second.statusOf(id), QStringLiteral("cancelled"));
        QVERIFY2(b.log().contains(QStringLiteral("cancelled on another node")), qPrintable(b.log()));
        second.connection.close();
        a.stop();
        b.stop();
    }

    void storedCancelWhoseNotificationWasLostStopsTheRunAtTheNextHeartbeat()
    {
        const QString database = QStringLiteral("lostcancel");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService b;
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b")));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(b.wsUrl())));
        const QString id = m_cluster.submitUrl(client, QStringLiteral("lost-1"));
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-b"), 120'000), qPrintable(m_cluster.row(database, id)));
        QList<qint64> ffmpegs;
        QVERIFY(QTest::qWaitFor([&] {
            const QList<qint64> children = descendantsOf(b.processId());
            ffmpegs.clear();
            std::copy_if(children.cbegin(), children.cend(), std::back_inserter(ffmpegs),
                         [](qint64 child) { return commandOf(child) == "ffmpeg"; });
            return !ffmpegs.isEmpty();
        }, 60'000));
        // What another node's cancel_job stores, without the notification that goes with it
        // (as if it was lost): only the heartbeat's look at the store can find it.
        m_cluster.postgres().psql(database, QStringLiteral("UPDATE jobs SET cancel_requested = 1 WHERE id = '%1'").arg(id));
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("cancelled|1|node-b"), 120'000), qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        QVERIFY2(QTest::qWaitFor([&] { return std::none_of(ffmpegs.cbegin(), ffmpegs.cend(), running); }, 60'000),
                 qPrintable(b.log()));
        QVERIFY2(b.log().contains(QStringLiteral("cancelled on another node")), qPrintable(b.log()));
        client.connection.close();
        b.stop();
    }

    void killedNodesJobCompletesOnceOnTheOtherNodeWithAttempts2()
    {
        const QString database = QStringLiteral("killed");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a")));
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b")));
        // Each node has its row: its advertised URL (derived from the HTTP port it bound) and
        // a heartbeat that its lease timer refreshes by the database's clock.
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT name, advertise_url, state, slots FROM nodes ORDER BY name")),
                 (QStringList{QStringLiteral("node-a|") + a.httpUrl() + QStringLiteral("|active|1"),
                              QStringLiteral("node-b|") + b.httpUrl() + QStringLiteral("|active|1")}));
        QVERIFY(QTest::qWaitFor([&] {
            return m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FROM nodes WHERE heartbeat_at > started_at + 500"))
                    == QStringList{QStringLiteral("2")};
        }, 60'000));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl())));
        const QString id = m_cluster.submitUrl(client, QStringLiteral("killed-1"));
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(m_cluster.row(database, id)));
        // Any node lists every node (admin: no tokens on loopback), with the running job on A.
        TestSubmitter admin;
        QVERIFY(admin.open(QUrl(b.wsUrl())));
        const QJsonObject listed = admin.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("list_nodes")}});
        QCOMPARE(listed.value(QStringLiteral("type")).toString(), QStringLiteral("nodes"));
        const QJsonArray nodes = listed.value(QStringLiteral("nodes")).toArray();
        QCOMPARE(nodes.size(), 2);
        const QJsonObject nodeA = nodes.at(0).toObject();
        const QJsonObject nodeB = nodes.at(1).toObject();
        QCOMPARE(nodeA.value(QStringLiteral("name")).toString(), QStringLiteral("node-a"));
        QCOMPARE(nodeA.value(QStringLiteral("url")).toString(), a.httpUrl());
        QCOMPARE(nodeA.value(QStringLiteral("running_jobs")).toInt(), 1);
        QCOMPARE(nodeA.value(QStringLiteral("self")).toBool(), false);
        QCOMPARE(nodeA.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        QCOMPARE(nodeB.value(QStringLiteral("running_jobs")).toInt(), 0);
        QCOMPARE(nodeB.value(QStringLiteral("self")).toBool(), true);
        QCOMPARE(nodeB.value(QStringLiteral("slots")).toInt(), 1);
        QVERIFY(nodeB.value(QStringLiteral("heartbeat_age_ms")).toInteger(-1) >= 0);
        QVERIFY(!QJsonDocument(listed).toJson().contains(kClusterSecret));

        ::kill(pid_t(a.processId()), SIGKILL);
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|2|node-b"));
        // One record, completed once, by the node that took it over; the URL was fetched again.
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FROM jobs")), QStringList{QStringLiteral("1")});
        QVERIFY(m_cluster.http().requestCount(QStringLiteral("/clip.mp4")) >= 2);
        QVERIFY2(b.log().contains(QStringLiteral("taken over from a node whose lease ended")), qPrintable(b.log()));
        client.connection.close();
        admin.connection.close();
        b.stop();
    }

    void frozenNodeComesBackToFindItsJobTakenOverAndStopsWithoutPublishing()
    {
        const QString database = QStringLiteral("frozen");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService c;
        TestService d;
        QVERIFY(m_cluster.startNode(c, database, QStringLiteral("node-c")));
        QVERIFY(m_cluster.startNode(d, database, QStringLiteral("node-d")));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(c.wsUrl())));
        QList<QJsonObject> messages;
        QObject::connect(&client.connection, &ClientConnection::messageReceived, &client.connection,
                         [&messages](const QJsonObject &message) { messages.append(message); });
        const QString id = m_cluster.submitUrl(client, QStringLiteral("frozen-1"));
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-c"), 120'000), qPrintable(m_cluster.row(database, id)));
        // The node's ffmpeg, apart from its idle probers (the pool keeps those between jobs).
        QList<qint64> children;
        QList<qint64> ffmpegs;
        QVERIFY(QTest::qWaitFor([&] {
            children = descendantsOf(c.processId());
            ffmpegs.clear();
            std::copy_if(children.cbegin(), children.cend(), std::back_inserter(ffmpegs),
                         [](qint64 child) { return commandOf(child) == "ffmpeg"; });
            return !ffmpegs.isEmpty();
        }, 60'000));

        // The whole node freezes, ffmpeg included, as a paused machine would.
        ::kill(pid_t(c.processId()), SIGSTOP);
        for (qint64 child : std::as_const(children))
            ::kill(pid_t(child), SIGSTOP);
        // Until D has taken the job over, in whatever state D's run is by then: a freeze much
        // longer than that could make the client give up on its connection to C.
        QVERIFY2(QTest::qWaitFor([&] { return m_cluster.row(database, id).endsWith(QStringLiteral("|2|node-d")); }, 120'000),
                 qPrintable(m_cluster.row(database, id)));

        const qsizetype seenBefore = messages.size();
        ::kill(pid_t(c.processId()), SIGCONT);
        for (qint64 child : std::as_const(children))
            ::kill(pid_t(child), SIGCONT);
        // The stale node stops its ffmpeg...
        QVERIFY2(QTest::qWaitFor([&] { return std::none_of(ffmpegs.cbegin(), ffmpegs.cend(), running); }, 60'000),
                 qPrintable(c.log()));
        // ...while the other node completes the job, once.
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed"), 300'000), qPrintable(m_cluster.row(database, id) + u'\n' + d.log()));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|2|node-d"));
        // Whatever the stale node knew of the job, it announced none of it after coming back:
        // its client hears the run on D, which C follows from then on as any other node's
        // job, and that run's one end. Stages only move forward (a stale "processing" of C's
        // run before D's downloading would not), and nothing says the job was cancelled.
        QVERIFY2(QTest::qWaitFor([&] {
                     return std::any_of(messages.cbegin() + seenBefore, messages.cend(), [&id](const QJsonObject &message) {
                         return message.value(QStringLiteral("type")).toString() == QLatin1StringView("completed")
                                 && message.value(QStringLiteral("id")).toString() == id;
                     });
                 }, 60'000),
                 qPrintable(c.log()));
        QTest::qWait(2000);
        const QStringList order{QStringLiteral("downloading"), QStringLiteral("queued"), QStringLiteral("processing"),
                                QStringLiteral("finalizing")};
        qsizetype reached = 0;
        int ends = 0;
        for (qsizetype i = seenBefore; i < messages.size(); ++i) {
            const QJsonObject &message = messages.at(i);
            const QString dump = QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact));
            if (message.value(QStringLiteral("id")).toString() != id
                && message.value(QStringLiteral("job_id")).toString() != QLatin1StringView("frozen-1"))
                continue;
            const QString type = message.value(QStringLiteral("type")).toString();
            QVERIFY2(type != QLatin1StringView("error"), qPrintable(dump));
            if (type == QLatin1StringView("completed")) {
                ++ends;
            } else if (type == QLatin1StringView("progress")) {
                const qsizetype stage = order.indexOf(message.value(QStringLiteral("stage")).toString());
                QVERIFY2(stage >= reached, qPrintable(dump));
                reached = stage;
            }
        }
        QCOMPARE(ends, 1);
        QVERIFY2(c.log().contains(QStringLiteral("another node took the job over")), qPrintable(c.log()));
        // And it is healthy: it still answers (a new client: the old one may have given up on
        // its connection while the node was frozen).
        TestSubmitter later;
        QVERIFY2(later.open(QUrl(c.wsUrl())), qPrintable(c.log()));
        QVERIFY2(later.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_stats")}}).value(QStringLiteral("type"))
                         == QLatin1StringView("stats"),
                 qPrintable(c.log()));
        later.connection.close();
        client.connection.close();
        c.stop();
        d.stop();
    }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
