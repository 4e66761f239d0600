// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clustersigner.h"
#include "server/httpconnection.h"

#include <functional>

namespace Mediaforge {

class JobManager;

// The node-to-node routes of the HTTP port, for nodes that share a store but no filesystem:
//   GET|HEAD /cluster/v1/jobs/{id}/inputs/{n}    an input of a job this node holds
//   GET|HEAD /cluster/v1/jobs/{id}/outputs/{n}   an output of a completed job this node holds
// with HTTP Range, streamed from disk with back-pressure (bounded memory whatever the size).
// Every request must carry a valid ClusterSigner signature for its method and path: 401 when
// it carries none, 403 when it is malformed, expired, too far ahead or forged. Refusals are
// logged with the reason and the claimed node, never the secret or the signature.
class ClusterRoutes
{
public:
    // `now` gives Unix seconds (injected so that tests can judge expiry and skew).
    ClusterRoutes(JobManager &manager, const ClusterSigner &signer, std::function<void(qint64)> bytesSent,
                  std::function<qint64()> now = {});

    void handle(HttpConnection &connection, const HttpRequest &request);

    static QString inputPath(const QString &jobId, int index);
    static QString outputPath(const QString &jobId, int index);

private:
    JobManager &m_manager;
    const ClusterSigner &m_signer;
    std::function<void(qint64)> m_bytesSent;
    std::function<qint64()> m_now;
};

} // namespace Mediaforge
