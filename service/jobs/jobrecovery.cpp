// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobrecovery.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace Mediaforge {

namespace {

bool inputsPresent(const Job &job)
{
    for (const JobInput &input : job.inputs) {
        const QFileInfo info(input.path);
        if (!info.isFile() || (input.complete && info.size() != input.bytes))
            return false;
    }
    return true;
}

bool outputsPresent(const Job &job)
{
    for (const JobOutput &output : job.outputs) {
        const QFileInfo info(output.path);
        if (!info.isFile() || info.size() != output.size)
            return false;
    }
    return true;
}

Recovered end(Job job, JobStatus status, Error error, const QDateTime &now)
{
    job.status = status;
    job.finishedAt = now;
    job.error = std::move(error);
    job.outputsRemoved = true;
    return Recovered{std::move(job), Recovered::Action::End};
}

} // namespace

bool ownerCanReturn(const Job &job)
{
    return job.protocolLevel >= 1 && (job.detach || job.tokenOwner);
}

Recovered recoverJob(Job job, int maxAttempts, const QDateTime &now)
{
    if (isFinished(job.status)) {
        if (job.outputsRemoved)
            return Recovered{std::move(job), Recovered::Action::End};
        // Outputs waiting for a connection that is gone go as they would have on its close.
        const bool kept = job.retained || ownerCanReturn(job);
        const bool expired = job.retainUntil.isValid() && job.retainUntil <= now;
        if (!kept || expired || !outputsPresent(job)) {
            job.outputsRemoved = true;
            return Recovered{std::move(job), Recovered::Action::End};
        }
        return Recovered{std::move(job), Recovered::Action::KeepOutputs};
    }

    if (!ownerCanReturn(job)) {
        return end(std::move(job), JobStatus::Cancelled,
                   Error(ErrorCode::JobCancelled,
                         QStringLiteral("the service restarted and the connection that started the job is gone"),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("restart")}}),
                   now);
    }
    job.connectionId = 0;
    job.progress = JobProgress{};
    switch (job.status) {
    case JobStatus::AwaitingUpload:
        // A token owner comes back (attach) and goes on from the last byte the file holds:
        // written unbuffered, every byte counted reached the operating system before the
        // crash, and after a power cut the file's size is what the disk kept.
        if (job.tokenOwner) {
            qint64 received = 0;
            for (JobInput &input : job.inputs) {
                const QFileInfo info(input.path);
                if (input.complete && (!info.isFile() || info.size() != input.bytes)) {
                    return end(std::move(job), JobStatus::Failed,
                               Error(ErrorCode::FilesLost,
                                     QStringLiteral("the job's uploaded files vanished while the service was stopped")),
                               now);
                }
                if (!input.complete)
                    input.bytes = info.isFile() ? info.size() : 0;
                received += input.bytes;
            }
            job.progress.bytes = received;
            job.stage = JobStage::Uploading;
            return Recovered{std::move(job), Recovered::Action::Upload};
        }
        return end(std::move(job), JobStatus::Failed,
                   Error(ErrorCode::Interrupted,
                         QStringLiteral("the upload was interrupted by a restart of the service; start the job again")),
                   now);
    case JobStatus::Downloading:
        for (JobInput &input : job.inputs) {
            input.bytes = 0;
            input.complete = false;
        }
        job.stage = JobStage::Downloading;
        return Recovered{std::move(job), Recovered::Action::Download};
    case JobStatus::Processing:
        // The service died under this run: count it, so that an input that kills the service
        // every time stops after --max-attempts instead of crash-looping it.
        ++job.attempts;
        if (job.attempts > maxAttempts) {
            const int runs = job.attempts - 1;
            return end(std::move(job), JobStatus::Failed,
                       Error(ErrorCode::AttemptsExhausted,
                             QStringLiteral("the service stopped unexpectedly during each of this job's %1 runs; "
                                            "it is not run again (--max-attempts %2)")
                                     .arg(runs)
                                     .arg(maxAttempts),
                             QJsonObject{{QStringLiteral("attempts"), runs}, {QStringLiteral("max_attempts"), maxAttempts}}),
                       now);
        }
        job.outputs.clear();
        job.probeResult = QJsonObject();
        job.startedAt = QDateTime();
        [[fallthrough]];
    case JobStatus::Queued:
        if (!inputsPresent(job)) {
            return end(std::move(job), JobStatus::Failed,
                       Error(ErrorCode::FilesLost,
                             QStringLiteral("the job's input files vanished while the service was stopped")),
                       now);
        }
        job.status = JobStatus::Queued;
        job.stage = JobStage::Queued;
        return Recovered{std::move(job), Recovered::Action::Queue};
    case JobStatus::Completed:
    case JobStatus::Failed:
    case JobStatus::Cancelled:
        break;
    }
    return Recovered{std::move(job), Recovered::Action::End};
}

bool portableInputs(const Job &job)
{
    return !job.inputs.isEmpty() && std::all_of(job.inputs.cbegin(), job.inputs.cend(), [](const JobInput &input) {
        return input.source == JobInput::Source::Url || input.source == JobInput::Source::Storage;
    });
}

Recovered loseJob(Job job, const QString &node, const QDateTime &now)
{
    return end(std::move(job), JobStatus::Failed,
               Error(ErrorCode::NodeLost,
                     QStringLiteral("the node that held this job's uploaded input (%1) is gone; no other node has a copy, "
                                    "so the job cannot run: submit it again")
                             .arg(node),
                     QJsonObject{{QStringLiteral("node"), node}}),
               now);
}

Recovered adoptJob(Job job, int maxAttempts, const QString &directory, const QDateTime &now)
{
    if (!ownerCanReturn(job)) {
        return end(std::move(job), JobStatus::Cancelled,
                   Error(ErrorCode::JobCancelled,
                         QStringLiteral("the node running the job stopped and the connection that started it is gone"),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("node_lost")}}),
                   now);
    }
    ++job.attempts;
    if (job.attempts > maxAttempts) {
        const int runs = job.attempts - 1;
        return end(std::move(job), JobStatus::Failed,
                   Error(ErrorCode::AttemptsExhausted,
                         QStringLiteral("the node running this job stopped during each of its %1 runs; it is not run "
                                        "again (--max-attempts %2)")
                                 .arg(runs)
                                 .arg(maxAttempts),
                         QJsonObject{{QStringLiteral("attempts"), runs}, {QStringLiteral("max_attempts"), maxAttempts}}),
                   now);
    }
    return moveQueuedJob(std::move(job), directory);
}

Recovered moveQueuedJob(Job job, const QString &directory)
{
    job.connectionId = 0;
    job.progress = JobProgress{};
    job.outputs.clear();
    job.probeResult = QJsonObject();
    job.startedAt = QDateTime();
    job.inputCompletedAt = QDateTime();
    job.directory = directory;
    for (qsizetype i = 0; i < job.inputs.size(); ++i) {
        JobInput &input = job.inputs[i];
        input.path = QDir(directory).filePath(QStringLiteral("input-%1").arg(i));
        input.bytes = 0;
        input.complete = false;
    }
    job.status = JobStatus::Downloading;
    job.stage = JobStage::Downloading;
    return Recovered{std::move(job), Recovered::Action::Download};
}

} // namespace Mediaforge
