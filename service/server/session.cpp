// SPDX-License-Identifier: GPL-3.0-or-later
#include "session.h"

#include "binaryframe.h"
#include "config/config.h"
#include "input/urlguard.h"
#include "jobs/jobmanager.h"
#include "joblist.h"
#include "logging/logging.h"
#include "outputsender.h"
#include "peersocket.h"
#include "preset.h"
#include "protocol.h"
#include "remoteoutputs.h"
#include "startjob.h"
#include "validationissues.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QWebSocket>

#include <cmath>

namespace Mediaforge {

using namespace Protocol;

namespace {

constexpr int kMaxInvalidInARow = 100;

QJsonObject message(QLatin1StringView type)
{
    return QJsonObject{{QString(Field::Type), QString(type)}};
}

// A level 0 client only knows the level 0 codes; the added ones still reach it, as PROTOCOL.md
// allows, but a failure inside the service is reported the way those clients expect.
ErrorCode submitErrorCode(ErrorCode code)
{
    return code == ErrorCode::InternalError ? ErrorCode::SubmitFailed : code;
}

} // namespace

Session::Session(QWebSocket *socket, PeerSocket *peer, quint64 connectionId,
                 std::shared_ptr<const SessionContext> context, QObject *parent)
    : QObject(parent), m_socket(socket), m_peerSocket(peer), m_connectionId(connectionId),
      m_sharedContext(std::move(context)), m_context(*m_sharedContext)
{
    m_clock.start();
    m_sinceHeard.start();
    m_peer = socket->peerAddress().toString() + u':' + QString::number(socket->peerPort());
    const Config &config = *m_context.config;
    if (!peer) {
        // Without the TCP side there is no small pre-authentication limit to lift later.
        socket->setMaxAllowedIncomingMessageSize(quint64(config.maxBinaryMessageBytes));
        socket->setMaxAllowedIncomingFrameSize(quint64(config.maxBinaryMessageBytes));
        // With it, the keep-alive asks PeerSocket when the peer last sent anything (pongs
        // and binary frames included), and these two connections a session are saved.
        connect(socket, &QWebSocket::pong, this, [this] { m_sinceHeard.restart(); });
        connect(socket, &QWebSocket::binaryFrameReceived, this, [this] { m_sinceHeard.restart(); });
    } else {
        peer->setOversizedHandler([this](qint64 length) {
            closeWithPolicyViolation(QStringLiteral("a frame of %1 bytes before authentication").arg(length));
        });
    }
    socket->setParent(this);
    // Progress held back while the peer did not read goes out once it reads again.
    connect(socket, &QWebSocket::bytesWritten, this, [this] {
        if (!m_deferredProgress.isEmpty() && !isCongested())
            flushDeferredProgress();
    });

    connect(socket, &QWebSocket::textMessageReceived, this, &Session::onTextMessage);
    connect(socket, &QWebSocket::textFrameReceived, this, &Session::onTextFrame);
    connect(socket, &QWebSocket::binaryMessageReceived, this, &Session::onBinaryMessage);
    connect(socket, &QWebSocket::disconnected, this, &Session::onDisconnected);

    m_context.router->addSink(this);
    // Another connection of the owner took one of this connection's jobs over (attach).
    connect(m_context.manager, &JobManager::jobAttached, this, &Session::onJobAttached);

    authenticateFromHandshake();
}

void Session::keepAlive()
{
    if (m_keepAliveStopped || !m_socket)
        return;
    const qint64 intervalMs = 1000 * qint64(m_context.config->pingIntervalSeconds);
    // A peer whose large message waits for the receive budget is not read meanwhile, and one
    // sending a large frame answers our pings only after it: both are alive.
    if (m_peerSocket && (m_peerSocket->isWaitingForBudget() || m_peerSocket->msSinceData() < intervalMs))
        m_sinceHeard.restart();
    if (m_sinceHeard.elapsed() > 2 * intervalMs) {
        qCInfo(lcSession).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer}} << "peer silent, closing";
        m_socket->abort();
        return;
    }
    m_socket->ping();
}

OutputSender *Session::sender()
{
    if (m_sender)
        return m_sender;
    const Config &config = *m_context.config;
    m_sender = new OutputSender(m_socket, config.maxChunkBytes, config.level0OutputLimitBytes,
                                m_context.level0OutputBudget, this);
    m_sender->setRemoteOutputs(m_context.remoteOutputs);
    connect(m_sender, &OutputSender::bytesSent, this, [this](qint64 bytes) {
        if (m_context.addBytesSent)
            m_context.addBytesSent(bytes);
    });
    connect(m_sender, &OutputSender::outputDelivered, this,
            [this](const QString &id, const QString &jobId, int index, qint64 bytes, const QString &sha256,
                   const QJsonValue &requestId) {
                if (m_level < 1)
                    return;
                QJsonObject delivered = message(Type::OutputDelivered);
                delivered.insert(QString(Field::JobId), jobId);
                delivered.insert(QString(Field::Id), id);
                delivered.insert(QString(Field::Index), index);
                delivered.insert(QString(Field::Bytes), bytes);
                delivered.insert(QString(Field::Sha256), sha256);
                send(delivered, requestId);
            });
    connect(m_sender, &OutputSender::deliveryFinished, this, [this](const QString &id) {
        // Outputs sent to the connection that started a job are its only copy; detached and
        // retained jobs keep theirs for the retention period. Another node's outputs are
        // released there, on the same terms (docs/scaling.md).
        if (!m_jobs.remove(id))
            return;
        if (m_context.manager->holds(id) || !m_context.releaseElsewhere)
            m_context.manager->releaseOutputs(id);
        else
            m_context.releaseElsewhere(id, ownerConnection());
    });
    connect(m_sender, &OutputSender::deliveryFailed, this,
            [this](const QString &id, const QString &jobId, const Error &error, const QJsonValue &requestId) {
                if (error.code == ErrorCode::TooLarge) {
                    // The outputs stay fetchable over level 1 or HTTP, as for a completed job.
                    m_context.manager->retainOutputs(id);
                    if (const Job *job = m_context.manager->job(id)) {
                        for (const JobOutput &output : job->outputs) {
                            if (output.size > m_context.config->level0OutputLimitBytes) {
                                m_jobs.remove(id);
                                sendError(level0TooLarge(*job, output), jobId, requestId);
                                return;
                            }
                        }
                    }
                }
                m_jobs.remove(id);
                sendError(error, jobId, requestId);
            });
    return m_sender;
}

Session::~Session()
{
    m_context.router->removeSink(this);
    if (m_sender)
        m_sender->abort();
    // The socket is a child and goes after this destructor; it must not call back into a
    // half-destroyed session while it closes.
    if (m_socket)
        m_socket->disconnect(this);
}

void Session::authenticateFromHandshake()
{
    const Authenticator &auth = *m_context.authenticator;
    if (!auth.enabled()) {
        // Without tokens the service only listens on loopback: every local user is trusted as
        // an admin, but each connection keeps its own job_id namespace.
        m_identity = Identity{Role::Admin, QString()};
        m_owner = QStringLiteral("connection:%1").arg(m_connectionId);
        markAuthenticated();
        return;
    }
    const QByteArray token = Authenticator::tokenFromRequest(m_socket->request());
    if (!token.isEmpty()) {
        const auto identity = auth.authenticate(token);
        if (!identity) {
            closeWithPolicyViolation(QStringLiteral("invalid token"));
            return;
        }
        m_identity = *identity;
        m_owner = identity->name;
        markAuthenticated();
        qCInfo(lcAuth).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer}, {QStringLiteral("name"), m_owner}}
                                 << "authenticated by handshake";
        return;
    }
    m_authTimer = new QTimer(this);
    m_authTimer->setSingleShot(true);
    connect(m_authTimer, &QTimer::timeout, this, [this] {
        if (m_authState == AuthState::Pending)
            closeWithPolicyViolation(QStringLiteral("no token within %1 s").arg(m_context.config->handshakeTimeoutSeconds),
                                     false);
    });
    m_authTimer->start(std::chrono::seconds(m_context.config->handshakeTimeoutSeconds));
}

void Session::markAuthenticated()
{
    m_authState = AuthState::Authenticated;
    // Only now may frames be large (PeerSocket lifts Qt's limits and counts this peer as known).
    if (m_peerSocket)
        m_peerSocket->setAuthenticated();
}

void Session::closeWithPolicyViolation(const QString &reason, bool atFrameBoundary)
{
    if (m_closing || !m_socket)
        return;
    m_closing = true;
    qCInfo(lcAuth).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer}} << "refused:" << reason;
    sendError(Error(ErrorCode::Unauthorized, QStringLiteral("authentication required: ") + reason));
    closeConnection(QWebSocketProtocol::CloseCodePolicyViolated, reason.left(100), atFrameBoundary);
}

void Session::closeConnection(QWebSocketProtocol::CloseCode code, const QString &reason, bool atFrameBoundary)
{
    if (m_closeSent || !m_socket)
        return;
    m_closing = true;
    m_closeSent = true;
    if (m_sender)
        m_sender->abort();
    m_keepAliveStopped = true;   // not even a ping may follow the close frame
    if (m_peerSocket)
        m_peerSocket->closeGracefully(quint16(code), reason, atFrameBoundary);
    else
        m_socket->close(code, reason);
}

void Session::countInvalid()
{
    if (++m_invalidInARow >= kMaxInvalidInARow && m_socket && !m_closing) {
        m_closing = true;
        closeConnection(QWebSocketProtocol::CloseCodePolicyViolated,
                        QStringLiteral("%1 invalid messages in a row").arg(kMaxInvalidInARow), true);
    }
}

qint64 Session::sendBacklog() const
{
    if (!m_socket)
        return 0;
    return std::max<qint64>(0, m_socket->bytesToWrite() - (m_sender ? m_sender->bytesInSocket() : 0));
}

bool Session::isCongested() const
{
    return sendBacklog() > m_context.config->maxSendBacklogBytes / 8;
}

void Session::drop(const QString &why)
{
    if (m_closeSent)
        return;
    m_closing = true;
    m_closeSent = true;
    qCWarning(lcSession).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer},
                                                      {QStringLiteral("backlog_bytes"), QString::number(sendBacklog())}}
                                   << "dropping the connection:" << why;
    if (m_sender)
        m_sender->abort();
    // Queued: the caller may be inside a JobManager signal, and a closed connection cancels jobs.
    QTimer::singleShot(0, this, [this] {
        if (m_socket)
            m_socket->abort();
    });
}

void Session::send(QJsonObject object, const QJsonValue &requestId)
{
    if (!m_socket || m_closeSent || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    if (requestId.isString())
        object.insert(QString(Field::RequestId), requestId);
    const QByteArray json = QJsonDocument(object).toJson(QJsonDocument::Compact);
    // A peer that stopped reading would otherwise make the service keep every message for it.
    if (sendBacklog() + json.size() > m_context.config->maxSendBacklogBytes) {
        drop(QStringLiteral("the peer does not read; %1 bytes of messages wait for it").arg(sendBacklog()));
        return;
    }
    m_socket->sendTextMessage(QString::fromUtf8(json));
}

void Session::sendError(const Error &error, const QString &jobId, const QJsonValue &requestId)
{
    QJsonObject reply = message(Type::Error);
    const QJsonObject body = error.toJson();
    for (auto it = body.begin(); it != body.end(); ++it)
        reply.insert(it.key(), it.value());
    if (!jobId.isEmpty())
        reply.insert(QString(Field::JobId), jobId);
    send(reply, requestId);
}

void Session::onTextFrame(const QString &frame, bool isLastFrame)
{
    m_sinceHeard.restart();
    m_textFrameBytes += frame.size();
    // A message split into frames is refused as soon as it is too long, before Qt has
    // gathered all of it.
    if (!isLastFrame && m_textFrameBytes > m_context.config->maxMessageBytes && !m_closing && m_socket) {
        m_closing = true;
        sendError(Error(ErrorCode::TooLarge, QStringLiteral("text messages are limited to %1 bytes")
                                                     .arg(m_context.config->maxMessageBytes)));
        closeConnection(QWebSocketProtocol::CloseCodeTooMuchData, QStringLiteral("message too big"), true);
    }
    if (isLastFrame)
        m_textFrameBytes = 0;
}

void Session::onTextMessage(const QString &text)
{
    m_sinceHeard.restart();
    if (m_closing)
        return;
    if (text.size() > m_context.config->maxMessageBytes) {
        sendError(Error(ErrorCode::TooLarge,
                        QStringLiteral("text messages are limited to %1 bytes").arg(m_context.config->maxMessageBytes)));
        countInvalid();
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        // Before authentication, what is not a hello is refused as such, malformed or not.
        if (m_authState == AuthState::Pending) {
            closeWithPolicyViolation(QStringLiteral("send hello with a token first"));
            return;
        }
        sendError(Error(ErrorCode::InvalidJson, parseError.error != QJsonParseError::NoError
                                                        ? QStringLiteral("invalid JSON: ") + parseError.errorString()
                                                        : QStringLiteral("a message must be a JSON object")));
        countInvalid();
        return;
    }
    const QJsonObject object = document.object();
    QJsonValue requestId = object.value(Field::RequestId);
    if (object.contains(Field::RequestId) && !isValidRequestId(requestId)) {
        if (m_authState == AuthState::Pending) {
            closeWithPolicyViolation(QStringLiteral("send hello with a token first"));
            return;
        }
        sendError(ValidationIssues::single(QStringLiteral("request_id"),
                                           QStringLiteral("must be a string of at most 64 characters")));
        countInvalid();
        return;
    }
    const QString type = object.value(Field::Type).toString();

    if (m_authState == AuthState::Pending && type != Type::Hello) {
        closeWithPolicyViolation(QStringLiteral("send hello with a token first"));
        return;
    }

    // A handler that refuses the request counts it; only a request that went through resets
    // the run of invalid messages.
    const int invalidBefore = m_invalidInARow;

    if (type == Type::StartJob) {
        handleStartJob(object, requestId);
    } else if (type == Type::CancelJob) {
        handleCancel(object, requestId);
    } else if (type == Type::Ping) {
        send(message(Type::Pong), requestId);
    } else if (type == Type::Hello) {
        handleHello(object, requestId);
    } else if (type == Type::GetJob) {
        handleGetJob(object, requestId);
    } else if (type == Type::ListJobs) {
        handleListJobs(object, requestId);
    } else if (type == Type::GetStats) {
        QJsonObject reply = message(Type::Stats);
        QJsonObject stats = m_context.stats();
        if (m_context.clusterStats)
            stats.insert(QStringLiteral("cluster"), m_context.clusterStats());   // asked for, not on the feed
        if (m_context.authenticator->enabled()) {
            // The asking owner's own usage against its quotas (tokens file), not the feed's.
            if (const QJsonObject quota = m_context.manager->quotaUsage(m_owner); !quota.isEmpty())
                stats.insert(QStringLiteral("quota"), quota);
        }
        reply.insert(QString(Field::Stats), stats);
        send(reply, requestId);
    } else if (type == Type::Subscribe || type == Type::Unsubscribe) {
        handleSubscribe(type == Type::Subscribe, requestId);
    } else if (type == Type::FetchOutput) {
        handleFetchOutput(object, requestId);
    } else if (type == Type::Attach) {
        handleAttach(object, requestId);
    } else if (type == Type::ListNodes) {
        handleListNodes(requestId);
    } else if (type == Type::DrainNode || type == Type::ResumeNode) {
        handleNodeState(object, type == Type::DrainNode, requestId);
    } else if (type == Type::Redeliver) {
        handleRedeliver(object, requestId);
    } else if (type == Type::ListPresets) {
        handleListPresets(requestId);
    } else if (type == Type::StartBatch) {
        handleStartBatch(object, requestId);
    } else if (type == Type::GetBatch) {
        handleGetBatch(object, requestId);
    } else if (type == Type::CancelBatch) {
        handleCancelBatch(object, requestId);
    } else {
        sendError(Error(ErrorCode::UnknownMessageType,
                        type.isEmpty() ? QStringLiteral("a message needs a \"type\"")
                                       : QStringLiteral("unknown message type '%1'").arg(type.left(64))),
                  QString(), requestId);
        countInvalid();
        return;
    }
    if (m_invalidInARow == invalidBefore)
        m_invalidInARow = 0;
}

void Session::handleHello(const QJsonObject &object, const QJsonValue &requestId)
{
    const QJsonValue protocol = object.value(Field::Protocol);
    if (!protocol.isDouble() || protocol.toDouble() != kLevel) {
        sendError(ValidationIssues::single(QStringLiteral("protocol"), QStringLiteral("must be 1: this service speaks protocol 1")),
                  QString(), requestId);
        countInvalid();
        return;
    }
    const Authenticator &auth = *m_context.authenticator;
    if (auth.enabled() && object.contains(Field::Token)) {
        const auto identity = auth.authenticate(object.value(Field::Token).toString().toUtf8());
        if (!identity || (m_authState == AuthState::Authenticated && identity->name != m_identity.name)) {
            closeWithPolicyViolation(QStringLiteral("invalid token"));
            return;
        }
        m_identity = *identity;
        m_owner = identity->name;
        markAuthenticated();
        if (m_authTimer)
            m_authTimer->stop();
    }
    if (m_authState == AuthState::Pending) {
        closeWithPolicyViolation(QStringLiteral("hello needs a token"));
        return;
    }
    m_level = kLevel;
    m_clientName = object.value(Field::Client).toString().left(128);
    qCInfo(lcSession).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer},
                                                   {QStringLiteral("client"), m_clientName},
                                                   {QStringLiteral("role"), roleName(m_identity.role)}}
                                << "hello";

    const Config &config = *m_context.config;
    QJsonArray operations;
    for (Operation operation : allOperations())
        operations.append(operationName(operation));
    QJsonObject welcome = message(Type::Welcome);
    welcome.insert(QString(Field::Protocol), kLevel);
    welcome.insert(QString(Field::Server), QJsonObject{{QStringLiteral("name"), QStringLiteral("mediaforged")},
                                                       {QStringLiteral("version"), QStringLiteral(MEDIAFORGE_VERSION)}});
    welcome.insert(QString(Field::Role), roleName(m_identity.role));
    welcome.insert(QString(Field::Limits),
                   QJsonObject{{QStringLiteral("max_file_bytes"), config.maxFileBytes},
                               {QStringLiteral("max_chunk_bytes"), config.maxChunkBytes},
                               {QStringLiteral("max_message_bytes"), config.maxMessageBytes},
                               {QStringLiteral("max_binary_message_bytes"), config.maxBinaryMessageBytes},
                               {QStringLiteral("max_active_jobs_per_connection"), config.maxJobsPerConnection},
                               {QStringLiteral("job_timeout_seconds"), config.jobTimeoutSeconds},
                               {QStringLiteral("retention_seconds"), config.retentionSeconds}});
    welcome.insert(QString(Field::Operations), operations);
    // Lets a client relate the service's timestamps (created_at, ...) to its own clock.
    welcome.insert(QStringLiteral("server_time"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (!m_context.httpBaseUrl.isEmpty())
        welcome.insert(QStringLiteral("http_url"), m_context.httpBaseUrl);
    send(welcome, requestId);
}

// What a job of this connection carries whether it came alone (start_job) or in a batch.
SubmitRequest Session::submitRequestFor(const StartJobRequest &request) const
{
    SubmitRequest submit;
    submit.owner = m_owner;
    submit.ownerLabel = m_identity.name.isEmpty() ? m_peer : m_identity.name;
    submit.connectionId = m_connectionId;
    submit.operation = request.operation;
    submit.options = request.options;
    submit.preset = request.preset;
    submit.priority = jobPriorityFromName(request.priority).value_or(JobPriority::Normal);
    submit.detach = request.detach;
    submit.useCache = request.cache;
    submit.protocolLevel = m_level;
    submit.tokenOwner = m_context.authenticator->enabled();
    if (request.outputStorage)
        submit.outputStorage = JobOutputStorage{request.outputStorage->storage, request.outputStorage->prefix};
    return submit;
}

void Session::handleStartJob(const QJsonObject &object, const QJsonValue &requestId)
{
    const QJsonValue clientJobId = object.value(Field::JobId);
    const QString echoJobId = clientJobId.isString() && StartJobRequest::isValidJobId(clientJobId.toString())
            ? clientJobId.toString()
            : QString();
    // Webhooks are level 1: a level 0 request keeps meaning what it always meant.
    QJsonObject levelled = object;
    if (m_level < 1) {
        levelled.remove(Field::NotifyUrl);
        levelled.remove(Field::NotifyEvents);
    }
    // The owner's default webhook URL (tokens file) stands in for a notify_url the request
    // left out, before parsing, so that its notify_events apply to it too.
    const bool ownerNotifyUrl = m_level >= 1 && applyOwnerNotifyUrl(levelled);
    // A preset stands for an operation and options: expanded first, then checked like any job.
    const Result<QJsonObject> expanded = presets().expandStartJob(levelled);
    if (!expanded.ok()) {
        sendError(expanded.error(), echoJobId, requestId);
        countInvalid();
        return;
    }
    const Result<StartJobRequest> parsed = StartJobRequest::fromJson(expanded.value());
    if (!parsed.ok()) {
        sendError(parsed.error(), echoJobId, requestId);
        countInvalid();
        return;
    }
    const StartJobRequest &request = parsed.value();
    if (const auto refused = checkOwnerAllows(request)) {
        sendError(*refused, echoJobId, requestId);
        return;
    }
    SubmitRequest submit = submitRequestFor(request);
    submit.jobId = request.jobId;
    if (m_level >= 1 && !request.idempotencyKey.isEmpty()) {
        submit.idempotencyKey = request.idempotencyKey;
        // Without tokens every local client is an admin already: they share one key space.
        submit.idempotencyOwner = submit.tokenOwner ? m_owner : QStringLiteral("local");
    }
    if ((!request.outputTargets.isEmpty() || request.outputStorage) && m_level < 1) {
        sendError(Error(ErrorCode::ValidationError, QStringLiteral("%1 needs protocol level 1")
                                .arg(request.outputStorage ? QStringLiteral("output_storage") : QStringLiteral("output_targets"))),
                  echoJobId, requestId);
        return;
    }
    for (const StartJobRequest::OutputTarget &target : request.outputTargets)
        submit.outputTargets.append(JobOutputTarget{target.url, target.method, target.headers});
    if (!request.notifyUrl.isEmpty()) {
        if (const auto refused = checkNotifyUrl(request.notifyUrl, ownerNotifyUrl)) {
            sendError(*refused, echoJobId, requestId);
            countInvalid();
            return;
        }
        submit.notifyUrl = request.notifyUrl.toString(QUrl::FullyEncoded);
        submit.notifyEvents = request.notifyEvents;
        submit.notifyUrlFromOwner = ownerNotifyUrl;
    }
    for (const StartJobRequest::Input &input : request.inputs) {
        JobInput jobInput;
        if (input.isUrl) {
            if (const auto refused = checkUrlSyntax(input.url)) {
                sendError(*refused, echoJobId, requestId);
                return;
            }
            jobInput.source = JobInput::Source::Url;
            jobInput.url = input.url;
        } else if (input.isStorage) {
            if (m_level < 1) {
                sendError(Error(ErrorCode::ValidationError, QStringLiteral("storage inputs need protocol level 1")),
                          echoJobId, requestId);
                return;
            }
            // Whether the storage exists and the key is acceptable is the manager's check.
            jobInput.source = JobInput::Source::Storage;
            jobInput.storage = input.storage;
            jobInput.key = input.key;
        }
        jobInput.displayName = input.filename;
        jobInput.declaredSize = input.size;
        submit.inputs.append(jobInput);
    }
    bool replayed = false;
    const Result<QString> submitted = m_context.manager->submit(submit, &replayed);
    if (!submitted.ok()) {
        Error error = submitted.error();
        error.code = submitErrorCode(error.code);
        sendError(error, echoJobId, requestId);
        return;
    }
    const QString id = submitted.value();
    const Job *job = m_context.manager->job(id);
    // A replay on another connection does not move the job here (that is what `attach` is for).
    if (job->connectionId == m_connectionId) {
        m_jobs.insert(id);
        m_context.router->subscribe(this, id);
    }
    QJsonObject ack = message(Type::Ack);
    ack.insert(QString(Field::JobId), job->jobId);
    ack.insert(QString(Field::Id), id);
    ack.insert(QString(Field::Message), replayed ? QStringLiteral("Job already accepted with this idempotency_key")
                                        : job->status == JobStatus::AwaitingUpload
                                                ? QStringLiteral("Job accepted; waiting for the upload")
                                                : QStringLiteral("Job accepted; downloading the input"));
    if (replayed)
        ack.insert(QString(Field::Replayed), true);
    ack.insert(QString(Field::Status), jobStatusName(job->status));
    if (const int position = m_context.manager->queuePosition(id))
        ack.insert(QString(Field::QueuePosition), position);
    if (m_level >= 1 && job->status == JobStatus::AwaitingUpload)
        ack.insert(QString(Field::Upload), QJsonObject{{QString(Field::ChunkBytes), m_context.config->maxChunkBytes}});
    send(ack, requestId);
}

Result<const Job *> Session::resolveJob(const QJsonObject &object) const
{
    const JobManager &manager = *m_context.manager;
    if (object.value(Field::Id).isString()) {
        const Job *job = manager.job(object.value(Field::Id).toString());
        if (!job)
            return Error(ErrorCode::NotFound, QStringLiteral("no job with that id"));
        if (!canAccess(*job))
            return Error(ErrorCode::Forbidden, QStringLiteral("that job belongs to someone else"));
        return job;
    }
    if (object.value(Field::JobId).isString()) {
        const Job *job = manager.findJob(m_owner, object.value(Field::JobId).toString());
        if (!job)
            return Error(ErrorCode::NotFound, QStringLiteral("no job with that job_id"));
        return job;
    }
    return ValidationIssues::single(QStringLiteral("job_id"), QStringLiteral("is required (or id)"));
}

bool Session::canAccess(const Job &job) const
{
    return m_identity.role == Role::Admin || job.owner == m_owner;
}

void Session::handleCancel(const QJsonObject &object, const QJsonValue &requestId)
{
    const QString echo = object.value(Field::JobId).toString().left(64);
    const Result<const Job *> resolved = resolveJob(object);
    if (!resolved.ok()) {
        Error error = resolved.error();
        if (error.code == ErrorCode::NotFound) {
            error = Error(ErrorCode::CancelFailed, QStringLiteral("no such job"),
                          QJsonObject{{QStringLiteral("reason"), QStringLiteral("not_found")}});
        }
        sendError(error, echo, requestId);
        return;
    }
    const Job *job = resolved.value();
    const QString id = job->id;
    const QString jobId = job->jobId;
    const bool own = m_jobs.contains(id);
    if (isElsewhere(*job) && !isFinished(job->status)) {
        cancelElsewhere(*job, own, requestId);
        return;
    }
    if (own)
        m_cancelRequests.insert(id, requestId);
    if (const auto failed = m_context.manager->cancel(id)) {
        m_cancelRequests.remove(id);
        sendError(Error(ErrorCode::CancelFailed, failed->message,
                        QJsonObject{{QStringLiteral("reason"), QStringLiteral("finished")}}),
                  jobId, requestId);
        return;
    }
    if (!own) {
        QJsonObject reply = message(Type::Error);
        reply.insert(QString(Field::Code), errorCodeName(ErrorCode::JobCancelled));
        reply.insert(QString(Field::Message), QStringLiteral("job cancelled"));
        reply.insert(QString(Field::JobId), jobId);
        reply.insert(QString(Field::Id), id);
        send(reply, requestId);
    }
}

void Session::handleGetJob(const QJsonObject &object, const QJsonValue &requestId)
{
    const Result<const Job *> resolved = resolveJob(object);
    if (!resolved.ok()) {
        sendError(resolved.error(), object.value(Field::JobId).toString().left(64), requestId);
        return;
    }
    const Job *job = resolved.value();
    QJsonObject reply = message(Type::Job);
    reply.insert(QString(Field::Job), job->toSnapshot(m_identity.role == Role::Admin,
                                                      m_context.manager->queuePosition(job->id)));
    if (!job->notifyUrl.isEmpty() && m_context.deliveries)
        reply.insert(QString(Field::Deliveries), m_context.deliveries(job->id));
    send(reply, requestId);
}

void Session::handleListJobs(const QJsonObject &object, const QJsonValue &requestId)
{
    QSet<JobStatus> states;
    ValidationIssues issues;
    if (object.contains(Field::States)) {
        const QJsonValue value = object.value(Field::States);
        if (!value.isArray()) {
            issues.add(QStringLiteral("states"), QStringLiteral("must be an array of statuses"));
        } else {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i) {
                const auto status = jobStatusFromName(array.at(i).toString());
                if (!status) {
                    issues.add(QStringLiteral("states[%1]").arg(i), QStringLiteral("unknown status"));
                } else {
                    states.insert(*status);
                }
            }
        }
    }
    int limit = 100;
    if (object.contains(Field::Limit)) {
        const double value = object.value(Field::Limit).toDouble(-1);
        if (!object.value(Field::Limit).isDouble() || value < 1 || value > 1000 || value != std::floor(value)) {
            issues.add(QStringLiteral("limit"), QStringLiteral("must be a whole number from 1 to 1000"));
        } else {
            limit = int(value);
        }
    }
    std::optional<HistoryCursor> before;
    if (object.contains(Field::Before)) {
        before = HistoryCursor::decode(object.value(Field::Before).toString());
        if (!before)
            issues.add(QStringLiteral("before"), QStringLiteral("must be a next_before value from an earlier jobs reply"));
    }
    if (!issues.isEmpty()) {
        sendError(issues.toError(), QString(), requestId);
        countInvalid();
        return;
    }
    const bool admin = m_identity.role == Role::Admin;
    // Admins (every connection when auth is off) see every job; clients only their own.
    QJsonObject reply = message(Type::Jobs);
    listJobs(*m_context.manager, JobListQuery{states, limit, before, admin ? QString() : m_owner, admin}, reply);
    send(reply, requestId);
}

void Session::handleSubscribe(bool subscribe, const QJsonValue &requestId)
{
    if (m_identity.role != Role::Admin) {
        sendError(Error(ErrorCode::Forbidden, QStringLiteral("only admins may subscribe to the event feed")), QString(),
                  requestId);
        return;
    }
    m_subscribed = subscribe;
    if (subscribe)
        m_context.router->subscribeAll(this);
    else
        m_context.router->unsubscribeAll(this);
    send(message(subscribe ? Type::Subscribed : Type::Unsubscribed), requestId);
    if (subscribe) {
        if (!m_subscriberTimer) {
            m_subscriberTimer = new QTimer(this);
            m_subscriberTimer->setInterval(250);
            connect(m_subscriberTimer, &QTimer::timeout, this, [this] {
                flushSubscriberProgress();
                static constexpr int kTicksPerStats = 4;
                if (m_subscriberTimer->property("ticks").toInt() % kTicksPerStats == 0)
                    sendStats();
                m_subscriberTimer->setProperty("ticks", m_subscriberTimer->property("ticks").toInt() + 1);
            });
        }
        m_subscriberTimer->start();
        sendStats();
    } else if (m_subscriberTimer) {
        m_subscriberTimer->stop();
        m_pendingEventProgress.clear();
        // Off the feed, the router no longer brings the removals that would prune this.
        m_lastEventProgress.clear();
    }
}

void Session::sendStats()
{
    if (isCongested())
        return;   // the next tick carries newer figures anyway
    QJsonObject reply = message(Type::Stats);
    reply.insert(QString(Field::Stats), m_context.stats());
    send(reply);
}

void Session::handleFetchOutput(const QJsonObject &object, const QJsonValue &requestId)
{
    const QString echo = object.value(Field::JobId).toString().left(64);
    const Result<const Job *> resolved = resolveJob(object);
    if (!resolved.ok()) {
        sendError(resolved.error(), echo, requestId);
        return;
    }
    const Job *job = resolved.value();
    if (job->status != JobStatus::Completed) {
        sendError(Error(ErrorCode::InvalidState, QStringLiteral("job is %1; outputs exist once it completed")
                                                         .arg(jobStatusName(job->status))),
                  job->jobId, requestId);
        return;
    }
    if (job->outputs.isEmpty() || job->outputsRemoved) {
        sendError(Error(ErrorCode::NotFound, job->outputs.isEmpty()
                                                     ? QStringLiteral("this job has no output files")
                                                     : QStringLiteral("the outputs were delivered or expired and are gone")),
                  job->jobId, requestId);
        return;
    }
    int index = -1;
    if (object.contains(Field::Index)) {
        const double value = object.value(Field::Index).toDouble(-1);
        if (!object.value(Field::Index).isDouble() || value < 0 || value >= job->outputs.size() || value != std::floor(value)) {
            sendError(ValidationIssues::single(QStringLiteral("index"),
                                               QStringLiteral("must be from 0 to %1").arg(job->outputs.size() - 1)),
                      job->jobId, requestId);
            return;
        }
        index = int(value);
    }
    if (m_level < 1) {
        // One message per file on this connection: the level 0 limit applies here too.
        for (qsizetype i = 0; i < job->outputs.size(); ++i) {
            const JobOutput &output = job->outputs.at(i);
            if ((index < 0 || index == i) && output.size > m_context.config->level0OutputLimitBytes) {
                sendError(level0TooLarge(*job, output), job->jobId, requestId);
                return;
            }
        }
    }
    // Another node ran it and keeps its files (docs/scaling.md): streamed from there. That node
    // keeps them for its retention period; nothing here can extend it.
    const bool remote = m_context.remoteOutputs && !m_context.manager->holds(job->id)
                        && m_context.remoteOutputs->elsewhere(job->id);
    // While fetching, the outputs must not expire under the transfer.
    if (!remote)
        m_context.manager->retainOutputs(job->id);
    sender()->enqueue(OutputSender::Delivery{job->id, job->jobId, job->outputs, index, m_level >= 1, requestId, remote});
}

void Session::onBinaryMessage(const QByteArray &data)
{
    m_sinceHeard.restart();
    if (m_closing)
        return;
    if (m_authState == AuthState::Pending) {
        closeWithPolicyViolation(QStringLiteral("send hello with a token first"));
        return;
    }
    const Result<BinaryFrame> frame = BinaryFrame::parse(data);
    if (!frame.ok()) {
        sendError(frame.error());
        countInvalid();
        return;
    }
    const QJsonObject &header = frame->header;
    const QString echo = header.value(Field::JobId).toString().left(64);
    const Result<const Job *> resolved = resolveJob(header);
    if (!resolved.ok()) {
        Error error = resolved.error();
        if (error.code == ErrorCode::ValidationError)
            error = Error(ErrorCode::InvalidBinary, QStringLiteral("binary header needs job_id (or id)"));
        sendError(error, echo);
        countInvalid();
        return;
    }
    const Job *job = resolved.value();
    const QString id = job->id;
    const QString jobId = job->jobId;
    qint64 offset = 0;
    bool final = true;
    int index = -1;
    if (header.contains(Field::Index)) {
        const double value = header.value(Field::Index).toDouble(-1);
        if (value < 0 || value != std::floor(value) || value > 1000) {
            sendError(Error(ErrorCode::InvalidBinary, QStringLiteral("index must be a whole number")), jobId);
            countInvalid();
            return;
        }
        index = int(value);
    }
    if (header.contains(Field::Offset)) {
        const double value = header.value(Field::Offset).toDouble(-1);
        if (value < 0 || value != std::floor(value) || !header.value(Field::Final).isBool()) {
            sendError(Error(ErrorCode::InvalidBinary, QStringLiteral("a chunk header needs a whole offset and a boolean final")),
                      jobId);
            countInvalid();
            return;
        }
        offset = qint64(value);
        final = header.value(Field::Final).toBool();
        if (frame->payload.size() > m_context.config->maxChunkBytes && m_jobs.contains(id)) {
            m_context.manager->failJob(id, Error(ErrorCode::TooLarge,
                                                 QStringLiteral("chunks are limited to %1 bytes").arg(m_context.config->maxChunkBytes),
                                                 QJsonObject{{QStringLiteral("max_chunk_bytes"), m_context.config->maxChunkBytes}}));
            return;
        }
    }
    if (const auto refused = m_context.manager->writeUpload(id, m_connectionId, index, offset, frame->payload, final))
        sendError(*refused, jobId);
    m_invalidInARow = 0;
}

void Session::onDisconnected()
{
    if (m_sender)
        m_sender->abort();
    m_keepAliveStopped = true;
    qCInfo(lcSession).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer}} << "disconnected";
    connectionGoneElsewhere();   // sessioncluster.cpp
    m_context.manager->connectionClosed(m_connectionId);
    emit closed(m_connectionId);
}

} // namespace Mediaforge
