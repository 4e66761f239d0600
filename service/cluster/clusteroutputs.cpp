// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusteroutputs.h"

#include "clusterroutes.h"
#include "sharedfilereply.h"
#include "jobs/jobstore.h"
#include "logging/logging.h"

#include <QDateTime>
#include <QDir>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace Mediaforge {

namespace {

constexpr const char *kNodeProperty = "mediaforge_node";

} // namespace

ClusterOutputs::ClusterOutputs(JobStore &store, const ClusterSigner &signer, std::chrono::seconds lease, QString sharedDir)
    : m_store(store), m_signer(signer), m_lease(lease), m_sharedDir(std::move(sharedDir))
{
    // Node to node: nothing in between, whatever the environment says about proxies.
    m_network.setProxy(QNetworkProxy::NoProxy);
}

bool ClusterOutputs::elsewhere(const QString &id)
{
    const QString node = m_store.nodeOf(id);
    return !node.isEmpty() && node != m_signer.node();
}

bool ClusterOutputs::gone(const QString &node)
{
    const qint64 goneAfterMs = qint64(m_lease.count()) * 1000 * 3;
    const QList<NodeRecord> nodes = m_store.nodes();
    for (const NodeRecord &record : nodes) {
        if (record.name == node)
            return record.heartbeatAgeMs > goneAfterMs;
    }
    return true;
}

QNetworkReply *ClusterOutputs::open(const QString &id, int index, const QByteArray &range, qint64 bufferBytes,
                                    Error *error)
{
    const QString node = m_store.nodeOf(id);
    QString base;
    QString sharedDir;
    qint64 heartbeatAgeMs = 0;
    const QList<NodeRecord> nodes = m_store.nodes();
    for (const NodeRecord &record : nodes) {
        if (record.name == node) {
            base = record.url;
            heartbeatAgeMs = record.heartbeatAgeMs;
            sharedDir = record.sharedDir;
        }
    }
    const QJsonObject details{{QStringLiteral("node"), node}};
    if (!m_sharedDir.isEmpty() && sharedDir == m_sharedDir) {
        // Both nodes mount the shared dir: the holder's file is read here, whether the holder
        // is up or not. Its path is the record's, and only under the holder's own directory.
        const std::optional<Job> job = m_store.load(id);
        const QString path = job && index >= 0 && index < job->outputs.size() && !job->outputsRemoved
                                     && job->status == JobStatus::Completed
                ? QDir::cleanPath(job->outputs.at(index).path)
                : QString();
        const QString holderDir = QDir(m_sharedDir).filePath(node) + u'/';
        auto *reply = new SharedFileReply(path.startsWith(holderDir) ? path : QString(), range);
        reply->setReadBufferSize(bufferBytes);
        reply->setProperty(kNodeProperty, node);
        qCInfo(lcCluster).noquote() << Logging::Fields{{QStringLiteral("job"), id}} << "reading output" << index
                                    << "of node" << node << "in the shared dir" << range;
        return reply;
    }
    if (base.isEmpty() || heartbeatAgeMs > qint64(m_lease.count()) * 1000 * 3) {
        *error = Error(ErrorCode::NodeLost,
                       QStringLiteral("node %1, which holds the job's outputs, is gone").arg(node), details);
        return nullptr;
    }
    QUrl url(base);
    url.setPath(url.path().chopped(url.path().endsWith(u'/') ? 1 : 0) + ClusterRoutes::outputPath(id, index));
    QNetworkRequest request(url);
    for (const auto &[name, value] : m_signer.sign("GET", url.path(), QDateTime::currentSecsSinceEpoch()))
        request.setRawHeader(name, value);
    if (!range.isEmpty())
        request.setRawHeader("Range", range);
    // The route answers or refuses; a redirect would take the signature elsewhere.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(kStallMs);
    QNetworkReply *reply = m_network.get(request);
    reply->setReadBufferSize(bufferBytes);
    reply->setProperty(kNodeProperty, node);
    qCInfo(lcCluster).noquote() << Logging::Fields{{QStringLiteral("job"), id}} << "fetching output" << index
                                << "from node" << node << range;
    return reply;
}

Error ClusterOutputs::failure(QNetworkReply *reply)
{
    const QString node = reply->property(kNodeProperty).toString();
    const QJsonObject details{{QStringLiteral("node"), node}};
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    Error error;
    if (status.isValid() && status.toInt() == 404) {
        error = Error(ErrorCode::NotFound,
                      QStringLiteral("node %1 no longer has that output: it was delivered or expired").arg(node), details);
    } else if (status.isValid() && status.toInt() != 200 && status.toInt() != 206) {
        error = Error(ErrorCode::OutputSendFailed,
                      QStringLiteral("node %1 refused the output (HTTP %2)").arg(node).arg(status.toInt()), details);
    } else if (gone(node)) {
        error = Error(ErrorCode::NodeLost, QStringLiteral("node %1, which holds the job's outputs, is gone").arg(node),
                      details);
    } else {
        error = Error(ErrorCode::OutputSendFailed,
                      QStringLiteral("cannot get the output from node %1: %2").arg(node, reply->errorString()), details);
    }
    qCWarning(lcCluster).noquote() << "fetching an output from node" << node << "failed:" << error.message;
    return error;
}

} // namespace Mediaforge
