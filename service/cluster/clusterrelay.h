// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QSqlDriver>
#include <QSqlQuery>
#include <QString>
#include <QTimer>

#include <memory>

namespace Mediaforge {

class EventRouter;
class JobManager;
class JobStore;
struct Job;
enum class JobEventKind;

// Job events between the nodes of one PostgreSQL store, so that a client sees every node's jobs
// on whichever node it is connected to. This node's events (after the engine stored the change)
// go out with pg_notify on one channel; the other nodes' events come in by LISTEN and go into
// this node's EventRouter as if the engine had signalled them, with the job as the store holds
// it and the live figures (stage, progress) the event carried.
//
// Two connections of its own: LISTEN on one that runs nothing else (Qt's driver hears a
// notification only when its socket wakes; one that a busy connection's query read along the
// way would wait for the next), NOTIFY on another, never the store's, whose writes stay as
// they are.
class ClusterRelay : public QObject
{
    Q_OBJECT
public:
    static constexpr QLatin1StringView kChannel{"mediaforge_events"};

    ~ClusterRelay() override;
    // nullptr and `error` when a connection cannot be opened or LISTEN fails.
    static std::unique_ptr<ClusterRelay> open(const QString &uri, const QString &node, JobManager &manager,
                                              JobStore &store, EventRouter &router, QString *error);

    // cancel_job here for a job another node runs: stored with the job (the running node also
    // looks at its heartbeat, so a lost notification loses no cancel), then told to that node
    // at once. False when the job is finished or the store cannot be written.
    bool cancelElsewhere(const QString &id);
    // Requests about a job that another node runs or ran, for the owner's connection here
    // (`connection`: "node:connection id"), which that node treats as one of its own:
    // - attached: it stops waiting for an older connection (reconnect grace) and from now on
    //   listens to this one only;
    // - connection gone: the connection closed, so that node starts the reconnect grace, or
    //   cancels the job (a level 0 or token-less owner), as for its own connections;
    // - released: the connection took the outputs, so that node removes them, as after a
    //   local delivery (not those of a detached or otherwise retained job).
    // A lost notification leaves the job as if detached: it runs on, and its outputs stay
    // until the retention period ends (docs/scaling.md).
    void attachedElsewhere(const QString &id, const QString &connection);
    void connectionGoneElsewhere(const QString &id, const QString &connection);
    void releaseElsewhere(const QString &id, const QString &connection);
    // get_stats `cluster`: every node's jobs by state as the store holds them, and the totals.
    QJsonObject clusterStats() const;

    // The notification for a job event, as published (and read back by fromPayload); public
    // for the tests of the format.
    static QJsonObject payload(const QString &node, JobEventKind kind, const QString &id, const Job *job);

    qint64 published() const { return m_published; }
    qint64 relayed() const { return m_relayed; }
    // Whether both connections work, as the last check or publication found.
    bool connected() const { return !m_outage.isValid(); }
    qint64 reconnects() const { return m_reconnects; }

private:
    ClusterRelay(QString node, JobManager &manager, JobStore &store, EventRouter &router);
    void publish(JobEventKind kind, const QString &id);
    bool notify(const QJsonObject &object);
    // A request of another node about one of this node's jobs (cancel, attach, closed, release).
    void requested(const QString &event, const QString &id, const QString &connection);
    void request(const QString &event, const QString &id, const QString &connection);
    void received(const QString &name, QSqlDriver::NotificationSource source, const QVariant &payload);
    // Reconnection. Qt's driver reopens nothing, and a LISTEN
    // connection that died says nothing: it is probed at every check, and reopened (with LISTEN
    // again) with back-off once a probe or a publication failed.
    void check();
    void beginOutage(const QString &reason);
    bool reopen();
    // After an outage: the other nodes' events sent meanwhile are lost, so the jobs noted from
    // them are read again from the store, and what changed is announced as if relayed.
    void catchUp();

    QString m_node;
    JobManager &m_manager;
    JobStore &m_store;
    EventRouter &m_router;
    // This node's jobs whose owner attached on another node: the connection it attached with.
    QHash<QString, QString> m_ownerElsewhere;
    QString m_listenName;
    QString m_notifyName;
    std::unique_ptr<QSqlQuery> m_notifyQuery;   // kept for the notify connection's life
    qint64 m_published = 0;
    qint64 m_relayed = 0;
    qint64 m_failures = 0;
    QTimer m_checkTimer;
    QElapsedTimer m_outage;        // valid while a connection is lost
    QElapsedTimer m_lastAttempt;
    // Valid for a while after a reconnect: the jobs followed are read again at every check.
    QElapsedTimer m_sinceReconnect;
    qint64 m_backoffMs = 0;
    qint64 m_maxBackoffMs = 0;
    qint64 m_reconnects = 0;
};

} // namespace Mediaforge
