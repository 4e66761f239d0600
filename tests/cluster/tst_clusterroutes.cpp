// SPDX-License-Identifier: GPL-3.0-or-later
// The node-to-node routes of the real mediaforged's HTTP port, over real loopback sockets: a
// request signed with the cluster secret gets a job's input (while the job runs) and its
// output (once completed), whole or by Range; unsigned, forged, expired and foreign-secret
// requests are refused with 401/403 before anything about the job is told, and files the
// node does not hold are 404. The job is held in `processing` by stopping its real ffmpeg
// (SIGSTOP), so that its input is surely still there while the test reads it.
#include "cluster/clusterroutes.h"
#include "cluster/clustersigner.h"
#include "testmedia.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using namespace Mediaforge;

namespace {

const QByteArray kSecret = "tst_clusterroutes-0123456789abcdef0123456789";

struct Answer
{
    int status = 0;
    QByteArray body;
    QByteArray contentRange;
};

// The ffmpeg processes below `pid`, from /proc.
QList<qint64> ffmpegsBelow(qint64 pid)
{
    QHash<qint64, qint64> parents;
    QHash<qint64, QByteArray> names;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 child = entry.toLongLong(&numeric);
        QFile stat(QStringLiteral("/proc/%1/stat").arg(child));
        if (!numeric || !stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1) {
            parents.insert(child, fields.at(1).toLongLong());
            names.insert(child, text.mid(text.indexOf('(') + 1, text.lastIndexOf(')') - text.indexOf('(') - 1));
        }
    }
    QList<qint64> found;
    QList<qint64> frontier{pid};
    while (!frontier.isEmpty()) {
        const qint64 parent = frontier.takeFirst();
        for (auto it = parents.cbegin(); it != parents.cend(); ++it) {
            if (it.value() == parent) {
                frontier.append(it.key());
                if (names.value(it.key()) == "ffmpeg")
                    found.append(it.key());
            }
        }
    }
    return found;
}

} // namespace

class TestClusterRoutes : public QObject
{
    Q_OBJECT

private:
    TestService m_service;
    QTemporaryDir m_media;
    QString m_clip;
    QNetworkAccessManager m_network;

    Answer get(const QString &path, const QList<std::pair<QByteArray, QByteArray>> &headers, const QByteArray &range = {})
    {
        QNetworkRequest request(QUrl(m_service.httpUrl() + path));
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        if (!range.isEmpty())
            request.setRawHeader("Range", range);
        QNetworkReply *reply = m_network.get(request);
        const bool done = QTest::qWaitFor([reply] { return reply->isFinished(); }, 60'000);
        Answer answer;
        if (done) {
            answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            answer.body = reply->readAll();
            answer.contentRange = reply->rawHeader("Content-Range");
        }
        reply->deleteLater();
        return answer;
    }

    static QList<std::pair<QByteArray, QByteArray>> signedFor(const QString &path, const QByteArray &secret = kSecret,
                                                              qint64 shift = 0)
    {
        return ClusterSigner(secret, QStringLiteral("node-b")).sign("GET", path, QDateTime::currentSecsSinceEpoch() + shift);
    }

private slots:
    void initTestCase()
    {
        TestMedia::VideoSpec spec;
        spec.seconds = 4;
        m_clip = TestMedia::makeVideo(m_media.path(), spec);
        QVERIFY(!m_clip.isEmpty());
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString::fromLatin1(kSecret));
        m_service.setExtraEnvironment(environment);
        QVERIFY(m_service.start({QStringLiteral("--max-concurrent-jobs"), QStringLiteral("1"), QStringLiteral("--stall-seconds"),
                                 QStringLiteral("600"), QStringLiteral("--node-name"), QStringLiteral("node-a")}));
    }

    void signedRequestsGetInputsAndOutputsAndEverythingElseIsRefused()
    {
        TestSubmitter client;
        QVERIFY(client.open(QUrl(m_service.wsUrl())));
        const QString id = client.start(QStringLiteral("routes-1"), QStringLiteral("compress"),
                                        QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_clip,
                                        // Kept for a later fetch, not delivered to this client.
                                        QJsonObject{{QStringLiteral("detach"), true}});
        QVERIFY(!id.isEmpty());
        // Hold the run: stop its ffmpeg as soon as it exists.
        QList<qint64> ffmpegs;
        QVERIFY2(QTest::qWaitFor([&] {
            ffmpegs = ffmpegsBelow(m_service.processId());
            for (qint64 pid : std::as_const(ffmpegs))
                ::kill(pid_t(pid), SIGSTOP);
            return !ffmpegs.isEmpty();
        }, 120'000), qPrintable(m_service.log()));
        QCOMPARE(client.statusOf(id), QStringLiteral("processing"));

        QFile original(m_clip);
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QByteArray clip = original.readAll();
        const QString input = ClusterRoutes::inputPath(id, 0);
        Answer whole = get(input, signedFor(input));
        QCOMPARE(whole.status, 200);
        QCOMPARE(QCryptographicHash::hash(whole.body, QCryptographicHash::Sha256),
                 QCryptographicHash::hash(clip, QCryptographicHash::Sha256));
        const Answer part = get(input, signedFor(input), "bytes=100-199");
        QCOMPARE(part.status, 206);
        QCOMPARE(part.body, clip.mid(100, 100));
        QCOMPARE(part.contentRange, "bytes 100-199/" + QByteArray::number(clip.size()));

        // Refusals: told before anything about the job.
        QCOMPARE(get(input, {}).status, 401);
        auto tampered = signedFor(input);
        tampered[2].second[0] = tampered[2].second[0] == '0' ? '1' : '0';
        QCOMPARE(get(input, tampered).status, 403);
        QCOMPARE(get(input, signedFor(input, "another-cluster-secret-0123456789abcdef")).status, 403);
        QCOMPARE(get(input, signedFor(input, kSecret, -120)).status, 403);
        QCOMPARE(get(input, signedFor(input, kSecret, +600)).status, 403);
        // A signature for one file opens only that file.
        const QString secondInput = ClusterRoutes::inputPath(id, 1);
        QCOMPARE(get(secondInput, signedFor(input)).status, 403);
        // Signed, but not held here.
        QCOMPARE(get(secondInput, signedFor(secondInput)).status, 404);
        const QString otherJob = ClusterRoutes::inputPath(QStringLiteral("00ff00ff00ff00ff"), 0);
        QCOMPARE(get(otherJob, signedFor(otherJob)).status, 404);
        const QString output = ClusterRoutes::outputPath(id, 0);
        QCOMPARE(get(output, signedFor(output)).status, 404);   // not completed yet
        const QString log = m_service.log();
        QVERIFY2(log.contains(QStringLiteral("refused a node-to-node request: forged signature, node node-b")), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("expired signature")) && log.contains(QStringLiteral("too_far_ahead signature")),
                 qPrintable(log));
        QVERIFY2(!log.contains(QString::fromLatin1(kSecret)), "the secret must never be logged");

        for (qint64 pid : std::as_const(ffmpegs))
            ::kill(pid_t(pid), SIGCONT);
        QVERIFY2(QTest::qWaitFor([&] { return client.statusOf(id) == QLatin1StringView("completed"); }, 300'000),
                 qPrintable(m_service.log()));
        const QJsonObject job = client.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_job")},
                                                       {QStringLiteral("id"), id}})
                                        .value(QStringLiteral("job"))
                                        .toObject();
        const QString sha256 = job.value(QStringLiteral("outputs")).toArray().at(0).toObject().value(QStringLiteral("sha256")).toString();
        const Answer produced = get(output, signedFor(output));
        QVERIFY2(produced.status == 200, produced.body.constData());
        QCOMPARE(QString::fromLatin1(QCryptographicHash::hash(produced.body, QCryptographicHash::Sha256).toHex()), sha256);
        const Answer tail = get(output, signedFor(output), "bytes=-50");
        QCOMPARE(tail.status, 206);
        QCOMPARE(tail.body, produced.body.right(50));
        // The input went with the run.
        QCOMPARE(get(input, signedFor(input)).status, 404);
        client.connection.close();
    }

    void withoutASecretTheRoutesDoNotExist()
    {
        TestService plain;
        QVERIFY(plain.start());
        QNetworkRequest request(QUrl(plain.httpUrl() + ClusterRoutes::inputPath(QStringLiteral("00ff"), 0)));
        for (const auto &[name, value] : signedFor(ClusterRoutes::inputPath(QStringLiteral("00ff"), 0)))
            request.setRawHeader(name, value);
        QNetworkReply *reply = m_network.get(request);
        QVERIFY(QTest::qWaitFor([reply] { return reply->isFinished(); }, 60'000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 404);
        reply->deleteLater();
        plain.stop();
    }

    void cleanupTestCase() { m_service.stop(); }
};

QTEST_GUILESS_MAIN(TestClusterRoutes)
#include "tst_clusterroutes.moc"
