// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "batch.h"
#include "job.h"
#include "webhookoutbox.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

namespace Mediaforge {

// Where a page of finished jobs ends: the next page starts strictly after it. Finished jobs are
// ordered newest-finished first, ties broken by arrival (sequence), so the order is total and
// stable while new jobs finish.
struct HistoryCursor
{
    qint64 finishedMs = 0;
    quint64 sequence = 0;

    // Opaque to clients: "<finished ms>.<sequence>".
    QString encode() const;
    static std::optional<HistoryCursor> decode(const QString &text);
};

struct HistoryQuery
{
    QString owner;                 // empty: every owner (admins)
    QSet<JobStatus> states;        // finished states wanted; empty: all three
    int limit = 100;
    std::optional<HistoryCursor> before;
};

// One node of a shared store, as its row in the nodes table says.
struct NodeRecord
{
    QString name;
    QString url;                // where the other nodes reach its HTTP port (--advertise-url)
    QString version;
    int workerSlots = 0;
    QDateTime startedAt;
    qint64 heartbeatAgeMs = -1; // by the database's clock, at the time of the read
    QString state;              // "active" or "draining"
    int runningJobs = 0;        // its jobs in state processing, when read by nodes()
    QString ffmpegVersion;      // "5.1.6-0+deb12u1"; empty when its ffmpeg could not be run
    QStringList encoders;       // the encoder names its ffmpeg lists (`ffmpeg -encoders`)
    QString sharedDir;          // its --shared-dir (its files in <sharedDir>/<name>); empty: none
};

struct HistoryPage
{
    QList<Job> jobs;
    std::optional<HistoryCursor> next;   // set when older finished jobs remain
};

// How many jobs one node of a shared store holds in each state (get_stats of a cluster).
struct NodeJobCounts
{
    QString node;
    qint64 inputJobs = 0;      // awaiting upload or downloading
    qint64 queuedJobs = 0;
    qint64 activeJobs = 0;     // processing
    qint64 completedJobs = 0;  // finished records still in the store (--history-days)
    qint64 failedJobs = 0;
    qint64 cancelledJobs = 0;
};

// The durable record of every job. The store is the source of truth for job state; the job
// manager's memory is a cache of the live jobs. The engine sees only this interface: the SQL
// lives in service/store, so that the embedded SQLite store and the cluster's PostgreSQL store
// are interchangeable (both pass tests/store/tst_jobstore.cpp).
//
// Calls are synchronous and made on the event loop's thread; implementations keep each one to
// a single short transaction. A method that returns false (or nullopt for a lookup that failed)
// has logged why; lastError() repeats it for callers that report it.
class JobStore
{
public:
    virtual ~JobStore() = default;

    // For logs and /health: "sqlite:/var/lib/mediaforge/jobs.db", "memory".
    virtual QString describe() const = 0;
    virtual QString lastError() const = 0;

    // A new job (any state). Fails when the id exists.
    virtual bool insert(const Job &job) = 0;
    // Every field of an existing job: state changes, outputs, retention, error.
    virtual bool save(const Job &job) = 0;
    // Progress only (stage and percentage), for the batched writes between state changes.
    virtual bool saveProgress(const QString &id, JobStage stage, double percentage) = 0;

    // Takes the first queued job in the queue order (priority, then arrival) and marks it
    // processing (stage processing, started_at = now) in one step; nullopt when none is queued.
    // On a shared database this is the cluster's claim: two callers never get the same job.
    virtual std::optional<Job> claimNext(const QDateTime &now) = 0;
    // claimNext() that may also take another node's queued job (a shared store): in the order
    // priority, per-owner share, this node's own jobs first, then arrival; only jobs of a level 1
    // owner whose node is alive and has no free slot. `holder` is the node whose disk holds the
    // job's inputs (the caller pulls them from it); empty for a job of this node's own.
    virtual std::optional<Job> claimNextAnywhere(const QDateTime &now, QString *holder)
    {
        holder->clear();
        return claimNext(now);
    }
    // Gives a job this node claimed from `holder` back to it (its inputs could not be pulled):
    // `job` is saved as it is (queued again), and the holder's again. Fenced like every write.
    virtual bool handBack(const Job &job, const QString &holder)
    {
        Q_UNUSED(job);
        Q_UNUSED(holder);
        return false;
    }

    virtual std::optional<Job> load(const QString &id) = 0;
    // The newest job of `owner` with that client id.
    virtual std::optional<Job> findLatest(const QString &owner, const QString &jobId) = 0;
    // The newest job `owner` submitted with that idempotency key at or after `since`.
    virtual std::optional<Job> findByIdempotencyKey(const QString &owner, const QString &key, const QDateTime &since) = 0;
    // Jobs that still hold something: unfinished ones, and finished ones whose outputs are not
    // yet removed. Arrival order. Crash recovery starts from these.
    virtual QList<Job> live() = 0;
    // Finished jobs, newest-finished first.
    virtual HistoryPage history(const HistoryQuery &query) = 0;
    // Removes finished records whose files are gone and that finished before `cutoff`, and the
    // batches that ended before it (--history-days). Returns how many rows went.
    virtual int purgeFinishedBefore(const QDateTime &cutoff) = 0;
    // The highest arrival sequence ever stored (0 when empty), so that a restart continues it.
    virtual quint64 maxSequence() = 0;
    // The arrival number of a new job when the store hands them out itself (PostgreSQL: one
    // sequence for every node, so that two nodes never give the same number); nullopt: the
    // caller counts on from maxSequence(), which one process writing alone may do.
    virtual std::optional<quint64> nextSequence() { return std::nullopt; }
    // The input bytes of each job `owner` created at or after `since`, by job id: what the
    // daily input quota counts after a restart (docs/security.md).
    virtual QHash<QString, qint64> inputBytesSince(const QString &owner, const QDateTime &since) = 0;

    // --- Reachability: a store on another machine may go away and come back -----------------
    // A store that is reached over the network (PostgreSQL) notices a lost connection at the
    // first call that fails, and reopens it itself with back-off: while it is unreachable its
    // calls fail at once, without a round trip, and each call after the back-off tries again.
    // The embedded stores are always reachable.

    virtual bool reachable() const { return true; }
    // Why the store is unreachable (the driver's words), and since when (ms); empty and 0
    // while it is reachable.
    virtual QString outageReason() const { return QString(); }
    virtual qint64 outageMs() const { return 0; }
    // How long a caller had better wait before trying again (the back-off's next attempt).
    virtual std::chrono::milliseconds retryAfter() const { return std::chrono::milliseconds(0); }

    // --- Leases: a store that several nodes share ----------------------------------------------
    // On such a store a claimed job carries a lease that its node renews; when the lease ends
    // (the node died or froze), another node takes the job over. Every write of a job is fenced:
    // it only succeeds while nobody else has taken the job over since this store claimed, read
    // or inserted it. The embedded stores belong to one process and keep the defaults: no
    // lease, nothing ever taken over.

    // How long a lease lasts; zero: this store has no leases.
    virtual std::chrono::seconds leaseDuration() const { return std::chrono::seconds(0); }
    // Whether the last failed write was refused because another node has taken the job over.
    virtual bool lastWriteFenced() const { return false; }
    // Extends the leases of this node's claimed jobs (by the database's clock). Returns those
    // of `running` that are no longer this node's (taken over): their runs must stop and
    // publish nothing. nullopt when the store cannot be reached (nothing is known then).
    virtual std::optional<QStringList> renewLeases(const QStringList &running)
    {
        Q_UNUSED(running);
        return QStringList();
    }
    // Jobs of other nodes whose lease ended, oldest first, at most `limit`.
    virtual QList<Job> expiredLeases(int limit)
    {
        Q_UNUSED(limit);
        return {};
    }
    // A cancel asked for on a node that does not run the job: stored with the job, so that the
    // node that runs it acts on it even when the notification that goes with it is lost. False
    // when the job is finished or unknown, or the store cannot be written.
    virtual bool requestCancel(const QString &id)
    {
        Q_UNUSED(id);
        return false;
    }
    // This node's unfinished jobs that another node asked to cancel (requestCancel).
    virtual QStringList cancelRequests() { return {}; }
    // Other nodes' unfinished jobs (of `owner`; empty: everyone's), newest first, at most `limit`.
    virtual QList<Job> unfinishedElsewhere(const QString &owner, int limit)
    {
        Q_UNUSED(owner);
        Q_UNUSED(limit);
        return {};
    }
    // Every node's jobs by state, one entry per node that holds any.
    virtual QList<NodeJobCounts> countsByNode() { return {}; }
    // When `owner`'s jobs were created (by any node) at or after `since`, oldest first, at most
    // `limit`: the owner's jobs_per_minute quota counted over the whole cluster.
    virtual QList<QDateTime> createdSince(const QString &owner, const QDateTime &since, int limit)
    {
        Q_UNUSED(owner);
        Q_UNUSED(since);
        Q_UNUSED(limit);
        return {};
    }
    // Makes an expired job (as expiredLeases returned it) this node's, with a new lease and
    // generation. False when another node was first or its lease was renewed meanwhile.
    virtual bool takeOver(const Job &expired)
    {
        Q_UNUSED(expired);
        return false;
    }

    // The node that held an expired job (as expiredLeases returned it), when that node is gone
    // for good: no heartbeat for several lease periods (or no row). Empty while it may return.
    virtual QString goneHolder(const Job &expired)
    {
        Q_UNUSED(expired);
        return QString();
    }

    // Queued jobs of other nodes that are draining or gone for good (no heartbeat for several
    // lease periods), oldest first, at most `limit`: this node may take them over.
    // goneHolder() then names the holder of those whose node is gone for good.
    virtual QList<Job> strandedQueued(int limit)
    {
        Q_UNUSED(limit);
        return {};
    }
    // Makes such a queued job this node's, fenced by the generation strandedQueued() read.
    // False when another node was first, or the job is no longer queued there.
    virtual bool takeOverQueued(const Job &stranded)
    {
        Q_UNUSED(stranded);
        return false;
    }
    // Of `queued` (jobs this node holds queued), those another node has taken over while they
    // were queued (a drain, a node thought gone). Those another node claimed to run from here,
    // pulling their inputs (no longer queued), go to `claimed` instead: their inputs must stay.
    virtual QStringList movedAway(const QStringList &queued, QStringList *claimed)
    {
        Q_UNUSED(queued);
        Q_UNUSED(claimed);
        return {};
    }

    // Of `lent` (jobs queued here that another node claimed and runs, their inputs kept here),
    // those that have ended or whose row is gone: their inputs are nobody's any more. nullopt
    // when the store cannot be read (nothing is freed then).
    virtual std::optional<QStringList> endedAmong(const QStringList &lent)
    {
        Q_UNUSED(lent);
        return QStringList();
    }

    // --- Nodes: who shares the store -------------------------------------------------------
    // A shared store keeps a row per node: its URL, version, slots and a heartbeat by the
    // database's clock, refreshed with renewLeases(). The embedded stores have one node and
    // keep the defaults.

    // Inserts or replaces this node's row (start-up): started and heartbeat now by the store's
    // clock (self.startedAt is not used), state "active".
    virtual bool registerNode(const NodeRecord &self)
    {
        Q_UNUSED(self);
        return true;
    }
    // This node's state: "active" or "draining".
    virtual bool setNodeState(const QString &state)
    {
        Q_UNUSED(state);
        return true;
    }
    // Any node's state (drain_node / resume_node, from any node). False when there is no such
    // node (or the store cannot be written).
    virtual bool setNodeStateOf(const QString &node, const QString &state)
    {
        Q_UNUSED(node);
        Q_UNUSED(state);
        return false;
    }
    // Every node's row, by name; empty when the store has none (or cannot be read).
    virtual QList<NodeRecord> nodes() { return {}; }
    // The node that holds job `id`'s files (the one that ran it, for a finished job); empty on
    // the embedded stores, for an unknown job, or when the store cannot be read.
    virtual QString nodeOf(const QString &id)
    {
        Q_UNUSED(id);
        return QString();
    }

    // --- Webhook outbox ---------------------------------------------------------------------
    // insert(), save() and claimNext() write the delivery that WebhookOutbox::entryFor() makes
    // of a state change in the same transaction as the change itself. The dispatcher takes
    // them from here.

    // Due pending deliveries (next attempt at or before `now`), at most `limit`, none of them
    // behind an earlier pending delivery of the same job, none leased by a dispatcher: each
    // returned one is leased to this store's node for `lease` (by the store's clock), so that
    // on a shared store no two nodes send it at once.
    virtual QList<WebhookDelivery> claimDeliveries(const QDateTime &now, int limit, std::chrono::milliseconds lease) = 0;
    // The outcome of an attempt (attempt, status, next attempt, last status or error); ends the
    // lease. False when the store cannot be written.
    virtual bool recordDeliveryAttempt(const WebhookDelivery &delivery) = 0;
    // Ends the leases this node holds (start-up: what a killed process had in flight is due).
    virtual void releaseDeliveryLeases() = 0;
    // A job's deliveries in order.
    virtual QList<WebhookDelivery> deliveries(const QString &job) = 0;
    virtual std::optional<WebhookDelivery> delivery(const QString &id) = 0;
    // Makes a delivery pending again, due `now`, its retry window starting `now`. False when
    // unknown or the store cannot be written.
    virtual bool redeliver(const QString &id, const QDateTime &now) = 0;
    // Pending deliveries of every job (the gauge of /metrics).
    virtual qint64 pendingDeliveries() = 0;
    // Distinct notify URLs with a pending delivery whose last attempt failed (a receiver down
    // or refusing now, as every node sees it): what an operator is to look at.
    virtual qint64 failingWebhookEndpoints() = 0;

    // --- Batches (docs/batches.md) ----------------------------------------------------------
    // A batch's row: inserted or replaced whole. With `delivery` (its batch.completed webhook)
    // the outbox row is written in the same transaction, so the end is never stored without it.
    virtual bool saveBatch(const Batch &batch, const std::optional<WebhookDelivery> &delivery) = 0;
    virtual std::optional<Batch> loadBatch(const QString &id) = 0;
    // The newest batch of `owner` with that batch_id.
    virtual std::optional<Batch> findBatch(const QString &owner, const QString &batchId) = 0;
    // Batches whose end is not yet stored, oldest first: a restart completes them.
    virtual QList<Batch> unfinishedBatches() = 0;
};

} // namespace Mediaforge
