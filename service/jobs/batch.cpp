// SPDX-License-Identifier: GPL-3.0-or-later
#include "batch.h"

#include <QJsonDocument>

namespace Mediaforge {

int Batch::count(const QString &status) const
{
    int n = 0;
    for (const BatchItem &item : items)
        n += item.status == status ? 1 : 0;
    return n;
}

int Batch::unfinished() const
{
    int n = 0;
    for (const BatchItem &item : items)
        n += item.status.isEmpty() ? 1 : 0;
    return n;
}

qint64 Batch::outputBytes() const
{
    qint64 total = 0;
    for (const BatchItem &item : items)
        total += item.outputBytes;
    return total;
}

QByteArray Batch::toData() const
{
    QJsonArray list;
    for (const BatchItem &item : items) {
        QJsonObject entry{{QStringLiteral("id"), item.id}, {QStringLiteral("job_id"), item.jobId}};
        if (!item.status.isEmpty()) {
            entry.insert(QStringLiteral("status"), item.status);
            entry.insert(QStringLiteral("output_bytes"), item.outputBytes);
            entry.insert(QStringLiteral("result"), item.result);
        }
        list.append(entry);
    }
    const QJsonObject data{{QStringLiteral("owner_label"), ownerLabel},
                           {QStringLiteral("notify_url"), notifyUrl},
                           {QStringLiteral("items"), list}};
    return QJsonDocument(data).toJson(QJsonDocument::Compact);
}

void Batch::readData(const QByteArray &data)
{
    const QJsonObject object = QJsonDocument::fromJson(data).object();
    ownerLabel = object.value(QStringLiteral("owner_label")).toString();
    notifyUrl = object.value(QStringLiteral("notify_url")).toString();
    items.clear();
    const QJsonArray list = object.value(QStringLiteral("items")).toArray();
    for (const QJsonValue &value : list) {
        const QJsonObject entry = value.toObject();
        BatchItem item;
        item.id = entry.value(QStringLiteral("id")).toString();
        item.jobId = entry.value(QStringLiteral("job_id")).toString();
        item.status = entry.value(QStringLiteral("status")).toString();
        item.outputBytes = entry.value(QStringLiteral("output_bytes")).toInteger();
        item.result = entry.value(QStringLiteral("result")).toObject();
        items.append(item);
    }
}

} // namespace Mediaforge
