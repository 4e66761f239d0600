// SPDX-License-Identifier: GPL-3.0-or-later
// Jobs that move between two real mediaforged nodes on one real PostgreSQL 15 because of where
// their inputs are: an idle node claims a busy node's queued job and pulls its uploaded input
// over the signed route; a pull that fails hands the job back, ends it, or (URL inputs) makes
// the claiming node fetch the URL itself; the only holder of an upload dies. The pull routes
// are real nodes' or, where a holder must fail in a set way, the test's own HTTP server.
// Leases are 3 s here (one test sets 12 s); every wait is on an observed state with a bound of
// minutes.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <QWebSocket>
#include <QtEndian>

#include <algorithm>

#include <signal.h>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clusterpull-secret-0123456789abcdef012345";

} // namespace

class TestClusterPull : public QObject
{
    Q_OBJECT

private:
    ClusterFixture m_cluster{kClusterSecret};
    QNetworkAccessManager m_network;

    struct Fetched
    {
        QJsonObject reply;    // output_delivered, or the error
        QByteArray bytes;     // the chunks, in order
        bool inOrder = true;  // each chunk's offset was where the last one ended
    };

    // fetch_output of output 0 over `client`'s connection, waiting for its last reply.
    static Fetched fetchOutput(TestSubmitter &client, const QString &id)
    {
        Fetched fetched;
        bool answered = false;
        const QMetaObject::Connection chunks = QObject::connect(
                &client.connection, &ClientConnection::outputChunk, &client.connection,
                [&fetched](const ClientConnection::Chunk &chunk) {
                    fetched.inOrder = fetched.inOrder && chunk.offset == fetched.bytes.size();
                    fetched.bytes += chunk.payload;
                });
        client.connection.request(QJsonObject{{QStringLiteral("type"), QStringLiteral("fetch_output")},
                                              {QStringLiteral("id"), id},
                                              {QStringLiteral("index"), 0}},
                                  [&](const QJsonObject &reply) {
                                      fetched.reply = reply;
                                      answered = true;
                                  });
        if (!QTest::qWaitFor([&] { return answered; }, 120'000))
            qWarning() << "no answer to fetch_output";
        QObject::disconnect(chunks);
        return fetched;
    }

    struct HttpAnswer
    {
        int status = 0;
        QByteArray body;
        QByteArray contentRange;
    };

    // GET of a node's client output route (no tokens on loopback).
    HttpAnswer httpGet(const QString &url, const QByteArray &range = {})
    {
        QNetworkRequest request{QUrl(url)};
        if (!range.isEmpty())
            request.setRawHeader("Range", range);
        QNetworkReply *reply = m_network.get(request);
        HttpAnswer answer;
        if (QTest::qWaitFor([reply] { return reply->isFinished(); }, 120'000)) {
            answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            answer.body = reply->readAll();
            answer.contentRange = reply->rawHeader("Content-Range");
        }
        reply->deleteLater();
        return answer;
    }

    // Two nodes, R and S, each running a long URL job from a client of its own, so that a job
    // queued next on R waits there until the test frees S's slot. R advertises the test's HTTP
    // server instead of its own port: the pull route there is whatever the test sets, as a
    // holder that cannot serve its file would answer. Real: the nodes, their requests and the
    // failure they meet.
    struct BusyPair
    {
        TestService r;
        TestService s;
        TestSubmitter onR;
        TestSubmitter onS;
        QString longOnR;
        QString longOnS;
    };

    bool startBusyPair(BusyPair &pair, const QString &database, const QString &prefix)
    {
        const QString advertised = QStringLiteral("http://") + m_cluster.http().authority();
        if (!m_cluster.startNode(pair.r, database, QStringLiteral("node-r"), {QStringLiteral("--advertise-url"), advertised})
            || !m_cluster.startNode(pair.s, database, QStringLiteral("node-s")) || !pair.onR.open(QUrl(pair.r.wsUrl()))
            || !pair.onS.open(QUrl(pair.s.wsUrl())))
            return false;
        pair.longOnR = m_cluster.submitUrl(pair.onR, prefix + QStringLiteral("-r"));
        if (!m_cluster.waitForRow(database, pair.longOnR, QStringLiteral("processing|1|node-r"), 120'000))
            return false;
        pair.longOnS = m_cluster.submitUrl(pair.onS, prefix + QStringLiteral("-s"));
        return m_cluster.waitForRow(database, pair.longOnS, QStringLiteral("processing|1|node-s"), 120'000);
    }

private slots:
    void initTestCase()
    {
        // The clip runs long enough at one ffmpeg thread that a node's only slot stays taken
        // while the test queues a second job behind it.
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.error()));
    }

    void killedOnlyHolderOfAnUploadedInputEndsItsJobNodeLostOnce()
    {
        const QString database = QStringLiteral("lost");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService e;
        TestService f;
        QVERIFY(m_cluster.startNode(e, database, QStringLiteral("node-e")));
        QVERIFY(m_cluster.startNode(f, database, QStringLiteral("node-f")));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(e.wsUrl())));
        // Uploaded to E: E's disk holds the only copy of the input.
        const QString id = client.start(QStringLiteral("lost-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath(),
                                        QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-e"), 120'000), qPrintable(m_cluster.row(database, id)));

        ::kill(pid_t(e.processId()), SIGKILL);
        // After the lease and then several lease periods without E's heartbeat, F ends it.
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("failed"), 120'000), qPrintable(m_cluster.row(database, id) + u'\n' + f.log()));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("failed|1|node-f"));
        QVERIFY2(m_cluster.postgres().psql(database, QStringLiteral("SELECT error FROM jobs WHERE id = '%1'").arg(id)).join(u' ').contains(
                         QStringLiteral("NODE_LOST")),
                 qPrintable(f.log()));
        // Any node answers for it from the store.
        TestSubmitter other;
        QVERIFY(other.open(QUrl(f.wsUrl())));
        const QJsonObject job = other.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_job")},
                                                      {QStringLiteral("id"), id}})
                                        .value(QStringLiteral("job"))
                                        .toObject();
        QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("failed"));
        QCOMPARE(job.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(), QStringLiteral("NODE_LOST"));
        // Once: later heartbeats find nothing more to end.
        QTest::qWait(4000);
        QCOMPARE(f.log().count(QStringLiteral("failed NODE_LOST")), 1);
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("failed|1|node-f"));
        other.connection.close();
        f.stop();
    }

    void uploadedJobOfABusyNodeRunsOnAnIdleNodeThatPullsItsInput()
    {
        const QString database = QStringLiteral("pull");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService p;
        TestService q;
        QVERIFY(m_cluster.startNode(p, database, QStringLiteral("node-p")));
        QVERIFY(m_cluster.startNode(q, database, QStringLiteral("node-q")));
        // P's only worker slot is taken by a long job, which P claims at once (it is idle then,
        // so Q does not take it): P has no free worker from then on.
        TestSubmitter busy;
        QVERIFY(busy.open(QUrl(p.wsUrl())));
        const QString first = m_cluster.submitUrl(busy, QStringLiteral("pull-busy"));
        QVERIFY(!first.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, first, QStringLiteral("processing|1|node-p"), 120'000), qPrintable(m_cluster.row(database, first)));

        // Uploaded to P: P's disk holds the only copy, until Q pulls it over the signed route.
        TestSubmitter client;
        QVERIFY(client.open(QUrl(p.wsUrl())));
        QList<QJsonObject> messages;
        QObject::connect(&client.connection, &ClientConnection::messageReceived, &client.connection,
                         [&messages](const QJsonObject &message) { messages.append(message); });
        // Detached: P delivers the outputs from Q on completion (tst_clusterdelivery), and Q keeps
        // them for the retention period, so that they can be fetched through P below.
        const QString id = client.start(QStringLiteral("pull-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath(),
                                        QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!id.isEmpty());
        auto ofType = [&messages, &id](const QString &type) {
            for (const QJsonObject &message : std::as_const(messages)) {
                if (message.value(QStringLiteral("type")).toString() == type && message.value(QStringLiteral("id")).toString() == id)
                    return message;
            }
            return QJsonObject();
        };
        // The client on P hears Q's run through the relay, up to `completed`.
        QVERIFY2(QTest::qWaitFor([&] { return !ofType(QStringLiteral("completed")).isEmpty()
                                               || !ofType(QStringLiteral("error")).isEmpty(); }, 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + q.log()));
        const QJsonObject completed = ofType(QStringLiteral("completed"));
        QVERIFY2(!completed.isEmpty(), qPrintable(QString::fromUtf8(QJsonDocument(ofType(QStringLiteral("error"))).toJson())
                                                  + q.log()));
        QVERIFY2(completed.value(QStringLiteral("delivery_method")).toString() == QLatin1StringView("binary"),
                 qPrintable(m_cluster.row(database, id) + u'\n' + p.log() + u'\n' + q.log()));
        // The push ends before the fetches below start, so that their chunks are told apart.
        QVERIFY2(QTest::qWaitFor([&] { return !ofType(QStringLiteral("output_delivered")).isEmpty(); }, 120'000),
                 qPrintable(p.log()));
        // Q's live progress of the run, relayed to the client on P.
        QVERIFY(std::any_of(messages.cbegin(), messages.cend(), [](const QJsonObject &message) {
            return message.value(QStringLiteral("type")).toString() == QLatin1StringView("progress")
                    && message.value(QStringLiteral("job_id")).toString() == QLatin1StringView("pull-1")
                    && message.value(QStringLiteral("stage")).toString() == QLatin1StringView("processing");
        }));
        // The store shows that Q ran it, once; P served the input to Q and ran nothing of it.
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|1|node-q"));
        QVERIFY2(q.log().contains(QStringLiteral("claimed from another node; pulling its inputs")), qPrintable(q.log()));
        QVERIFY2(p.log().contains(QStringLiteral("sending input 0 to node node-q")), qPrintable(p.log()));
        QVERIFY2(p.log().contains(QStringLiteral("another node claimed the job")), qPrintable(p.log()));
        // The long job stayed where it was.
        QVERIFY2(m_cluster.row(database, first).endsWith(QStringLiteral("|node-p")), qPrintable(m_cluster.row(database, first)));

        // The output stays on Q's disk; the client fetches it through P, which streams it from Q
        // over the signed route: the same bytes, in the same chunks and messages as a local one.
        const QByteArray onQ = ClusterFixture::outputOnDisk(q, id);
        QVERIFY2(onQ.size() > 1000, qPrintable(q.jobsDirectory()));
        const Fetched fetched = fetchOutput(client, id);
        QVERIFY2(fetched.reply.value(QStringLiteral("type")).toString() == QLatin1StringView("output_delivered"),
                 qPrintable(QString::fromUtf8(QJsonDocument(fetched.reply).toJson()) + p.log()));
        QVERIFY(fetched.inOrder);
        QCOMPARE(fetched.bytes.size(), onQ.size());
        QVERIFY(fetched.bytes == onQ);
        QCOMPARE(fetched.reply.value(QStringLiteral("bytes")).toInteger(), qint64(onQ.size()));
        QCOMPARE(fetched.reply.value(QStringLiteral("sha256")).toString(),
                 QString::fromLatin1(QCryptographicHash::hash(onQ, QCryptographicHash::Sha256).toHex()));
        QVERIFY2(q.log().contains(QStringLiteral("sending output 0 to node node-p")), qPrintable(q.log()));
        // A level 0 connection (no hello; an admin without tokens on loopback) gets the whole
        // file in one binary message, as from a local output.
        QWebSocket level0;
        QByteArray whole0;
        QObject::connect(&level0, &QWebSocket::binaryMessageReceived, &level0,
                         [&whole0](const QByteArray &message) { whole0 = message; });
        level0.open(QUrl(p.wsUrl()));
        QVERIFY(QTest::qWaitFor([&level0] { return level0.state() == QAbstractSocket::ConnectedState; }, 60'000));
        level0.sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("fetch_output")},
                                                                           {QStringLiteral("id"), id}})
                                                         .toJson(QJsonDocument::Compact)));
        QVERIFY2(QTest::qWaitFor([&whole0] { return !whole0.isEmpty(); }, 120'000), qPrintable(p.log()));
        const quint32 headerLength = qFromBigEndian<quint32>(whole0.constData());
        QVERIFY(whole0.mid(4 + headerLength) == onQ);
        level0.close();
        // The HTTP output route of P, by Range, from Q's file too.
        const QString route = p.httpUrl() + QStringLiteral("/jobs/") + id + QStringLiteral("/output");
        const HttpAnswer part = httpGet(route, "bytes=100-1099");
        QCOMPARE(part.status, 206);
        QCOMPARE(part.contentRange, "bytes 100-1099/" + QByteArray::number(onQ.size()));
        QVERIFY(part.body == onQ.mid(100, 1000));
        const HttpAnswer whole = httpGet(route);
        QCOMPARE(whole.status, 200);
        QVERIFY(whole.body == onQ);
        QCOMPARE(httpGet(route, "bytes=" + QByteArray::number(onQ.size() + 10) + "-").status, 416);

        // Q gone: P answers with a typed error, on both routes, and stays healthy.
        q.stop();
        const Fetched refused = fetchOutput(client, id);
        QCOMPARE(refused.reply.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
        const QString code = refused.reply.value(QStringLiteral("code")).toString();
        QVERIFY2(code == QLatin1StringView("OUTPUT_SEND_FAILED") || code == QLatin1StringView("NODE_LOST"),
                 qPrintable(QString::fromUtf8(QJsonDocument(refused.reply).toJson())));
        QCOMPARE(refused.reply.value(QStringLiteral("details")).toObject().value(QStringLiteral("node")).toString(),
                 QStringLiteral("node-q"));
        QVERIFY(refused.bytes.isEmpty());
        const HttpAnswer failedHttp = httpGet(route);
        QCOMPARE(failedHttp.status, 502);
        QVERIFY2(failedHttp.body.contains("OUTPUT_SEND_FAILED") || failedHttp.body.contains("NODE_LOST"),
                 failedHttp.body.constData());
        // P's own job: served from P's disk as before, on both routes.
        QVERIFY2(m_cluster.waitForRow(database, first, QStringLiteral("completed|1|node-p"), 300'000), qPrintable(m_cluster.row(database, first)));
        const QByteArray onP = ClusterFixture::outputOnDisk(p, first);
        QVERIFY(onP.size() > 1000);
        const Fetched local = fetchOutput(busy, first);
        QCOMPARE(local.reply.value(QStringLiteral("type")).toString(), QStringLiteral("output_delivered"));
        QVERIFY(local.bytes == onP);
        const HttpAnswer localHttp = httpGet(p.httpUrl() + QStringLiteral("/jobs/") + first + QStringLiteral("/output"),
                                             "bytes=0-99");
        QCOMPARE(localHttp.status, 206);
        QVERIFY(localHttp.body == onP.left(100));
        client.connection.close();
        busy.connection.close();
        p.stop();
    }

    void pullFromAHolderThatDiedIsHandedBackClaimedAgainAndEndsOnceWithAttemptsExhausted()
    {
        const QString database = QStringLiteral("pullfail");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService g;
        TestService h;
        // A longer lease than the other tests: H must claim G's job while G still counts as
        // alive (a heartbeat within one lease), after G has died. Two runs per job (the
        // default): the first failed pull hands the job back, and H, free again while G still
        // looks alive and busy, claims it again at once; the second ends it.
        const QStringList lease{QStringLiteral("--lease-seconds"), QStringLiteral("12")};
        QVERIFY(m_cluster.startNode(g, database, QStringLiteral("node-g"), lease));
        QVERIFY(m_cluster.startNode(h, database, QStringLiteral("node-h"), lease));
        // Both nodes busy with a long job each.
        TestSubmitter onG;
        TestSubmitter onH;
        QVERIFY(onG.open(QUrl(g.wsUrl())));
        QVERIFY(onH.open(QUrl(h.wsUrl())));
        const QString longOnG = m_cluster.submitUrl(onG, QStringLiteral("pullfail-g"));
        QVERIFY2(m_cluster.waitForRow(database, longOnG, QStringLiteral("processing|1|node-g"), 120'000), qPrintable(m_cluster.row(database, longOnG)));
        const QString longOnH = m_cluster.submitUrl(onH, QStringLiteral("pullfail-h"));
        QVERIFY2(m_cluster.waitForRow(database, longOnH, QStringLiteral("processing|1|node-h"), 120'000), qPrintable(m_cluster.row(database, longOnH)));
        // An admin on H follows every node's jobs.
        TestSubmitter admin;
        QVERIFY(admin.open(QUrl(h.wsUrl())));
        QList<QJsonObject> events;
        QObject::connect(&admin.connection, &ClientConnection::messageReceived, &admin.connection,
                         [&events](const QJsonObject &message) {
                             if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("job_event"))
                                 events.append(message);
                         });
        QCOMPARE(admin.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("subscribe")}}).value(QStringLiteral("type")).toString(),
                 QStringLiteral("subscribed"));
        // Uploaded to G, queued there: G's disk holds its only input.
        const QString id = onG.start(QStringLiteral("pullfail-1"), QStringLiteral("compress"),
                                     QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath(),
                                     QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("queued|1|node-g"), 120'000), qPrintable(m_cluster.row(database, id)));

        // G dies; H's slot frees at once (its job cancelled), and H claims G's queued job, whose
        // input it cannot pull.
        ::kill(pid_t(g.processId()), SIGKILL);
        QCOMPARE(onH.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("id"), longOnH}})
                         .value(QStringLiteral("code"))
                         .toString(),
                 QStringLiteral("JOB_CANCELLED"));
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("failed"), 120'000), qPrintable(m_cluster.row(database, id) + u'\n' + h.log()));
        QVERIFY2(h.log().contains(QStringLiteral("claimed from another node; pulling its inputs")), qPrintable(h.log()));
        QVERIFY2(m_cluster.postgres().psql(database, QStringLiteral("SELECT error FROM jobs WHERE id = '%1'").arg(id)).join(u' ').contains(
                         QStringLiteral("ATTEMPTS_EXHAUSTED")),
                 qPrintable(h.log()));
        // Once: one failure in the store, one `failed` event, and H runs nothing more of it.
        QTest::qWait(3000);
        QVERIFY2(m_cluster.row(database, id).startsWith(QStringLiteral("failed|")) && m_cluster.row(database, id).endsWith(QStringLiteral("|node-h")),
                 qPrintable(m_cluster.row(database, id)));
        QCOMPARE(h.log().count(QStringLiteral("cannot pull its input")), 2);
        QCOMPARE(h.log().count(QStringLiteral("handed back to its node")), 1);
        QCOMPARE(h.log().count(QStringLiteral("claimed from another node; pulling its inputs")), 2);
        const auto failedEvents = std::count_if(events.cbegin(), events.cend(), [&id](const QJsonObject &message) {
            return message.value(QStringLiteral("event")).toString() == QLatin1StringView("failed")
                    && message.value(QStringLiteral("job")).toObject().value(QStringLiteral("id")).toString() == id;
        });
        QCOMPARE(failedEvents, 1);
        // H is healthy and its directory for the job is gone.
        QVERIFY(!QDir(h.jobsDirectory() + QStringLiteral("/job-") + id).exists());
        QCOMPARE(admin.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_stats")}}).value(QStringLiteral("type")).toString(),
                 QStringLiteral("stats"));
        admin.connection.close();
        onG.connection.close();
        onH.connection.close();
        h.stop();
    }

    void failedPullHandsTheJobBackToItsLiveHolderWhichRunsItWithAttempts2()
    {
        const QString database = QStringLiteral("handback");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        BusyPair pair;   // R's pull route is the test's: it answers 404 (set below)
        QVERIFY2(startBusyPair(pair, database, QStringLiteral("handback")), qPrintable(m_cluster.error()));
        TestService &r = pair.r;
        TestService &s = pair.s;
        TestSubmitter &onR = pair.onR;
        TestSubmitter &onS = pair.onS;
        const QString longOnR = pair.longOnR;
        const QString longOnS = pair.longOnS;
        // Uploaded to R by a client that stays connected, queued there while both nodes are busy.
        TestSubmitter client;
        QVERIFY(client.open(QUrl(r.wsUrl())));
        QList<QJsonObject> messages;
        QObject::connect(&client.connection, &ClientConnection::messageReceived, &client.connection,
                         [&messages](const QJsonObject &message) { messages.append(message); });
        const QString id = client.start(QStringLiteral("handback-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath());
        QVERIFY(!id.isEmpty());
        const QString pullPath = QStringLiteral("/cluster/v1/jobs/%1/inputs/0").arg(id);
        m_cluster.http().setRoute(pullPath, TestHttpServer::Response::statusPage(404).delayedBy(std::chrono::seconds(8)));
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("queued|1|node-r"), 120'000), qPrintable(m_cluster.row(database, id)));

        // S frees its slot and claims R's job; while its pull waits, R frees its own slot.
        QCOMPARE(onS.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("id"), longOnS}})
                         .value(QStringLiteral("code"))
                         .toString(),
                 QStringLiteral("JOB_CANCELLED"));
        QVERIFY2(QTest::qWaitFor([&] { return m_cluster.row(database, id).endsWith(QStringLiteral("|node-s")); }, 60'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + s.log()));
        QCOMPARE(onR.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("id"), longOnR}})
                         .value(QStringLiteral("code"))
                         .toString(),
                 QStringLiteral("JOB_CANCELLED"));
        // The pull fails; S hands the job back (a run that counts), and R, which kept its input,
        // runs it to completion for the client that is still connected to it.
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + r.log() + u'\n' + s.log()));
        QVERIFY2(m_cluster.row(database, id) == QLatin1StringView("completed|2|node-r"), qPrintable(m_cluster.row(database, id) + u'\n' + r.log()));
        QVERIFY2(s.log().contains(QStringLiteral("handed back to its node")), qPrintable(s.log()));
        QCOMPARE(m_cluster.http().requestCount(pullPath), 1);
        QVERIFY2(QTest::qWaitFor([&] {
            return std::any_of(messages.cbegin(), messages.cend(), [&id](const QJsonObject &message) {
                return message.value(QStringLiteral("type")).toString() == QLatin1StringView("completed")
                        && message.value(QStringLiteral("id")).toString() == id;
            });
        }, 60'000), qPrintable(r.log()));
        // Nothing of it left on S.
        QVERIFY(!QDir(s.jobsDirectory() + QStringLiteral("/job-") + id).exists());
        client.connection.close();
        onR.connection.close();
        onS.connection.close();
        r.stop();
        s.stop();
    }

    void failedPullOfAUrlJobIsFetchedAgainByTheNodeThatClaimedIt()
    {
        const QString database = QStringLiteral("refetch");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        BusyPair pair;   // R's pull route is the test's: it answers 404 (set below)
        QVERIFY2(startBusyPair(pair, database, QStringLiteral("refetch")), qPrintable(m_cluster.error()));
        TestService &r = pair.r;
        TestService &s = pair.s;
        TestSubmitter &onR = pair.onR;
        TestSubmitter &onS = pair.onS;
        const QString longOnR = pair.longOnR;
        const QString longOnS = pair.longOnS;
        // A URL job from a client that stays on R, fetched and queued there while both are busy.
        TestSubmitter client;
        QVERIFY(client.open(QUrl(r.wsUrl())));
        QList<QJsonObject> ends;
        QObject::connect(&client.connection, &ClientConnection::messageReceived, &client.connection, [&ends](const QJsonObject &message) {
            const QString type = message.value(QStringLiteral("type")).toString();
            if (type == QLatin1StringView("completed") || type == QLatin1StringView("error"))
                ends.append(message);
        });
        const QString id = m_cluster.submitUrl(client, QStringLiteral("refetch-1"));
        QVERIFY(!id.isEmpty());
        const QString pullPath = QStringLiteral("/cluster/v1/jobs/%1/inputs/0").arg(id);
        m_cluster.http().setRoute(pullPath, TestHttpServer::Response::statusPage(404));
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("queued|1|node-r"), 120'000), qPrintable(m_cluster.row(database, id)));

        // S frees its slot, claims R's job and fails to pull it: it fetches the URL itself and
        // runs the job, at its first attempt (no ffmpeg ran before).
        QCOMPARE(onS.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("id"), longOnS}})
                         .value(QStringLiteral("code"))
                         .toString(),
                 QStringLiteral("JOB_CANCELLED"));
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + r.log() + u'\n' + s.log()));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|1|node-s"));
        QCOMPARE(m_cluster.http().requestCount(pullPath), 1);
        QVERIFY2(s.log().contains(QStringLiteral("fetching its URL inputs again here")), qPrintable(s.log()));
        QVERIFY2(!s.log().contains(QStringLiteral("handed back to its node")), qPrintable(s.log()));
        // The client on R hears the one end, through the relay.
        QVERIFY2(QTest::qWaitFor([&] { return !ends.isEmpty(); }, 60'000), qPrintable(r.log()));
        QTest::qWait(2000);
        QCOMPARE(ends.size(), 1);
        QCOMPARE(ends.first().value(QStringLiteral("type")).toString(), QStringLiteral("completed"));
        QCOMPARE(ends.first().value(QStringLiteral("id")).toString(), id);
        // R let go of the job and of its copy of the input.
        QVERIFY2(QTest::qWaitFor([&] { return !QDir(r.jobsDirectory() + QStringLiteral("/job-") + id).exists(); }, 60'000),
                 qPrintable(r.log()));
        client.connection.close();
        onR.connection.close();
        onS.connection.close();
        r.stop();
        s.stop();
    }
};

QTEST_GUILESS_MAIN(TestClusterPull)
#include "tst_clusterpull.moc"
