// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "input/downloader.h"
#include "input/outputuploader.h"
#include "input/urlguard.h"
#include "storage/storagespec.h"
#include "directorylock.h"
#include "diskguard.h"
#include "job.h"
#include "jobrunner.h"
#include "jobstore.h"
#include "resultcache.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QThreadPool>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

class QFile;
class QNetworkAccessManager;
class QTimer;

namespace Mediaforge {

struct Config;

// What one owner may use, from the keys of its tokens-file line (docs/security.md). The
// engine knows owners by name only; 0 means "no quota of this kind".
struct OwnerQuota
{
    int jobsPerMinute = 0;         // replaces JobManagerSettings::jobsPerMinute for this owner
    int maxUnfinishedJobs = 0;
    qint64 maxInputBytes = 0;      // the inputs of one job together
    qint64 inputBytesPerDay = 0;   // per UTC day
};

struct JobManagerSettings
{
    QString tempDir;
    int maxConcurrentJobs = 2;
    int maxJobsPerConnection = 16;
    int maxQueuedJobs = 1000;
    int ownerQueueSharePercent = 100;  // of maxQueuedJobs one owner may hold waiting; 100: no share
    int jobsPerMinute = 0;             // per owner; 0: unlimited
    std::chrono::seconds rateWindow{60};   // the "minute" of jobsPerMinute (shorter in tests)
    qint64 maxFileBytes = qint64(2) * 1024 * 1024 * 1024;
    qint64 maxJobInputBytes = qint64(4) * 1024 * 1024 * 1024;   // all inputs of one job together
    DiskLimits disk;                   // no budget, no floor unless configured
    QString clusterNode;               // this node's name on a shared store (jobs' `node`); empty alone
    QString sharedDir;                 // --shared-dir: other nodes' files under <sharedDir>/<node>
    std::chrono::seconds retention{3600};
    std::chrono::milliseconds uploadStallTimeout = std::chrono::seconds(120);
    std::chrono::milliseconds progressInterval = std::chrono::milliseconds(250);   // <= 4 a second
    int historyDays = 7;               // finished records stay in the store this long
    int maxAttempts = 2;               // runs a job may start (crash recovery)
    std::chrono::seconds reconnectGrace{60};   // a token owner's dropped job waits this long for `attach`
    RunnerSettings runner;
    DownloadLimits download;
    UrlPolicy urlPolicy;
    QList<StorageSpec> storages;       // --storage: what `{"source": "storage"}` inputs may name
    OutputUploadLimits outputUpload;
    qint64 storagePartSize = qint64(16) * 1024 * 1024;   // --storage-part-size
    CacheSettings cache;               // off unless a directory, a size and the ffmpeg version are set
    // The clock of the daily quota (tests move it to the next day); null: the real one.
    std::function<QDateTime()> quotaClock;

    static JobManagerSettings fromConfig(const Config &config);
};

struct SubmitRequest
{
    QString jobId;                 // the client's; generated when empty
    QString owner;
    QString ownerLabel;
    quint64 connectionId = 0;
    Operation operation = Operation::Probe;
    QJsonObject options;           // normalized by validateOptions()
    QString preset;                // the preset the client named; empty: free-form
    QList<JobInput> inputs;        // source, url / display name, declared size
    JobPriority priority = JobPriority::Normal;
    bool detach = false;
    int protocolLevel = 1;         // for crash recovery: level 0 jobs end with their connection
    bool tokenOwner = false;       // the owner is a token's name, not the connection
    QString idempotencyKey;        // level 1, optional: a retry with it returns the same job
    QString idempotencyOwner;      // the name the key counts for (all local clients share one)
    QList<JobOutputTarget> outputTargets;   // level 1: where each output is put (credentials)
    JobOutputStorage outputStorage;         // level 1: or a configured storage and key prefix
    bool useCache = true;          // start_job `cache`
    QString notifyUrl;             // level 1 webhooks: checked by the caller (URL guard, secret)
    QStringList notifyEvents;      // status names; empty: the final state only
    // notifyUrl is the owner's default (tokens file), not part of what the client asked:
    // left out of the idempotency hash, so a changed default does not turn a retry into a conflict.
    bool notifyUrlFromOwner = false;
    // An item of a batch (batchtracker.h): the client's batch_id. Such items count against the
    // queue and the owner's limits like any job, but not against max_active_jobs_per_connection
    // (a batch has its own --max-batch-items).
    QString batchId;
};

// How long store writes keep the event loop waiting: the last samples, in microseconds.
class StoreLatency
{
public:
    void add(qint64 microseconds);
    qint64 percentile(double fraction) const;   // 0 when nothing was measured
    qint64 count() const { return m_count; }

private:
    std::vector<qint64> m_samples;   // a ring of the last kCapacity writes
    qint64 m_count = 0;
    static constexpr size_t kCapacity = 4096;
};

struct JobStats
{
    qint64 totalJobs = 0;
    int activeJobs = 0;            // processing
    int queuedJobs = 0;
    int inputJobs = 0;             // awaiting upload or downloading
    int maxConcurrent = 0;
    qint64 completedJobs = 0;
    qint64 failedJobs = 0;
    qint64 cancelledJobs = 0;
    QStringList workerJobs;        // one entry per worker slot: the job id, or empty when idle
};

// The job engine. Owns every job from start_job to the removal of its last file: input stage
// (uploads, downloads; no worker slot), the priority queue, worker slots running JobRunners,
// retention of outputs. Knows nothing of WebSockets or SQL: sessions, metrics and the event feed
// all listen to the same signals, and every job is recorded in a JobStore before a change is
// announced. Memory holds the live jobs (unfinished, or with outputs still on disk); finished
// records are read back from the store.
class JobManager : public QObject
{
    Q_OBJECT
public:
    // Without a store: records live in memory only and die with the manager (unit tests).
    JobManager(JobManagerSettings settings, QNetworkAccessManager &network, HostResolver &resolver,
               QObject *parent = nullptr);
    JobManager(JobManagerSettings settings, QNetworkAccessManager &network, HostResolver &resolver, JobStore &store,
               QObject *parent = nullptr);
    ~JobManager() override;

    // Locks and creates the temp dir, recovers the stored jobs (crash recovery: queued jobs
    // queue again, interrupted ones run again within --max-attempts, jobs nobody can come back
    // for end), removes job directories no record owns, checks the dir is writable.
    std::optional<QString> initialize();

    // Creates the job and starts its input stage. Errors: DUPLICATE_JOB, QUEUE_FULL,
    // RATE_LIMITED, TOO_LARGE (declared size), SHUTTING_DOWN, INTERNAL_ERROR.
    // With an idempotency key that its owner used in the last 24 h for the same request, the
    // earlier job's id comes back (`replayed` set) and nothing new starts; for another request
    // it is DUPLICATE_JOB (details: idempotency_key, id).
    Result<QString> submit(SubmitRequest request, bool *replayed = nullptr);
    // jobmanagerbatches.cpp: whether all of `items` (one owner's batch) would be accepted now
    // by the queue, the owner's quotas and rate, and their job_ids: a batch is refused whole
    // (QUEUE_FULL, RATE_LIMITED, DUPLICATE_JOB, ...) rather than half submitted. Storage
    // inputs are checked here too (VALIDATION_ERROR at `items[N].input.storage` or `.key`).
    std::optional<Error> admitBatch(const QList<SubmitRequest> &items);

    // One piece of upload for input `index` (-1: the first input still incomplete). Returns an
    // error for requests that do not touch the job (NOT_FOUND, FORBIDDEN, INVALID_STATE);
    // an upload that goes wrong for the job itself (BAD_OFFSET, TOO_LARGE, BINARY_ERROR) fails
    // the job instead, with its files removed, and returns nullopt.
    std::optional<Error> writeUpload(const QString &id, quint64 connectionId, int index, qint64 offset,
                                     QByteArrayView data, bool final);

    // Cancels an unfinished job: kills what runs for it, removes its files. Errors: NOT_FOUND,
    // CANCEL_FAILED (already finished).
    std::optional<Error> cancel(const QString &id);
    // Fails an unfinished job with `error` (e.g. TOO_LARGE decided by a session).
    void failJob(const QString &id, const Error &error);

    // Outputs were delivered: remove them unless the job is detached/retained.
    void releaseOutputs(const QString &id);
    // Keep the outputs for the retention period (detached jobs, level 0 TOO_LARGE).
    void retainOutputs(const QString &id);
    // The connection is gone: its non-detached unfinished jobs are cancelled, outputs waiting
    // for it removed; except level 1 jobs of token owners, which wait --reconnect-grace for
    // their owner to attach again (cancelled, outputs removed, when nobody did).
    void connectionClosed(quint64 connectionId);
    // The same for one job whose owner followed it from another node of the cluster (this
    // node runs or ran it with no connection of its own): that connection closed.
    void ownerGoneElsewhere(const QString &id);
    // Binds a job to `connectionId` from now on (its events, outputs and uploads), ending its
    // reconnect grace; whoever had it before lets go (jobAttached). The caller checked that the
    // connection's owner owns the job. NOT_FOUND for an unknown id.
    Result<const Job *> attach(const QString &id, quint64 connectionId);

    // Live jobs from memory, others from the store. A pointer stays valid until control
    // returns to the event loop.
    const Job *job(const QString &id) const;
    // A job whose files this node holds (in memory: submitted here, claimed or taken over),
    // never a record read back from a shared store; nullptr otherwise.
    const Job *heldJob(const QString &id) const;
    // The newest job of `owner` with that client id.
    const Job *findJob(const QString &owner, const QString &jobId) const;
    QList<const Job *> jobs() const;   // the live jobs, oldest first
    // Another node's unfinished job, as the cluster last announced it (state and live progress,
    // which the store holds only in part): job() answers with it until forgetForeign(). Nothing
    // runs here for it. Bounded: the oldest noted ones are forgotten first.
    void noteForeign(Job job);
    void forgetForeign(const QString &id);
    // The other nodes' jobs noted so far, noted first first.
    QStringList foreignIds() const { return QStringList(m_foreignOrder.cbegin(), m_foreignOrder.cend()); }
    // Other nodes' unfinished jobs from the shared store (none on one node), newest first, with
    // the live figures of those noted as foreign.
    QList<Job> jobsElsewhere(const QString &owner, int limit) const;
    // Pulling inputs from another node (jobmanagerpull.cpp). Where input `index` of job `id`,
    // claimed from node `holder`, is fetched: that node's URL from the shared store and the
    // header fields that sign the request; nullopt when the holder has no URL. Set by the
    // service on a cluster: the engine then also claims other nodes' queued jobs.
    struct PullSource
    {
        QUrl url;
        QList<std::pair<QByteArray, QByteArray>> headers;
        // The holder keeps its files in the shared dir this node uses too (--shared-dir): the
        // inputs are read there in place, nothing goes over HTTP.
        bool inPlace = false;
    };
    using PullSourceFunction = std::function<std::optional<PullSource>(const QString &holder, const QString &id, int index)>;
    void setPullSource(PullSourceFunction source);
    // Another node announced a job that is queued here: it claimed the job and pulls (or pulled)
    // its inputs. The job leaves this node's queue and memory without an announcement (its
    // events now come from that node); its input files stay, served to the cluster (heldJob),
    // until the job ends (releaseLent). False when the job is not queued here.
    bool lendAway(const QString &id);
    void releaseLent(const QString &id);
    // Whether the job is live in this node's memory (its own, not a foreign one).
    bool holds(const QString &id) const { return m_jobs.count(id) > 0; }
    // Finished jobs from the store, newest-finished first.
    HistoryPage history(const HistoryQuery &query) const;
    const StoreLatency &storeLatency() const { return m_storeLatency; }
    CacheStats cacheStats() const { return m_cache.stats(); }
    QString storeDescription() const { return m_store->describe(); }
    // Whether the store answers; why not and for how long (ms) while it does not (/health).
    bool storeReachable() const { return m_store->reachable(); }
    QString storeOutageReason() const { return m_store->outageReason(); }
    qint64 storeOutageMs() const { return m_store->outageMs(); }
    // The answer to a request that needs the store while it is unreachable (retry hint).
    Error storeUnavailableError() const { return storeUnavailable(); }
    // State changes waiting for the store to return.
    int unstoredJobs() const { return int(m_unstored.size()); }
    int queuePosition(const QString &id) const;   // 1-based; 0 when not queued
    JobStats stats() const;
    int maxConcurrentJobs() const { return m_settings.maxConcurrentJobs; }
    bool isShuttingDown() const { return m_shuttingDown; }
    // A draining node claims nothing new; what runs goes on (drain_node on one node; on a
    // shared store the claim itself reads the nodes table, whichever node drained this one).
    void setDraining(bool draining);
    bool isDraining() const { return m_draining; }
    qint64 bytesReceived() const { return m_bytesReceived; }
    // Owners with a submit inside the rate window (what the rate limit remembers).
    int rateLimitedOwners() const { return int(m_recentSubmits.size()); }
    // jobmanagerquotas.cpp: the owners' quotas (tokens file), set once before jobs arrive, and
    // an owner's usage against them for get_stats (empty without quotas).
    void setOwnerQuotas(const QHash<QString, OwnerQuota> &quotas) { m_quotas = quotas; }
    QJsonObject quotaUsage(const QString &owner);

    // Stops accepting jobs and lets running ones finish for `drain`. Jobs whose owner can come
    // back (ownerCanReturn) keep their place: waiting ones stay queued in the store, running
    // ones still unfinished at the end are stored as queued again (attempts unchanged: the
    // service stopped them, not the job). Other unfinished jobs are cancelled as before.
    // drained() when nothing runs any more.
    void shutdown(std::chrono::milliseconds drain);

signals:
    void jobAccepted(const QString &id);
    void jobStageChanged(const QString &id);   // status or stage changed (not to a final state)
    void jobProgress(const QString &id);       // throttled to progressInterval per job
    // A job of a node gone for good that this node ended (NODE_LOST) without holding it: it is
    // stored, never in this node's memory; the cluster's relay tells the other nodes.
    void jobEndedForLostNode(const QString &id);
    void jobFinished(const QString &id);       // completed, failed or cancelled
    // A job this node held until another node took it over, found ended in the store when this
    // node let go of it (it was cut off meanwhile): its followers here hear the end.
    void jobEndedElsewhere(const QString &id);
    void jobRemoved(const QString &id);        // no longer live: the record is in the store only
    void outputsRemoved(const QString &id);    // delivered or expired: no longer fetchable
    void bytesReceivedChanged(qint64 delta);
    void drained();
    void jobAttached(const QString &id, quint64 connectionId);

private:
    struct Runtime;

    Job *mutableJob(const QString &id);
    Runtime &runtime(const QString &id);
    void startInput(Job &job);
    void startDownload(Job &job, int index);
    void inputComplete(Job &job);
    void enqueue(Job &job);
    // jobmanagercache.cpp: a job whose inputs have arrived may complete from the result
    // cache. true: an entry is being checked off the event loop, and cacheChecked() then
    // completes the job or queues it. A finished run's outputs are added the same way before
    // the job completes (true: completeRun follows), so that the same request made right
    // after `completed` finds them.
    bool answerFromCache(Job &job);
    void cacheChecked(const CacheCheck &check, const CacheCheckResult &result);
    bool addToCache(const Job &job);
    void completeRun(Job &job);     // outputs made: to the output_targets, or completed
    void schedule();
    void reorderQueue();   // m_queue into the order the store claims (FairQueue)
    void startProcessing(Job &job, int slot);
    void releaseSlotForFinalizing(const QString &id);
    void onRunnerFinished(const QString &id);
    // jobmanageroutputs.cpp: output_targets, checked at submit and put after the run.
    std::optional<Error> checkOutputTargets(const QList<JobOutputTarget> &targets) const;
    // jobmanagerstorage.cpp: configured storages.
    const StorageSpec *storage(const QString &name) const;
    std::optional<Error> checkStorageInputs(QList<JobInput> &inputs) const;
    std::optional<Error> checkOutputStorage(const JobOutputStorage &output) const;
    Downloader *makeDownloader(const JobInput &input, DownloadLimits limits);
    static Error storageDownloadError(const JobInput &input, Error error);
    void startOutputUploads(Job &job);
    void onProcessingProgress(const QString &id, const FfmpegProgress &progress, double expected);
    void setStage(Job &job, JobStatus status, JobStage stage, bool persisted = false);
    void updateProgress(Job &job);
    void flushProgress(Job &job);
    void finishJob(Job &job, JobStatus status, std::optional<Error> error);
    // The end's log line, counters and signals: once the store has the end.
    void announceFinished(const Job &job);
    // Out of memory without a word: eviction, or a job another node took over.
    void forgetHeld(const QString &id);
    // After abandon(): the job leaves memory and is followed as the new holder's.
    void letGo(const QString &id);
    void stopRuntime(const QString &id);
    // announce: record and signal the change now (finishJob does both itself).
    void removeFiles(Job &job, bool announce = true);
    void expireOutputs();
    void checkUploadStalls();
    void pruneRecentSubmits(const QDateTime &now);
    void scheduleEviction(const QString &id);
    void remember(Job &job);   // a job enters memory: m_order and m_byJobId, its node
    static QString jobIdKey(const QString &owner, const QString &jobId);
    void evictFinished();
    void purgeHistory();
    void recover();
    void sweep();
    void park(Job &job);
    bool persist(const Job &job);
    void persistProgress(Job &job);
    void checkDrained();
    QString newId() const;
    // Reconnect grace (jobmanagergrace.cpp).
    bool holdForOwner(Job &job);
    // A connection that had `job` is gone: true when the job must be cancelled for it (after
    // removing the outputs that waited for it, or starting the reconnect grace, as it applies).
    bool letGoOfConnection(Job &job);
    void cancelForClosedConnection(const QStringList &ids);
    void startGrace(Job &job, const QDateTime &until);
    void endGrace(const QString &id, const QDateTime &until);
    std::optional<Result<QString>> replayIdempotent(const SubmitRequest &request, const QString &requestHash);
    // jobmanagerpull.cpp: a job claimed from another node, its inputs pulled from there.
    void startPull(Job record, const QString &holder, int slot);
    void pullInput(const QString &id, int index);
    void readInPlace(const QString &id, const QString &holder);
    void pullFailed(const QString &id, const Error &error);
    // A failed pull of a job whose inputs this node can fetch itself: downloaded again here.
    void refetchInputs(Job origin, const QString &holder, const Error &error);
    // A job claimed from another node: its directory and input paths on this node's disk.
    void placeInputsHere(Job &job) const;
    // A job this node lent (another node claimed it to pull its inputs) that the store hands
    // out here again because that node's pull failed: back into memory, queued, its inputs
    // still here. Null when the job is not lent here.
    Job *takeBackLent(const Job &claimed);
    // jobmanagerleases.cpp: leases on a store that several nodes share.
    void startLeases();
    void heartbeat();
    void queueHeartbeat();
    void adoptExpired();
    // Queued jobs of draining or lost nodes: URL jobs move here, uploaded ones of a lost node
    // end NODE_LOST; this node's queued jobs that another node took over leave its queue.
    void adoptStranded();
    void freeEndedLent();
    void dropMovedAway();
    void endForLostNode(const Job &record, const QString &gone, const QDateTime &now);
    // --shared-dir (jobmanagershared.cpp): whether `node` keeps its files in the same shared
    // dir; a lost such node's job taken over with its files (`interrupted`: it was running).
    bool sharesDirWith(const QString &node);
    void adoptFromSharedDir(const Job &record, const QString &gone, bool interrupted, const QDateTime &now);
    // Another node took the job over: its run here stops and publishes nothing more.
    void abandon(const QString &id);
    // Takes a job that is recorded in the store into memory (accepted here or taken over from
    // another node) with a fresh runtime; what starts its input is the caller's.
    Job &admit(Job job);
    // Whether the last renewal is recent enough that this node's leases surely still hold.
    bool leasesConfirmed() const;
    // persist() for a state change about to be announced: false when it must not be, and the
    // job was abandoned if another node has taken it over.
    bool persistOrAbandon(Job &job);
    // jobmanageroutage.cpp: a store that is unreachable for a while.
    // start_job's answer meanwhile: SUBMIT_FAILED that says when to retry.
    Error storeUnavailable() const;
    // A state change the store could not take: the latest per job, written by flushUnstored().
    void keepUnstored(const Job &job);
    // Writes what was kept, once the store answers again; fenced like every write, so a job
    // another node took over meanwhile is abandoned here instead. False if the store went away
    // again before all was written.
    bool flushUnstored();
    // An end held in m_unannounced, once the store has it: announced as finishJob() would have.
    void announceHeld(const QString &id);
    // jobmanagerlimits.cpp: the per-job input total and the disk, before bytes are stored.
    std::optional<Error> admitSubmit(const SubmitRequest &request);
    // `more` bytes for input `index` of `job`, which holds `received` of them so far;
    // `counting`: they are about to be written (not just announced).
    std::optional<Error> admitInputBytes(const Job &job, int index, qint64 received, qint64 more, bool counting);
    // jobmanagerquotas.cpp: an owner's quotas at start_job, and for input bytes as they arrive.
    std::optional<Error> admitQuota(const SubmitRequest &request);
    // Whether quotas count every node's jobs (a shared store) rather than this node's.
    bool quotasSpanCluster() const;
    // The owner's unfinished jobs, on every node with a shared store (at most `limit` elsewhere).
    int unfinishedJobsOf(const QString &owner, int limit) const;
    // With a shared store and the owner's jobs_per_minute key: the oldest of its starts in the
    // window when every node together made `perMinute` or more; invalid otherwise.
    QDateTime clusterRecentStart(const QString &owner, const QDateTime &now, int perMinute);
    std::optional<Error> admitQuotaBytes(const Job &job, qint64 total, qint64 more);
    void countQuotaBytes(const QString &owner, qint64 more);
    int jobsPerMinuteOf(const QString &owner) const;
    qint64 &dailyInputBytes(const QString &owner);
    QDateTime quotaNow() const;

    JobManagerSettings m_settings;
    QNetworkAccessManager &m_network;
    HostResolver &m_resolver;
    std::unique_ptr<JobStore> m_ownedStore;             // only without a given store
    JobStore *m_store = nullptr;
    StoreLatency m_storeLatency;
    DirectoryLock m_tempLock;
    DiskGuard m_disk;
    ResultCache m_cache;
    std::map<QString, Job> m_foreign;                   // other nodes' jobs (noteForeign)
    PullSourceFunction m_pullSource;                    // set: claims take other nodes' jobs too
    std::map<QString, Job> m_lent;                      // queued here, claimed by another node (lendAway)
    QHash<QString, Job> m_pullOrigins;                  // pulling: the record as its holder stored it
    QHash<QString, QString> m_pullHolders;              // pulling: the node that holds the inputs
    std::deque<QString> m_foreignOrder;                 // noted first, forgotten first
    mutable std::map<QString, Job> m_loaded;            // finished records read back, until the event loop
    mutable bool m_loadedPrune = false;
    QSet<QString> m_parked;                             // kept for the next start (shutdown)
    bool m_evictionPending = false;
    std::map<QString, Job> m_jobs;                      // by id
    QHash<QString, std::shared_ptr<Runtime>> m_runtimes;   // unfinished jobs only
    QList<QString> m_order;                             // ids by creation
    QHash<QString, QStringList> m_byJobId;              // jobIdKey(owner, job_id) -> ids in memory, by creation
    QStringList m_evictable;                            // ids to look at in the next evictFinished()
    std::deque<QString> m_queue;                        // queued ids in claim order
    QList<QString> m_slots;                             // job id per worker slot; empty = free
    int m_finalizingOffSlot = 0;                        // jobs finalizing after giving their slot back
    QHash<QString, std::deque<QDateTime>> m_recentSubmits;   // rate limit per owner
    QHash<QString, OwnerQuota> m_quotas;                // owners of the tokens file with quotas
    struct DailyInput
    {
        QDate day;                                      // UTC
        qint64 bytes = 0;
    };
    QHash<QString, DailyInput> m_dailyInput;            // owners with input_bytes_per_day only
    QTimer *m_expiryTimer = nullptr;
    // One clock for every upload's stall timeout, not a QTimer a job (about 0.4 KiB each at
    // 10,000 waiting jobs, docs/performance.md B4); the jobs it watches are m_awaitingUpload.
    QTimer *m_uploadStallClock = nullptr;
    QSet<QString> m_awaitingUpload;
    QTimer *m_drainTimer = nullptr;
    quint64 m_sequence = 0;
    qint64 m_totalJobs = 0;
    qint64 m_completed = 0;
    qint64 m_failed = 0;
    qint64 m_cancelled = 0;
    qint64 m_bytesReceived = 0;
    bool m_shuttingDown = false;
    QTimer *m_leaseTimer = nullptr;
    QElapsedTimer m_sinceRenewal;                       // since the store last confirmed the leases
    bool m_heartbeatQueued = false;
    QHash<QString, Job> m_unstored;                     // state changes kept while the store was unreachable
    QSet<QString> m_unannounced;                        // ends among them, announced once stored
    QSet<QString> m_takenOver;                          // abandoned, until letGo()
    bool m_draining = false;
    // Last, so that it is destroyed first: its destructor waits for a check or an addition
    // that is running (they touch only files, never this object).
    QThreadPool m_cacheWorker;
};

} // namespace Mediaforge
