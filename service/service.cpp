// SPDX-License-Identifier: GPL-3.0-or-later
#include "service.h"

#include "cluster/clusterroutes.h"
#include "cluster/clustersigner.h"
#include "cluster/clusteroutputs.h"
#include "cluster/clusterrelay.h"
#include "config/descriptorlimit.h"
#include "input/urlguard.h"
#include "jobs/directorylock.h"
#include "jobs/jobmanager.h"
#include "jobs/memoryjobstore.h"
#include "logging/logging.h"
#include "media/ffmpeginfo.h"
#include "preset.h"
#include "server/authenticator.h"
#include "server/eventrouter.h"
#include "server/httpapi.h"
#include "server/metrics.h"
#include "server/signalwatcher.h"
#include "server/systemdnotifier.h"
#include "server/websocketserver.h"
#include "jobs/batchtracker.h"
#include "webhooks/webhookdispatcher.h"
#include "postgresjobstore.h"
#include "sqlitejobstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QTimer>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QTcpServer>

#include <cstdio>

namespace Mediaforge {

namespace {

void announce(const QString &line)
{
    // Tests and scripts read these lines to learn the bound ports (--port 0).
    std::fprintf(stdout, "%s\n", qPrintable(line));
    std::fflush(stdout);
}

QString hostForUrl(const QHostAddress &address)
{
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        return QStringLiteral("127.0.0.1");
    if (address == QHostAddress::AnyIPv6)
        return QStringLiteral("[::1]");
    return address.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + address.toString() + u']' : address.toString();
}

} // namespace

int Service::run(const Config &config)
{
    Logging::install(config.logFormat == Config::LogFormat::Json ? Logging::Format::Json : Logging::Format::Text,
                     config.logLevel);
    Logging::setTempDirectory(config.tempDir);

    qint64 openFiles = 0;
    if (const auto problem = DescriptorLimit::raise(config, &openFiles)) {
        std::fprintf(stderr, "%s\n", qPrintable(*problem));
        return 2;
    }

    Authenticator authenticator;
    if (!config.tokensFile.isEmpty()) {
        Result<Authenticator> loaded = Authenticator::fromFile(config.tokensFile);
        if (!loaded.ok()) {
            std::fprintf(stderr, "mediaforged: invalid --tokens-file %s: %s\n", qPrintable(config.tokensFile),
                         qPrintable(loaded.error().message));
            return 2;
        }
        authenticator = loaded.value();
    }

    PresetCatalog presets = PresetCatalog::builtins();
    if (!config.presetsFile.isEmpty()) {
        if (const auto problem = presets.loadFile(config.presetsFile)) {
            std::fprintf(stderr, "mediaforged: invalid --presets %s: %s\n", qPrintable(config.presetsFile),
                         qPrintable(*problem));
            return 2;
        }
    }

    // One instance per data dir: two would race on the store and sweep each other's files.
    DirectoryLock dataLock;
    if (const QString refused = dataLock.acquire(config.dataDir); !refused.isEmpty()) {
        std::fprintf(stderr, "mediaforged: --data-dir: %s\n", qPrintable(refused));
        return 2;
    }
    std::unique_ptr<JobStore> store;
    if (config.store == QLatin1StringView("memory")) {
        qCWarning(lcServer) << "--store memory: jobs do not survive a restart";
        store = std::make_unique<MemoryJobStore>();
    } else if (config.store.startsWith(QLatin1StringView("postgres"))) {
        QString storeProblem;
        store = PostgresJobStore::open(config.store, config.nodeName, std::chrono::seconds(config.leaseSeconds),
                                       &storeProblem);
        if (!store) {
            std::fprintf(stderr, "mediaforged: %s\n", qPrintable(storeProblem));
            return 2;
        }
        qCInfo(lcServer).noquote() << "job store" << store->describe() << "shared as node" << config.nodeName;
    } else {
        const QString storePath = config.store.startsWith(QLatin1StringView("sqlite:"))
                ? QDir(config.dataDir).absoluteFilePath(config.store.mid(7))
                : QDir(config.dataDir).filePath(QStringLiteral("jobs.db"));
        if (config.resetStore && QFileInfo::exists(storePath)) {
            QString problem;
            // Only a store that cannot be opened is moved: --reset-store left in a unit file
            // must not throw away a healthy queue at every start.
            if (auto healthy = SqliteJobStore::open(storePath, &problem)) {
                qCInfo(lcServer).noquote() << "--reset-store: the job store" << storePath << "opens fine; keeping it";
            } else {
                const QString movedTo = SqliteJobStore::moveAside(storePath, &problem);
                if (movedTo.isEmpty()) {
                    std::fprintf(stderr, "mediaforged: --reset-store: %s\n", qPrintable(problem));
                    return 2;
                }
                qCWarning(lcServer).noquote() << "--reset-store: moved the job store aside to" << movedTo;
            }
        }
        QString storeProblem;
        store = SqliteJobStore::open(storePath, &storeProblem);
        if (!store) {
            std::fprintf(stderr, "mediaforged: %s\n", qPrintable(storeProblem));
            return 2;
        }
    }

    QNetworkAccessManager network;
    // Downloads go straight to the checked address; a proxy would connect elsewhere.
    network.setProxy(QNetworkProxy::NoProxy);
    SystemHostResolver resolver;
    // Empty when ffmpeg is missing, which /health reports as degraded.
    const FfmpegInfo ffmpeg = FfmpegInfo::detect(config.ffmpegPath);
    const QString &ffmpegVersion = ffmpeg.version;
    if (ffmpegVersion.isEmpty())
        qCWarning(lcFfmpeg) << "cannot run" << config.ffmpegPath << "- jobs will fail and /health reports degraded";
    JobManagerSettings managerSettings = JobManagerSettings::fromConfig(config);
    managerSettings.cache.ffmpegVersion = ffmpegVersion;   // part of the result cache's key
    if (config.store.startsWith(QLatin1StringView("postgres")))
        managerSettings.clusterNode = config.nodeName;
    JobManager manager(std::move(managerSettings), network, resolver, *store);
    {
        // The engine knows owners by name; the tokens file's quota keys become its quotas.
        QHash<QString, OwnerQuota> quotas;
        for (const QString &owner : authenticator.ownersWithSettings()) {
            const OwnerSettings settings = authenticator.ownerSettings(owner);
            if (settings.hasQuota())
                quotas.insert(owner, OwnerQuota{settings.jobsPerMinute, settings.maxUnfinishedJobs,
                                                settings.maxInputBytes, settings.inputBytesPerDay});
        }
        manager.setOwnerQuotas(quotas);
    }
    if (const auto problem = manager.initialize()) {
        std::fprintf(stderr, "mediaforged: invalid --temp-dir %s: %s\n", qPrintable(config.tempDir), qPrintable(*problem));
        return 2;
    }

    Metrics metrics(manager);
    metrics.setNode(config.nodeName);
    const ClusterSigner signer(config.clusterSecret, config.nodeName);
    // Outputs stay on the node that produced them; any node streams them to its clients from
    // there (fetch_output, the HTTP output route), over the signed node-to-node route. Made
    // before the servers: their connections hold its replies, so it must outlive them.
    std::unique_ptr<ClusterOutputs> clusterOutputs;
    if (signer.enabled() && config.store.startsWith(QLatin1StringView("postgres")))
        clusterOutputs = std::make_unique<ClusterOutputs>(*store, signer, store->leaseDuration(), config.sharedDir);

    // Webhooks: the outbox rows the store writes with each state change, sent from here. The
    // key of an owner's deliveries: its tokens-file line's webhook_secret, else the service-wide
    // one (--webhook-secret, the only one without a tokens file).
    const std::function<QByteArray(const QString &)> webhookSecret = [&config, &authenticator](const QString &owner) {
        const QByteArray own = authenticator.enabled() ? authenticator.ownerSettings(owner).webhookSecret : QByteArray();
        return own.isEmpty() ? config.webhookSecret : own;
    };
    WebhookSettings webhookSettings;
    webhookSettings.timeout = std::chrono::seconds(config.webhookTimeoutSeconds);
    webhookSettings.minBackoff = std::chrono::seconds(config.webhookMinBackoffSeconds);
    webhookSettings.retryWindow = std::chrono::hours(config.webhookRetryHours);
    webhookSettings.maxInFlight = config.webhookMaxInFlight;
    webhookSettings.policy.allowPrivate = config.allowPrivateUrls;
    WebhookDispatcher webhooks(*store, resolver, webhookSettings, webhookSecret);
    // Only a job with a notify_url gets outbox rows (WebhookOutbox::wants); waking for every
    // other job's state change ran the claim statement, a write transaction, twice per request
    // (docs/performance.md). Rows written by other nodes are found by the dispatcher's timer.
    for (auto signal : {&JobManager::jobAccepted, &JobManager::jobStageChanged, &JobManager::jobFinished}) {
        QObject::connect(&manager, signal, &webhooks, [&manager, &webhooks](const QString &id) {
            const Job *job = manager.job(id);
            if (!job || !job->notifyUrl.isEmpty())
                webhooks.wake();
        });
    }
    metrics.addSection([&webhooks] { return webhooks.metricsText(); });
    webhooks.start();
    HttpLimits httpLimits;
    httpLimits.maxConnections = config.httpMaxConnections;
    httpLimits.headerTimeoutMs = config.httpHeaderTimeoutSeconds * 1000;
    httpLimits.idleTimeoutMs = config.httpIdleTimeoutSeconds * 1000;
    HttpApi http(manager, metrics, authenticator,
                 HealthInfo{config.ffmpegPath, config.ffprobePath, ffmpegVersion, config.tempDir,
                            QDateTime::currentDateTimeUtc()},
                 httpLimits);
    // Node-to-node routes only with a cluster secret (always with a PostgreSQL store).
    ClusterRoutes clusterRoutes(manager, signer, [&metrics](qint64 bytes) { metrics.addBytesSent(bytes); });
    if (signer.enabled()) {
        http.setClusterRoutes(
                [&clusterRoutes](HttpConnection &connection, const HttpRequest &request) { clusterRoutes.handle(connection, request); });
    }
    const QHostAddress address = config.host == QLatin1StringView("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                               : QHostAddress(config.host);
    const quint16 httpPort = http.listen(address, quint16(config.httpPort));
    if (httpPort == 0) {
        std::fprintf(stderr, "mediaforged: cannot listen on %s:%d (--http-port)\n", qPrintable(config.host), config.httpPort);
        return 1;
    }
    const QString httpUrl = QStringLiteral("http://") + hostForUrl(address) + u':' + QString::number(httpPort);
    // The other nodes find this one's files at its advertised URL, which the nodes table
    // holds: the only addresses they fetch job files from (docs/scaling.md).
    const QString advertiseUrl = config.advertiseUrl.isEmpty() ? httpUrl : config.advertiseUrl;
    if (!store->registerNode(NodeRecord{config.nodeName, advertiseUrl, QStringLiteral(MEDIAFORGE_VERSION),
                                        manager.maxConcurrentJobs(), QDateTime::currentDateTimeUtc(), -1,
                                        QStringLiteral("active"), 0, ffmpeg.version, ffmpeg.encoders,
                                        config.sharedDir})) {
        std::fprintf(stderr, "mediaforged: cannot register node %s in the job store: %s\n", qPrintable(config.nodeName),
                     qPrintable(store->lastError()));
        return 2;
    }
    // Nodes with another ffmpeg still claim jobs (docs/scaling.md, "Nodes with another
    // ffmpeg"); the operator hears of it once, here, and sees it in list_nodes.
    for (const NodeRecord &node : store->nodes()) {
        if (node.name != config.nodeName && !node.ffmpegVersion.isEmpty() && node.ffmpegVersion != ffmpeg.version
            && node.heartbeatAgeMs <= qint64(config.leaseSeconds) * 1000 * PostgresJobStore::kGoneAfterLeases)
            qCWarning(lcServer).noquote() << "this node's ffmpeg" << ffmpeg.version << "differs from node" << node.name
                                          << "ffmpeg" << node.ffmpegVersion << "- outputs of one job may differ by node";
    }

    // A cluster's nodes claim each other's queued jobs and pull their inputs from the node
    // that holds them: at its URL in the nodes table (never one a job carries), signed.
    if (signer.enabled() && config.store.startsWith(QLatin1StringView("postgres"))) {
        manager.setPullSource([&store, &signer, sharedDir = config.sharedDir](const QString &holder, const QString &id,
                                                                            int index) -> std::optional<JobManager::PullSource> {
            for (const NodeRecord &node : store->nodes()) {
                if (node.name != holder)
                    continue;
                // Both nodes mount the same shared dir: the holder's files are readable here.
                if (!sharedDir.isEmpty() && node.sharedDir == sharedDir)
                    return JobManager::PullSource{QUrl(), {}, true};
                if (node.url.isEmpty())
                    continue;
                const QString path = ClusterRoutes::inputPath(id, index);
                QUrl url(node.url);
                url.setPath(url.path().chopped(url.path().endsWith(u'/') ? 1 : 0) + path);
                return JobManager::PullSource{url, signer.sign("GET", url.path(), QDateTime::currentSecsSinceEpoch()), false};
            }
            return std::nullopt;
        });
    }
    if (clusterOutputs)
        http.setRemoteOutputs(clusterOutputs.get());
    // Before the server: it outlives every session.
    EventRouter router(&manager);
    // Nodes on one PostgreSQL hear each other's job events (docs/scaling.md, "Events").
    std::unique_ptr<ClusterRelay> relay;
    if (config.store.startsWith(QLatin1StringView("postgres"))) {
        QString relayProblem;
        relay = ClusterRelay::open(config.store, config.nodeName, manager, *store, router, &relayProblem);
        if (!relay) {
            std::fprintf(stderr, "mediaforged: %s\n", qPrintable(relayProblem));
            return 2;
        }
    }
    // Batches of jobs (docs/batches.md): after the manager recovered its jobs, so that the
    // stored batches count their items' ends since.
    BatchTracker batches(manager, *store, std::chrono::milliseconds(500));
    batches.recover();
    QObject::connect(&batches, &BatchTracker::batchProgress, &router,
                     [&router](const QString &id) { router.routeBatch(false, id); });
    QObject::connect(&batches, &BatchTracker::batchFinished, &router, [&router, &webhooks](const QString &id) {
        webhooks.wake();
        router.routeBatch(true, id);
    });
    SessionContext context;
    context.manager = &manager;
    context.batches = &batches;
    context.router = &router;
    if (relay) {
        context.cancelElsewhere = [&relay](const QString &id) { return relay->cancelElsewhere(id); };
        context.attachedElsewhere = [&relay](const QString &id, const QString &connection) {
            relay->attachedElsewhere(id, connection);
        };
        context.connectionGoneElsewhere = [&relay](const QString &id, const QString &connection) {
            relay->connectionGoneElsewhere(id, connection);
        };
        context.releaseElsewhere = [&relay](const QString &id, const QString &connection) {
            relay->releaseElsewhere(id, connection);
        };
        context.clusterStats = [&relay] { return relay->clusterStats(); };
    }
    context.remoteOutputs = clusterOutputs.get();
    context.webhookSecret = webhookSecret;
    context.deliveries = [&store](const QString &id) {
        QJsonArray list;
        const QList<WebhookDelivery> deliveries = store->deliveries(id);
        for (const WebhookDelivery &delivery : deliveries)
            list.append(delivery.toJson());
        return list;
    };
    context.redeliver = [&store, &webhooks](const QString &deliveryId) -> std::optional<QJsonObject> {
        if (!store->redeliver(deliveryId, QDateTime::currentDateTimeUtc()))
            return std::nullopt;
        webhooks.wake();
        const std::optional<WebhookDelivery> delivery = store->delivery(deliveryId);
        return delivery ? std::optional<QJsonObject>(delivery->toJson()) : std::nullopt;
    };
    context.authenticator = &authenticator;
    context.presets = &presets;
    context.config = &config;
    context.httpBaseUrl = httpUrl;
    context.addBytesSent = [&metrics](qint64 bytes) { metrics.addBytesSent(bytes); };
    context.stats = [&http, &manager, &webhooks] {
        QJsonObject stats = http.stats();
        stats.insert(QStringLiteral("webhooks"), webhooks.stats());
        QJsonArray workers;
        const QStringList workerJobs = manager.stats().workerJobs;
        for (const QString &id : workerJobs) {
            QJsonObject worker{{QStringLiteral("busy"), !id.isEmpty()}};
            if (const Job *job = id.isEmpty() ? nullptr : manager.job(id)) {
                worker.insert(QStringLiteral("id"), job->id);
                worker.insert(QStringLiteral("job_id"), job->jobId);
                worker.insert(QStringLiteral("operation"), operationName(job->operation));
                worker.insert(QStringLiteral("percentage"), job->progress.percentage);
            }
            workers.append(worker);
        }
        stats.insert(QStringLiteral("workers"), workers);
        const StoreLatency &latency = manager.storeLatency();
        stats.insert(QStringLiteral("store"),
                     QJsonObject{{QStringLiteral("kind"), manager.storeDescription().section(u':', 0, 0)},
                                 {QStringLiteral("writes"), latency.count()},
                                 {QStringLiteral("write_p50_ms"), double(latency.percentile(0.5)) / 1000.0},
                                 {QStringLiteral("write_p99_ms"), double(latency.percentile(0.99)) / 1000.0}});
        return stats;
    };
    context.setNodeState = [&store, &manager, &config](const QString &node, bool drain) -> std::optional<Error> {
        if (!store->reachable())
            return manager.storeUnavailableError();
        // A store of its own (no nodes table rows): the cluster is this node, drained in memory.
        if (store->nodes().isEmpty()) {
            if (node != config.nodeName)
                return Error(ErrorCode::NotFound, QStringLiteral("no node '%1'; this node is '%2'").arg(node, config.nodeName));
            manager.setDraining(drain);
            return std::nullopt;
        }
        // In the nodes table: every node's claim reads it, so the drained node stops claiming
        // at its next claim, and the others take its queued jobs that can move.
        if (!store->setNodeStateOf(node, drain ? QStringLiteral("draining") : QStringLiteral("active"))) {
            if (!store->reachable())
                return manager.storeUnavailableError();
            return Error(ErrorCode::NotFound, QStringLiteral("no node '%1' in the cluster").arg(node));
        }
        return std::nullopt;
    };
    context.nodes = [&store, &manager, &config, &ffmpeg, advertiseUrl, startedAt = QDateTime::currentDateTimeUtc()] {
        // The same judgement as the take-over's: silent for that many leases is gone for good.
        const qint64 goneAfterMs = qint64(config.leaseSeconds) * 1000 * PostgresJobStore::kGoneAfterLeases;
        auto entry = [goneAfterMs](const NodeRecord &node, bool self) {
            return QJsonObject{{QStringLiteral("name"), node.name},
                               {QStringLiteral("url"), node.url},
                               {QStringLiteral("version"), node.version},
                               {QStringLiteral("slots"), node.workerSlots},
                               {QStringLiteral("running_jobs"), node.runningJobs},
                               {QStringLiteral("heartbeat_age_ms"), node.heartbeatAgeMs},
                               {QStringLiteral("started_at"), node.startedAt.toString(Qt::ISODateWithMs)},
                               {QStringLiteral("state"), node.state},
                               {QStringLiteral("gone"), !self && node.heartbeatAgeMs > goneAfterMs},
                               {QStringLiteral("self"), self},
                               {QStringLiteral("ffmpeg_version"), node.ffmpegVersion},
                               {QStringLiteral("encoders"), QJsonArray::fromStringList(node.encoders)}};
        };
        QJsonArray list;
        const QList<NodeRecord> nodes = store->nodes();
        for (const NodeRecord &node : nodes)
            list.append(entry(node, node.name == config.nodeName));
        if (list.isEmpty()) {
            // A store of its own (SQLite, memory): the cluster is this node.
            const JobStats stats = manager.stats();
            list.append(entry(NodeRecord{config.nodeName, advertiseUrl, QStringLiteral(MEDIAFORGE_VERSION),
                                         manager.maxConcurrentJobs(), startedAt, 0,
                                         manager.isShuttingDown() || manager.isDraining() ? QStringLiteral("draining")
                                                                                          : QStringLiteral("active"),
                                         stats.activeJobs, ffmpeg.version, ffmpeg.encoders,
                                         config.sharedDir},
                              true));
        }
        return list;
    };
    WebSocketServer webSockets(context);
    QObject::connect(&webSockets, &WebSocketServer::connectionCountChanged, &metrics, &Metrics::setConnections);
    if (const auto problem = webSockets.listen(config.host, quint16(config.port))) {
        std::fprintf(stderr, "mediaforged: %s (--port)\n", qPrintable(*problem));
        return 1;
    }

    announce(QStringLiteral("listening ") + webSockets.url());
    announce(QStringLiteral("listening ") + httpUrl);
    qCInfo(lcServer).noquote() << "mediaforged" << MEDIAFORGE_VERSION << "ready:" << webSockets.url() << httpUrl
                               << "workers" << manager.maxConcurrentJobs() << "open files" << openFiles
                               << "ffmpeg" << ffmpegVersion
                               << (authenticator.enabled() ? "auth: tokens" : "auth: off (loopback only)");

    // Ready only now: both ports accept connections, so a unit ordered After= this one (or a
    // deploy script waiting on `systemctl start`) can connect at once.
    SystemdNotifier systemd;
    systemd.ready(QStringLiteral("listening ") + webSockets.url() + u' ' + httpUrl);

    SignalWatcher signalWatcher;
    bool draining = false;
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &manager, [&](int signalNumber) {
        if (draining) {
            qCWarning(lcServer) << "second signal" << signalNumber << "- stopping now";
            QCoreApplication::exit(0);
            return;
        }
        draining = true;
        qCInfo(lcServer) << "signal" << signalNumber << "- draining for up to" << config.drainSeconds << "s";
        systemd.stopping(QStringLiteral("draining for up to %1 s").arg(config.drainSeconds));
        webSockets.stopListening();
        // drain_seconds: how long running jobs may still take; monitors count it down.
        webSockets.notifyAll(Error(ErrorCode::ShuttingDown, QStringLiteral("the service is shutting down"),
                                   QJsonObject{{QStringLiteral("drain_seconds"), config.drainSeconds}}));
        store->setNodeState(QStringLiteral("draining"));
        manager.shutdown(std::chrono::seconds(config.drainSeconds));
    });
    QObject::connect(&manager, &JobManager::drained, &manager, [&] {
        // Let the last deliveries reach the clients before the sockets close.
        QTimer::singleShot(500, &manager, [&] {
            webSockets.closeAll();
            QCoreApplication::exit(0);
        });
    });

    const int code = QCoreApplication::exec();
    const StoreLatency &latency = manager.storeLatency();
    qCInfo(lcServer).noquote() << "stopped;" << latency.count() << "store writes, p50"
                               << double(latency.percentile(0.5)) / 1000.0 << "ms, p99"
                               << double(latency.percentile(0.99)) / 1000.0 << "ms";
    return code;
}

} // namespace Mediaforge
