// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "authenticator.h"
#include "errorcode.h"
#include "eventrouter.h"
#include "jobidset.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QWebSocketProtocol>

#include <functional>
#include <memory>
#include <optional>

class QTimer;
class QUrl;
class QWebSocket;

namespace Mediaforge {

struct Config;
class PresetCatalog;
struct StartJobRequest;
struct SubmitRequest;
class BatchTracker;
struct Batch;
class ByteBudget;
class EventRouter;
class JobManager;
class OutputSender;
class PeerSocket;
class RemoteOutputs;
struct Job;
struct JobOutput;

// What every session shares: the engine, the auth table, the limits, and the figures only the
// server knows (connections, bytes sent).
struct SessionContext
{
    JobManager *manager = nullptr;
    const Authenticator *authenticator = nullptr;
    const Config *config = nullptr;
    std::function<QJsonObject()> stats;        // the /health `stats` object plus `workers`
    std::function<QJsonArray()> nodes;         // list_nodes: every node sharing the store (this one alone without)
    // drain_node / resume_node: the node's new state stored (or, alone, this node's set); the
    // error when there is no such node or the store cannot be written.
    std::function<std::optional<Error>(const QString &node, bool drain)> setNodeState;
    std::function<void(qint64)> addBytesSent;
    QString httpBaseUrl;                       // for TOO_LARGE messages: where outputs can be fetched
    ByteBudget *level0OutputBudget = nullptr;  // whole level 0 outputs in socket buffers, service-wide
    EventRouter *router = nullptr;             // brings each session the job events it follows; outlives them
    // Set on a node of a cluster (shared store), for jobs that another node runs
    // (sessioncluster.cpp): cancel it there (false: finished, or the store cannot be written),
    // and tell it that the owner is here now.
    std::function<bool(const QString &id)> cancelElsewhere;
    // The owner's connection is named "node:connection id" so that the running node can tell
    // the latest one from an older one that closes later.
    std::function<void(const QString &id, const QString &connection)> attachedElsewhere;
    // The connection following such a job closed (that node applies the reconnect grace or
    // cancels, as for a local connection), or took its outputs (that node releases them).
    std::function<void(const QString &id, const QString &connection)> connectionGoneElsewhere;
    std::function<void(const QString &id, const QString &connection)> releaseElsewhere;
    // get_stats `cluster`: every node's jobs by state, from the store.
    std::function<QJsonObject()> clusterStats;
    // The outputs of jobs another node ran, streamed from there (fetch_output).
    RemoteOutputs *remoteOutputs = nullptr;
    // Webhooks (sessionwebhooks.cpp; the store and the dispatcher stay behind these): the key
    // that signs an owner's webhooks (empty: none, so notify_url is refused), a job's deliveries
    // as get_job lists them, and an admin's redeliver of one delivery (false: unknown).
    std::function<QByteArray(const QString &owner)> webhookSecret;
    std::function<QJsonArray(const QString &id)> deliveries;
    std::function<std::optional<QJsonObject>(const QString &deliveryId)> redeliver;
    // start_job by `preset` and list_presets; null: the built-in presets.
    const PresetCatalog *presets = nullptr;
    // start_batch, get_batch, cancel_batch (sessionbatches.cpp); null: batches are refused.
    BatchTracker *batches = nullptr;
};

// One WebSocket connection: its protocol level (0 until `hello`), role and owner namespace.
// Turns messages into JobManager calls and JobManager signals into messages, in the order
// PROTOCOL.md gives per job.
class Session : public QObject, public JobEventSink
{
    Q_OBJECT
public:
    // `peer` is the TCP side of `socket` (limits, graceful close); may be null in tests.
    Session(QWebSocket *socket, PeerSocket *peer, quint64 connectionId,
            std::shared_ptr<const SessionContext> context, QObject *parent = nullptr);
    ~Session() override;

    quint64 connectionId() const { return m_connectionId; }
    bool isSubscribed() const { return m_subscribed; }
    // Called once every ping interval by the server's keep-alive clock (one timer for all
    // sessions, not one each): pings the peer, or closes a peer silent for two intervals.
    void keepAlive();
    // Server-wide notices (SHUTTING_DOWN).
    void sendError(const Error &error, const QString &jobId = QString(), const QJsonValue &requestId = QJsonValue());
    void sendStats();
    void jobEvent(JobEventKind kind, const QString &id) override;
    void batchEvent(bool finished, const QString &batchId) override;   // sessionbatches.cpp

signals:
    void closed(quint64 connectionId);

private:
    enum class AuthState { Pending, Authenticated };

    void onTextMessage(const QString &text);
    void onTextFrame(const QString &frame, bool isLastFrame);
    void onBinaryMessage(const QByteArray &message);
    void onDisconnected();
    void authenticateFromHandshake();
    void markAuthenticated();
    void closeWithPolicyViolation(const QString &reason, bool atFrameBoundary = true);
    // Close frame, then TCP once the peer answered or a grace period passed (PeerSocket).
    void closeConnection(QWebSocketProtocol::CloseCode code, const QString &reason, bool atFrameBoundary);
    void countInvalid();
    // Text bytes queued in the socket beyond the outputs being sent.
    qint64 sendBacklog() const;
    bool isCongested() const;
    void flushDeferredProgress();
    void drop(const QString &why);
    Error level0TooLarge(const Job &job, const JobOutput &output) const;

    void handleHello(const QJsonObject &message, const QJsonValue &requestId);
    void handleStartJob(const QJsonObject &message, const QJsonValue &requestId);
    // sessionpresets.cpp: presets, and what the owner's tokens-file keys allow.
    void handleListPresets(const QJsonValue &requestId);
    const PresetCatalog &presets() const;
    std::optional<Error> checkOwnerAllows(const StartJobRequest &request) const;
    SubmitRequest submitRequestFor(const StartJobRequest &request) const;
    void handleCancel(const QJsonObject &message, const QJsonValue &requestId);
    void handleGetJob(const QJsonObject &message, const QJsonValue &requestId);
    void handleListJobs(const QJsonObject &message, const QJsonValue &requestId);
    void handleSubscribe(bool subscribe, const QJsonValue &requestId);
    void handleFetchOutput(const QJsonObject &message, const QJsonValue &requestId);
    void handleAttach(const QJsonObject &message, const QJsonValue &requestId);   // sessionattach.cpp
    void handleListNodes(const QJsonValue &requestId);                           // sessionnodes.cpp
    void handleNodeState(const QJsonObject &message, bool drain, const QJsonValue &requestId);   // sessionnodes.cpp
    // sessionwebhooks.cpp
    // `ownerDefault`: the URL is the owner's notify_url from the tokens file, not the client's.
    std::optional<Error> checkNotifyUrl(const QUrl &url, bool ownerDefault) const;
    // Puts the owner's default notify_url into a start_job that names none; true if it did.
    bool applyOwnerNotifyUrl(QJsonObject &startJob) const;
    void handleRedeliver(const QJsonObject &message, const QJsonValue &requestId);
    // sessionbatches.cpp
    void handleStartBatch(const QJsonObject &message, const QJsonValue &requestId);
    void handleGetBatch(const QJsonObject &message, const QJsonValue &requestId);
    void handleCancelBatch(const QJsonObject &message, const QJsonValue &requestId);
    // The batch a request names by `id` or `batch_id`: NOT_FOUND / FORBIDDEN otherwise.
    Result<Batch> resolveBatch(const QJsonObject &message) const;
    // sessioncluster.cpp: jobs that another node of the cluster runs.
    bool isElsewhere(const Job &job) const;
    void cancelElsewhere(const Job &job, bool own, const QJsonValue &requestId);
    // This connection as the other nodes know it: "node:connection id".
    QString ownerConnection() const;
    // The connection closed: the nodes that run the jobs it followed hear of it.
    void connectionGoneElsewhere();
    void onJobAttached(const QString &id, quint64 connectionId);

    // Finds the job a request names by `id` or by `job_id` (in this owner's namespace) and
    // checks that this session may see it: NOT_FOUND / FORBIDDEN otherwise.
    Result<const Job *> resolveJob(const QJsonObject &message) const;
    bool canAccess(const Job &job) const;

    void onJobStageChanged(const Job &job);
    void onJobProgress(const Job &job);
    void onJobFinished(const Job &job);
    void sendProgress(const Job &job);
    void sendCompleted(const Job &job);
    void sendJobEvent(const QString &event, const Job &job);
    void flushSubscriberProgress();

    void send(QJsonObject message, const QJsonValue &requestId = QJsonValue());
    // Made on the first delivery: most connections never fetch an output, and the sender with
    // its file and connections was about 1 KiB of each one (docs/performance.md, B4).
    OutputSender *sender();
    bool ownsLive(const QString &id) const { return m_jobs.contains(id); }

    QPointer<QWebSocket> m_socket;
    QPointer<PeerSocket> m_peerSocket;
    quint64 m_connectionId;
    // One context for all sessions, shared so that a session deleted after its server (a
    // deleteLater still pending) keeps it alive; a copy each cost about 0.5 KiB a connection.
    std::shared_ptr<const SessionContext> m_sharedContext;
    const SessionContext &m_context;
    OutputSender *m_sender = nullptr;
    AuthState m_authState = AuthState::Pending;
    Identity m_identity;
    QString m_owner;
    QString m_peer;
    int m_level = 0;
    QString m_clientName;
    bool m_subscribed = false;
    int m_invalidInARow = 0;
    qint64 m_textFrameBytes = 0;
    QTimer *m_authTimer = nullptr;
    bool m_keepAliveStopped = false;
    QTimer *m_subscriberTimer = nullptr;
    QElapsedTimer m_sinceHeard;
    JobIdSet m_jobs;                              // service ids of jobs this connection started
    QHash<QString, QJsonValue> m_cancelRequests;  // id -> request_id of this session's cancel
    QHash<QString, qint64> m_lastEventProgress;   // subscriber throttle: id -> ms timestamp
    QSet<QString> m_pendingEventProgress;
    QElapsedTimer m_clock;
    QSet<QString> m_deferredProgress;             // owner progress held back while the peer is not reading
    bool m_closing = false;
    bool m_closeSent = false;   // nothing may follow the close frame
};

} // namespace Mediaforge
