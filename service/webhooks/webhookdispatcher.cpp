// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhookdispatcher.h"

#include "jobs/jobstore.h"
#include "logging/logging.h"
#include "webhookattempt.h"
#include "webhooksigner.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>

namespace Mediaforge {

WebhookDispatcher::WebhookDispatcher(JobStore &store, HostResolver &resolver,
                                     WebhookSettings settings, SecretLookup secret, QObject *parent)
    : QObject(parent), m_store(store), m_resolver(resolver), m_settings(std::move(settings)),
      m_secret(std::move(secret))
{
    m_poll = new QTimer(this);
    m_poll->setInterval(m_settings.pollInterval);
    connect(m_poll, &QTimer::timeout, this, &WebhookDispatcher::poll);
}

WebhookDispatcher::~WebhookDispatcher()
{
    // Whatever is in flight stays pending in the store; its lease ends and it is sent again.
    qDeleteAll(m_attempts.keys());
}

void WebhookDispatcher::start()
{
    m_store.releaseDeliveryLeases();
    m_poll->start();
    wake();
}

void WebhookDispatcher::wake()
{
    if (m_wakePending)
        return;
    m_wakePending = true;
    QMetaObject::invokeMethod(
            this,
            [this] {
                m_wakePending = false;
                poll();
            },
            Qt::QueuedConnection);
}

std::chrono::milliseconds WebhookDispatcher::backoff(int attempt, const WebhookSettings &settings)
{
    // min, 2 min, 4 min, ... capped: a receiver that is down for a while is not hammered, one
    // that is back soon hears from us soon.
    const int doublings = std::clamp(attempt - 1, 0, 40);
    const double delay = double(settings.minBackoff.count()) * double(qint64(1) << std::min(doublings, 30));
    return std::chrono::milliseconds(qint64(std::min(delay, double(settings.maxBackoff.count()))));
}

void WebhookDispatcher::poll()
{
    const int room = m_settings.maxInFlight - inFlight();
    if (room <= 0)
        return;
    // The lease outlasts the attempt: another node may send the delivery only once this one
    // surely gave up on it.
    const auto lease = m_settings.timeout * 2 + std::chrono::seconds(10);
    const QList<WebhookDelivery> due = m_store.claimDeliveries(QDateTime::currentDateTimeUtc(), room, lease);
    for (const WebhookDelivery &delivery : due)
        send(delivery);
}

void WebhookDispatcher::send(const WebhookDelivery &delivery)
{
    const int attemptNumber = delivery.attempt + 1;
    const QJsonObject payload{{QStringLiteral("delivery_id"), delivery.id},
                              {QStringLiteral("event"), delivery.event},
                              {QStringLiteral("attempt"), attemptNumber},
                              {QStringLiteral("job"), QJsonDocument::fromJson(delivery.snapshot).object()}};
    const QByteArray body = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    const QByteArray secret = m_secret ? m_secret(delivery.owner) : QByteArray();
    if (secret.isEmpty()) {
        // Never unsigned: an owner whose secret was removed after the job was accepted waits
        // (and retries) until one is configured again or the window ends.
        QMetaObject::invokeMethod(
                this,
                [this, delivery] {
                    --m_pendingRecords;
                    record(delivery, 0, QStringLiteral("no webhook secret for its owner"));
                },
                Qt::QueuedConnection);
        ++m_pendingRecords;
        return;
    }
    auto *attempt = new WebhookAttempt(m_resolver, m_settings.policy, m_settings.timeout,
                                       m_settings.maxResponseBytes, this);
    m_attempts.insert(attempt, delivery);
    connect(attempt, &WebhookAttempt::finished, this, [this, attempt] {
        const WebhookDelivery sent = m_attempts.take(attempt);
        attempt->deleteLater();
        record(sent, attempt->status(), attempt->error());
    });
    WebhookAttempt::Request request;
    request.url = QUrl(delivery.url);
    request.body = body;
    request.headers = {{"Mediaforge-Signature",
                        WebhookSigner::signature(secret, QDateTime::currentSecsSinceEpoch(), body)},
                       {"Mediaforge-Delivery", delivery.id.toLatin1()}};
    attempt->start(std::move(request));
}

void WebhookDispatcher::record(WebhookDelivery delivery, int status, const QString &error)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool succeeded = status >= 200 && status < 300;
    ++delivery.attempt;
    delivery.lastAttemptAt = now;
    delivery.lastStatusCode = status;
    delivery.lastError = succeeded ? QString() : error;
    const Logging::Fields fields{{QStringLiteral("job"), delivery.job},
                                 {QStringLiteral("delivery"), delivery.id},
                                 {QStringLiteral("attempt"), QString::number(delivery.attempt)}};
    if (succeeded) {
        delivery.status = WebhookDelivery::Status::Delivered;
        ++m_delivered;
        qCInfo(lcWebhooks).noquote() << fields << delivery.event << "delivered, HTTP" << delivery.lastStatusCode;
    } else {
        const auto base = backoff(delivery.attempt, m_settings);
        // Up to a quarter more, so that the deliveries a receiver's outage held back do not all
        // come back at the same instant; below the cap each delay stays longer than the last.
        const auto delay = base + std::chrono::milliseconds(qint64(QRandomGenerator::global()->bounded(0.25) * double(base.count())));
        const QDateTime next = now.addMSecs(delay.count());
        const QDateTime deadline = delivery.retryFrom.addSecs(m_settings.retryWindow.count());
        if (next > deadline) {
            delivery.status = WebhookDelivery::Status::Failed;
            ++m_failed;
            qCWarning(lcWebhooks).noquote() << fields << delivery.event << "failed for good after" << delivery.attempt
                                            << "attempts:" << delivery.lastError;
        } else {
            delivery.nextAttemptAt = next;
            ++m_retried;
            // Looked for when due, not only at the next poll.
            QTimer::singleShot(delay + std::chrono::milliseconds(5), this, &WebhookDispatcher::wake);
            qCInfo(lcWebhooks).noquote() << fields << delivery.event << "attempt failed (" << delivery.lastError
                                         << "); next in" << delay.count() << "ms";
        }
    }
    if (!m_store.recordDeliveryAttempt(delivery))
        qCWarning(lcWebhooks).noquote() << fields << "cannot record the attempt:" << m_store.lastError();
    emit attempted(delivery);
    wake();
}

QByteArray WebhookDispatcher::metricsText() const
{
    QByteArray out;
    out += "# HELP mediaforge_webhook_deliveries_total Webhook delivery attempts by result since the start: delivered "
           "(2xx), retried (will be tried again), failed (given up after the retry window).\n"
           "# TYPE mediaforge_webhook_deliveries_total counter\n";
    out += "mediaforge_webhook_deliveries_total{result=\"delivered\"} " + QByteArray::number(m_delivered) + '\n';
    out += "mediaforge_webhook_deliveries_total{result=\"retried\"} " + QByteArray::number(m_retried) + '\n';
    out += "mediaforge_webhook_deliveries_total{result=\"failed\"} " + QByteArray::number(m_failed) + '\n';
    out += "# HELP mediaforge_webhook_deliveries_pending Webhook deliveries waiting to be delivered (the store's "
           "outbox, every node).\n# TYPE mediaforge_webhook_deliveries_pending gauge\n";
    out += "mediaforge_webhook_deliveries_pending " + QByteArray::number(m_store.pendingDeliveries()) + '\n';
    out += "# HELP mediaforge_webhook_deliveries_in_flight Webhook requests this node has open.\n"
           "# TYPE mediaforge_webhook_deliveries_in_flight gauge\n";
    out += "mediaforge_webhook_deliveries_in_flight " + QByteArray::number(inFlight()) + '\n';
    out += "# HELP mediaforge_webhook_failing_endpoints Notify URLs with a pending delivery whose last attempt "
           "failed (every node).\n# TYPE mediaforge_webhook_failing_endpoints gauge\n";
    out += "mediaforge_webhook_failing_endpoints " + QByteArray::number(m_store.failingWebhookEndpoints()) + '\n';
    return out;
}

QJsonObject WebhookDispatcher::stats() const
{
    constexpr qint64 kOutboxMaxAgeMs = 3000;
    if (!m_outboxAge.isValid() || m_outboxAge.elapsed() >= kOutboxMaxAgeMs) {
        m_pendingCached = m_store.pendingDeliveries();
        m_failingCached = m_store.failingWebhookEndpoints();
        m_outboxAge.start();
    }
    return QJsonObject{{QStringLiteral("pending"), m_pendingCached},
                       {QStringLiteral("failing_endpoints"), m_failingCached},
                       {QStringLiteral("in_flight"), inFlight()},
                       {QStringLiteral("delivered"), qint64(m_delivered)},
                       {QStringLiteral("retried"), qint64(m_retried)},
                       {QStringLiteral("failed"), qint64(m_failed)}};
}

} // namespace Mediaforge
