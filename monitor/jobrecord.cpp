// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobrecord.h"

#include "protocol.h"

namespace Mediaforge::Monitor {

using namespace Mediaforge::Protocol;

namespace {

constexpr std::array<QLatin1StringView, 7> kStateNames{
        QLatin1StringView("awaiting_upload"), QLatin1StringView("downloading"), QLatin1StringView("queued"),
        QLatin1StringView("processing"),      QLatin1StringView("completed"),   QLatin1StringView("failed"),
        QLatin1StringView("cancelled")};

QDateTime parseTime(const QJsonValue &value)
{
    if (!value.isString())
        return {};
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

double number(const QJsonObject &object, QLatin1StringView key, double fallback)
{
    const QJsonValue value = object.value(key);
    return value.isDouble() ? value.toDouble() : fallback;
}

} // namespace

StatusGroup statusGroupOf(JobState state)
{
    switch (state) {
    case JobState::AwaitingUpload:
    case JobState::Downloading:
        return StatusGroup::Input;
    case JobState::Queued:
        return StatusGroup::Queued;
    case JobState::Processing:
        return StatusGroup::Running;
    case JobState::Completed:
        return StatusGroup::Completed;
    case JobState::Failed:
        return StatusGroup::Failed;
    case JobState::Cancelled:
        return StatusGroup::Cancelled;
    }
    return StatusGroup::Queued;
}

bool isFinished(JobState state)
{
    return state == JobState::Completed || state == JobState::Failed || state == JobState::Cancelled;
}

std::optional<JobState> jobStateFromName(QStringView name)
{
    for (size_t i = 0; i < kStateNames.size(); ++i) {
        if (name == kStateNames.at(i))
            return JobState(i);
    }
    return std::nullopt;
}

QString StatusText::state(JobState state)
{
    switch (state) {
    case JobState::AwaitingUpload:
        return tr("Uploading");
    case JobState::Downloading:
        return tr("Downloading");
    case JobState::Queued:
        return tr("Queued");
    case JobState::Processing:
        return tr("Running");
    case JobState::Completed:
        return tr("Completed");
    case JobState::Failed:
        return tr("Failed");
    case JobState::Cancelled:
        return tr("Cancelled");
    }
    return QString();
}

QString StatusText::group(StatusGroup group)
{
    switch (group) {
    case StatusGroup::Input:
        //: Jobs whose input is still being uploaded or downloaded
        return tr("Receiving input");
    case StatusGroup::Queued:
        return tr("Queued");
    case StatusGroup::Running:
        return tr("Running");
    case StatusGroup::Completed:
        return tr("Completed");
    case StatusGroup::Failed:
        return tr("Failed");
    case StatusGroup::Cancelled:
        return tr("Cancelled");
    }
    return QString();
}

QString StatusText::stage(const QString &wireStage)
{
    if (wireStage == QLatin1StringView("uploading"))
        return tr("Uploading");
    if (wireStage == QLatin1StringView("downloading"))
        return tr("Downloading");
    if (wireStage == QLatin1StringView("queued"))
        return tr("Waiting for a worker");
    if (wireStage == QLatin1StringView("processing"))
        return tr("Processing");
    if (wireStage == QLatin1StringView("finalizing"))
        return tr("Finalizing");
    return wireStage;
}

QString StatusText::priority(const QString &wirePriority)
{
    if (wirePriority == QLatin1StringView("low"))
        return tr("Low");
    if (wirePriority == QLatin1StringView("normal"))
        return tr("Normal");
    if (wirePriority == QLatin1StringView("high"))
        return tr("High");
    return wirePriority;
}

QString StatusText::operation(const QString &wire)
{
    // The operation names are the protocol's; they are translated like any other label.
    static const struct
    {
        QLatin1StringView wire;
        const char *text;
    } names[] = {
        {QLatin1StringView("speed"), QT_TR_NOOP("Speed change")},
        {QLatin1StringView("compress"), QT_TR_NOOP("Compress")},
        {QLatin1StringView("extract_audio"), QT_TR_NOOP("Extract audio")},
        {QLatin1StringView("remove_audio"), QT_TR_NOOP("Remove audio")},
        {QLatin1StringView("convert"), QT_TR_NOOP("Convert")},
        {QLatin1StringView("thumbnail"), QT_TR_NOOP("Thumbnails")},
        {QLatin1StringView("trim"), QT_TR_NOOP("Trim")},
        {QLatin1StringView("concat"), QT_TR_NOOP("Concatenate")},
        {QLatin1StringView("gif"), QT_TR_NOOP("GIF")},
        {QLatin1StringView("filter"), QT_TR_NOOP("Filters")},
        {QLatin1StringView("extract_subtitles"), QT_TR_NOOP("Extract subtitles")},
        {QLatin1StringView("burn_subtitles"), QT_TR_NOOP("Burn subtitles")},
        {QLatin1StringView("probe"), QT_TR_NOOP("Probe")},
    };
    for (const auto &name : names) {
        if (wire == name.wire)
            return tr(name.text);
    }
    return wire;
}

QString StatusText::errorShort(const QString &code)
{
    static const struct
    {
        QLatin1StringView code;
        const char *text;
    } names[] = {
        {QLatin1StringView("FFMPEG_FAILED"), QT_TR_NOOP("ffmpeg error")},
        {QLatin1StringView("TIMEOUT"), QT_TR_NOOP("timed out")},
        {QLatin1StringView("UNSUPPORTED_INPUT"), QT_TR_NOOP("not usable media")},
        {QLatin1StringView("DOWNLOAD_FAILED"), QT_TR_NOOP("download failed")},
        {QLatin1StringView("URL_NOT_ALLOWED"), QT_TR_NOOP("URL not allowed")},
        {QLatin1StringView("TOO_LARGE"), QT_TR_NOOP("too large")},
        {QLatin1StringView("VALIDATION_ERROR"), QT_TR_NOOP("invalid options")},
        {QLatin1StringView("SHUTTING_DOWN"), QT_TR_NOOP("service stopped")},
        {QLatin1StringView("OUTPUT_SEND_FAILED"), QT_TR_NOOP("delivery failed")},
        {QLatin1StringView("BAD_OFFSET"), QT_TR_NOOP("upload broken")},
        {QLatin1StringView("INTERNAL_ERROR"), QT_TR_NOOP("internal error")},
    };
    for (const auto &name : names) {
        if (code == name.code)
            return tr(name.text);
    }
    return code.isEmpty() ? tr("failed") : code.toLower().replace(u'_', u' ');
}

std::optional<JobRecord> JobRecord::fromSnapshot(const QJsonObject &snapshot)
{
    const QString id = snapshot.value(Field::Id).toString();
    const auto state = jobStateFromName(snapshot.value(Field::Status).toString());
    if (id.isEmpty() || !state)
        return std::nullopt;
    JobRecord record;
    record.id = id;
    record.jobId = snapshot.value(Field::JobId).toString();
    record.owner = snapshot.value(QLatin1StringView("owner")).toString();
    record.operation = snapshot.value(Field::Operation).toString();
    const QJsonObject input = snapshot.value(Field::Input).toObject();
    record.inputName = input.value(QLatin1StringView("name")).toString();
    record.inputSource = input.value(Field::Source).toString();
    record.inputSize = qint64(number(input, Field::Size, -1));
    record.state = *state;
    record.stage = snapshot.value(Field::Stage).toString();
    record.priority = snapshot.value(Field::Priority).toString();
    record.percentage = std::clamp(number(snapshot, Field::Percentage, 0), 0.0, 100.0);
    record.speed = number(snapshot, Field::Speed, -1);
    record.fps = number(snapshot, Field::Fps, -1);
    record.etaSeconds = number(snapshot, Field::EtaSeconds, -1);
    record.bytes = qint64(number(snapshot, Field::Bytes, -1));
    record.totalBytes = qint64(number(snapshot, Field::TotalBytes, -1));
    record.queuePosition = int(number(snapshot, Field::QueuePosition, 0));
    record.createdAt = parseTime(snapshot.value(QLatin1StringView("created_at")));
    record.startedAt = parseTime(snapshot.value(QLatin1StringView("started_at")));
    record.finishedAt = parseTime(snapshot.value(QLatin1StringView("finished_at")));
    const QJsonObject error = snapshot.value(Field::Error).toObject();
    record.errorCode = error.value(Field::Code).toString();
    record.errorMessage = error.value(Field::Message).toString();
    record.snapshot = snapshot;
    return record;
}

double JobRecord::elapsedSeconds(const QDateTime &now) const
{
    if (!createdAt.isValid())
        return -1;
    const QDateTime end = finishedAt.isValid() ? finishedAt : now;
    return std::max<qint64>(0, createdAt.msecsTo(end)) / 1000.0;
}

} // namespace Mediaforge::Monitor
