// SPDX-License-Identifier: GPL-3.0-or-later
// HttpApi, continued: the output of a job that another node of the cluster ran, streamed from
// that node to this node's client. The client's Range goes to the other node as it came, and
// its answer (200, 206 with its Content-Range, 416) comes back with this node's header fields.
// Memory stays bounded: the other node's reply buffers at most kRemoteBufferBytes, and is read
// only while the client's socket has room, so a slow client slows the other node down.
#include "httpapi.h"

#include "errorcode.h"
#include "jobs/job.h"
#include "logging/logging.h"
#include "metrics.h"
#include "remoteoutputs.h"

#include <QNetworkReply>
#include <QPointer>

#include <memory>

namespace Mediaforge {

namespace {

constexpr qint64 kRemoteBufferBytes = 256 * 1024;

} // namespace

void HttpApi::serveRemoteOutput(HttpConnection &connection, const HttpRequest &request, const Job &job, int index)
{
    const JobOutput output = job.outputs.at(index);
    const QString id = job.id;
    auto refuse = [id](HttpConnection &target, const Error &error) {
        // The other node lost the file (404) stays a 404; anything else is this node failing
        // to get it: 502 with the typed code (OUTPUT_SEND_FAILED or NODE_LOST).
        const int status = error.code == ErrorCode::NotFound ? 404 : 502;
        qCWarning(lcHttp).noquote() << Logging::Fields{{QStringLiteral("job"), id}} << "cannot serve an output of another node:"
                                    << error.message;
        target.respondError(status, errorCodeName(error.code), error.message);
    };
    Error error;
    QNetworkReply *reply = m_remote->open(id, index, request.header("range"), kRemoteBufferBytes, &error);
    if (!reply) {
        refuse(connection, error);
        return;
    }
    connection.deferAnswer();
    // Until the answer starts, the reply is ours; a client that leaves meanwhile ends it.
    connect(&connection, &QObject::destroyed, reply, &QObject::deleteLater);
    QPointer<HttpConnection> target(&connection);
    auto answered = std::make_shared<bool>(false);
    auto remaining = std::make_shared<qint64>(0);
    RemoteOutputs *remote = m_remote;
    Metrics *metrics = &m_metrics;
    const bool head = request.isHead();
    auto answer = [target, reply, answered, remaining, output, metrics, head] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (*answered || !target || (status != 200 && status != 206 && status != 416))
            return;
        *answered = true;
        const QByteArray contentRange = reply->rawHeader("Content-Range");
        if (status == 416) {
            target->respond(416, {{"Accept-Ranges", "bytes"}, {"Content-Range", contentRange}}, "application/octet-stream",
                            QByteArray());
            reply->deleteLater();
            return;
        }
        HttpHeaders headers{{"Content-Type", output.mime.isEmpty() ? QByteArray("application/octet-stream") : output.mime.toUtf8()},
                            {"ETag", '"' + output.sha256.toLatin1() + '"'},
                            {"Content-Disposition", contentDisposition(output.fileName)},
                            {"Cache-Control", "private, no-store"},
                            {"Accept-Ranges", "bytes"}};
        if (!contentRange.isEmpty())
            headers.append(HttpHeaders::value_type("Content-Range", contentRange));
        const qint64 length = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        *remaining = length;
        if (!head) {
            qCInfo(lcHttp).noquote() << "output download from another node" << status << length << "bytes";
        }
        target->respondWithStream(status, headers, std::unique_ptr<QIODevice>(reply), length,
                                  [metrics, remaining](qint64 bytes) {
                                      *remaining -= bytes;
                                      metrics->addBytesSent(bytes);
                                  });
    };
    connect(reply, &QNetworkReply::metaDataChanged, reply, answer);
    connect(reply, &QNetworkReply::finished, reply, [target, reply, answered, remaining, remote, refuse, answer] {
        answer();
        if (!*answered) {
            // Refused or unreachable before any answer: a typed error, and the reply goes.
            if (target)
                refuse(*target, remote->failure(reply));
            reply->deleteLater();
            return;
        }
        // Broken while streaming: the head is out, so only a cut connection tells the client
        // that the body is incomplete (as for a local file that fails).
        if (reply->error() != QNetworkReply::NoError && *remaining > 0 && target) {
            remote->failure(reply);
            target->drop();
        }
    });
}

} // namespace Mediaforge
