// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "job.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace Mediaforge {

// One webhook delivery: a state change of a job that its notify_url is to hear about. Written
// by the store in the same transaction as the change (the outbox), so that a crash can never
// lose one; sent, retried and finally marked by the dispatcher (service/webhooks).
struct WebhookDelivery
{
    enum class Status { Pending, Delivered, Failed };

    QString id;                // "whd_" + 32 hex digits; the Mediaforge-Delivery header
    QString job;               // the job's service id
    QString owner;             // whose webhook secret signs it
    QString url;
    QString event;             // the job's status name at the change
    int position = 0;          // 1, 2, ... per job: the order the receiver gets them in
    QByteArray snapshot;       // the job snapshot at the change, compact JSON
    int attempt = 0;           // attempts made so far
    Status status = Status::Pending;
    QDateTime createdAt;
    QDateTime retryFrom;       // the retry window starts here (creation, or the last redeliver)
    QDateTime nextAttemptAt;
    QDateTime lastAttemptAt;   // invalid before the first attempt
    int lastStatusCode = 0;    // HTTP status of the last attempt; 0: none (see lastError)
    QString lastError;         // why the last attempt failed, when it did without a status

    // As get_job and redeliver list it: delivery_id, event, attempts, state, created_at,
    // last_attempt_at, next_attempt_at (pending), status_code and error of the last attempt.
    QJsonObject toJson() const;

    static QString statusName(Status status);
    static std::optional<Status> statusFromName(QStringView name);
};

namespace WebhookOutbox {

// Whether `job` has a notify_url that wants to hear about `status`: notifyEvents empty means
// the final states only.
bool wants(const Job &job, JobStatus status);

// The delivery that the change of `job` from `previous` (none: the job is new) to its current
// status makes, if any: a state that did not change makes none. The position is the store's.
std::optional<WebhookDelivery> entryFor(const Job &job, std::optional<JobStatus> previous, const QDateTime &now);

// Every status name a client may list in notify_events.
QStringList eventNames();

} // namespace WebhookOutbox

} // namespace Mediaforge
