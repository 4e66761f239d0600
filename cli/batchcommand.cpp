// SPDX-License-Identifier: GPL-3.0-or-later
#include "batchcommand.h"

#include "console.h"
#include "format.h"
#include "protocol.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QPointer>
#include <QTimer>

namespace Mediaforge::Cli {

using namespace Protocol;

namespace {

// How long Ctrl-C waits for the service to confirm the cancels before exiting anyway.
constexpr int kCancelWaitMs = 3000;

double number(const QJsonObject &object, QLatin1StringView key, double otherwise = -1)
{
    const QJsonValue value = object.value(key);
    return value.isDouble() ? value.toDouble() : otherwise;
}

// "clip_thumb.jpg" -> "clip_thumb-3.jpg": the outputs of the third input named like an earlier one.
QString numbered(const QString &name, int number)
{
    const QFileInfo info(name);
    return QStringLiteral("%1-%2").arg(info.completeBaseName()).arg(number)
            + (info.suffix().isEmpty() ? QString() : u'.' + info.suffix());
}

} // namespace

BatchCommand::BatchCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent)
    : Task(command, connection, console, parent),
      m_progress(console, ProgressReporter::modeFor(console, command.global.json, command.global.quiet)),
      m_remote(CommandLine::isRemote(command.inputs.value(0)))
{
    m_items.resize(size_t(command.inputs.size()));
    for (size_t i = 0; i < m_items.size(); ++i)
        m_items[i].input = command.inputs.at(qsizetype(i));
}

BatchCommand::~BatchCommand()
{
    for (Item &item : m_items) {
        if (item.receiver)
            item.receiver->abort();
    }
}

void BatchCommand::start()
{
    if (m_started)
        return;   // a welcome after a reconnect: batches do not reconnect (docs/cli.md)
    m_started = true;
    m_clock.start();
    connect(&m_connection, &ClientConnection::messageReceived, this, &BatchCommand::onMessage);
    connect(&m_connection, &ClientConnection::outputChunk, this, &BatchCommand::onChunk);
    connect(&m_connection, &ClientConnection::uploadFinished, this, &BatchCommand::onUploadFinished);
    if (m_remote) {
        startBatch();
        return;
    }
    const QJsonObject limits = m_connection.welcome().value(Field::Limits).toObject();
    m_maxActive = std::max(1, limits.value(QStringLiteral("max_active_jobs_per_connection")).toInt(m_maxActive));
    showProgress();
    submitNext();
}

QString BatchCommand::outputOption() const
{
    // Several inputs: -o is always a folder, whatever each input brings.
    if (m_command.output.isEmpty() || m_command.output.endsWith(u'/'))
        return m_command.output;
    return m_command.output + u'/';
}

void BatchCommand::startBatch()
{
    QPointer<BatchCommand> self(this);
    m_connection.request(CommandLine::startBatchMessage(m_command), [self](const QJsonObject &reply) {
        if (self)
            self->onBatchAck(reply);
    });
}

void BatchCommand::onBatchAck(const QJsonObject &reply)
{
    if (isDone())
        return;
    if (reply.value(Field::Type).toString() != Type::BatchAck) {
        if (m_interruptSignal) {
            finishInterrupted(true);
            return;
        }
        m_progress.finish();
        const QString code = reply.value(Field::Code).toString();
        failWithServiceError(reply, code == QLatin1StringView("VALIDATION_ERROR") ? toInt(ExitCode::Usage)
                                                                                  : toInt(ExitCode::JobFailed));
        return;
    }
    m_batchId = reply.value(Field::BatchId).toString();
    m_batchServiceId = reply.value(Field::Id).toString();
    QJsonArray items;
    for (const QJsonValue &value : reply.value(Field::Items).toArray()) {
        const QJsonObject entry = value.toObject();
        const int index = entry.value(Field::Index).toInt(-1);
        if (index < 0 || index >= int(m_items.size()))
            continue;
        Item &item = m_items[size_t(index)];
        item.jobId = entry.value(Field::JobId).toString();
        item.id = entry.value(Field::Id).toString();
        item.status = Status::Submitted;
        m_indexByJobId.insert(item.jobId, index);
        items.append(QJsonObject{{QStringLiteral("index"), index}, {QStringLiteral("input"), item.input},
                                 {QStringLiteral("job_id"), item.jobId}, {QStringLiteral("id"), item.id}});
    }
    if (jsonMode()) {
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("accepted")},
                                  {QStringLiteral("batch_id"), m_batchId},
                                  {QStringLiteral("id"), m_batchServiceId},
                                  {QStringLiteral("items"), items}});
    } else if (m_progress.mode() == ProgressReporter::Mode::Plain) {
        m_console.errLine(tr("batch %1 accepted: %n inputs (id %2)", nullptr, int(m_items.size())).arg(m_batchId, m_batchServiceId));
    }
    if (m_interruptSignal) {
        cancelBatch();
        return;
    }
    if (m_command.detach) {
        finishDetached(reply);
        return;
    }
    showProgress();
}

void BatchCommand::submitNext()
{
    if (m_remote || m_interruptSignal || isDone())
        return;
    // One upload at a time, and no more unfinished jobs than the service allows a connection.
    if (m_uploading || m_next >= int(m_items.size()) || unfinishedSubmitted() >= m_maxActive)
        return;
    const int index = m_next++;
    const Result<QJsonObject> message = CommandLine::itemStartJobMessage(m_command, index);
    if (!message.ok()) {
        itemFailed(index, errorCodeName(message.error().code), message.error().message);
        return;
    }
    m_items[size_t(index)].status = Status::Submitted;
    m_uploading = true;
    QPointer<BatchCommand> self(this);
    m_connection.request(message.value(), [self, index](const QJsonObject &reply) {
        if (self)
            self->onJobAck(index, reply);
    });
}

void BatchCommand::onJobAck(int index, const QJsonObject &reply)
{
    if (isDone())
        return;
    Item &item = m_items[size_t(index)];
    if (reply.value(Field::Type).toString() != Type::Ack) {
        m_uploading = false;
        if (m_interruptSignal) {
            if (m_cancelsPending == 0)
                finishInterrupted(true);
            return;
        }
        itemFailed(index, reply.value(Field::Code).toString(), reply.value(Field::Message).toString());
        return;
    }
    item.jobId = reply.value(Field::JobId).toString();
    item.id = reply.value(Field::Id).toString();
    m_indexByJobId.insert(item.jobId, index);
    if (jsonMode()) {
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("accepted")},
                                  {QStringLiteral("index"), index},
                                  {QStringLiteral("input"), item.input},
                                  {QStringLiteral("job_id"), item.jobId},
                                  {QStringLiteral("id"), item.id}});
    }
    if (m_interruptSignal) {
        // Ctrl-C came while this start_job was on its way: it is cancelled with the others.
        m_uploading = false;
        ++m_cancelsPending;
        QPointer<BatchCommand> self(this);
        m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::CancelJob)}, {QString(Field::Id), item.id}},
                             [self](const QJsonObject &) {
                                 if (self && --self->m_cancelsPending <= 0)
                                     self->finishInterrupted(true);
                             });
        return;
    }
    if (reply.value(Field::Status).toString() == QLatin1StringView("awaiting_upload")) {
        m_connection.upload(item.jobId, item.input);
        return;
    }
    m_uploading = false;
    submitNext();
}

void BatchCommand::onUploadFinished(const QString &jobId, const QString &error)
{
    const int index = indexOf(jobId);
    if (index < 0 || isDone() || m_interruptSignal)
        return;
    m_uploading = false;
    if (!error.isEmpty()) {
        m_connection.send(QJsonObject{{QString(Field::Type), QString(Type::CancelJob)}, {QString(Field::Id), m_items[size_t(index)].id}});
        itemFailed(index, QStringLiteral("UPLOAD_FAILED"), error);
        return;
    }
    submitNext();
}

int BatchCommand::indexOf(const QString &jobId) const
{
    return m_indexByJobId.value(jobId, -1);
}

int BatchCommand::unfinishedSubmitted() const
{
    int count = 0;
    for (const Item &item : m_items)
        count += item.status == Status::Submitted || item.status == Status::Receiving ? 1 : 0;
    return count;
}

void BatchCommand::onMessage(const QJsonObject &message)
{
    if (isDone() || m_interruptSignal)
        return;
    const QString type = message.value(Field::Type).toString();
    if (type == Type::BatchCompleted) {
        // Items whose own end did not reach us (it always should) end with the batch's word.
        for (const QJsonValue &value : message.value(QStringLiteral("results")).toArray()) {
            const QJsonObject result = value.toObject();
            const int index = indexOf(result.value(Field::JobId).toString());
            if (index < 0 || ended(m_items[size_t(index)]) || m_items[size_t(index)].status == Status::Receiving)
                continue;
            if (result.value(Field::Status).toString() != QLatin1StringView("completed")) {
                const QJsonObject error = result.value(Field::Error).toObject();
                itemFailed(index, error.value(Field::Code).toString(), error.value(Field::Message).toString());
            }
        }
        return;
    }
    const QString jobId = message.value(Field::JobId).toString();
    if (type == Type::Error && jobId.isEmpty()) {
        m_console.errLine(tr("warning: %1: %2").arg(message.value(Field::Code).toString(), message.value(Field::Message).toString()));
        return;
    }
    const int index = indexOf(jobId);
    if (index < 0)
        return;
    Item &item = m_items[size_t(index)];
    if (ended(item))
        return;
    if (type == Type::Progress) {
        item.stage = message.value(Field::Stage).toString();
        if (item.stage == QLatin1StringView("processing"))
            item.percentage = std::clamp(number(message, Field::Percentage, 0), item.percentage, 100.0);
        showProgress();
    } else if (type == Type::Completed) {
        onItemCompleted(index, message);
    } else if (type == Type::Error) {
        itemFailed(index, message.value(Field::Code).toString(), message.value(Field::Message).toString());
    } else if (type == Type::OutputDelivered && item.receiver) {
        if (auto failure = item.receiver->delivered(message.value(Field::Index).toInt(), message.value(Field::Sha256).toString()))
            itemFailed(index, failure->code, failure->message);
    }
}

void BatchCommand::onItemCompleted(int index, const QJsonObject &message)
{
    Item &item = m_items[size_t(index)];
    item.completed = message;
    const QJsonArray outputs = message.value(Field::Outputs).toArray();
    if (outputs.isEmpty()) {
        itemSucceeded(index);
        return;
    }
    QStringList names;
    for (const QJsonValue &output : outputs)
        names.append(output.toObject().value(Field::Filename).toString());
    const QString operation = m_command.preset.isEmpty() ? operationName(m_command.operation) : m_command.preset;
    QString inputName = CommandLine::inputName(item.input);
    OutputPlan plan;
    // Where the outputs would go, files of earlier runs or not.
    std::optional<Failure> failure = OutputPlanner::plan(names, outputOption(), inputName, operation, true, plan);
    bool claimed = false;
    for (const QString &path : std::as_const(plan.paths))
        claimed = claimed || m_claimedPaths.contains(QFileInfo(path).absoluteFilePath());
    if (claimed) {
        // Two inputs of one name (a/clip.mp4, b/clip.mp4): the later one's outputs are numbered
        // after its place on the command line instead of colliding with the earlier one's.
        for (qsizetype i = 0; i < names.size(); ++i)
            names[i] = numbered(OutputPlanner::safeFileName(names.at(i), int(i)), index + 1);
        inputName = numbered(inputName, index + 1);
    }
    if (!failure)
        failure = OutputPlanner::plan(names, outputOption(), inputName, operation, m_command.force, plan);
    if (failure) {
        itemFailed(index, failure->code, failure->message);
        return;
    }
    for (const QString &path : std::as_const(plan.paths))
        m_claimedPaths.insert(QFileInfo(path).absoluteFilePath());
    item.receiver = std::make_unique<OutputReceiver>();
    item.receiver->begin(OutputReceiver::fromOutputs(outputs), plan, m_command.force);
    item.status = Status::Receiving;
    showProgress();
}

void BatchCommand::onChunk(const ClientConnection::Chunk &chunk)
{
    const int index = indexOf(chunk.jobId);
    if (index < 0 || isDone())
        return;
    Item &item = m_items[size_t(index)];
    if (item.status != Status::Receiving || !item.receiver)
        return;
    if (auto failure = item.receiver->chunk(chunk.index, chunk.offset, chunk.final, chunk.payload)) {
        itemFailed(index, failure->code, failure->message);
        return;
    }
    if (item.receiver->isComplete())
        itemSucceeded(index);
}

void BatchCommand::itemSucceeded(int index)
{
    Item &item = m_items[size_t(index)];
    item.status = Status::Completed;
    if (item.receiver)
        item.saved = item.receiver->savedPaths();
    const QString name = CommandLine::inputName(item.input);
    if (jsonMode()) {
        QJsonArray saved;
        for (const QString &path : std::as_const(item.saved))
            saved.append(QFileInfo(path).absoluteFilePath());
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("item_completed")},
                          {QStringLiteral("index"), index},
                          {QStringLiteral("input"), item.input},
                          {QStringLiteral("job_id"), item.jobId},
                          {QStringLiteral("id"), item.id},
                          {QStringLiteral("outputs"), item.completed.value(Field::Outputs)},
                          {QStringLiteral("saved"), saved}};
        if (item.completed.contains(Field::Result))
            event.insert(QStringLiteral("result"), item.completed.value(Field::Result));
        printJsonLine(event);
    } else if (!quiet()) {
        QStringList paths;
        for (const QString &path : std::as_const(item.saved))
            paths.append(QDir::cleanPath(path));
        m_console.out((paths.isEmpty() ? tr("%1: done").arg(name) : tr("%1: saved %2").arg(name, paths.join(QStringLiteral(", "))))
                      + u'\n');
    }
    showProgress();
    submitNext();
    finishAll();
}

void BatchCommand::itemFailed(int index, const QString &code, const QString &message)
{
    Item &item = m_items[size_t(index)];
    if (ended(item))
        return;
    if (item.receiver)
        item.receiver->abort();
    item.status = Status::Failed;
    item.errorCode = code.isEmpty() ? QStringLiteral("ERROR") : code;
    item.errorMessage = message;
    if (jsonMode()) {
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("item_failed")},
                                  {QStringLiteral("index"), index},
                                  {QStringLiteral("input"), item.input},
                                  {QStringLiteral("job_id"), item.jobId},
                                  {QStringLiteral("id"), item.id},
                                  {QStringLiteral("code"), item.errorCode},
                                  {QStringLiteral("message"), message}});
    } else {
        // Failures are shown even with --quiet: they decide the exit status.
        m_console.out(tr("%1: failed: %2: %3").arg(CommandLine::inputName(item.input), item.errorCode, message) + u'\n');
    }
    showProgress();
    submitNext();
    finishAll();
}

void BatchCommand::showProgress()
{
    if (m_finished)
        return;
    ProgressSnapshot snapshot;
    snapshot.stage = QStringLiteral("batch");
    snapshot.itemsTotal = int(m_items.size());
    double sum = 0;
    for (const Item &item : m_items) {
        // As the service counts a batch: an ended item is 100, a running one its processing.
        if (item.status == Status::Completed)
            ++snapshot.itemsCompleted;
        else if (item.status == Status::Failed)
            ++snapshot.itemsFailed;
        sum += ended(item) || item.status == Status::Receiving ? 100.0 : item.stage == QLatin1StringView("processing") ? item.percentage : 0.0;
    }
    snapshot.percentage = m_items.empty() ? 0 : sum / double(m_items.size());
    m_progress.update(snapshot);
}

void BatchCommand::finishAll()
{
    if (isDone() || m_finished || m_interruptSignal)
        return;
    int failed = 0;
    for (const Item &item : m_items) {
        if (!ended(item))
            return;
        failed += item.status == Status::Failed ? 1 : 0;
    }
    m_finished = true;
    m_progress.finish();
    const int total = int(m_items.size());
    const int exitCode = failed > 0 ? toInt(ExitCode::JobFailed) : toInt(ExitCode::Success);
    if (jsonMode()) {
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("batch_completed")},
                          {QStringLiteral("total"), total},
                          {QStringLiteral("completed"), total - failed},
                          {QStringLiteral("failed"), failed},
                          {QStringLiteral("exit_code"), exitCode}};
        if (!m_batchId.isEmpty()) {
            event.insert(QStringLiteral("batch_id"), m_batchId);
            event.insert(QStringLiteral("id"), m_batchServiceId);
        }
        printJsonLine(event);
    } else if (!quiet() || failed > 0) {
        const QString counts = failed > 0 ? tr("%1 of %n inputs done, %2 failed", nullptr, total).arg(total - failed).arg(failed)
                                          : tr("%n inputs done", nullptr, total);
        m_console.out(tr("%1 in %2").arg(counts, Format::seconds(m_clock.elapsed() / 1000.0)) + u'\n');
    }
    done(exitCode);
}

void BatchCommand::finishDetached(const QJsonObject &ack)
{
    m_finished = true;
    m_progress.finish();
    const int count = int(ack.value(Field::Items).toArray().size());
    if (jsonMode()) {
        printJsonLine(QJsonObject{{QStringLiteral("event"), QStringLiteral("detached")},
                                  {QStringLiteral("batch_id"), m_batchId},
                                  {QStringLiteral("id"), m_batchServiceId}});
    } else {
        // The batch_id alone on stdout, for scripts; its items are BATCH_ID:0 ... BATCH_ID:N-1.
        m_console.out(m_batchId + u'\n');
        if (!quiet()) {
            m_console.errLine(tr("batch %1 runs on in the service; save the results with: mediaforge fetch %1:0 … %1:%2")
                                      .arg(m_batchId)
                                      .arg(count - 1));
        }
    }
    done(toInt(ExitCode::Success));
}

void BatchCommand::interrupt(int signalNumber)
{
    if (isDone())
        return;
    if (m_interruptSignal) {
        // A second Ctrl-C: stop waiting for the service.
        done(exitCodeForSignal(signalNumber));
        return;
    }
    m_interruptSignal = signalNumber;
    m_progress.finish();
    for (Item &item : m_items) {
        if (item.receiver)
            item.receiver->abort();
        if (!item.jobId.isEmpty())
            m_connection.cancelUploads(item.jobId);
    }
    QPointer<BatchCommand> self(this);
    if (m_remote) {
        // Without an ack yet, onBatchAck cancels what it acknowledges (or there is nothing).
        if (!m_batchId.isEmpty())
            cancelBatch();
        else if (!m_started)
            finishInterrupted(true);
    } else {
        for (const Item &item : m_items) {
            if (item.id.isEmpty() || ended(item))
                continue;
            ++m_cancelsPending;
            m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::CancelJob)}, {QString(Field::Id), item.id}},
                                 [self](const QJsonObject &) {
                                     if (self && --self->m_cancelsPending <= 0)
                                         self->finishInterrupted(true);
                                 });
        }
        // A start_job on its way is cancelled when its ack comes (onJobAck).
        if (m_cancelsPending == 0 && !m_uploading)
            finishInterrupted(true);
    }
    if (!isDone()) {
        m_cancelTimer = new QTimer(this);
        m_cancelTimer->setSingleShot(true);
        connect(m_cancelTimer, &QTimer::timeout, this, [this] { finishInterrupted(false); });
        m_cancelTimer->start(kCancelWaitMs);
    }
}

void BatchCommand::cancelBatch()
{
    ++m_cancelsPending;
    QPointer<BatchCommand> self(this);
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::CancelBatch)}, {QString(Field::Id), m_batchServiceId}},
                         [self](const QJsonObject &reply) {
                             // CANCEL_FAILED: every item had ended already; nothing runs on either way.
                             if (self)
                                 self->finishInterrupted(reply.value(Field::Type).toString() == Type::BatchCancelled
                                                         || reply.value(Field::Code).toString() == QLatin1StringView("CANCEL_FAILED"));
                         });
}

void BatchCommand::finishInterrupted(bool confirmed)
{
    if (isDone())
        return;
    m_finished = true;
    int cancelled = 0;
    for (const Item &item : m_items)
        cancelled += ended(item) ? 0 : 1;
    if (jsonMode()) {
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("cancelled")},
                          {QStringLiteral("reason"), QStringLiteral("interrupted")},
                          {QStringLiteral("outcome"), confirmed ? QStringLiteral("cancelled") : QStringLiteral("unconfirmed")},
                          {QStringLiteral("unfinished"), cancelled},
                          {QStringLiteral("exit_code"), exitCodeForSignal(m_interruptSignal)}};
        if (!m_batchId.isEmpty())
            event.insert(QStringLiteral("batch_id"), m_batchId);
        printJsonLine(event);
    }
    m_console.errLine(confirmed ? tr("interrupted; %n unfinished inputs cancelled", nullptr, cancelled)
                                : tr("interrupted; the service did not confirm cancelling %n unfinished inputs", nullptr, cancelled));
    done(exitCodeForSignal(m_interruptSignal));
}

void BatchCommand::connectionLost(const QString &reason, int closeCode)
{
    if (isDone())
        return;
    if (m_interruptSignal) {
        // The service cancels what a closed connection started (nothing here is detached).
        finishInterrupted(true);
        return;
    }
    m_progress.finish();
    for (Item &item : m_items) {
        if (item.receiver)
            item.receiver->abort();
    }
    m_finished = true;
    Task::connectionLost(reason, closeCode);
}

} // namespace Mediaforge::Cli
