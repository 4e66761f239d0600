// SPDX-License-Identifier: GPL-3.0-or-later
// Delivery through any node (issue 10): a client connected to node A whose job node B ran gets
// its outputs from A as if A had run it (level 1 chunks with output_delivered, level 0 one
// binary message per output), B then releases them as after a local delivery, and the
// connection on A counts on B for the reconnect grace and for cancelling a job that is not
// detached. Real PostgreSQL 15, real mediaforged nodes, real ffmpeg; A is kept busy with a long
// job of its own so that the job under test is claimed by B, as an operator's cluster does it.
// Every wait is on an observed state with a bound of minutes.
#include "clusterfixture.h"
#include "testmedia.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QtEndian>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clusterdelivery-secret-0123456789abcdef";
constexpr const char *kAliceToken = "alice-token-0123456789abcdef0123456789";

QString sha256(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QString text(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// Everything one level 1 connection heard: its text messages and the chunks of each output.
struct Heard
{
    QList<QJsonObject> messages;
    QByteArray chunks;
    bool inOrder = true;

    QJsonObject first(const QString &type, const QString &id) const
    {
        for (const QJsonObject &message : messages) {
            if (message.value(QStringLiteral("type")).toString() == type && message.value(QStringLiteral("id")).toString() == id)
                return message;
        }
        return QJsonObject();
    }

    QJsonObject error(const QString &jobId) const
    {
        for (const QJsonObject &message : messages) {
            if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("error")
                && message.value(QStringLiteral("job_id")).toString() == jobId)
                return message;
        }
        return QJsonObject();
    }
};

void listen(TestSubmitter &client, Heard &heard)
{
    QObject::connect(&client.connection, &ClientConnection::messageReceived, &client.connection,
                     [&heard](const QJsonObject &message) { heard.messages.append(message); });
    QObject::connect(&client.connection, &ClientConnection::outputChunk, &client.connection,
                     [&heard](const ClientConnection::Chunk &chunk) {
                         heard.inOrder = heard.inOrder && chunk.offset == heard.chunks.size();
                         heard.chunks += chunk.payload;
                     });
}

} // namespace

class TestClusterDelivery : public QObject
{
    Q_OBJECT

private:
    ClusterFixture m_cluster{kClusterSecret};
    QTemporaryDir m_dir;
    QString m_tokens;
    // For the two grace tests: a run that surely outlasts the grace however fast the machine is.
    QString m_longClip;

    // A's only worker slot taken by a long job of its own (claimed by A while it is idle), so
    // that what is submitted to A next is claimed by an idle node.
    bool occupy(TestService &a, TestSubmitter &busy, const QString &database, const QString &token = {})
    {
        if (!busy.open(QUrl(a.wsUrl()), token))
            return false;
        const QString first = m_cluster.submitUrl(busy, QStringLiteral("busy"));
        return !first.isEmpty() && m_cluster.waitForRow(database, first, QStringLiteral("processing|1|node-a"), 120'000);
    }

    // Whether the job's directory on the node is gone (its outputs released or removed).
    static bool released(const TestService &node, const QString &id)
    {
        return !QDir(node.jobsDirectory() + QStringLiteral("/job-") + id).exists();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Long enough at one ffmpeg thread that A's own job outlasts the claim of the next one.
        QVERIFY2(m_cluster.start(12), qPrintable(m_cluster.error()));
        m_tokens = m_dir.filePath(QStringLiteral("tokens"));
        QFile file(m_tokens);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("client %1 alice\n").arg(QLatin1StringView(kAliceToken)).toUtf8());
        file.close();
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
        TestMedia::VideoSpec spec;
        spec.seconds = 60;
        spec.width = 640;
        spec.height = 480;
        m_longClip = TestMedia::makeVideo(m_dir.path(), spec);
        QVERIFY2(!m_longClip.isEmpty(), "ffmpeg could not make the long clip");
        m_cluster.http().setRoute(QStringLiteral("/long.mp4"), TestHttpServer::Response::file(m_longClip, "video/mp4"));
    }

    void clientsOnOneNodeReceiveTheOutputsAnotherNodeRanAndThatNodeReleasesThem()
    {
        const QString database = QStringLiteral("deliver");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a")));
        // Two slots: B claims both jobs below while A is busy.
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b"), {QStringLiteral("--max-concurrent-jobs"), QStringLiteral("2")}));
        TestSubmitter busy;
        QVERIFY2(occupy(a, busy, database), qPrintable(a.log()));

        // A level 1 client and a level 0 client (no hello) upload a job each to A.
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl())));
        Heard heard;
        listen(client, heard);
        const QString id = client.start(QStringLiteral("deliver-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath());
        QVERIFY(!id.isEmpty());

        QWebSocket level0;
        QList<QJsonObject> texts0;
        QList<QByteArray> binaries0;
        QObject::connect(&level0, &QWebSocket::textMessageReceived, &level0, [&texts0](const QString &message) {
            texts0.append(QJsonDocument::fromJson(message.toUtf8()).object());
        });
        QObject::connect(&level0, &QWebSocket::binaryMessageReceived, &level0,
                         [&binaries0](const QByteArray &message) { binaries0.append(message); });
        level0.open(QUrl(a.wsUrl()));
        QVERIFY(QTest::qWaitFor([&level0] { return level0.state() == QAbstractSocket::ConnectedState; }, 60'000));
        QFile clip(m_cluster.clipPath());
        QVERIFY(clip.open(QIODevice::ReadOnly));
        level0.sendTextMessage(text(QJsonObject{{QStringLiteral("type"), QStringLiteral("start_job")},
                                                {QStringLiteral("job_id"), QStringLiteral("deliver-0")},
                                                {QStringLiteral("operation"), QStringLiteral("compress")},
                                                {QStringLiteral("options"), QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}},
                                                {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("upload")},
                                                                                      {QStringLiteral("filename"), QStringLiteral("clip.mp4")}}}}));
        const QByteArray header = QJsonDocument(QJsonObject{{QStringLiteral("job_id"), QStringLiteral("deliver-0")},
                                                            {QStringLiteral("filename"), QStringLiteral("clip.mp4")}})
                                          .toJson(QJsonDocument::Compact);
        QByteArray upload(4, '\0');
        qToBigEndian<quint32>(quint32(header.size()), upload.data());
        level0.sendBinaryMessage(upload + header + clip.readAll());
        QString id0;
        QVERIFY(QTest::qWaitFor([&] {
            for (const QJsonObject &message : std::as_const(texts0)) {
                if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("ack"))
                    id0 = message.value(QStringLiteral("id")).toString();
            }
            return !id0.isEmpty();
        }, 60'000));

        // Both run on B, and each client on A gets its outputs from there.
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("completed|1|node-b"), 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        QVERIFY2(m_cluster.waitForRow(database, id0, QStringLiteral("completed|1|node-b"), 300'000),
                 qPrintable(m_cluster.row(database, id0) + u'\n' + b.log()));
        QVERIFY2(QTest::qWaitFor([&] { return !heard.first(QStringLiteral("output_delivered"), id).isEmpty()
                                               || !heard.error(QStringLiteral("deliver-1")).isEmpty(); }, 120'000),
                 qPrintable(a.log()));
        const QJsonObject completed = heard.first(QStringLiteral("completed"), id);
        QCOMPARE(completed.value(QStringLiteral("delivery_method")).toString(), QStringLiteral("binary"));
        const QJsonObject output = completed.value(QStringLiteral("outputs")).toArray().first().toObject();
        const QJsonObject delivered = heard.first(QStringLiteral("output_delivered"), id);
        QVERIFY2(!delivered.isEmpty(), qPrintable(text(heard.error(QStringLiteral("deliver-1"))) + a.log()));
        QVERIFY(heard.inOrder);
        QVERIFY(heard.chunks.size() > 1000);
        QCOMPARE(delivered.value(QStringLiteral("bytes")).toInteger(), qint64(heard.chunks.size()));
        QCOMPARE(output.value(QStringLiteral("size_bytes")).toInteger(), qint64(heard.chunks.size()));
        QCOMPARE(delivered.value(QStringLiteral("sha256")).toString(), sha256(heard.chunks));
        QCOMPARE(output.value(QStringLiteral("sha256")).toString(), sha256(heard.chunks));
        // B's live progress reached the client on A before that.
        QVERIFY(std::any_of(heard.messages.cbegin(), heard.messages.cend(), [](const QJsonObject &message) {
            return message.value(QStringLiteral("type")).toString() == QLatin1StringView("progress")
                    && message.value(QStringLiteral("stage")).toString() == QLatin1StringView("processing");
        }));

        // Level 0: `completed`, then the whole output in one binary message, as from one node.
        QVERIFY2(QTest::qWaitFor([&binaries0] { return !binaries0.isEmpty(); }, 120'000), qPrintable(a.log()));
        QJsonObject completed0;
        for (const QJsonObject &message : std::as_const(texts0)) {
            if (message.value(QStringLiteral("type")).toString() == QLatin1StringView("completed"))
                completed0 = message;
        }
        QCOMPARE(completed0.value(QStringLiteral("delivery_method")).toString(), QStringLiteral("binary"));
        QCOMPARE(binaries0.size(), 1);
        const QByteArray whole = binaries0.first();
        const quint32 headerLength = qFromBigEndian<quint32>(whole.constData());
        const QJsonObject header0 = QJsonDocument::fromJson(whole.mid(4, headerLength)).object();
        QCOMPARE(header0.value(QStringLiteral("job_id")).toString(), QStringLiteral("deliver-0"));
        const QByteArray payload0 = whole.mid(4 + headerLength);
        const QJsonObject output0 = completed0.value(QStringLiteral("outputs")).toArray().first().toObject();
        QCOMPARE(output0.value(QStringLiteral("size_bytes")).toInteger(), qint64(payload0.size()));
        QCOMPARE(output0.value(QStringLiteral("sha256")).toString(), sha256(payload0));
        // Nothing a level 0 client does not know.
        for (const QJsonObject &message : std::as_const(texts0)) {
            const QString type = message.value(QStringLiteral("type")).toString();
            QVERIFY2(type == QLatin1StringView("ack") || type == QLatin1StringView("progress")
                             || type == QLatin1StringView("completed"),
                     qPrintable(text(message)));
        }

        // B released both outputs, as after a delivery of its own.
        QVERIFY2(QTest::qWaitFor([&] { return released(b, id) && released(b, id0); }, 60'000), qPrintable(b.log()));
        QVERIFY2(b.log().contains(QStringLiteral("its outputs were delivered through another node")), qPrintable(b.log()));

        // A third node answers for the delivered job as the documentation says: gone.
        TestService c;
        QVERIFY(m_cluster.startNode(c, database, QStringLiteral("node-c")));
        TestSubmitter other;
        QVERIFY(other.open(QUrl(c.wsUrl())));
        const QJsonObject snapshot = other.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_job")},
                                                           {QStringLiteral("id"), id}});
        QCOMPARE(snapshot.value(QStringLiteral("job")).toObject().value(QStringLiteral("outputs_available")).toBool(true), false);
        const QJsonObject fetched = other.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("fetch_output")},
                                                          {QStringLiteral("id"), id}});
        QCOMPARE(fetched.value(QStringLiteral("code")).toString(), QStringLiteral("NOT_FOUND"));
        level0.close();
        client.connection.close();
        other.connection.close();
        busy.connection.close();
    }

    void unreachableRunningNodeGivesTheTypedErrorAndKeepsTheOutputs()
    {
        const QString database = QStringLiteral("unreachable");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a")));
        // B advertises a URL where nothing listens: it pulls from A, but nobody reaches it.
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b"),
                                    {QStringLiteral("--advertise-url"), QStringLiteral("http://127.0.0.1:1")}));
        TestSubmitter busy;
        QVERIFY2(occupy(a, busy, database), qPrintable(a.log()));
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl())));
        Heard heard;
        listen(client, heard);
        const QString id = client.start(QStringLiteral("cut-off"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_cluster.clipPath());
        QVERIFY(!id.isEmpty());
        // A delivery's error names the job by job_id, as a local one does.
        QVERIFY2(QTest::qWaitFor([&] { return !heard.error(QStringLiteral("cut-off")).isEmpty(); }, 300'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + a.log()));
        QCOMPARE(m_cluster.row(database, id), QStringLiteral("completed|1|node-b"));
        QCOMPARE(heard.first(QStringLiteral("completed"), id).value(QStringLiteral("delivery_method")).toString(),
                 QStringLiteral("binary"));
        const QJsonObject error = heard.error(QStringLiteral("cut-off"));
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("OUTPUT_SEND_FAILED"));
        QCOMPARE(error.value(QStringLiteral("details")).toObject().value(QStringLiteral("node")).toString(),
                 QStringLiteral("node-b"));
        QVERIFY(heard.chunks.isEmpty());
        // Not released: B keeps the outputs for the retention period, as the record says.
        const QByteArray onB = ClusterFixture::outputOnDisk(b, id);
        QVERIFY(onB.size() > 1000);
        QCOMPARE(heard.first(QStringLiteral("completed"), id).value(QStringLiteral("outputs")).toArray().first().toObject()
                         .value(QStringLiteral("sha256")).toString(),
                 sha256(onB));
        QVERIFY(!b.log().contains(QStringLiteral("its outputs were delivered through another node")));
        client.connection.close();
        busy.connection.close();
    }

    void ownerAttachedOnAnotherNodeDropsAndTheRunningNodeWaitsTheGraceThenCancels()
    {
        const QString database = QStringLiteral("attachgrace");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        const QStringList more{QStringLiteral("--tokens-file"), m_tokens, QStringLiteral("--reconnect-grace"), QStringLiteral("2")};
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a"), more));
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b"), more));
        // Submitted to B and run there (not detached), then attached on A by its owner.
        TestSubmitter first;
        QVERIFY(first.open(QUrl(b.wsUrl()), QString::fromLatin1(kAliceToken)));
        const QString id = m_cluster.submitUrl(
                first, QStringLiteral("attached"), false,
                QJsonObject{{QStringLiteral("input"),
                             QJsonObject{{QStringLiteral("source"), QStringLiteral("url")},
                                         {QStringLiteral("url"), m_cluster.http().url(QStringLiteral("/long.mp4")).toString()}}}});
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-b"), 120'000), qPrintable(b.log()));
        TestSubmitter second;
        QVERIFY(second.open(QUrl(a.wsUrl()), QString::fromLatin1(kAliceToken)));
        Heard heard;
        listen(second, heard);
        const QJsonObject attached = second.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("attach")},
                                                            {QStringLiteral("id"), id}});
        QCOMPARE(attached.value(QStringLiteral("type")).toString(), QStringLiteral("job"));
        // B's progress reaches A; then the first connection closes: B goes on (A's connection
        // is the owner's now), as after a local attach.
        QVERIFY2(QTest::qWaitFor([&] {
            return std::any_of(heard.messages.cbegin(), heard.messages.cend(), [](const QJsonObject &message) {
                return message.value(QStringLiteral("type")).toString() == QLatin1StringView("progress");
            });
        }, 60'000), qPrintable(a.log()));
        first.connection.close();
        QVERIFY2(QTest::qWaitFor([&b] { return b.log().contains(QStringLiteral("disconnected")); }, 60'000),
                 qPrintable(b.log()));
        QTest::qWait(1000);   // the lines B writes in the same turn have surely come
        QVERIFY2(!b.log().contains(QStringLiteral("s for its owner to attach")), qPrintable(b.log()));
        QVERIFY2(m_cluster.row(database, id).startsWith(QStringLiteral("processing|1|node-b")),
                 qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        // The attached connection on A drops: B waits the reconnect grace, then cancels.
        second.connection.close();
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("cancelled|1|node-b"), 120'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        const QString log = b.log();
        QVERIFY2(log.contains(QStringLiteral("its owner's connection on another node closed")), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("s for its owner to attach")), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("nobody attached within 2 s")), qPrintable(log));
        QVERIFY(released(b, id));
    }

    void movedJobIsCancelledOnTheRunningNodeWhenItsSubmittingConnectionCloses()
    {
        const QString database = QStringLiteral("movedclose");
        QVERIFY2(m_cluster.createDatabase(database), qPrintable(m_cluster.error()));
        TestService a;
        TestService b;
        const QStringList more{QStringLiteral("--tokens-file"), m_tokens, QStringLiteral("--reconnect-grace"), QStringLiteral("2")};
        QVERIFY(m_cluster.startNode(a, database, QStringLiteral("node-a"), more));
        QVERIFY(m_cluster.startNode(b, database, QStringLiteral("node-b"), more));
        TestSubmitter busy;
        QVERIFY2(occupy(a, busy, database, QString::fromLatin1(kAliceToken)), qPrintable(a.log()));
        // Uploaded to A by a token owner, not detached, claimed and run by B.
        TestSubmitter client;
        QVERIFY(client.open(QUrl(a.wsUrl()), QString::fromLatin1(kAliceToken)));
        const QString id = client.start(QStringLiteral("moved"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_longClip);
        QVERIFY(!id.isEmpty());
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("processing|1|node-b"), 120'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        QVERIFY2(QTest::qWaitFor([&b] { return b.log().contains(QStringLiteral("inputs pulled from node")); }, 60'000),
                 qPrintable(b.log()));
        // The submitting connection on A closes: B applies the same grace, then cancels.
        client.connection.close();
        QVERIFY2(m_cluster.waitForRow(database, id, QStringLiteral("cancelled|1|node-b"), 120'000),
                 qPrintable(m_cluster.row(database, id) + u'\n' + b.log()));
        const QString log = b.log();
        QVERIFY2(log.contains(QStringLiteral("its owner's connection on another node closed")), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("nobody attached within 2 s")), qPrintable(log));
        QVERIFY(released(b, id));
        busy.connection.close();
    }
};

QTEST_GUILESS_MAIN(TestClusterDelivery)
#include "tst_clusterdelivery.moc"
