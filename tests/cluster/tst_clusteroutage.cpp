// SPDX-License-Identifier: GPL-3.0-or-later
// The database going away while nodes run, and coming back: a real PostgreSQL 15 is shut down
// (pg_ctl stop -m fast, which ends every session as an operator's restart does) under two real
// mediaforged nodes, with one job and with a busy queue, and started again on the same port and
// data dir; nothing else is restarted. And one node cut off alone, through a TCP relay in the
// test, while the other still reaches the database. Leases are 3 s; every wait is on an
// observed state with a bound of minutes.
#include "clusterfixture.h"
#include "tcpproxy.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <utility>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clusteroutage-secret-0123456789abcdef0123";

// GET `path`: the status code and the body.
std::pair<int, QByteArray> get(const QString &httpUrl, const QString &path)
{
    QNetworkAccessManager network;
    QNetworkReply *reply = network.get(QNetworkRequest(QUrl(httpUrl + path)));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(30000))
        return {-1, {}};
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    return {status, body};
}

std::pair<int, QJsonObject> health(const QString &httpUrl)
{
    const auto [status, body] = get(httpUrl, QStringLiteral("/health"));
    return {status, QJsonDocument::fromJson(body).object()};
}

int occurrences(const QString &path, const QString &text)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? int(QString::fromUtf8(file.readAll()).count(text)) : -1;
}

} // namespace

class TestClusterOutage : public QObject
{
    Q_OBJECT

private:
    ClusterFixture m_cluster{kClusterSecret};

    QJsonObject startJob(TestSubmitter &submitter, const QString &jobId)
    {
        return submitter.ask(QJsonObject{
                {QStringLiteral("type"), QStringLiteral("start_job")},
                {QStringLiteral("job_id"), jobId},
                {QStringLiteral("operation"), QStringLiteral("compress")},
                {QStringLiteral("options"), QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}},
                {QStringLiteral("detach"), true},
                {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("url")},
                                                      {QStringLiteral("url"), m_cluster.clipUrl()}}}});
    }

    static bool hasEvent(const QList<QJsonObject> &events, const QString &id, const QString &event)
    {
        return std::any_of(events.cbegin(), events.cend(), [&](const QJsonObject &message) {
            return message.value(QStringLiteral("event")).toString() == event
                    && message.value(QStringLiteral("job")).toObject().value(QStringLiteral("id")).toString() == id;
        });
    }

private slots:
    void initTestCase()
    {
        // Long enough at one ffmpeg thread that the run is still going when the database stops.
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.error()));
    }

    void nodesRideOutADatabaseRestartWithoutLosingOrRequeuingAJob()
    {
        const QString database = QStringLiteral("outage");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        QVERIFY2(m_cluster.startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(m_cluster.startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));
        TestSubmitter client;
        TestSubmitter feed;   // an admin's event feed on the other node: the relay's side
        QVERIFY(client.open(QUrl(a.wsUrl())));
        QVERIFY(feed.open(QUrl(b.wsUrl())));
        QList<QJsonObject> onB;
        QObject::connect(&feed.connection, &ClientConnection::messageReceived, &feed.connection, [&onB](const QJsonObject &message) {
            if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("job_event"))
                onB.append(message);
        });
        QCOMPARE(feed.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("subscribe")}}).value(QStringLiteral("type")).toString(),
                 QStringLiteral("subscribed"));
        QCOMPARE(health(a.httpUrl()).first, 200);

        const QString first = startJob(client, QStringLiteral("before")).value(QStringLiteral("id")).toString();
        QVERIFY(!first.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, first, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(m_cluster.row(database, first)));

        QVERIFY2(m_cluster.postgres().pause(), qPrintable(m_cluster.postgres().error()));
        // The node notices at its next heartbeat (a second with 3 s leases) and says so.
        QJsonObject degraded;
        QVERIFY2(QTest::qWaitFor([&] {
                     const auto [status, body] = health(a.httpUrl());
                     degraded = body;
                     return status == 503;
                 }, 60'000),
                 qPrintable(a.log()));
        QCOMPARE(degraded.value(QStringLiteral("status")).toString(), QStringLiteral("degraded"));
        QCOMPARE(degraded.value(QStringLiteral("store")).toObject().value(QStringLiteral("reachable")).toBool(true), false);
        QVERIFY2(degraded.value(QStringLiteral("reason")).toString().contains(QStringLiteral("job store")),
                 QJsonDocument(degraded).toJson().constData());
        // A job it cannot record is refused, with a hint to retry, not accepted and forgotten.
        const QJsonObject refused = startJob(client, QStringLiteral("during"));
        QCOMPARE(refused.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
        QCOMPARE(refused.value(QStringLiteral("code")).toString(), QStringLiteral("SUBMIT_FAILED"));
        const QJsonObject details = refused.value(QStringLiteral("details")).toObject();
        QCOMPARE(details.value(QStringLiteral("reason")).toString(), QStringLiteral("store_unavailable"));
        QVERIFY(details.value(QStringLiteral("retry_after_seconds")).toInt() >= 1);
        // /metrics says it too, under the node's name.
        const QByteArray metrics = get(a.httpUrl(), QStringLiteral("/metrics")).second;
        QVERIFY2(metrics.contains("\nmediaforge_store_reachable 0\n"), metrics.constData());
        QVERIFY2(metrics.contains("\nmediaforge_node_info{node=\"node-a\",version=\""), metrics.constData());
        // Longer than a lease: by the database's clock every lease has ended when it returns.
        QTest::qWait(4000);

        QVERIFY2(m_cluster.postgres().resume(), qPrintable(m_cluster.postgres().error()));
        QVERIFY2(QTest::qWaitFor([&] { return health(a.httpUrl()).first == 200; }, 60'000), qPrintable(a.log()));
        QVERIFY(get(a.httpUrl(), QStringLiteral("/metrics")).second.contains("\nmediaforge_store_reachable 1\n"));
        // The outage requeued nothing: the job ends once, on its node, at its first attempt,
        // and the other node's client hears of it (live, or by the relay's catch-up).
        QVERIFY2(m_cluster.waitForRow(database, first, QStringLiteral("completed|1|node-a"), 240'000),
                 qPrintable(m_cluster.row(database, first) + u'\n' + a.log() + u'\n' + b.log()));
        QVERIFY2(QTest::qWaitFor([&] { return hasEvent(onB, first, QStringLiteral("completed")); }, 60'000), qPrintable(b.log()));

        // Claims, renewals and events work again, without a restart of either node.
        const QJsonObject ack = startJob(client, QStringLiteral("after"));
        QCOMPARE(ack.value(QStringLiteral("type")).toString(), QStringLiteral("ack"));
        const QString second = ack.value(QStringLiteral("id")).toString();
        QVERIFY2(m_cluster.waitForRow(database, second, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(m_cluster.row(database, second)));
        QVERIFY(QTest::qWaitFor([&] { return hasEvent(onB, second, QStringLiteral("progress")); }, 120'000));
        const QString lease = m_cluster.postgres().psql(database,
                QStringLiteral("SELECT lease_expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint, "
                               "(extract(epoch from clock_timestamp()) * 1000)::bigint - n.heartbeat_at < 3000 "
                               "FROM jobs j JOIN nodes n ON n.name = j.node WHERE j.id = '%1'").arg(second)).value(0);
        QCOMPARE(lease, QStringLiteral("t|t"));
        QVERIFY2(m_cluster.waitForRow(database, second, QStringLiteral("completed|1|node-a"), 240'000), qPrintable(m_cluster.row(database, second)));
        QVERIFY(QTest::qWaitFor([&] { return hasEvent(onB, second, QStringLiteral("completed")); }, 60'000));
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FROM jobs")).value(0), QStringLiteral("2"));

        // One line per outage and per connection kind, not one per failed write.
        QCOMPARE(occurrences(a.tempPath(QStringLiteral("service.log")), QStringLiteral("job store unreachable")), 1);
        QCOMPARE(occurrences(a.tempPath(QStringLiteral("service.log")), QStringLiteral("job store reachable again")), 1);
        QCOMPARE(occurrences(b.tempPath(QStringLiteral("service.log")), QStringLiteral("event relay is connected again")), 1);
        client.connection.close();
        feed.connection.close();
        a.stop();
        b.stop();
    }

    void aBusyQueueRidesOutADatabaseRestartAndEveryJobEndsOnce()
    {
        // PostgreSQL restarts while both nodes run a job and more wait queued behind them. Every
        // job ends exactly once: completed at its first attempt (an outage alone requeues
        // nothing), one `completed` to its client, one completed line over both nodes' logs.
        // Runs that end while the database is away are held and announced once it is back.
        const QString database = QStringLiteral("busyoutage");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        QVERIFY2(m_cluster.startNode(a, database, QStringLiteral("node-a")), qPrintable(a.log()));
        QVERIFY2(m_cluster.startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));
        TestSubmitter onA;
        TestSubmitter onB;
        QVERIFY(onA.open(QUrl(a.wsUrl())));
        QVERIFY(onB.open(QUrl(b.wsUrl())));
        QHash<QString, QStringList> ends;   // job_id -> the types of the messages that ended it
        for (TestSubmitter *client : {&onA, &onB}) {
            QObject::connect(&client->connection, &ClientConnection::messageReceived, &client->connection, [&ends](const QJsonObject &message) {
                const QString type = message.value(QStringLiteral("type")).toString();
                const QString jobId = message.value(QStringLiteral("job_id")).toString();
                if ((type == QLatin1StringView("completed") || type == QLatin1StringView("error")) && !jobId.isEmpty())
                    ends[jobId].append(type);
            });
        }
        constexpr int kPerNode = 3;
        QStringList jobIds;
        for (int i = 0; i < kPerNode; ++i) {
            for (auto [client, name] : {std::pair{&onA, "a"}, std::pair{&onB, "b"}}) {
                const QString jobId = QStringLiteral("busy-%1-%2").arg(QLatin1StringView(name)).arg(i);
                QVERIFY(!startJob(*client, jobId).value(QStringLiteral("id")).toString().isEmpty());
                jobIds.append(jobId);
            }
        }
        const auto states = [&] {
            return m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FILTER (WHERE state = 'processing'), "
                                                                      "count(*) FILTER (WHERE state = 'queued') FROM jobs")).value(0);
        };
        // Both nodes running a job, and at least two more waiting.
        QVERIFY2(QTest::qWaitFor([&] {
                     const QStringList counts = states().split(u'|');
                     return counts.size() == 2 && counts.at(0).toInt() == 2 && counts.at(1).toInt() >= 2;
                 }, 120'000),
                 qPrintable(states()));

        QVERIFY2(m_cluster.postgres().pause(), qPrintable(m_cluster.postgres().error()));
        QTest::qWait(4000);   // longer than a lease
        QVERIFY2(m_cluster.postgres().resume(), qPrintable(m_cluster.postgres().error()));

        QVERIFY2(QTest::qWaitFor([&] {
                     return m_cluster.postgres().psql(database, QStringLiteral("SELECT count(*) FROM jobs WHERE finished_at IS NULL")).value(0)
                             == QLatin1StringView("0");
                 }, 300'000),
                 qPrintable(m_cluster.postgres().psql(database, QStringLiteral("SELECT job_id, state, attempts, node FROM jobs")).join(u'\n')));
        const QStringList rows = m_cluster.postgres().psql(database, QStringLiteral("SELECT job_id, state, attempts FROM jobs ORDER BY job_id"));
        QCOMPARE(rows.size(), 2 * kPerNode);
        for (const QString &row : rows)
            QVERIFY2(row.endsWith(QStringLiteral("|completed|1")), qPrintable(row));
        QVERIFY2(QTest::qWaitFor([&] {
                     return std::all_of(jobIds.cbegin(), jobIds.cend(), [&](const QString &jobId) { return !ends.value(jobId).isEmpty(); });
                 }, 60'000),
                 qPrintable(QString::number(ends.size())));
        QTest::qWait(2000);   // a second end would follow within a heartbeat or two
        for (const QString &jobId : std::as_const(jobIds))
            QVERIFY2(ends.value(jobId) == QStringList{QStringLiteral("completed")}, qPrintable(jobId + u' ' + ends.value(jobId).join(u',')));
        QCOMPARE(occurrences(a.tempPath(QStringLiteral("service.log")), QStringLiteral(" state=completed "))
                         + occurrences(b.tempPath(QStringLiteral("service.log")), QStringLiteral(" state=completed ")),
                 2 * kPerNode);
        onA.connection.close();
        onB.connection.close();
        a.stop();
        b.stop();
    }

    void aNodeCutOffAloneAnnouncesOnlyTheEndTheStoreTook()
    {
        // Node A reaches PostgreSQL through a proxy that the test cuts, B directly: A alone
        // loses the database while B goes on. A's job outlives A's lease, so B takes it over
        // and runs it (attempts 2), while A's own run ends during the cut. A must keep that end
        // to itself: the store refuses it once A is back (fenced), and A's client then hears of
        // the job's end exactly once, B's. (The proxy is the only part here that is not what
        // an operator runs: it stands for the network between one node and the database.)
        const QString database = QStringLiteral("alone");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TcpProxy proxy;
        QVERIFY(proxy.listen(quint16(m_cluster.postgres().port())));
        QStringList arguments = m_cluster.nodeArguments(database, QStringLiteral("node-a"));
        const qsizetype store = arguments.indexOf(QStringLiteral("--store")) + 1;
        QVERIFY(store > 0);
        arguments[store].replace(QStringLiteral(":%1/").arg(m_cluster.postgres().port()), QStringLiteral(":%1/").arg(proxy.port()));
        QVERIFY(arguments[store].contains(QString::number(proxy.port())));
        TestService a;
        a.setExtraEnvironment(m_cluster.environment());
        QVERIFY2(a.start(arguments), qPrintable(a.log()));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl())));
        QList<QJsonObject> ends;   // `completed`, or an `error` that ends the job
        QObject::connect(&client.connection, &ClientConnection::messageReceived, &client.connection, [&ends](const QJsonObject &message) {
            const QString type = message.value(QStringLiteral("type")).toString();
            if ((type == QLatin1StringView("completed") || type == QLatin1StringView("error"))
                && !message.value(QStringLiteral("job_id")).toString().isEmpty())
                ends.append(message);
        });
        const QString id = startJob(client, QStringLiteral("alone")).value(QStringLiteral("id")).toString();
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-a"), 120'000), qPrintable(m_cluster.row(database, id)));
        // B starts only now, so that the job is A's to run.
        TestService b;
        QVERIFY2(m_cluster.startNode(b, database, QStringLiteral("node-b")), qPrintable(b.log()));

        proxy.cut();
        QVERIFY2(QTest::qWaitFor([&] { return health(a.httpUrl()).first == 503; }, 60'000), qPrintable(a.log()));
        // B takes the job over once A's lease has ended by the database's clock, and runs it.
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed|2|node-b"), 240'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + a.log() + u'\n' + b.log()));
        // A's own run ends too, cut off as it is; that end stays in A.
        QVERIFY2(QTest::qWaitFor([&] { return a.log().contains(QStringLiteral("while the job store is unreachable: announced once it is stored")); },
                                 240'000),
                 qPrintable(a.log()));
        QTest::qWait(1000);   // a wrongly announced end would be on its way by now
        QVERIFY2(ends.isEmpty(), QJsonDocument(ends.value(0)).toJson().constData());

        proxy.restore();
        QVERIFY2(QTest::qWaitFor([&] { return health(a.httpUrl()).first == 200; }, 60'000), qPrintable(a.log()));
        // A's end was refused; the client hears the job's one end, B's, through A's relay.
        QVERIFY2(QTest::qWaitFor([&] { return !ends.isEmpty(); }, 120'000), qPrintable(a.log()));
        QTest::qWait(3000);   // a second end would follow within a heartbeat or two
        QCOMPARE(ends.size(), 1);
        QCOMPARE(ends.first().value(QStringLiteral("type")).toString(), QStringLiteral("completed"));
        QCOMPARE(m_cluster.row(database, id).section(u'|', 0, 2), QStringLiteral("completed|2|node-b"));
        const QString logA = a.log();
        QVERIFY2(logA.contains(QStringLiteral("another node took the job over (this node's lease ended)")), qPrintable(logA));
        QVERIFY2(!logA.contains(QStringLiteral(" state=completed ")), qPrintable(logA));
        QCOMPARE(occurrences(b.tempPath(QStringLiteral("service.log")), QStringLiteral(" state=completed ")), 1);
        client.connection.close();
        a.stop();
        b.stop();
    }
};

QTEST_GUILESS_MAIN(TestClusterOutage)
#include "tst_clusteroutage.moc"
