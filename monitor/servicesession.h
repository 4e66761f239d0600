// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "reconnectbackoff.h"
#include "throughputhistory.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace Mediaforge {
class ClientConnection;
}

namespace Mediaforge::Monitor {

class JobModel;

// One monitored service: the level 1 admin connection, its jobs model, its stats and health,
// and the reconnection policy. Nothing here waits: every request is asynchronous, a service
// that stops answering is detected by a watchdog and reconnected with back-off.
class ServiceSession : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Connecting,    // first attempt or a retry in flight
        Connected,     // welcome received, subscribed
        Stopping,      // connected, but the service announced SHUTTING_DOWN and drains (drainSecondsLeft)
        Unresponsive,  // connected, but nothing heard for a while (a frozen service); data is stale
        Reconnecting,  // waiting for the next attempt (secondsUntilRetry)
        AuthFailed,    // the service refused the token; no automatic retry
        NotAdmin,      // the token is valid but not an admin token; no automatic retry
        Stopped,       // closed by the user
    };
    Q_ENUM(State)

    // Timeouts in milliseconds; tests shorten them.
    struct Timing
    {
        int connectTimeoutMs = 15000;   // TCP + WebSocket handshake + welcome
        int silenceBeforePingMs = 10000; // stats arrive every second while subscribed
        int pingTimeoutMs = 10000;
        int healthIntervalMs = 10000;
        int healthTimeoutMs = 5000;
        // Stats arrive every second: after this much silence what is on screen is no longer live.
        int staleAfterMs = 5000;
        // Jobs per list_jobs page: the first page on (re)connect and each older one.
        int listPageSize = 1000;
    };

    ServiceSession(const QUrl &url, const QString &token, QNetworkAccessManager *network, QObject *parent = nullptr);
    ~ServiceSession() override;

    void setTiming(const Timing &timing) { m_timing = timing; }
    void start();
    void stop();
    // Connect now instead of waiting out the back-off (also after an auth failure).
    void reconnectNow();

    QUrl url() const { return m_url; }
    QString token() const { return m_token; }
    // A new token for the next attempt (reconnectNow() uses it at once).
    void setToken(const QString &token) { m_token = token; }
    // host:port, what the tab shows.
    QString displayName() const;
    State state() const { return m_state; }
    // The socket is open (Connected, Stopping or Unresponsive).
    bool isUp() const;
    // What the window shows is current: up, synchronised and heard from recently.
    bool isLive() const;
    // "Connected", "Reconnecting in 8 s", ... for the status line and the tab tooltip.
    QString stateText() const;
    int secondsUntilRetry() const;
    // While Stopping: seconds left of the service's shutdown drain, -1 when it did not say.
    int drainSecondsLeft() const;
    // What went wrong, in the interface's language.
    QString lastError() const { return m_lastError; }
    // The service's own words about it (English, from the wire), for the details.
    QString serviceText() const { return m_serviceText; }
    bool isSynchronised() const { return m_synchronised; }
    QDateTime lastContact() const { return m_lastContact; }
    // When the data on screen stopped being live (invalid while it is live).
    QDateTime staleSince() const { return isLive() ? QDateTime() : m_lastContact; }

    JobModel *model() const { return m_model; }
    const ThroughputHistory &history() const { return m_history; }
    const QJsonObject &welcome() const { return m_welcome; }
    const QJsonObject &stats() const { return m_stats; }
    const QJsonObject &health() const { return m_health; }
    QString healthError() const { return m_healthError; }
    // The cluster's nodes (`list_nodes`), refreshed with the health; empty until the first answer
    // and for a service that predates `list_nodes`.
    const QJsonArray &nodes() const { return m_nodes; }
    // When `nodes` was fetched (monotonic, for ageing the heartbeats between fetches).
    qint64 msecsSinceNodes() const;
    // When `health` was fetched (monotonic, for extrapolating the uptime between fetches).
    qint64 msecsSinceHealth() const;
    // From the welcome; empty when the service announced no HTTP port.
    QUrl httpUrl() const { return m_httpUrl; }
    QUrl metricsUrl() const;

    using CancelHandler = std::function<void(bool ok, const QString &message)>;
    // cancel_job by the service-wide id; `handler` runs when the service has answered (or at
    // once when not connected). It does not run when the connection drops meanwhile.
    void cancelJob(const QString &id, CancelHandler handler);
    using JobHandler = std::function<void(const QJsonObject &reply)>;
    // get_job by the service-wide id: `handler` gets the reply, a `job` (with `deliveries` for
    // a job with webhooks) or an `error`. False when not connected (nothing is sent); like
    // cancelJob, the handler does not run when the connection drops meanwhile.
    bool getJob(const QString &id, JobHandler handler);
    // The service keeps finished jobs for --history-days, more than the first page lists:
    // the next older page, when there is one, goes into the model.
    bool hasOlderJobs() const { return !m_nextBefore.isEmpty(); }
    bool isLoadingOlderJobs() const { return m_loadingOlder; }
    void loadOlderJobs();
    void fetchHealth();
    void fetchNodes();
    // drain_node (`drain`) or resume_node for the node named `node` (admin); the list in the
    // reply replaces nodes(). `handler` as cancelJob's: the service's refusal, or not connected.
    void setNodeDraining(const QString &node, bool drain, CancelHandler handler);

signals:
    void stateChanged(Mediaforge::Monitor::ServiceSession::State state);
    // The retry countdown moved (once a second while Reconnecting).
    void countdownChanged();
    void statsChanged();
    void healthChanged();
    void nodesChanged();
    void synchronised();
    // hasOlderJobs() or isLoadingOlderJobs() may have changed.
    void historyChanged();
    // isLive() changed.
    void liveChanged(bool live);

private:
    void onConnected(const QJsonObject &welcome);
    void onMessage(const QJsonObject &message);
    void onDisconnected(const QString &reason, int closeCode, bool unreachable);
    void connectionLost(const QString &reason);
    void scheduleRetry();
    void attempt();
    void setState(State state);
    void checkLiveness();
    void heard();
    void updateLive();
    void shuttingDown(const QJsonObject &notice);

    QUrl m_url;
    QString m_token;
    QNetworkAccessManager *m_network;
    ClientConnection *m_connection;
    JobModel *m_model;
    ThroughputHistory m_history;
    ReconnectBackoff m_backoff;
    Timing m_timing;
    QString m_nextBefore;       // list_jobs cursor of the next older page, empty at the end
    bool m_loadingOlder = false;
    State m_state = State::Stopped;
    QString m_lastError;
    QString m_serviceText;
    bool m_live = false;
    bool m_stopping = false;   // SHUTTING_DOWN received on this connection
    QElapsedTimer m_drainClock;
    int m_drainSeconds = -1;
    bool m_synchronised = false;
    bool m_authRefused = false;
    QJsonObject m_welcome;
    QJsonObject m_stats;
    QJsonObject m_health;
    QString m_healthError;
    QJsonArray m_nodes;
    QElapsedTimer m_nodesAge;
    bool m_nodesUnsupported = false;   // the service answered UNKNOWN_MESSAGE_TYPE
    bool m_nodesPending = false;
    QUrl m_httpUrl;
    QElapsedTimer m_healthAge;
    QElapsedTimer m_sinceHeard;
    QElapsedTimer m_attemptAge;
    QDateTime m_lastContact;
    QString m_pingRequest;
    QTimer *m_retryTimer;
    QTimer *m_countdownTimer;
    QTimer *m_watchdogTimer;
    QTimer *m_healthTimer;
    QPointer<QNetworkReply> m_healthReply;
};

} // namespace Mediaforge::Monitor
