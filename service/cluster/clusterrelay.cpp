// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusterrelay.h"

#include "jobs/jobmanager.h"
#include "jobs/jobstore.h"
#include "postgresjobstore.h"
#include "server/eventrouter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace Mediaforge {

namespace {
// How long after a reconnect the followed jobs are read again at every check: longer than a
// lease, within which every node has reconnected or its lease has ended.
constexpr qint64 kCatchUpWindowMs = 120'000;
} // namespace

Q_LOGGING_CATEGORY(lcCluster, "mediaforge.cluster", QtInfoMsg)

namespace {

// PostgreSQL refuses a payload of 8000 bytes or more; ours are a few hundred.
constexpr qsizetype kMaxPayload = 7999;

QString kindName(JobEventKind kind)
{
    switch (kind) {
    case JobEventKind::Accepted:
        return QStringLiteral("accepted");
    case JobEventKind::StageChanged:
        return QStringLiteral("stage");
    case JobEventKind::Progress:
        return QStringLiteral("progress");
    case JobEventKind::Finished:
        return QStringLiteral("finished");
    case JobEventKind::Removed:
        return QStringLiteral("removed");
    }
    return QString();
}

std::optional<JobEventKind> kindFromName(QStringView name)
{
    for (JobEventKind kind : {JobEventKind::Accepted, JobEventKind::StageChanged, JobEventKind::Progress,
                              JobEventKind::Finished, JobEventKind::Removed}) {
        if (name == kindName(kind))
            return kind;
    }
    return std::nullopt;
}

std::optional<JobStage> stageFromName(QStringView name)
{
    for (JobStage stage : {JobStage::Uploading, JobStage::Downloading, JobStage::Queued, JobStage::Processing,
                           JobStage::Finalizing, JobStage::UploadingOutputs}) {
        if (name == jobStageName(stage))
            return stage;
    }
    return std::nullopt;
}

} // namespace

ClusterRelay::ClusterRelay(QString node, JobManager &manager, JobStore &store, EventRouter &router)
    : m_node(std::move(node)), m_manager(manager), m_store(store), m_router(router)
{
}

ClusterRelay::~ClusterRelay()
{
    m_notifyQuery.reset();   // before its connection goes
    for (const QString &name : {m_listenName, m_notifyName}) {
        if (name.isEmpty() || !QSqlDatabase::contains(name))
            continue;
        QSqlDatabase::database(name, false).close();
        QSqlDatabase::removeDatabase(name);
    }
}

std::unique_ptr<ClusterRelay> ClusterRelay::open(const QString &uri, const QString &node, JobManager &manager,
                                                 JobStore &store, EventRouter &router, QString *error)
{
    std::unique_ptr<ClusterRelay> relay(new ClusterRelay(node, manager, store, router));
    const QString base = QStringLiteral("mediaforge-cluster-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    for (QString *name : {&relay->m_listenName, &relay->m_notifyName}) {
        const QString wanted = base + (name == &relay->m_listenName ? QStringLiteral("-listen") : QStringLiteral("-notify"));
        if (const QString problem = PostgresJobStore::openConnection(uri, wanted); !problem.isEmpty()) {
            *error = QStringLiteral("the cluster's event relay %1").arg(problem);
            return nullptr;
        }
        *name = wanted;
    }
    QSqlDriver *driver = QSqlDatabase::database(relay->m_listenName, false).driver();
    if (!driver->subscribeToNotification(QString(kChannel))) {
        *error = QStringLiteral("the cluster's event relay cannot LISTEN: %1").arg(driver->lastError().text());
        return nullptr;
    }
    connect(driver, &QSqlDriver::notification, relay.get(), &ClusterRelay::received);
    ClusterRelay *self = relay.get();
    connect(&manager, &JobManager::jobAccepted, self, [self](const QString &id) { self->publish(JobEventKind::Accepted, id); });
    connect(&manager, &JobManager::jobStageChanged, self,
            [self](const QString &id) { self->publish(JobEventKind::StageChanged, id); });
    connect(&manager, &JobManager::jobProgress, self, [self](const QString &id) { self->publish(JobEventKind::Progress, id); });
    connect(&manager, &JobManager::jobFinished, self, [self](const QString &id) { self->publish(JobEventKind::Finished, id); });
    connect(&manager, &JobManager::jobEndedForLostNode, self,
            [self](const QString &id) { self->publish(JobEventKind::Finished, id); });
    connect(&manager, &JobManager::jobRemoved, self, [self](const QString &id) { self->publish(JobEventKind::Removed, id); });
    // Checked as often as the leases are renewed: a relay that lost its connections is back
    // about when the node's own store connection is.
    const auto interval = std::max<std::chrono::milliseconds>(
            std::chrono::milliseconds(500), std::chrono::duration_cast<std::chrono::milliseconds>(store.leaseDuration()) / 3);
    relay->m_maxBackoffMs = interval.count();
    relay->m_checkTimer.setInterval(interval);
    connect(&relay->m_checkTimer, &QTimer::timeout, self, &ClusterRelay::check);
    relay->m_checkTimer.start();
    qCInfo(lcCluster).noquote() << "relaying job events between nodes on channel" << kChannel << "as node" << node;
    return relay;
}

QJsonObject ClusterRelay::payload(const QString &node, JobEventKind kind, const QString &id, const Job *job)
{
    QJsonObject object{{QStringLiteral("node"), node}, {QStringLiteral("event"), kindName(kind)}, {QStringLiteral("id"), id}};
    if (!job || kind == JobEventKind::Removed)
        return object;
    // What the store does not hold, or holds only once a second: the rest is read from the row.
    object.insert(QStringLiteral("state"), jobStatusName(job->status));
    object.insert(QStringLiteral("stage"), jobStageName(job->stage));
    const JobProgress &p = job->progress;
    object.insert(QStringLiteral("progress"), QJsonObject{{QStringLiteral("percentage"), p.percentage},
                                                          {QStringLiteral("bytes"), p.bytes},
                                                          {QStringLiteral("total_bytes"), p.totalBytes},
                                                          {QStringLiteral("out_time"), p.outTimeSeconds},
                                                          {QStringLiteral("duration"), p.durationSeconds},
                                                          {QStringLiteral("speed"), p.speed},
                                                          {QStringLiteral("fps"), p.fps},
                                                          {QStringLiteral("eta"), p.etaSeconds}});
    return object;
}

void ClusterRelay::publish(JobEventKind kind, const QString &id)
{
    if (kind == JobEventKind::Removed)
        m_ownerElsewhere.remove(id);
    // The engine signals after it stored the change: what the others read back is at least this.
    // A removed job is no longer in memory: reading it back from the store would be wasted.
    notify(payload(m_node, kind, id, kind == JobEventKind::Removed ? nullptr : m_manager.job(id)));
}

bool ClusterRelay::cancelElsewhere(const QString &id)
{
    if (!m_store.requestCancel(id))
        return false;
    notify(QJsonObject{{QStringLiteral("node"), m_node}, {QStringLiteral("event"), QStringLiteral("cancel")},
                       {QStringLiteral("id"), id}});
    return true;
}

void ClusterRelay::attachedElsewhere(const QString &id, const QString &connection)
{
    request(QStringLiteral("attach"), id, connection);
}

void ClusterRelay::connectionGoneElsewhere(const QString &id, const QString &connection)
{
    request(QStringLiteral("closed"), id, connection);
}

void ClusterRelay::releaseElsewhere(const QString &id, const QString &connection)
{
    request(QStringLiteral("release"), id, connection);
}

void ClusterRelay::request(const QString &event, const QString &id, const QString &connection)
{
    notify(QJsonObject{{QStringLiteral("node"), m_node}, {QStringLiteral("event"), event},
                       {QStringLiteral("id"), id}, {QStringLiteral("connection"), connection}});
}

QJsonObject ClusterRelay::clusterStats() const
{
    NodeJobCounts total;
    QJsonArray nodes;
    const auto fields = [](const NodeJobCounts &counts) {
        return QJsonObject{{QStringLiteral("input_jobs"), counts.inputJobs},
                           {QStringLiteral("queued_jobs"), counts.queuedJobs},
                           {QStringLiteral("active_jobs"), counts.activeJobs},
                           {QStringLiteral("completed_jobs"), counts.completedJobs},
                           {QStringLiteral("failed_jobs"), counts.failedJobs},
                           {QStringLiteral("cancelled_jobs"), counts.cancelledJobs}};
    };
    for (const NodeJobCounts &counts : m_store.countsByNode()) {
        QJsonObject entry = fields(counts);
        entry.insert(QStringLiteral("node"), counts.node);
        nodes.append(entry);
        total.inputJobs += counts.inputJobs;
        total.queuedJobs += counts.queuedJobs;
        total.activeJobs += counts.activeJobs;
        total.completedJobs += counts.completedJobs;
        total.failedJobs += counts.failedJobs;
        total.cancelledJobs += counts.cancelledJobs;
    }
    QJsonObject stats = fields(total);
    stats.insert(QStringLiteral("node"), m_node);
    stats.insert(QStringLiteral("nodes"), nodes);
    return stats;
}

void ClusterRelay::requested(const QString &event, const QString &id, const QString &connection)
{
    const Job *job = m_manager.job(id);
    if (!job)
        return;
    if (event == QLatin1StringView("cancel")) {
        if (isFinished(job->status))
            return;
        qCInfo(lcCluster).noquote() << "job" << id << "cancelled on another node";
        m_manager.cancel(id);
    } else if (event == QLatin1StringView("attach")) {
        // Connection 0: no connection of this node has it any more, and no grace runs out.
        m_manager.attach(id, 0);
        m_ownerElsewhere.insert(id, connection);
    } else if (job->connectionId == 0) {
        // Only while the owner follows the job from another node (a connection of this node
        // that attached since speaks for itself), and only its latest connection there: an
        // older one that closes after the owner attached again elsewhere is no longer it.
        const auto owner = m_ownerElsewhere.constFind(id);
        if (owner != m_ownerElsewhere.constEnd() && *owner != connection)
            return;
        if (event == QLatin1StringView("closed")) {
            qCInfo(lcCluster).noquote() << "job" << id << "- its owner's connection on another node closed";
            m_ownerElsewhere.remove(id);
            m_manager.ownerGoneElsewhere(id);
        } else if (event == QLatin1StringView("release")) {
            qCInfo(lcCluster).noquote() << "job" << id << "- its outputs were delivered through another node";
            m_manager.releaseOutputs(id);
        }
    }
}

bool ClusterRelay::notify(const QJsonObject &object)
{
    const QByteArray text = QJsonDocument(object).toJson(QJsonDocument::Compact);
    if (text.size() > kMaxPayload)
        return false;   // cannot happen with our fields; a refused NOTIFY would only log
    // Prepared once per connection: each PREPARE and DEALLOCATE of Qt's driver is a round trip
    // of its own, and a job publishes about six state changes and its progress.
    if (!m_notifyQuery) {
        m_notifyQuery = std::make_unique<QSqlQuery>(QSqlDatabase::database(m_notifyName, false));
        m_notifyQuery->prepare(QStringLiteral("SELECT pg_notify(?, ?)"));   // a failure shows at exec()
    }
    QSqlQuery &query = *m_notifyQuery;
    query.addBindValue(QString(kChannel));
    query.addBindValue(QString::fromUtf8(text));
    if (m_outage.isValid() || !query.exec()) {
        // The other nodes miss this event; their clients still get the state from the store,
        // and a node that reconnects reads again the jobs it follows (catchUp).
        ++m_failures;
        if (!m_outage.isValid())
            beginOutage(query.lastError().text().simplified());
        m_notifyQuery.reset();   // prepared again once the connection works
        return false;
    }
    query.finish();
    ++m_published;
    return true;
}

void ClusterRelay::received(const QString &name, QSqlDriver::NotificationSource source, const QVariant &payload)
{
    Q_UNUSED(source);   // our NOTIFY goes out on the other connection: the node name tells
    if (name != kChannel)
        return;
    const QJsonObject object = QJsonDocument::fromJson(payload.toString().toUtf8()).object();
    const QString node = object.value(QStringLiteral("node")).toString();
    const QString id = object.value(QStringLiteral("id")).toString();
    const QString event = object.value(QStringLiteral("event")).toString();
    // Our own events reached the sessions here already, straight from the engine.
    if (node == m_node || id.isEmpty())
        return;
    if (event == QLatin1StringView("cancel") || event == QLatin1StringView("attach")
        || event == QLatin1StringView("closed") || event == QLatin1StringView("release")) {
        if (m_manager.holds(id))
            requested(event, id, object.value(QStringLiteral("connection")).toString().left(200));
        else if (event == QLatin1StringView("attach"))
            emit m_manager.jobAttached(id, 0);   // a connection here that followed it lets go
        return;
    }
    const std::optional<JobEventKind> kind = kindFromName(event);
    if (!kind)
        return;
    // Taken over by this node meanwhile: its own events are the ones that count. Unless the
    // job was queued here and the other node claimed it to run it: from now on that node's
    // events are the job's, and this node keeps only its input files for it.
    if (m_manager.holds(id) && (*kind == JobEventKind::Removed || !m_manager.lendAway(id)))
        return;
    if (*kind == JobEventKind::Finished || *kind == JobEventKind::Removed)
        m_manager.releaseLent(id);
    ++m_relayed;
    if (*kind == JobEventKind::Removed) {
        m_manager.forgetForeign(id);
        m_router.route(*kind, id);
        return;
    }
    Job job;
    const Job *known = m_manager.job(id);
    if (*kind == JobEventKind::Progress && known) {
        job = *known;
    } else {
        // A state change: the row as stored, read fresh.
        m_manager.forgetForeign(id);
        const Job *stored = m_manager.job(id);
        if (!stored)
            return;   // purged meanwhile, or the store cannot be read: nothing to tell
        job = *stored;
    }
    if (*kind != JobEventKind::Finished) {
        if (const std::optional<JobStatus> status = jobStatusFromName(object.value(QStringLiteral("state")).toString());
            status && !isFinished(*status))
            job.status = *status;
        if (const std::optional<JobStage> stage = stageFromName(object.value(QStringLiteral("stage")).toString()))
            job.stage = *stage;
        const QJsonObject p = object.value(QStringLiteral("progress")).toObject();
        job.progress.percentage = p.value(QStringLiteral("percentage")).toDouble();
        job.progress.bytes = p.value(QStringLiteral("bytes")).toInteger();
        job.progress.totalBytes = p.value(QStringLiteral("total_bytes")).toInteger(-1);
        job.progress.outTimeSeconds = p.value(QStringLiteral("out_time")).toDouble();
        job.progress.durationSeconds = p.value(QStringLiteral("duration")).toDouble();
        job.progress.speed = p.value(QStringLiteral("speed")).toDouble();
        job.progress.fps = p.value(QStringLiteral("fps")).toDouble();
        job.progress.etaSeconds = p.value(QStringLiteral("eta")).toDouble(-1);
    }
    const bool finished = isFinished(job.status);
    if (!finished)
        m_manager.noteForeign(std::move(job));
    m_router.route(*kind, id);
    // The store holds a finished job completely: memory need not.
    if (finished)
        m_manager.forgetForeign(id);
}

void ClusterRelay::beginOutage(const QString &reason)
{
    m_outage.start();
    m_lastAttempt.start();
    m_backoffMs = std::min<qint64>(500, m_maxBackoffMs);
    // Once per outage, not per event: a node that publishes 4 progress events a second would
    // otherwise fill its log while the database restarts.
    qCWarning(lcCluster).noquote() << "the event relay lost its connection to the database ("
                                   << (reason.isEmpty() ? QStringLiteral("no answer") : reason)
                                   << "): the other nodes' events are not heard and this node's are not published "
                                      "until it reconnects";
}

void ClusterRelay::check()
{
    // What another node finished while the database was away reaches the store only when that
    // node's own connection returns, which may be after this node's first catch-up, and its
    // notification was sent into the outage: for a few checks after a reconnect, the jobs
    // this node follows are read again.
    if (!m_outage.isValid() && m_sinceReconnect.isValid()) {
        if (m_sinceReconnect.elapsed() < kCatchUpWindowMs)
            catchUp();
        else
            m_sinceReconnect.invalidate();
    }
    if (!m_outage.isValid()) {
        // LISTEN alone never finds out that its server went away: a probe on that connection
        // does (and costs one round trip per check).
        QSqlQuery probe(QSqlDatabase::database(m_listenName, false));
        if (probe.exec(QStringLiteral("SELECT 1")))
            return;
        beginOutage(probe.lastError().text().simplified());
    }
    if (m_lastAttempt.elapsed() < m_backoffMs)
        return;
    m_lastAttempt.restart();
    if (!reopen()) {
        m_backoffMs = std::min(m_backoffMs * 2, m_maxBackoffMs);
        return;
    }
    qCInfo(lcCluster).noquote() << "the event relay is connected again after" << m_outage.elapsed() / 1000.0 << "s";
    m_outage.invalidate();
    ++m_reconnects;
    catchUp();
    m_sinceReconnect.start();
}

bool ClusterRelay::reopen()
{
    // close() also drops the old LISTEN socket's notifier, so that nothing reads a dead socket.
    m_notifyQuery.reset();   // prepared on the old connection
    for (const QString &name : {m_listenName, m_notifyName}) {
        QSqlDatabase database = QSqlDatabase::database(name, false);
        database.close();
        if (!database.open())
            return false;
    }
    QSqlDriver *driver = QSqlDatabase::database(m_listenName, false).driver();
    // The driver object is the same: the notification signal stays connected; the
    // subscription ended with the old connection.
    if (!driver->subscribeToNotification(QString(kChannel))) {
        QSqlDatabase::database(m_listenName, false).close();
        return false;
    }
    return true;
}

void ClusterRelay::catchUp()
{
    int changed = 0;
    const QStringList ids = m_manager.foreignIds();
    for (const QString &id : ids) {
        const Job *noted = m_manager.job(id);
        if (!noted)
            continue;
        const JobStatus status = noted->status;
        const JobStage stage = noted->stage;
        m_manager.forgetForeign(id);
        const Job *stored = m_manager.job(id);   // read from the store
        if (!stored || m_manager.holds(id))
            continue;
        if (isFinished(stored->status)) {
            ++changed;
            m_router.route(JobEventKind::Finished, id);
            m_manager.forgetForeign(id);
            continue;
        }
        Job job = *stored;
        const bool moved = job.status != status || job.stage != stage;
        m_manager.noteForeign(std::move(job));
        if (moved) {
            ++changed;
            m_router.route(JobEventKind::StageChanged, id);
        }
    }
    if (changed > 0)
        qCInfo(lcCluster).noquote() << "caught up with" << changed << "jobs of other nodes that changed while disconnected";
}

} // namespace Mediaforge
