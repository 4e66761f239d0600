// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "startjob.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Mediaforge {

class PresetCatalog;

// A `start_batch` message (docs/batches.md): either `items` (each an input with an operation
// or preset and options) or one operation/preset + options applied to `inputs`. Every item is
// checked as the start_job it becomes, up front: one bad item refuses the whole batch, with
// paths that name the item (`items[3].options.crf`, `inputs[2].url`).
struct StartBatchRequest
{
    QString batchId;                 // empty: the service generates one
    QList<StartJobRequest> items;    // one job each; job_id is itemJobId(batchId, index)
    QString priority = QStringLiteral("normal");
    bool detach = false;
    QUrl notifyUrl;                  // one `batch.completed` webhook for the whole batch

    static Result<StartBatchRequest> fromJson(const QJsonObject &message, const PresetCatalog &presets, int maxItems);
    // Like a job_id, but without ':' (which joins it to an item's index) and short enough that
    // every item's job_id is still a valid job_id.
    static bool isValidBatchId(const QString &batchId);
    static QString itemJobId(const QString &batchId, int index);
    static constexpr int kMaxBatchIdLength = 56;
};

} // namespace Mediaforge
