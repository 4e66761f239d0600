// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clustersigner.h"
#include "server/remoteoutputs.h"

#include <QNetworkAccessManager>

#include <chrono>

namespace Mediaforge {

class JobStore;

// Outputs that another node of the cluster holds, fetched for this node's clients over that
// node's signed route (GET /cluster/v1/jobs/{id}/outputs/{n}). The node comes from the job's
// row and its URL from the nodes table, never from a client or a job. Nothing is followed
// elsewhere (no redirects), and a transfer that moves no byte for kStallMs is given up.
class ClusterOutputs final : public RemoteOutputs
{
public:
    static constexpr int kStallMs = 60000;

    // `sharedDir`: this node's --shared-dir (empty: none). An output of a node with the same
    // one is read there directly instead of over that node's route.
    ClusterOutputs(JobStore &store, const ClusterSigner &signer, std::chrono::seconds lease, QString sharedDir = {});

    bool elsewhere(const QString &id) override;
    QNetworkReply *open(const QString &id, int index, const QByteArray &range, qint64 bufferBytes,
                        Error *error) override;
    Error failure(QNetworkReply *reply) override;

private:
    // Whether `node` has sent no heartbeat for three lease periods (or has no row): gone for good.
    bool gone(const QString &node);

    JobStore &m_store;
    const ClusterSigner &m_signer;
    std::chrono::seconds m_lease;
    QString m_sharedDir;
    QNetworkAccessManager m_network;
};

} // namespace Mediaforge
