// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QByteArray>
#include <QString>

class QNetworkReply;

namespace Mediaforge {

// The outputs of a job that another node of the cluster ran and keeps on its own disk. The
// server streams them to its clients from that node; it knows neither the store nor the
// signatures, so it asks here (service/cluster/clusteroutputs.* answers).
class RemoteOutputs
{
public:
    virtual ~RemoteOutputs() = default;

    // Whether job `id`'s files are on another node's disk (never for a job this node holds).
    virtual bool elsewhere(const QString &id) = 0;
    // A GET of output `index` of job `id` from the node that holds it: `range` is an HTTP Range
    // value (empty: the whole file). The reply is the caller's; its read buffer holds at most
    // `bufferBytes`, so a reply nobody reads holds the other node back instead of filling
    // memory. nullptr and `error` when no node can be asked.
    virtual QNetworkReply *open(const QString &id, int index, const QByteArray &range, qint64 bufferBytes,
                                Error *error) = 0;
    // The typed error for a reply that failed, or that answered other than 200 or 206.
    virtual Error failure(QNetworkReply *reply) = 0;
};

} // namespace Mediaforge
