// SPDX-License-Identifier: GPL-3.0-or-later
// Two real mediaforged nodes sharing one real PostgreSQL 15 (each with its own data dir), a job
// whose input is a URL on a real loopback HTTP server (so that either node can fetch it), and
// the two ways a node stops renewing its lease: it dies (SIGKILL), or it freezes (SIGSTOP of the
// node and its ffmpeg, as a paused machine) and comes back after another node took its job.
// Leases are 3 s here; every wait is on an observed state with a bound of minutes.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QtEndian>

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

    // The bytes of a completed job's only output on the node's own disk.
    static QByteArray outputOnDisk(const TestService &node, const QString &id)
    {
        const QDir directory(node.jobsDirectory() + QStringLiteral("/job-") + id);
        const QStringList files = directory.entryList(QDir::Files);
        if (files.size() != 1)
            return QByteArray();
        QFile file(directory.filePath(files.first()));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

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
        const QByteArray onQ = outputOnDisk(q, id);
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
        const QByteArray onP = outputOnDisk(p, first);
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
        TestService r;
        TestService s;
        // R advertises a URL of the test's HTTP server instead of its own port: its pull route
        // there answers 404 after a while, as a holder that cannot serve the file would (R
        // itself stays alive, with its heartbeat). Real: the node's request and its failure.
        const QString advertised = QStringLiteral("http://") + m_cluster.http().authority();
        QVERIFY(m_cluster.startNode(r, database, QStringLiteral("node-r"), {QStringLiteral("--advertise-url"), advertised}));
        QVERIFY(m_cluster.startNode(s, database, QStringLiteral("node-s")));
        TestSubmitter onR;
        TestSubmitter onS;
        QVERIFY(onR.open(QUrl(r.wsUrl())));
        QVERIFY(onS.open(QUrl(s.wsUrl())));
        const QString longOnR = m_cluster.submitUrl(onR, QStringLiteral("handback-r"));
        QVERIFY2(m_cluster.waitForRow(database, longOnR, QStringLiteral("processing|1|node-r"), 120'000), qPrintable(m_cluster.row(database, longOnR)));
        const QString longOnS = m_cluster.submitUrl(onS, QStringLiteral("handback-s"));
        QVERIFY2(m_cluster.waitForRow(database, longOnS, QStringLiteral("processing|1|node-s"), 120'000), qPrintable(m_cluster.row(database, longOnS)));
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
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("downloading|2|node-d"), 120'000)
                         || m_cluster.row(database, id).endsWith(QStringLiteral("|2|node-d")),
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
        // Whatever the stale node knew of the job, it announced none of it after coming back.
        QTest::qWait(2000);
        for (qsizetype i = seenBefore; i < messages.size(); ++i) {
            const QJsonObject &message = messages.at(i);
            QVERIFY2(message.value(QStringLiteral("id")).toString() != id
                             && message.value(QStringLiteral("job_id")).toString() != QLatin1StringView("frozen-1"),
                     qPrintable(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact))));
        }
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
