// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpapi.h"

#include "authenticator.h"
#include "jobs/jobmanager.h"
#include "logging/logging.h"
#include "metrics.h"
#include "remoteoutputs.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUrl>

namespace Mediaforge {

QByteArray HttpApi::contentDisposition(const QString &fileName)
{
    QString ascii;
    for (QChar c : fileName)
        ascii += (c.unicode() >= 0x20 && c.unicode() < 0x7f && c != u'"' && c != u'\\') ? c : u'_';
    return "attachment; filename=\"" + ascii.toLatin1() + "\"; filename*=UTF-8''" + QUrl::toPercentEncoding(fileName);
}

HttpApi::HttpApi(JobManager &manager, Metrics &metrics, const Authenticator &authenticator, HealthInfo health,
                 const HttpLimits &limits, QObject *parent)
    : QObject(parent), m_manager(manager), m_metrics(metrics), m_authenticator(authenticator),
      m_health(std::move(health)),
      m_server(limits, [this](HttpConnection &connection, const HttpRequest &request) { handle(connection, request); })
{
    connect(&m_server, &HttpServer::connectionCountChanged, &m_metrics, &Metrics::setHttpConnections);
    connect(&m_server, &HttpServer::closedByLimit, &m_metrics, &Metrics::addHttpClosed);
}

QJsonObject HttpApi::stats() const
{
    const JobStats stats = m_manager.stats();
    return QJsonObject{{QStringLiteral("total_jobs"), stats.totalJobs},
                       {QStringLiteral("active_jobs"), stats.activeJobs},
                       {QStringLiteral("queued_jobs"), stats.queuedJobs},
                       {QStringLiteral("input_jobs"), stats.inputJobs},
                       {QStringLiteral("max_concurrent"), stats.maxConcurrent},
                       {QStringLiteral("completed_jobs"), stats.completedJobs},
                       {QStringLiteral("failed_jobs"), stats.failedJobs},
                       {QStringLiteral("cancelled_jobs"), stats.cancelledJobs},
                       {QStringLiteral("connections"), m_metrics.connections()},
                       {QStringLiteral("bytes_received"), m_manager.bytesReceived()},
                       {QStringLiteral("bytes_sent"), m_metrics.bytesSent()},
                       {QStringLiteral("server_time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}};
}

std::pair<QJsonObject, bool> HttpApi::health() const
{
    auto executable = [](const QString &program) {
        const QFileInfo info(program.contains(u'/') ? program : QStandardPaths::findExecutable(program));
        return info.exists() && info.isExecutable();
    };
    const bool ffmpegOk = executable(m_health.ffmpegPath) && !m_health.ffmpegVersion.isEmpty();
    const bool ffprobeOk = executable(m_health.ffprobePath);
    const QFileInfo temp(m_health.tempDir);
    const bool tempOk = temp.isDir() && temp.isWritable();
    const bool storeOk = m_manager.storeReachable();
    const bool healthy = ffmpegOk && ffprobeOk && tempOk && storeOk;
    QJsonObject store{{QStringLiteral("reachable"), storeOk}};
    if (!storeOk) {
        store.insert(QStringLiteral("unreachable_seconds"), m_manager.storeOutageMs() / 1000);
        store.insert(QStringLiteral("error"), m_manager.storeOutageReason());
    }
    if (const int unstored = m_manager.unstoredJobs(); unstored > 0)
        store.insert(QStringLiteral("unstored_jobs"), unstored);
    QJsonObject body{{QStringLiteral("status"), healthy ? QStringLiteral("healthy") : QStringLiteral("degraded")},
                     {QStringLiteral("version"), QStringLiteral(MEDIAFORGE_VERSION)},
                     {QStringLiteral("uptime_seconds"), m_health.startedAt.secsTo(QDateTime::currentDateTimeUtc())},
                     {QStringLiteral("ffmpeg"), QJsonObject{{QStringLiteral("version"), m_health.ffmpegVersion},
                                                            {QStringLiteral("available"), ffmpegOk},
                                                            {QStringLiteral("ffprobe_available"), ffprobeOk}}},
                     {QStringLiteral("temp_dir_writable"), tempOk},
                     {QStringLiteral("shutting_down"), m_manager.isShuttingDown()},
                     {QStringLiteral("store"), store},
                     {QStringLiteral("stats"), stats()}};
    if (!healthy) {
        // One sentence for people and probes that read no further than the status.
        QStringList reasons;
        if (!ffmpegOk)
            reasons.append(QStringLiteral("ffmpeg cannot be run"));
        if (!ffprobeOk)
            reasons.append(QStringLiteral("ffprobe cannot be run"));
        if (!tempOk)
            reasons.append(QStringLiteral("the temp directory is not writable"));
        if (!storeOk)
            reasons.append(QStringLiteral("the job store is unreachable"));
        body.insert(QStringLiteral("reason"), reasons.join(QStringLiteral("; ")));
    }
    return {body, healthy};
}

std::optional<HttpApi::ByteRange> HttpApi::parseRange(const QByteArray &header, qint64 size, bool *valid)
{
    static const QRegularExpression pattern(QStringLiteral("^\\s*bytes\\s*=\\s*(\\d*)\\s*-\\s*(\\d*)\\s*$"));
    const QRegularExpressionMatch match = pattern.match(QString::fromLatin1(header));
    *valid = match.hasMatch() && !(match.captured(1).isEmpty() && match.captured(2).isEmpty());
    if (!*valid)
        return ByteRange{0, size - 1};
    bool okFirst = true;
    bool okLast = true;
    if (match.captured(1).isEmpty()) {
        // Suffix range: the last N bytes.
        const qint64 suffix = match.captured(2).toLongLong(&okLast);
        if (!okLast || suffix <= 0 || size == 0)
            return std::nullopt;
        return ByteRange{std::max<qint64>(0, size - suffix), size - 1};
    }
    const qint64 first = match.captured(1).toLongLong(&okFirst);
    qint64 last = match.captured(2).isEmpty() ? size - 1 : match.captured(2).toLongLong(&okLast);
    if (!okFirst || !okLast || first >= size || last < first)
        return std::nullopt;
    last = std::min(last, size - 1);
    return ByteRange{first, last};
}

void HttpApi::handle(HttpConnection &connection, const HttpRequest &request)
{
    if (request.method != "GET" && !request.isHead()) {
        connection.respondError(405, QStringLiteral("METHOD_NOT_ALLOWED"), QStringLiteral("only GET and HEAD"),
                                {{"Allow", "GET, HEAD"}});
        return;
    }
    const QString path = request.url.path();
    if (path == QLatin1StringView("/health")) {
        const auto [body, healthy] = health();
        connection.respond(healthy ? 200 : 503, {{"Cache-Control", "no-store"}}, "application/json",
                           QJsonDocument(body).toJson(QJsonDocument::Compact));
        return;
    }
    if (path == QLatin1StringView("/metrics")) {
        connection.respond(200, {{"Cache-Control", "no-store"}}, "text/plain; version=0.0.4; charset=utf-8",
                           m_metrics.render());
        return;
    }
    if (path.startsWith(QLatin1StringView("/cluster/"))) {
        if (m_cluster)
            m_cluster(connection, request);
        else
            connection.respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such resource"));
        return;
    }
    static const QRegularExpression outputPath(QStringLiteral("^/jobs/([0-9a-f]{1,64})/output(?:/(\\d{1,4}))?/?$"));
    const QRegularExpressionMatch match = outputPath.match(path);
    if (match.hasMatch()) {
        serveOutput(connection, request, match.captured(1), match.captured(2).isEmpty() ? 0 : match.captured(2).toInt());
        return;
    }
    connection.respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such resource"));
}

void HttpApi::serveOutput(HttpConnection &connection, const HttpRequest &request, const QString &id, int index)
{
    const Job *job = m_manager.job(id);
    if (m_authenticator.enabled()) {
        const QByteArray token = Authenticator::tokenFromHeaders(request.header("authorization"), request.url.query());
        const auto identity = token.isEmpty() ? std::nullopt : m_authenticator.authenticate(token);
        if (!identity) {
            connection.respondError(401, QStringLiteral("UNAUTHORIZED"), QStringLiteral("a valid token is required"));
            return;
        }
        // Someone else's job answers like a missing one would not: the id is unguessable, and
        // a clear FORBIDDEN helps the operator who pasted the wrong token.
        if (job && identity->role != Role::Admin && job->owner != identity->name) {
            connection.respondError(403, QStringLiteral("FORBIDDEN"), QStringLiteral("that job belongs to someone else"));
            return;
        }
    }
    if (!job) {
        connection.respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such job"));
        return;
    }
    if (job->status != JobStatus::Completed) {
        connection.respondError(409, QStringLiteral("INVALID_STATE"),
                                QStringLiteral("job is %1; outputs exist once it completed").arg(jobStatusName(job->status)));
        return;
    }
    if (job->outputsRemoved || index >= job->outputs.size()) {
        connection.respondError(404, QStringLiteral("NOT_FOUND"),
                                job->outputsRemoved ? QStringLiteral("the outputs were delivered or expired and are gone")
                                                    : QStringLiteral("no output with that index"));
        return;
    }
    // Another node ran it and keeps its files: streamed from there. (A lent job is not in this
    // node's engine, and a path in the record names that node's disk.)
    if (m_remote && !m_manager.holds(id) && m_remote->elsewhere(id)) {
        serveRemoteOutput(connection, request, *job, index);
        return;
    }
    const JobOutput &output = job->outputs.at(index);
    // Opened before any status goes out, so that a file that vanished is a 404, not a 200
    // with an empty body; the size is the open file's.
    auto file = std::make_unique<QFile>(output.path);
    if (!file->open(QIODevice::ReadOnly)) {
        const bool gone = file->error() == QFileDevice::OpenError && !QFileInfo::exists(output.path);
        qCWarning(lcHttp).noquote() << Logging::Fields{{QStringLiteral("job"), job->id}}
                                    << "cannot open output" << index << file->errorString();
        if (gone)
            connection.respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("the output file is gone"));
        else
            connection.respondError(500, QStringLiteral("INTERNAL_ERROR"), QStringLiteral("cannot read the output file"));
        return;
    }
    HttpHeaders headers{{"Content-Type", output.mime.isEmpty() ? QByteArray("application/octet-stream") : output.mime.toUtf8()},
                        {"ETag", '"' + output.sha256.toLatin1() + '"'},
                        {"Content-Disposition", contentDisposition(output.fileName)},
                        {"Cache-Control", "private, no-store"}};
    if (!request.isHead()) {
        qCInfo(lcHttp).noquote() << Logging::Fields{{QStringLiteral("job"), job->id}, {QStringLiteral("index"), QString::number(index)}}
                                 << "output download" << request.header("range");
    }
    sendFile(connection, request, std::move(file), std::move(headers), [this](qint64 bytes) { m_metrics.addBytesSent(bytes); });
}

void HttpApi::sendFile(HttpConnection &connection, const HttpRequest &request, std::unique_ptr<QFile> file,
                       HttpHeaders headers, std::function<void(qint64)> sent)
{
    const qint64 size = file->size();
    headers.append(std::pair<QByteArray, QByteArray>("Accept-Ranges", "bytes"));
    qint64 first = 0;
    qint64 last = size - 1;
    int status = 200;
    const QByteArray rangeHeader = request.header("range");
    if (!rangeHeader.isEmpty()) {
        bool valid = false;
        const auto range = parseRange(rangeHeader, size, &valid);
        if (valid && !range) {
            headers.append({"Content-Range", "bytes */" + QByteArray::number(size)});
            connection.respond(416, headers, "application/octet-stream", QByteArray());
            return;
        }
        if (valid) {
            first = range->first;
            last = range->last;
            status = 206;
            headers.append({"Content-Range", "bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + '/'
                                                     + QByteArray::number(size)});
        }
    }
    if (first > 0 && !file->seek(first)) {
        connection.respondError(500, QStringLiteral("INTERNAL_ERROR"), QStringLiteral("cannot read the file"));
        return;
    }
    connection.respondWithFile(status, headers, std::move(file), size == 0 ? 0 : last - first + 1, std::move(sent));
}

} // namespace Mediaforge
