// SPDX-License-Identifier: GPL-3.0-or-later
// Session: `attach`. An owner whose connection dropped takes its level 1 job back on a new
// connection and from then on gets its events and outputs, and may send its upload chunks,
// as if it had never left (reconnect grace, issue 9).
#include "session.h"

#include "eventrouter.h"
#include "jobs/jobmanager.h"
#include "logging/logging.h"
#include "outputsender.h"
#include "protocol.h"

namespace Mediaforge {

using namespace Protocol;

void Session::handleAttach(const QJsonObject &object, const QJsonValue &requestId)
{
    const QString echo = object.value(Field::JobId).toString().left(64);
    const Result<const Job *> resolved = resolveJob(object);
    if (!resolved.ok()) {
        sendError(resolved.error(), echo, requestId);
        countInvalid();
        return;
    }
    const Job &found = *resolved.value();
    // Only the owner: an admin may look at anyone's job, but not take over its delivery.
    if (found.owner != m_owner) {
        sendError(Error(ErrorCode::Forbidden, QStringLiteral("only the job's owner may attach to it")), echo, requestId);
        countInvalid();
        return;
    }
    if (found.protocolLevel < 1 || m_level < 1) {
        sendError(Error(ErrorCode::InvalidState,
                        QStringLiteral("level 0 jobs stay bound to their connection; attach needs hello and a level 1 job")),
                  echo, requestId);
        countInvalid();
        return;
    }
    // Another node runs it: that node learns below that its owner is here now.
    const bool elsewhere = isElsewhere(found);
    const Result<const Job *> attached = elsewhere ? Result<const Job *>(&found)
                                                   : m_context.manager->attach(found.id, m_connectionId);
    if (!attached.ok()) {
        sendError(attached.error(), echo, requestId);
        return;
    }
    const Job &job = *attached.value();
    QJsonObject reply{{QString(Field::Type), QString(Type::Job)},
                      {QString(Field::Job), job.toSnapshot(m_identity.role == Role::Admin,
                                                           m_context.manager->queuePosition(job.id))}};
    send(reply, requestId);
    qCInfo(lcSession).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer}, {QStringLiteral("job"), job.id}}
                                << "attached";

    if (elsewhere) {
        // The running node now waits for this connection (and releases the outputs once this
        // one took them); an older connection of the owner here lets go, as for a local job.
        m_context.attachedElsewhere(job.id, ownerConnection());
        emit m_context.manager->jobAttached(job.id, m_connectionId);
    }
    if (!isFinished(job.status)) {
        m_jobs.insert(job.id);
        m_context.router->subscribe(this, job.id);
        return;
    }
    // It ended while nobody was there: what the connection would have heard then.
    if (job.status == JobStatus::Completed) {
        if (job.outputsRemoved)
            return;   // delivered or expired: the snapshot says so (outputs_available false)
        m_jobs.insert(job.id);
        m_context.router->subscribe(this, job.id);
        sendCompleted(job);
        return;
    }
    const Error error = job.error.value_or(Error(ErrorCode::JobFailed, QStringLiteral("job failed")));
    QJsonObject ended{{QString(Field::Type), QString(Type::Error)}};
    const QJsonObject body = error.toJson();
    for (auto it = body.begin(); it != body.end(); ++it)
        ended.insert(it.key(), it.value());
    ended.insert(QString(Field::JobId), job.jobId);
    ended.insert(QString(Field::Id), job.id);
    send(ended);
}

void Session::onJobAttached(const QString &id, quint64 connectionId)
{
    // Another connection of the owner took the job: this one hears no more of it.
    if (connectionId == m_connectionId || !m_jobs.remove(id))
        return;
    m_context.router->unsubscribe(this, id);
    m_deferredProgress.remove(id);
    m_cancelRequests.remove(id);
}

} // namespace Mediaforge
