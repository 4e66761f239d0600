// SPDX-License-Identifier: GPL-3.0-or-later
// Nodes as the operator sees them, with real mediaforged nodes on one real PostgreSQL 15: a node
// drained by an admin on another node finishes what it runs while the others take its queue,
// and claims again once resumed; the queued jobs of a node that died (SIGKILL) are taken over
// when they can move (URL inputs) and end NODE_LOST, once, when only the dead node had their
// input. Leases are 3 s; every wait is on an observed state with a bound of minutes.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
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
    ClusterFixture m_cluster{kClusterSecret};

    static QJsonObject nodeNamed(const QJsonObject &nodesReply, const QString &name)
    {
        const QJsonArray nodes = nodesReply.value(QStringLiteral("nodes")).toArray();
        for (const QJsonValue &node : nodes) {
            if (node.toObject().value(QStringLiteral("name")).toString() == name)
                return node.toObject();
        }
        return {};
    }

    // The real ffmpeg's answer to `-hide_banner ARGUMENT`.
    static QByteArray ffmpegSays(const QString &argument)
    {
        QProcess process;
        process.start(QStringLiteral("ffmpeg"), {QStringLiteral("-hide_banner"), argument});
        process.waitForFinished(60'000);
        return process.readAllStandardOutput();
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
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.error()));
    }

    void listNodesAdvertisesEachNodesFfmpegAndANodeWithAnotherFfmpegStillClaimsJobs()
    {
        const QString database = QStringLiteral("ffmpeg");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        // One ffmpeg is installed here, so node B's "other version" is the real ffmpeg behind a
        // script that renames its version line and passes everything else through: the only
        // faked part, since a second ffmpeg build cannot be had on this machine.
        QTemporaryDir scripts;
        const QString other = scripts.filePath(QStringLiteral("ffmpeg-other"));
        {
            QFile script(other);
            QVERIFY(script.open(QIODevice::WriteOnly));
            script.write("#!/bin/sh\n"
                         "if [ \"$2\" = -version ]; then\n"
                         "  ffmpeg \"$@\" | sed '1s/^ffmpeg version [^ ]*/ffmpeg version 9.9-othernode/'; exit 0\n"
                         "fi\n"
                         "exec ffmpeg \"$@\"\n");
            script.close();
            QVERIFY(script.setPermissions(script.permissions() | QFileDevice::ExeOwner));
        }
        TestService a;
        TestService b;
        QVERIFY2(m_cluster.startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(m_cluster.startNode(b, database, QStringLiteral("node-b"), {QStringLiteral("--ffmpeg"), other}), qPrintable(b.log()));
        // The node that starts second says which node runs another ffmpeg, once.
        QVERIFY2(b.log().contains(QStringLiteral("differs from node node-a ffmpeg ")), qPrintable(b.log()));

        const QString realVersion = QString::fromUtf8(ffmpegSays(QStringLiteral("-version"))).section(u'\n', 0, 0).section(u' ', 2, 2);
        QVERIFY(!realVersion.isEmpty());
        QStringList realEncoders;
        static const QRegularExpression encoderLine(QStringLiteral("^ [VAS][.A-Z]{5} (\\S+) "));
        for (const QString &line : QString::fromUtf8(ffmpegSays(QStringLiteral("-encoders"))).split(u'\n')) {
            const QRegularExpressionMatch match = encoderLine.match(line);
            if (match.hasMatch() && match.captured(1) != QLatin1StringView("="))
                realEncoders.append(match.captured(1));
        }
        realEncoders.sort();
        QVERIFY(realEncoders.contains(QStringLiteral("libx264")));

        TestSubmitter admin;
        QVERIFY(admin.open(QUrl(a.wsUrl())));
        const QJsonObject listed = admin.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("list_nodes")}});
        const QJsonObject nodeA = nodeNamed(listed, QStringLiteral("node-a"));
        const QJsonObject nodeB = nodeNamed(listed, QStringLiteral("node-b"));
        QCOMPARE(nodeA.value(QStringLiteral("ffmpeg_version")).toString(), realVersion);
        QCOMPARE(nodeB.value(QStringLiteral("ffmpeg_version")).toString(), QStringLiteral("9.9-othernode"));
        QStringList listedEncoders;
        for (const QJsonValue &name : nodeA.value(QStringLiteral("encoders")).toArray())
            listedEncoders.append(name.toString());
        QCOMPARE(listedEncoders, realEncoders);
        QCOMPARE(nodeB.value(QStringLiteral("encoders")).toArray(), nodeA.value(QStringLiteral("encoders")).toArray());
        // The same columns, as any node reads them.
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT name, ffmpeg_version FROM nodes ORDER BY name")),
                 (QStringList{QStringLiteral("node-a|") + realVersion, QStringLiteral("node-b|9.9-othernode")}));

        // A job of A's queue while A's one slot is busy: B, with its other ffmpeg, takes it.
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl())));
        const QString first = m_cluster.submitUrl(client, QStringLiteral("first"));
        const QString second = m_cluster.submitUrl(client, QStringLiteral("second"));
        QVERIFY(!first.isEmpty());
        QVERIFY(!second.isEmpty());
        for (const QString &id : {first, second})
            QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed|1|"), 300'000), qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        const QStringList ranOn{m_cluster.row(database, first).section(u'|', 2), m_cluster.row(database, second).section(u'|', 2)};
        QVERIFY2(ranOn.contains(QStringLiteral("node-b")), qPrintable(ranOn.join(u' ')));
        // An admin's snapshot names the node that ran each job, asked on either node.
        for (const QString &id : {first, second}) {
            for (TestSubmitter *asker : {&admin, &client}) {
                const QJsonObject reply = asker->ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_job")},
                                                                 {QStringLiteral("id"), id}});
                QCOMPARE(reply.value(QStringLiteral("job")).toObject().value(QStringLiteral("node")).toString(),
                         m_cluster.row(database, id).section(u'|', 2));
            }
        }
        client.connection.close();
        admin.connection.close();
        a.stop();
        b.stop();
    }

    void drainedNodeFinishesItsRunWhileAnotherTakesItsQueueAndClaimsAgainWhenResumed()
    {
        const QString database = QStringLiteral("drain");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        QVERIFY2(m_cluster.startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(m_cluster.startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));
        TestSubmitter client;
        TestSubmitter admin;   // no tokens on loopback: an admin; on the other node
        QVERIFY(client.open(QUrl(a.wsUrl())));
        QVERIFY(admin.open(QUrl(b.wsUrl())));
        const QString running = m_cluster.submitUrl(client, QStringLiteral("running"));
        QVERIFY(!running.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, running, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(m_cluster.row(database, running)));

        const QJsonObject drained = admin.ask(nodeRequest(QStringLiteral("drain_node"), QStringLiteral("node-a")));
        QCOMPARE(drained.value(QStringLiteral("type")).toString(), QStringLiteral("nodes"));
        QCOMPARE(stateOf(drained, QStringLiteral("node-a")), QStringLiteral("draining"));
        QCOMPARE(stateOf(drained, QStringLiteral("node-b")), QStringLiteral("active"));
        // A is still accepting (its clients are not turned away), but another node runs it.
        const QString moved = m_cluster.submitUrl(client, QStringLiteral("moved"));
        QVERIFY(!moved.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, moved, QStringLiteral("completed|1|node-b"), 300'000),
                 qPrintable(m_cluster.row(database, moved) + u'\n' + a.log() + u'\n' + b.log()));
        QVERIFY2(m_cluster.waitForRow(database, running, QStringLiteral("completed|1|node-a"), 300'000), qPrintable(m_cluster.row(database, running)));
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
        const QString again = m_cluster.submitUrl(client, QStringLiteral("again"));
        QVERIFY(!again.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, again, QStringLiteral("completed|1|node-a"), 300'000), qPrintable(m_cluster.row(database, again)));
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FROM jobs")).value(0), QStringLiteral("3"));
        client.connection.close();
        admin.connection.close();
        a.stop();
        b.stop();
    }

    void deadNodesQueuedUrlJobRunsElsewhereAndItsQueuedUploadEndsNodeLostOnce()
    {
        const QString database = QStringLiteral("dead");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        TestService c;
        QVERIFY2(m_cluster.startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(m_cluster.startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));
        QVERIFY2(m_cluster.startNode(c, database, QStringLiteral("node-c")), qPrintable(c.log()));
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
        const QString running = m_cluster.submitUrl(client, QStringLiteral("running"));
        QVERIFY(!running.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, running, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(m_cluster.row(database, running)));
        // Behind it, on A's one slot: a URL job, and a job whose input only A's disk holds.
        const QString queuedUrl = m_cluster.submitUrl(client, QStringLiteral("queued-url"));
        const QString queuedUpload = client.start(QStringLiteral("queued-upload"), QStringLiteral("compress"),
                                                  QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath(),
                                                  QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!queuedUrl.isEmpty());
        QVERIFY(!queuedUpload.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, queuedUrl, QStringLiteral("queued|1|node-a"), 120'000), qPrintable(m_cluster.row(database, queuedUrl)));
        QVERIFY2(m_cluster.waitForRow(database, queuedUpload, QStringLiteral("queued|1|node-a"), 120'000),
                 qPrintable(m_cluster.row(database, queuedUpload)));
        QVERIFY(m_cluster.row(database, running).startsWith(QStringLiteral("processing|1|node-a")));

        ::kill(pid_t(a.processId()), SIGKILL);
        // Pulls take only from a node whose heartbeat is younger than a lease (3 s).
        QVERIFY(QTest::qWaitFor([&] { return m_cluster.heartbeatAgeMs(database, QStringLiteral("node-a")) > 3000; }, 60'000));
        QVERIFY(m_cluster.row(database, queuedUrl).startsWith(QStringLiteral("queued|1|node-a")));
        QVERIFY(m_cluster.row(database, queuedUpload).startsWith(QStringLiteral("queued|1|node-a")));
        for (const QString &survivor : {QStringLiteral("node-b"), QStringLiteral("node-c")})
            QCOMPARE(stateOf(feedC.ask(nodeRequest(QStringLiteral("resume_node"), survivor)), survivor), QStringLiteral("active"));
        // Gone for good after three lease periods without a heartbeat: its queue is taken.
        QVERIFY2(m_cluster.waitForRow(database, queuedUpload, QStringLiteral("failed|1|"), 300'000),
                 qPrintable(m_cluster.row(database, queuedUpload) + u'\n' + b.log() + u'\n' + c.log()));
        QVERIFY(m_cluster.postgres().psql(database, QStringLiteral("SELECT error FROM jobs WHERE id = '%1'").arg(queuedUpload))
                        .join(u' ')
                        .contains(QStringLiteral("NODE_LOST")));
        QVERIFY2(m_cluster.waitForRow(database, queuedUrl, QStringLiteral("completed|1|"), 300'000),
                 qPrintable(m_cluster.row(database, queuedUrl) + u'\n' + b.log() + u'\n' + c.log()));
        QVERIFY2(m_cluster.waitForRow(database, running, QStringLiteral("completed|2|"), 300'000), qPrintable(m_cluster.row(database, running)));
        // Both feeds hear the lost job's end once: the node that ended it, and the other one
        // through the relay.
        QVERIFY(QTest::qWaitFor([&] { return countEvents(onB, queuedUpload, QStringLiteral("failed")) > 0
                                             && countEvents(onC, queuedUpload, QStringLiteral("failed")) > 0; },
                                60'000));
        QTest::qWait(4000);   // later heartbeats end nothing more
        QCOMPARE(countEvents(onB, queuedUpload, QStringLiteral("failed")), 1);
        QCOMPARE(countEvents(onC, queuedUpload, QStringLiteral("failed")), 1);
        QCOMPARE(b.log().count(QStringLiteral("failed NODE_LOST")) + c.log().count(QStringLiteral("failed NODE_LOST")), 1);
        QVERIFY(m_cluster.row(database, queuedUpload).startsWith(QStringLiteral("failed|1|")));
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FROM jobs WHERE state = 'completed'")).value(0),
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
