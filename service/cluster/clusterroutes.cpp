// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusterroutes.h"

#include "jobs/jobmanager.h"
#include "logging/logging.h"
#include "server/httpapi.h"

#include <QDateTime>
#include <QFile>
#include <QRegularExpression>

namespace Mediaforge {

ClusterRoutes::ClusterRoutes(JobManager &manager, const ClusterSigner &signer, std::function<void(qint64)> bytesSent,
                             std::function<qint64()> now)
    : m_manager(manager), m_signer(signer), m_bytesSent(std::move(bytesSent)), m_now(std::move(now))
{
    if (!m_now)
        m_now = [] { return QDateTime::currentSecsSinceEpoch(); };
}

QString ClusterRoutes::inputPath(const QString &jobId, int index)
{
    return QStringLiteral("/cluster/v1/jobs/%1/inputs/%2").arg(jobId).arg(index);
}

QString ClusterRoutes::outputPath(const QString &jobId, int index)
{
    return QStringLiteral("/cluster/v1/jobs/%1/outputs/%2").arg(jobId).arg(index);
}

void ClusterRoutes::handle(HttpConnection &connection, const HttpRequest &request)
{
    const QString path = request.url.path();
    if (!m_signer.enabled()) {
        // No secret, no cluster: these paths do not exist here.
        connection.respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such resource"));
        return;
    }
    // The signature first, before anything about the job: an unsigned caller learns nothing,
    // not even whether an id exists.
    const QByteArray node = request.header(ClusterSigner::kNodeHeader);
    const ClusterSigner::Verdict verdict =
            m_signer.verify(request.method, path, node, request.header(ClusterSigner::kExpiresHeader),
                            request.header(ClusterSigner::kSignatureHeader), m_now());
    if (verdict != ClusterSigner::Verdict::Valid) {
        const QString shownNode = QString::fromLatin1(node.left(63)).replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")),
                                                                             QStringLiteral("?"));
        qCWarning(lcCluster).noquote() << "refused a node-to-node request:" << ClusterSigner::verdictName(verdict)
                                       << "signature, node" << (shownNode.isEmpty() ? QStringLiteral("-") : shownNode)
                                       << "path" << path.left(200);
        const bool missing = verdict == ClusterSigner::Verdict::Missing;
        connection.respondError(missing ? 401 : 403, missing ? QStringLiteral("UNAUTHORIZED") : QStringLiteral("FORBIDDEN"),
                                missing ? QStringLiteral("a node-to-node request needs a cluster signature")
                                        : QStringLiteral("the cluster signature is %1")
                                                  .arg(QString::fromLatin1(ClusterSigner::verdictName(verdict))));
        return;
    }
    if (request.method != "GET" && !request.isHead()) {
        connection.respondError(405, QStringLiteral("METHOD_NOT_ALLOWED"), QStringLiteral("only GET and HEAD"),
                                {{"Allow", "GET, HEAD"}});
        return;
    }
    static const QRegularExpression route(QStringLiteral("^/cluster/v1/jobs/([0-9a-f]{1,64})/(inputs|outputs)/(\\d{1,4})$"));
    const QRegularExpressionMatch match = route.match(path);
    if (!match.hasMatch()) {
        connection.respondError(404, QStringLiteral("NOT_FOUND"), QStringLiteral("no such resource"));
        return;
    }
    const QString id = match.captured(1);
    const bool input = match.captured(2) == QLatin1StringView("inputs");
    const int index = match.captured(3).toInt();
    // Only what this node holds: a record read back from the shared store names files on
    // another node's disk.
    const Job *job = m_manager.heldJob(id);
    QString file;
    QString refusal;
    if (!job) {
        refusal = QStringLiteral("this node does not hold that job");
    } else if (input) {
        if (isFinished(job->status))
            refusal = QStringLiteral("the job has ended; its inputs are gone");
        else if (index >= job->inputs.size() || !job->inputs.at(index).complete)
            refusal = QStringLiteral("no complete input with that index");
        else
            file = job->inputs.at(index).path;
    } else {
        if (job->status != JobStatus::Completed || job->outputsRemoved || index >= job->outputs.size())
            refusal = QStringLiteral("no output with that index here");
        else
            file = job->outputs.at(index).path;
    }
    auto device = std::make_unique<QFile>(file);
    if (refusal.isEmpty() && !device->open(QIODevice::ReadOnly))
        refusal = QStringLiteral("the file is gone");
    if (!refusal.isEmpty()) {
        qCInfo(lcCluster).noquote() << Logging::Fields{{QStringLiteral("job"), id}} << "node" << QString::fromLatin1(node)
                                    << "asked for" << (input ? "input" : "output") << index << "-" << refusal;
        connection.respondError(404, QStringLiteral("NOT_FOUND"), refusal);
        return;
    }
    if (!request.isHead()) {
        qCInfo(lcCluster).noquote() << Logging::Fields{{QStringLiteral("job"), id}} << "sending" << (input ? "input" : "output")
                                    << index << "to node" << QString::fromLatin1(node) << request.header("range");
    }
    HttpApi::sendFile(connection, request, std::move(device),
                      {{"Content-Type", "application/octet-stream"}, {"Cache-Control", "no-store"}}, m_bytesSent);
}

} // namespace Mediaforge
