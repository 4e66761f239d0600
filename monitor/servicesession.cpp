// SPDX-License-Identifier: GPL-3.0-or-later
#include "servicesession.h"

#include "clientconnection.h"
#include "jobmodel.h"
#include "logging.h"
#include "protocol.h"
#include "format.h"
#include "jobrecord.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace Mediaforge::Monitor {

using namespace Mediaforge::Protocol;

namespace {


QJsonObject requestOf(QLatin1StringView type)
{
    return QJsonObject{{QString(Field::Type), QString(type)}};
}

} // namespace

ServiceSession::ServiceSession(const QUrl &url, const QString &token, QNetworkAccessManager *network, QObject *parent)
    : QObject(parent),
      m_url(url),
      m_token(token),
      m_network(network),
      m_connection(new ClientConnection(this)),
      m_model(new JobModel(this)),
      m_retryTimer(new QTimer(this)),
      m_countdownTimer(new QTimer(this)),
      m_watchdogTimer(new QTimer(this)),
      m_healthTimer(new QTimer(this))
{
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &ServiceSession::attempt);
    m_countdownTimer->setInterval(1000);
    connect(m_countdownTimer, &QTimer::timeout, this, &ServiceSession::countdownChanged);
    m_watchdogTimer->setInterval(500);
    connect(m_watchdogTimer, &QTimer::timeout, this, &ServiceSession::checkLiveness);
    connect(m_healthTimer, &QTimer::timeout, this, &ServiceSession::fetchHealth);
    connect(m_healthTimer, &QTimer::timeout, this, &ServiceSession::fetchNodes);
    connect(this, &ServiceSession::liveChanged, m_model, [this](bool live) { m_model->setLive(live, m_lastContact); });

    connect(m_connection, &ClientConnection::connected, this, &ServiceSession::onConnected);
    connect(m_connection, &ClientConnection::messageReceived, this, &ServiceSession::onMessage);
    connect(m_connection, &ClientConnection::disconnected, this, &ServiceSession::onDisconnected);
}

ServiceSession::~ServiceSession()
{
    if (m_healthReply)
        m_healthReply->abort();
}

QString ServiceSession::displayName() const
{
    const QString host = m_url.host().contains(u':') ? u'[' + m_url.host() + u']' : m_url.host();
    const int port = m_url.port(m_url.scheme() == QLatin1StringView("wss") ? 443 : 80);
    return host + u':' + QString::number(port);
}

QString ServiceSession::stateText() const
{
    switch (m_state) {
    case State::Connecting:
        return tr("Connecting\u2026");
    case State::Connected:
        return m_synchronised ? tr("Connected") : tr("Connected, loading jobs\u2026");
    case State::Stopping: {
        const int left = drainSecondsLeft();
        //: The service announced its shutdown and finishes its running jobs for up to %n more seconds
        return left >= 0 ? tr("Stopping, %n s left", nullptr, left) : tr("Stopping");
    }
    case State::Unresponsive:
        //: The service stopped sending anything (it may be frozen); %1 is the time of the last message
        return tr("Not answering since %1").arg(Format::time(m_lastContact));
    case State::Reconnecting:
        //: The connection was lost; the next attempt is in %n seconds
        return tr("Reconnecting in %n s", nullptr, std::max(1, secondsUntilRetry()));
    case State::AuthFailed:
        return tr("Authentication failed");
    case State::NotAdmin:
        return tr("Not an admin token");
    case State::Stopped:
        return tr("Disconnected");
    }
    return QString();
}

bool ServiceSession::isUp() const
{
    return m_state == State::Connected || m_state == State::Stopping || m_state == State::Unresponsive;
}

bool ServiceSession::isLive() const
{
    return (m_state == State::Connected || m_state == State::Stopping) && m_synchronised;
}

int ServiceSession::drainSecondsLeft() const
{
    if (!m_stopping || m_drainSeconds < 0)
        return -1;
    return std::max<int>(0, m_drainSeconds - int(m_drainClock.elapsed() / 1000));
}

void ServiceSession::updateLive()
{
    const bool live = isLive();
    if (live == m_live)
        return;
    m_live = live;
    emit liveChanged(live);
}

int ServiceSession::secondsUntilRetry() const
{
    if (m_state != State::Reconnecting || !m_retryTimer->isActive())
        return 0;
    return (m_retryTimer->remainingTime() + 999) / 1000;
}

qint64 ServiceSession::msecsSinceHealth() const
{
    return m_healthAge.isValid() ? m_healthAge.elapsed() : -1;
}

QUrl ServiceSession::metricsUrl() const
{
    if (m_httpUrl.isEmpty())
        return {};
    QUrl url = m_httpUrl;
    url.setPath(url.path().chopped(url.path().endsWith(u'/') ? 1 : 0) + QStringLiteral("/metrics"));
    return url;
}

void ServiceSession::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    qCInfo(lcMonitor).noquote() << displayName() << stateText() << (m_lastError.isEmpty() ? QString() : m_lastError);
    emit stateChanged(state);
    updateLive();
}

void ServiceSession::start()
{
    // Nothing is live until the first job list arrives (a session that is never started, as in
    // tests fed by hand, keeps its model live).
    m_model->setLive(false, m_lastContact);
    m_backoff.reset();
    attempt();
}

void ServiceSession::stop()
{
    m_retryTimer->stop();
    m_countdownTimer->stop();
    m_watchdogTimer->stop();
    m_healthTimer->stop();
    if (m_healthReply)
        m_healthReply->abort();
    m_connection->close();
    m_synchronised = false;
    m_stopping = false;
    m_history.breakSeries();
    setState(State::Stopped);
}

void ServiceSession::reconnectNow()
{
    m_retryTimer->stop();
    m_countdownTimer->stop();
    attempt();
}

void ServiceSession::attempt()
{
    m_countdownTimer->stop();
    m_authRefused = false;
    m_synchronised = false;
    m_stopping = false;
    m_drainSeconds = -1;
    m_pingRequest.clear();
    m_attemptAge.start();
    setState(State::Connecting);
    m_watchdogTimer->start();
    m_connection->open(m_url, m_token, QStringLiteral("mediaforge-monitor/") + QStringLiteral(MEDIAFORGE_VERSION));
}

void ServiceSession::heard()
{
    m_sinceHeard.start();
    m_lastContact = QDateTime::currentDateTime();
    if (m_state == State::Unresponsive)
        setState(m_stopping ? State::Stopping : State::Connected);
}

void ServiceSession::shuttingDown(const QJsonObject &notice)
{
    // The notice goes to every connection once; a job's own SHUTTING_DOWN names the job.
    m_stopping = true;
    m_drainSeconds = notice.value(Field::Details).toObject().value(QLatin1StringView("drain_seconds")).toInt(-1);
    m_drainClock.start();
    m_serviceText = notice.value(Field::Message).toString();
    m_countdownTimer->start();
    if (m_state == State::Connected)
        setState(State::Stopping);
    emit countdownChanged();
}

void ServiceSession::onConnected(const QJsonObject &welcome)
{
    heard();
    m_welcome = welcome;
    m_serviceText.clear();
    if (!m_connection->isAdmin()) {
        m_lastError = tr("The service accepted the token, but only an admin token may watch every job.");
        m_connection->close();
        m_watchdogTimer->stop();
        setState(State::NotAdmin);
        return;
    }
    m_lastError.clear();
    m_httpUrl = QUrl(welcome.value(QLatin1StringView("http_url")).toString());
    // A service bound to every address announces 0.0.0.0 or ::; reach it where the
    // WebSocket reached it.
    if (m_httpUrl.isValid() && !m_httpUrl.host().isEmpty()) {
        const QHostAddress announced(m_httpUrl.host());
        if (announced == QHostAddress::AnyIPv4 || announced == QHostAddress::AnyIPv6)
            m_httpUrl.setHost(m_url.host());
    }
    setState(State::Connected);

    m_connection->request(requestOf(Type::Subscribe), [this](const QJsonObject &reply) {
        heard();
        if (reply.value(Field::Type).toString() != Type::Subscribed) {
            m_serviceText = reply.value(Field::Message).toString();
            m_lastError = tr("The service refused the event feed (%1).").arg(StatusText::errorName(reply.value(Field::Code).toString()));
            qCWarning(lcMonitor).noquote() << displayName() << "subscribe refused:" << m_lastError;
        }
    });
    // Sent after subscribe on the same socket: every job_event that arrives before this reply
    // describes a state the list already contains.
    QJsonObject list = requestOf(Type::ListJobs);
    list.insert(QString(Field::Limit), m_timing.listPageSize);
    m_loadingOlder = false;
    m_connection->request(list, [this](const QJsonObject &reply) {
        heard();
        if (reply.value(Field::Type).toString() != Type::Jobs) {
            m_serviceText = reply.value(Field::Message).toString();
            m_lastError = tr("The service refused to list its jobs (%1).").arg(StatusText::errorName(reply.value(Field::Code).toString()));
            qCWarning(lcMonitor).noquote() << displayName() << "list_jobs failed:" << m_lastError;
            return;
        }
        const QJsonArray jobs = reply.value(Field::Jobs).toArray();
        m_nextBefore = reply.value(Field::NextBefore).toString();
        m_model->resync(jobs, !m_nextBefore.isEmpty());
        emit historyChanged();
        m_synchronised = true;
        m_backoff.reset();
        emit synchronised();
        emit stateChanged(m_state);
        updateLive();
    });
    m_connection->request(requestOf(Type::GetStats), [this](const QJsonObject &reply) {
        onMessage(reply);
    });
    fetchHealth();
    // A new connection may reach a newer service.
    m_nodesPending = false;
    m_nodesUnsupported = false;
    fetchNodes();
    m_healthTimer->start(m_timing.healthIntervalMs);
}

void ServiceSession::loadOlderJobs()
{
    if (m_loadingOlder || m_nextBefore.isEmpty() || !m_synchronised || !isUp())
        return;
    QJsonObject list = requestOf(Type::ListJobs);
    list.insert(QString(Field::Limit), m_timing.listPageSize);
    list.insert(QString(Field::Before), m_nextBefore);
    m_loadingOlder = true;
    emit historyChanged();
    m_connection->request(list, [this](const QJsonObject &reply) {
        heard();
        m_loadingOlder = false;
        if (reply.value(Field::Type).toString() != Type::Jobs) {
            m_lastError = tr("The service refused to list older jobs (%1).").arg(StatusText::errorName(reply.value(Field::Code).toString()));
            qCWarning(lcMonitor).noquote() << displayName() << "list_jobs (older) failed:" << m_lastError;
            emit historyChanged();
            return;
        }
        m_nextBefore = reply.value(Field::NextBefore).toString();
        m_model->addHistory(reply.value(Field::Jobs).toArray());
        emit historyChanged();
    });
}

void ServiceSession::onMessage(const QJsonObject &message)
{
    heard();
    const QString type = message.value(Field::Type).toString();
    if (type == Type::JobEvent) {
        // Until the list arrives, events are older than it.
        if (m_synchronised)
            m_model->enqueueEvent(message.value(Field::Event).toString(), message.value(Field::Job).toObject());
    } else if (type == Type::BatchProgress || type == Type::BatchCompleted) {
        m_model->applyBatchEvent(message);
    } else if (type == Type::Stats) {
        m_stats = message.value(Field::Stats).toObject();
        if (const auto counters = ThroughputHistory::Counters::fromStats(m_stats))
            m_history.addSample(QDateTime::currentDateTimeUtc(), *counters);
        emit statsChanged();
    } else if (type == Type::Error) {
        const QString code = message.value(Field::Code).toString();
        if (code == QLatin1StringView("UNAUTHORIZED"))
            m_authRefused = true;
        if (code == QLatin1StringView("SHUTTING_DOWN") && !message.contains(Field::JobId)) {
            shuttingDown(message);
        } else {
            m_serviceText = message.value(Field::Message).toString();
            m_lastError = StatusText::errorName(code);
        }
        qCWarning(lcMonitor).noquote() << displayName() << code << message.value(Field::Message).toString();
    }
}

void ServiceSession::onDisconnected(const QString &reason, int closeCode, bool unreachable)
{
    if (m_state == State::Stopped)
        return;
    // 1008 is how the service refuses a token; retrying with the same token cannot help.
    if (closeCode == 1008 || m_authRefused) {
        m_lastError = tr("The service refused the token.");
        if (!reason.isEmpty())
            m_serviceText = reason;
        m_watchdogTimer->stop();
        m_healthTimer->stop();
        m_synchronised = false;
        m_history.breakSeries();
        setState(State::AuthFailed);
        return;
    }
    if (m_stopping) {
        connectionLost(tr("The service stopped."));
        return;
    }
    if (!unreachable && !reason.isEmpty())
        m_serviceText = reason;
    connectionLost(unreachable && !reason.isEmpty() ? tr("Cannot reach the service: %1").arg(reason)
                                                    : tr("The connection was lost."));
}

void ServiceSession::connectionLost(const QString &reason)
{
    m_connection->close();
    m_healthTimer->stop();
    m_watchdogTimer->stop();
    m_synchronised = false;
    m_stopping = false;
    m_history.breakSeries();
    if (!reason.isEmpty())
        m_lastError = reason;
    scheduleRetry();
}

void ServiceSession::scheduleRetry()
{
    const int delay = m_backoff.next();
    m_retryTimer->start(delay * 1000);
    m_countdownTimer->start();
    setState(State::Reconnecting);
    emit countdownChanged();
}

void ServiceSession::checkLiveness()
{
    if (m_state == State::Connecting) {
        if (m_attemptAge.elapsed() > m_timing.connectTimeoutMs)
            connectionLost(tr("No answer from the service within %n s", nullptr, m_timing.connectTimeoutMs / 1000));
        return;
    }
    if (!isUp())
        return;
    const qint64 silence = m_sinceHeard.elapsed();
    if (silence > m_timing.staleAfterMs && m_state != State::Unresponsive)
        setState(State::Unresponsive);
    if (silence > qint64(m_timing.silenceBeforePingMs) + m_timing.pingTimeoutMs) {
        connectionLost(tr("The service stopped answering."));
    } else if (silence > m_timing.silenceBeforePingMs && m_pingRequest.isEmpty()) {
        m_pingRequest = m_connection->request(requestOf(Type::Ping), [this](const QJsonObject &) {
            m_pingRequest.clear();
            heard();
        });
    }
}

void ServiceSession::cancelJob(const QString &id, CancelHandler handler)
{
    if (!isUp()) {
        if (handler)
            handler(false, tr("Not connected to %1").arg(displayName()));
        return;
    }
    QJsonObject cancel = requestOf(Type::CancelJob);
    cancel.insert(QString(Field::Id), id);
    m_connection->request(cancel, [this, handler](const QJsonObject &reply) {
        heard();
        if (!handler)
            return;
        // A cancelled job answers with the error JOB_CANCELLED (what level 0 clients expect).
        const bool isError = reply.value(Field::Type).toString() == Type::Error;
        const QString code = reply.value(Field::Code).toString();
        if (!isError || code == QLatin1StringView("JOB_CANCELLED"))
            handler(true, QString());
        else
            handler(false, StatusText::errorName(code));
    });
}

bool ServiceSession::getJob(const QString &id, JobHandler handler)
{
    if (!isUp())
        return false;
    QJsonObject get = requestOf(Type::GetJob);
    get.insert(QString(Field::Id), id);
    m_connection->request(get, [this, handler](const QJsonObject &reply) {
        heard();
        if (handler)
            handler(reply);
    });
    return true;
}

void ServiceSession::fetchHealth()
{
    if (!m_network || m_httpUrl.isEmpty() || m_healthReply)
        return;
    QUrl url = m_httpUrl;
    url.setPath(url.path().chopped(url.path().endsWith(u'/') ? 1 : 0) + QStringLiteral("/health"));
    QNetworkRequest request(url);
    request.setTransferTimeout(m_timing.healthTimeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    QNetworkReply *reply = m_network->get(request);
    m_healthReply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        // An aborted reply (shutdown, stop()) is closed; there is nothing to read.
        const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        // /health answers 503 with the same body when degraded: that is data, not a failure.
        if (document.isObject()) {
            m_health = document.object();
            m_healthError.clear();
            m_healthAge.start();
        } else if (reply->error() != QNetworkReply::NoError) {
            m_healthError = reply->errorString();
        } else {
            m_healthError = tr("Unreadable /health answer: %1").arg(parseError.errorString());
        }
        emit healthChanged();
    });
}

qint64 ServiceSession::msecsSinceNodes() const
{
    return m_nodesAge.isValid() ? m_nodesAge.elapsed() : -1;
}

void ServiceSession::fetchNodes()
{
    // A service from before the cluster answers UNKNOWN_MESSAGE_TYPE once; asking again every
    // ten seconds would only fill its log.
    if (m_nodesUnsupported || m_nodesPending || !isUp())
        return;
    m_nodesPending = true;
    m_connection->request(requestOf(Type::ListNodes), [this](const QJsonObject &reply) {
        heard();
        m_nodesPending = false;
        if (reply.value(Field::Type).toString() != Type::Nodes) {
            const QString code = reply.value(Field::Code).toString();
            if (code == QLatin1StringView("UNKNOWN_MESSAGE_TYPE"))
                m_nodesUnsupported = true;
            qCInfo(lcMonitor).noquote() << displayName() << "list_nodes refused:" << code;
            return;
        }
        m_nodes = reply.value(Field::Nodes).toArray();
        m_nodesAge.start();
        emit nodesChanged();
    });
}

void ServiceSession::setNodeDraining(const QString &node, bool drain, CancelHandler handler)
{
    if (!isUp()) {
        if (handler)
            handler(false, tr("Not connected to %1").arg(displayName()));
        return;
    }
    QJsonObject request = requestOf(drain ? Type::DrainNode : Type::ResumeNode);
    request.insert(QString(Field::Node), node);
    m_connection->request(request, [this, handler](const QJsonObject &reply) {
        heard();
        if (reply.value(Field::Type).toString() != Type::Nodes) {
            const QString code = reply.value(Field::Code).toString();
            qCWarning(lcMonitor).noquote() << displayName() << "drain_node/resume_node refused:" << code;
            if (handler)
                handler(false, StatusText::errorName(code));
            return;
        }
        // The answer is the list with the node's new state: shown at once, not at the next fetch.
        m_nodes = reply.value(Field::Nodes).toArray();
        m_nodesAge.start();
        emit nodesChanged();
        if (handler)
            handler(true, QString());
    });
}

} // namespace Mediaforge::Monitor
