// SPDX-License-Identifier: GPL-3.0-or-later
#include "service.h"

#include "config/descriptorlimit.h"
#include "input/urlguard.h"
#include "jobs/jobmanager.h"
#include "logging/logging.h"
#include "server/authenticator.h"
#include "server/httpapi.h"
#include "server/metrics.h"
#include "server/signalwatcher.h"
#include "server/systemdnotifier.h"
#include "server/websocketserver.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QTimer>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QProcess>
#include <QTcpServer>

#include <cstdio>

namespace Mediaforge {

namespace {

// "ffmpeg version 5.1.6-0+deb12u1 Copyright ..." -> "5.1.6-0+deb12u1"; empty when ffmpeg is
// missing, which /health reports as degraded.
QString detectFfmpegVersion(const QString &program)
{
    QProcess process;
    process.start(program, {QStringLiteral("-hide_banner"), QStringLiteral("-version")});
    if (!process.waitForFinished(10000) || process.exitCode() != 0) {
        process.kill();
        process.waitForFinished(1000);
        return QString();
    }
    const QString firstLine = QString::fromUtf8(process.readAllStandardOutput()).section(u'\n', 0, 0);
    return firstLine.section(u' ', 2, 2);
}

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

    QNetworkAccessManager network;
    // Downloads go straight to the checked address; a proxy would connect elsewhere.
    network.setProxy(QNetworkProxy::NoProxy);
    SystemHostResolver resolver;
    JobManager manager(JobManagerSettings::fromConfig(config), network, resolver);
    if (const auto problem = manager.initialize()) {
        std::fprintf(stderr, "mediaforged: invalid --temp-dir %s: %s\n", qPrintable(config.tempDir), qPrintable(*problem));
        return 2;
    }

    const QString ffmpegVersion = detectFfmpegVersion(config.ffmpegPath);
    if (ffmpegVersion.isEmpty())
        qCWarning(lcFfmpeg) << "cannot run" << config.ffmpegPath << "- jobs will fail and /health reports degraded";

    Metrics metrics(manager);
    HttpLimits httpLimits;
    httpLimits.maxConnections = config.httpMaxConnections;
    httpLimits.headerTimeoutMs = config.httpHeaderTimeoutSeconds * 1000;
    httpLimits.idleTimeoutMs = config.httpIdleTimeoutSeconds * 1000;
    HttpApi http(manager, metrics, authenticator,
                 HealthInfo{config.ffmpegPath, config.ffprobePath, ffmpegVersion, config.tempDir,
                            QDateTime::currentDateTimeUtc()},
                 httpLimits);
    const QHostAddress address = config.host == QLatin1StringView("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                               : QHostAddress(config.host);
    const quint16 httpPort = http.listen(address, quint16(config.httpPort));
    if (httpPort == 0) {
        std::fprintf(stderr, "mediaforged: cannot listen on %s:%d (--http-port)\n", qPrintable(config.host), config.httpPort);
        return 1;
    }
    const QString httpUrl = QStringLiteral("http://") + hostForUrl(address) + u':' + QString::number(httpPort);

    SessionContext context;
    context.manager = &manager;
    context.authenticator = &authenticator;
    context.config = &config;
    context.httpBaseUrl = httpUrl;
    context.addBytesSent = [&metrics](qint64 bytes) { metrics.addBytesSent(bytes); };
    context.stats = [&http, &manager] {
        QJsonObject stats = http.stats();
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
        return stats;
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
    qCInfo(lcServer) << "stopped";
    return code;
}

} // namespace Mediaforge
