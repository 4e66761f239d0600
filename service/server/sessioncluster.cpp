// SPDX-License-Identifier: GPL-3.0-or-later
// Session: jobs that another node of the cluster runs. Their events come through the cluster
// relay like this node's own; a cancel is stored for the running node to act on, and the
// documented messages follow when its `cancelled` comes back. The running node keeps the
// delivery's bookkeeping: it hears when this connection took the outputs or went away.
#include "session.h"

#include "config/config.h"
#include "jobs/jobmanager.h"
#include "protocol.h"

namespace Mediaforge {

using namespace Protocol;

bool Session::isElsewhere(const Job &job) const
{
    // On one node every job that holds anything is in memory: only a cluster has others.
    return m_context.cancelElsewhere && !m_context.manager->holds(job.id);
}

QString Session::ownerConnection() const
{
    return m_context.config->nodeName + u':' + QString::number(m_connectionId);
}

void Session::connectionGoneElsewhere()
{
    if (!m_context.connectionGoneElsewhere)
        return;
    // Bounded by the jobs one connection may follow; jobs this node holds are its engine's.
    for (const QString &id : std::as_const(m_jobs)) {
        if (!m_context.manager->holds(id))
            m_context.connectionGoneElsewhere(id, ownerConnection());
    }
}

void Session::cancelElsewhere(const Job &job, bool own, const QJsonValue &requestId)
{
    const QString id = job.id;
    const QString jobId = job.jobId;
    // The owner's answer is the job's end, as on the running node: the error JOB_CANCELLED
    // with this request's id, when that node's `cancelled` arrives.
    if (own)
        m_cancelRequests.insert(id, requestId);
    if (!m_context.cancelElsewhere(id)) {
        m_cancelRequests.remove(id);
        sendError(Error(ErrorCode::CancelFailed, QStringLiteral("the job has finished, or the cancel could not be stored"),
                        QJsonObject{{QStringLiteral("reason"), QStringLiteral("finished")}}),
                  jobId, requestId);
        return;
    }
    if (own)
        return;
    QJsonObject reply{{QString(Field::Type), QString(Type::Error)}};
    reply.insert(QString(Field::Code), errorCodeName(ErrorCode::JobCancelled));
    reply.insert(QString(Field::Message), QStringLiteral("job cancelled"));
    reply.insert(QString(Field::JobId), jobId);
    reply.insert(QString(Field::Id), id);
    send(reply, requestId);
}

} // namespace Mediaforge
