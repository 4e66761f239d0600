// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhookoutbox.h"

#include <QJsonDocument>
#include <QUuid>

namespace Mediaforge {

QString WebhookDelivery::statusName(Status status)
{
    switch (status) {
    case Status::Pending:
        return QStringLiteral("pending");
    case Status::Delivered:
        return QStringLiteral("delivered");
    case Status::Failed:
        break;
    }
    return QStringLiteral("failed");
}

QJsonObject WebhookDelivery::toJson() const
{
    QJsonObject object{{QStringLiteral("delivery_id"), id},
                       {QStringLiteral("event"), event},
                       {QStringLiteral("attempts"), attempt},
                       {QStringLiteral("state"), statusName(status)},
                       {QStringLiteral("created_at"), createdAt.toString(Qt::ISODateWithMs)}};
    if (lastAttemptAt.isValid()) {
        object.insert(QStringLiteral("last_attempt_at"), lastAttemptAt.toString(Qt::ISODateWithMs));
        if (lastStatusCode > 0)
            object.insert(QStringLiteral("status_code"), lastStatusCode);
        if (!lastError.isEmpty())
            object.insert(QStringLiteral("error"), lastError);
    }
    if (status == Status::Pending)
        object.insert(QStringLiteral("next_attempt_at"), nextAttemptAt.toString(Qt::ISODateWithMs));
    return object;
}

std::optional<WebhookDelivery::Status> WebhookDelivery::statusFromName(QStringView name)
{
    for (Status status : {Status::Pending, Status::Delivered, Status::Failed}) {
        if (statusName(status) == name)
            return status;
    }
    return std::nullopt;
}

namespace WebhookOutbox {

bool wants(const Job &job, JobStatus status)
{
    if (job.notifyUrl.isEmpty())
        return false;
    if (job.notifyEvents.isEmpty())
        return isFinished(status);
    return job.notifyEvents.contains(jobStatusName(status));
}

std::optional<WebhookDelivery> entryFor(const Job &job, std::optional<JobStatus> previous, const QDateTime &now)
{
    if ((previous && *previous == job.status) || !wants(job, job.status))
        return std::nullopt;
    WebhookDelivery delivery;
    delivery.id = QStringLiteral("whd_") + QUuid::createUuid().toString(QUuid::Id128);
    delivery.job = job.id;
    delivery.owner = job.owner;
    delivery.url = job.notifyUrl;
    delivery.event = jobStatusName(job.status);
    // Without the owner label (an admin's view): the receiver is the owner's own endpoint.
    delivery.snapshot = QJsonDocument(job.toSnapshot(false)).toJson(QJsonDocument::Compact);
    delivery.createdAt = now;
    delivery.retryFrom = now;
    delivery.nextAttemptAt = now;
    return delivery;
}

QStringList eventNames()
{
    QStringList names;
    for (JobStatus status : {JobStatus::AwaitingUpload, JobStatus::Downloading, JobStatus::Queued, JobStatus::Processing,
                             JobStatus::Completed, JobStatus::Failed, JobStatus::Cancelled})
        names.append(jobStatusName(status));
    return names;
}

} // namespace WebhookOutbox

} // namespace Mediaforge
