// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "httpserver.h"

#include <QDateTime>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QFile>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace Mediaforge {

class Authenticator;
class JobManager;
class Metrics;
class RemoteOutputs;
struct Job;

struct HealthInfo
{
    QString ffmpegPath;
    QString ffprobePath;
    QString ffmpegVersion;     // empty when ffmpeg could not be run at start-up
    QString tempDir;
    QDateTime startedAt;
};

// The routes of the plain HTTP port: GET|HEAD /health, /metrics and /jobs/{id}/output[/{index}]
// (Range, owner token or admin). The connections themselves (limits, timeouts, keep-alive,
// streaming) are HttpServer's; see there why it is not Qt's QAbstractHttpServer.
class HttpApi : public QObject
{
    Q_OBJECT
public:
    HttpApi(JobManager &manager, Metrics &metrics, const Authenticator &authenticator, HealthInfo health,
            const HttpLimits &limits = {}, QObject *parent = nullptr);

    // The bound port, or 0 when listening failed.
    quint16 listen(const QHostAddress &address, quint16 port) { return m_server.listen(address, port); }
    int connectionCount() const { return m_server.connectionCount(); }

    // `/health` body and whether the service is healthy (ffmpeg, ffprobe, temp dir).
    std::pair<QJsonObject, bool> health() const;
    // The /health `stats` object (also the base of the WebSocket `stats` message).
    QJsonObject stats() const;

    // "bytes=0-99" and friends against a file of `size` bytes: the inclusive [first, last], or
    // nullopt when unsatisfiable. `valid` is false when the header is not a single byte range
    // (then the whole file is sent, as RFC 9110 allows).
    struct ByteRange
    {
        qint64 first = 0;
        qint64 last = 0;
    };
    static std::optional<ByteRange> parseRange(const QByteArray &header, qint64 size, bool *valid);
    // Answers `request` with the open `file` (whole, or the byte range the request asks for:
    // 206, or 416 when unsatisfiable), streamed with back-pressure.
    static void sendFile(HttpConnection &connection, const HttpRequest &request, std::unique_ptr<QFile> file,
                         HttpHeaders headers, std::function<void(qint64)> sent);

    // The node-to-node routes under /cluster/ (service/cluster); without them those paths are 404.
    void setClusterRoutes(HttpConnection::Handler routes) { m_cluster = std::move(routes); }
    // Where the outputs of jobs that another node ran come from (a cluster); without it, only
    // this node's outputs are served.
    void setRemoteOutputs(RemoteOutputs *remote) { m_remote = remote; }

    static QByteArray contentDisposition(const QString &fileName);

private:
    void handle(HttpConnection &connection, const HttpRequest &request);
    void serveOutput(HttpConnection &connection, const HttpRequest &request, const QString &id, int index);
    // httpremoteoutput.cpp: the output streamed from the node that holds it.
    void serveRemoteOutput(HttpConnection &connection, const HttpRequest &request, const Job &job, int index);

    JobManager &m_manager;
    Metrics &m_metrics;
    const Authenticator &m_authenticator;
    HealthInfo m_health;
    HttpServer m_server;
    HttpConnection::Handler m_cluster;
    RemoteOutputs *m_remote = nullptr;
};

} // namespace Mediaforge
