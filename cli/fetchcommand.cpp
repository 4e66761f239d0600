// SPDX-License-Identifier: GPL-3.0-or-later
#include "fetchcommand.h"

#include "clientconnection.h"
#include "console.h"
#include "format.h"
#include "jobview.h"
#include "protocol.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QPointer>
#include <QTimer>

namespace Mediaforge::Cli {

using namespace Protocol;

namespace {
constexpr int kPollIntervalMs = 500;
}

FetchCommand::FetchCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent)
    : Task(command, connection, console, parent),
      m_progress(console, ProgressReporter::modeFor(console, command.global.json, command.global.quiet))
{
}

void FetchCommand::start()
{
    connect(&m_connection, &ClientConnection::messageReceived, this, &FetchCommand::onMessage);
    connect(&m_connection, &ClientConnection::outputChunk, this, [this](const ClientConnection::Chunk &chunk) {
        if (!m_receiving || isDone() || chunk.jobId != m_jobId)
            return;
        if (auto failure = m_receiver.chunk(chunk.index, chunk.offset, chunk.final, chunk.payload)) {
            failFetch(*failure, toInt(ExitCode::JobFailed));
            return;
        }
        reportReceiving();
        if (m_receiver.isComplete())
            finishSuccess();
    });
    QPointer<FetchCommand> self(this);
    resolveJob(m_command.job, [self](const QJsonObject &job) {
        if (self)
            self->onJob(job);
    });
}

void FetchCommand::onJob(const QJsonObject &job)
{
    if (isDone())
        return;
    m_job = job;
    m_id = job.value(Field::Id).toString();
    m_jobId = job.value(Field::JobId).toString();
    m_progress.setJobId(m_jobId);
    const QString status = job.value(Field::Status).toString();
    if (!JobView::isFinished(status)) {
        m_progress.update(JobView::progressOf(job));
        if (!m_pollTimer) {
            m_pollTimer = new QTimer(this);
            m_pollTimer->setInterval(kPollIntervalMs);
            connect(m_pollTimer, &QTimer::timeout, this, &FetchCommand::poll);
            m_pollTimer->start();
        }
        return;
    }
    if (m_pollTimer)
        m_pollTimer->stop();
    if (status != QLatin1StringView("completed")) {
        const QJsonObject error = job.value(Field::Error).toObject();
        failFetch(Failure{error.value(Field::Code).toString(status == QLatin1StringView("cancelled") ? QStringLiteral("JOB_CANCELLED")
                                                                                                        : QStringLiteral("JOB_FAILED")),
                          error.value(Field::Message).toString(tr("the job %1").arg(JobView::statusLabel(status)))},
                  toInt(ExitCode::JobFailed), error.value(Field::Details));
        return;
    }
    m_progress.completeStage();
    startFetch(job);
}

void FetchCommand::poll()
{
    if (isDone() || m_receiving)
        return;
    QPointer<FetchCommand> self(this);
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::GetJob)}, {QString(Field::Id), m_id}},
                         [self](const QJsonObject &reply) {
                             if (!self || self->isDone() || self->m_receiving)
                                 return;
                             if (reply.value(Field::Type).toString() != Type::Job) {
                                 self->failFetch(Failure{reply.value(Field::Code).toString(), reply.value(Field::Message).toString()},
                                                 exitCodeForServiceError(reply.value(Field::Code).toString(), toInt(ExitCode::JobFailed)));
                                 return;
                             }
                             self->onJob(reply.value(Field::Job).toObject());
                         });
}

void FetchCommand::startFetch(const QJsonObject &job)
{
    const QJsonArray outputs = job.value(Field::Outputs).toArray();
    if (outputs.isEmpty()) {
        failFetch(Failure{QStringLiteral("NOT_FOUND"), tr("job %1 has no output files").arg(m_jobId)}, toInt(ExitCode::JobFailed));
        return;
    }
    if (!job.value(QStringLiteral("outputs_available")).toBool(true)) {
        failFetch(Failure{QStringLiteral("NOT_FOUND"),
                          tr("the outputs of job %1 were delivered or expired and are gone").arg(m_jobId)},
                  toInt(ExitCode::JobFailed));
        return;
    }
    if (m_command.index >= outputs.size()) {
        failFetch(Failure{QStringLiteral("USAGE"), tr("--index %1: job %2 has outputs 0 to %3")
                                                           .arg(m_command.index)
                                                           .arg(m_jobId)
                                                           .arg(outputs.size() - 1)},
                  toInt(ExitCode::Usage));
        return;
    }
    QList<OutputReceiver::Expected> expected = OutputReceiver::fromOutputs(outputs);
    if (m_command.index >= 0)
        expected = {expected.at(m_command.index)};
    QStringList names;
    for (const OutputReceiver::Expected &each : std::as_const(expected))
        names.append(each.filename);
    OutputPlan plan;
    const QString inputName = job.value(Field::Input).toObject().value(QStringLiteral("name")).toString();
    if (auto failure = OutputPlanner::plan(names, m_command.output, inputName.isEmpty() ? m_jobId : inputName,
                                           job.value(Field::Operation).toString(), m_command.force, plan)) {
        failFetch(*failure, toInt(ExitCode::JobFailed));
        return;
    }
    m_receiver.begin(expected, plan, m_command.force);
    m_receiving = true;
    reportReceiving();
    QJsonObject request{{QString(Field::Type), QString(Type::FetchOutput)}, {QString(Field::Id), m_id}};
    if (m_command.index >= 0)
        request.insert(QString(Field::Index), m_command.index);
    QPointer<FetchCommand> self(this);
    // Only a refusal answers with the request_id; the files come as binary messages.
    m_connection.request(request, [self](const QJsonObject &reply) {
        if (self && !self->isDone() && reply.value(Field::Type).toString() == Type::Error)
            self->failFetch(Failure{reply.value(Field::Code).toString(), reply.value(Field::Message).toString()},
                            exitCodeForServiceError(reply.value(Field::Code).toString(), toInt(ExitCode::JobFailed)));
    });
}

void FetchCommand::onMessage(const QJsonObject &message)
{
    if (isDone() || !m_receiving)
        return;
    const QString type = message.value(Field::Type).toString();
    if (message.value(Field::JobId).toString() != m_jobId)
        return;
    if (type == Type::OutputDelivered) {
        if (auto failure = m_receiver.delivered(message.value(Field::Index).toInt(), message.value(Field::Sha256).toString()))
            failFetch(*failure, toInt(ExitCode::JobFailed));
    } else if (type == Type::Error) {
        failFetch(Failure{message.value(Field::Code).toString(), message.value(Field::Message).toString()},
                  toInt(ExitCode::JobFailed));
    }
}

void FetchCommand::reportReceiving()
{
    ProgressSnapshot snapshot;
    snapshot.stage = QStringLiteral("receiving");
    snapshot.bytes = m_receiver.bytesReceived();
    snapshot.totalBytes = m_receiver.totalBytes();
    if (snapshot.totalBytes > 0)
        snapshot.percentage = std::min(100.0, 100.0 * double(snapshot.bytes) / double(snapshot.totalBytes));
    else if (m_receiver.isComplete())
        snapshot.percentage = 100;
    m_progress.update(snapshot);
}

void FetchCommand::finishSuccess()
{
    m_progress.completeStage();
    m_progress.finish();
    const QStringList saved = m_receiver.savedPaths();
    if (jsonMode()) {
        QJsonArray savedArray;
        for (const QString &path : saved)
            savedArray.append(QFileInfo(path).absoluteFilePath());
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("completed")},
                                  {QStringLiteral("job_id"), m_jobId},
                                  {QStringLiteral("id"), m_id},
                                  {QStringLiteral("outputs"), m_job.value(Field::Outputs)},
                                  {QStringLiteral("saved"), savedArray}});
    } else if (!quiet()) {
        QString text;
        for (const QString &path : saved)
            text += tr("saved %1 (%2)").arg(QDir::cleanPath(path), Format::bytes(QFileInfo(path).size())) + u'\n';
        m_console.out(text);
    }
    done(toInt(ExitCode::Success));
}

void FetchCommand::failFetch(const Failure &failure, int exitCode, const QJsonValue &details)
{
    if (isDone())
        return;
    if (m_pollTimer)
        m_pollTimer->stop();
    m_progress.finish();
    m_receiver.abort();
    fail(failure, exitCode, m_jobId, details);
}

void FetchCommand::interrupt(int signalNumber)
{
    // Fetching never changes the job; only the partial files go.
    m_progress.finish();
    m_receiver.abort();
    if (!isDone())
        m_console.errLine(tr("interrupted"));
    done(exitCodeForSignal(signalNumber));
}

void FetchCommand::connectionLost(const QString &reason, int closeCode)
{
    if (isDone())
        return;
    m_progress.finish();
    m_receiver.abort();
    Task::connectionLost(reason, closeCode);
}

} // namespace Mediaforge::Cli
