// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpapi.h"

#include "authenticator.h"
#include "jobs/jobmanager.h"
#include "logging/logging.h"
#include "metrics.h"

#include <QFile>
#include <QFileInfo>
#include <QHttpServerRequest>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QUrl>

namespace Mediaforge {

namespace {

QByteArray statusLine(int status)
{
    switch (status) {
    case 200: return "200 OK";
    case 206: return "206 Partial Content";
    case 400: return "400 Bad Request";
    case 401: return "401 Unauthorized";
    case 403: return "403 Forbidden";
    case 404: return "404 Not Found";
    case 405: return "405 Method Not Allowed";
    case 409: return "409 Conflict";
    case 416: return "416 Range Not Satisfiable";
    case 503: return "503 Service Unavailable";
    }
    return QByteArray::number(status) + " Status";
}

void writeHead(QTcpSocket *socket, int status, const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    QByteArray head = "HTTP/1.1 " + statusLine(status) + "\r\n";
    for (const auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    socket->write(head);
}

void writeResponse(QTcpSocket *socket, int status, const QByteArray &contentType, const QByteArray &body,
                   bool headOnly = false, QList<std::pair<QByteArray, QByteArray>> extra = {})
{
    using Header = std::pair<QByteArray, QByteArray>;
    extra.prepend(Header("Content-Length", QByteArray::number(body.size())));
    extra.prepend(Header("Content-Type", contentType));
    extra.append(Header("Cache-Control", "no-store"));
    writeHead(socket, status, extra);
    if (!headOnly)
        socket->write(body);
}

void writeError(QTcpSocket *socket, int status, const QString &code, const QString &message, bool headOnly = false)
{
    const QJsonObject body{{QStringLiteral("error"),
                            QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}};
    writeResponse(socket, status, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact), headOnly);
}

// Streams [first, last] of a file to the socket, keeping at most a few hundred KiB queued in
// the socket, then closes the connection. Lives until the transfer ends or the peer leaves.
class FileStreamer : public QObject
{
public:
    FileStreamer(QTcpSocket *socket, const QString &path, qint64 first, qint64 last, Metrics &metrics)
        : QObject(socket), m_socket(socket), m_file(path), m_remaining(last - first + 1), m_metrics(metrics)
    {
        if (!m_file.open(QIODevice::ReadOnly) || !m_file.seek(first)) {
            socket->abort();
            return;
        }
        connect(socket, &QTcpSocket::bytesWritten, this, &FileStreamer::pump);
        pump();
    }

private:
    static constexpr qint64 kChunk = 256 * 1024;
    static constexpr qint64 kMaxQueued = 1024 * 1024;

    void pump()
    {
        if (!m_socket)
            return;
        while (m_remaining > 0 && m_socket->bytesToWrite() < kMaxQueued) {
            const QByteArray data = m_file.read(std::min(kChunk, m_remaining));
            if (data.isEmpty()) {
                m_socket->abort();
                return;
            }
            m_remaining -= data.size();
            m_metrics.addBytesSent(data.size());
            m_socket->write(data);
        }
        if (m_remaining == 0) {
            m_remaining = -1;
            m_file.close();
            m_socket->disconnectFromHost();
        }
    }

    QPointer<QTcpSocket> m_socket;
    QFile m_file;
    qint64 m_remaining;
    Metrics &m_metrics;
};

QByteArray contentDisposition(const QString &fileName)
{
    QString ascii;
    for (QChar c : fileName)
        ascii += (c.unicode() >= 0x20 && c.unicode() < 0x7f && c != u'"' && c != u'\\') ? c : u'_';
    return "attachment; filename=\"" + ascii.toLatin1() + "\"; filename*=UTF-8''" + QUrl::toPercentEncoding(fileName);
}

} // namespace

HttpApi::HttpApi(JobManager &manager, Metrics &metrics, const Authenticator &authenticator, HealthInfo health,
                 QObject *parent)
    : QAbstractHttpServer(parent), m_manager(manager), m_metrics(metrics), m_authenticator(authenticator),
      m_health(std::move(health))
{
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
    const bool healthy = ffmpegOk && ffprobeOk && tempOk;
    QJsonObject body{{QStringLiteral("status"), healthy ? QStringLiteral("healthy") : QStringLiteral("degraded")},
                     {QStringLiteral("version"), QStringLiteral(MEDIAFORGE_VERSION)},
                     {QStringLiteral("uptime_seconds"), m_health.startedAt.secsTo(QDateTime::currentDateTimeUtc())},
                     {QStringLiteral("ffmpeg"), QJsonObject{{QStringLiteral("version"), m_health.ffmpegVersion},
                                                            {QStringLiteral("available"), ffmpegOk},
                                                            {QStringLiteral("ffprobe_available"), ffprobeOk}}},
                     {QStringLiteral("temp_dir_writable"), tempOk},
                     {QStringLiteral("shutting_down"), m_manager.isShuttingDown()},
                     {QStringLiteral("stats"), stats()}};
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

bool HttpApi::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const QString path = request.url().path();
    const bool head = request.method() == QHttpServerRequest::Method::Head;
    if (request.method() != QHttpServerRequest::Method::Get && !head) {
        writeError(socket, 405, QStringLiteral("METHOD_NOT_ALLOWED"), QStringLiteral("only GET and HEAD"));
        return true;
    }
    if (path == QLatin1StringView("/health")) {
        const auto [body, healthy] = health();
        writeResponse(socket, healthy ? 200 : 503, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact), head);
        return true;
    }
    if (path == QLatin1StringView("/metrics")) {
        writeResponse(socket, 200, "text/plain; version=0.0.4; charset=utf-8", m_metrics.render(), head);
        return true;
    }
    static const QRegularExpression outputPath(QStringLiteral("^/jobs/([0-9a-f]{1,64})/output(?:/(\\d{1,4}))?/?$"));
    const QRegularExpressionMatch match = outputPath.match(path);
    if (match.hasMatch()) {
        serveOutput(request, socket, match.captured(1), match.captured(2).isEmpty() ? 0 : match.captured(2).toInt());
        return true;
    }
    return false;
}

void HttpApi::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    writeError(socket, 404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such resource"),
               request.method() == QHttpServerRequest::Method::Head);
}

void HttpApi::serveOutput(const QHttpServerRequest &request, QTcpSocket *socket, const QString &id, int index)
{
    const bool head = request.method() == QHttpServerRequest::Method::Head;
    const Job *job = m_manager.job(id);
    if (m_authenticator.enabled()) {
        const QByteArray token = Authenticator::tokenFromHeaders(request.value("Authorization"), request.url().query());
        const auto identity = token.isEmpty() ? std::nullopt : m_authenticator.authenticate(token);
        if (!identity) {
            writeError(socket, 401, QStringLiteral("UNAUTHORIZED"), QStringLiteral("a valid token is required"), head);
            return;
        }
        // Someone else's job answers like a missing one would not: the id is unguessable, and
        // a clear FORBIDDEN helps the operator who pasted the wrong token.
        if (job && identity->role != Role::Admin && job->owner != identity->name) {
            writeError(socket, 403, QStringLiteral("FORBIDDEN"), QStringLiteral("that job belongs to someone else"), head);
            return;
        }
    }
    if (!job) {
        writeError(socket, 404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such job"), head);
        return;
    }
    if (job->status != JobStatus::Completed) {
        writeError(socket, 409, QStringLiteral("INVALID_STATE"),
                   QStringLiteral("job is %1; outputs exist once it completed").arg(jobStatusName(job->status)), head);
        return;
    }
    if (job->outputsRemoved || index >= job->outputs.size()) {
        writeError(socket, 404, QStringLiteral("NOT_FOUND"),
                   job->outputsRemoved ? QStringLiteral("the outputs were delivered or expired and are gone")
                                       : QStringLiteral("no output with that index"),
                   head);
        return;
    }
    const JobOutput &output = job->outputs.at(index);
    const qint64 size = QFileInfo(output.path).size();
    QList<std::pair<QByteArray, QByteArray>> headers{
            {"Content-Type", output.mime.isEmpty() ? QByteArray("application/octet-stream") : output.mime.toUtf8()},
            {"Accept-Ranges", "bytes"},
            {"ETag", '"' + output.sha256.toLatin1() + '"'},
            {"Content-Disposition", contentDisposition(output.fileName)},
            {"Cache-Control", "private, no-store"},
            {"Connection", "close"}};
    qint64 first = 0;
    qint64 last = size - 1;
    int status = 200;
    const QByteArray rangeHeader = request.value("Range");
    if (!rangeHeader.isEmpty()) {
        bool valid = false;
        const auto range = parseRange(rangeHeader, size, &valid);
        if (valid && !range) {
            headers.append(std::pair<QByteArray, QByteArray>("Content-Range", "bytes */" + QByteArray::number(size)));
            headers.prepend(std::pair<QByteArray, QByteArray>("Content-Length", "0"));
            writeHead(socket, 416, headers);
            socket->disconnectFromHost();
            return;
        }
        if (valid) {
            first = range->first;
            last = range->last;
            status = 206;
            headers.append(std::pair<QByteArray, QByteArray>(
                    "Content-Range", "bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + '/'
                            + QByteArray::number(size)));
        }
    }
    headers.prepend(std::pair<QByteArray, QByteArray>("Content-Length", QByteArray::number(size == 0 ? 0 : last - first + 1)));
    writeHead(socket, status, headers);
    if (head || size == 0) {
        socket->disconnectFromHost();
        return;
    }
    qCInfo(lcHttp).noquote() << Logging::Fields{{QStringLiteral("job"), job->id}, {QStringLiteral("index"), QString::number(index)}}
                             << "output download" << first << last;
    new FileStreamer(socket, output.path, first, last, m_metrics);
}

} // namespace Mediaforge
