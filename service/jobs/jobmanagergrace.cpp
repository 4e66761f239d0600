// SPDX-License-Identifier: GPL-3.0-or-later
// Reconnect grace: a level 1 job of a token owner outlives a dropped connection (and a restart)
// for --reconnect-grace, so that its owner can `attach` again and carry on as if it had never
// left. Without a token the owner is the connection itself, which cannot come back: those jobs
// end with it as before, so that vanishing clients cannot pile up orphaned work.
#include "jobmanager.h"
#include "jobmanager_p.h"

#include <QTimer>

namespace Mediaforge {

using namespace JobManagerDetail;

bool JobManager::holdForOwner(Job &job)
{
    // A detached job runs on by itself; only its upload needs its owner back.
    const bool waitsForOwner = !job.detach || job.status == JobStatus::AwaitingUpload;
    if (job.protocolLevel < 1 || !job.tokenOwner || !waitsForOwner || m_settings.reconnectGrace.count() <= 0)
        return false;
    // A finished job holds nothing for its owner once its outputs are gone or kept anyway.
    if (isFinished(job.status) && (job.outputsRemoved || job.retained))
        return false;
    startGrace(job, QDateTime::currentDateTimeUtc().addSecs(m_settings.reconnectGrace.count()));
    return true;
}

void JobManager::startGrace(Job &job, const QDateTime &until)
{
    job.connectionId = 0;
    job.graceUntil = until;
    const qint64 ms = std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(until));
    // The deadline identifies this grace: a later attach and drop starts another one.
    QTimer::singleShot(std::chrono::milliseconds(ms), this, [this, id = job.id, until] { endGrace(id, until); });
    qCInfo(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("state"), jobStatusName(job.status)}}
                             << "connection gone; waiting" << m_settings.reconnectGrace.count() << "s for its owner to attach";
}

void JobManager::endGrace(const QString &id, const QDateTime &until)
{
    Job *job = mutableJob(id);
    if (!job || job->graceUntil != until || job->connectionId != 0)
        return;
    job->graceUntil = QDateTime();
    if (!isFinished(job->status)) {
        finishJob(*job, JobStatus::Cancelled,
                  Error(ErrorCode::JobCancelled,
                        QStringLiteral("the connection that started the job closed and nobody attached within %1 s")
                                .arg(m_settings.reconnectGrace.count()),
                        QJsonObject{{QStringLiteral("reason"), QStringLiteral("reconnect_grace")}}));
    } else if (!job->retained && !job->outputsRemoved) {
        qCInfo(lcJobs).noquote() << jobFields(*job) << "nobody attached within the reconnect grace; outputs removed";
        removeFiles(*job);
    }
}

void JobManager::ownerGoneElsewhere(const QString &id)
{
    // A cluster: the owner followed the job from another node, whose connection closed. The
    // same rules as for a connection of this node; a connection of this node that has the job
    // now (it attached here since) is the only one whose close counts.
    Job *job = mutableJob(id);
    if (job && job->connectionId == 0 && letGoOfConnection(*job))
        cancelForClosedConnection({id});
}

Result<const Job *> JobManager::attach(const QString &id, quint64 connectionId)
{
    Job *live = mutableJob(id);
    if (!live) {
        // Finished and gone from memory: nothing runs or waits for a connection any more.
        if (const Job *stored = job(id))
            return stored;
        return Error(ErrorCode::NotFound, QStringLiteral("no job with that id"));
    }
    const quint64 previous = live->connectionId;
    live->connectionId = connectionId;
    live->graceUntil = QDateTime();
    if (live->status == JobStatus::AwaitingUpload && m_runtimes.contains(id))
        runtime(id).uploadResumed = true;
    if (previous != connectionId) {
        qCInfo(lcJobs).noquote() << jobFields(*live) << "attached to another connection";
        emit jobAttached(id, connectionId);
    }
    return static_cast<const Job *>(live);
}

} // namespace Mediaforge
