// SPDX-License-Identifier: GPL-3.0-or-later
// Quotas per owner (tokens-file keys) on two real mediaforged nodes sharing one real
// PostgreSQL 15: an owner's unfinished jobs, its starts a minute and its input bytes a day count
// over both nodes, so that a client cannot get twice its quota by reaching the other node. Each
// quota is reached with jobs on both nodes and refused on either; unfinished_jobs is also freed
// again by a cancel on the other node. No step waits on time: jobs wait for uploads that are
// never sent (unfinished until cancelled), and the minute is far longer than the test's starts.
#include "clusterfixture.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;

namespace {

constexpr const char *kClusterSecret = "tst_clusterquotas-secret-0123456789abcdef012345";
const QString kFew = QStringLiteral("few-token-0123456789abcdef");
const QString kPaced = QStringLiteral("paced-token-0123456789abcdef");
const QString kDaily = QStringLiteral("daily-token-0123456789abcdef");
constexpr qint64 kDayBytes = 300 * 1024;
constexpr qint64 kUploaded = 200 * 1024;

QJsonObject startJob(const QString &jobId, qint64 size)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("start_job")},
                       {QStringLiteral("job_id"), jobId},
                       {QStringLiteral("operation"), QStringLiteral("probe")},
                       {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("upload")},
                                                             {QStringLiteral("filename"), QStringLiteral("in.bin")},
                                                             {QStringLiteral("size"), size}}}};
}

QString typeOf(const QJsonObject &reply)
{
    return reply.value(QStringLiteral("type")).toString();
}

QString codeOf(const QJsonObject &reply)
{
    return reply.value(QStringLiteral("code")).toString();
}

QJsonObject quotaOf(TestSubmitter &client, const QString &quota)
{
    return client.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_stats")}})
            .value(QStringLiteral("stats")).toObject()
            .value(QStringLiteral("quota")).toObject()
            .value(quota).toObject();
}

} // namespace

class TestClusterQuotas : public QObject
{
    Q_OBJECT

private:
    ClusterFixture m_cluster{kClusterSecret};
    QTemporaryDir m_dir;
    TestService m_a;
    TestService m_b;

    bool startNode(TestService &node, const QString &name, const QString &tokens)
    {
        return m_cluster.startNode(node, QStringLiteral("quotas"), name, {QStringLiteral("--tokens-file"), tokens});
    }

    // A client of `node` with `token`, at level 1.
    static bool open(TestSubmitter &client, const TestService &node, const QString &token)
    {
        if (!client.open(QUrl(node.wsUrl()), token))
            return false;
        return typeOf(client.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("hello")},
                                             {QStringLiteral("protocol"), 1}})) == QLatin1StringView("welcome");
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Uploads only: no clip to serve.
        QVERIFY2(m_cluster.start(0), qPrintable(m_cluster.error()));
        QVERIFY2(m_cluster.createDatabase(QStringLiteral("quotas")), qPrintable(m_cluster.error()));
        const QString tokens = m_dir.filePath(QStringLiteral("tokens"));
        QFile file(tokens);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("client %1 few unfinished_jobs=2\n"
                                  "client %2 paced jobs_per_minute=3\n"
                                  "client %3 daily input_bytes_per_day=%4\n")
                           .arg(kFew, kPaced, kDaily)
                           .arg(kDayBytes)
                           .toUtf8());
        file.close();
        QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
        QVERIFY2(startNode(m_a, QStringLiteral("node-a"), tokens), qPrintable(m_a.log()));
        QVERIFY2(startNode(m_b, QStringLiteral("node-b"), tokens), qPrintable(m_b.log()));
    }

    void cleanupTestCase()
    {
        m_a.stop();
        m_b.stop();
    }

    void unfinishedJobsCountOnBothNodesAndAreFreedByACancelOnEither()
    {
        TestSubmitter onA;
        TestSubmitter onB;
        QVERIFY(open(onA, m_a, kFew));
        QVERIFY(open(onB, m_b, kFew));
        const QJsonObject first = onA.ask(startJob(QStringLiteral("few-1"), 1000));
        QCOMPARE(typeOf(first), QStringLiteral("ack"));
        QCOMPARE(typeOf(onB.ask(startJob(QStringLiteral("few-2"), 1000))), QStringLiteral("ack"));
        // The third on either node: two are unfinished, one on each.
        for (TestSubmitter *client : {&onA, &onB}) {
            const QJsonObject refused = client->ask(startJob(QStringLiteral("few-3"), 1000));
            QCOMPARE(codeOf(refused), QStringLiteral("QUOTA_EXCEEDED"));
            const QJsonObject details = refused.value(QStringLiteral("details")).toObject();
            QCOMPARE(details.value(QStringLiteral("quota")).toString(), QStringLiteral("unfinished_jobs"));
            QCOMPARE(details.value(QStringLiteral("used")).toInt(), 2);
        }
        QCOMPARE(quotaOf(onB, QStringLiteral("unfinished_jobs")).value(QStringLiteral("used")).toInt(), 2);
        // Node A's job ends (cancelled there): node B may start one again.
        const QJsonObject cancelled = onA.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")},
                                                          {QStringLiteral("id"), first.value(QStringLiteral("id"))}});
        QCOMPARE(codeOf(cancelled), QStringLiteral("JOB_CANCELLED"));
        QCOMPARE(typeOf(onB.ask(startJob(QStringLiteral("few-3"), 1000))), QStringLiteral("ack"));
        QCOMPARE(codeOf(onA.ask(startJob(QStringLiteral("few-4"), 1000))), QStringLiteral("QUOTA_EXCEEDED"));
    }

    void startsAMinuteCountOnBothNodes()
    {
        TestSubmitter onA;
        TestSubmitter onB;
        QVERIFY(open(onA, m_a, kPaced));
        QVERIFY(open(onB, m_b, kPaced));
        // Three starts, two of them on A, each cancelled at once: only the starts count.
        const QList<std::pair<TestSubmitter *, QString>> starts{
                {&onA, QStringLiteral("paced-1")}, {&onB, QStringLiteral("paced-2")}, {&onA, QStringLiteral("paced-3")}};
        for (const auto &[client, jobId] : starts) {
            const QJsonObject ack = client->ask(startJob(jobId, 1000));
            QCOMPARE(typeOf(ack), QStringLiteral("ack"));
            client->ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("id"), ack.value(QStringLiteral("id"))}});
        }
        // Node B made one start itself; the fourth is refused there all the same.
        const QJsonObject refused = onB.ask(startJob(QStringLiteral("paced-4"), 1000));
        QCOMPARE(codeOf(refused), QStringLiteral("RATE_LIMITED"));
        const QJsonObject details = refused.value(QStringLiteral("details")).toObject();
        QCOMPARE(details.value(QStringLiteral("limit")).toInt(), 3);
        const int retryAfter = details.value(QStringLiteral("retry_after_seconds")).toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 60, qPrintable(QString::number(retryAfter)));
        const QJsonObject usage = quotaOf(onB, QStringLiteral("jobs_per_minute"));
        QCOMPARE(usage.value(QStringLiteral("used")).toInt(), 3);
        QVERIFY(usage.contains(QStringLiteral("resets_in_seconds")));
    }

    void inputBytesOfTheDayCountOnBothNodes()
    {
        TestSubmitter onA;
        TestSubmitter onB;
        QVERIFY(open(onA, m_a, kDaily));
        QVERIFY(open(onB, m_b, kDaily));
        // Node B looks at the day first (nothing used), so that what follows must be read again.
        QCOMPARE(quotaOf(onB, QStringLiteral("input_bytes_per_day")).value(QStringLiteral("used")).toInteger(), 0);
        const QString junk = m_dir.filePath(QStringLiteral("junk.bin"));
        QFile file(junk);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(kUploaded, 'x'));
        file.close();
        const QString id = onA.start(QStringLiteral("daily-1"), QStringLiteral("probe"), {}, junk);
        QVERIFY(!id.isEmpty());
        // Not media: the job fails once its input is in, and that input counts for the day.
        QTRY_COMPARE_WITH_TIMEOUT(onA.statusOf(id), QStringLiteral("failed"), 60000);
        QCOMPARE(quotaOf(onB, QStringLiteral("input_bytes_per_day")).value(QStringLiteral("used")).toInteger(), kUploaded);
        // What is left of the day is less than this job declares, on the node that took none.
        const QJsonObject refused = onB.ask(startJob(QStringLiteral("daily-2"), kDayBytes - kUploaded + 1));
        QCOMPARE(codeOf(refused), QStringLiteral("QUOTA_EXCEEDED"));
        const QJsonObject details = refused.value(QStringLiteral("details")).toObject();
        QCOMPARE(details.value(QStringLiteral("quota")).toString(), QStringLiteral("input_bytes_per_day"));
        QCOMPARE(details.value(QStringLiteral("used")).toInteger(), kUploaded);
        QVERIFY(details.contains(QStringLiteral("resets_at")));
        // What fits still starts there.
        QCOMPARE(typeOf(onB.ask(startJob(QStringLiteral("daily-3"), kDayBytes - kUploaded))), QStringLiteral("ack"));
    }
};

QTEST_GUILESS_MAIN(TestClusterQuotas)
#include "tst_clusterquotas.moc"
