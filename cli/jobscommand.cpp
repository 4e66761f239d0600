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
    requestPage(m_command.before);
}

void JobsCommand::requestPage(const QString &before)
{
    QJsonObject request{{QString(Field::Type), QString(Type::ListJobs)}};
    if (!m_command.states.isEmpty())
        request.insert(QString(Field::States), QJsonArray::fromStringList(m_command.states));
    if (m_command.limit > 0)
        request.insert(QString(Field::Limit), m_command.limit);
    if (!before.isEmpty())
        request.insert(QString(Field::Before), before);
    QPointer<JobsCommand> self(this);
    m_connection.request(request, [self](const QJsonObject &reply) {
        if (!self || self->isDone())
            return;
        if (reply.value(Field::Type).toString() != Type::Jobs) {
            self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
            return;
        }
        for (const QJsonValue &job : reply.value(Field::Jobs).toArray())
            self->m_jobs.append(job.toObject());
        const QString nextBefore = reply.value(Field::NextBefore).toString();
        if (self->m_command.allPages && !nextBefore.isEmpty())
            self->requestPage(nextBefore);
        else
            self->finish(nextBefore);
    });
}

void JobsCommand::finish(const QString &nextBefore)
{
    if (jsonMode()) {
        QJsonArray jobs;
        for (const QJsonObject &job : std::as_const(m_jobs))
            jobs.append(job);
        printJsonDocument(jobs);
    } else if (m_jobs.isEmpty()) {
        m_console.out(tr("no jobs") + u'\n');
    } else {
        bool withOwner = false;
        for (const QJsonObject &job : std::as_const(m_jobs))
            withOwner = withOwner || job.contains(QStringLiteral("owner"));
        m_console.out(JobView::table(m_jobs, withOwner));
    }
    // The way on, where it does not mix with what scripts read (stdout, the JSON array).
    if (!nextBefore.isEmpty() && !quiet())
        m_console.err(tr("older jobs remain: mediaforge jobs --before %1 (or --all)").arg(nextBefore) + u'\n');
    done(toInt(ExitCode::Success));
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
