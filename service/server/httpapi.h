// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractHttpServer>
#include <QDateTime>
#include <QString>

#include <optional>

namespace Mediaforge {

class Authenticator;
class JobManager;
class Metrics;

struct HealthInfo
{
    QString ffmpegPath;
    QString ffprobePath;
    QString ffmpegVersion;     // empty when ffmpeg could not be run at start-up
    QString tempDir;
    QDateTime startedAt;
};

// The plain HTTP port: GET /health, GET /metrics and GET|HEAD /jobs/{id}/output[/{index}]
// (Range, owner token or admin). Built on QAbstractHttpServer rather than QHttpServer's router:
// in Qt 6.4 only the abstract server hands over the socket, and streaming a multi-gigabyte
// output with back-pressure and Range needs the socket.
class HttpApi : public QAbstractHttpServer
{
    Q_OBJECT
public:
    HttpApi(JobManager &manager, Metrics &metrics, const Authenticator &authenticator, HealthInfo health,
            QObject *parent = nullptr);

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

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    void serveOutput(const QHttpServerRequest &request, QTcpSocket *socket, const QString &id, int index);

    JobManager &m_manager;
    Metrics &m_metrics;
    const Authenticator &m_authenticator;
    HealthInfo m_health;
};

} // namespace Mediaforge
