// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Mediaforge {

// One item of a batch: a normal job whose job_id is "<batch_id>:<index>". Its final state and
// result are copied here when it ends, so that the batch's figures and its batch_completed never
// read finished jobs back from the store one by one.
struct BatchItem
{
    QString id;                // the job's service id
    QString jobId;
    QString status;            // empty while unfinished; "completed", "failed" or "cancelled"
    qint64 outputBytes = 0;    // of a completed item
    QJsonObject result;        // per-item entry of batch_completed, once finished
};

// A batch (docs/batches.md): the items, their counts and, once the last item ended, that the
// end was stored (and therefore announced once). The store keeps it as a row of its own.
struct Batch
{
    QString id;                // service-wide, 24 hex digits
    QString batchId;           // the owner's name for it
    QString owner;
    QString ownerLabel;
    quint64 connectionId = 0;  // memory only: the connection that started it
    QDateTime createdAt;
    QDateTime finishedAt;      // valid once every item ended and that was stored
    QList<BatchItem> items;
    QString notifyUrl;         // one `batch.completed` webhook when set

    bool isFinished() const { return finishedAt.isValid(); }
    int count(const QString &status) const;
    int unfinished() const;
    qint64 outputBytes() const;

    // The row's `data` column: everything but the indexed columns, as compact JSON.
    QByteArray toData() const;
    void readData(const QByteArray &data);
};

} // namespace Mediaforge
