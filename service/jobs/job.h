// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "media/mediainfo.h"
#include "operations.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace Mediaforge {

enum class JobStatus { AwaitingUpload, Downloading, Queued, Processing, Completed, Failed, Cancelled };
enum class JobStage { Uploading, Downloading, Queued, Processing, Finalizing, UploadingOutputs };
enum class JobPriority { Low, Normal, High };

QString jobStatusName(JobStatus status);
std::optional<JobStatus> jobStatusFromName(QStringView name);
QString jobStageName(JobStage stage);
QString jobPriorityName(JobPriority priority);
std::optional<JobPriority> jobPriorityFromName(QStringView name);
bool isFinished(JobStatus status);

struct JobInput
{
    enum class Source { Upload, Url, Storage };
    Source source = Source::Upload;
    QUrl url;
    QString storage;          // Source::Storage: the configured storage's name and the object key
    QString key;
    QString displayName;      // the client's file name, or the URL's last segment: display only
    qint64 declaredSize = -1; // `size` from the client, when given

    // Filled while the input arrives.
    QString path;             // inside the job directory, named by the service
    qint64 bytes = 0;
    bool complete = false;
    QString sha256;           // hex, once complete: hashed while the bytes arrived
};

// Where one output goes (`output_targets` of start_job). The URL and headers are credentials:
// kept with the job so that a restart can still upload, shown only as redactedUrl().
struct JobOutputTarget
{
    QUrl url;
    QString method = QStringLiteral("PUT");
    QList<std::pair<QByteArray, QByteArray>> headers;

    QString redactedUrl() const;   // scheme://host[:port]/path, nothing else
};

// Outputs to a storage the operator configured (`output_storage` of start_job): each output
// goes to `prefix` + its file name. Not a credential (the service signs with its own).
struct JobOutputStorage
{
    QString storage;          // empty: none
    QString prefix;

    bool isSet() const { return !storage.isEmpty(); }
    QString key(const QString &fileName) const { return prefix + fileName; }
};

struct JobOutput
{
    QString path;             // inside the job directory
    QString fileName;         // download name shown to the client (derived, sanitized)
    qint64 size = 0;
    QString mime;
    QString sha256;
    MediaInfo metadata;
    // Put to its output target: where (redacted) and the answer's HTTP status; 0: not uploaded.
    QString uploadedTo;
    int uploadStatus = 0;

    QJsonObject toJson() const;
};

// Live transfer and processing figures of the current stage.
struct JobProgress
{
    double percentage = 0;
    qint64 bytes = 0;
    qint64 totalBytes = -1;
    double outTimeSeconds = 0;
    double durationSeconds = 0;
    double speed = 0;
    double fps = 0;
    double etaSeconds = -1;
};

// Everything the service knows about one job. Owned by JobManager; everyone else reads
// snapshots through it.
struct Job
{
    QString id;               // service-wide, unguessable; also names the job directory
    QString jobId;            // the client's id, unique among its owner's live jobs
    QString owner;            // namespace key: token name, or the connection when no auth
    QString ownerLabel;       // for admins: token name or peer address
    quint64 connectionId = 0; // the connection that started it (uploads come only from it)
    Operation operation = Operation::Probe;
    QJsonObject options;      // normalized by validateOptions()
    QString preset;           // the preset it was started by; empty for a free-form job
    QString batchId;          // the client's batch_id when it is an item of a batch (docs/batches.md)
    QList<JobInput> inputs;
    JobPriority priority = JobPriority::Normal;
    bool detach = false;
    quint64 sequence = 0;     // arrival order, for the queue
    // What crash recovery needs to know about the owner: a level 0 client or an owner without a
    // token (the connection itself) can never come back for its job.
    int protocolLevel = 1;
    bool tokenOwner = false;
    // Runs started, this one included: 1 on the first run. A crash during processing adds one;
    // past --max-attempts the job fails (a poison input must not crash-loop the service).
    int attempts = 1;
    // Idempotent submission (level 1): the key the client sent, the owner it counts for (the
    // token's name; one shared name for every local client without authentication) and a
    // fingerprint of the request, so that a retry with other content is told apart.
    QString idempotencyKey;
    QString idempotencyOwner;
    QString requestHash;
    // One per output when the client gave `output_targets`: outputs are put there and the job
    // completes only when each got a 2xx; none are pushed over the socket.
    QList<JobOutputTarget> outputTargets;
    // Or: every output goes to a configured storage under a key prefix (the same stage and rules).
    JobOutputStorage outputStorage;
    // Whether the outputs are uploaded (targets or a storage) rather than pushed over the socket.
    bool uploadsOutputs() const { return !outputTargets.isEmpty() || outputStorage.isSet(); }
    // The result cache (resultcache.h): whether this job may be answered from it and add to it
    // (start_job `cache`; in memory only, so a job recovered after a restart leaves the cache
    // alone), and whether it was answered from it.
    bool useCache = false;
    bool cached = false;

    JobStatus status = JobStatus::AwaitingUpload;
    JobStage stage = JobStage::Uploading;
    JobProgress progress;
    QString directory;

    QDateTime createdAt;
    QDateTime inputCompletedAt;   // entered the queue
    QDateTime startedAt;          // got a worker
    QDateTime finishedAt;

    QList<JobOutput> outputs;
    QJsonObject probeResult;      // the `probe` operation's result
    std::optional<Error> error;
    bool outputsRemoved = false;  // delivered and deleted, or expired
    bool retained = false;        // kept for the retention period whoever is connected
    QDateTime retainUntil;        // outputs are removed at the latest then
    QString ffmpegCommand;        // redacted, for admins (`ffmpeg_command`)
    QString ffmpegStderr;         // redacted last lines, for admins (`ffmpeg_stderr`)
    // The node that holds it and runs it, on a cluster (admins' `node`); empty on one machine.
    // Not written by save(): the store writes its own node, and claims and take-overs move it.
    QString node;
    // Webhooks (level 1 `notify_url`, `notify_events`): where state changes are POSTed, and
    // which: empty: the final state only. Stored with the job so that the outbox row of each
    // change is written by the store in the same transaction as the change.
    QString notifyUrl;
    QStringList notifyEvents;
    // In memory only: its connection dropped and it waits for its owner to `attach` until then
    // (reconnect grace); invalid while a connection has it. A restart starts the grace again.
    QDateTime graceUntil;

    // PROTOCOL.md job snapshot. `queuePosition` (1-based) only for queued jobs.
    QJsonObject toSnapshot(bool includeOwner, int queuePosition = 0) const;
    // `timings` of `completed`.
    QJsonObject timings() const;
};

} // namespace Mediaforge
