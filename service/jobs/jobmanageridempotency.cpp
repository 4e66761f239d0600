// SPDX-License-Identifier: GPL-3.0-or-later
// Idempotent submission: a client that lost the `ack` of its start_job sends the same request
// with the same idempotency key again and gets the job it already has, never a second one.
#include "jobmanager.h"
#include "jobmanager_p.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace Mediaforge {

namespace {
// How long a key keeps its job: long enough for any client's retries, and the store keeps
// finished records for --history-days (at least one day) anyway.
constexpr qint64 kKeyLifetimeSeconds = 24 * 60 * 60;
} // namespace

QString JobManagerDetail::requestHash(const SubmitRequest &request)
{
    QJsonArray inputs;
    for (const JobInput &input : request.inputs) {
        inputs.append(QJsonObject{{QStringLiteral("source"), input.source == JobInput::Source::Url ? 1
                                                             : input.source == JobInput::Source::Storage ? 2 : 0},
                                  {QStringLiteral("url"), input.url.toString(QUrl::FullyEncoded)},
                                  {QStringLiteral("storage"), input.storage},
                                  {QStringLiteral("key"), input.key},
                                  {QStringLiteral("filename"), input.displayName},
                                  {QStringLiteral("size"), input.declaredSize}});
    }
    // QJsonObject keeps its keys sorted, so the compact text is canonical for equal requests.
    QJsonObject canonical{{QStringLiteral("job_id"), request.jobId},
                                {QStringLiteral("operation"), operationName(request.operation)},
                                {QStringLiteral("options"), request.options},
                                {QStringLiteral("inputs"), inputs},
                                {QStringLiteral("priority"), int(request.priority)},
                                {QStringLiteral("detach"), request.detach}};
    // Only when given: the hashes of keys stored before webhooks existed stay valid.
    if (!request.notifyUrl.isEmpty() && !request.notifyUrlFromOwner) {
        canonical.insert(QStringLiteral("notify_url"), request.notifyUrl);
        canonical.insert(QStringLiteral("notify_events"), QJsonArray::fromStringList(request.notifyEvents));
    } else if (!request.notifyEvents.isEmpty()) {
        // The owner's default URL with events the client chose: those are part of its request.
        canonical.insert(QStringLiteral("notify_events"), QJsonArray::fromStringList(request.notifyEvents));
    }
    // Only when given, like the others: keys stored before output storages still match.
    if (request.outputStorage.isSet()) {
        canonical.insert(QStringLiteral("output_storage"), QJsonObject{{QStringLiteral("storage"), request.outputStorage.storage},
                                                                       {QStringLiteral("prefix"), request.outputStorage.prefix}});
    }
    // Only when named, so that the keys of free-form requests stored before presets still match.
    if (!request.preset.isEmpty())
        canonical.insert(QStringLiteral("preset"), request.preset);
    return QString::fromLatin1(
            QCryptographicHash::hash(QJsonDocument(canonical).toJson(QJsonDocument::Compact), QCryptographicHash::Sha256)
                    .toHex());
}

std::optional<Result<QString>> JobManager::replayIdempotent(const SubmitRequest &request, const QString &hash)
{
    const QDateTime since = QDateTime::currentDateTimeUtc().addSecs(-kKeyLifetimeSeconds);
    const std::optional<Job> earlier = m_store->findByIdempotencyKey(request.idempotencyOwner, request.idempotencyKey, since);
    if (!earlier)
        return std::nullopt;
    if (earlier->requestHash != hash) {
        return Result<QString>(Error(ErrorCode::DuplicateJob,
                                     QStringLiteral("idempotency_key was already used for another request (job %1)")
                                             .arg(earlier->jobId),
                                     QJsonObject{{QStringLiteral("idempotency_key"), request.idempotencyKey},
                                                 {QStringLiteral("id"), earlier->id},
                                                 {QStringLiteral("job_id"), earlier->jobId}}));
    }
    qCInfo(lcJobs).noquote() << JobManagerDetail::jobFields(*earlier) << "start_job repeated with its idempotency key";
    return Result<QString>(earlier->id);
}

} // namespace Mediaforge
