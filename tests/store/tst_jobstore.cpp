// SPDX-License-Identifier: GPL-3.0-or-later
// The JobStore contract, run against every implementation (data-driven: "memory", "sqlite",
// "postgres"), plus what only the SQLite file has: migrations, refusal of damaged and foreign
// files, moving them aside. Real SQLite files in a temporary directory and a real PostgreSQL 15
// started for this executable (a fresh database per test); nothing is faked. What only the
// shared PostgreSQL store does (concurrent claims, leases, fencing) is in tst_postgresjobstore.
#include "jobs/fairqueue.h"
#include "jobs/memoryjobstore.h"
#include "migrations.h"
#include "postgresjobstore.h"
#include "postgresserver.h"
#include "sqlitejobstore.h"

#include <QCryptographicHash>
#include <QJsonObject>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Mediaforge;

namespace {

QDateTime at(qint64 seconds)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(1'780'000'000'000) + seconds * 1000, Qt::UTC);
}

Job makeJob(quint64 sequence, const QString &owner = QStringLiteral("alice"))
{
    Job job;
    job.id = QStringLiteral("id%1").arg(sequence, 6, 10, QLatin1Char('0'));
    job.jobId = QStringLiteral("client-%1").arg(sequence);
    job.owner = owner;
    job.ownerLabel = owner + QStringLiteral(" (label)");
    job.operation = Operation::Compress;
    job.options = QJsonObject{{QStringLiteral("crf"), 28}, {QStringLiteral("format"), QStringLiteral("mp4")}};
    JobInput input;
    input.source = JobInput::Source::Upload;
    input.displayName = QStringLiteral("clip é.mp4");
    input.declaredSize = 1234;
    input.path = QStringLiteral("/data/jobs/job-x/input-0");
    input.bytes = 1234;
    input.complete = true;
    job.inputs = {input};
    job.priority = JobPriority::Normal;
    job.sequence = sequence;
    job.protocolLevel = 1;
    job.tokenOwner = true;
    job.status = JobStatus::Queued;
    job.stage = JobStage::Queued;
    job.directory = QStringLiteral("/data/jobs/job-") + job.id;
    job.createdAt = at(qint64(sequence));
    job.inputCompletedAt = at(qint64(sequence) + 1);
    return job;
}

void finish(Job &job, JobStatus status, qint64 finishedSecond, bool filesGone = true)
{
    job.status = status;
    job.finishedAt = at(finishedSecond);
    job.outputsRemoved = filesGone;
    if (status != JobStatus::Completed)
        job.error = Error(ErrorCode::FfmpegFailed, QStringLiteral("it broke"), QJsonObject{{QStringLiteral("exit_code"), 1}});
}

} // namespace

class TestJobStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    PostgresServer m_postgres;
    int m_databases = 0;
    std::unique_ptr<JobStore> m_store;

    std::unique_ptr<JobStore> create(const QString &kind)
    {
        if (kind == QLatin1StringView("memory"))
            return std::make_unique<MemoryJobStore>();
        QString error;
        if (kind == QLatin1StringView("postgres")) {
            const QString database = QStringLiteral("contract%1").arg(++m_databases);
            if (!m_postgres.createDatabase(database))
                qFatal("%s", qPrintable(m_postgres.error()));
            auto store = PostgresJobStore::open(m_postgres.uri(database), QStringLiteral("node-a"), std::chrono::seconds(30),
                                                &error);
            if (!store)
                qFatal("%s", qPrintable(error));
            return store;
        }
        auto store = SqliteJobStore::open(m_dir.filePath(QUuid::createUuid().toString(QUuid::WithoutBraces) + QStringLiteral(".db")),
                                          &error);
        if (!store)
            qFatal("%s", qPrintable(error));
        return store;
    }

    static QByteArray fileHash(const QString &path)
    {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return QByteArray();
        return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
    }

    // Every contract test runs once per implementation; init() creates the one named by the row.
    static void implementations()
    {
        QTest::addColumn<int>("unused");
        QTest::newRow("memory") << 0;
        QTest::newRow("sqlite") << 0;
        QTest::newRow("postgres") << 0;
    }

private slots:
    void initTestCase() { QVERIFY2(m_postgres.start(), qPrintable(m_postgres.error())); }

    void init()
    {
        if (QTest::currentDataTag())
            m_store = create(QString::fromLatin1(QTest::currentDataTag()));
    }

    void cleanup() { m_store.reset(); }

    void insertedJobReadsBackWithEveryField_data() { implementations(); }
    void insertedJobReadsBackWithEveryField()
    {
        Job job = makeJob(7);
        job.priority = JobPriority::High;
        job.detach = true;
        job.attempts = 2;
        job.protocolLevel = 0;
        job.tokenOwner = false;
        job.startedAt = at(10);
        JobOutput output;
        output.path = QStringLiteral("/data/jobs/job-x/output.mp4");
        output.fileName = QStringLiteral("clip_compressed.mp4");
        output.size = 4321;
        output.mime = QStringLiteral("video/mp4");
        output.sha256 = QStringLiteral("ab").repeated(32);
        output.metadata.formatName = QStringLiteral("mov,mp4,m4a,3gp,3g2,mj2");
        output.metadata.duration = 2.0;
        output.metadata.size = 4321;
        output.metadata.bitRate = 17284;
        StreamInfo video;
        video.kind = StreamInfo::Kind::Video;
        video.codec = QStringLiteral("h264");
        video.width = 320;
        video.height = 240;
        video.fps = 25;
        output.metadata.streams = {video};
        output.uploadedTo = QStringLiteral("https://bucket.example/out/clip.mp4");
        output.uploadStatus = 201;
        job.outputs = {output};
        // Presigned targets are credentials a restart needs: kept whole, query and headers.
        job.outputTargets = {JobOutputTarget{QUrl(QStringLiteral("https://bucket.example/out/clip.mp4?X-Amz-Signature=abc")),
                                             QStringLiteral("PUT"), {{"Content-Type", "video/mp4"}}}};
        job.probeResult = QJsonObject{{QStringLiteral("format"), QJsonObject{{QStringLiteral("duration"), 2.0}}}};
        finish(job, JobStatus::Completed, 20, false);
        job.retained = true;
        job.retainUntil = at(3620);
        job.error.reset();
        QVERIFY(m_store->insert(job));

        const std::optional<Job> loaded = m_store->load(job.id);
        QVERIFY(loaded);
        // The snapshot is what clients see: it must not change by a trip through the store,
        // but for the node that holds the job, which only a shared store writes (its own).
        QCOMPARE(loaded->node, QTest::currentDataTag() == QByteArray("postgres") ? QStringLiteral("node-a") : QString());
        job.node = loaded->node;
        QCOMPARE(loaded->toSnapshot(true), job.toSnapshot(true));
        QCOMPARE(loaded->owner, job.owner);
        QCOMPARE(loaded->sequence, job.sequence);
        QCOMPARE(loaded->protocolLevel, 0);
        QCOMPARE(loaded->tokenOwner, false);
        QCOMPARE(loaded->attempts, 2);
        QCOMPARE(loaded->directory, job.directory);
        QCOMPARE(loaded->outputTargets.size(), 1);
        QCOMPARE(loaded->outputTargets.at(0).url, job.outputTargets.at(0).url);
        QCOMPARE(loaded->outputTargets.at(0).headers, job.outputTargets.at(0).headers);
        QCOMPARE(loaded->outputs.at(0).uploadStatus, 201);
        QCOMPARE(loaded->inputs.constFirst().path, job.inputs.constFirst().path);
        QCOMPARE(loaded->inputs.constFirst().bytes, qint64(1234));
        QVERIFY(loaded->inputs.constFirst().complete);
        QCOMPARE(loaded->outputs.constFirst().path, output.path);
        QCOMPARE(loaded->outputs.constFirst().sha256, output.sha256);
        QCOMPARE(loaded->outputs.constFirst().metadata.toOutputMetadata(), output.metadata.toOutputMetadata());
        QCOMPARE(loaded->retained, true);
        QCOMPARE(loaded->retainUntil, job.retainUntil);
        QCOMPARE(loaded->inputCompletedAt, job.inputCompletedAt);
        QVERIFY(!m_store->load(QStringLiteral("nope")));
    }

    void emptyTextFieldsAreStoredAsEmpty_data() { implementations(); }
    void emptyTextFieldsAreStoredAsEmpty()
    {
        Job job = makeJob(5);
        job.ownerLabel = QString();
        job.jobId = QString();
        QVERIFY2(m_store->insert(job), qPrintable(m_store->lastError()));
        QVERIFY(m_store->load(job.id)->ownerLabel.isEmpty());
    }

    void insertRefusesAnExistingId_data() { implementations(); }
    void insertRefusesAnExistingId()
    {
        const Job job = makeJob(1);
        QVERIFY(m_store->insert(job));
        QVERIFY(!m_store->insert(job));
        QVERIFY(!m_store->lastError().isEmpty());
    }

    void saveRecordsStateChangesAndErrors_data() { implementations(); }
    void saveRecordsStateChangesAndErrors()
    {
        Job job = makeJob(1);
        QVERIFY(m_store->insert(job));
        finish(job, JobStatus::Failed, 30);
        QVERIFY(m_store->save(job));
        const std::optional<Job> loaded = m_store->load(job.id);
        QCOMPARE(loaded->status, JobStatus::Failed);
        QCOMPARE(loaded->error->code, ErrorCode::FfmpegFailed);
        QCOMPARE(loaded->error->message, QStringLiteral("it broke"));
        QCOMPARE(loaded->error->details.toObject().value(QStringLiteral("exit_code")).toInt(), 1);
        QCOMPARE(loaded->finishedAt, at(30));
        QVERIFY(!m_store->save(makeJob(99)));
    }

    void progressIsWrittenWithoutTouchingTheRest_data() { implementations(); }
    void progressIsWrittenWithoutTouchingTheRest()
    {
        Job job = makeJob(1);
        job.status = JobStatus::Processing;
        job.stage = JobStage::Processing;
        QVERIFY(m_store->insert(job));
        QVERIFY(m_store->saveProgress(job.id, JobStage::Finalizing, 100));
        const std::optional<Job> loaded = m_store->load(job.id);
        QCOMPARE(loaded->stage, JobStage::Finalizing);
        QCOMPARE(loaded->progress.percentage, 100.0);
        QCOMPARE(loaded->status, JobStatus::Processing);
        QVERIFY(!m_store->saveProgress(QStringLiteral("nope"), JobStage::Processing, 1));
    }

    void claimTakesPriorityThenArrivalAndNeverTheSameJobTwice_data() { implementations(); }
    void claimTakesPriorityThenArrivalAndNeverTheSameJobTwice()
    {
        Job low = makeJob(1);
        low.priority = JobPriority::Low;
        Job normalEarly = makeJob(2);
        Job high = makeJob(3);
        high.priority = JobPriority::High;
        Job normalLate = makeJob(4);
        Job uploading = makeJob(5);
        uploading.priority = JobPriority::High;
        uploading.status = JobStatus::AwaitingUpload;
        uploading.stage = JobStage::Uploading;
        for (const Job &job : {normalLate, low, uploading, high, normalEarly})
            QVERIFY(m_store->insert(job));

        QStringList order;
        while (const std::optional<Job> claimed = m_store->claimNext(at(100))) {
            QCOMPARE(claimed->status, JobStatus::Processing);
            QCOMPARE(claimed->stage, JobStage::Processing);
            QCOMPARE(claimed->startedAt, at(100));
            order.append(claimed->id);
            QVERIFY(order.size() <= 4);
        }
        QCOMPARE(order, (QStringList{high.id, normalEarly.id, normalLate.id, low.id}));
        QCOMPARE(m_store->load(high.id)->status, JobStatus::Processing);
        QCOMPARE(m_store->load(uploading.id)->status, JobStatus::AwaitingUpload);
        QVERIFY(!m_store->claimNext(at(101)));
    }

    void claimPrefersOwnersHoldingFewerSlotsWithinAPriority_data() { implementations(); }
    void claimPrefersOwnersHoldingFewerSlotsWithinAPriority()
    {
        const QString alice = QStringLiteral("alice");
        const QString bob = QStringLiteral("bob");
        Job running = makeJob(1, alice);
        running.status = JobStatus::Processing;
        running.stage = JobStage::Processing;
        Job finished = makeJob(9, bob);   // a finished job holds no slot
        finish(finished, JobStatus::Completed, 50, false);
        Job aliceHigh = makeJob(8, alice);
        aliceHigh.priority = JobPriority::High;
        QList<Job> queued{makeJob(2, alice), makeJob(3, alice), makeJob(4, alice), makeJob(5, bob), makeJob(6, bob), makeJob(7, bob), aliceHigh};
        QVERIFY(m_store->insert(running));
        QVERIFY(m_store->insert(finished));
        for (const Job &job : std::as_const(queued))
            QVERIFY(m_store->insert(job));

        // What the job manager shows as queue positions is what the store will claim.
        QList<FairQueue::Entry> entries;
        for (const Job &job : std::as_const(queued))
            entries.append(FairQueue::entryOf(job));
        const QStringList predicted = FairQueue::claimOrder(entries, {{alice, 1}});

        QStringList order;
        while (const std::optional<Job> claimed = m_store->claimNext(at(100))) {
            order.append(claimed->id);
            QVERIFY(order.size() <= queued.size());
        }
        // High priority first whoever holds slots; then bob's twice (alice holds two slots after
        // her high job, bob none); at two slots each the older job goes first (alice's); then
        // bob, who holds fewer again; then the rest of alice's.
        QCOMPARE(order, (QStringList{aliceHigh.id, queued[3].id, queued[4].id, queued[0].id, queued[5].id, queued[1].id,
                                     queued[2].id}));
        QCOMPARE(predicted, order);
    }

    void findLatestIsTheNewestOfThatOwner_data() { implementations(); }
    void findLatestIsTheNewestOfThatOwner()
    {
        Job first = makeJob(1);
        Job second = makeJob(2);
        second.jobId = first.jobId;
        Job other = makeJob(3, QStringLiteral("bob"));
        other.jobId = first.jobId;
        for (const Job &job : {first, second, other})
            QVERIFY(m_store->insert(job));
        QCOMPARE(m_store->findLatest(QStringLiteral("alice"), first.jobId)->id, second.id);
        QCOMPARE(m_store->findLatest(QStringLiteral("bob"), first.jobId)->id, other.id);
        QVERIFY(!m_store->findLatest(QStringLiteral("carol"), first.jobId));
    }

    // The SQLite store keeps its prepared statements and binds new values on each call: many
    // interleaved writes and reads through the same statements must each see exactly their own
    // values (nothing left bound from the call before, no read left half done).
    void interleavedWritesAndReadsThroughKeptStatementsStayExact_data() { implementations(); }
    void interleavedWritesAndReadsThroughKeptStatementsStayExact()
    {
        QList<Job> jobs;
        for (quint64 i = 1; i <= 12; ++i) {
            jobs.append(makeJob(i, i % 2 ? QStringLiteral("alice") : QStringLiteral("bob")));
            QVERIFY(m_store->insert(jobs.last()));
            // A read between two inserts: the select statement is kept as well.
            QCOMPARE(m_store->findLatest(jobs.last().owner, jobs.last().jobId)->id, jobs.last().id);
        }
        QVERIFY(!m_store->insert(jobs.first()));   // a failed run of the kept insert ...
        Job late = makeJob(13);
        QVERIFY(m_store->insert(late));            // ... leaves it usable
        for (int round = 0; round < 3; ++round) {
            for (qsizetype i = 0; i < jobs.size(); ++i) {
                Job &job = jobs[i];
                job.attempts = round * 100 + int(i);
                job.ffmpegCommand = QStringLiteral("round %1 job %2").arg(round).arg(i);
                if (round == 2 && i % 3 == 0)
                    finish(job, JobStatus::Cancelled, 1000 + qint64(i));
                QVERIFY(m_store->save(job));
                const Job &other = jobs.at((i + 5) % jobs.size());
                const std::optional<Job> read = m_store->load(other.id);
                QVERIFY(read);
                QCOMPARE(read->attempts, other.attempts);
                QCOMPARE(read->ffmpegCommand, other.ffmpegCommand);
            }
        }
        for (const Job &job : std::as_const(jobs)) {
            const std::optional<Job> read = m_store->load(job.id);
            QVERIFY(read);
            QCOMPARE(read->attempts, job.attempts);
            QCOMPARE(read->ffmpegCommand, job.ffmpegCommand);
            QCOMPARE(read->status, job.status);
            QCOMPARE(read->owner, job.owner);
        }
        QCOMPARE(m_store->load(late.id)->jobId, late.jobId);
        QVERIFY(!m_store->load(QStringLiteral("nope")));
    }

    void idempotencyKeyFindsTheOwnersRecentJobOnly_data() { implementations(); }
    void idempotencyKeyFindsTheOwnersRecentJobOnly()
    {
        Job keyed = makeJob(1);
        keyed.idempotencyKey = QStringLiteral("key-0001-abcd");
        keyed.idempotencyOwner = QStringLiteral("alice");
        keyed.requestHash = QStringLiteral("hash-a");
        Job unkeyed = makeJob(2);
        Job otherOwner = makeJob(3, QStringLiteral("bob"));
        otherOwner.idempotencyKey = keyed.idempotencyKey;
        otherOwner.idempotencyOwner = QStringLiteral("bob");
        otherOwner.requestHash = QStringLiteral("hash-b");
        for (const Job &job : {keyed, unkeyed, otherOwner})
            QVERIFY(m_store->insert(job));

        const std::optional<Job> found = m_store->findByIdempotencyKey(QStringLiteral("alice"), keyed.idempotencyKey, at(0));
        QVERIFY(found);
        QCOMPARE(found->id, keyed.id);
        QCOMPARE(found->requestHash, QStringLiteral("hash-a"));
        QCOMPARE(found->idempotencyOwner, QStringLiteral("alice"));
        QCOMPARE(m_store->findByIdempotencyKey(QStringLiteral("bob"), keyed.idempotencyKey, at(0))->id, otherOwner.id);
        // Older than the window: the key is free again.
        QVERIFY(!m_store->findByIdempotencyKey(QStringLiteral("alice"), keyed.idempotencyKey, at(2)));
        QVERIFY(!m_store->findByIdempotencyKey(QStringLiteral("carol"), keyed.idempotencyKey, at(0)));
        QVERIFY(!m_store->findByIdempotencyKey(QStringLiteral("alice"), QStringLiteral("key-other-1"), at(0)));
        // A job without a key is never found by the empty key.
        QVERIFY(!m_store->findByIdempotencyKey(QString(), QString(), at(0)));
        // A save keeps the key.
        finish(keyed, JobStatus::Completed, 5);
        QVERIFY(m_store->save(keyed));
        QCOMPARE(m_store->findByIdempotencyKey(QStringLiteral("alice"), keyed.idempotencyKey, at(0))->status,
                 JobStatus::Completed);
    }

    void liveHoldsUnfinishedJobsAndKeptOutputsInArrivalOrder_data() { implementations(); }
    void liveHoldsUnfinishedJobsAndKeptOutputsInArrivalOrder()
    {
        Job queued = makeJob(4);
        Job withOutputs = makeJob(2);
        finish(withOutputs, JobStatus::Completed, 10, false);
        Job gone = makeJob(3);
        finish(gone, JobStatus::Completed, 11, true);
        Job processing = makeJob(1);
        processing.status = JobStatus::Processing;
        for (const Job &job : {queued, withOutputs, gone, processing})
            QVERIFY(m_store->insert(job));
        QStringList ids;
        for (const Job &job : m_store->live())
            ids.append(job.id);
        QCOMPARE(ids, (QStringList{processing.id, withOutputs.id, queued.id}));
    }

    void historyPagesNewestFinishedFirstWithAStableCursor_data() { implementations(); }
    void historyPagesNewestFinishedFirstWithAStableCursor()
    {
        // Seven finished jobs; two finish in the same millisecond (arrival breaks the tie).
        const QList<QPair<quint64, qint64>> finishedAt{{1, 50}, {2, 10}, {3, 30}, {4, 30}, {5, 20}, {6, 40}, {7, 60}};
        for (const auto &[sequence, second] : finishedAt) {
            Job job = makeJob(sequence, sequence == 6 ? QStringLiteral("bob") : QStringLiteral("alice"));
            finish(job, sequence == 5 ? JobStatus::Cancelled : JobStatus::Completed, second);
            QVERIFY(m_store->insert(job));
        }
        QVERIFY(m_store->insert(makeJob(8)));   // unfinished: never in the history

        QStringList seen;
        std::optional<HistoryCursor> cursor;
        int pages = 0;
        do {
            HistoryQuery query;
            query.limit = 3;
            query.before = cursor;
            const HistoryPage page = m_store->history(query);
            for (const Job &job : page.jobs)
                seen.append(job.id);
            cursor = page.next;
            // The cursor survives the trip through a client as text.
            if (cursor)
                cursor = HistoryCursor::decode(cursor->encode());
            QVERIFY(++pages <= 3);
        } while (cursor);
        QCOMPARE(pages, 3);
        QCOMPARE(seen, (QStringList{makeJob(7).id, makeJob(1).id, makeJob(6).id, makeJob(4).id, makeJob(3).id,
                                    makeJob(5).id, makeJob(2).id}));

        HistoryQuery mine;
        mine.owner = QStringLiteral("bob");
        QCOMPARE(m_store->history(mine).jobs.size(), 1);
        HistoryQuery cancelled;
        cancelled.states = {JobStatus::Cancelled};
        const HistoryPage onlyCancelled = m_store->history(cancelled);
        QCOMPARE(onlyCancelled.jobs.size(), 1);
        QCOMPARE(onlyCancelled.jobs.constFirst().id, makeJob(5).id);
        QVERIFY(!onlyCancelled.next);
    }

    void purgeRemovesOnlyOldRecordsWithoutFiles_data() { implementations(); }
    void purgeRemovesOnlyOldRecordsWithoutFiles()
    {
        Job old = makeJob(1);
        finish(old, JobStatus::Completed, 10);
        Job oldWithFiles = makeJob(2);
        finish(oldWithFiles, JobStatus::Completed, 10, false);
        Job recent = makeJob(3);
        finish(recent, JobStatus::Failed, 1000);
        Job unfinished = makeJob(4);
        for (const Job &job : {old, oldWithFiles, recent, unfinished})
            QVERIFY(m_store->insert(job));
        QCOMPARE(m_store->purgeFinishedBefore(at(500)), 1);
        QVERIFY(!m_store->load(old.id));
        QVERIFY(m_store->load(oldWithFiles.id));
        QVERIFY(m_store->load(recent.id));
        QVERIFY(m_store->load(unfinished.id));
    }

    void finishedBatchesArePurgedWithTheHistoryAndKeepTheirDeliveriesUntilThen_data() { implementations(); }
    void finishedBatchesArePurgedWithTheHistoryAndKeepTheirDeliveriesUntilThen()
    {
        // --history-days for batches: an old finished batch goes, with its delivered webhook;
        // a recent one and an unfinished one stay, and so does the recent one's delivered webhook
        // (it is filed under the batch's id, which no job row has).
        const auto batchEndingAt = [this](int n, std::optional<int> finishedAt) {
            Batch batch;
            batch.id = QStringLiteral("b%1").arg(n, 23, 10, QChar(u'0'));
            batch.batchId = QStringLiteral("batch-%1").arg(n);
            batch.owner = QStringLiteral("alice");
            batch.createdAt = at(1);
            batch.items.append(BatchItem{makeJob(n).id, batch.batchId + QStringLiteral(":0"), QStringLiteral("completed"), 0, QJsonObject()});
            if (finishedAt)
                batch.finishedAt = at(*finishedAt);
            WebhookDelivery delivery;
            delivery.id = QStringLiteral("whd_purge%1").arg(n);
            delivery.job = batch.id;
            delivery.owner = batch.owner;
            delivery.url = QStringLiteral("https://hooks.example/x");
            delivery.event = QStringLiteral("batch.completed");
            delivery.snapshot = "{}";
            delivery.createdAt = delivery.retryFrom = delivery.nextAttemptAt = at(finishedAt.value_or(1));
            return std::pair{batch, delivery};
        };
        auto [old, oldDelivery] = batchEndingAt(1, 10);
        auto [recent, recentDelivery] = batchEndingAt(2, 1000);
        auto [running, unusedDelivery] = batchEndingAt(3, std::nullopt);
        QVERIFY(m_store->saveBatch(old, oldDelivery));
        QVERIFY(m_store->saveBatch(recent, recentDelivery));
        QVERIFY(m_store->saveBatch(running, std::nullopt));
        for (WebhookDelivery delivery : {oldDelivery, recentDelivery}) {
            delivery.attempt = 1;
            delivery.status = WebhookDelivery::Status::Delivered;
            delivery.lastAttemptAt = delivery.createdAt;
            delivery.lastStatusCode = 204;
            QVERIFY(m_store->recordDeliveryAttempt(delivery));
        }
        QCOMPARE(m_store->purgeFinishedBefore(at(500)), 1);
        QVERIFY(!m_store->loadBatch(old.id));
        QVERIFY(m_store->deliveries(old.id).isEmpty());
        QVERIFY(m_store->loadBatch(recent.id));
        QCOMPARE(m_store->deliveries(recent.id).size(), 1);
        QVERIFY(m_store->loadBatch(running.id));
        QCOMPARE(m_store->unfinishedBatches().size(), 1);
    }

    void presetAndTheOwnersInputBytesSinceReadBack_data() { implementations(); }
    void presetAndTheOwnersInputBytesSinceReadBack()
    {
        // What the daily input quota recounts after a restart: per job of the owner from then on.
        const Job early = makeJob(1);
        Job mine = makeJob(5);
        mine.preset = QStringLiteral("web-720p");
        mine.inputs[0].bytes = 500;
        const Job others = makeJob(6, QStringLiteral("bob"));
        QVERIFY(m_store->insert(early));
        QVERIFY(m_store->insert(mine));
        QVERIFY(m_store->insert(others));
        QCOMPARE(m_store->load(mine.id)->preset, QStringLiteral("web-720p"));
        QVERIFY(m_store->load(early.id)->preset.isEmpty());
        const QHash<QString, qint64> expected{{mine.id, qint64(500)}};
        QCOMPARE(m_store->inputBytesSince(QStringLiteral("alice"), at(3)), expected);
        QCOMPARE(m_store->inputBytesSince(QStringLiteral("alice"), at(0)).size(), 2);
        QVERIFY(m_store->inputBytesSince(QStringLiteral("carol"), at(0)).isEmpty());
    }

    void batchRowsRoundTripAndTheirEndIsStoredWithItsWebhook_data() { implementations(); }
    void batchRowsRoundTripAndTheirEndIsStoredWithItsWebhook()
    {
        Job item = makeJob(2);
        item.batchId = QStringLiteral("spring");
        QVERIFY(m_store->insert(item));
        QCOMPARE(m_store->load(item.id)->batchId, QStringLiteral("spring"));

        Batch batch;
        batch.id = QStringLiteral("b00000000000000000000001");
        batch.batchId = QStringLiteral("spring");
        batch.owner = QStringLiteral("alice");
        batch.createdAt = at(2);
        batch.notifyUrl = QStringLiteral("https://hooks.example/x");
        batch.items.append(BatchItem{item.id, QStringLiteral("spring:0"), QString(), 0, QJsonObject()});
        QVERIFY(m_store->saveBatch(batch, std::nullopt));
        QCOMPARE(m_store->unfinishedBatches().size(), 1);
        QCOMPARE(m_store->findBatch(QStringLiteral("alice"), QStringLiteral("spring"))->id, batch.id);
        QVERIFY(!m_store->findBatch(QStringLiteral("bob"), QStringLiteral("spring")));

        // The end: item state, result and the webhook in one write; never unfinished again.
        batch.items[0].status = QStringLiteral("completed");
        batch.items[0].outputBytes = 42;
        batch.items[0].result = QJsonObject{{QStringLiteral("status"), QStringLiteral("completed")}};
        batch.finishedAt = at(3);
        WebhookDelivery delivery;
        delivery.id = QStringLiteral("whd_batchtest");
        delivery.job = batch.id;
        delivery.owner = batch.owner;
        delivery.url = batch.notifyUrl;
        delivery.event = QStringLiteral("batch.completed");
        delivery.snapshot = "{}";
        delivery.createdAt = delivery.retryFrom = delivery.nextAttemptAt = at(3);
        QVERIFY(m_store->saveBatch(batch, delivery));
        QVERIFY(m_store->unfinishedBatches().isEmpty());
        const std::optional<Batch> loaded = m_store->loadBatch(batch.id);
        QVERIFY(loaded && loaded->isFinished());
        QCOMPARE(loaded->items.size(), 1);
        QCOMPARE(loaded->items[0].status, QStringLiteral("completed"));
        QCOMPARE(loaded->outputBytes(), qint64(42));
        QCOMPARE(loaded->notifyUrl, batch.notifyUrl);
        const QList<WebhookDelivery> deliveries = m_store->deliveries(batch.id);
        QCOMPARE(deliveries.size(), 1);
        QCOMPARE(deliveries[0].event, QStringLiteral("batch.completed"));
    }

    void maxSequenceIsTheHighestStored_data() { implementations(); }
    void maxSequenceIsTheHighestStored()
    {
        QCOMPARE(m_store->maxSequence(), quint64(0));
        QVERIFY(m_store->insert(makeJob(41)));
        QVERIFY(m_store->insert(makeJob(7)));
        QCOMPARE(m_store->maxSequence(), quint64(41));
    }

    void cursorTextIsValidatedAndRoundTrips()
    {
        const HistoryCursor cursor{1234567, 89};
        const auto decoded = HistoryCursor::decode(cursor.encode());
        QVERIFY(decoded);
        QCOMPARE(decoded->finishedMs, qint64(1234567));
        QCOMPARE(decoded->sequence, quint64(89));
        for (const char *bad : {"", "12", ".5", "a.b", "-1.2", "1.-2", "1.2.3x"})
            QVERIFY2(!HistoryCursor::decode(QString::fromLatin1(bad)), bad);
    }

    // --- SQLite only ------------------------------------------------------------------------

    void emptyFileMigratesToTheLatestSchemaInWalMode()
    {
        const QString path = m_dir.filePath(QStringLiteral("fresh.db"));
        QString error;
        {
            auto store = SqliteJobStore::open(path, &error);
            QVERIFY2(store, qPrintable(error));
            QCOMPARE(store->schemaVersion(), latestSchemaVersion());
            QVERIFY(store->insert(makeJob(3)));
        }
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("inspect-fresh"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        {
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode")) && query.next());
            QCOMPARE(query.value(0).toString(), QStringLiteral("wal"));
            QVERIFY(query.exec(QStringLiteral("SELECT version FROM schema_version ORDER BY version")));
            QList<int> versions;
            while (query.next())
                versions.append(query.value(0).toInt());
            QList<int> expected;
            for (const Migration &migration : jobStoreMigrations())
                expected.append(migration.version);
            QCOMPARE(versions, expected);
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("inspect-fresh"));
        // A second open finds the records and migrates nothing.
        auto reopened = SqliteJobStore::open(path, &error);
        QVERIFY2(reopened, qPrintable(error));
        QCOMPARE(reopened->maxSequence(), quint64(3));
    }

    void schemaVersion1ContentsOpenAndReadBack()
    {
        // Schema version 1 as released, frozen here: a later migration must carry these rows.
        const QString path = m_dir.filePath(QStringLiteral("v1.db"));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("write-v1"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("PRAGMA application_id = 1296461682")));
            QVERIFY(query.exec(QStringLiteral("CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, "
                                              "applied_at INTEGER NOT NULL, description TEXT NOT NULL)")));
            QVERIFY(migration0001(db, SqlDialect::Sqlite).isEmpty());
            QVERIFY(query.exec(QStringLiteral("INSERT INTO schema_version VALUES (1, 0, 'v1')")));
            QVERIFY(query.exec(QStringLiteral(
                    "INSERT INTO jobs (id, seq, owner, owner_label, job_id, token_owner, protocol_level, operation, "
                    "options, priority, detach, state, stage, percentage, attempts, directory, inputs, outputs, "
                    "probe_result, error, outputs_removed, retained, retain_until, created_at, input_completed_at, "
                    "started_at, finished_at, updated_at) VALUES ('v1job', 12, 'alice', 'alice', 'mine', 1, 1, "
                    "'thumbnail', '{\"time\":1}', 2, 1, 'processing', 'processing', 42.5, 1, '/d/job-v1job', "
                    "'[{\"source\":\"upload\",\"name\":\"a.mp4\",\"declared_size\":10,\"path\":\"/d/job-v1job/input-0\","
                    "\"bytes\":10,\"complete\":true}]', '[]', '{}', NULL, 0, 0, NULL, 1780000000000, 1780000001000, "
                    "1780000002000, NULL, 1780000002000)")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("write-v1"));
        QString error;
        auto store = SqliteJobStore::open(path, &error);
        QVERIFY2(store, qPrintable(error));
        QCOMPARE(store->schemaVersion(), latestSchemaVersion());
        const std::optional<Job> job = store->load(QStringLiteral("v1job"));
        QVERIFY(job);
        QCOMPARE(job->status, JobStatus::Processing);
        QCOMPARE(job->operation, Operation::Thumbnail);
        QCOMPARE(job->priority, JobPriority::High);
        QCOMPARE(job->options.value(QStringLiteral("time")).toInt(), 1);
        QCOMPARE(job->inputs.constFirst().path, QStringLiteral("/d/job-v1job/input-0"));
        QCOMPARE(job->startedAt, QDateTime::fromMSecsSinceEpoch(1780000002000, Qt::UTC));
        QCOMPARE(store->live().size(), 1);
        QCOMPARE(store->maxSequence(), quint64(12));
        // Migration 2: the version 1 row has no key, and new rows can carry one.
        QVERIFY(job->idempotencyKey.isEmpty());
        QVERIFY(!store->findByIdempotencyKey(QStringLiteral("alice"), QStringLiteral("anything-1"), at(-1'000'000)));
        Job keyed = makeJob(13);
        keyed.idempotencyKey = QStringLiteral("after-migration-2");
        keyed.idempotencyOwner = QStringLiteral("alice");
        keyed.requestHash = QStringLiteral("h");
        QVERIFY(store->insert(keyed));
        QCOMPARE(store->findByIdempotencyKey(QStringLiteral("alice"), keyed.idempotencyKey, at(0))->id, keyed.id);
        QVERIFY(store->save(*store->load(QStringLiteral("v1job"))));
        QVERIFY(store->load(QStringLiteral("v1job"))->idempotencyKey.isEmpty());
    }

    void damagedFileIsRefusedClearlyAndLeftUntouched()
    {
        const QString path = m_dir.filePath(QStringLiteral("damaged.db"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QByteArray noise(8192, '\0');
        for (int i = 0; i < noise.size(); ++i)
            noise[i] = char((i * 131 + 7) % 251);
        file.write(noise);
        file.close();
        const QByteArray before = fileHash(path);
        QString error;
        QVERIFY(!SqliteJobStore::open(path, &error));
        QVERIFY2(error.contains(QStringLiteral("not a readable Mediaforge database")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("--reset-store")), qPrintable(error));
        QVERIFY(!error.contains(u'\n'));
        QCOMPARE(fileHash(path), before);
    }

    void truncatedStoreIsRefused()
    {
        // A real store cut short, as a full disk or a bad copy leaves it.
        const QString path = m_dir.filePath(QStringLiteral("truncated.db"));
        {
            QString error;
            auto store = SqliteJobStore::open(path, &error);
            QVERIFY(store);
            for (quint64 i = 1; i <= 200; ++i)
                QVERIFY(store->insert(makeJob(i)));
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.size() > 8192);
        // Keep the header, overwrite the pages after it.
        file.seek(4096);
        file.write(QByteArray(int(file.size() - 4096), '\x5a'));
        file.close();
        QString error;
        QVERIFY(!SqliteJobStore::open(path, &error));
        QVERIFY2(error.contains(QStringLiteral("not a readable Mediaforge database")), qPrintable(error));
    }

    void foreignSqliteFileIsRefusedAndLeftUntouched()
    {
        const QString path = m_dir.filePath(QStringLiteral("photos.db"));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("write-foreign"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")));
            QVERIFY(query.exec(QStringLiteral("INSERT INTO photos (path) VALUES ('/home/me/cat.jpg')")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("write-foreign"));
        const QByteArray before = fileHash(path);
        QString error;
        QVERIFY(!SqliteJobStore::open(path, &error));
        QVERIFY2(error.contains(QStringLiteral("another program")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("photos")), qPrintable(error));
        QCOMPARE(fileHash(path), before);
    }

    void newerSchemaIsRefused()
    {
        const QString path = m_dir.filePath(QStringLiteral("newer.db"));
        {
            QString error;
            QVERIFY(SqliteJobStore::open(path, &error));
        }
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("write-newer"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("INSERT INTO schema_version VALUES (99, 0, 'from the future')")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("write-newer"));
        QString error;
        QVERIFY(!SqliteJobStore::open(path, &error));
        QVERIFY2(error.contains(QStringLiteral("schema version 99")), qPrintable(error));
    }

    void moveAsideKeepsTheFileAndItsCompanionsUnderANewName()
    {
        const QString path = m_dir.filePath(QStringLiteral("aside.db"));
        for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
            QFile file(path + suffix);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("x" + suffix.toLatin1());
        }
        QString error;
        const QString moved = SqliteJobStore::moveAside(path, &error);
        QVERIFY2(!moved.isEmpty(), qPrintable(error));
        QVERIFY(moved.startsWith(path + QStringLiteral(".broken-")));
        QVERIFY(!QFile::exists(path));
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
        QVERIFY(QFile::exists(moved));
        QVERIFY(QFile::exists(moved + QStringLiteral("-wal")));
        QVERIFY(QFile::exists(moved + QStringLiteral("-shm")));
        auto fresh = SqliteJobStore::open(path, &error);
        QVERIFY2(fresh, qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestJobStore)
#include "tst_jobstore.moc"
