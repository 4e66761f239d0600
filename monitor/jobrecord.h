// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <array>
#include <optional>

namespace Mediaforge::Monitor {

// PROTOCOL.md job statuses, in lifecycle order.
enum class JobState { AwaitingUpload, Downloading, Queued, Processing, Completed, Failed, Cancelled };

// What an operator filters and counts by: the two input statuses are one thing to them.
enum class StatusGroup { Input, Queued, Running, Completed, Failed, Cancelled };
inline constexpr int kStatusGroupCount = 6;
inline constexpr std::array kAllStatusGroups{StatusGroup::Input,     StatusGroup::Queued, StatusGroup::Running,
                                             StatusGroup::Completed, StatusGroup::Failed, StatusGroup::Cancelled};

StatusGroup statusGroupOf(JobState state);
bool isFinished(JobState state);
std::optional<JobState> jobStateFromName(QStringView name);

// Names for people, translated.
class StatusText
{
    Q_DECLARE_TR_FUNCTIONS(StatusText)
public:
    static QString state(JobState state);
    static QString group(StatusGroup group);
    static QString stage(const QString &wireStage);
    static QString priority(const QString &wirePriority);
    // "compress", "extract_audio" → "Compress", "Extract audio"
    static QString operation(const QString &wireOperation);
    // A few words for an error code, short enough for a table cell: "FFMPEG_FAILED" → "ffmpeg error".
    static QString errorShort(const QString &code);
    // A protocol error code as a few translated words for sentences: "UNAUTHORIZED" → "token refused".
    static QString errorName(const QString &code);
    // A snapshot key (error details, output metadata) as a label: "audio_codec" → "Audio codec".
    static QString fieldLabel(const QString &key);
    // A value the service sends as a word, where the monitor knows it: "time_limit" → "time limit reached".
    static QString fieldValue(const QString &key, const QString &value);
};

// One job as the monitor shows it: the fields of a PROTOCOL.md job snapshot, parsed once
// when the snapshot arrives so that painting and sorting never touch JSON.
struct JobRecord
{
    QString id;              // service-wide id: what cancel_job and the row hash use
    QString jobId;           // the owner's own id
    QString owner;
    QString operation;
    QString preset;          // the preset the job was started by; empty for a free-form job
    QString batchId;         // the batch the job is an item of (docs/batches.md); empty for none
    QString node;            // the cluster node that holds and runs it; empty on one machine
    QString inputName;
    QString inputSource;     // upload, url, multiple
    qint64 inputSize = -1;
    JobState state = JobState::Queued;
    QString stage;
    QString priority;
    double percentage = 0;
    double speed = -1;       // × real time, while processing
    double fps = -1;
    double etaSeconds = -1;
    qint64 bytes = -1;       // input transfer, while uploading or downloading
    qint64 totalBytes = -1;
    double transferRate = -1;   // bytes/s, measured by the monitor between two snapshots
    qint64 bytesSampledMs = -1; // when `bytes` was last seen to change (monitor's monotonic clock)
    int queuePosition = 0;
    QDateTime createdAt;
    QDateTime startedAt;
    QDateTime finishedAt;
    QString errorCode;
    QString errorMessage;
    QJsonObject snapshot;    // the whole snapshot, for the details dialog

    // Nothing for a snapshot without an id or with an unknown status.
    static std::optional<JobRecord> fromSnapshot(const QJsonObject &snapshot);

    bool finished() const { return isFinished(state); }
    StatusGroup group() const { return statusGroupOf(state); }
    // Seconds from submission to the end (or to `now` while it runs), or -1.
    double elapsedSeconds(const QDateTime &now) const;
};

} // namespace Mediaforge::Monitor
