// SPDX-License-Identifier: GPL-3.0-or-later
#include "job.h"

#include "protocol.h"

#include <QJsonArray>

#include <array>
#include <cmath>

namespace Mediaforge {

namespace {

constexpr std::array kStatusNames{"awaiting_upload", "downloading", "queued", "processing",
                                  "completed", "failed", "cancelled"};
constexpr std::array kStageNames{"uploading", "downloading", "queued", "processing", "finalizing", "uploading_outputs"};
constexpr std::array kPriorityNames{"low", "normal", "high"};

double seconds(const QDateTime &from, const QDateTime &to)
{
    if (!from.isValid() || !to.isValid())
        return 0;
    return std::max<qint64>(0, from.msecsTo(to)) / 1000.0;
}

double round3(double value)
{
    return std::round(value * 1000.0) / 1000.0;
}

} // namespace

QString jobStatusName(JobStatus status)
{
    return QString::fromLatin1(kStatusNames.at(size_t(status)));
}

std::optional<JobStatus> jobStatusFromName(QStringView name)
{
    for (size_t i = 0; i < kStatusNames.size(); ++i) {
        if (name == QLatin1StringView(kStatusNames.at(i)))
            return JobStatus(i);
    }
    return std::nullopt;
}

QString jobStageName(JobStage stage)
{
    return QString::fromLatin1(kStageNames.at(size_t(stage)));
}

QString jobPriorityName(JobPriority priority)
{
    return QString::fromLatin1(kPriorityNames.at(size_t(priority)));
}

std::optional<JobPriority> jobPriorityFromName(QStringView name)
{
    for (size_t i = 0; i < kPriorityNames.size(); ++i) {
        if (name == QLatin1StringView(kPriorityNames.at(i)))
            return JobPriority(i);
    }
    return std::nullopt;
}

bool isFinished(JobStatus status)
{
    return status == JobStatus::Completed || status == JobStatus::Failed || status == JobStatus::Cancelled;
}

QString JobOutputTarget::redactedUrl() const
{
    return url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment).toString(QUrl::FullyEncoded);
}

QJsonObject JobOutput::toJson() const
{
    QJsonObject object{{QStringLiteral("filename"), fileName},
                       {QStringLiteral("size_bytes"), size},
                       {QStringLiteral("mime"), mime},
                       {QStringLiteral("sha256"), sha256},
                       {QStringLiteral("metadata"), metadata.toOutputMetadata()}};
    if (uploadStatus != 0)
        object.insert(QStringLiteral("uploaded_to"), QJsonObject{{QStringLiteral("url"), uploadedTo},
                                                                 {QStringLiteral("http_status"), uploadStatus},
                                                                 {QStringLiteral("bytes"), size}});
    return object;
}

QJsonObject Job::toSnapshot(bool includeOwner, int queuePosition) const
{
    using namespace Protocol;
    QJsonObject input{{QString(Field::Source), inputs.size() == 1 || inputs.isEmpty()
                               ? QString(inputs.value(0).source == JobInput::Source::Url         ? QStringLiteral("url")
                                         : inputs.value(0).source == JobInput::Source::Storage ? QStringLiteral("storage")
                                                                                               : QStringLiteral("upload"))
                               : QStringLiteral("multiple")},
                      {QStringLiteral("name"), inputs.value(0).displayName}};
    qint64 inputBytes = 0;
    bool sizeKnown = true;
    for (const JobInput &in : inputs) {
        if (in.complete)
            inputBytes += in.bytes;
        else if (in.declaredSize >= 0)
            inputBytes += in.declaredSize;
        else
            sizeKnown = false;
    }
    if (inputs.size() > 1)
        input.insert(QStringLiteral("count"), int(inputs.size()));
    if (sizeKnown && !inputs.isEmpty())
        input.insert(QString(Field::Size), inputBytes);
    // Where an interrupted upload goes on: the bytes the service holds, per input.
    const bool upload = !inputs.isEmpty() && inputs.constFirst().source == JobInput::Source::Upload;
    QJsonArray uploads;
    qint64 received = 0;
    for (qsizetype i = 0; upload && i < inputs.size(); ++i) {
        received += inputs.at(i).bytes;
        uploads.append(QJsonObject{{QString(Field::Index), int(i)},
                                   {QStringLiteral("received_bytes"), inputs.at(i).bytes},
                                   {QStringLiteral("complete"), inputs.at(i).complete}});
    }
    if (upload)
        input.insert(QStringLiteral("received_bytes"), received);
    // Once every input has arrived: what the result cache matched on, for the client to check.
    QJsonArray digests;
    for (const JobInput &in : inputs) {
        if (in.sha256.isEmpty())
            break;
        digests.append(in.sha256);
    }
    if (!inputs.isEmpty() && digests.size() == inputs.size())
        input.insert(QStringLiteral("sha256"), digests);

    QJsonObject snapshot{{QString(Field::Id), id},
                         {QString(Field::JobId), jobId},
                         {QString(Field::Operation), operationName(operation)},
                         {QString(Field::Status), jobStatusName(status)},
                         {QString(Field::Stage), jobStageName(stage)},
                         {QString(Field::Percentage), round3(progress.percentage)},
                         {QString(Field::Priority), jobPriorityName(priority)},
                         {QString(Field::Detach), detach},
                         {QString(Field::Attempts), attempts},
                         {QStringLiteral("created_at"), createdAt.toString(Qt::ISODateWithMs)},
                         {QString(Field::Input), input},
                         {QString(Field::Options), options}};
    if (!preset.isEmpty())
        snapshot.insert(QString(Field::Preset), preset);
    if (!batchId.isEmpty())
        snapshot.insert(QString(Field::BatchId), batchId);
    if (startedAt.isValid())
        snapshot.insert(QStringLiteral("started_at"), startedAt.toString(Qt::ISODateWithMs));
    if (finishedAt.isValid())
        snapshot.insert(QStringLiteral("finished_at"), finishedAt.toString(Qt::ISODateWithMs));
    if (queuePosition > 0)
        snapshot.insert(QString(Field::QueuePosition), queuePosition);
    if (status == JobStatus::Processing) {
        snapshot.insert(QString(Field::Speed), round3(progress.speed));
        snapshot.insert(QString(Field::Fps), round3(progress.fps));
        snapshot.insert(QString(Field::OutTimeSeconds), round3(progress.outTimeSeconds));
        snapshot.insert(QString(Field::DurationSeconds), round3(progress.durationSeconds));
        if (progress.etaSeconds >= 0)
            snapshot.insert(QString(Field::EtaSeconds), round3(progress.etaSeconds));
    }
    if (status == JobStatus::AwaitingUpload || status == JobStatus::Downloading) {
        snapshot.insert(QString(Field::Bytes), progress.bytes);
        if (progress.totalBytes >= 0)
            snapshot.insert(QString(Field::TotalBytes), progress.totalBytes);
    }
    if (!outputs.isEmpty()) {
        QJsonArray array;
        for (const JobOutput &output : outputs)
            array.append(output.toJson());
        snapshot.insert(QString(Field::Outputs), array);
        snapshot.insert(QStringLiteral("outputs_available"), !outputsRemoved);
    }
    if (status == JobStatus::Completed) {
        snapshot.insert(QString(Field::Timings), timings());
        if (!probeResult.isEmpty())
            snapshot.insert(QString(Field::Result), probeResult);
        if (cached)
            snapshot.insert(QStringLiteral("cached"), true);
    }
    if (error)
        snapshot.insert(QString(Field::Error), error->toJson());
    if (upload && status == JobStatus::AwaitingUpload)
        snapshot.insert(QStringLiteral("uploads"), uploads);
    if (!outputTargets.isEmpty()) {
        QJsonArray targets;
        for (const JobOutputTarget &target : outputTargets)
            targets.append(QJsonObject{{QStringLiteral("url"), target.redactedUrl()}, {QStringLiteral("method"), target.method}});
        snapshot.insert(QString(Field::OutputTargets), targets);
    }
    if (outputStorage.isSet()) {
        snapshot.insert(QString(Field::OutputStorage), QJsonObject{{QStringLiteral("storage"), outputStorage.storage},
                                                                   {QStringLiteral("prefix"), outputStorage.prefix}});
    }
    if (stage == JobStage::UploadingOutputs && status == JobStatus::Processing) {
        snapshot.insert(QString(Field::Bytes), progress.bytes);
        snapshot.insert(QString(Field::TotalBytes), progress.totalBytes);
    }
    if (graceUntil.isValid())
        snapshot.insert(QStringLiteral("reconnect_until"), graceUntil.toString(Qt::ISODateWithMs));
    if (includeOwner) {
        snapshot.insert(QStringLiteral("owner"), ownerLabel);
        // What an operator needs to explain a failure; clients see only their error.
        if (!ffmpegCommand.isEmpty())
            snapshot.insert(QStringLiteral("ffmpeg_command"), ffmpegCommand);
        if (!ffmpegStderr.isEmpty())
            snapshot.insert(QStringLiteral("ffmpeg_stderr"), ffmpegStderr);
        if (!node.isEmpty())
            snapshot.insert(QStringLiteral("node"), node);
    }
    return snapshot;
}

QJsonObject Job::timings() const
{
    const QDateTime end = finishedAt.isValid() ? finishedAt : QDateTime::currentDateTimeUtc();
    return QJsonObject{{QStringLiteral("queued_seconds"), round3(seconds(inputCompletedAt, startedAt))},
                       {QStringLiteral("input_seconds"), round3(seconds(createdAt, inputCompletedAt))},
                       {QStringLiteral("processing_seconds"), round3(seconds(startedAt, end))},
                       {QStringLiteral("total_seconds"), round3(seconds(createdAt, end))}};
}

} // namespace Mediaforge
