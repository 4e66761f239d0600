// SPDX-License-Identifier: GPL-3.0-or-later
// Crash recovery's decisions per stored record (jobs/jobrecovery.*), over real files in a
// temporary directory, and the directory lock that keeps two instances apart.
#include "jobs/directorylock.h"
#include "jobs/jobrecovery.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;

class TestJobRecovery : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    const QDateTime m_now = QDateTime::currentDateTimeUtc();

    Job makeJob(JobStatus status, const QString &name)
    {
        Job job;
        job.id = name;
        job.owner = QStringLiteral("alice");
        job.tokenOwner = true;
        job.protocolLevel = 1;
        job.status = status;
        job.directory = m_dir.filePath(QStringLiteral("job-") + name);
        QDir().mkpath(job.directory);
        JobInput input;
        input.path = QDir(job.directory).filePath(QStringLiteral("input-0"));
        input.bytes = 5;
        input.complete = status != JobStatus::AwaitingUpload && status != JobStatus::Downloading;
        QFile file(input.path);
        if (file.open(QIODevice::WriteOnly))
            file.write("12345");
        job.inputs = {input};
        return job;
    }

    static void addOutput(Job &job)
    {
        JobOutput output;
        output.path = QDir(job.directory).filePath(QStringLiteral("output.mp4"));
        output.size = 3;
        QFile file(output.path);
        if (file.open(QIODevice::WriteOnly))
            file.write("abc");
        job.outputs = {output};
    }

private slots:
    void queuedJobQueuesAgainWithItsAttempts()
    {
        const Recovered r = recoverJob(makeJob(JobStatus::Queued, QStringLiteral("q")), 2, m_now);
        QCOMPARE(r.action, Recovered::Action::Queue);
        QCOMPARE(r.job.status, JobStatus::Queued);
        QCOMPARE(r.job.attempts, 1);
    }

    void interruptedRunQueuesAgainWithOneMoreAttempt()
    {
        Job job = makeJob(JobStatus::Processing, QStringLiteral("p"));
        job.stage = JobStage::Finalizing;
        job.startedAt = m_now;
        addOutput(job);
        const Recovered r = recoverJob(job, 2, m_now);
        QCOMPARE(r.action, Recovered::Action::Queue);
        QCOMPARE(r.job.status, JobStatus::Queued);
        QCOMPARE(r.job.stage, JobStage::Queued);
        QCOMPARE(r.job.attempts, 2);
        QVERIFY(r.job.outputs.isEmpty());
        QVERIFY(!r.job.startedAt.isValid());
    }

    void runInterruptedPastMaxAttemptsFailsTyped()
    {
        Job job = makeJob(JobStatus::Processing, QStringLiteral("poison"));
        job.attempts = 2;
        const Recovered r = recoverJob(job, 2, m_now);
        QCOMPARE(r.action, Recovered::Action::End);
        QCOMPARE(r.job.status, JobStatus::Failed);
        QCOMPARE(r.job.error->code, ErrorCode::AttemptsExhausted);
        QVERIFY2(r.job.error->message.contains(QStringLiteral("--max-attempts 2")), qPrintable(r.job.error->message));
        QCOMPARE(r.job.error->details.toObject().value(QStringLiteral("attempts")).toInt(), 2);
        QCOMPARE(r.job.finishedAt, m_now);
    }

    void jobTakenOverFromAStoppedNodeFetchesItsUrlsAgainWithOneMoreAttempt()
    {
        Job job = makeJob(JobStatus::Processing, QStringLiteral("adopted"));
        job.detach = true;
        job.inputs[0].source = JobInput::Source::Url;
        job.inputs[0].url = QUrl(QStringLiteral("http://127.0.0.1:9/a.mp4"));
        job.stage = JobStage::Finalizing;
        job.startedAt = m_now;
        addOutput(job);
        QVERIFY(portableInputs(job));
        const QString here = m_dir.filePath(QStringLiteral("here/job-adopted"));
        const Recovered r = adoptJob(job, 2, here, m_now);
        QCOMPARE(r.action, Recovered::Action::Download);
        QCOMPARE(r.job.status, JobStatus::Downloading);
        QCOMPARE(r.job.stage, JobStage::Downloading);
        QCOMPARE(r.job.attempts, 2);
        QCOMPARE(r.job.directory, here);
        QCOMPARE(r.job.inputs.constFirst().path, QDir(here).filePath(QStringLiteral("input-0")));
        QVERIFY(!r.job.inputs.constFirst().complete);
        QCOMPARE(r.job.inputs.constFirst().bytes, qint64(0));
        QVERIFY(r.job.outputs.isEmpty());
        QVERIFY(!r.job.startedAt.isValid());

        // The same max-attempts rule as a restart.
        Job exhausted = job;
        exhausted.attempts = 2;
        const Recovered failed = adoptJob(exhausted, 2, here, m_now);
        QCOMPARE(failed.action, Recovered::Action::End);
        QCOMPARE(failed.job.status, JobStatus::Failed);
        QCOMPARE(failed.job.error->code, ErrorCode::AttemptsExhausted);

        // An attached job of an owner without a token: its connection was on the stopped node.
        Job bound = job;
        bound.detach = false;
        bound.tokenOwner = false;
        const Recovered cancelled = adoptJob(bound, 2, here, m_now);
        QCOMPARE(cancelled.job.status, JobStatus::Cancelled);
        QCOMPARE(cancelled.job.error->details.toObject().value(QStringLiteral("reason")).toString(), QStringLiteral("node_lost"));

        // Uploaded inputs are only on the node that received them.
        QVERIFY(!portableInputs(makeJob(JobStatus::Processing, QStringLiteral("uploaded"))));
    }

    void jobWhoseOnlyInputHolderIsGoneFailsNodeLostNamingTheNode()
    {
        const Job running = makeJob(JobStatus::Processing, QStringLiteral("stranded"));
        const Recovered lost = loseJob(running, QStringLiteral("node-e"), m_now);
        QCOMPARE(lost.action, Recovered::Action::End);
        QCOMPARE(lost.job.status, JobStatus::Failed);
        QCOMPARE(lost.job.error->code, ErrorCode::NodeLost);
        QCOMPARE(lost.job.error->details.toObject().value(QStringLiteral("node")).toString(), QStringLiteral("node-e"));
        QCOMPARE(lost.job.attempts, running.attempts);   // no run of its was interrupted here
        QCOMPARE(lost.job.finishedAt, m_now);
    }

    void queuedJobWhoseInputVanishedFailsAsFilesLost()
    {
        Job job = makeJob(JobStatus::Queued, QStringLiteral("lost"));
        QFile::remove(job.inputs.constFirst().path);
        const Recovered r = recoverJob(job, 2, m_now);
        QCOMPARE(r.action, Recovered::Action::End);
        QCOMPARE(r.job.error->code, ErrorCode::FilesLost);
        Job shortened = makeJob(JobStatus::Queued, QStringLiteral("short"));
        shortened.inputs[0].bytes = 50;   // the file on disk holds 5
        QCOMPARE(recoverJob(shortened, 2, m_now).job.error->code, ErrorCode::FilesLost);
    }

    void jobsNobodyCanComeBackForAreCancelled_data()
    {
        QTest::addColumn<int>("level");
        QTest::addColumn<bool>("tokenOwner");
        QTest::addColumn<bool>("detach");
        QTest::addColumn<bool>("kept");
        QTest::newRow("level 0") << 0 << true << false << false;
        QTest::newRow("level 0 detached") << 0 << false << true << false;
        QTest::newRow("level 1 without token") << 1 << false << false << false;
        QTest::newRow("level 1 without token, detached") << 1 << false << true << true;
        QTest::newRow("level 1 token owner") << 1 << true << false << true;
    }

    void jobsNobodyCanComeBackForAreCancelled()
    {
        QFETCH(int, level);
        QFETCH(bool, tokenOwner);
        QFETCH(bool, detach);
        QFETCH(bool, kept);
        Job job = makeJob(JobStatus::Queued, QStringLiteral("owner%1%2%3").arg(level).arg(tokenOwner).arg(detach));
        job.protocolLevel = level;
        job.tokenOwner = tokenOwner;
        job.detach = detach;
        const Recovered r = recoverJob(job, 2, m_now);
        QCOMPARE(r.action == Recovered::Action::Queue, kept);
        if (!kept) {
            QCOMPARE(r.job.status, JobStatus::Cancelled);
            QCOMPARE(r.job.error->code, ErrorCode::JobCancelled);
        }
    }

    void interruptedUploadGoesOnForATokenOwnerFailsOtherwiseAndDownloadStartsOver()
    {
        // The record counted 2 bytes; the file holds 5: the file is what reached the disk.
        Job cut = makeJob(JobStatus::AwaitingUpload, QStringLiteral("up"));
        cut.inputs[0].bytes = 2;
        const Recovered resumed = recoverJob(cut, 2, m_now);
        QCOMPARE(resumed.action, Recovered::Action::Upload);
        QCOMPARE(resumed.job.status, JobStatus::AwaitingUpload);
        QCOMPARE(resumed.job.inputs.constFirst().bytes, qint64(5));
        QCOMPARE(resumed.job.progress.bytes, qint64(5));
        QVERIFY(!resumed.job.inputs.constFirst().complete);

        Job local = makeJob(JobStatus::AwaitingUpload, QStringLiteral("local"));
        local.tokenOwner = false;
        local.detach = true;
        const Recovered upload = recoverJob(local, 2, m_now);
        QCOMPARE(upload.action, Recovered::Action::End);
        QCOMPARE(upload.job.error->code, ErrorCode::Interrupted);
        Job download = makeJob(JobStatus::Downloading, QStringLiteral("down"));
        download.inputs[0].bytes = 3;
        const Recovered r = recoverJob(download, 2, m_now);
        QCOMPARE(r.action, Recovered::Action::Download);
        QCOMPARE(r.job.inputs.constFirst().bytes, qint64(0));
        QVERIFY(!r.job.inputs.constFirst().complete);
    }

    void detachedOutputsStayUntilRetentionEndsOrTheyVanish()
    {
        Job job = makeJob(JobStatus::Completed, QStringLiteral("done"));
        job.detach = true;
        job.retained = true;
        job.retainUntil = m_now.addSecs(60);
        addOutput(job);
        QCOMPARE(recoverJob(job, 2, m_now).action, Recovered::Action::KeepOutputs);

        Job expired = job;
        expired.retainUntil = m_now.addSecs(-1);
        const Recovered late = recoverJob(expired, 2, m_now);
        QCOMPARE(late.action, Recovered::Action::End);
        QVERIFY(late.job.outputsRemoved);
        QCOMPARE(late.job.status, JobStatus::Completed);

        QFile::remove(job.outputs.constFirst().path);
        const Recovered vanished = recoverJob(job, 2, m_now);
        QCOMPARE(vanished.action, Recovered::Action::End);
        QVERIFY(vanished.job.outputsRemoved);
    }

    void undeliveredOutputsOfAGoneConnectionAreRemoved()
    {
        Job job = makeJob(JobStatus::Completed, QStringLiteral("attached"));
        job.tokenOwner = false;
        job.retainUntil = m_now.addSecs(60);
        addOutput(job);
        const Recovered r = recoverJob(job, 2, m_now);
        QCOMPARE(r.action, Recovered::Action::End);
        QVERIFY(r.job.outputsRemoved);
        // A level 0 TOO_LARGE output was retained for fetching: it stays.
        job.protocolLevel = 0;
        job.retained = true;
        QCOMPARE(recoverJob(job, 2, m_now).action, Recovered::Action::KeepOutputs);
    }

    void secondLockOnADirectoryIsRefusedUntilTheFirstIsReleased()
    {
        const QString directory = m_dir.filePath(QStringLiteral("locked"));
        auto first = std::make_unique<DirectoryLock>();
        QCOMPARE(first->acquire(directory), QString());
        QVERIFY(first->isLocked());
        DirectoryLock second;
        const QString refused = second.acquire(directory);
        QVERIFY2(refused.contains(QStringLiteral("in use by another mediaforged")), qPrintable(refused));
        QVERIFY2(refused.contains(QString::number(QCoreApplication::applicationPid())), qPrintable(refused));
        QVERIFY(!second.isLocked());
        first.reset();
        QCOMPARE(second.acquire(directory), QString());
    }
};

QTEST_GUILESS_MAIN(TestJobRecovery)
#include "tst_jobrecovery.moc"
