// SPDX-License-Identifier: GPL-3.0-or-later
// Session, continued: start_batch, get_batch, cancel_batch and the batch events
// (docs/batches.md). The items are jobs like any other: their own messages reach this
// connection as for start_job; the batch adds its ack, its progress and its one end.
#include "session.h"

#include "config/config.h"
#include "input/urlguard.h"
#include "jobs/batchtracker.h"
#include "jobs/jobmanager.h"
#include "preset.h"
#include "protocol.h"
#include "startbatch.h"
#include "validationissues.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace Mediaforge {

using namespace Protocol;

namespace {

QJsonObject message(QLatin1StringView type)
{
    return QJsonObject{{QString(Field::Type), QString(type)}};
}

// The manager names an item's problems as `items[N].input.X`; a batch given as `inputs`
// reads them at `inputs[N].X`, as the validation of the request itself does.
Error inInputsForm(Error error)
{
    static const QRegularExpression itemInput(QStringLiteral("^items\\[(\\d+)\\]\\.input"));
    error.message.replace(itemInput, QStringLiteral("inputs[\\1]"));
    if (!error.details.isArray())
        return error;
    QJsonArray details;
    for (const QJsonValue &detail : error.details.toArray()) {
        QJsonObject moved = detail.toObject();
        moved.insert(QStringLiteral("path"), moved.value(QStringLiteral("path")).toString().replace(itemInput, QStringLiteral("inputs[\\1]")));
        details.append(moved);
    }
    error.details = details;
    return error;
}

} // namespace

void Session::handleStartBatch(const QJsonObject &object, const QJsonValue &requestId)
{
    const QString echo = object.value(Field::BatchId).toString().left(64);
    if (m_level < 1 || !m_context.batches) {
        sendError(ValidationIssues::single(QStringLiteral("type"), QStringLiteral("start_batch needs protocol level 1 (hello)")),
                  QString(), requestId);
        countInvalid();
        return;
    }
    const Result<StartBatchRequest> parsed =
            StartBatchRequest::fromJson(object, presets(), m_context.config->maxBatchItems);
    if (!parsed.ok()) {
        QJsonObject reply = parsed.error().toJson();
        reply.insert(QString(Field::Type), QString(Type::Error));
        if (StartBatchRequest::isValidBatchId(echo))
            reply.insert(QString(Field::BatchId), echo);
        send(reply, requestId);
        countInvalid();
        return;
    }
    const StartBatchRequest &request = parsed.value();
    const auto refuse = [this, &echo, &requestId](Error error) {
        QJsonObject reply = error.toJson();
        reply.insert(QString(Field::Type), QString(Type::Error));
        if (StartBatchRequest::isValidBatchId(echo))
            reply.insert(QString(Field::BatchId), echo);
        send(reply, requestId);
    };
    QString notifyUrl;
    if (!request.notifyUrl.isEmpty()) {
        if (const auto refused = checkNotifyUrl(request.notifyUrl, false)) {
            refuse(*refused);
            countInvalid();
            return;
        }
        notifyUrl = request.notifyUrl.toString(QUrl::FullyEncoded);
    }
    QList<SubmitRequest> items;
    for (qsizetype i = 0; i < request.items.size(); ++i) {
        const StartJobRequest &item = request.items.at(i);
        if (const auto refused = checkOwnerAllows(item)) {
            Error error = *refused;
            error.message = QStringLiteral("items[%1]: ").arg(i) + error.message;
            refuse(error);
            return;
        }
        SubmitRequest submit = submitRequestFor(item);
        // The batch's own fields, not the item's.
        submit.priority = jobPriorityFromName(request.priority).value_or(JobPriority::Normal);
        submit.detach = request.detach;
        for (const StartJobRequest::Input &input : item.inputs) {
            JobInput jobInput;
            if (input.isStorage) {
                // The storage's name and the key are the manager's to check (admitBatch).
                jobInput.source = JobInput::Source::Storage;
                jobInput.storage = input.storage;
                jobInput.key = input.key;
            } else {
                if (const auto refused = checkUrlSyntax(input.url)) {
                    Error error = *refused;
                    error.message = QStringLiteral("items[%1].input.url: ").arg(i) + error.message;
                    refuse(error);
                    return;
                }
                jobInput.source = JobInput::Source::Url;
                jobInput.url = input.url;
            }
            jobInput.displayName = input.filename;
            submit.inputs.append(jobInput);
        }
        items.append(submit);
    }
    const QString ownerLabel = m_identity.name.isEmpty() ? m_peer : m_identity.name;
    const Result<const Batch *> submitted =
            m_context.batches->submit(request.batchId, m_owner, ownerLabel, m_connectionId, items, notifyUrl);
    if (!submitted.ok()) {
        Error error = submitted.error();
        if (error.code == ErrorCode::InternalError)
            error.code = ErrorCode::SubmitFailed;
        if (error.code == ErrorCode::ValidationError && object.contains(Field::Inputs))
            error = inInputsForm(error);
        refuse(error);
        return;
    }
    const Batch &batch = *submitted.value();
    QJsonArray jobs;
    for (qsizetype i = 0; i < batch.items.size(); ++i) {
        const BatchItem &item = batch.items.at(i);
        m_jobs.insert(item.id);
        m_context.router->subscribe(this, item.id);
        jobs.append(QJsonObject{{QStringLiteral("index"), int(i)}, {QString(Field::JobId), item.jobId},
                                {QString(Field::Id), item.id}});
    }
    m_context.router->followBatch(this, batch.id);
    QJsonObject ack = message(Type::BatchAck);
    ack.insert(QString(Field::BatchId), batch.batchId);
    ack.insert(QString(Field::Id), batch.id);
    ack.insert(QString(Field::Items), jobs);
    ack.insert(QString(Field::Message), QStringLiteral("Batch accepted: %1 jobs").arg(batch.items.size()));
    send(ack, requestId);
}

Result<Batch> Session::resolveBatch(const QJsonObject &object) const
{
    if (!m_context.batches)
        return Error(ErrorCode::NotFound, QStringLiteral("no such batch"));
    if (object.value(Field::Id).isString()) {
        const std::optional<Batch> batch = m_context.batches->batch(object.value(Field::Id).toString());
        if (!batch)
            return Error(ErrorCode::NotFound, QStringLiteral("no batch with that id"));
        if (m_identity.role != Role::Admin && batch->owner != m_owner)
            return Error(ErrorCode::Forbidden, QStringLiteral("that batch belongs to someone else"));
        return *batch;
    }
    if (object.value(Field::BatchId).isString()) {
        const std::optional<Batch> batch = m_context.batches->find(m_owner, object.value(Field::BatchId).toString());
        if (!batch)
            return Error(ErrorCode::NotFound, QStringLiteral("no batch with that batch_id"));
        return *batch;
    }
    return ValidationIssues::single(QStringLiteral("batch_id"), QStringLiteral("is required (or id)"));
}

void Session::handleGetBatch(const QJsonObject &object, const QJsonValue &requestId)
{
    const Result<Batch> resolved = resolveBatch(object);
    if (!resolved.ok()) {
        sendError(resolved.error(), QString(), requestId);
        return;
    }
    QJsonObject reply = message(Type::Batch);
    reply.insert(QString(Field::Batch), m_context.batches->snapshot(resolved.value(), true));
    send(reply, requestId);
}

void Session::handleCancelBatch(const QJsonObject &object, const QJsonValue &requestId)
{
    Result<Batch> resolved = resolveBatch(object);
    if (!resolved.ok()) {
        Error error = resolved.error();
        if (error.code == ErrorCode::NotFound)
            error = Error(ErrorCode::CancelFailed, error.message, QJsonObject{{QStringLiteral("reason"), QStringLiteral("not_found")}});
        sendError(error, QString(), requestId);
        return;
    }
    const Batch &batch = resolved.value();
    if (batch.isFinished() || batch.unfinished() == 0) {
        sendError(Error(ErrorCode::CancelFailed, QStringLiteral("the batch has finished"),
                        QJsonObject{{QStringLiteral("reason"), QStringLiteral("finished")}}),
                  QString(), requestId);
        return;
    }
    // The answer first: the cancels that follow end the items (their JOB_CANCELLED errors)
    // and then the batch (batch_completed).
    QJsonObject reply = message(Type::BatchCancelled);
    reply.insert(QString(Field::BatchId), batch.batchId);
    reply.insert(QString(Field::Id), batch.id);
    reply.insert(QStringLiteral("cancelling"), batch.unfinished());
    send(reply, requestId);
    m_context.batches->cancel(batch.id);
}

void Session::batchEvent(bool finished, const QString &batchId)
{
    if (!m_context.batches || m_closing)
        return;
    const std::optional<Batch> batch = m_context.batches->batch(batchId);
    if (!batch)
        return;
    if (finished) {
        send(m_context.batches->completedMessage(*batch));
        return;
    }
    QJsonObject progress = m_context.batches->snapshot(*batch, false);
    progress.insert(QString(Field::Type), QString(Type::BatchProgress));
    send(progress);
}

} // namespace Mediaforge
