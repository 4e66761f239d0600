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
        {QLatin1StringView("RESOURCE_LIMIT"), QT_TR_NOOP("resource limit")},
        {QLatin1StringView("INSUFFICIENT_STORAGE"), QT_TR_NOOP("disk full")},
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

QString StatusText::errorName(const QString &code)
{
    static const struct
    {
        QLatin1StringView code;
        const char *text;
    } names[] = {
        {QLatin1StringView("UNAUTHORIZED"), QT_TR_NOOP("token refused")},
        {QLatin1StringView("FORBIDDEN"), QT_TR_NOOP("not allowed for this token")},
        {QLatin1StringView("NOT_FOUND"), QT_TR_NOOP("no such job")},
        {QLatin1StringView("CANCEL_FAILED"), QT_TR_NOOP("the job cannot be cancelled")},
        {QLatin1StringView("INVALID_STATE"), QT_TR_NOOP("not possible in the job's state")},
        {QLatin1StringView("RATE_LIMITED"), QT_TR_NOOP("too many requests")},
        {QLatin1StringView("QUEUE_FULL"), QT_TR_NOOP("queue full")},
        {QLatin1StringView("UNKNOWN_MESSAGE_TYPE"), QT_TR_NOOP("request not understood")},
        {QLatin1StringView("INVALID_JSON"), QT_TR_NOOP("request not understood")},
    };
    for (const auto &name : names) {
        if (code == name.code)
            return tr(name.text);
    }
    return errorShort(code);
}

QString StatusText::fieldLabel(const QString &key)
{
    static const struct
    {
        QLatin1StringView key;
        const char *text;
    } labels[] = {
        {QLatin1StringView("reason"), QT_TR_NOOP("Reason")},
        {QLatin1StringView("audio_codec"), QT_TR_NOOP("Audio codec")},
        {QLatin1StringView("video_codec"), QT_TR_NOOP("Video codec")},
        {QLatin1StringView("size_bytes"), QT_TR_NOOP("Size")},
        {QLatin1StringView("stream_copy"), QT_TR_NOOP("Streams copied unchanged")},
        {QLatin1StringView("duration_seconds"), QT_TR_NOOP("Duration")},
        {QLatin1StringView("width"), QT_TR_NOOP("Width")},
        {QLatin1StringView("height"), QT_TR_NOOP("Height")},
        {QLatin1StringView("bitrate"), QT_TR_NOOP("Bit rate")},
        {QLatin1StringView("format"), QT_TR_NOOP("Format")},
        {QLatin1StringView("frame_rate"), QT_TR_NOOP("Frame rate")},
        {QLatin1StringView("sample_rate"), QT_TR_NOOP("Sample rate")},
        {QLatin1StringView("channels"), QT_TR_NOOP("Channels")},
        {QLatin1StringView("limit"), QT_TR_NOOP("Limit")},
        {QLatin1StringView("max"), QT_TR_NOOP("Maximum")},
        {QLatin1StringView("max_bytes"), QT_TR_NOOP("Maximum size")},
        {QLatin1StringView("retry_after_seconds"), QT_TR_NOOP("Retry after (s)")},
        {QLatin1StringView("http_status"), QT_TR_NOOP("HTTP status")},
        {QLatin1StringView("url"), QT_TR_NOOP("URL")},
    };
    for (const auto &label : labels) {
        if (key == label.key)
            return tr(label.text);
    }
    // An unknown key still reads as words, not as an identifier.
    QString words = key;
    words.replace(u'_', u' ');
    if (!words.isEmpty())
        words[0] = words.at(0).toUpper();
    return words;
}

QString StatusText::fieldValue(const QString &key, const QString &value)
{
    if (key == QLatin1StringView("reason")) {
        if (value == QLatin1StringView("time_limit"))
            return tr("the job's time limit was reached");
        if (value == QLatin1StringView("stalled"))
            return tr("no progress for too long (stalled)");
        if (value == QLatin1StringView("too_many_redirects"))
            return tr("too many redirects");
    }
    if (value == QLatin1StringView("true"))
        return tr("yes");
    if (value == QLatin1StringView("false"))
        return tr("no");
    return value;
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
    record.preset = snapshot.value(Field::Preset).toString();
    record.batchId = snapshot.value(Field::BatchId).toString();
    record.node = snapshot.value(QLatin1StringView("node")).toString();
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
