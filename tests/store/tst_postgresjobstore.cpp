// SPDX-License-Identifier: GPL-3.0-or-later
// What only the shared PostgreSQL store does, on a real PostgreSQL 15 started for this
// executable: connection errors, migrations by nodes starting together, claims by concurrent
// nodes, leases timed by the database's clock, take-overs and the fencing of a stale node's
// writes. Where a lease must have ended, the test moves its end into the past in the database
// rather than waiting for it: the outcome is the same and the test does not depend on timing.
#include "postgresjobstore.h"
#include "migrations.h"
#include "postgresserver.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QSet>
#include <QTcpServer>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace Mediaforge;

namespace {

Job queuedJob(quint64 sequence, const QString &owner = QStringLiteral("alice"))
{
    Job job;
    job.id = QStringLiteral("pg%1").arg(sequence, 6, 10, QLatin1Char('0'));
    job.jobId = QStringLiteral("client-%1").arg(sequence);
    job.owner = owner;
    job.ownerLabel = owner;
    job.operation = Operation::Compress;
    JobInput input;
    input.source = JobInput::Source::Url;
    input.url = QUrl(QStringLiteral("http://127.0.0.1:9/clip.mp4"));
    input.path = QStringLiteral("/data/jobs/job-x/input-0");
    input.complete = true;
    job.inputs = {input};
    job.sequence = sequence;
    job.detach = true;
    job.status = JobStatus::Queued;
    job.stage = JobStage::Queued;
    job.directory = QStringLiteral("/data/jobs/job-") + job.id;
    job.createdAt = QDateTime::currentDateTimeUtc();
    return job;
}

} // namespace

class TestPostgresJobStore : public QObject
{
    Q_OBJECT

private:
    PostgresServer m_postgres;
    int m_databases = 0;

    QString freshDatabase()
    {
        const QString name = QStringLiteral("pg%1").arg(++m_databases);
        if (!m_postgres.createDatabase(name))
            qFatal("%s", qPrintable(m_postgres.error()));
        return name;
    }

    std::unique_ptr<PostgresJobStore> open(const QString &database, const QString &node, int leaseSeconds = 30)
    {
        QString error;
        auto store = PostgresJobStore::open(m_postgres.uri(database), node, std::chrono::seconds(leaseSeconds), &error);
        if (!store)
            qWarning("%s", qPrintable(error));
        return store;
    }

    // The lease of `id` ended, as far as the database's clock is concerned.
    void expireLease(const QString &database, const QString &id)
    {
        m_postgres.psql(database, QStringLiteral("UPDATE jobs SET lease_expires_at = 0 WHERE id = '%1'").arg(id));
        QVERIFY2(m_postgres.error().isEmpty(), qPrintable(m_postgres.error()));
    }

private slots:
    void initTestCase() { QVERIFY2(m_postgres.start(), qPrintable(m_postgres.error())); }

    void unreachableDatabaseIsAClearErrorAtOnce()
    {
        // A port nothing listens on: bound, then released.
        int port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        QString error;
        QElapsedTimer clock;
        clock.start();
        auto store = PostgresJobStore::open(QStringLiteral("postgresql://postgres:%1@127.0.0.1:%2/none")
                                                    .arg(PostgresServer::password())
                                                    .arg(port),
                                            QStringLiteral("n"), std::chrono::seconds(30), &error);
        QVERIFY(!store);
        QVERIFY2(error.startsWith(QStringLiteral("cannot connect to the job store postgresql://postgres@127.0.0.1:")), qPrintable(error));
        QVERIFY2(!error.contains(PostgresServer::password()), "the password must not reach the message");
        // connect_timeout bounds it; refused connections end much sooner.
        QVERIFY(clock.elapsed() < 60'000);
    }

    void wrongPasswordAndUnknownDatabaseAreRefusedClearly()
    {
        QString error;
        auto store = PostgresJobStore::open(QStringLiteral("postgresql://postgres:wrong@127.0.0.1:%1/postgres").arg(m_postgres.port()),
                                            QStringLiteral("n"), std::chrono::seconds(30), &error);
        QVERIFY(!store);
        QVERIFY2(error.contains(QStringLiteral("password authentication failed")), qPrintable(error));
        store = PostgresJobStore::open(m_postgres.uri(QStringLiteral("no_such_database")), QStringLiteral("n"),
                                       std::chrono::seconds(30), &error);
        QVERIFY(!store);
        QVERIFY2(error.contains(QStringLiteral("no_such_database")), qPrintable(error));
        for (const char *bad : {"postgresql://postgres@127.0.0.1:5432/", "mysql://u@h/db",
                                "postgresql://u@h/db?options=-c%20x=1", "postgresql://u@h/db?password=x"})
            QVERIFY2(!PostgresJobStore::checkUri(QString::fromLatin1(bad)).isEmpty(), bad);
        QVERIFY(PostgresJobStore::checkUri(QStringLiteral("postgresql://u@h:5432/db?sslmode=require")).isEmpty());
    }

    void passwordComesFromPgpasswordWhenTheUriHasNone()
    {
        const QString database = freshDatabase();
        const QByteArray saved = qgetenv("PGPASSWORD");
        qputenv("PGPASSWORD", PostgresServer::password().toUtf8());
        QString error;
        auto store = PostgresJobStore::open(m_postgres.uri(database, false), QStringLiteral("n"), std::chrono::seconds(30), &error);
        QVERIFY2(store, qPrintable(error));
        QCOMPARE(store->describe(), QStringLiteral("postgresql://postgres@127.0.0.1:%1/%2").arg(m_postgres.port()).arg(database));
        store.reset();
        qputenv("PGPASSWORD", "wrong");
        store = PostgresJobStore::open(m_postgres.uri(database, false), QStringLiteral("n"), std::chrono::seconds(30), &error);
        QVERIFY(!store);
        if (saved.isNull())
            qunsetenv("PGPASSWORD");
        else
            qputenv("PGPASSWORD", saved);
    }

    void nodesStartingTogetherMigrateOnce()
    {
        const QString database = freshDatabase();
        std::atomic<int> opened{0};
        QList<QThread *> threads;
        for (int i = 0; i < 4; ++i) {
            threads.append(QThread::create([&, i] {
                QString error;
                auto store = PostgresJobStore::open(m_postgres.uri(database), QStringLiteral("node-%1").arg(i),
                                                    std::chrono::seconds(30), &error);
                if (store && store->schemaVersion() == latestSchemaVersion())
                    ++opened;
                else
                    qWarning("%s", qPrintable(error));
            }));
        }
        for (QThread *thread : threads)
            thread->start();
        for (QThread *thread : threads) {
            QVERIFY(thread->wait(120'000));
            delete thread;
        }
        QCOMPARE(opened.load(), 4);
        QStringList expected;
        for (const Migration &migration : jobStoreMigrations())
            expected.append(QString::number(migration.version));
        QCOMPARE(m_postgres.psql(database, QStringLiteral("SELECT version FROM schema_version ORDER BY version")), expected);
    }

    void newerSchemaIsRefused()
    {
        const QString database = freshDatabase();
        QVERIFY(open(database, QStringLiteral("n")));
        m_postgres.psql(database, QStringLiteral("INSERT INTO schema_version VALUES (999, 0, 'from the future')"));
        QString error;
        QVERIFY(!PostgresJobStore::open(m_postgres.uri(database), QStringLiteral("n"), std::chrono::seconds(30), &error));
        QVERIFY2(error.contains(QStringLiteral("schema version 999")), qPrintable(error));
    }

    void concurrentClaimersNeverTakeTheSameJob()
    {
        const QString database = freshDatabase();
        constexpr int kJobs = 200;
        {
            auto store = open(database, QStringLiteral("node-a"));
            QVERIFY(store);
            for (int i = 1; i <= kJobs; ++i)
                QVERIFY(store->insert(queuedJob(quint64(i), QStringLiteral("owner%1").arg(i % 7))));
        }
        // Two connections of the node that holds the jobs, claiming as fast as they can, each
        // in its own thread (a Qt Sql connection belongs to the thread that opened it).
        QStringList claimed[2];
        QThread *threads[2];
        for (int t = 0; t < 2; ++t) {
            threads[t] = QThread::create([&, t] {
                auto store = open(database, QStringLiteral("node-a"));
                if (!store)
                    return;
                while (std::optional<Job> job = store->claimNext(QDateTime::currentDateTimeUtc()))
                    claimed[t].append(job->id);
            });
        }
        for (QThread *thread : threads)
            thread->start();
        for (QThread *thread : threads) {
            QVERIFY(thread->wait(300'000));
            delete thread;
        }
        const QSet<QString> first(claimed[0].cbegin(), claimed[0].cend());
        const QSet<QString> second(claimed[1].cbegin(), claimed[1].cend());
        QCOMPARE(first.size(), claimed[0].size());
        QCOMPARE(second.size(), claimed[1].size());
        QVERIFY2(!first.intersects(second), "a job was claimed twice");
        QCOMPARE(first.size() + second.size(), kJobs);
        QCOMPARE(m_postgres.psql(database, QStringLiteral("SELECT count(*), max(lease_generation) FROM jobs WHERE state = "
                                                          "'processing'")),
                 QStringList{QStringLiteral("%1|1").arg(kJobs)});
        qInfo("claims: %lld and %lld", qint64(claimed[0].size()), qint64(claimed[1].size()));
    }

    void nodeClaimsOnlyTheJobsItHolds()
    {
        const QString database = freshDatabase();
        auto a = open(database, QStringLiteral("node-a"));
        auto b = open(database, QStringLiteral("node-b"));
        QVERIFY(a && b);
        QVERIFY(a->insert(queuedJob(1)));
        QVERIFY(!b->claimNext(QDateTime::currentDateTimeUtc()));
        QCOMPARE(a->claimNext(QDateTime::currentDateTimeUtc())->id, queuedJob(1).id);
        // Recovery at a start reads the node's own jobs only.
        QCOMPARE(a->live().size(), 1);
        QVERIFY(b->live().isEmpty());
    }

    void otherNodesSeeUnfinishedJobsCountsAndCancelRequestsOfEachNode()
    {
        const QString database = freshDatabase();
        auto a = open(database, QStringLiteral("node-a"));
        auto b = open(database, QStringLiteral("node-b"));
        QVERIFY(a && b);
        QVERIFY(a->insert(queuedJob(1)));
        QVERIFY(a->insert(queuedJob(2, QStringLiteral("bob"))));
        Job done = queuedJob(3);
        done.status = JobStatus::Completed;
        done.stage = JobStage::Finalizing;
        done.finishedAt = QDateTime::currentDateTimeUtc();
        done.ffmpegCommand = QStringLiteral("ffmpeg -i file:<job>/input-0 file:<job>/output.mp4");
        done.ffmpegStderr = QStringLiteral("last lines");
        QVERIFY(a->insert(done));
        QVERIFY(b->insert(queuedJob(4)));
        // Another node's unfinished jobs, newest first, by owner; never a node's own.
        QStringList seen;
        for (const Job &job : b->unfinishedElsewhere(QString(), 100))
            seen.append(job.id);
        QCOMPARE(seen, (QStringList{queuedJob(2).id, queuedJob(1).id}));
        QCOMPARE(b->unfinishedElsewhere(QStringLiteral("bob"), 100).size(), 1);
        QCOMPARE(b->unfinishedElsewhere(QString(), 1).size(), 1);
        QCOMPARE(a->unfinishedElsewhere(QString(), 100).constFirst().id, queuedJob(4).id);
        // What admins see of a run, on every node.
        QCOMPARE(b->load(done.id)->ffmpegCommand, done.ffmpegCommand);
        QCOMPARE(b->load(done.id)->ffmpegStderr, done.ffmpegStderr);
        // Counts per node.
        const QList<NodeJobCounts> counts = b->countsByNode();
        QCOMPARE(counts.size(), 2);
        QCOMPARE(counts.at(0).node, QStringLiteral("node-a"));
        QCOMPARE(counts.at(0).queuedJobs, 2);
        QCOMPARE(counts.at(0).completedJobs, 1);
        QCOMPARE(counts.at(1).node, QStringLiteral("node-b"));
        QCOMPARE(counts.at(1).queuedJobs, 1);
        // A cancel asked on b for a's job is a's to act on, and only while the job is unfinished.
        QVERIFY(b->requestCancel(queuedJob(1).id));
        QVERIFY(!b->requestCancel(done.id));
        QVERIFY(!b->requestCancel(QStringLiteral("nosuchjob")));
        QCOMPARE(a->cancelRequests(), QStringList{queuedJob(1).id});
        QVERIFY(b->cancelRequests().isEmpty());
        // a's own later writes (its lease generation) are not fenced by the request.
        Job cancelled = *a->load(queuedJob(1).id);
        cancelled.status = JobStatus::Cancelled;
        cancelled.finishedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(a->save(cancelled));
        QVERIFY(a->cancelRequests().isEmpty());
    }

    void renewalExtendsTheLeaseByTheDatabasesClock()
    {
        const QString database = freshDatabase();
        auto a = open(database, QStringLiteral("node-a"), 600);
        QVERIFY(a);
        const Job job = queuedJob(1);
        QVERIFY(a->insert(job));
        QVERIFY(a->claimNext(QDateTime::currentDateTimeUtc()));
        const QString remaining = QStringLiteral("SELECT (lease_expires_at - floor(extract(epoch FROM clock_timestamp()) * "
                                                 "1000))::bigint / 1000 FROM jobs");
        // The lease runs 600 s from the claim (a few seconds of slack for a loaded machine).
        QVERIFY2(m_postgres.psql(database, remaining).value(0).toLongLong() > 590, qPrintable(m_postgres.psql(database, remaining).value(0)));
        expireLease(database, job.id);
        const std::optional<QStringList> lost = a->renewLeases({job.id});
        QVERIFY(lost);
        QVERIFY(lost->isEmpty());
        QVERIFY(m_postgres.psql(database, remaining).value(0).toLongLong() > 590);
        // Nobody took it over, so the node's writes still count.
        Job running = *a->load(job.id);
        running.progress.percentage = 40;
        QVERIFY(a->save(running));
    }

    void expiredLeaseIsTakenOverOnceAndTheStaleNodesWritesAreRefused()
    {
        const QString database = freshDatabase();
        auto a = open(database, QStringLiteral("node-a"));
        auto b = open(database, QStringLiteral("node-b"));
        auto c = open(database, QStringLiteral("node-c"));
        QVERIFY(a && b && c);
        QVERIFY(a->insert(queuedJob(1)));
        const std::optional<Job> running = a->claimNext(QDateTime::currentDateTimeUtc());
        QVERIFY(running);
        // A live lease is nobody else's business.
        QVERIFY(b->expiredLeases(10).isEmpty());
        QVERIFY(!b->takeOver(*running));

        expireLease(database, running->id);
        // A node's own expired leases are not offered to it: it still runs them.
        QVERIFY(a->expiredLeases(10).isEmpty());
        const QList<Job> seenByB = b->expiredLeases(10);
        const QList<Job> seenByC = c->expiredLeases(10);
        QCOMPARE(seenByB.size(), 1);
        QCOMPARE(seenByC.size(), 1);
        QCOMPARE(seenByB.constFirst().status, JobStatus::Processing);
        // Both try; exactly one wins.
        const bool tookB = b->takeOver(seenByB.constFirst());
        const bool tookC = c->takeOver(seenByC.constFirst());
        QVERIFY(tookB);
        QVERIFY(!tookC);
        QCOMPARE(m_postgres.psql(database, QStringLiteral("SELECT node, lease_generation FROM jobs")),
                 QStringList{QStringLiteral("node-b|2")});

        // The stale node: its state writes and progress are refused, and it learns it lost the job.
        Job stale = *running;
        stale.status = JobStatus::Completed;
        stale.finishedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(!a->save(stale));
        QVERIFY(a->lastWriteFenced());
        QVERIFY(!a->saveProgress(stale.id, JobStage::Processing, 50));
        QVERIFY(a->lastWriteFenced());
        QCOMPARE(a->renewLeases({stale.id}).value_or(QStringList{QStringLiteral("none")}), QStringList{stale.id});
        // The new holder writes freely; its lease renews.
        Job adopted = seenByB.constFirst();
        adopted.attempts = 2;
        adopted.status = JobStatus::Completed;
        adopted.finishedAt = QDateTime::currentDateTimeUtc();
        adopted.outputsRemoved = true;
        QVERIFY(b->save(adopted));
        QVERIFY(!b->lastWriteFenced());
        QCOMPARE(m_postgres.psql(database, QStringLiteral("SELECT state, attempts, node FROM jobs")),
                 QStringList{QStringLiteral("completed|2|node-b")});
    }

    void queuedJobTakenFromADrainingNodeIsNotClaimedBeforeItsNewHolderHasItsInput()
    {
        const QString database = freshDatabase();
        auto a = open(database, QStringLiteral("node-a"));
        auto b = open(database, QStringLiteral("node-b"));
        auto c = open(database, QStringLiteral("node-c"));
        QVERIFY(a && b && c);
        for (auto [store, name] : {std::pair{a.get(), QStringLiteral("node-a")}, std::pair{b.get(), QStringLiteral("node-b")},
                                   std::pair{c.get(), QStringLiteral("node-c")}}) {
            NodeRecord self;
            self.name = name;
            self.url = QStringLiteral("http://127.0.0.1:9");
            self.version = QStringLiteral("test");
            self.ffmpegVersion = QStringLiteral("test");
            self.encoders = {QStringLiteral("libx264")};
            self.workerSlots = 1;
            self.startedAt = QDateTime::currentDateTimeUtc();
            QVERIFY(store->registerNode(self));
        }
        QVERIFY(a->insert(queuedJob(1)));
        QVERIFY(a->setNodeState(QStringLiteral("draining")));
        // B's one slot is busy: an idle node may claim B's queued jobs and pull their inputs.
        QVERIFY(b->insert(queuedJob(2)));
        QVERIFY(b->claimNext(QDateTime::currentDateTimeUtc()));
        const QList<Job> stranded = b->strandedQueued(10);
        QCOMPARE(stranded.size(), 1);
        QVERIFY(b->takeOverQueued(stranded.constFirst()));
        // B fetches the input again before the job is queued there; until then an idle C that
        // claimed it would pull from B an input B does not have (the job would fail for it).
        QString holder;
        QVERIFY(!c->claimNextAnywhere(QDateTime::currentDateTimeUtc(), &holder));
        QCOMPARE(m_postgres.psql(database, QStringLiteral("SELECT state, node FROM jobs WHERE id = '%1'").arg(queuedJob(1).id)),
                 QStringList{QStringLiteral("downloading|node-b")});
    }
};

QTEST_GUILESS_MAIN(TestPostgresJobStore)
#include "tst_postgresjobstore.moc"
