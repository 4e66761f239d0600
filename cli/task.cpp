// SPDX-License-Identifier: GPL-3.0-or-later
#include "task.h"

#include "clientconnection.h"
#include "console.h"
#include "protocol.h"
#include "startjob.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>

#include <csignal>

namespace Mediaforge::Cli {

using namespace Protocol;

namespace {

constexpr int kMaxDetailLines = 12;

// ffmpeg's last stderr lines (FFMPEG_FAILED details.stderr) are what people need to see.
QStringList detailLines(const QJsonValue &details)
{
    QStringList lines;
    const QJsonObject object = details.toObject();
    const QString text = details.isString() ? details.toString() : object.value(QStringLiteral("stderr")).toString();
    if (!text.isEmpty()) {
        lines = text.split(u'\n', Qt::SkipEmptyParts);
        if (lines.size() > kMaxDetailLines)
            lines = lines.mid(lines.size() - kMaxDetailLines);
    }
    return lines;
}

} // namespace

Task::Task(const Command &command, ClientConnection &connection, Console &console, QObject *parent)
    : QObject(parent), m_command(command), m_connection(connection), m_console(console)
{
}

void Task::interrupt(int signalNumber)
{
    done(exitCodeForSignal(signalNumber));
}

void Task::connectionLost(const QString &reason, int closeCode)
{
    if (m_done)
        return;
    if (closeCode == 1008) {
        fail(Failure{QStringLiteral("UNAUTHORIZED"), tr("the service closed the connection: %1").arg(reason)},
             toInt(ExitCode::Auth));
        return;
    }
    fail(Failure{QStringLiteral("CONNECTION_LOST"),
                 reason.isEmpty() ? tr("lost the connection to %1").arg(serverText())
                                  : tr("lost the connection to %1: %2").arg(serverText(), reason)},
         toInt(ExitCode::Unreachable));
}

int Task::exitCodeForServiceError(const QString &code, int otherwise)
{
    if (code == QLatin1StringView("UNAUTHORIZED") || code == QLatin1StringView("FORBIDDEN"))
        return toInt(ExitCode::Auth);
    return otherwise;
}

int Task::exitCodeForSignal(int signalNumber)
{
    return signalNumber == SIGINT ? toInt(ExitCode::Interrupted) : 128 + signalNumber;
}

QString Task::serverText() const
{
    return m_command.global.server.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery);
}

void Task::done(int exitCode)
{
    if (m_done)
        return;
    m_done = true;
    m_exitCode = exitCode;
    emit finished(exitCode);
}

void Task::fail(const Failure &failure, int exitCode, const QString &jobId, const QJsonValue &details)
{
    if (m_done)
        return;
    if (jsonMode()) {
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("error")},
                          {QStringLiteral("code"), failure.code},
                          {QStringLiteral("message"), failure.message},
                          {QStringLiteral("exit_code"), exitCode}};
        if (!jobId.isEmpty())
            event.insert(QStringLiteral("job_id"), jobId);
        if (!details.isUndefined() && !details.isNull())
            event.insert(QStringLiteral("details"), details);
        printJsonLine(event);
    }
    QString text = tr("error: %1: %2").arg(failure.code, failure.message) + u'\n';
    for (const QString &line : detailLines(details))
        text += QStringLiteral("  ") + line + u'\n';
    m_console.err(text);
    done(exitCode);
}

void Task::failWithServiceError(const QJsonObject &error, int exitCode)
{
    const QString code = error.value(Field::Code).toString();
    fail(Failure{code.isEmpty() ? QStringLiteral("ERROR") : code, error.value(Field::Message).toString()},
         exitCodeForServiceError(code, exitCode), error.value(Field::JobId).toString(), error.value(Field::Details));
}

void Task::printJsonLine(const QJsonObject &object)
{
    m_console.out(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) + u'\n');
}

void Task::printJsonDocument(const QJsonValue &value)
{
    const QJsonDocument document = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    m_console.out(QString::fromUtf8(document.toJson(QJsonDocument::Indented)));
}

void Task::resolveJob(const QString &reference, JobHandler handler)
{
    QPointer<Task> self(this);
    auto byId = [self, reference, handler] {
        self->m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::GetJob)}, {QString(Field::Id), reference}},
                                   [self, reference, handler](const QJsonObject &reply) {
                                       if (!self || self->isDone())
                                           return;
                                       if (reply.value(Field::Type).toString() == Type::Job) {
                                           handler(reply.value(Field::Job).toObject());
                                           return;
                                       }
                                       if (reply.value(Field::Code).toString() == QLatin1StringView("NOT_FOUND")) {
                                           self->fail(Failure{QStringLiteral("NOT_FOUND"),
                                                              tr("no job '%1': neither one of your job_ids nor a job's id")
                                                                      .arg(reference)},
                                                      toInt(ExitCode::JobFailed));
                                           return;
                                       }
                                       self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
                                   });
    };
    if (!StartJobRequest::isValidJobId(reference)) {
        byId();
        return;
    }
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::GetJob)}, {QString(Field::JobId), reference}},
                         [self, handler, byId](const QJsonObject &reply) {
                             if (!self || self->isDone())
                                 return;
                             if (reply.value(Field::Type).toString() == Type::Job) {
                                 handler(reply.value(Field::Job).toObject());
                                 return;
                             }
                             if (reply.value(Field::Code).toString() == QLatin1StringView("NOT_FOUND")) {
                                 byId();
                                 return;
                             }
                             self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
                         });
}

} // namespace Mediaforge::Cli
