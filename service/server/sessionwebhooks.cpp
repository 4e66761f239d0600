// SPDX-License-Identifier: GPL-3.0-or-later
// Session: webhooks. start_job's notify_url goes through the downloads' URL guard before the
// job exists (syntax, and an IP literal's address; a name is resolved and checked at every
// attempt, when it is used), and is refused when nothing could sign its deliveries. A level 1
// start_job without one gets its owner's default (tokens file `notify_url=`), checked the same
// way at each submit. An admin's `redeliver` sends a delivery again (by delivery_id), or every
// finished delivery of a job.
#include "session.h"

#include "config/config.h"
#include "input/urlguard.h"
#include "jobs/jobmanager.h"
#include "protocol.h"
#include "validationissues.h"

namespace Mediaforge {

using namespace Protocol;

bool Session::applyOwnerNotifyUrl(QJsonObject &startJob) const
{
    if (startJob.contains(Field::NotifyUrl) || !m_context.authenticator || !m_context.authenticator->enabled())
        return false;
    const QUrl fallback = m_context.authenticator->ownerSettings(m_owner).notifyUrl;
    if (fallback.isEmpty())
        return false;
    startJob.insert(QString(Field::NotifyUrl), fallback.toString(QUrl::FullyEncoded));
    return true;
}

std::optional<Error> Session::checkNotifyUrl(const QUrl &url, bool ownerDefault) const
{
    std::optional<Error> refused = checkUrlSyntax(url);
    if (!refused) {
        if (const auto literal = hostLiteralAddress(url.host())) {
            UrlPolicy policy;
            policy.allowPrivate = m_context.config->allowPrivateUrls;
            refused = checkAddresses(url, {*literal}, policy);
        }
    }
    // Unsigned webhooks are not offered: a receiver could not tell them from forgeries.
    if (!refused && (!m_context.webhookSecret || m_context.webhookSecret(m_owner).isEmpty())) {
        refused = ValidationIssues::single(QStringLiteral("notify_url"),
                                           QStringLiteral("no webhook secret is configured for this owner, so its "
                                                          "webhooks could not be signed (docs/webhooks.md)"));
    }
    // The client did not write this URL: say where it came from, so that it asks the operator
    // (or gives a notify_url of its own) rather than searching its request.
    if (refused && ownerDefault)
        refused->message = QStringLiteral("the default notify_url of this token (tokens file): ") + refused->message;
    return refused;
}

void Session::handleRedeliver(const QJsonObject &object, const QJsonValue &requestId)
{
    if (m_identity.role != Role::Admin) {
        sendError(Error(ErrorCode::Forbidden, QStringLiteral("only admins may redeliver webhooks")), QString(), requestId);
        return;
    }
    if (!m_context.redeliver || !m_context.deliveries) {
        sendError(Error(ErrorCode::InternalError, QStringLiteral("webhooks are not available")), QString(), requestId);
        return;
    }
    QJsonArray redelivered;
    const QJsonValue deliveryId = object.value(Field::DeliveryId);
    if (object.contains(Field::DeliveryId)) {
        if (!deliveryId.isString() || deliveryId.toString().size() > 64) {
            sendError(ValidationIssues::single(QStringLiteral("delivery_id"), QStringLiteral("must be a delivery id from get_job")),
                      QString(), requestId);
            countInvalid();
            return;
        }
        const std::optional<QJsonObject> again = m_context.redeliver(deliveryId.toString());
        if (!again) {
            sendError(Error(ErrorCode::NotFound, QStringLiteral("no delivery with that delivery_id")), QString(), requestId);
            return;
        }
        redelivered.append(*again);
    } else {
        const Result<const Job *> resolved = resolveJob(object);
        if (!resolved.ok()) {
            sendError(resolved.error(), object.value(Field::JobId).toString().left(64), requestId);
            return;
        }
        // Every delivery that is done (delivered or given up); pending ones are on their way.
        const QJsonArray deliveries = m_context.deliveries(resolved.value()->id);
        for (const QJsonValue &delivery : deliveries) {
            const QJsonObject entry = delivery.toObject();
            if (entry.value(QStringLiteral("state")).toString() == u"pending")
                continue;
            if (const std::optional<QJsonObject> again = m_context.redeliver(entry.value(Field::DeliveryId).toString()))
                redelivered.append(*again);
        }
        if (redelivered.isEmpty()) {
            sendError(Error(ErrorCode::NotFound, QStringLiteral("that job has no finished webhook delivery")), QString(),
                      requestId);
            return;
        }
    }
    QJsonObject reply{{QString(Field::Type), QString(Type::Redelivering)}};
    reply.insert(QString(Field::Deliveries), redelivered);
    send(reply, requestId);
}

} // namespace Mediaforge
