// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSysInfo>
#include <QThread>
#include <QUrl>

#include <algorithm>
#include <functional>
#include <optional>

namespace Mediaforge {

// Sizes accept plain bytes or a K/M/G/T suffix (binary units), as operators write them; the
// same rule for flags and for the tokens file's quota keys.
std::optional<qint64> parseByteSize(const QString &text)
{
    QString value = text.trimmed().toUpper();
    if (value.endsWith(u'B'))
        value.chop(1);
    if (value.endsWith(u'I'))
        value.chop(1);
    qint64 multiplier = 1;
    if (value.endsWith(u'K'))
        multiplier = 1024;
    else if (value.endsWith(u'M'))
        multiplier = 1024 * 1024;
    else if (value.endsWith(u'G'))
        multiplier = qint64(1024) * 1024 * 1024;
    else if (value.endsWith(u'T'))
        multiplier = qint64(1024) * 1024 * 1024 * 1024;
    if (multiplier != 1)
        value.chop(1);
    bool ok = false;
    const qint64 number = value.toLongLong(&ok);
    if (!ok || number < 0 || number > (qint64(1) << 50) / multiplier)
        return std::nullopt;
    return number * multiplier;
}

namespace {

// Parses one textual value into the Config. Returns what is allowed when the value is bad.
using Apply = std::function<std::optional<QString>(Config &, const QString &value, bool legacy)>;

struct Setting
{
    QString flag;           // --flag
    QString env;            // MEDIAFORGE_*
    QString legacyEnv;      // name used by the services Mediaforge replaces, if any
    QString valueName;      // empty: a switch without value
    QString description;
    QString defaultText;
    Apply apply;
};

std::optional<QString> applyInt(int &target, const QString &value, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 parsed = value.trimmed().toLongLong(&ok);
    if (!ok || parsed < min || parsed > max)
        return QStringLiteral("an integer from %1 to %2").arg(min).arg(max);
    target = int(parsed);
    return std::nullopt;
}

std::optional<QString> applyBytes(qint64 &target, const QString &value, qint64 min, qint64 max)
{
    const auto parsed = parseByteSize(value);
    if (!parsed || *parsed < min || *parsed > max) {
        return QStringLiteral("a size from %1 to %2 bytes (suffixes K, M, G allowed)").arg(min).arg(max);
    }
    target = *parsed;
    return std::nullopt;
}

// A resource limit: 0 switches it off, anything else must leave the program room to run.
std::optional<QString> applyLimitBytes(qint64 &target, const QString &value, qint64 min)
{
    const auto parsed = parseByteSize(value);
    if (!parsed || (*parsed != 0 && *parsed < min))
        return QStringLiteral("0 (no limit) or a size of at least %1 bytes (suffixes K, M, G allowed)").arg(min);
    target = *parsed;
    return std::nullopt;
}

std::optional<bool> parseBool(const QString &text)
{
    const QString value = text.trimmed().toLower();
    if (value == QLatin1StringView("1") || value == QLatin1StringView("true") || value == QLatin1StringView("yes")
        || value == QLatin1StringView("on"))
        return true;
    if (value == QLatin1StringView("0") || value == QLatin1StringView("false") || value == QLatin1StringView("no")
        || value == QLatin1StringView("off"))
        return false;
    return std::nullopt;
}

Apply boolSetting(bool Config::*member)
{
    return [member](Config &config, const QString &value, bool) -> std::optional<QString> {
        const auto parsed = parseBool(value);
        if (!parsed)
            return QStringLiteral("true or false");
        config.*member = *parsed;
        return std::nullopt;
    };
}

Apply intSetting(int Config::*member, qint64 min, qint64 max)
{
    return [=](Config &config, const QString &value, bool) { return applyInt(config.*member, value, min, max); };
}

Apply bytesSetting(qint64 Config::*member, qint64 min, qint64 max)
{
    return [=](Config &config, const QString &value, bool) { return applyBytes(config.*member, value, min, max); };
}

Apply stringSetting(QString Config::*member)
{
    return [member](Config &config, const QString &value, bool) -> std::optional<QString> {
        if (value.trimmed().isEmpty())
            return QStringLiteral("a non-empty value");
        config.*member = value.trimmed();
        return std::nullopt;
    };
}

constexpr qint64 kMiB = 1024 * 1024;

QList<Setting> settings()
{
    QList<Setting> list;
    list.append({QStringLiteral("host"), QStringLiteral("MEDIAFORGE_HOST"), QStringLiteral("WS_HOST"),
                 QStringLiteral("address"),
                 QStringLiteral("Address to listen on (WebSocket and HTTP). Anything but loopback needs a tokens file or --insecure-no-auth."),
                 QStringLiteral("127.0.0.1"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     const QString host = value.trimmed();
                     QHostAddress address;
                     if (host != QLatin1StringView("localhost") && !address.setAddress(host))
                         return QStringLiteral("an IP address, 0.0.0.0, :: or localhost");
                     config.host = host;
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("port"), QStringLiteral("MEDIAFORGE_PORT"), QStringLiteral("WS_PORT"),
                 QStringLiteral("port"), QStringLiteral("WebSocket port; 0 picks a free one (printed at start-up)."),
                 QStringLiteral("8080"), intSetting(&Config::port, 0, 65535)});
    list.append({QStringLiteral("http-port"), QStringLiteral("MEDIAFORGE_HTTP_PORT"), QStringLiteral("HEALTH_PORT"),
                 QStringLiteral("port"),
                 QStringLiteral("HTTP port for /health, /metrics and output downloads; 0 picks a free one."),
                 QStringLiteral("8081"), intSetting(&Config::httpPort, 0, 65535)});
    list.append({QStringLiteral("max-concurrent-jobs"), QStringLiteral("MEDIAFORGE_MAX_CONCURRENT_JOBS"),
                 QStringLiteral("MAX_CONCURRENT_JOBS"), QStringLiteral("n"),
                 QStringLiteral("ffmpeg worker slots: jobs processed at the same time."), QStringLiteral("CPU cores"),
                 intSetting(&Config::maxConcurrentJobs, 1, 256)});
    list.append({QStringLiteral("job-timeout"), QStringLiteral("MEDIAFORGE_JOB_TIMEOUT"),
                 QStringLiteral("FFMPEG_TIMEOUT_SECONDS"), QStringLiteral("seconds"),
                 QStringLiteral("Longest a job may spend processing before it fails with TIMEOUT."),
                 QStringLiteral("600"), intSetting(&Config::jobTimeoutSeconds, 1, 7 * 24 * 3600)});
    list.append({QStringLiteral("stall-seconds"), QStringLiteral("MEDIAFORGE_STALL_SECONDS"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("A job whose ffmpeg or download makes no progress this long fails with TIMEOUT (stalled)."),
                 QStringLiteral("120"), intSetting(&Config::stallSeconds, 1, 24 * 3600)});
    list.append({QStringLiteral("ffmpeg-threads"), QStringLiteral("MEDIAFORGE_FFMPEG_THREADS"),
                 QStringLiteral("FFMPEG_THREADS"), QStringLiteral("n"),
                 QStringLiteral("Threads per ffmpeg run (-threads); 0 lets ffmpeg decide."), QStringLiteral("0"),
                 intSetting(&Config::ffmpegThreads, 0, 256)});
    list.append({QStringLiteral("data-dir"), QStringLiteral("MEDIAFORGE_DATA_DIR"), QString(), QStringLiteral("path"),
                 QStringLiteral("Directory of the job store (jobs.db) and, unless --temp-dir says otherwise, the job files; one instance per directory (locked)."),
                 QStringLiteral("<XDG data home>/mediaforge"), stringSetting(&Config::dataDir)});
    list.append({QStringLiteral("store"), QStringLiteral("MEDIAFORGE_STORE"), QString(), QStringLiteral("store"),
                 QStringLiteral("Job store: sqlite (<data dir>/jobs.db), sqlite:PATH, postgresql://USER@HOST:PORT/DB (a libpq URI: one database that several nodes share, see docs/scaling.md; the password from PGPASSWORD or a libpq password file rather than the URI, which ps shows), or memory (nothing survives a restart; benchmarks and throw-away instances)."),
                 QStringLiteral("sqlite"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     const QString store = value.trimmed();
                     const QUrl url(store, QUrl::StrictMode);
                     const bool postgres = (url.scheme() == QLatin1StringView("postgresql")
                                            || url.scheme() == QLatin1StringView("postgres"))
                             && url.isValid() && url.path().size() > 1;
                     if (store != QLatin1StringView("sqlite") && store != QLatin1StringView("memory") && !postgres
                         && !(store.startsWith(QLatin1StringView("sqlite:")) && store.size() > 7))
                         return QStringLiteral("sqlite, sqlite:PATH, postgresql://USER@HOST:PORT/DB or memory");
                     config.store = store;
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("node-name"), QStringLiteral("MEDIAFORGE_NODE_NAME"), QString(), QStringLiteral("name"),
                 QStringLiteral("This node's name in a store that several nodes share (PostgreSQL): the jobs it holds and the leases it renews carry it, so it must differ between nodes and stay the same across restarts of one."),
                 QStringLiteral("<host name>"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"));
                     if (!name.match(value.trimmed()).hasMatch())
                         return QStringLiteral("1 to 63 letters, digits, dots, dashes or underscores");
                     config.nodeName = value.trimmed();
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("lease-seconds"), QStringLiteral("MEDIAFORGE_LEASE_SECONDS"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("With a PostgreSQL store: how long a node's claim on a running job lasts without renewal (renewed every third of it, by the database's clock); a job whose node stopped renewing runs again on another node after this."),
                 QStringLiteral("30"), intSetting(&Config::leaseSeconds, 3, 3600)});
    list.append({QStringLiteral("advertise-url"), QStringLiteral("MEDIAFORGE_ADVERTISE_URL"), QString(),
                 QStringLiteral("url"),
                 QStringLiteral("With a PostgreSQL store: the http(s)://HOST:PORT at which the other nodes reach this node's HTTP port (they fetch job files from it). Required when --host is a wildcard (0.0.0.0, ::); otherwise derived from the address and port the HTTP port bound."),
                 QStringLiteral("<bound HTTP address>"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     const QUrl url(value.trimmed(), QUrl::StrictMode);
                     const bool fit = url.isValid() && (url.scheme() == QLatin1StringView("http") || url.scheme() == QLatin1StringView("https"))
                             && !url.host().isEmpty() && url.userInfo().isEmpty() && !url.hasQuery() && !url.hasFragment()
                             && (url.path().isEmpty() || url.path() == QLatin1StringView("/"));
                     if (!fit)
                         return QStringLiteral("http://HOST:PORT or https://HOST:PORT (no user, path or query)");
                     QUrl origin = url;
                     origin.setPath(QString());
                     config.advertiseUrl = origin.toString();
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("cluster-secret-file"), QStringLiteral("MEDIAFORGE_CLUSTER_SECRET_FILE"), QString(),
                 QStringLiteral("path"),
                 QStringLiteral("File holding the cluster secret (at least 32 bytes; the same on every node) that signs the requests nodes make to each other; required with a PostgreSQL store unless MEDIAFORGE_CLUSTER_SECRET holds it. Never a command-line value, never a client token (docs/security.md)."),
                 QStringLiteral("none"), stringSetting(&Config::clusterSecretFile)});
    list.append({QStringLiteral("shared-dir"), QStringLiteral("MEDIAFORGE_SHARED_DIR"), QString(), QStringLiteral("path"),
                 QStringLiteral("With a PostgreSQL store: an existing directory that every node mounts at the same path (NFS, CephFS). This node keeps its job files in PATH/<node name> (instead of --temp-dir, locked and swept by this node only); nodes with the same shared dir read each other's inputs and outputs there instead of over HTTP (docs/scaling.md)."),
                 QStringLiteral("none"), stringSetting(&Config::sharedDir)});
    list.append({QStringLiteral("webhook-secret-file"), QStringLiteral("MEDIAFORGE_WEBHOOK_SECRET_FILE"), QString(),
                 QStringLiteral("path"),
                 QStringLiteral("File holding the key (at least 16 bytes) that signs webhooks of jobs whose owner has no secret of its own (auth off); MEDIAFORGE_WEBHOOK_SECRET may hold it instead. Never a command-line value. Without any, start_job with notify_url is refused (docs/webhooks.md)."),
                 QStringLiteral("none"), stringSetting(&Config::webhookSecretFile)});
    list.append({QStringLiteral("webhook-retry-hours"), QStringLiteral("MEDIAFORGE_WEBHOOK_RETRY_HOURS"), QString(),
                 QStringLiteral("hours"),
                 QStringLiteral("How long a webhook delivery is retried (across restarts) before it is marked failed."),
                 QStringLiteral("24"), intSetting(&Config::webhookRetryHours, 1, 720)});
    list.append({QStringLiteral("webhook-min-backoff"), QStringLiteral("MEDIAFORGE_WEBHOOK_MIN_BACKOFF"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("Delay after a webhook's first failed attempt; it doubles with each further failure (plus up to 25% jitter), up to an hour."),
                 QStringLiteral("30"), intSetting(&Config::webhookMinBackoffSeconds, 1, 3600)});
    list.append({QStringLiteral("webhook-timeout"), QStringLiteral("MEDIAFORGE_WEBHOOK_TIMEOUT"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("Time a webhook attempt may take from the name lookup to the receiver's status line; then it is dropped and retried."),
                 QStringLiteral("10"), intSetting(&Config::webhookTimeoutSeconds, 1, 300)});
    list.append({QStringLiteral("webhook-max-in-flight"), QStringLiteral("MEDIAFORGE_WEBHOOK_MAX_IN_FLIGHT"), QString(),
                 QStringLiteral("n"), QStringLiteral("Webhook requests open at once on this node; due deliveries beyond wait."),
                 QStringLiteral("16"), intSetting(&Config::webhookMaxInFlight, 1, 1000)});
    list.append({QStringLiteral("temp-dir"), QStringLiteral("MEDIAFORGE_TEMP_DIR"), QStringLiteral("TEMP_DIR"),
                 QStringLiteral("path"),
                 QStringLiteral("Directory for job files (one sub-directory per job, removed when it ends); one instance per directory (locked)."),
                 QStringLiteral("<data dir>/jobs"), stringSetting(&Config::tempDir)});
    list.append({QStringLiteral("history-days"), QStringLiteral("MEDIAFORGE_HISTORY_DAYS"), QString(),
                 QStringLiteral("days"), QStringLiteral("How long records of finished jobs stay in the store (list_jobs history)."),
                 QStringLiteral("7"), intSetting(&Config::historyDays, 1, 3650)});
    list.append({QStringLiteral("max-attempts"), QStringLiteral("MEDIAFORGE_MAX_ATTEMPTS"), QString(),
                 QStringLiteral("n"),
                 QStringLiteral("Runs a job may start: one interrupted by a crash runs again until then, and fails with ATTEMPTS_EXHAUSTED after."),
                 QStringLiteral("2"), intSetting(&Config::maxAttempts, 1, 100)});
    list.append({QStringLiteral("reconnect-grace"), QStringLiteral("MEDIAFORGE_RECONNECT_GRACE"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("How long a level 1 job of a token owner waits for its owner to attach again after its connection dropped (also after a restart) before it is cancelled; 0: cancel at once."),
                 QStringLiteral("60"), intSetting(&Config::reconnectGraceSeconds, 0, 86400)});
    list.append({QStringLiteral("reset-store"), QStringLiteral("MEDIAFORGE_RESET_STORE"), QString(), QString(),
                 QStringLiteral("Move a job store that cannot be opened (damaged or foreign) aside to jobs.db.broken-<time> and start with an empty one."),
                 QStringLiteral("off"), boolSetting(&Config::resetStore)});
    list.append({QStringLiteral("max-file-size"), QStringLiteral("MEDIAFORGE_MAX_FILE_SIZE"),
                 QStringLiteral("MAX_FILE_SIZE_MB"), QStringLiteral("bytes"),
                 QStringLiteral("Largest input file, uploaded or downloaded (K, M, G suffixes; the legacy variable is in MB)."),
                 QStringLiteral("2G"), [](Config &config, const QString &value, bool legacy) {
                     return applyBytes(config.maxFileBytes, legacy ? value.trimmed() + u'M' : value, 1,
                                       qint64(1) << 44);
                 }});
    list.append({QStringLiteral("max-job-input"), QStringLiteral("MEDIAFORGE_MAX_JOB_INPUT"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Input bytes of one job, all its inputs together (concat); TOO_LARGE beyond, before the bytes are stored."),
                 QStringLiteral("4G"), bytesSetting(&Config::maxJobInputBytes, 1, qint64(1) << 46)});
    list.append({QStringLiteral("disk-budget"), QStringLiteral("MEDIAFORGE_DISK_BUDGET"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Disk space all job files in the temp dir may take together; new input beyond it is refused with INSUFFICIENT_STORAGE. 0: no budget."),
                 QStringLiteral("20G"), [](Config &config, const QString &value, bool) {
                     return applyLimitBytes(config.diskBudgetBytes, value, kMiB);
                 }});
    list.append({QStringLiteral("min-free-disk"), QStringLiteral("MEDIAFORGE_MIN_FREE_DISK"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Free space the temp dir's file system keeps; new input that would go below it is refused with INSUFFICIENT_STORAGE. 0: no floor."),
                 QStringLiteral("1G"), [](Config &config, const QString &value, bool) {
                     return applyLimitBytes(config.minFreeDiskBytes, value, 1);
                 }});
    list.append({QStringLiteral("retention"), QStringLiteral("MEDIAFORGE_RETENTION_SECONDS"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("How long finished outputs are kept: for detached jobs, level 0 outputs too large for one message, and undelivered outputs (then removed)."),
                 QStringLiteral("3600"), intSetting(&Config::retentionSeconds, 0, 30 * 24 * 3600)});
    list.append({QStringLiteral("cache-size"), QStringLiteral("MEDIAFORGE_CACHE_SIZE"), QString(), QStringLiteral("bytes"),
                 QStringLiteral("Budget of the result cache (completed outputs kept to answer identical jobs without ffmpeg; least recently used go first). It keeps clients' outputs past --retention, so it is off until set. 0: no cache."),
                 QStringLiteral("0"), [](Config &config, const QString &value, bool) {
                     return applyLimitBytes(config.cacheSizeBytes, value, 1);
                 }});
    list.append({QStringLiteral("cache-dir"), QStringLiteral("MEDIAFORGE_CACHE_DIR"), QString(), QStringLiteral("path"),
                 QStringLiteral("Directory of the result cache; kept across restarts, best on the temp dir's file system (hard links instead of copies)."),
                 QStringLiteral("<data dir>/cache"), stringSetting(&Config::cacheDir)});
    list.append({QStringLiteral("cache-scope"), QStringLiteral("MEDIAFORGE_CACHE_SCOPE"), QString(), QStringLiteral("scope"),
                 QStringLiteral("owner: a job is answered only from its own owner's results (a shared cache would let one tenant learn what another processed); shared: from anyone's."),
                 QStringLiteral("owner"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     const QString scope = value.trimmed().toLower();
                     if (scope != QLatin1StringView("owner") && scope != QLatin1StringView("shared"))
                         return QStringLiteral("owner or shared");
                     config.cacheShared = scope == QLatin1StringView("shared");
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("log-level"), QStringLiteral("MEDIAFORGE_LOG_LEVEL"), QStringLiteral("LOG_LEVEL"),
                 QStringLiteral("level"), QStringLiteral("debug, info, warning or error."), QStringLiteral("info"),
                 [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     QString level = value.trimmed().toLower();
                     if (level == QLatin1StringView("warn"))
                         level = QStringLiteral("warning");
                     if (level == QLatin1StringView("critical"))
                         level = QStringLiteral("error");
                     static const QStringList allowed{QStringLiteral("debug"), QStringLiteral("info"),
                                                      QStringLiteral("warning"), QStringLiteral("error")};
                     if (!allowed.contains(level))
                         return QStringLiteral("debug, info, warning or error");
                     config.logLevel = level;
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("log-format"), QStringLiteral("MEDIAFORGE_LOG_FORMAT"), QString(),
                 QStringLiteral("format"), QStringLiteral("text (for people) or json (one object per line)."),
                 QStringLiteral("text"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     const QString format = value.trimmed().toLower();
                     if (format == QLatin1StringView("text"))
                         config.logFormat = Config::LogFormat::Text;
                     else if (format == QLatin1StringView("json"))
                         config.logFormat = Config::LogFormat::Json;
                     else
                         return QStringLiteral("text or json");
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("max-chunk-size"), QStringLiteral("MEDIAFORGE_MAX_CHUNK_SIZE"), QString(),
                 QStringLiteral("bytes"), QStringLiteral("Largest level 1 upload/download chunk."), QStringLiteral("1M"),
                 bytesSetting(&Config::maxChunkBytes, 4096, 64 * kMiB)});
    list.append({QStringLiteral("max-message-size"), QStringLiteral("MEDIAFORGE_MAX_MESSAGE_SIZE"), QString(),
                 QStringLiteral("bytes"), QStringLiteral("Largest JSON text message."), QStringLiteral("64K"),
                 bytesSetting(&Config::maxMessageBytes, 1024, 16 * kMiB)});
    list.append({QStringLiteral("max-binary-message-size"), QStringLiteral("MEDIAFORGE_MAX_BINARY_MESSAGE_SIZE"),
                 QString(), QStringLiteral("bytes"),
                 QStringLiteral("Largest binary message (a whole level 0 upload is one; Qt holds it in memory)."),
                 QStringLiteral("512M"), bytesSetting(&Config::maxBinaryMessageBytes, 64 * 1024, qint64(2047) * kMiB)});
    list.append({QStringLiteral("level0-output-limit"), QStringLiteral("MEDIAFORGE_LEVEL0_OUTPUT_LIMIT"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Largest output sent to a level 0 client as one message; beyond it the job fails with TOO_LARGE."),
                 QStringLiteral("256M"), bytesSetting(&Config::level0OutputLimitBytes, 1024, qint64(2047) * kMiB)});
    list.append({QStringLiteral("max-jobs-per-connection"), QStringLiteral("MEDIAFORGE_MAX_JOBS_PER_CONNECTION"),
                 QString(), QStringLiteral("n"), QStringLiteral("Unfinished jobs one connection may have."),
                 QStringLiteral("16"), intSetting(&Config::maxJobsPerConnection, 1, 10000)});
    list.append({QStringLiteral("max-batch-items"), QStringLiteral("MEDIAFORGE_MAX_BATCH_ITEMS"),
                 QString(), QStringLiteral("n"),
                 QStringLiteral("Items (jobs) one start_batch may hold; each also counts against the queue and owner limits."),
                 QStringLiteral("100"), intSetting(&Config::maxBatchItems, 1, 10000)});
    list.append({QStringLiteral("max-queued-jobs"), QStringLiteral("MEDIAFORGE_MAX_QUEUED_JOBS"), QString(),
                 QStringLiteral("n"), QStringLiteral("Jobs waiting for a worker overall; QUEUE_FULL beyond."),
                 QStringLiteral("1000"), intSetting(&Config::maxQueuedJobs, 1, 1000000)});
    list.append({QStringLiteral("owner-queue-share"), QStringLiteral("MEDIAFORGE_OWNER_QUEUE_SHARE"), QString(),
                 QStringLiteral("percent"),
                 QStringLiteral("Share of --max-queued-jobs one owner's waiting jobs may take (QUEUE_FULL beyond), so that one client cannot lock everyone else out; 100 disables."),
                 QStringLiteral("50"), intSetting(&Config::ownerQueueSharePercent, 1, 100)});
    list.append({QStringLiteral("max-redirects"), QStringLiteral("MEDIAFORGE_MAX_REDIRECTS"), QString(),
                 QStringLiteral("n"), QStringLiteral("Redirects a URL download may follow."), QStringLiteral("5"),
                 intSetting(&Config::maxRedirects, 0, 20)});
    list.append({QStringLiteral("output-upload-attempts"), QStringLiteral("MEDIAFORGE_OUTPUT_UPLOAD_ATTEMPTS"), QString(),
                 QStringLiteral("n"),
                 QStringLiteral("Tries to put each output to its output_targets URL (back-off 1 s, 2 s, 4 s, ... between them); then OUTPUT_UPLOAD_FAILED."),
                 QStringLiteral("3"), intSetting(&Config::outputUploadAttempts, 1, 10)});
    list.append({QStringLiteral("output-upload-timeout"), QStringLiteral("MEDIAFORGE_OUTPUT_UPLOAD_TIMEOUT"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("One output upload try fails when the target neither accepts bytes nor answers for this long."),
                 QStringLiteral("60"), intSetting(&Config::outputUploadTimeoutSeconds, 1, 3600)});
    list.append({QStringLiteral("download-timeout"), QStringLiteral("MEDIAFORGE_DOWNLOAD_TIMEOUT"), QString(),
                 QStringLiteral("seconds"), QStringLiteral("Longest a URL download may take."), QStringLiteral("600"),
                 intSetting(&Config::downloadTimeoutSeconds, 1, 24 * 3600)});
    list.append({QStringLiteral("max-connections"), QStringLiteral("MEDIAFORGE_MAX_CONNECTIONS"), QString(),
                 QStringLiteral("n"), QStringLiteral("WebSocket connections at once."), QStringLiteral("1000"),
                 intSetting(&Config::maxConnections, 1, 100000)});
    list.append({QStringLiteral("max-unauthenticated"), QStringLiteral("MEDIAFORGE_MAX_UNAUTHENTICATED"), QString(),
                 QStringLiteral("n"),
                 QStringLiteral("Connections not yet authenticated (before or during the handshake, or waiting for hello), overall; more are refused with HTTP 503. Applies with a tokens file or beyond loopback."),
                 QStringLiteral("256"), intSetting(&Config::maxUnauthenticated, 1, 100000)});
    list.append({QStringLiteral("max-unauthenticated-per-address"), QStringLiteral("MEDIAFORGE_MAX_UNAUTHENTICATED_PER_ADDRESS"),
                 QString(), QStringLiteral("n"),
                 QStringLiteral("Connections not yet authenticated from one client address; more are refused with HTTP 503."),
                 QStringLiteral("32"), intSetting(&Config::maxUnauthenticatedPerAddress, 1, 100000)});
    list.append({QStringLiteral("receive-budget"), QStringLiteral("MEDIAFORGE_RECEIVE_BUDGET"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Memory for large incoming messages (level 0 uploads) of all connections together; beyond it a message waits its turn (at least --max-binary-message-size)."),
                 QStringLiteral("1G"), bytesSetting(&Config::receiveBudgetBytes, 64 * 1024, qint64(64) * 1024 * kMiB)});
    list.append({QStringLiteral("level0-output-budget"), QStringLiteral("MEDIAFORGE_LEVEL0_OUTPUT_BUDGET"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Memory for whole level 0 outputs being sent, all connections together; beyond it a delivery waits its turn (at least --level0-output-limit)."),
                 QStringLiteral("512M"), bytesSetting(&Config::level0OutputBudgetBytes, 1024, qint64(64) * 1024 * kMiB)});
    list.append({QStringLiteral("max-send-backlog"), QStringLiteral("MEDIAFORGE_MAX_SEND_BACKLOG"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Messages queued for a peer that does not read: past an eighth of it progress events coalesce, past it the connection is dropped."),
                 QStringLiteral("8M"), bytesSetting(&Config::maxSendBacklogBytes, 64 * 1024, qint64(1024) * kMiB)});
    list.append({QStringLiteral("http-max-connections"), QStringLiteral("MEDIAFORGE_HTTP_MAX_CONNECTIONS"), QString(),
                 QStringLiteral("n"),
                 QStringLiteral("HTTP connections at once; at the cap the longest idle one is closed for a new one, or the new one gets 503 when all are busy."),
                 QStringLiteral("64"), intSetting(&Config::httpMaxConnections, 1, 100000)});
    list.append({QStringLiteral("http-header-timeout"), QStringLiteral("MEDIAFORGE_HTTP_HEADER_TIMEOUT"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("Time an HTTP client has to send a whole request head: the first from the connection's start, later ones from their first byte; 408 and close beyond."),
                 QStringLiteral("10"), intSetting(&Config::httpHeaderTimeoutSeconds, 1, 3600)});
    list.append({QStringLiteral("http-idle-timeout"), QStringLiteral("MEDIAFORGE_HTTP_IDLE_TIMEOUT"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("A kept-alive HTTP connection with no new request this long, or whose client reads nothing of its answer this long, is closed."),
                 QStringLiteral("15"), intSetting(&Config::httpIdleTimeoutSeconds, 1, 3600)});
    list.append({QStringLiteral("ping-interval"), QStringLiteral("MEDIAFORGE_PING_INTERVAL"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("WebSocket keep-alive ping; a peer silent for two intervals is dropped."),
                 QStringLiteral("30"), intSetting(&Config::pingIntervalSeconds, 1, 3600)});
    list.append({QStringLiteral("drain-seconds"), QStringLiteral("MEDIAFORGE_DRAIN_SECONDS"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("On SIGTERM/SIGINT, how long running jobs may finish before they are cancelled."),
                 QStringLiteral("30"), intSetting(&Config::drainSeconds, 0, 24 * 3600)});
    list.append({QStringLiteral("jobs-per-minute"), QStringLiteral("MEDIAFORGE_JOBS_PER_MINUTE"), QString(),
                 QStringLiteral("n"), QStringLiteral("New jobs per owner per minute (RATE_LIMITED beyond); 0 disables."),
                 QStringLiteral("120"), intSetting(&Config::jobsPerMinute, 0, 1000000)});
    list.append({QStringLiteral("tokens-file"), QStringLiteral("MEDIAFORGE_TOKENS_FILE"), QString(),
                 QStringLiteral("path"), QStringLiteral("File of `role token name [key=value ...]` lines; enables authentication. Keys limit an owner to presets and set its quotas (docs/security.md)."),
                 QStringLiteral("none"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     if (!QFileInfo(value.trimmed()).isReadable())
                         return QStringLiteral("a readable file");
                     config.tokensFile = value.trimmed();
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("presets"), QStringLiteral("MEDIAFORGE_PRESETS"), QString(),
                 QStringLiteral("path"), QStringLiteral("JSON file of presets that override or add to the built-in ones (docs/presets.md)."),
                 QStringLiteral("none"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     if (!QFileInfo(value.trimmed()).isReadable())
                         return QStringLiteral("a readable file");
                     config.presetsFile = value.trimmed();
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("allowed-origins"), QStringLiteral("MEDIAFORGE_ALLOWED_ORIGINS"), QString(),
                 QStringLiteral("list"),
                 QStringLiteral("Comma-separated browser origins allowed to connect (e.g. https://app.example), or *. Clients that send no Origin are not affected."),
                 QStringLiteral("none"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     QStringList origins;
                     const QStringList parts = value.split(u',', Qt::SkipEmptyParts);
                     for (const QString &part : parts) {
                         const QString origin = part.trimmed();
                         const QUrl url(origin);
                         if (origin != QLatin1StringView("*")
                             && (!url.isValid() || url.host().isEmpty() || !url.path().isEmpty()))
                             return QStringLiteral("comma-separated origins such as https://app.example:8443, or *");
                         origins.append(origin);
                     }
                     config.allowedOrigins = origins;
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("storage"), QStringLiteral("MEDIAFORGE_STORAGE"), QString(),
                 QStringLiteral("spec"),
                 QStringLiteral("An S3-compatible storage jobs may read inputs from and write outputs to by name: `NAME=s3://BUCKET?endpoint=http(s)://HOST:PORT&region=R&style=path\\|virtual`. Repeat the flag (or separate with spaces in the variable) for several. Credentials: `MEDIAFORGE_STORAGE_<NAME>_ACCESS_KEY_ID`/`_SECRET_ACCESS_KEY`, `--storage-credentials-file` or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (docs/storage.md)."),
                 QStringLiteral("none"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     QList<StorageSpec> storages;
                     static const QRegularExpression separators(QStringLiteral("\\s+"));
                     const QStringList parts = value.split(separators, Qt::SkipEmptyParts);
                     for (const QString &part : parts) {
                         auto parsed = StorageSpec::parse(part);
                         if (const QString *problem = std::get_if<QString>(&parsed))
                             return *problem;
                         StorageSpec spec = std::get<StorageSpec>(std::move(parsed));
                         for (const StorageSpec &earlier : std::as_const(storages)) {
                             if (earlier.name == spec.name)
                                 return QStringLiteral("each storage name once (%1 is given twice)").arg(spec.name);
                         }
                         storages.append(spec);
                     }
                     config.storages = storages;
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("storage-credentials-file"), QStringLiteral("MEDIAFORGE_STORAGE_CREDENTIALS_FILE"), QString(),
                 QStringLiteral("path"),
                 QStringLiteral("INI file like ~/.aws/credentials with a `[NAME]` section (aws_access_key_id, aws_secret_access_key, aws_session_token) per storage."),
                 QStringLiteral("none"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     if (!QFileInfo(value.trimmed()).isReadable())
                         return QStringLiteral("a readable file");
                     config.storageCredentialsFile = value.trimmed();
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("storage-part-size"), QStringLiteral("MEDIAFORGE_STORAGE_PART_SIZE"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Outputs larger than this go to a configured storage as a multipart upload in parts of this size (S3 needs at least 5M; raised for files past 10,000 parts)."),
                 QStringLiteral("16M"), bytesSetting(&Config::storagePartSize, 5 * kMiB, qint64(5) * 1024 * kMiB)});
    list.append({QStringLiteral("allow-private-urls"), QStringLiteral("MEDIAFORGE_ALLOW_PRIVATE_URLS"), QString(),
                 QString(),
                 QStringLiteral("Let URL inputs reach loopback and private addresses (tests, trusted intranets)."),
                 QStringLiteral("off"), boolSetting(&Config::allowPrivateUrls)});
    list.append({QStringLiteral("insecure-no-auth"), QStringLiteral("MEDIAFORGE_INSECURE_NO_AUTH"), QString(),
                 QString(), QStringLiteral("Allow a non-loopback address without a tokens file."),
                 QStringLiteral("off"), boolSetting(&Config::insecureNoAuth)});
    list.append({QStringLiteral("ffmpeg"), QStringLiteral("MEDIAFORGE_FFMPEG"), QString(), QStringLiteral("path"),
                 QStringLiteral("ffmpeg program."), QStringLiteral("ffmpeg (PATH)"), stringSetting(&Config::ffmpegPath)});
    list.append({QStringLiteral("ffprobe"), QStringLiteral("MEDIAFORGE_FFPROBE"), QString(), QStringLiteral("path"),
                 QStringLiteral("ffprobe program."), QStringLiteral("ffprobe (PATH)"),
                 stringSetting(&Config::ffprobePath)});
    list.append({QStringLiteral("prober"), QStringLiteral("MEDIAFORGE_PROBER"), QString(), QStringLiteral("kind"),
                 QStringLiteral("builtin: probe with the long-lived mediaforge-prober helper next to mediaforged (no process start per probe; ffprobe when the helper is missing); ffprobe: one ffprobe run per probe."),
                 QStringLiteral("builtin"), [](Config &config, const QString &value, bool) -> std::optional<QString> {
                     const QString kind = value.trimmed().toLower();
                     if (kind == QLatin1StringView("builtin"))
                         config.prober = Config::ProberKind::Builtin;
                     else if (kind == QLatin1StringView("ffprobe"))
                         config.prober = Config::ProberKind::Ffprobe;
                     else
                         return QStringLiteral("builtin or ffprobe");
                     return std::nullopt;
                 }});
    list.append({QStringLiteral("ffmpeg-max-output"), QStringLiteral("MEDIAFORGE_FFMPEG_MAX_OUTPUT"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Largest file one ffmpeg run may write (-fs, and RLIMIT_FSIZE 64 MiB above it); the job fails with TOO_LARGE. 0: no limit."),
                 QStringLiteral("4G"), [](Config &config, const QString &value, bool) {
                     return applyLimitBytes(config.ffmpegMaxOutputBytes, value, 64 * 1024);
                 }});
    list.append({QStringLiteral("ffmpeg-memory-limit"), QStringLiteral("MEDIAFORGE_FFMPEG_MEMORY_LIMIT"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Address space of each ffmpeg (RLIMIT_AS); past it the job fails with RESOURCE_LIMIT. A 4K SVT-AV1 encode needs about 4G. 0: no limit."),
                 QStringLiteral("8G"), [](Config &config, const QString &value, bool) {
                     return applyLimitBytes(config.ffmpegMemoryBytes, value, 256 * kMiB);
                 }});
    list.append({QStringLiteral("ffprobe-memory-limit"), QStringLiteral("MEDIAFORGE_FFPROBE_MEMORY_LIMIT"), QString(),
                 QStringLiteral("bytes"),
                 QStringLiteral("Address space of each ffprobe (RLIMIT_AS); it needs about 512M just to load its libraries. 0: no limit."),
                 QStringLiteral("1G"), [](Config &config, const QString &value, bool) {
                     return applyLimitBytes(config.ffprobeMemoryBytes, value, 256 * kMiB);
                 }});
    list.append({QStringLiteral("ffmpeg-cpu-limit"), QStringLiteral("MEDIAFORGE_FFMPEG_CPU_LIMIT"), QString(),
                 QStringLiteral("seconds"),
                 QStringLiteral("CPU time of each ffmpeg run, all its threads together (RLIMIT_CPU); past it the job fails with RESOURCE_LIMIT. 0: no limit."),
                 QStringLiteral("job-timeout × CPU cores"), intSetting(&Config::ffmpegCpuSeconds, 0, 30 * 24 * 3600)});
    list.append({QStringLiteral("ffmpeg-nice"), QStringLiteral("MEDIAFORGE_FFMPEG_NICE"), QString(), QStringLiteral("n"),
                 QStringLiteral("Niceness ffmpeg and ffprobe get above the service's, so that the service stays responsive; 0 keeps the service's."),
                 QStringLiteral("10"), intSetting(&Config::ffmpegNice, 0, 19)});
    list.append({QStringLiteral("ffmpeg-io-priority"), QStringLiteral("MEDIAFORGE_FFMPEG_IO_PRIORITY"), QString(),
                 QStringLiteral("level"),
                 QStringLiteral("Best-effort I/O priority of ffmpeg and ffprobe, 0 (highest) to 7 (lowest); -1 keeps the service's."),
                 QStringLiteral("7"), intSetting(&Config::ffmpegIoPriority, -1, 7)});
    list.append({QStringLiteral("tls-cert"), QStringLiteral("MEDIAFORGE_TLS_CERT"), QString(), QStringLiteral("path"),
                 QStringLiteral("PEM certificate: serve wss:// (needs --tls-key)."), QStringLiteral("none"),
                 stringSetting(&Config::tlsCertificate)});
    list.append({QStringLiteral("tls-key"), QStringLiteral("MEDIAFORGE_TLS_KEY"), QString(), QStringLiteral("path"),
                 QStringLiteral("PEM private key for --tls-cert."), QStringLiteral("none"),
                 stringSetting(&Config::tlsKey)});
    return list;
}

QString describe(const Config &config)
{
    return QStringLiteral(
                   "host=%1 port=%2 http-port=%3 max-concurrent-jobs=%4 job-timeout=%5 stall-seconds=%6 "
                   "temp-dir=%7 max-file-size=%8 retention=%9 log-level=%10 auth=%11 data-dir=%12")
            .arg(config.host)
            .arg(config.port)
            .arg(config.httpPort)
            .arg(config.maxConcurrentJobs)
            .arg(config.jobTimeoutSeconds)
            .arg(config.stallSeconds)
            .arg(config.tempDir)
            .arg(config.maxFileBytes)
            .arg(config.retentionSeconds)
            .arg(config.logLevel,
                 config.tokensFile.isEmpty() ? QStringLiteral("none") : QStringLiteral("tokens"), config.dataDir);
}

constexpr qsizetype kMinClusterSecretBytes = 32;
constexpr qint64 kMaxClusterSecretFileBytes = 4096;

// The secret that signs node-to-node requests: from MEDIAFORGE_CLUSTER_SECRET or the file of
// --cluster-secret-file, never from a flag's value (every local user can read argv). Empty
// when the configuration is fine, else the reason (which never contains the secret).
QString loadClusterSecret(Config &config, const QProcessEnvironment &environment)
{
    const QString variable = QStringLiteral("MEDIAFORGE_CLUSTER_SECRET");
    const bool fromEnvironment = environment.contains(variable);
    if (fromEnvironment && !config.clusterSecretFile.isEmpty())
        return QStringLiteral("set the cluster secret once: MEDIAFORGE_CLUSTER_SECRET or --cluster-secret-file, not both");
    QByteArray secret;
    QString source;
    if (fromEnvironment) {
        secret = environment.value(variable).toUtf8().trimmed();
        source = variable;
    } else if (!config.clusterSecretFile.isEmpty()) {
        QFile file(config.clusterSecretFile);
        source = QStringLiteral("--cluster-secret-file ") + config.clusterSecretFile;
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read %1: %2").arg(source, file.errorString());
        if (file.size() > kMaxClusterSecretFileBytes)
            return QStringLiteral("%1 is larger than %2 bytes; it should hold only the secret").arg(source).arg(kMaxClusterSecretFileBytes);
        // A trailing newline is what editors and `openssl rand -hex 32 > file` leave.
        secret = file.readAll().trimmed();
    }
    if (secret.isEmpty()) {
        if (config.sharedStore()) {
            return QStringLiteral("a PostgreSQL store needs the cluster secret that signs the requests nodes make to each "
                                  "other: set MEDIAFORGE_CLUSTER_SECRET or --cluster-secret-file (the same on every node, "
                                  "at least %1 bytes)")
                    .arg(kMinClusterSecretBytes);
        }
        return QString();
    }
    if (secret.size() < kMinClusterSecretBytes) {
        return QStringLiteral("the cluster secret in %1 is too short: at least %2 bytes (openssl rand -hex 32)")
                .arg(source)
                .arg(kMinClusterSecretBytes);
    }
    config.clusterSecret = secret;
    return QString();
}

constexpr qsizetype kMinWebhookSecretBytes = 16;

// The service-wide webhook key, read like the cluster secret (never from a flag's value).
QString loadWebhookSecret(Config &config, const QProcessEnvironment &environment)
{
    const QString variable = QStringLiteral("MEDIAFORGE_WEBHOOK_SECRET");
    const bool fromEnvironment = environment.contains(variable);
    if (fromEnvironment && !config.webhookSecretFile.isEmpty())
        return QStringLiteral("set the webhook secret once: MEDIAFORGE_WEBHOOK_SECRET or --webhook-secret-file, not both");
    QByteArray secret;
    QString source = variable;
    if (fromEnvironment) {
        secret = environment.value(variable).toUtf8().trimmed();
    } else if (!config.webhookSecretFile.isEmpty()) {
        QFile file(config.webhookSecretFile);
        source = QStringLiteral("--webhook-secret-file ") + config.webhookSecretFile;
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read %1: %2").arg(source, file.errorString());
        if (file.size() > kMaxClusterSecretFileBytes)
            return QStringLiteral("%1 is larger than %2 bytes; it should hold only the secret").arg(source).arg(kMaxClusterSecretFileBytes);
        secret = file.readAll().trimmed();
        if (secret.isEmpty())
            return QStringLiteral("%1 is empty").arg(source);
    }
    if (!secret.isEmpty() && secret.size() < kMinWebhookSecretBytes) {
        return QStringLiteral("the webhook secret in %1 is too short: at least %2 bytes (openssl rand -hex 32)")
                .arg(source)
                .arg(kMinWebhookSecretBytes);
    }
    config.webhookSecret = secret;
    return QString();
}

} // namespace

bool Config::bindsLoopbackOnly() const
{
    if (host == QLatin1StringView("localhost"))
        return true;
    return QHostAddress(host).isLoopback();
}

ConfigOutcome ConfigLoader::load(const QStringList &arguments, const QProcessEnvironment &environment)
{
    ConfigOutcome outcome;
    Config &config = outcome.config;
    config.maxConcurrentJobs = qMax(1, QThread::idealThreadCount());
    config.dataDir = QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
                             .filePath(QStringLiteral("mediaforge"));

    const QList<Setting> all = settings();
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Mediaforge media-processing service: ffmpeg jobs over WebSocket (see docs/protocol.md).\n"
            "Every option can also be set with the environment variable shown; flags win."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption checkOption(QStringLiteral("check-config"),
                                         QStringLiteral("Validate the configuration, print it and exit."));
    parser.addOption(checkOption);
    // For the README's configuration table, generated so that it cannot drift from the code.
    QCommandLineOption tableOption(QStringLiteral("config-table"), QStringLiteral("Print the settings as Markdown."));
    tableOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(tableOption);
    QList<QCommandLineOption> options;
    for (const Setting &setting : all) {
        QString description = setting.description + QStringLiteral(" [") + setting.env;
        if (!setting.legacyEnv.isEmpty())
            description += QStringLiteral(", ") + setting.legacyEnv;
        description += QStringLiteral("; default ") + setting.defaultText + u']';
        QCommandLineOption option(setting.flag, description, setting.valueName);
        options.append(option);
        parser.addOption(option);
    }

    // A refused value is echoed so that the operator sees what was wrong, except a password
    // in a URL's user info (a --store URI): the line goes to logs and journals.
    auto shown = [](const QString &value) {
        static const QRegularExpression userInfoPassword(QStringLiteral("(://[^/@:]*):[^/@]*@"));
        return QString(value).replace(userInfoPassword, QStringLiteral("\\1:***@"));
    };
    auto fail = [&outcome](const QString &line) -> ConfigOutcome {
        outcome.action = ConfigOutcome::Action::Exit;
        outcome.error = line;
        outcome.exitCode = 2;
        return outcome;
    };

    if (!parser.parse(arguments))
        return fail(QStringLiteral("mediaforged: %1 (see --help)").arg(parser.errorText()));
    if (!parser.positionalArguments().isEmpty()) {
        return fail(QStringLiteral("mediaforged: unexpected argument '%1' (see --help)")
                            .arg(parser.positionalArguments().constFirst()));
    }
    if (parser.isSet(helpOption)) {
        outcome.action = ConfigOutcome::Action::Exit;
        outcome.output = parser.helpText();
        return outcome;
    }
    if (parser.isSet(tableOption)) {
        outcome.action = ConfigOutcome::Action::Exit;
        outcome.output = markdownTable();
        return outcome;
    }
    if (parser.isSet(versionOption)) {
        outcome.action = ConfigOutcome::Action::Exit;
        outcome.output = QStringLiteral("mediaforged %1\n").arg(QStringLiteral(MEDIAFORGE_VERSION));
        return outcome;
    }

    // Lowest precedence first, so that each later source overwrites.
    for (const Setting &setting : all) {
        struct Source
        {
            QString name;
            bool legacy;
        };
        const Source sources[] = {{setting.legacyEnv, true}, {setting.env, false}};
        for (const Source &source : sources) {
            if (source.name.isEmpty() || !environment.contains(source.name))
                continue;
            const QString value = environment.value(source.name);
            if (const auto allowed = setting.apply(config, value, source.legacy)) {
                return fail(QStringLiteral("mediaforged: invalid %1=%2: expected %3")
                                    .arg(source.name, shown(value), *allowed));
            }
        }
    }
    for (qsizetype i = 0; i < all.size(); ++i) {
        const Setting &setting = all.at(i);
        if (!parser.isSet(options.at(i)))
            continue;
        // --storage is repeated for several storages: all of them, in order (they replace
        // MEDIAFORGE_STORAGE's list, as flags win).
        const QString value = setting.valueName.isEmpty() ? QStringLiteral("true")
                : setting.flag == QLatin1StringView("storage") ? parser.values(options.at(i)).join(u' ')
                                                               : parser.value(options.at(i));
        if (const auto allowed = setting.apply(config, value, false)) {
            return fail(QStringLiteral("mediaforged: invalid --%1 %2: expected %3").arg(setting.flag, shown(value), *allowed));
        }
    }

    // Rules that span settings.
    config.dataDir = QDir::cleanPath(QDir(config.dataDir).absolutePath());
    if (config.nodeName.isEmpty()) {
        static const QRegularExpression unfit(QStringLiteral("[^A-Za-z0-9._-]"));
        config.nodeName = QSysInfo::machineHostName().replace(unfit, QStringLiteral("-")).left(63);
        if (config.nodeName.isEmpty())
            config.nodeName = QStringLiteral("node");
    }
    if (!config.sharedDir.isEmpty()) {
        // Each node's files in a directory of its own: the lock and the sweep stay per node.
        if (!config.tempDir.isEmpty())
            return fail(QStringLiteral("mediaforged: --shared-dir and --temp-dir exclude each other: with a shared dir, "
                                       "this node's job files are in <shared dir>/<node name>"));
        if (!config.sharedStore())
            return fail(QStringLiteral("mediaforged: --shared-dir needs a PostgreSQL store (--store postgresql://...)"));
        const QFileInfo shared(config.sharedDir);
        if (!shared.isAbsolute() || !shared.isDir())
            return fail(QStringLiteral("mediaforged: invalid --shared-dir %1: expected an existing directory, by its "
                                       "absolute path (the same on every node)")
                                .arg(config.sharedDir));
        config.sharedDir = QDir::cleanPath(shared.absoluteFilePath());
        config.tempDir = QDir(config.sharedDir).filePath(config.nodeName);
    }
    config.tempDir = config.tempDir.isEmpty() ? QDir(config.dataDir).filePath(QStringLiteral("jobs"))
                                              : QDir::cleanPath(QDir(config.tempDir).absolutePath());
    config.cacheDir = config.cacheDir.isEmpty() ? QDir(config.dataDir).filePath(QStringLiteral("cache"))
                                                : QDir::cleanPath(QDir(config.cacheDir).absolutePath());
    if (config.cacheDir == config.tempDir)
        return fail(QStringLiteral("mediaforged: --cache-dir must differ from --temp-dir"));
    if (config.ffmpegCpuSeconds < 0) {
        // A run that used every core for the whole job timeout is the most a job may take.
        config.ffmpegCpuSeconds = int(std::min<qint64>(qint64(config.jobTimeoutSeconds) * qMax(1, QThread::idealThreadCount()),
                                                       30 * 24 * 3600));
    }
    if (config.tokensFile.isEmpty() && !config.bindsLoopbackOnly() && !config.insecureNoAuth) {
        return fail(QStringLiteral("mediaforged: refusing to listen on %1 without authentication: "
                                   "set --tokens-file, or --insecure-no-auth if you really mean it")
                            .arg(config.host));
    }
    if (config.tlsCertificate.isEmpty() != config.tlsKey.isEmpty())
        return fail(QStringLiteral("mediaforged: --tls-cert and --tls-key go together"));
    if (config.port != 0 && config.port == config.httpPort)
        return fail(QStringLiteral("mediaforged: --port and --http-port must differ (both %1)").arg(config.port));
    if (config.maxChunkBytes + 2048 > config.maxBinaryMessageBytes)
        return fail(QStringLiteral("mediaforged: --max-chunk-size must be smaller than --max-binary-message-size"));
    if (config.receiveBudgetBytes < config.maxBinaryMessageBytes)
        return fail(QStringLiteral("mediaforged: --receive-budget must be at least --max-binary-message-size"));
    if (config.level0OutputBudgetBytes < config.level0OutputLimitBytes)
        return fail(QStringLiteral("mediaforged: --level0-output-budget must be at least --level0-output-limit"));
    if (config.maxUnauthenticatedPerAddress > config.maxUnauthenticated)
        return fail(QStringLiteral("mediaforged: --max-unauthenticated-per-address must not exceed --max-unauthenticated"));
    if (const QString problem = loadClusterSecret(config, environment); !problem.isEmpty())
        return fail(QStringLiteral("mediaforged: ") + problem);
    if (const QString problem = loadWebhookSecret(config, environment); !problem.isEmpty())
        return fail(QStringLiteral("mediaforged: ") + problem);
    if (const auto problem = loadStorageCredentials(config.storages, config.storageCredentialsFile, environment))
        return fail(QStringLiteral("mediaforged: ") + *problem);
    const QHostAddress bound(config.host);
    const bool wildcard = bound == QHostAddress(QHostAddress::AnyIPv4) || bound == QHostAddress(QHostAddress::AnyIPv6);
    if (config.sharedStore() && config.advertiseUrl.isEmpty() && wildcard) {
        return fail(QStringLiteral("mediaforged: with a PostgreSQL store and --host %1, set --advertise-url: the other "
                                   "nodes cannot reach a wildcard address")
                            .arg(config.host));
    }

    if (parser.isSet(checkOption)) {
        outcome.action = ConfigOutcome::Action::Exit;
        outcome.output = QStringLiteral("configuration ok: ") + describe(config) + u'\n';
    }
    return outcome;
}

QString ConfigLoader::markdownTable()
{
    QString table = QStringLiteral("| flag | environment | legacy | default | meaning |\n|---|---|---|---|---|\n");
    const QList<Setting> all = settings();
    for (const Setting &setting : all) {
        table += QStringLiteral("| `--%1%2` | `%3` | %4 | %5 | %6 |\n")
                         .arg(setting.flag,
                              setting.valueName.isEmpty() ? QString() : u' ' + setting.valueName.toUpper(),
                              setting.env,
                              setting.legacyEnv.isEmpty() ? QString() : u'`' + setting.legacyEnv + u'`',
                              setting.defaultText, setting.description);
    }
    return table;
}

QStringList ConfigLoader::environmentVariables()
{
    QStringList names;
    const QList<Setting> all = settings();
    for (const Setting &setting : all) {
        names.append(setting.env);
        if (!setting.legacyEnv.isEmpty())
            names.append(setting.legacyEnv);
    }
    // Read by loadClusterSecret, not a Setting: it has no flag on purpose.
    names.append(QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"));
    // Likewise loadWebhookSecret.
    names.append(QStringLiteral("MEDIAFORGE_WEBHOOK_SECRET"));
    // And loadStorageCredentials' AWS_* fallback (the per-storage variables have names the
    // operator chooses, MEDIAFORGE_STORAGE_<NAME>_*).
    names.append(QStringLiteral("AWS_ACCESS_KEY_ID"));
    names.append(QStringLiteral("AWS_SECRET_ACCESS_KEY"));
    names.append(QStringLiteral("AWS_SESSION_TOKEN"));
    return names;
}

} // namespace Mediaforge
