// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "input/urlguard.h"
#include "jobs/webhookoutbox.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>

#include <chrono>
#include <functional>

class QTimer;

namespace Mediaforge {

class JobStore;
class WebhookAttempt;

struct WebhookSettings
{
    std::chrono::milliseconds timeout{std::chrono::seconds(10)};      // lookup to end of response
    std::chrono::milliseconds minBackoff{std::chrono::seconds(30)};   // the delay after the first failure
    std::chrono::milliseconds maxBackoff{std::chrono::hours(1)};
    std::chrono::seconds retryWindow{std::chrono::hours(24)};         // then a delivery is failed
    int maxInFlight = 16;
    qint64 maxResponseBytes = 4096;
    std::chrono::milliseconds pollInterval{std::chrono::seconds(1)};
    UrlPolicy policy;
};

// Sends the deliveries of the store's outbox: a signed POST each, any 2xx delivers; anything
// else (another status, a timeout, a refused connection, an address the URL guard refuses)
// retries after an exponential back-off with jitter until the retry window ends, then the
// delivery is failed. A job's deliveries go out in order (the store hands out none behind a
// pending one); restarts resume from the store. The engine and the sessions never see it.
class WebhookDispatcher : public QObject
{
    Q_OBJECT
public:
    // The signing key of an owner's deliveries: its own, or the service-wide one; empty: none
    // (nothing is sent unsigned; the attempt fails and is retried).
    using SecretLookup = std::function<QByteArray(const QString &owner)>;

    WebhookDispatcher(JobStore &store, HostResolver &resolver, WebhookSettings settings,
                      SecretLookup secret, QObject *parent = nullptr);
    ~WebhookDispatcher() override;

    // Ends the leases a killed predecessor left and starts polling the store.
    void start();
    // Something may have become due (a state change was stored): look soon, once.
    void wake();

    int inFlight() const { return int(m_attempts.size()) + m_pendingRecords; }
    // The delay before attempt `attempt` + 1 after `attempt` failed ones, before jitter.
    static std::chrono::milliseconds backoff(int attempt, const WebhookSettings &settings);
    // Prometheus text of the counters and gauges (appended to /metrics).
    QByteArray metricsText() const;
    // get_stats / stats `webhooks`: pending and failing_endpoints (the store's, every node),
    // in_flight and the delivered/retried/failed counters (this node's, since its start).
    QJsonObject stats() const;

signals:
    // After each attempt, once its outcome is stored.
    void attempted(const WebhookDelivery &delivery);

private:
    void poll();
    void send(const WebhookDelivery &delivery);
    // Stores the outcome of an attempt: delivered, due again after the back-off, or failed.
    void record(WebhookDelivery delivery, int status, const QString &error);

    JobStore &m_store;
    HostResolver &m_resolver;
    WebhookSettings m_settings;
    SecretLookup m_secret;
    QTimer *m_poll = nullptr;
    bool m_wakePending = false;
    QHash<WebhookAttempt *, WebhookDelivery> m_attempts;
    int m_pendingRecords = 0;   // claimed deliveries without a secret, recorded on the next turn
    quint64 m_delivered = 0;
    quint64 m_retried = 0;
    quint64 m_failed = 0;
    // The store's figures for stats(): every subscribed session asks each second, the store
    // is asked at most every few seconds.
    mutable QElapsedTimer m_outboxAge;
    mutable qint64 m_pendingCached = 0;
    mutable qint64 m_failingCached = 0;
};

} // namespace Mediaforge
