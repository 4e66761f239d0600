// SPDX-License-Identifier: GPL-3.0-or-later
// Nodes as the operator sees them, with real mediaforged nodes on one real PostgreSQL 15: a node
// drained by an admin on another node finishes what it runs while the others take its queue,
// and claims again once resumed; the queued jobs of a node that died (SIGKILL) are taken over
// when they can move (URL inputs) and end NODE_LOST, once, when only the dead node had their
// input. Leases are 3 s; every wait is on an observed state with a bound of minutes.
#include "postgresserver.h"
#include "testhttpserver.h"
#include "testmedia.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include <signal.h>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clusternodes-secret-0123456789abcdef01234";

} // namespace

class TestClusterNodes : public QObject
{
    Q_OBJECT

private:
    PostgresServer m_postgres;
    TestHttpServer m_http;
    QTemporaryDir m_media;
    QString m_clip;

    bool startNode(TestService &node, const QString &database, const QString &name)
    {
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString::fromLatin1(kClusterSecret));
        node.setExtraEnvironment(environment);
        return node.start({QStringLiteral("--store"), m_postgres.uri(database), QStringLiteral("--node-name"), name,
                           QStringLiteral("--lease-seconds"), QStringLiteral("3"), QStringLiteral("--allow-private-urls"),
                           QStringLiteral("--max-concurrent-jobs"), QStringLiteral("1"), QStringLiteral("--ffmpeg-threads"),
                           QStringLiteral("1"), QStringLiteral("--log-level"), QStringLiteral("info")});
    }

    QString row(const QString &database, const QString &id)
    {
        return m_postgres.psql(database, QStringLiteral("SELECT state, attempts, node FROM jobs WHERE id = '%1'").arg(id)).value(0);
    }

    bool waitForRow(const QString &database, const QString &id, const QString &prefix, int timeoutMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!row(database, id).startsWith(prefix)) {
            if (deadline.hasExpired())
                return false;
            QTest::qWait(250);
        }
        return true;
    }

    // How long ago the node's last heartbeat was, by the database's clock; -1 when unknown.
    qint64 heartbeatAgeMs(const QString &database, const QString &node)
    {
        bool ok = false;
        const qint64 age = m_postgres.psql(database, QStringLiteral("SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint "
                                                                    "- heartbeat_at FROM nodes WHERE name = '%1'").arg(node))
                                   .value(0)
                                   .toLongLong(&ok);
        return ok ? age : -1;
    }

    // A detached compress of the clip by URL (any node can fetch it); the service id.
    QString submitUrl(TestSubmitter &submitter, const QString &jobId)
    {
        const QJsonObject ack = submitter.ask(QJsonObject{
                {QStringLiteral("type"), QStringLiteral("start_job")},
                {QStringLiteral("job_id"), jobId},
                {QStringLiteral("operation"), QStringLiteral("compress")},
                {QStringLiteral("options"), QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}},
                {QStringLiteral("detach"), true},
                {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("url")},
                                                      {QStringLiteral("url"), m_http.url(QStringLiteral("/clip.mp4")).toString()}}}});
        if (ack.value(QStringLiteral("type")).toString() != QLatin1StringView("ack"))
            qWarning() << "start_job refused:" << ack;
        return ack.value(QStringLiteral("id")).toString();
    }

    static QString stateOf(const QJsonObject &nodesReply, const QString &name)
    {
        const QJsonArray nodes = nodesReply.value(QStringLiteral("nodes")).toArray();
        for (const QJsonValue &node : nodes) {
            if (node.toObject().value(QStringLiteral("name")).toString() == name)
                return node.toObject().value(QStringLiteral("state")).toString();
        }
        return QString();
    }

    static QJsonObject nodeRequest(const QString &type, const QString &node)
    {
        return QJsonObject{{QStringLiteral("type"), type}, {QStringLiteral("node"), node}};
    }

    static int countEvents(const QList<QJsonObject> &events, const QString &id, const QString &event)
    {
        return int(std::count_if(events.cbegin(), events.cend(), [&](const QJsonObject &message) {
            return message.value(QStringLiteral("event")).toString() == event
                    && message.value(QStringLiteral("job")).toObject().value(QStringLiteral("id")).toString() == id;
        }));
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_postgres.start(), qPrintable(m_postgres.error()));
        QVERIFY(m_http.listen());
        // Long enough at one ffmpeg thread that a run is still going while the test acts.
        TestMedia::VideoSpec spec;
        spec.seconds = 8;
        spec.width = 640;
        spec.height = 480;
        m_clip = TestMedia::makeVideo(m_media.path(), spec);
        m_http.setRoute(QStringLiteral("/clip.mp4"), TestHttpServer::Response::file(m_clip, "video/mp4"));
    }

    void drainedNodeFinishesItsRunWhileAnotherTakesItsQueueAndClaimsAgainWhenResumed()
    {
        const QString database = QStringLiteral("drain");
        QVERIFY2(m_postgres.createDatabase(database), qPrintable(m_postgres.error()));
        TestService a;
        TestService b;
        QVERIFY2(startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));
        TestSubmitter client;
        TestSubmitter admin;   // no tokens on loopback: an admin; on the other node
        QVERIFY(client.open(QUrl(a.wsUrl())));
        QVERIFY(admin.open(QUrl(b.wsUrl())));
        const QString running = submitUrl(client, QStringLiteral("running"));
        QVERIFY(!running.isEmpty());
        QVERIFY2(waitForRow(database, running, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(row(database, running)));

        const QJsonObject drained = admin.ask(nodeRequest(QStringLiteral("drain_node"), QStringLiteral("node-a")));
        QCOMPARE(drained.value(QStringLiteral("type")).toString(), QStringLiteral("nodes"));
        QCOMPARE(stateOf(drained, QStringLiteral("node-a")), QStringLiteral("draining"));
        QCOMPARE(stateOf(drained, QStringLiteral("node-b")), QStringLiteral("active"));
        // A is still accepting (its clients are not turned away), but another node runs it.
        const QString moved = submitUrl(client, QStringLiteral("moved"));
        QVERIFY(!moved.isEmpty());
        QVERIFY2(waitForRow(database, moved, QStringLiteral("completed|1|node-b"), 300'000),
                 qPrintable(row(database, moved) + u'\n' + a.log() + u'\n' + b.log()));
        QVERIFY2(waitForRow(database, running, QStringLiteral("completed|1|node-a"), 300'000), qPrintable(row(database, running)));
        QVERIFY2(b.log().contains(QStringLiteral("taken over from the queue of a draining node")), qPrintable(b.log()));
        // Unknown nodes and malformed names are refused.
        QCOMPARE(admin.ask(nodeRequest(QStringLiteral("drain_node"), QStringLiteral("node-z"))).value(QStringLiteral("code")).toString(),
                 QStringLiteral("NOT_FOUND"));
        QCOMPARE(admin.ask(nodeRequest(QStringLiteral("drain_node"), QStringLiteral("a b"))).value(QStringLiteral("code")).toString(),
                 QStringLiteral("VALIDATION_ERROR"));

        // Resumed from the node itself this time: it claims its own jobs again.
        const QJsonObject resumed = client.ask(nodeRequest(QStringLiteral("resume_node"), QStringLiteral("node-a")));
        QCOMPARE(stateOf(resumed, QStringLiteral("node-a")), QStringLiteral("active"));
        const QJsonObject listed = admin.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("list_nodes")}});
        QCOMPARE(stateOf(listed, QStringLiteral("node-a")), QStringLiteral("active"));
        const QString again = submitUrl(client, QStringLiteral("again"));
        QVERIFY(!again.isEmpty());
        QVERIFY2(waitForRow(database, again, QStringLiteral("completed|1|node-a"), 300'000), qPrintable(row(database, again)));
        QCOMPARE(m_postgres.psql(database, QStringLiteral("SELECT count(*) FROM jobs")).value(0), QStringLiteral("3"));
        client.connection.close();
        admin.connection.close();
        a.stop();
        b.stop();
    }

    void deadNodesQueuedUrlJobRunsElsewhereAndItsQueuedUploadEndsNodeLostOnce()
    {
        const QString database = QStringLiteral("dead");
        QVERIFY2(m_postgres.createDatabase(database), qPrintable(m_postgres.error()));
        TestService a;
        TestService b;
        TestService c;
        QVERIFY2(startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));
        QVERIFY2(startNode(c, database, QStringLiteral("node-c")), qPrintable(c.log()));
        // An admin's feed on each surviving node: one of them ends the lost job, the other
        // hears of it only through the relay.
        TestSubmitter feedB;
        TestSubmitter feedC;
        QList<QJsonObject> onB;
        QList<QJsonObject> onC;
        for (auto [feed, node, events] : {std::tuple{&feedB, &b, &onB}, std::tuple{&feedC, &c, &onC}}) {
            QVERIFY(feed->open(QUrl(node->wsUrl())));
            QList<QJsonObject> *sink = events;
            QObject::connect(&feed->connection, &ClientConnection::messageReceived, &feed->connection,
                             [sink](const QJsonObject &message) {
                                 if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("job_event"))
                                     sink->append(message);
                             });
            QCOMPARE(feed->ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("subscribe")}}).value(QStringLiteral("type")).toString(),
                     QStringLiteral("subscribed"));
        }
        // An idle live node pulls a busy node's queued jobs (tst_cluster): for A's queue to be
        // there when A dies, B and C are drained meanwhile (an operator's choice; a cluster whose
        // every slot is busy is the same case) and resumed only once A can no longer be pulled
        // from. From then on only the dead node's rules move its queue.
        for (const QString &survivor : {QStringLiteral("node-b"), QStringLiteral("node-c")})
            QCOMPARE(stateOf(feedB.ask(nodeRequest(QStringLiteral("drain_node"), survivor)), survivor), QStringLiteral("draining"));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl())));
        const QString running = submitUrl(client, QStringLiteral("running"));
        QVERIFY(!running.isEmpty());
        QVERIFY2(waitForRow(database, running, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(row(database, running)));
        // Behind it, on A's one slot: a URL job, and a job whose input only A's disk holds.
        const QString queuedUrl = submitUrl(client, QStringLiteral("queued-url"));
        const QString queuedUpload = client.start(QStringLiteral("queued-upload"), QStringLiteral("compress"),
                                                  QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_clip,
                                                  QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!queuedUrl.isEmpty());
        QVERIFY(!queuedUpload.isEmpty());
        QVERIFY2(waitForRow(database, queuedUrl, QStringLiteral("queued|1|node-a"), 120'000), qPrintable(row(database, queuedUrl)));
        QVERIFY2(waitForRow(database, queuedUpload, QStringLiteral("queued|1|node-a"), 120'000),
                 qPrintable(row(database, queuedUpload)));
        QVERIFY(row(database, running).startsWith(QStringLiteral("processing|1|node-a")));

        ::kill(pid_t(a.processId()), SIGKILL);
        // Pulls take only from a node whose heartbeat is younger than a lease (3 s).
        QVERIFY(QTest::qWaitFor([&] { return heartbeatAgeMs(database, QStringLiteral("node-a")) > 3000; }, 60'000));
        QVERIFY(row(database, queuedUrl).startsWith(QStringLiteral("queued|1|node-a")));
        QVERIFY(row(database, queuedUpload).startsWith(QStringLiteral("queued|1|node-a")));
        for (const QString &survivor : {QStringLiteral("node-b"), QStringLiteral("node-c")})
            QCOMPARE(stateOf(feedC.ask(nodeRequest(QStringLiteral("resume_node"), survivor)), survivor), QStringLiteral("active"));
        // Gone for good after three lease periods without a heartbeat: its queue is taken.
        QVERIFY2(waitForRow(database, queuedUpload, QStringLiteral("failed|1|"), 300'000),
                 qPrintable(row(database, queuedUpload) + u'\n' + b.log() + u'\n' + c.log()));
        QVERIFY(m_postgres.psql(database, QStringLiteral("SELECT error FROM jobs WHERE id = '%1'").arg(queuedUpload))
                        .join(u' ')
                        .contains(QStringLiteral("NODE_LOST")));
        QVERIFY2(waitForRow(database, queuedUrl, QStringLiteral("completed|1|"), 300'000),
                 qPrintable(row(database, queuedUrl) + u'\n' + b.log() + u'\n' + c.log()));
        QVERIFY2(waitForRow(database, running, QStringLiteral("completed|2|"), 300'000), qPrintable(row(database, running)));
        // Both feeds hear the lost job's end once: the node that ended it, and the other one
        // through the relay.
        QVERIFY(QTest::qWaitFor([&] { return countEvents(onB, queuedUpload, QStringLiteral("failed")) > 0
                                             && countEvents(onC, queuedUpload, QStringLiteral("failed")) > 0; },
                                60'000));
        QTest::qWait(4000);   // later heartbeats end nothing more
        QCOMPARE(countEvents(onB, queuedUpload, QStringLiteral("failed")), 1);
        QCOMPARE(countEvents(onC, queuedUpload, QStringLiteral("failed")), 1);
        QCOMPARE(b.log().count(QStringLiteral("failed NODE_LOST")) + c.log().count(QStringLiteral("failed NODE_LOST")), 1);
        QVERIFY(row(database, queuedUpload).startsWith(QStringLiteral("failed|1|")));
        QCOMPARE(m_postgres.psql(database, QStringLiteral("SELECT count(*) FROM jobs WHERE state = 'completed'")).value(0),
                 QStringLiteral("2"));
        // Nothing was pulled from the dead node (a survivor may pull from the other one, busy
        // with the jobs it took over: that is a live node's queue).
        for (TestService *survivor : {&b, &c}) {
            const QStringList pulled = survivor->log()
                                               .split(u'\n')
                                               .filter(QStringLiteral("claimed from another node"))
                                               .filter(QStringLiteral("node=node-a "));
            QVERIFY2(pulled.isEmpty(), qPrintable(pulled.join(u'\n')));
        }
        feedB.connection.close();
        feedC.connection.close();
        b.stop();
        c.stop();
    }
};

QTEST_GUILESS_MAIN(TestClusterNodes)
#include "tst_clusternodes.moc"
