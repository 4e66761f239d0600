// SPDX-License-Identifier: GPL-3.0-or-later
// The job manager on a real SQLite store (a file in a temporary directory), with the real
// ffmpeg/ffprobe: every state change is in the store before it is announced, finished jobs
// leave memory but stay readable, and a manager started on the same store and directory after
// another one died recovers its jobs.
#include "input/urlguard.h"
#include "jobs/jobmanager.h"
#include "sqlitejobstore.h"
#include "testmedia.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;

class TestJobManagerStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_clip;
    QByteArray m_clipData;
    QNetworkAccessManager m_network;
    SystemHostResolver m_resolver;

    JobManagerSettings settings(const QString &name) const
    {
        JobManagerSettings s;
        s.tempDir = m_dir.filePath(name + QStringLiteral("/jobs"));
        s.maxConcurrentJobs = 1;
        s.runner.ffmpegPath = TestMedia::ffmpegPath();
        s.runner.ffprobePath = TestMedia::ffprobePath();
        s.runner.killGrace = std::chrono::milliseconds(1000);
        return s;
    }

    std::unique_ptr<SqliteJobStore> openStore(const QString &name)
    {
        QString error;
        auto store = SqliteJobStore::open(m_dir.filePath(name + QStringLiteral("/jobs.db")), &error);
        if (!store)
            qFatal("%s", qPrintable(error));
        return store;
    }

    QString submit(JobManager &m, Operation operation, const QJsonObject &options, const QString &jobId)
    {
        SubmitRequest request;
        request.jobId = jobId;
        request.owner = QStringLiteral("alice");
        request.connectionId = 1;
        request.protocolLevel = 1;
        request.tokenOwner = true;
        request.operation = operation;
        request.options = validateOptions(operation, options).value();
        JobInput input;
        input.displayName = QStringLiteral("clip.mp4");
        request.inputs = {input};
        const Result<QString> id = m.submit(request);
        if (!id.ok())
            qFatal("submit failed: %s", qPrintable(id.error().message));
        if (const auto refused = m.writeUpload(id.value(), 1, 0, 0, m_clipData, true))
            qFatal("upload refused: %s", qPrintable(refused->message));
        return id.value();
    }

    static bool waitFor(JobManager &m, const QString &id, const std::function<bool(const Job &)> &condition)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 120000) {
            if (const Job *job = m.job(id); job && condition(*job))
                return true;
            QTest::qWait(20);
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_clip = TestMedia::makeVideo(m_dir.path(), {});
        QFile file(m_clip);
        QVERIFY(file.open(QIODevice::ReadOnly));
        m_clipData = file.readAll();
    }

    void everyAnnouncedStateIsAlreadyInTheStore()
    {
        auto store = openStore(QStringLiteral("announce"));
        JobManager manager(settings(QStringLiteral("announce")), m_network, m_resolver, *store);
        QCOMPARE(manager.initialize(), std::nullopt);
        QStringList announced;
        QStringList mismatches;
        auto check = [&](const QString &id) {
            const std::optional<Job> stored = store->load(id);
            const Job *live = manager.job(id);
            announced.append(jobStatusName(live->status));
            if (!stored || stored->status != live->status || stored->stage != live->stage)
                mismatches.append(jobStatusName(live->status) + QStringLiteral(" announced, store says ")
                                  + (stored ? jobStatusName(stored->status) : QStringLiteral("nothing")));
        };
        connect(&manager, &JobManager::jobAccepted, this, check);
        connect(&manager, &JobManager::jobStageChanged, this, check);
        connect(&manager, &JobManager::jobFinished, this, check);
        const QString id = submit(manager, Operation::Probe, {}, QStringLiteral("p"));
        QVERIFY(waitFor(manager, id, [](const Job &job) { return isFinished(job.status); }));
        QCOMPARE(mismatches, QStringList());
        QCOMPARE(announced.first(), QStringLiteral("awaiting_upload"));
        QVERIFY(announced.contains(QStringLiteral("queued")));
        QVERIFY(announced.contains(QStringLiteral("processing")));
        QCOMPARE(announced.last(), QStringLiteral("completed"));
        // A probe has no files: once the event loop ran, the job is out of memory and read back.
        QTRY_VERIFY(manager.jobs().isEmpty());
        const Job *again = manager.job(id);
        QVERIFY(again);
        QCOMPARE(again->status, JobStatus::Completed);
        QVERIFY(!again->probeResult.isEmpty());
        QCOMPARE(manager.findJob(QStringLiteral("alice"), QStringLiteral("p"))->id, id);
        QCOMPARE(manager.cancel(id)->code, ErrorCode::CancelFailed);
        QVERIFY(manager.storeLatency().count() >= 4);
    }

    void aManagerOnTheSameStoreRecoversTheQueueAfterTheFirstDied()
    {
        const QString name = QStringLiteral("recover");
        QString running;
        QString queued;
        {
            auto store = openStore(name);
            JobManager first(settings(name), m_network, m_resolver, *store);
            QCOMPARE(first.initialize(), std::nullopt);
            running = submit(first, Operation::Compress, {{QStringLiteral("preset"), QStringLiteral("high")}},
                             QStringLiteral("running"));
            queued = submit(first, Operation::Probe, {}, QStringLiteral("queued"));
            QVERIFY(waitFor(first, running, [](const Job &job) { return job.status == JobStatus::Processing; }));
            QCOMPARE(first.job(queued)->status, JobStatus::Queued);
            // Destroyed without a shutdown: as far as the store knows, the service died.
        }
        auto store = openStore(name);
        QCOMPARE(store->load(running)->status, JobStatus::Processing);
        JobManager second(settings(name), m_network, m_resolver, *store);
        QCOMPARE(second.initialize(), std::nullopt);
        QCOMPARE(second.job(running)->status, JobStatus::Queued);
        QCOMPARE(second.job(running)->attempts, 2);
        QCOMPARE(second.queuePosition(running), 1);
        QCOMPARE(second.queuePosition(queued), 2);
        // A finalizing job gives its slot back, so the probe may end before the compress does.
        QVERIFY(waitFor(second, queued, [](const Job &job) { return isFinished(job.status); }));
        QVERIFY(waitFor(second, running, [](const Job &job) { return isFinished(job.status); }));
        QCOMPARE(second.job(running)->status, JobStatus::Completed);
        QCOMPARE(second.job(queued)->status, JobStatus::Completed);
        QCOMPARE(second.job(queued)->attempts, 1);
        QVERIFY(second.job(running)->startedAt < second.job(queued)->startedAt);
    }
};

QTEST_GUILESS_MAIN(TestJobManagerStore)
#include "tst_jobmanagerstore.moc"
