// SPDX-License-Identifier: GPL-3.0-or-later
// The parts of webhooks that need no network: the signature (against a vector computed by
// Python's hmac module, not by this code), the back-off schedule, and the outbox of both the
// memory and the SQLite store (real SQLite files): a state change writes its delivery, one
// job's deliveries come out in order, a leased delivery is not handed out twice, redeliver;
// and the PostgreSQL store on a real PostgreSQL 15, where two nodes claim from one outbox.
#include "jobs/memoryjobstore.h"
#include "postgresjobstore.h"
#include "postgresserver.h"
#include "sqlitejobstore.h"
#include "input/urlguard.h"
#include "webhookdispatcher.h"
#include "webhooksigner.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;
using namespace std::chrono_literals;

namespace {

Job notifiedJob(const QString &id, const QStringList &events)
{
    Job job;
    job.id = id;
    job.jobId = id;
    job.owner = QStringLiteral("alice");
    job.sequence = 1;
    job.status = JobStatus::AwaitingUpload;
    job.createdAt = QDateTime::currentDateTimeUtc();
    job.notifyUrl = QStringLiteral("http://127.0.0.1:9/hook");
    job.notifyEvents = events;
    return job;
}

} // namespace

class TestWebhooks : public QObject
{
    Q_OBJECT

private:
    PostgresServer m_postgres;
    bool m_postgresStarted = false;
    int m_databases = 0;

    std::unique_ptr<JobStore> postgresStore(const QString &database, const QString &node)
    {
        QString error;
        auto store = PostgresJobStore::open(m_postgres.uri(database), node, std::chrono::seconds(30), &error);
        if (!store)
            qWarning("%s", qPrintable(error));
        return store;
    }

    QString newDatabase()
    {
        if (!m_postgresStarted) {
            if (!m_postgres.start())
                qFatal("PostgreSQL did not start: %s", qPrintable(m_postgres.error()));
            m_postgresStarted = true;
        }
        const QString name = QStringLiteral("webhooks%1").arg(++m_databases);
        if (!m_postgres.createDatabase(name))
            qFatal("cannot create a database: %s", qPrintable(m_postgres.error()));
        return name;
    }

private slots:
    void signatureMatchesAnIndependentHmac()
    {
        const QByteArray header = WebhookSigner::signature("0123456789abcdef-secret", 1700000000, R"({"a":1})");
        QCOMPARE(header, QByteArray("t=1700000000,v1=6948a2dc6985c92d09b9edade5c97dce2ba201452d91a72e4a20d35abe4d3420"));
    }

    void verifyRefusesTamperingAndOldTimestamps()
    {
        const QByteArray secret = "0123456789abcdef-secret";
        const QByteArray body = R"({"event":"completed"})";
        const QByteArray header = WebhookSigner::signature(secret, 1700000000, body);
        QVERIFY(WebhookSigner::verify(secret, header, body, 1700000000 + 299, 300s));
        QVERIFY(!WebhookSigner::verify(secret, header, body, 1700000000 + 301, 300s));
        QVERIFY(!WebhookSigner::verify(secret, header, R"({"event":"failed"})", 1700000000, 300s));
        QVERIFY(!WebhookSigner::verify("another-secret-0123456789", header, body, 1700000000, 300s));
        // A receiver accepts any of several v1 values (a rotated key signs too).
        QVERIFY(WebhookSigner::verify(secret, header + ",v1=00", body, 1700000000, 300s));
    }

    void backoffDoublesUpToItsCap()
    {
        WebhookSettings settings;
        settings.minBackoff = 30s;
        settings.maxBackoff = 1h;
        QCOMPARE(WebhookDispatcher::backoff(1, settings), std::chrono::milliseconds(30s));
        QCOMPARE(WebhookDispatcher::backoff(2, settings), std::chrono::milliseconds(60s));
        QCOMPARE(WebhookDispatcher::backoff(5, settings), std::chrono::milliseconds(480s));
        QCOMPARE(WebhookDispatcher::backoff(20, settings), std::chrono::milliseconds(1h));
        QCOMPARE(WebhookDispatcher::backoff(1000, settings), std::chrono::milliseconds(1h));
    }

    void outbox_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("memory") << QStringLiteral("memory");
        QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgresql") << QStringLiteral("postgresql");
    }

    void outbox()
    {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::unique_ptr<JobStore> store;
        if (kind == u"memory") {
            store = std::make_unique<MemoryJobStore>();
        } else if (kind == u"postgresql") {
            store = postgresStore(newDatabase(), QStringLiteral("node-a"));
            QVERIFY(store);
        } else {
            QString problem;
            store = SqliteJobStore::open(dir.filePath(QStringLiteral("jobs.db")), &problem);
            QVERIFY2(store, qPrintable(problem));
        }

        // Final state only (the default): no delivery until the job ends.
        Job quiet = notifiedJob(QStringLiteral("quiet"), {});
        QVERIFY(store->insert(quiet));
        quiet.status = JobStatus::Queued;
        QVERIFY(store->save(quiet));
        QVERIFY(store->deliveries(quiet.id).isEmpty());
        // A job without notify_url never has one.
        Job plain = notifiedJob(QStringLiteral("plain"), {});
        plain.notifyUrl.clear();
        QVERIFY(store->insert(plain));
        plain.status = JobStatus::Completed;
        plain.finishedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(store->save(plain));
        QVERIFY(store->deliveries(plain.id).isEmpty());

        // Every state: insert, a change, a save without a change, the claim, the end.
        const QStringList all{QStringLiteral("awaiting_upload"), QStringLiteral("queued"),
                              QStringLiteral("processing"), QStringLiteral("completed")};
        Job job = notifiedJob(QStringLiteral("loud"), all);
        QVERIFY(store->insert(job));
        job.status = JobStatus::Queued;
        job.stage = JobStage::Queued;
        QVERIFY(store->save(job));
        QVERIFY(store->save(job));   // no change: no delivery
        std::optional<Job> claimed = store->claimNext(QDateTime::currentDateTimeUtc());
        // The quiet job is queued too and may come first.
        while (claimed && claimed->id != job.id)
            claimed = store->claimNext(QDateTime::currentDateTimeUtc());
        QVERIFY(claimed);
        job = *claimed;
        job.status = JobStatus::Completed;
        job.finishedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(store->save(job));
        const QList<WebhookDelivery> listed = store->deliveries(job.id);
        QStringList events;
        for (const WebhookDelivery &delivery : listed) {
            events.append(delivery.event);
            QCOMPARE(delivery.status, WebhookDelivery::Status::Pending);
            QCOMPARE(delivery.owner, QStringLiteral("alice"));
        }
        QCOMPARE(events, all);
        QVERIFY(listed.constLast().snapshot.contains(R"("status":"completed")"));
        QCOMPARE(store->pendingDeliveries(), qint64(4));
        // Pending, never tried: no endpoint is failing yet.
        QCOMPARE(store->failingWebhookEndpoints(), qint64(0));

        // In order: only the first is handed out; while it is leased, nothing.
        const QDateTime now = QDateTime::currentDateTimeUtc().addSecs(1);
        QList<WebhookDelivery> due = store->claimDeliveries(now, 10, 60s);
        QCOMPARE(due.size(), 1);
        QCOMPARE(due.constFirst().event, QStringLiteral("awaiting_upload"));
        QVERIFY(store->claimDeliveries(now, 10, 60s).isEmpty());
        // A failed attempt due later keeps the rest waiting behind it.
        WebhookDelivery first = due.constFirst();
        first.attempt = 1;
        first.lastStatusCode = 500;
        first.lastAttemptAt = now;
        first.nextAttemptAt = now.addSecs(30);
        QVERIFY(store->recordDeliveryAttempt(first));
        // Its URL's last attempt failed and it waits for a retry: one failing endpoint.
        QCOMPARE(store->failingWebhookEndpoints(), qint64(1));
        QVERIFY(store->claimDeliveries(now, 10, 60s).isEmpty());
        due = store->claimDeliveries(now.addSecs(31), 10, 60s);
        QCOMPARE(due.size(), 1);
        QCOMPARE(due.constFirst().attempt, 1);
        first = due.constFirst();
        first.attempt = 2;
        first.status = WebhookDelivery::Status::Delivered;
        first.lastStatusCode = 204;
        QVERIFY(store->recordDeliveryAttempt(first));
        QCOMPARE(store->failingWebhookEndpoints(), qint64(0));
        due = store->claimDeliveries(now, 10, 60s);
        QCOMPARE(due.size(), 1);
        QCOMPARE(due.constFirst().event, QStringLiteral("queued"));
        // A restart ends the leases of the process that died: the delivery is due again.
        store->releaseDeliveryLeases();
        due = store->claimDeliveries(now, 10, 60s);
        QCOMPARE(due.size(), 1);
        QCOMPARE(due.constFirst().event, QStringLiteral("queued"));

        // Redeliver: a delivered one is pending again, due now, its attempts counted on.
        QVERIFY(store->redeliver(first.id, now));
        const std::optional<WebhookDelivery> again = store->delivery(first.id);
        QVERIFY(again);
        QCOMPARE(again->status, WebhookDelivery::Status::Pending);
        QCOMPARE(again->attempt, 2);
        // Sent again after a 2xx: pending, but nothing failed.
        QCOMPARE(store->failingWebhookEndpoints(), qint64(0));
        QVERIFY(!store->redeliver(QStringLiteral("whd_unknown"), now));
    }

    void aDeliveryPastItsRetryWindowIsFailedAndNeverSentUnsigned()
    {
        // A real loopback port that nobody listens on: every attempt is refused.
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            closedPort = probe.serverPort();
        }
        MemoryJobStore store;
        Job job = notifiedJob(QStringLiteral("refused"), {});
        job.notifyUrl = QStringLiteral("http://127.0.0.1:%1/hook").arg(closedPort);
        QVERIFY(store.insert(job));
        job.status = JobStatus::Failed;
        job.finishedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(store.save(job));
        Job unsigned_ = notifiedJob(QStringLiteral("unsigned"), {});
        unsigned_.owner = QStringLiteral("bob");
        QVERIFY(store.insert(unsigned_));
        unsigned_.status = JobStatus::Completed;
        unsigned_.finishedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(store.save(unsigned_));

        SystemHostResolver resolver;
        WebhookSettings settings;
        settings.policy.allowPrivate = true;
        settings.minBackoff = 5s;
        settings.retryWindow = 1s;   // the first retry would come after the window
        settings.timeout = 30s;
        WebhookDispatcher dispatcher(store, resolver, settings, [](const QString &owner) {
            return owner == u"alice" ? QByteArray("alice-secret-0123456789") : QByteArray();
        });
        QSignalSpy attempted(&dispatcher, &WebhookDispatcher::attempted);
        dispatcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(attempted.size(), 2, 60000);
        const QList<WebhookDelivery> refusedList = store.deliveries(job.id);
        QCOMPARE(refusedList.size(), 1);
        const WebhookDelivery *refused = &refusedList.constFirst();
        QCOMPARE(refused->status, WebhookDelivery::Status::Failed);
        QCOMPARE(refused->attempt, 1);
        QCOMPARE(refused->lastStatusCode, 0);
        QVERIFY2(!refused->lastError.isEmpty(), "a refused connection says why");
        // bob has no secret: nothing was sent, the attempt says why, and it is given up too.
        const QList<WebhookDelivery> unsignedList = store.deliveries(unsigned_.id);
        QCOMPARE(unsignedList.size(), 1);
        const WebhookDelivery *unsignedDelivery = &unsignedList.constFirst();
        QCOMPARE(unsignedDelivery->status, WebhookDelivery::Status::Failed);
        QVERIFY(unsignedDelivery->lastError.contains(QStringLiteral("secret")));
        QVERIFY(dispatcher.metricsText().contains("mediaforge_webhook_deliveries_total{result=\"failed\"} 2"));
        QVERIFY(dispatcher.metricsText().contains("mediaforge_webhook_deliveries_pending 0"));
        QCOMPARE(dispatcher.inFlight(), 0);
    }

    void twoNodesNeverClaimTheSameDelivery()
    {
        const QString database = newDatabase();
        std::unique_ptr<JobStore> a = postgresStore(database, QStringLiteral("node-a"));
        std::unique_ptr<JobStore> b = postgresStore(database, QStringLiteral("node-b"));
        QVERIFY(a && b);
        constexpr int kJobs = 24;
        for (int i = 0; i < kJobs; ++i) {
            Job job = notifiedJob(QStringLiteral("job%1").arg(i), {});
            job.sequence = quint64(i + 1);
            QVERIFY(a->insert(job));
            job.status = JobStatus::Completed;
            job.finishedAt = QDateTime::currentDateTimeUtc();
            QVERIFY(a->save(job));
        }
        QCOMPARE(a->pendingDeliveries(), qint64(kJobs));
        // Taking turns, a few at a time: every delivery is handed out once, to one node.
        const QDateTime now = QDateTime::currentDateTimeUtc().addSecs(1);
        QSet<QString> seen;
        int turns = 0;
        for (bool progress = true; progress; ++turns) {
            progress = false;
            for (JobStore *store : {a.get(), b.get(), b.get(), a.get()}) {
                const QList<WebhookDelivery> due = store->claimDeliveries(now, 3, 60s);
                for (const WebhookDelivery &delivery : due) {
                    QVERIFY2(!seen.contains(delivery.id), qPrintable(delivery.id));
                    seen.insert(delivery.id);
                    progress = true;
                }
            }
        }
        QCOMPARE(seen.size(), kJobs);
        // A node's restart ends its own leases only: node-b's stay with node-b.
        a->releaseDeliveryLeases();
        const QList<WebhookDelivery> again = a->claimDeliveries(now, kJobs, 60s);
        QVERIFY(!again.isEmpty());
        QVERIFY(again.size() < kJobs);
    }
};

QTEST_GUILESS_MAIN(TestWebhooks)
#include "tst_webhooks.moc"
