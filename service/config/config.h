// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "storage/storagespec.h"

#include <QHostAddress>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

namespace Mediaforge {

// "500M", "2G", "1T", "1048576": bytes with binary suffixes, for flags and the tokens file.
std::optional<qint64> parseByteSize(const QString &text);

// Every setting of mediaforged, with its default. Filled by ConfigLoader: command-line flags
// over MEDIAFORGE_* environment variables over the legacy variable names of the Python
// services this one replaces, over these defaults.
struct Config
{
    enum class LogFormat { Text, Json };

    QString host = QStringLiteral("127.0.0.1");
    int port = 8080;
    int httpPort = 8081;
    int maxConcurrentJobs = 0;         // 0 until loaded: then the number of CPU cores
    int jobTimeoutSeconds = 600;
    int stallSeconds = 120;
    int ffmpegThreads = 0;             // 0: ffmpeg decides
    QString dataDir;                   // default: <XDG data home>/mediaforge
    QString store = QStringLiteral("sqlite");   // sqlite, sqlite:PATH, postgresql://... or memory
    QString nodeName;                  // default: the host name
    int leaseSeconds = 30;             // PostgreSQL store: a claim's lease
    QString advertiseUrl;              // where other nodes reach the HTTP port; empty: derived
    QString clusterSecretFile;
    // A directory every node mounts at the same path (NFS, CephFS): each node keeps its job
    // files in <shared dir>/<node name>, and the others read them there instead of over HTTP.
    QString sharedDir;
    // Signs node-to-node requests (service/cluster). From MEDIAFORGE_CLUSTER_SECRET or
    // --cluster-secret-file, never a flag's value (ps shows those). Required with PostgreSQL.
    QByteArray clusterSecret;
    // Webhooks (docs/webhooks.md). The signing key when auth is off or the owner has none of
    // its own: from MEDIAFORGE_WEBHOOK_SECRET or --webhook-secret-file, never a flag's value.
    QString webhookSecretFile;
    QByteArray webhookSecret;
    int webhookRetryHours = 24;
    int webhookMinBackoffSeconds = 30;
    int webhookTimeoutSeconds = 10;
    int webhookMaxInFlight = 16;
    QString tempDir;                   // default: <data dir>/jobs
    int historyDays = 7;
    int maxAttempts = 2;
    int reconnectGraceSeconds = 60;
    bool resetStore = false;
    qint64 maxFileBytes = qint64(2) * 1024 * 1024 * 1024;
    qint64 maxJobInputBytes = qint64(4) * 1024 * 1024 * 1024;   // all inputs of one job
    qint64 diskBudgetBytes = qint64(20) * 1024 * 1024 * 1024;    // job files together; 0: none
    qint64 minFreeDiskBytes = qint64(1024) * 1024 * 1024;        // kept free; 0: no floor
    int retentionSeconds = 3600;
    QString cacheDir;                  // default: <data dir>/cache
    qint64 cacheSizeBytes = 0;         // the result cache's budget; 0: no cache
    bool cacheShared = false;          // --cache-scope shared: one cache for every owner
    QString logLevel = QStringLiteral("info");
    LogFormat logFormat = LogFormat::Text;
    qint64 maxChunkBytes = 1024 * 1024;
    qint64 maxMessageBytes = 64 * 1024;
    qint64 maxBinaryMessageBytes = qint64(512) * 1024 * 1024;
    qint64 level0OutputLimitBytes = qint64(256) * 1024 * 1024;
    int maxJobsPerConnection = 16;
    int maxBatchItems = 100;          // items of one start_batch (docs/batches.md)
    int maxQueuedJobs = 1000;
    int ownerQueueSharePercent = 50;   // of maxQueuedJobs, per owner
    int maxRedirects = 5;
    int outputUploadAttempts = 3;         // tries per output target (2xx ends them)
    int outputUploadTimeoutSeconds = 60;  // no response or no progress for this long: the try fails
    int downloadTimeoutSeconds = 600;
    int maxConnections = 1000;
    int maxUnauthenticated = 256;             // connections before their authentication, overall
    int maxUnauthenticatedPerAddress = 32;    // ... and from one address
    qint64 receiveBudgetBytes = qint64(1024) * 1024 * 1024;        // large incoming messages, service-wide
    qint64 level0OutputBudgetBytes = qint64(512) * 1024 * 1024;    // whole level 0 outputs in socket buffers
    qint64 maxSendBacklogBytes = qint64(8) * 1024 * 1024;          // unread messages queued for one peer
    int pingIntervalSeconds = 30;
    int handshakeTimeoutSeconds = 10;
    int httpMaxConnections = 64;
    int httpHeaderTimeoutSeconds = 10;
    int httpIdleTimeoutSeconds = 15;
    int drainSeconds = 30;
    int jobsPerMinute = 120;           // new jobs per owner per minute; 0 disables
    QString tokensFile;
    QString presetsFile;               // operator presets over the built-in ones; empty: built-ins only
    QStringList allowedOrigins;        // empty: browsers from any origin are refused unless *
    bool allowPrivateUrls = false;
    // S3-compatible storages by name (--storage, repeatable; docs/storage.md), with their
    // credentials filled in from the environment or --storage-credentials-file.
    QList<StorageSpec> storages;
    QString storageCredentialsFile;
    qint64 storagePartSize = qint64(16) * 1024 * 1024;   // outputs above it go to a storage in parts
    bool insecureNoAuth = false;
    QString ffmpegPath = QStringLiteral("ffmpeg");
    QString ffprobePath = QStringLiteral("ffprobe");
    // How inputs and outputs are probed: the long-lived mediaforge-prober helper (libavformat,
    // no process start per probe) or one ffprobe run per probe.
    enum class ProberKind { Builtin, Ffprobe };
    ProberKind prober = ProberKind::Builtin;
    // Limits of every ffmpeg/ffprobe run (docs/security-ffmpeg.md). 0 switches a limit off.
    qint64 ffmpegMaxOutputBytes = qint64(4) * 1024 * 1024 * 1024;   // -fs per output file
    qint64 ffmpegMemoryBytes = qint64(8) * 1024 * 1024 * 1024;      // RLIMIT_AS
    qint64 ffprobeMemoryBytes = qint64(1) * 1024 * 1024 * 1024;     // RLIMIT_AS
    int ffmpegCpuSeconds = -1;         // RLIMIT_CPU; -1 until loaded: job timeout x CPU cores
    int ffmpegNice = 10;               // added niceness of ffmpeg and ffprobe
    int ffmpegIoPriority = 7;          // best-effort I/O level 0-7; -1 leaves it
    QString tlsCertificate;
    QString tlsKey;

    bool bindsLoopbackOnly() const;
    bool sharedStore() const { return store.startsWith(QLatin1StringView("postgres")); }
};

// The outcome of reading the command line: run with a Config, or exit at once (help, version,
// check-config, bad value) with the text to print and the exit code.
struct ConfigOutcome
{
    enum class Action { Run, Exit };
    Action action = Action::Run;
    Config config;
    QString output;     // for stdout (help, version, check-config)
    QString error;      // one line for stderr
    int exitCode = 0;
};

class ConfigLoader
{
public:
    // `arguments` includes the program name, as QCoreApplication::arguments().
    static ConfigOutcome load(const QStringList &arguments, const QProcessEnvironment &environment);
    // The configuration table of the README, generated from the same definitions.
    static QString markdownTable();
    // Every environment variable load() reads (MEDIAFORGE_* and the legacy names), so that
    // whoever starts a service with a clean environment strips exactly these.
    static QStringList environmentVariables();
};

} // namespace Mediaforge
