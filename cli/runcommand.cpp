// SPDX-License-Identifier: GPL-3.0-or-later
#include "runcommand.h"

#include "application.h"
#include "clientconnection.h"
#include "console.h"
#include "format.h"
#include "protocol.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTimer>
#include <QUuid>

namespace Mediaforge::Cli {

using namespace Protocol;

namespace {

// How long Ctrl-C waits for the service to confirm the cancel before exiting anyway.
constexpr int kCancelWaitMs = 3000;
// With --token: attempts to get a dropped connection back, waiting 1, 2, 4, 4, ... s between
// them; well inside the service's default reconnect grace of 60 s.
constexpr int kMaxReconnects = 8;

ProgressReporter::Mode reporterMode(const Command &command, const Console &console)
{
    // probe --json prints the service's result and nothing else.
    if (command.subcommand == Subcommand::Probe && command.global.json)
        return ProgressReporter::Mode::Quiet;
    return ProgressReporter::modeFor(console, command.global.json, command.global.quiet);
}

double number(const QJsonObject &object, QLatin1StringView key, double otherwise = -1)
{
    const QJsonValue value = object.value(key);
    return value.isDouble() ? value.toDouble() : otherwise;
}

QString mediaSummary(const QJsonObject &metadata)
{
    QStringList parts;
    const int width = metadata.value(QStringLiteral("width")).toInt();
    const int height = metadata.value(QStringLiteral("height")).toInt();
    if (width > 0 && height > 0)
        parts.append(QStringLiteral("%1x%2").arg(width).arg(height));
    QStringList codecs;
    for (const char *key : {"video_codec", "audio_codec"}) {
        const QString codec = metadata.value(QLatin1StringView(key)).toString();
        if (!codec.isEmpty())
            codecs.append(codec);
    }
    if (!codecs.isEmpty())
        parts.append(codecs.join(u'/'));
    const double duration = metadata.value(QStringLiteral("duration")).toDouble();
    if (duration > 0)
        parts.append(Format::seconds(duration));
    return parts.join(QStringLiteral(", "));
}

QString outcomeName(RunCommand::CancelOutcome outcome)
{
    switch (outcome) {
    case RunCommand::CancelOutcome::NoJob:
        return QStringLiteral("no_job");
    case RunCommand::CancelOutcome::Cancelled:
        return QStringLiteral("cancelled");
    case RunCommand::CancelOutcome::AlreadyFinished:
        return QStringLiteral("already_finished");
    case RunCommand::CancelOutcome::Unconfirmed:
        return QStringLiteral("unconfirmed");
    case RunCommand::CancelOutcome::ClosedWithConnection:
        return QStringLiteral("closed_with_connection");
    }
    return QString();
}

} // namespace

RunCommand::RunCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent)
    : Task(command, connection, console, parent), m_progress(console, reporterMode(command, console))
{
}

QString RunCommand::inputDisplayName() const
{
    return CommandLine::inputName(m_command.inputs.value(0));
}

void RunCommand::resolvePreset()
{
    QPointer<RunCommand> self(this);
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::ListPresets)}}, [self](const QJsonObject &reply) {
        if (!self || self->isDone())
            return;
        if (reply.value(Field::Type).toString() != Type::Presets) {
            self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
            return;
        }
        QStringList names;
        for (const QJsonValue &value : reply.value(Field::Presets).toArray()) {
            const QJsonObject preset = value.toObject();
            names.append(preset.value(QStringLiteral("name")).toString());
            if (names.constLast() == self->m_command.preset) {
                self->m_command.operation =
                        operationFromName(preset.value(Field::Operation).toString()).value_or(Operation::Convert);
                self->m_presetResolved = true;
                self->start();
                return;
            }
        }
        self->fail(Failure{QStringLiteral("USAGE"), tr("'%1' is neither an operation nor a preset of this service; presets: %2")
                                                            .arg(self->m_command.preset, names.join(QStringLiteral(", ")))},
                   toInt(ExitCode::Usage));
    });
}

void RunCommand::start()
{
    // Application starts its task on every welcome: after a reconnect, this one goes on.
    if (m_reconnecting) {
        resumeAfterReconnect();
        return;
    }
    if (!m_command.preset.isEmpty() && !m_presetResolved) {
        resolvePreset();
        return;
    }
    m_clock.start();
    const Result<QJsonObject> message = CommandLine::startJobMessage(m_command);
    if (!message.ok()) {
        fail(Failure{errorCodeName(message.error().code), message.error().message}, toInt(ExitCode::Usage), QString(),
             message.error().details);
        return;
    }
    if (!m_command.output.isEmpty() && !m_command.force && m_command.subcommand == Subcommand::Run) {
        // Known before the job runs: refuse now rather than after the work is done.
        const QFileInfo target(m_command.output);
        if (target.exists() && !target.isDir()) {
            fail(Failure{QStringLiteral("OUTPUT_EXISTS"),
                         tr("%1 already exists; use --force to overwrite it, or -o to save elsewhere").arg(m_command.output)},
                 toInt(ExitCode::JobFailed));
            return;
        }
    }
    connect(&m_connection, &ClientConnection::messageReceived, this, &RunCommand::onMessage);
    connect(&m_connection, &ClientConnection::outputChunk, this, [this](const ClientConnection::Chunk &chunk) {
        onChunk(chunk.jobId, chunk.index, chunk.offset, chunk.final, chunk.payload);
    });
    connect(&m_connection, &ClientConnection::uploadFinished, this, &RunCommand::onUploadFinished);
    m_state = State::Submitting;
    // One key per run: a repeat of this start_job (after a dropped connection) is then the
    // same job on the service, never a second one.
    m_startJob = message.value();
    m_startJob.insert(QString(Field::IdempotencyKey), QUuid::createUuid().toString(QUuid::WithoutBraces));
    QPointer<RunCommand> self(this);
    m_connection.request(m_startJob, [self](const QJsonObject &reply) {
        if (self)
            self->onSubmitReply(reply);
    });
}

void RunCommand::onSubmitReply(const QJsonObject &reply)
{
    if (m_state == State::Finished)
        return;
    if (reply.value(Field::Type).toString() != Type::Ack) {
        if (m_interruptSignal) {
            finishInterrupted(CancelOutcome::NoJob);
            return;
        }
        const QString code = reply.value(Field::Code).toString();
        m_state = State::Finished;
        failWithServiceError(reply, code == QLatin1StringView("VALIDATION_ERROR") ? toInt(ExitCode::Usage)
                                                                                  : toInt(ExitCode::JobFailed));
        return;
    }
    m_jobId = reply.value(Field::JobId).toString();
    m_id = reply.value(Field::Id).toString();
    m_progress.setJobId(m_jobId);
    if (jsonMode() && m_progress.mode() != ProgressReporter::Mode::Quiet) {
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("accepted")},
                          {QStringLiteral("job_id"), m_jobId},
                          {QStringLiteral("id"), m_id},
                          {QStringLiteral("status"), reply.value(Field::Status)}};
        if (reply.contains(Field::QueuePosition))
            event.insert(QStringLiteral("queue_position"), reply.value(Field::QueuePosition));
        printJsonLine(event);
    } else if (m_progress.mode() == ProgressReporter::Mode::Plain) {
        m_console.errLine(tr("job %1 accepted (id %2)").arg(m_jobId, m_id));
    }
    if (m_interruptSignal) {
        m_state = State::Cancelling;
        sendCancel();
        return;
    }
    // The first ack was lost with a connection: the job exists, bound to that connection.
    if (reply.value(Field::Replayed).toBool()) {
        attachJob();
        return;
    }
    if (reply.value(Field::Status).toString() == QLatin1StringView("awaiting_upload")) {
        startUploads();
        return;
    }
    m_state = State::Waiting;
    if (m_command.detach)
        finishDetached();
}

void RunCommand::startUploads()
{
    m_state = State::Uploading;
    const bool several = m_command.inputs.size() > 1;
    qint64 total = 0;
    for (const QString &input : std::as_const(m_command.inputs))
        total += QFileInfo(input).size();
    ProgressSnapshot snapshot;
    snapshot.stage = QStringLiteral("uploading");
    snapshot.percentage = 0;
    snapshot.bytes = 0;
    snapshot.totalBytes = total;
    m_progress.update(snapshot);
    for (qsizetype i = 0; i < m_command.inputs.size() && m_state == State::Uploading; ++i)
        m_connection.upload(m_jobId, m_command.inputs.at(i), several ? int(i) : -1);
}

void RunCommand::onUploadFinished(const QString &jobId, const QString &error)
{
    if (jobId != m_jobId || m_state == State::Finished)
        return;
    // Success needs no action: the service says when it has everything (the stage moves on).
    // An upload cut with the connection goes on after the reconnect.
    if (!error.isEmpty() && m_connection.state() != ClientConnection::State::Connected && canReconnect())
        return;
    if (!error.isEmpty()) {
        sendCancel();
        failRun(Failure{QStringLiteral("UPLOAD_FAILED"), error}, toInt(ExitCode::JobFailed));
    }
}

void RunCommand::onMessage(const QJsonObject &message)
{
    if (m_state == State::Finished)
        return;
    const QString type = message.value(Field::Type).toString();
    const QString jobId = message.value(Field::JobId).toString();
    if (type == Type::Error && jobId.isEmpty()) {
        // Not about a job: the service is going away, or it disliked something on the wire
        // (the job's own error follows if that broke it).
        m_console.errLine(tr("warning: %1: %2").arg(message.value(Field::Code).toString(), message.value(Field::Message).toString()));
        return;
    }
    if (m_jobId.isEmpty() || jobId != m_jobId)
        return;
    if (type == Type::Progress) {
        onProgress(message);
    } else if (type == Type::Completed) {
        onCompleted(message);
    } else if (type == Type::Error) {
        if (m_interruptSignal) {
            finishInterrupted(message.value(Field::Code).toString() == QLatin1StringView("JOB_CANCELLED")
                                      ? CancelOutcome::Cancelled
                                      : CancelOutcome::AlreadyFinished);
            return;
        }
        m_progress.finish();
        m_receiver.abort();
        m_state = State::Finished;
        failWithServiceError(message, toInt(ExitCode::JobFailed));
    } else if (type == Type::OutputDelivered) {
        if (auto failure = m_receiver.delivered(message.value(Field::Index).toInt(), message.value(Field::Sha256).toString()))
            failRun(*failure, toInt(ExitCode::JobFailed));
    }
}

void RunCommand::onProgress(const QJsonObject &message)
{
    if (m_interruptSignal)
        return;
    ProgressSnapshot snapshot;
    snapshot.stage = message.value(Field::Stage).toString();
    snapshot.percentage = number(message, Field::Percentage);
    snapshot.bytes = qint64(number(message, Field::Bytes));
    snapshot.totalBytes = qint64(number(message, Field::TotalBytes));
    snapshot.speed = number(message, Field::Speed);
    snapshot.etaSeconds = number(message, Field::EtaSeconds);
    snapshot.queuePosition = message.value(Field::QueuePosition).toInt();
    if (snapshot.stage == QLatin1StringView("uploading") && snapshot.totalBytes <= 0) {
        // Concat uploads declare no sizes; mediaforge knows them.
        qint64 total = 0;
        for (const QString &input : std::as_const(m_command.inputs))
            total += QFileInfo(input).size();
        snapshot.totalBytes = total;
        if (total > 0 && snapshot.bytes >= 0)
            snapshot.percentage = std::min(100.0, 100.0 * double(snapshot.bytes) / double(total));
    }
    m_progress.update(snapshot);
    const bool inputHere = snapshot.stage != QLatin1StringView("uploading") && snapshot.stage != QLatin1StringView("downloading");
    if (inputHere && (m_state == State::Uploading || m_state == State::Submitting))
        m_state = State::Waiting;
    if (m_command.detach && inputHere)
        finishDetached();
}

void RunCommand::onCompleted(const QJsonObject &message)
{
    if (m_interruptSignal)
        return;
    m_completed = message;
    m_progress.completeStage();
    const QJsonArray outputs = message.value(Field::Outputs).toArray();
    if (outputs.isEmpty()) {
        finishSuccess();
        return;
    }
    QStringList names;
    for (const QJsonValue &output : outputs)
        names.append(output.toObject().value(Field::Filename).toString());
    OutputPlan plan;
    if (auto failure = OutputPlanner::plan(names, m_command.output, inputDisplayName(), operationName(m_command.operation),
                                           m_command.force, plan)) {
        failRun(*failure, toInt(ExitCode::JobFailed));
        return;
    }
    m_receiver.begin(OutputReceiver::fromOutputs(outputs), plan, m_command.force);
    m_state = State::Receiving;
    reportReceiving();
}

void RunCommand::onChunk(const QString &jobId, int index, qint64 offset, bool final, const QByteArray &payload)
{
    if (m_state != State::Receiving || jobId != m_jobId)
        return;
    if (auto failure = m_receiver.chunk(index, offset, final, payload)) {
        failRun(*failure, toInt(ExitCode::JobFailed));
        return;
    }
    reportReceiving();
    if (m_receiver.isComplete())
        finishSuccess();
}

void RunCommand::reportReceiving()
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

void RunCommand::sendCancel()
{
    if (m_cancelSent || m_jobId.isEmpty())
        return;
    m_cancelSent = true;
    QPointer<RunCommand> self(this);
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::CancelJob)}, {QString(Field::JobId), m_jobId}},
                         [self](const QJsonObject &reply) {
                             if (!self || !self->m_interruptSignal)
                                 return;
                             self->finishInterrupted(reply.value(Field::Code).toString() == QLatin1StringView("JOB_CANCELLED")
                                                             ? CancelOutcome::Cancelled
                                                             : CancelOutcome::AlreadyFinished);
                         });
}

void RunCommand::interrupt(int signalNumber)
{
    if (m_state == State::Finished)
        return;
    if (m_interruptSignal) {
        // A second Ctrl-C does not wait for the service.
        m_receiver.abort();
        m_state = State::Finished;
        done(exitCodeForSignal(signalNumber));
        return;
    }
    m_interruptSignal = signalNumber;
    m_progress.finish();
    m_receiver.abort();
    if (!m_jobId.isEmpty())
        m_connection.cancelUploads(m_jobId);
    if (m_state == State::Idle) {
        finishInterrupted(CancelOutcome::NoJob);
        return;
    }
    m_state = State::Cancelling;
    sendCancel();   // without a job id yet, onSubmitReply sends it
    m_cancelTimer = new QTimer(this);
    m_cancelTimer->setSingleShot(true);
    connect(m_cancelTimer, &QTimer::timeout, this, [this] {
        finishInterrupted(m_jobId.isEmpty() ? CancelOutcome::NoJob : CancelOutcome::Unconfirmed);
    });
    m_cancelTimer->start(kCancelWaitMs);
}

void RunCommand::connectionLost(const QString &reason, int closeCode)
{
    if (m_state == State::Finished)
        return;
    if (m_interruptSignal) {
        finishInterrupted(m_jobId.isEmpty() ? CancelOutcome::NoJob : CancelOutcome::ClosedWithConnection);
        return;
    }
    if (closeCode != 1008 && canReconnect()) {
        scheduleReconnect(reason);
        return;
    }
    m_progress.finish();
    m_receiver.abort();
    m_state = State::Finished;
    Task::connectionLost(reason, closeCode);
}

void RunCommand::failRun(const Failure &failure, int exitCode, const QJsonValue &details)
{
    if (m_state == State::Finished)
        return;
    m_progress.finish();
    m_receiver.abort();
    m_state = State::Finished;
    fail(failure, exitCode, m_jobId, details);
}

void RunCommand::finishInterrupted(CancelOutcome outcome)
{
    if (isDone())
        return;
    m_state = State::Finished;
    m_receiver.abort();
    if (jsonMode()) {
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("cancelled")},
                          {QStringLiteral("reason"), QStringLiteral("interrupted")},
                          {QStringLiteral("outcome"), outcomeName(outcome)},
                          {QStringLiteral("exit_code"), exitCodeForSignal(m_interruptSignal)}};
        if (!m_jobId.isEmpty()) {
            event.insert(QStringLiteral("job_id"), m_jobId);
            event.insert(QStringLiteral("id"), m_id);
        }
        printJsonLine(event);
    }
    switch (outcome) {
    case CancelOutcome::NoJob:
        m_console.errLine(tr("interrupted"));
        break;
    case CancelOutcome::Cancelled:
        m_console.errLine(tr("interrupted; job %1 cancelled").arg(m_jobId));
        break;
    case CancelOutcome::AlreadyFinished:
        m_console.errLine(tr("interrupted; job %1 had already finished").arg(m_jobId));
        break;
    case CancelOutcome::ClosedWithConnection:
        // The service cancels what a closed connection started, unless it was detached.
        m_console.errLine(m_command.detach ? tr("interrupted; job %1 may still be running: see mediaforge status %2").arg(m_jobId, m_id)
                                           : tr("interrupted; job %1 cancelled with the connection").arg(m_jobId));
        break;
    case CancelOutcome::Unconfirmed:
        m_console.errLine(tr("interrupted; the service did not confirm cancelling job %1: see mediaforge status %2").arg(m_jobId, m_id));
        break;
    }
    done(exitCodeForSignal(m_interruptSignal));
}

void RunCommand::finishDetached()
{
    if (m_state == State::Finished)
        return;
    m_state = State::Finished;
    m_progress.finish();
    if (jsonMode()) {
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("detached")},
                                  {QStringLiteral("job_id"), m_jobId},
                                  {QStringLiteral("id"), m_id}});
    } else {
        // The id alone on stdout, for scripts: id=$(mediaforge compress in.mov --detach)
        m_console.out(m_id + u'\n');
        if (!quiet()) {
            m_console.errLine(tr("job %1 runs on in the service; save its result with: mediaforge fetch %2")
                                      .arg(m_jobId, m_id));
        }
    }
    done(toInt(ExitCode::Success));
}

void RunCommand::finishSuccess()
{
    if (m_state == State::Finished)
        return;
    m_state = State::Finished;
    m_progress.completeStage();
    m_progress.finish();
    const QStringList saved = m_receiver.savedPaths();
    const QJsonObject result = m_completed.value(Field::Result).toObject();
    // `probe --json` is the service's result alone; `run probe --json` keeps to events.
    const bool probe = m_command.operation == Operation::Probe;
    if (m_command.subcommand == Subcommand::Probe && jsonMode()) {
        m_console.out(QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Indented)));
    } else if (jsonMode()) {
        QJsonArray savedArray;
        for (const QString &path : saved)
            savedArray.append(QFileInfo(path).absoluteFilePath());
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("completed")},
                          {QStringLiteral("job_id"), m_jobId},
                          {QStringLiteral("id"), m_id},
                          {QStringLiteral("outputs"), m_completed.value(Field::Outputs)},
                          {QStringLiteral("saved"), savedArray},
                          {QStringLiteral("timings"), m_completed.value(Field::Timings)}};
        if (m_completed.contains(Field::Result))
            event.insert(QStringLiteral("result"), result);
        printJsonLine(event);
    } else if (probe) {
        printProbe(result);
    } else if (!quiet()) {
        printSaved();
    }
    done(toInt(ExitCode::Success));
}

void RunCommand::printSaved()
{
    const QStringList saved = m_receiver.savedPaths();
    const QJsonArray outputs = m_completed.value(Field::Outputs).toArray();
    QString text;
    for (qsizetype i = 0; i < saved.size(); ++i) {
        const QJsonObject output = outputs.at(i).toObject();
        QString details = Format::bytes(qint64(output.value(QStringLiteral("size_bytes")).toDouble()));
        const QString media = mediaSummary(output.value(QStringLiteral("metadata")).toObject());
        if (!media.isEmpty())
            details += QStringLiteral(", ") + media;
        text += tr("saved %1 (%2)").arg(QDir::cleanPath(saved.at(i)), details) + u'\n';
    }
    if (saved.isEmpty())
        text += tr("job %1 completed").arg(m_jobId) + u'\n';
    const double total = m_completed.value(Field::Timings).toObject().value(QStringLiteral("total_seconds")).toDouble(-1);
    if (total >= 0)
        text += tr("done in %1 (service: %2)").arg(Format::seconds(m_clock.elapsed() / 1000.0), Format::seconds(total)) + u'\n';
    m_console.out(text);
}

void RunCommand::printProbe(const QJsonObject &result)
{
    QString text = inputDisplayName() + u'\n';
    TextTable summary({QString(), QString()});
    QString format = result.value(QStringLiteral("format")).toString();
    const QString longName = result.value(QStringLiteral("format_long_name")).toString();
    if (!longName.isEmpty())
        format += QStringLiteral(" (") + longName + u')';
    summary.addRow({tr("format"), format});
    const double duration = result.value(QStringLiteral("duration")).toDouble();
    if (duration > 0)
        summary.addRow({tr("duration"), QStringLiteral("%1 (%2)").arg(Format::clock(duration), Format::seconds(duration))});
    const qint64 size = qint64(result.value(QStringLiteral("size")).toDouble());
    if (size > 0)
        summary.addRow({tr("size"), Format::bytes(size)});
    const double bitRate = result.value(QStringLiteral("bit_rate")).toDouble();
    if (bitRate > 0)
        summary.addRow({tr("bit rate"), tr("%1 kbit/s").arg(Format::number(bitRate / 1000.0, 0))});
    // The table's empty header row is not wanted here.
    text += summary.render().section(u'\n', 1);

    const QJsonArray streams = result.value(QStringLiteral("streams")).toArray();
    if (!streams.isEmpty()) {
        TextTable table({tr("STREAM"), tr("TYPE"), tr("CODEC"), tr("PROFILE"), tr("DETAILS")}, {true, false, false, false, false});
        for (const QJsonValue &value : streams) {
            const QJsonObject stream = value.toObject();
            const QString type = stream.value(QStringLiteral("type")).toString();
            QStringList details;
            if (stream.contains(QStringLiteral("width"))) {
                details.append(QStringLiteral("%1x%2").arg(stream.value(QStringLiteral("width")).toInt()).arg(stream.value(QStringLiteral("height")).toInt()));
                const double fps = stream.value(QStringLiteral("fps")).toDouble();
                if (fps > 0)
                    details.append(tr("%1 fps").arg(Format::number(fps, fps == std::floor(fps) ? 0 : 2)));
                const QString pixelFormat = stream.value(QStringLiteral("pix_fmt")).toString();
                if (!pixelFormat.isEmpty())
                    details.append(pixelFormat);
            }
            if (stream.contains(QStringLiteral("sample_rate"))) {
                details.append(tr("%1 Hz").arg(stream.value(QStringLiteral("sample_rate")).toInt()));
                const int channels = stream.value(QStringLiteral("channels")).toInt();
                QString channelText = channels == 1 ? tr("1 channel") : tr("%1 channels").arg(channels);
                const QString layout = stream.value(QStringLiteral("channel_layout")).toString();
                if (!layout.isEmpty())
                    channelText += QStringLiteral(" (") + layout + u')';
                details.append(channelText);
            }
            const double streamBitRate = stream.value(QStringLiteral("bit_rate")).toDouble();
            if (streamBitRate > 0)
                details.append(tr("%1 kbit/s").arg(Format::number(streamBitRate / 1000.0, 0)));
            const QString language = stream.value(QStringLiteral("language")).toString();
            // "und" is how containers say they do not know.
            if (!language.isEmpty() && language != QLatin1StringView("und"))
                details.append(tr("language %1").arg(language));
            table.addRow({QString::number(stream.value(QStringLiteral("index")).toInt()), type,
                          stream.value(QStringLiteral("codec")).toString(), stream.value(QStringLiteral("profile")).toString(),
                          details.join(QStringLiteral(", "))});
        }
        text += u'\n' + table.render();
    }
    m_console.out(text);
}

bool RunCommand::canReconnect() const
{
    // Without a token the service cancels the job with the connection: nothing to come back to.
    if (m_command.global.token.isEmpty() || m_interruptSignal || m_reconnects >= kMaxReconnects)
        return false;
    return m_state == State::Submitting || m_state == State::Uploading || m_state == State::Waiting
            || m_state == State::Receiving;
}

void RunCommand::scheduleReconnect(const QString &reason)
{
    ++m_reconnects;
    m_reconnecting = true;
    // Outputs are sent again from the start after the attach.
    m_receiver.abort();
    const int delaySeconds = std::min(4, 1 << std::min(m_reconnects - 1, 2));
    if (jsonMode()) {
        if (m_progress.mode() == ProgressReporter::Mode::Quiet)
            return scheduleReopen(delaySeconds);
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("reconnecting")},
                                  {QStringLiteral("attempt"), m_reconnects},
                                  {QStringLiteral("max_attempts"), kMaxReconnects},
                                  {QStringLiteral("reason"), reason}});
    } else if (!quiet()) {
        m_console.errLine(tr("connection to %1 lost (%2); reconnecting in %3 s (attempt %4 of %5)")
                                  .arg(serverText(), reason.isEmpty() ? tr("closed") : reason)
                                  .arg(delaySeconds)
                                  .arg(m_reconnects)
                                  .arg(kMaxReconnects));
    }
    scheduleReopen(delaySeconds);
}

void RunCommand::scheduleReopen(int delaySeconds)
{
    QTimer::singleShot(std::chrono::seconds(delaySeconds), this, [this] {
        if (m_state != State::Finished)
            m_connection.open(m_command.global.server, m_command.global.token, Application::clientName());
    });
}

void RunCommand::resumeAfterReconnect()
{
    m_reconnecting = false;
    if (!jsonMode() && !quiet())
        m_console.errLine(tr("reconnected to %1").arg(serverText()));
    else if (jsonMode() && m_progress.mode() != ProgressReporter::Mode::Quiet)
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("reconnected")}});
    if (m_id.isEmpty()) {
        // No ack yet: the same start_job with the same key is the same job, never a second one.
        m_state = State::Submitting;
        QPointer<RunCommand> self(this);
        m_connection.request(m_startJob, [self](const QJsonObject &reply) {
            if (self)
                self->onSubmitReply(reply);
        });
        return;
    }
    attachJob();
}

void RunCommand::attachJob()
{
    QPointer<RunCommand> self(this);
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::Attach)}, {QString(Field::Id), m_id}},
                         [self](const QJsonObject &reply) {
                             if (self)
                                 self->onAttached(reply);
                         });
}

void RunCommand::onAttached(const QJsonObject &reply)
{
    if (m_state == State::Finished)
        return;
    if (reply.value(Field::Type).toString() != Type::Job) {
        m_progress.finish();
        m_state = State::Finished;
        failWithServiceError(reply, toInt(ExitCode::JobFailed));
        return;
    }
    const QJsonObject job = reply.value(Field::Job).toObject();
    const QString status = job.value(Field::Status).toString();
    if (status != QLatin1StringView("awaiting_upload")) {
        // Its progress, completed (with the outputs) or error follow on this connection.
        m_state = State::Waiting;
        if (m_command.detach && status != QLatin1StringView("downloading"))
            finishDetached();
        return;
    }
    m_state = State::Uploading;
    const bool several = m_command.inputs.size() > 1;
    const QJsonArray uploads = job.value(QStringLiteral("uploads")).toArray();
    for (const QJsonValue &value : uploads) {
        const QJsonObject input = value.toObject();
        const int index = input.value(Field::Index).toInt();
        if (input.value(QStringLiteral("complete")).toBool() || index < 0 || index >= m_command.inputs.size())
            continue;
        const qint64 received = input.value(QStringLiteral("received_bytes")).toInteger();
        if (!jsonMode() && !quiet() && received > 0)
            m_console.errLine(tr("resuming the upload at byte %1").arg(received));
        m_connection.upload(m_jobId, m_command.inputs.at(index), several ? index : -1, received);
    }
}

} // namespace Mediaforge::Cli
