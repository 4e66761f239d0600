// SPDX-License-Identifier: GPL-3.0-or-later
// Nodes on one real PostgreSQL 15 that also mount one shared dir (--shared-dir): here one
// temporary directory that every real mediaforged node is given, as an NFS mount would be on
// every machine. A job uploaded to a busy node runs on an idle one that reads the input in
// place (no pull over HTTP), and its output fetched through the first node comes straight from
// the shared dir; two nodes cannot take the same node directory; each node sweeps only its
// own; a node that dies with a job whose only input it received is replaced by another node
// that takes the job's directory over in the shared dir instead of ending it NODE_LOST.
// Without a shared dir: a holder frees a lent job's input at a heartbeat when the relay's word
// of the job's end was lost; a URL job whose node died while downloading is fetched again and
// run by another node; two nodes number their arrivals from one database sequence.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clustershared-secret-0123456789abcdef012";

// The node's whole log: absence of a line is only proof when nothing was cut off.
QString wholeLog(const TestService &node)
{
    QFile file(node.tempPath(QStringLiteral("service.log")));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

} // namespace

class TestClusterShared : public QObject
{
    Q_OBJECT

private:
    ClusterFixture m_cluster{kClusterSecret};
    QNetworkAccessManager m_network;

    QStringList sharedArguments(const QTemporaryDir &shared) const
    {
        return {QStringLiteral("--shared-dir"), shared.path()};
    }

    // fetch_output of output 0: the chunks' bytes, and the last reply (output_delivered or error).
    static std::pair<QByteArray, QJsonObject> fetchOutput(TestSubmitter &client, const QString &id)
    {
        QByteArray bytes;
        QJsonObject reply;
        bool answered = false;
        const QMetaObject::Connection chunks = QObject::connect(
                &client.connection, &ClientConnection::outputChunk, &client.connection,
                [&bytes](const ClientConnection::Chunk &chunk) { bytes += chunk.payload; });
        client.connection.request(QJsonObject{{QStringLiteral("type"), QStringLiteral("fetch_output")},
                                              {QStringLiteral("id"), id},
                                              {QStringLiteral("index"), 0}},
                                  [&](const QJsonObject &answer) {
                                      reply = answer;
                                      answered = true;
                                  });
        if (!QTest::qWaitFor([&] { return answered; }, 120'000))
            qWarning() << "no answer to fetch_output";
        QObject::disconnect(chunks);
        return {bytes, reply};
    }

    std::pair<int, QByteArray> httpGet(const QString &url, const QByteArray &range = {})
    {
        QNetworkRequest request{QUrl(url)};
        if (!range.isEmpty())
            request.setRawHeader("Range", range);
        QNetworkReply *reply = m_network.get(request);
        std::pair<int, QByteArray> answer{0, {}};
        if (QTest::qWaitFor([reply] { return reply->isFinished(); }, 120'000))
            answer = {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
        reply->deleteLater();
        return answer;
    }

    static QByteArray onlyOutput(const QString &jobDirectory)
    {
        const QDir directory(jobDirectory);
        QStringList files = directory.entryList(QDir::Files);
        files.removeIf([](const QString &name) { return name.startsWith(QLatin1StringView("input")); });
        if (files.size() != 1)
            return QByteArray();
        QFile file(directory.filePath(files.first()));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.error()));
    }

    void uploadedJobOfABusyNodeRunsElsewhereReadingItsInputInPlaceAndItsOutputIsReadInPlaceToo()
    {
        const QString database = QStringLiteral("inplace");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        QTemporaryDir shared;
        TestService a;
        TestService b;
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a"), sharedArguments(shared)));
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b"), sharedArguments(shared)));
        QCOMPARE(a.jobsDirectory(), shared.filePath(QStringLiteral("node-a")));
        // The nodes table says where each node's files are.
        QCOMPARE(m_cluster.postgres().psql(database, QStringLiteral("SELECT name, shared_dir FROM nodes ORDER BY name")),
                 QStringList({QStringLiteral("node-a|") + shared.path(), QStringLiteral("node-b|") + shared.path()}));

        // A's only worker runs a long job, so B claims the upload that comes next.
        TestSubmitter busy;
        QVERIFY(busy.open(QUrl(a.wsUrl())));
        const QString first = m_cluster.submitUrl(busy, QStringLiteral("busy"));
        QVERIFY(!first.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, first, QStringLiteral("processing|1|node-a"), 120'000),
                 qPrintable(m_cluster.row(database, first)));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl())));
        // A delivers the outputs on completion through its own connection (read from B's
        // directory); detached, so that B keeps them afterwards for the fetches below.
        bool pushed = false;
        QObject::connect(&client.connection, &ClientConnection::messageReceived, &client.connection,
                         [&pushed](const QJsonObject &message) {
                             if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("output_delivered"))
                                 pushed = true;
                         });
        const QString id = client.start(QStringLiteral("shared-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath(),
                                        QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        QVERIFY2(QTest::qWaitFor([&pushed] { return pushed; }, 120'000), qPrintable(wholeLog(a)));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|1|node-b"));
        // B read the input where A keeps it; nothing went over A's route.
        const QString logA = wholeLog(a);
        const QString logB = wholeLog(b);
        QVERIFY2(logB.contains(QStringLiteral("inputs read in place in the shared dir, nothing pulled")), qPrintable(logB));
        QVERIFY2(!logB.contains(QStringLiteral("pulling input")), qPrintable(logB));
        QVERIFY2(!logA.contains(QStringLiteral("sending input")), qPrintable(logA));
        QVERIFY2(logA.contains(QStringLiteral("another node claimed the job")), qPrintable(logA));

        // The output is in B's directory of the shared dir; fetched through A, A reads it there.
        const QByteArray onB = onlyOutput(shared.filePath(QStringLiteral("node-b/job-") + id));
        QVERIFY2(onB.size() > 1000, qPrintable(shared.filePath(QStringLiteral("node-b"))));
        const auto [bytes, reply] = fetchOutput(client, id);
        QVERIFY2(reply.value(QStringLiteral("type")).toString() == QLatin1StringView("output_delivered"),
                 qPrintable(QString::fromUtf8(QJsonDocument(reply).toJson()) + wholeLog(a)));
        QVERIFY(bytes == onB);
        QCOMPARE(reply.value(QStringLiteral("sha256")).toString(),
                 QString::fromLatin1(QCryptographicHash::hash(onB, QCryptographicHash::Sha256).toHex()));
        const QString route = a.httpUrl() + QStringLiteral("/jobs/") + id + QStringLiteral("/output");
        const auto part = httpGet(route, "bytes=100-1099");
        QCOMPARE(part.first, 206);
        QVERIFY(part.second == onB.mid(100, 1000));
        const auto whole = httpGet(route);
        QCOMPARE(whole.first, 200);
        QVERIFY(whole.second == onB);
        QCOMPARE(httpGet(route, "bytes=" + QByteArray::number(onB.size() + 10) + "-").first, 416);
        QVERIFY2(wholeLog(a).contains(QStringLiteral("reading output 0 of node node-b in the shared dir")), qPrintable(wholeLog(a)));
        QVERIFY2(!wholeLog(b).contains(QStringLiteral("sending output")), qPrintable(wholeLog(b)));

        // The job ended: A, which lent it, frees the input it kept for B.
        QVERIFY2(QTest::qWaitFor([&] { return !QDir(shared.filePath(QStringLiteral("node-a/job-") + id)).exists(); }, 60'000),
                 qPrintable(wholeLog(a)));
        client.connection.close();
        busy.connection.close();
        a.stop();
        b.stop();
    }

    void twoNodesCannotTakeOneDirectoryAndEachSweepsOnlyItsOwn()
    {
        const QString database = QStringLiteral("dirs");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        QTemporaryDir shared;
        // What a crash of each node left: a job directory no record owns.
        for (const QString &left : {QStringLiteral("node-c/job-0123abcd"), QStringLiteral("node-d/job-4567ef01")}) {
            QVERIFY(QDir().mkpath(shared.filePath(left)));
            QFile file(shared.filePath(left + QStringLiteral("/input-0")));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("left behind");
        }
        TestService c;
        QVERIFY(m_cluster.startNode(c, database, QStringLiteral("node-c"), sharedArguments(shared)));
        // C swept its own directory, and left D's alone.
        QVERIFY(!QDir(shared.filePath(QStringLiteral("node-c/job-0123abcd"))).exists());
        QVERIFY(QFile::exists(shared.filePath(QStringLiteral("node-d/job-4567ef01/input-0"))));

        // A second node under C's name would share C's directory: its lock refuses it.
        TestService twin;
        QVERIFY(!m_cluster.startNode(twin, database, QStringLiteral("node-c"), sharedArguments(shared)));
        QVERIFY2(wholeLog(twin).contains(QStringLiteral("is in use by another mediaforged")), qPrintable(wholeLog(twin)));
        // A --temp-dir besides a shared dir is refused at the start: the node's files would be
        // somewhere the others do not look.
        TestService both;
        QVERIFY(!m_cluster.startNode(both, database, QStringLiteral("node-e"),
                                     sharedArguments(shared) + QStringList{QStringLiteral("--temp-dir"), shared.filePath(QStringLiteral("x"))}));
        QVERIFY2(wholeLog(both).contains(QStringLiteral("--shared-dir and --temp-dir exclude each other")), qPrintable(wholeLog(both)));
        c.stop();
    }

    void killedOnlyHolderOfAnUploadedInputIsReplacedByANodeThatTakesItsDirectoryOver()
    {
        const QString database = QStringLiteral("lost");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        QTemporaryDir shared;
        TestService e;
        TestService f;
        QVERIFY(m_cluster.startNode(e, database, QStringLiteral("node-e"), sharedArguments(shared)));
        QVERIFY(m_cluster.startNode(f, database, QStringLiteral("node-f"), sharedArguments(shared)));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(e.wsUrl())));
        const QString id = client.start(QStringLiteral("lost-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath(),
                                        QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-e"), 120'000), qPrintable(m_cluster.row(database, id)));
        ::kill(pid_t(e.processId()), SIGKILL);
        // Without the shared dir this ends NODE_LOST (tst_cluster); with it, F moves the job's
        // directory into its own once E is gone for good and runs it again (attempts 2).
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + wholeLog(f)));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|2|node-f"));
        QVERIFY2(wholeLog(f).contains(QStringLiteral("taken over from a lost node; its inputs moved over in the shared dir")),
                 qPrintable(wholeLog(f)));
        QVERIFY(!QDir(shared.filePath(QStringLiteral("node-e/job-") + id)).exists());
        QVERIFY(onlyOutput(shared.filePath(QStringLiteral("node-f/job-") + id)).size() > 1000);
        QVERIFY(!wholeLog(f).contains(QStringLiteral("NODE_LOST")));
        client.connection.close();
        f.stop();
    }

    void lentInputsAreFreedAtAHeartbeatWhenTheRelayMissedTheEnd()
    {
        // No shared dir here: the holder keeps a lent job's input until the job ends.
        const QString database = QStringLiteral("lent");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService g;
        TestService h;
        QVERIFY(m_cluster.startNode(g, database, QStringLiteral("node-g")));
        QVERIFY(m_cluster.startNode(h, database, QStringLiteral("node-h")));
        TestSubmitter busy;
        QVERIFY(busy.open(QUrl(g.wsUrl())));
        const QString first = m_cluster.submitUrl(busy, QStringLiteral("busy"));
        QVERIFY(!first.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, first, QStringLiteral("processing|1|node-g"), 120'000),
                 qPrintable(m_cluster.row(database, first)));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(g.wsUrl())));
        const QString id = client.start(QStringLiteral("lent-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath(),
                                        QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-h"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + wholeLog(h)));
        const QString lentDirectory = g.jobsDirectory() + QStringLiteral("/job-") + id;
        QVERIFY2(QDir(lentDirectory).exists(), qPrintable(wholeLog(g)));

        // How the notification is lost, for real: the database takes no new connection, and
        // the relays' LISTEN connections (the only ones whose last statement is LISTEN or the
        // relay's probe `SELECT 1`) are ended with pg_terminate_backend. The nodes' store
        // connections and H's sending connection stay, so H runs the job and stores its end,
        // but G's relay cannot come back to hear it until the database takes connections again.
        TestSubmitter watcher;
        QVERIFY(watcher.open(QUrl(h.wsUrl())));
        m_cluster.postgres().psql(QStringLiteral("postgres"),
                                  QStringLiteral("ALTER DATABASE \"%1\" ALLOW_CONNECTIONS false").arg(database));
        const QStringList ended = m_cluster.postgres().psql(
                QStringLiteral("postgres"),
                QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%1' "
                               "AND (query ILIKE 'LISTEN%' OR query = 'SELECT 1')")
                        .arg(database));
        QVERIFY2(ended.size() >= 2, qPrintable(ended.join(u',')));
        const auto status = [&watcher, &id] {
            return watcher.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_job")}, {QStringLiteral("id"), id}})
                    .value(QStringLiteral("job"))
                    .toObject()
                    .value(QStringLiteral("status"))
                    .toString();
        };
        QVERIFY2(QTest::qWaitFor([&] { return status() == QLatin1StringView("completed"); }, 300'000),
                 qPrintable(status() + u'\n' + wholeLog(h)));
        // Freed by G's heartbeat (every second with 3 s leases), the relay still cut off; the
        // bound is generous for a loaded machine, and the log says which path freed it.
        QVERIFY2(QTest::qWaitFor([&] { return !QDir(lentDirectory).exists(); }, 60'000), qPrintable(wholeLog(g)));
        const QString logG = wholeLog(g);
        QVERIFY2(logG.contains(QStringLiteral("the event relay lost its connection")), qPrintable(logG));
        QVERIFY2(logG.contains(QStringLiteral("found at a heartbeat); its inputs here are freed")), qPrintable(logG));
        m_cluster.postgres().psql(QStringLiteral("postgres"),
                                  QStringLiteral("ALTER DATABASE \"%1\" ALLOW_CONNECTIONS true").arg(database));
        watcher.connection.close();
        client.connection.close();
        busy.connection.close();
        g.stop();
        h.stop();
    }

    void urlJobStillDownloadingOnAKilledNodeIsFetchedAgainElsewhereWithAttempts2()
    {
        const QString database = QStringLiteral("downloading");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        // The loopback server drips the clip at 20 kB/s: the download is surely still going
        // when its node is killed.
        const QString slowPath = QStringLiteral("/slow-clip.mp4");
        TestHttpServer::Response slow = TestHttpServer::Response::file(m_cluster.clipPath());
        slow.bytesPerSecond = 20'000;
        m_cluster.http().setRoute(slowPath, slow);
        TestService i;
        TestService j;
        QVERIFY(m_cluster.startNode(i, database, QStringLiteral("node-i")));
        QVERIFY(m_cluster.startNode(j, database, QStringLiteral("node-j")));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(i.wsUrl())));
        const QString id = m_cluster.submitUrl(
                client, QStringLiteral("slow-1"), true,
                QJsonObject{{QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("url")},
                                                                  {QStringLiteral("url"), m_cluster.http().url(slowPath).toString()}}}});
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("downloading|1|node-i"), 60'000), qPrintable(m_cluster.row(database, id)));
        QVERIFY(QTest::qWaitFor([&] { return m_cluster.http().requestCount(slowPath) >= 1; }, 60'000));
        ::kill(pid_t(i.processId()), SIGKILL);
        // From now on the clip comes at full speed: the second fetch is J's.
        m_cluster.http().setRoute(slowPath, TestHttpServer::Response::file(m_cluster.clipPath()));
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + wholeLog(j)));
        // The interrupted download counts as a run, as an interrupted ffmpeg run does.
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|2|node-j"));
        QVERIFY2(wholeLog(j).contains(QStringLiteral("taken over from a silent node while downloading")), qPrintable(wholeLog(j)));
        QCOMPARE(m_cluster.http().requestCount(slowPath), 2);
        client.connection.close();
        j.stop();
    }

    void arrivalNumbersOfTwoNodesComeFromOneSequence()
    {
        const QString database = QStringLiteral("sequence");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        // Inputs that never arrive: the jobs stay downloading and cost no ffmpeg run.
        const QString stalled = QStringLiteral("/stalled.mp4");
        TestHttpServer::Response never = TestHttpServer::Response::file(m_cluster.clipPath());
        never.stallAfterBytes = 0;
        m_cluster.http().setRoute(stalled, never);
        const QJsonObject input{{QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("url")},
                                                                       {QStringLiteral("url"), m_cluster.http().url(stalled).toString()}}}};
        TestService k;
        TestService l;
        QVERIFY(m_cluster.startNode(k, database, QStringLiteral("node-k")));
        QVERIFY(m_cluster.startNode(l, database, QStringLiteral("node-l")));
        TestSubmitter onK;
        TestSubmitter onL;
        QVERIFY(onK.open(QUrl(k.wsUrl())));
        QVERIFY(onL.open(QUrl(l.wsUrl())));
        // Both nodes started on an empty table: counted per node, both would number 1, 2, 3.
        QStringList ids;
        for (int n = 0; n < 3; ++n)
            ids.append(m_cluster.submitUrl(onK, QStringLiteral("k-%1").arg(n), true, input));
        for (int n = 0; n < 3; ++n)
            ids.append(m_cluster.submitUrl(onL, QStringLiteral("l-%1").arg(n), true, input));
        QVERIFY(!ids.contains(QString()));
        QStringList numbers;
        for (const QString &id : std::as_const(ids))
            numbers += m_cluster.postgres().psql(database, QStringLiteral("SELECT seq FROM jobs WHERE id = '%1'").arg(id));
        QCOMPARE(numbers, QStringList({QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4"),
                                       QStringLiteral("5"), QStringLiteral("6")}));
        onK.connection.close();
        onL.connection.close();
        k.stop();
        l.stop();
    }
};

QTEST_GUILESS_MAIN(TestClusterShared)
#include "tst_clustershared.moc"
