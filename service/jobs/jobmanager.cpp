// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobmanager.h"
#include "jobmanager_p.h"

#include "config/config.h"
#include "jobrecovery.h"
#include "logging/logging.h"
#include "memoryjobstore.h"
#include "media/proberpool.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryFile>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace Mediaforge {

using namespace JobManagerDetail;

JobManagerSettings JobManagerSettings::fromConfig(const Config &config)
{
    JobManagerSettings settings;
    settings.tempDir = config.tempDir;
    settings.sharedDir = config.sharedDir;
    settings.maxConcurrentJobs = config.maxConcurrentJobs;
    settings.maxJobsPerConnection = config.maxJobsPerConnection;
    settings.maxQueuedJobs = config.maxQueuedJobs;
    settings.ownerQueueSharePercent = config.ownerQueueSharePercent;
    settings.jobsPerMinute = config.jobsPerMinute;
    settings.maxFileBytes = config.maxFileBytes;
    settings.maxJobInputBytes = config.maxJobInputBytes;
    settings.disk = DiskLimits{config.diskBudgetBytes, config.minFreeDiskBytes};
    settings.retention = std::chrono::seconds(config.retentionSeconds);
    settings.uploadStallTimeout = std::chrono::seconds(config.stallSeconds);
    settings.runner.ffmpegPath = config.ffmpegPath;
    settings.runner.ffprobePath = config.ffprobePath;
    settings.runner.ffmpegThreads = config.ffmpegThreads;
    settings.runner.jobTimeout = std::chrono::seconds(config.jobTimeoutSeconds);
    settings.runner.stallTimeout = std::chrono::seconds(config.stallSeconds);
    settings.runner.limits = MediaLimits::fromConfig(config);
    if (config.prober == Config::ProberKind::Builtin) {
        if (const QString prober = ProberPool::findProgram(); !prober.isEmpty())
            settings.runner.proberPool = std::make_shared<ProberPool>(prober, settings.runner.limits.ffprobe,
                                                                      config.maxConcurrentJobs);
        else
            qCWarning(lcProbe) << "mediaforge-prober is neither next to mediaforged nor on the PATH; probing with ffprobe";
    }
    settings.download.maxBytes = config.maxFileBytes;
    settings.download.maxRedirects = config.maxRedirects;
    settings.download.stallTimeout = std::chrono::seconds(config.stallSeconds);
    settings.download.totalTimeout = std::chrono::seconds(config.downloadTimeoutSeconds);
    settings.urlPolicy.allowPrivate = config.allowPrivateUrls;
    settings.storages = config.storages;
    settings.outputUpload.attempts = config.outputUploadAttempts;
    settings.outputUpload.timeout = std::chrono::seconds(config.outputUploadTimeoutSeconds);
    settings.storagePartSize = config.storagePartSize;
    settings.historyDays = config.historyDays;
    settings.maxAttempts = config.maxAttempts;
    settings.reconnectGrace = std::chrono::seconds(config.reconnectGraceSeconds);
    settings.cache.directory = config.cacheDir;
    settings.cache.maxBytes = config.cacheSizeBytes;
    settings.cache.shared = config.cacheShared;
    return settings;
}

JobManager::JobManager(JobManagerSettings settings, QNetworkAccessManager &network, HostResolver &resolver,
                       QObject *parent)
    : JobManager(std::move(settings), network, resolver, *new MemoryJobStore, parent)
{
    m_ownedStore.reset(m_store);
}

JobManager::JobManager(JobManagerSettings settings, QNetworkAccessManager &network, HostResolver &resolver,
                       JobStore &store, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_network(network), m_resolver(resolver), m_store(&store),
      m_disk(m_settings.tempDir, m_settings.disk), m_cache(m_settings.cache)
{
    m_slots.resize(std::max(1, m_settings.maxConcurrentJobs));
    m_expiryTimer = new QTimer(this);
    m_expiryTimer->setInterval(std::chrono::seconds(1));
    connect(m_expiryTimer, &QTimer::timeout, this, &JobManager::expireOutputs);
    m_expiryTimer->start();
    auto *purgeTimer = new QTimer(this);
    purgeTimer->setInterval(std::chrono::hours(1));
    connect(purgeTimer, &QTimer::timeout, this, &JobManager::purgeHistory);
    purgeTimer->start();
}

JobManager::~JobManager()
{
    // Runtimes first: they stop downloads and ffmpeg before the files go, at once, since the
    // event loop has ended.
    for (auto &runtime : m_runtimes)
        runtime->shuttingDown = true;
    m_runtimes.clear();
    // With a durable store the files are the records' (the next start recovers or sweeps
    // them); without one nothing can ever claim them again.
    if (!m_ownedStore)
        return;
    for (auto &[id, job] : m_jobs) {
        if (!job.outputsRemoved || !isFinished(job.status))
            QDir(job.directory).removeRecursively();
    }
}

void JobManager::persistProgress(Job &job)
{
    auto it = m_runtimes.find(job.id);
    if (it == m_runtimes.end())
        return;
    Runtime &rt = **it;
    if (rt.sinceStoreWrite.isValid() && rt.sinceStoreWrite.elapsed() < 1000)
        return;
    rt.sinceStoreWrite.restart();
    QElapsedTimer clock;
    clock.start();
    m_store->saveProgress(job.id, job.stage, job.progress.percentage);
    m_storeLatency.add(clock.nsecsElapsed() / 1000);
}

std::optional<QString> JobManager::initialize()
{
    QDir root(m_settings.tempDir);
    if (!root.mkpath(QStringLiteral(".")))
        return QStringLiteral("cannot create the temp dir %1").arg(m_settings.tempDir);
    // The sweep below deletes what no record owns: another instance's live files must never
    // look like that.
    if (const QString refused = m_tempLock.acquire(m_settings.tempDir); !refused.isEmpty())
        return refused;
    QTemporaryFile probe(root.filePath(QStringLiteral(".write-test-XXXXXX")));
    if (!probe.open())
        return QStringLiteral("the temp dir %1 is not writable").arg(m_settings.tempDir);
    // The service runs on without its cache rather than not at all.
    if (const auto problem = m_cache.initialize())
        qCWarning(lcJobs).noquote() << "result cache off:" << *problem;
    m_disk.setExternalBytes(m_cache.stats().bytes);
    m_sequence = m_store->maxSequence();
    recover();
    sweep();
    purgeHistory();
    startLeases();
    // After the caller has connected its listeners and the event loop runs.
    QMetaObject::invokeMethod(this, &JobManager::schedule, Qt::QueuedConnection);
    return std::nullopt;
}

QString JobManager::newId() const
{
    // 96 random bits: the id alone grants access to a detached job when auth is off.
    quint32 words[3];
    QRandomGenerator::system()->fillRange(words);
    QString id;
    for (quint32 word : words)
        id += QStringLiteral("%1").arg(word, 8, 16, QLatin1Char('0'));
    return id;
}

Result<QString> JobManager::submit(SubmitRequest request, bool *replayed)
{
    if (replayed)
        *replayed = false;
    // Before every limit: a retry of an accepted job is not a new job, whatever the load now.
    const QString requestHash = request.idempotencyKey.isEmpty() ? QString() : JobManagerDetail::requestHash(request);
    if (!request.idempotencyKey.isEmpty()) {
        if (auto replay = replayIdempotent(request, requestHash)) {
            if (replayed && replay->ok())
                *replayed = true;
            return *replay;
        }
    }
    if (m_shuttingDown)
        return Error(ErrorCode::ShuttingDown, QStringLiteral("the service is shutting down; no new jobs"));
    // Not while the store cannot record the job (an accepted job would be one it forgets);
    // once the back-off has passed, the insert below tries the connection again.
    if (!m_store->reachable() && m_store->retryAfter().count() > 0)
        return storeUnavailable();
    if (request.inputs.isEmpty())
        return Error(ErrorCode::ValidationError, QStringLiteral("a job needs an input"));

    if (!request.jobId.isEmpty()) {
        const Job *existing = findJob(request.owner, request.jobId);
        if (existing && !isFinished(existing->status)) {
            return Error(ErrorCode::DuplicateJob,
                         QStringLiteral("job_id '%1' is already in use by an unfinished job").arg(request.jobId));
        }
    }
    // One walk for the three counts below (it was two; at 10,000 live jobs each cost about half
    // a millisecond of every start_job).
    int unfinishedOfConnection = 0;
    int waiting = 0;
    int waitingOfOwner = 0;
    for (const auto &[id, job] : m_jobs) {
        if (isFinished(job.status))
            continue;
        if (job.connectionId == request.connectionId)
            ++unfinishedOfConnection;
        if (job.status != JobStatus::Processing) {
            ++waiting;
            if (m_settings.ownerQueueSharePercent < 100 && job.owner == request.owner)
                ++waitingOfOwner;
        }
    }
    if (request.batchId.isEmpty() && unfinishedOfConnection >= m_settings.maxJobsPerConnection) {
        return Error(ErrorCode::QueueFull,
                     QStringLiteral("this connection already has %1 unfinished jobs").arg(m_settings.maxJobsPerConnection),
                     QJsonObject{{QStringLiteral("limit"), QStringLiteral("per_connection")},
                                 {QStringLiteral("max"), m_settings.maxJobsPerConnection}});
    }
    if (waiting >= m_settings.maxQueuedJobs) {
        return Error(ErrorCode::QueueFull, QStringLiteral("the service has %1 jobs waiting; try again later").arg(waiting),
                     QJsonObject{{QStringLiteral("limit"), QStringLiteral("global")},
                                 {QStringLiteral("max"), m_settings.maxQueuedJobs}});
    }
    // Checked after the global limit so that a full queue still reads as full; the share keeps
    // room for other owners however fast one owner submits.
    const int ownerMax = std::max(1, int(qint64(m_settings.maxQueuedJobs) * m_settings.ownerQueueSharePercent / 100));
    if (m_settings.ownerQueueSharePercent < 100 && waitingOfOwner >= ownerMax) {
        return Error(ErrorCode::QueueFull,
                     QStringLiteral("this owner already has %1 jobs waiting, its share of the queue; try again later")
                         .arg(waitingOfOwner),
                     QJsonObject{{QStringLiteral("limit"), QStringLiteral("per_owner")},
                                 {QStringLiteral("max"), ownerMax}});
    }
    // Before the rate limit, so that a job a quota refuses does not use up a start.
    if (auto refused = admitQuota(request))
        return *refused;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (const int perMinute = jobsPerMinuteOf(request.owner); perMinute > 0) {
        auto &recent = m_recentSubmits[request.owner];
        const qint64 window = m_settings.rateWindow.count();
        while (!recent.empty() && recent.front().secsTo(now) >= window)
            recent.pop_front();
        // An owner's jobs_per_minute key holds for the whole cluster: the store's count of its
        // starts on every node, unless this node's own (not all stored yet) is higher.
        const QDateTime oldest = clusterRecentStart(request.owner, now, perMinute);
        if (int(recent.size()) >= perMinute || oldest.isValid()) {
            const QDateTime first = oldest.isValid() && (recent.empty() || oldest < recent.front()) ? oldest : recent.front();
            const qint64 retryAfter = std::max<qint64>(1, window - first.secsTo(now));
            return Error(ErrorCode::RateLimited,
                         QStringLiteral("at most %1 new jobs a minute; retry in %2 s").arg(perMinute).arg(retryAfter),
                         QJsonObject{{QStringLiteral("retry_after_seconds"), retryAfter},
                                     {QStringLiteral("limit"), perMinute}});
        }
        recent.push_back(now);
    }
    for (const JobInput &input : std::as_const(request.inputs)) {
        if (input.declaredSize > m_settings.maxFileBytes) {
            return Error(ErrorCode::TooLarge,
                         QStringLiteral("input of %1 bytes exceeds the limit of %2 bytes")
                                 .arg(input.declaredSize)
                                 .arg(m_settings.maxFileBytes),
                         QJsonObject{{QStringLiteral("max_file_bytes"), m_settings.maxFileBytes}});
        }
    }
    if (auto refused = admitSubmit(request))
        return *refused;
    if (auto refused = checkOutputTargets(request.outputTargets))
        return *refused;
    if (auto refused = checkOutputStorage(request.outputStorage))
        return *refused;
    QList<JobInput> inputs = request.inputs;
    if (auto refused = checkStorageInputs(inputs))
        return *refused;

    Job job;
    job.id = newId();
    job.jobId = request.jobId.isEmpty() ? QStringLiteral("job-") + job.id.left(12) : request.jobId;
    job.owner = request.owner;
    job.ownerLabel = request.ownerLabel;
    job.connectionId = request.connectionId;
    job.operation = request.operation;
    job.options = request.options;
    job.preset = request.preset;
    job.batchId = request.batchId;
    job.inputs = inputs;
    job.priority = request.priority;
    job.detach = request.detach;
    job.protocolLevel = request.protocolLevel;
    job.tokenOwner = request.tokenOwner;
    job.idempotencyKey = request.idempotencyKey;
    job.idempotencyOwner = request.idempotencyKey.isEmpty() ? QString() : request.idempotencyOwner;
    job.requestHash = requestHash;
    job.outputTargets = request.outputTargets;
    job.outputStorage = request.outputStorage;
    job.useCache = request.useCache;
    job.notifyUrl = request.notifyUrl;
    job.notifyEvents = request.notifyEvents;
    const std::optional<quint64> shared = m_store->nextSequence();
    // A shared store numbers the arrivals of every node; alone, the node counts on its own.
    job.sequence = shared ? *shared : ++m_sequence;
    m_sequence = std::max(m_sequence, job.sequence);
    job.createdAt = now;
    job.directory = QDir(m_settings.tempDir).filePath(kJobDirPrefix + job.id);
    if (!QDir().mkpath(job.directory))
        return Error(ErrorCode::InternalError, QStringLiteral("cannot create the job's work directory"));
    for (qsizetype i = 0; i < job.inputs.size(); ++i) {
        JobInput &input = job.inputs[i];
        if (input.displayName.isEmpty() && input.source == JobInput::Source::Url)
            input.displayName = input.url.fileName();
        // No extension: ffmpeg then picks demuxers by content only, never by a name the client
        // chose (".jpg" would select image2, which expands file name patterns).
        input.path = QDir(job.directory).filePath(QStringLiteral("input-%1").arg(i));
    }
    const bool download = job.inputs.constFirst().source != JobInput::Source::Upload;
    job.status = download ? JobStatus::Downloading : JobStatus::AwaitingUpload;
    job.stage = download ? JobStage::Downloading : JobStage::Uploading;
    qint64 declaredTotal = 0;
    for (const JobInput &input : std::as_const(job.inputs))
        declaredTotal = input.declaredSize >= 0 && declaredTotal >= 0 ? declaredTotal + input.declaredSize : -1;
    job.progress.totalBytes = download ? -1 : declaredTotal;

    // Recorded before anyone hears of it: an `ack` is a promise the store must keep.
    QElapsedTimer clock;
    clock.start();
    const bool recorded = m_store->insert(job);
    m_storeLatency.add(clock.nsecsElapsed() / 1000);
    if (!recorded) {
        QDir(job.directory).removeRecursively();
        if (!m_store->reachable())
            return storeUnavailable();   // the store logged the outage once
        qCWarning(lcJobs).noquote() << jobFields(job) << "cannot record the job:" << m_store->lastError();
        return Error(ErrorCode::InternalError, QStringLiteral("the job store cannot record the job; try again later"));
    }

    Job &stored = admit(std::move(job));
    const QString id = stored.id;
    qCInfo(lcJobs).noquote() << jobFields(stored) << Logging::Fields{{QStringLiteral("state"), jobStatusName(stored.status)}}
                             << "accepted";
    emit jobAccepted(id);
    startInput(stored);
    return id;
}

Job &JobManager::admit(Job job)
{
    const QString id = job.id;
    m_jobs.emplace(id, std::move(job));
    remember(m_jobs.at(id));
    ++m_totalJobs;
    auto runtime = std::make_shared<Runtime>();
    runtime->stageClock.start();
    m_runtimes.insert(id, runtime);
    return m_jobs.at(id);
}

void JobManager::enqueue(Job &job)
{
    // Into the queue first, so that the `queued` announcement can say where it stands.
    m_queue.push_back(job.id);
    reorderQueue();
    setStage(job, JobStatus::Queued, JobStage::Queued);
    schedule();
}

void JobManager::schedule()
{
    if (m_shuttingDown || m_draining)
        return;
    for (int slot = 0; slot < m_slots.size() && (!m_queue.empty() || m_pullSource); ++slot) {
        if (!m_slots.at(slot).isEmpty())
            continue;
        // The store decides what runs next (on a shared database, among every node's jobs);
        // m_queue mirrors its order for queue positions.
        QElapsedTimer clock;
        clock.start();
        QString holder;
        const std::optional<Job> claimed = m_pullSource ? m_store->claimNextAnywhere(QDateTime::currentDateTimeUtc(), &holder)
                                                        : m_store->claimNext(QDateTime::currentDateTimeUtc());
        m_storeLatency.add(clock.nsecsElapsed() / 1000);
        if (!claimed) {
            // While the store is unreachable, the next heartbeat after it returns claims again.
            // On a shared store a miss is expected: this node is draining (the claim reads the
            // nodes table), or another node took its queued job (dropped at the heartbeat). A
            // node that only looked for other nodes' jobs (nothing queued here) has nothing to say.
            if (!m_queue.empty() && m_store->reachable() && m_store->leaseDuration().count() <= 0)
                qCWarning(lcJobs) << "the store has no queued job although" << m_queue.size() << "wait:" << m_store->lastError();
            else if (!m_queue.empty() && m_store->reachable())
                qCDebug(lcJobs) << "no queued job to claim for this node although" << m_queue.size() << "wait here";
            return;
        }
        if (!holder.isEmpty()) {
            startPull(*claimed, holder, slot);
            continue;
        }
        Job *job = mutableJob(claimed->id);
        if (!job)
            job = takeBackLent(*claimed);
        if (!job || job->status != JobStatus::Queued) {
            qCWarning(lcJobs) << "the store handed out job" << claimed->id << "that this instance does not hold queued";
            continue;
        }
        m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), job->id), m_queue.end());
        job->startedAt = claimed->startedAt;
        // Another node may have handed the job back after a failed pull, which counted as a
        // run in the store only.
        job->attempts = std::max(job->attempts, claimed->attempts);
        startProcessing(*job, slot);
    }
    // A claim or a finished run changed who holds slots, and with it the fair order.
    reorderQueue();
}

void JobManager::startProcessing(Job &job, int slot)
{
    Runtime &rt = runtime(job.id);
    m_slots[slot] = job.id;
    rt.slot = slot;
    setStage(job, JobStatus::Processing, JobStage::Processing, true);   // the claim wrote it

    JobRunner::Request request;
    request.id = job.id;
    request.operation = job.operation;
    request.options = job.options;
    for (const JobInput &input : std::as_const(job.inputs))
        request.inputPaths.append(input.path);
    request.inputDisplayName = job.inputs.constFirst().displayName;
    request.directory = job.directory;
    auto *runner = new JobRunner(request, m_settings.runner, this);
    rt.runner = runner;
    const QString id = job.id;
    connect(runner, &JobRunner::processingProgress, this,
            [this, id](const FfmpegProgress &progress, double expected) { onProcessingProgress(id, progress, expected); });
    connect(runner, &JobRunner::finalizing, this, [this, id] {
        if (Job *current = mutableJob(id); current && !isFinished(current->status) && m_runtimes.contains(id)) {
            current->progress.percentage = 100;
            current->progress.etaSeconds = 0;
            // The stage's last message says 100, exactly once.
            Runtime &rt = runtime(id);
            if (rt.lastSentPercentage < 100)
                rt.progressPending = true;
            flushProgress(*current);
            setStage(*current, JobStatus::Processing, JobStage::Finalizing);
            releaseSlotForFinalizing(id);
        }
    });
    connect(runner, &JobRunner::finished, this, [this, id] { onRunnerFinished(id); });
    qCInfo(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("worker"), QString::number(slot)}}
                             << "processing";
    runner->start();
}

// ffmpeg is done: probing and hashing the outputs (an ffprobe start and a read of each output)
// need no worker slot, so the next job's ffmpeg may start meanwhile. As many jobs as there are
// slots may finalize that way; past that a job finalizes in its slot, so that a burst of large
// outputs cannot start ffprobes and hashes without bound.
void JobManager::releaseSlotForFinalizing(const QString &id)
{
    auto it = m_runtimes.find(id);
    if (it == m_runtimes.end())
        return;
    Runtime &rt = **it;
    if (rt.slot < 0 || m_finalizingOffSlot >= m_slots.size())
        return;
    m_slots[rt.slot].clear();
    rt.slot = -1;
    rt.finalizingOffSlot = true;
    ++m_finalizingOffSlot;
    schedule();
}

void JobManager::onProcessingProgress(const QString &id, const FfmpegProgress &progress, double expected)
{
    Job *job = mutableJob(id);
    if (!job || job->stage != JobStage::Processing)
        return;
    JobProgress &p = job->progress;
    p.durationSeconds = expected;
    if (progress.outTimeSeconds)
        p.outTimeSeconds = std::max(p.outTimeSeconds, *progress.outTimeSeconds);
    if (progress.speed)
        p.speed = *progress.speed;
    if (progress.fps)
        p.fps = *progress.fps;
    if (expected > 0) {
        // 100 is kept for the end: ffmpeg's clock may reach the expected duration before the
        // muxer has written everything.
        const double percent = std::min(99.9, 100.0 * p.outTimeSeconds / expected);
        p.percentage = std::max(p.percentage, percent);
        const double remaining = std::max(0.0, expected - p.outTimeSeconds);
        if (p.speed > 0) {
            p.etaSeconds = remaining / p.speed;
        } else if (p.outTimeSeconds > 0) {
            const double elapsed = runtime(id).stageClock.elapsed() / 1000.0;
            p.etaSeconds = elapsed * remaining / p.outTimeSeconds;
        }
    }
    if (progress.end) {
        p.percentage = 100;
        p.etaSeconds = 0;
    }
    updateProgress(*job);
}

void JobManager::onRunnerFinished(const QString &id)
{
    Job *job = m_runtimes.contains(id) ? mutableJob(id) : nullptr;
    if (!job || isFinished(job->status))
        return;
    Runtime &rt = runtime(id);
    JobRunner *runner = rt.runner;
    if (!runner)
        return;
    job->ffmpegCommand = runner->ffmpegCommand();
    job->ffmpegStderr = runner->ffmpegStderr();
    if (runner->error()) {
        finishJob(*job, JobStatus::Failed, runner->error());
        return;
    }
    job->outputs = runner->outputs();
    job->probeResult = runner->probeResult();
    if (!addToCache(*job))
        completeRun(*job);
}

void JobManager::completeRun(Job &job)
{
    if (job.uploadsOutputs()) {
        startOutputUploads(job);
        return;
    }
    finishJob(job, JobStatus::Completed, std::nullopt);
}

void JobManager::setStage(Job &job, JobStatus status, JobStage stage, bool persisted)
{
    Runtime &rt = runtime(job.id);
    if (job.stage != stage)
        flushProgress(job);
    job.status = status;
    job.stage = stage;
    job.progress = JobProgress{};
    // Finalizing (probing and hashing the outputs) follows a finished ffmpeg run: a client
    // showing one bar should not see it fall back to 0 for it.
    if (stage == JobStage::Finalizing)
        job.progress.percentage = 100;
    rt.stageClock.restart();
    rt.sinceProgress.restart();
    rt.progressPending = false;
    rt.lastSentPercentage = -1;
    rt.sinceStoreWrite.restart();
    if (!persisted && !persistOrAbandon(job))
        return;
    qCDebug(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("state"), jobStatusName(status)}}
                              << "stage" << jobStageName(stage);
    emit jobStageChanged(job.id);
}

void JobManager::updateProgress(Job &job)
{
    Runtime &rt = runtime(job.id);
    if (job.stage == JobStage::Uploading || job.stage == JobStage::Downloading) {
        JobProgress &p = job.progress;
        if (p.totalBytes > 0)
            p.percentage = std::max(p.percentage, std::min(100.0, 100.0 * double(p.bytes) / double(p.totalBytes)));
        const double elapsed = rt.stageClock.elapsed() / 1000.0;
        if (elapsed > 0 && p.bytes > 0) {
            p.speed = 0;   // transfers report bytes, not a media speed factor
            if (p.totalBytes > 0)
                p.etaSeconds = elapsed * double(p.totalBytes - p.bytes) / double(p.bytes);
        }
    }
    rt.progressPending = true;
    const qint64 interval = m_settings.progressInterval.count();
    if (!rt.sinceProgress.isValid() || rt.sinceProgress.elapsed() >= interval) {
        flushProgress(job);
        return;
    }
    if (!rt.progressTimer) {
        rt.progressTimer = new QTimer;
        rt.progressTimer->setSingleShot(true);
        const QString id = job.id;
        connect(rt.progressTimer, &QTimer::timeout, this, [this, id] {
            if (Job *current = mutableJob(id))
                flushProgress(*current);
        });
    }
    if (!rt.progressTimer->isActive()) {
        rt.progressTimer->start(int(std::max<qint64>(1, interval - rt.sinceProgress.elapsed())));
    }
}

void JobManager::flushProgress(Job &job)
{
    auto it = m_runtimes.find(job.id);
    if (it == m_runtimes.end() || !(*it)->progressPending)
        return;
    // A claimed job's progress is announced only while this node surely holds it: after a
    // freeze longer than the lease it waits for the renewal that says whose the job is.
    if (job.status == JobStatus::Processing && !leasesConfirmed()) {
        queueHeartbeat();
        return;
    }
    Runtime &rt = **it;
    rt.progressPending = false;
    rt.sinceProgress.restart();
    rt.lastSentPercentage = job.progress.percentage;
    if (rt.progressTimer)
        rt.progressTimer->stop();
    persistProgress(job);
    emit jobProgress(job.id);
}

void JobManager::finishJob(Job &job, JobStatus status, std::optional<Error> error)
{
    if (isFinished(job.status))
        return;
    if (status == JobStatus::Completed)
        flushProgress(job);
    const QString id = job.id;
    stopRuntime(id);
    m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), id), m_queue.end());
    job.status = status;
    job.finishedAt = QDateTime::currentDateTimeUtc();
    job.error = std::move(error);
    if (status == JobStatus::Completed) {
        job.progress.percentage = 100;
        // Inputs and work files go at once; outputs wait for delivery or retention.
        QDir directory(job.directory);
        const QStringList entries = directory.entryList(QDir::Files | QDir::NoDotAndDotDot);
        for (const QString &entry : entries) {
            const QString path = directory.filePath(entry);
            const bool isOutput = std::any_of(job.outputs.cbegin(), job.outputs.cend(),
                                              [&path](const JobOutput &output) { return output.path == path; });
            if (!isOutput)
                QFile::remove(path);
        }
        if (job.outputs.isEmpty()) {
            removeFiles(job, false);
        } else {
            job.retained = job.detach;
            // Even undelivered outputs of an attached job go at the end of the retention
            // period, so that nothing can outlive it.
            job.retainUntil = job.finishedAt.addSecs(m_settings.retention.count());
        }
    } else {
        removeFiles(job, false);
    }
    m_disk.directoryChanged(job.directory);   // every end removes at least the inputs
    m_parked.remove(id);
    if (!persistOrAbandon(job))
        return;
    if (m_unstored.contains(id)) {
        // The store could not take the end. Announcing it now could tell a client of a result
        // that the store later refuses (another node took the job over meanwhile), so the end
        // waits in memory with the job, its slot free, until flushUnstored() writes it.
        m_unannounced.insert(id);
        // No state= field: that marks the one line of each job's announced end.
        qCInfo(lcJobs).noquote() << jobFields(job) << "ended" << jobStatusName(status)
                                 << "while the job store is unreachable: announced once it is stored";
    } else {
        announceFinished(job);
    }
    schedule();
    checkDrained();
}

void JobManager::announceFinished(const Job &job)
{
    switch (job.status) {
    case JobStatus::Completed: ++m_completed; break;
    case JobStatus::Failed: ++m_failed; break;
    default: ++m_cancelled; break;
    }
    Logging::Fields fields = jobFields(job);
    fields.add(QStringLiteral("state"), jobStatusName(job.status));
    fields.add(QStringLiteral("duration_ms"), QString::number(job.createdAt.msecsTo(job.finishedAt)));
    if (job.error)
        fields.add(QStringLiteral("code"), errorCodeName(job.error->code));
    qCInfo(lcJobs).noquote() << fields << jobStatusName(job.status) << (job.error ? job.error->message : QString());
    const QString id = job.id;   // the signals' receivers may change the job
    if (job.outputsRemoved && !job.outputs.isEmpty())
        emit outputsRemoved(id);
    emit jobFinished(id);
    scheduleEviction(id);
}

void JobManager::stopRuntime(const QString &id)
{
    auto it = m_runtimes.find(id);
    if (it == m_runtimes.end())
        return;
    std::shared_ptr<Runtime> rt = *it;
    m_runtimes.erase(it);
    if (rt->slot >= 0)
        m_slots[rt->slot].clear();   // the slot is free at once; ffmpeg dies in the background
    if (rt->finalizingOffSlot)
        --m_finalizingOffSlot;
}

void JobManager::removeFiles(Job &job, bool announce)
{
    QDir(job.directory).removeRecursively();
    m_disk.directoryChanged(job.directory);
    if (!job.outputsRemoved) {
        job.outputsRemoved = true;
        if (!announce)
            return;
        persist(job);
        if (!job.outputs.isEmpty())
            emit outputsRemoved(job.id);
        scheduleEviction(job.id);
    }
}

std::optional<Error> JobManager::cancel(const QString &id)
{
    Job *job = mutableJob(id);
    if (!job) {
        // Finished jobs leave memory; their record still says how they ended.
        if (const Job *stored = this->job(id))
            return Error(ErrorCode::CancelFailed, QStringLiteral("job already %1").arg(jobStatusName(stored->status)));
        return Error(ErrorCode::NotFound, QStringLiteral("no such job"));
    }
    if (isFinished(job->status)) {
        return Error(ErrorCode::CancelFailed,
                     QStringLiteral("job already %1").arg(jobStatusName(job->status)));
    }
    finishJob(*job, JobStatus::Cancelled, Error(ErrorCode::JobCancelled, QStringLiteral("job cancelled")));
    return std::nullopt;
}

void JobManager::failJob(const QString &id, const Error &error)
{
    if (Job *job = mutableJob(id))
        finishJob(*job, JobStatus::Failed, error);
}

void JobManager::releaseOutputs(const QString &id)
{
    Job *job = mutableJob(id);
    if (!job || job->retained || job->outputsRemoved || job->status != JobStatus::Completed)
        return;
    removeFiles(*job);
}

void JobManager::retainOutputs(const QString &id)
{
    if (Job *job = mutableJob(id); job && job->status == JobStatus::Completed && !job->outputsRemoved) {
        job->retained = true;
        job->retainUntil = QDateTime::currentDateTimeUtc().addSecs(m_settings.retention.count());
        persist(*job);
    }
}

bool JobManager::letGoOfConnection(Job &job)
{
    // During a shutdown, jobs whose owner can come back belong to the next start, not to
    // a connection that closes with this one.
    if (job.detach || m_parked.contains(job.id) || (m_shuttingDown && ownerCanReturn(job)) || holdForOwner(job))
        return false;
    if (!isFinished(job.status))
        return true;
    if (!job.retained && !job.outputsRemoved)
        removeFiles(job);
    return false;
}

void JobManager::cancelForClosedConnection(const QStringList &ids)
{
    for (const QString &id : ids) {
        if (Job *job = mutableJob(id)) {
            finishJob(*job, JobStatus::Cancelled,
                      Error(ErrorCode::JobCancelled, QStringLiteral("the connection that started the job closed")));
        }
    }
}

void JobManager::connectionClosed(quint64 connectionId)
{
    QStringList toCancel;
    for (auto &[id, job] : m_jobs) {
        if (job.connectionId == connectionId && letGoOfConnection(job))
            toCancel.append(id);
    }
    cancelForClosedConnection(toCancel);
}

void JobManager::pruneRecentSubmits(const QDateTime &now)
{
    // Every connection without tokens is an owner of its own: without this, each one that
    // ever submitted would stay in the table for the life of the service.
    const qint64 window = m_settings.rateWindow.count();
    for (auto it = m_recentSubmits.begin(); it != m_recentSubmits.end();) {
        if (it->empty() || it->back().secsTo(now) >= window)
            it = m_recentSubmits.erase(it);
        else
            ++it;
    }
}

void JobManager::expireOutputs()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    pruneRecentSubmits(now);
    for (auto &[id, job] : m_jobs) {
        if (isFinished(job.status) && !job.outputsRemoved && job.retainUntil.isValid() && job.retainUntil <= now) {
            qCInfo(lcJobs).noquote() << jobFields(job) << "outputs expired";
            removeFiles(job);
        }
    }
}

Job *JobManager::mutableJob(const QString &id)
{
    const auto it = m_jobs.find(id);
    return it == m_jobs.end() ? nullptr : &it->second;
}

JobManager::Runtime &JobManager::runtime(const QString &id)
{
    return *m_runtimes.value(id);
}

QList<const Job *> JobManager::jobs() const
{
    QList<const Job *> list;
    list.reserve(m_order.size());
    for (const QString &id : m_order)
        list.append(&m_jobs.at(id));
    return list;
}

int JobManager::queuePosition(const QString &id) const
{
    const auto it = std::find(m_queue.begin(), m_queue.end(), id);
    return it == m_queue.end() ? 0 : int(it - m_queue.begin()) + 1;
}

JobStats JobManager::stats() const
{
    JobStats stats;
    stats.totalJobs = m_totalJobs;
    stats.maxConcurrent = int(m_slots.size());
    stats.completedJobs = m_completed;
    stats.failedJobs = m_failed;
    stats.cancelledJobs = m_cancelled;
    stats.queuedJobs = int(m_queue.size());
    for (const auto &[id, job] : m_jobs) {
        if (job.status == JobStatus::Processing)
            ++stats.activeJobs;
        else if (job.status == JobStatus::AwaitingUpload || job.status == JobStatus::Downloading)
            ++stats.inputJobs;
    }
    stats.workerJobs = m_slots;
    return stats;
}

} // namespace Mediaforge
