// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobscommand.h"

#include "clientconnection.h"
#include "console.h"
#include "jobview.h"
#include "protocol.h"

#include <QJsonArray>
#include <QPointer>

namespace Mediaforge::Cli {

using namespace Protocol;

void JobsCommand::start()
{
    QJsonObject request{{QString(Field::Type), QString(Type::ListJobs)}};
    if (!m_command.states.isEmpty())
        request.insert(QString(Field::States), QJsonArray::fromStringList(m_command.states));
    if (m_command.limit > 0)
        request.insert(QString(Field::Limit), m_command.limit);
    QPointer<JobsCommand> self(this);
    m_connection.request(request, [self](const QJsonObject &reply) {
        if (!self || self->isDone())
            return;
        if (reply.value(Field::Type).toString() != Type::Jobs) {
            self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
            return;
        }
        const QJsonArray jobs = reply.value(Field::Jobs).toArray();
        if (self->jsonMode()) {
            self->printJsonDocument(jobs);
        } else if (jobs.isEmpty()) {
            self->m_console.out(tr("no jobs") + u'\n');
        } else {
            QList<QJsonObject> list;
            bool withOwner = false;
            for (const QJsonValue &job : jobs) {
                list.append(job.toObject());
                withOwner = withOwner || job.toObject().contains(QStringLiteral("owner"));
            }
            self->m_console.out(JobView::table(list, withOwner));
        }
        self->done(toInt(ExitCode::Success));
    });
}

void StatusCommand::start()
{
    QPointer<StatusCommand> self(this);
    resolveJob(m_command.job, [self](const QJsonObject &job) {
        if (!self)
            return;
        if (self->jsonMode())
            self->printJsonDocument(job);
        else
            self->m_console.out(JobView::details(job));
        self->done(toInt(ExitCode::Success));
    });
}

void CancelCommand::start()
{
    QPointer<CancelCommand> self(this);
    resolveJob(m_command.job, [self](const QJsonObject &job) {
        if (!self)
            return;
        const QString id = job.value(Field::Id).toString();
        const QString jobId = job.value(Field::JobId).toString();
        self->m_connection.request(
                QJsonObject{{QString(Field::Type), QString(Type::CancelJob)}, {QString(Field::Id), id}},
                [self, id, jobId](const QJsonObject &reply) {
                    if (!self || self->isDone())
                        return;
                    if (reply.value(Field::Code).toString() != QLatin1StringView("JOB_CANCELLED")) {
                        self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
                        return;
                    }
                    if (self->jsonMode()) {
                        self->printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("cancelled")},
                                                        {QStringLiteral("job_id"), jobId},
                                                        {QStringLiteral("id"), id}});
                    } else if (!self->quiet()) {
                        self->m_console.out(tr("cancelled job %1 (id %2)").arg(jobId, id) + u'\n');
                    }
                    self->done(toInt(ExitCode::Success));
                });
    });
}

} // namespace Mediaforge::Cli
