// SPDX-License-Identifier: GPL-3.0-or-later
// Session, second half: JobManager's job signals turned into the messages of the connection
// that owns the job (progress, completed, errors, whole or chunked outputs) and into the event
// feed of subscribers, held back while the peer does not read.
#include "session.h"

#include "config/config.h"
#include "jobs/jobmanager.h"
#include "outputsender.h"
#include "protocol.h"

#include <QJsonArray>

#include <cmath>
#include <utility>

namespace Mediaforge {

using namespace Protocol;

namespace {

constexpr qint64 kSubscriberProgressIntervalMs = 500;   // job_event progress: <= 2 a second a job

QJsonObject message(QLatin1StringView type)
{
    return QJsonObject{{QString(Field::Type), QString(type)}};
}

} // namespace

void Session::jobEvent(JobEventKind kind, const QString &id)
{
    // The router brings only the jobs this connection started or attached to, and every job
    // while it is on the event feed.
    if (kind == JobEventKind::Removed) {
        m_lastEventProgress.remove(id);
        m_pendingEventProgress.remove(id);
        return;
    }
    const Job *job = m_context.manager->job(id);
    if (!job)
        return;
    switch (kind) {
    case JobEventKind::Accepted:
        if (m_subscribed)
            sendJobEvent(QStringLiteral("accepted"), *job);
        break;
    case JobEventKind::StageChanged:
        onJobStageChanged(*job);
        break;
    case JobEventKind::Progress:
        onJobProgress(*job);
        break;
    case JobEventKind::Finished:
        onJobFinished(*job);
        break;
    case JobEventKind::Removed:
        break;
    }
}

void Session::onJobStageChanged(const Job &job)
{
    if (m_jobs.contains(job.id))
        sendProgress(job);
    if (m_subscribed) {
        m_pendingEventProgress.remove(job.id);
        sendJobEvent(QStringLiteral("stage"), job);
    }
}

void Session::onJobProgress(const Job &job)
{
    const QString &id = job.id;
    if (m_jobs.contains(id))
        sendProgress(job);
    if (m_subscribed) {
        const qint64 now = m_clock.elapsed();
        const auto last = m_lastEventProgress.constFind(id);
        if (isCongested()) {
            m_pendingEventProgress.insert(id);   // coalesced: sent when the peer catches up
        } else if (last == m_lastEventProgress.constEnd() || now - *last >= kSubscriberProgressIntervalMs) {
            m_lastEventProgress.insert(id, now);
            m_pendingEventProgress.remove(id);
            sendJobEvent(QStringLiteral("progress"), job);
        } else {
            m_pendingEventProgress.insert(id);
        }
    }
}

void Session::flushSubscriberProgress()
{
    if (isCongested())
        return;
    const qint64 now = m_clock.elapsed();
    const QSet<QString> pending = m_pendingEventProgress;
    for (const QString &id : pending) {
        if (now - m_lastEventProgress.value(id) < kSubscriberProgressIntervalMs)
            continue;
        m_pendingEventProgress.remove(id);
        const Job *job = m_context.manager->job(id);
        if (!job || isFinished(job->status))
            continue;
        m_lastEventProgress.insert(id, now);
        sendJobEvent(QStringLiteral("progress"), *job);
    }
}

void Session::sendJobEvent(const QString &event, const Job &job)
{
    QJsonObject reply = message(Type::JobEvent);
    reply.insert(QString(Field::Event), event);
    reply.insert(QString(Field::Job), job.toSnapshot(true, m_context.manager->queuePosition(job.id)));
    send(reply);
}

void Session::flushDeferredProgress()
{
    const QSet<QString> deferred = std::exchange(m_deferredProgress, {});
    for (const QString &id : deferred) {
        const Job *job = m_context.manager->job(id);
        // The terminal message already went out: a late progress must not follow it.
        if (job && m_jobs.contains(id) && !isFinished(job->status))
            sendProgress(*job);
    }
}

void Session::sendProgress(const Job &job)
{
    if (isCongested()) {
        // The peer reads slowly: it gets the latest state once it has caught up.
        m_deferredProgress.insert(job.id);
        return;
    }
    const JobProgress &p = job.progress;
    QJsonObject progress = message(Type::Progress);
    progress.insert(QString(Field::JobId), job.jobId);
    progress.insert(QString(Field::Percentage), std::round(p.percentage * 10.0) / 10.0);
    progress.insert(QString(Field::Stage), jobStageName(job.stage));
    switch (job.stage) {
    case JobStage::Uploading:
    case JobStage::Downloading:
    case JobStage::UploadingOutputs:
        progress.insert(QString(Field::Bytes), p.bytes);
        if (p.totalBytes >= 0)
            progress.insert(QString(Field::TotalBytes), p.totalBytes);
        if (p.etaSeconds >= 0)
            progress.insert(QString(Field::EtaSeconds), std::round(p.etaSeconds * 10.0) / 10.0);
        break;
    case JobStage::Processing:
        progress.insert(QString(Field::OutTimeSeconds), std::round(p.outTimeSeconds * 1000.0) / 1000.0);
        progress.insert(QString(Field::DurationSeconds), std::round(p.durationSeconds * 1000.0) / 1000.0);
        progress.insert(QString(Field::Speed), std::round(p.speed * 100.0) / 100.0);
        progress.insert(QString(Field::Fps), std::round(p.fps * 10.0) / 10.0);
        if (p.etaSeconds >= 0)
            progress.insert(QString(Field::EtaSeconds), std::round(p.etaSeconds * 10.0) / 10.0);
        break;
    case JobStage::Queued:
        if (const int position = m_context.manager->queuePosition(job.id))
            progress.insert(QString(Field::QueuePosition), position);
        break;
    case JobStage::Finalizing:
        break;
    }
    send(progress);
}

void Session::onJobFinished(const Job &finished)
{
    const Job *job = &finished;
    const QString id = job->id;
    m_deferredProgress.remove(id);
    if (m_subscribed) {
        m_pendingEventProgress.remove(id);
        const QString event = job->status == JobStatus::Completed ? QStringLiteral("completed")
                : job->status == JobStatus::Failed                 ? QStringLiteral("failed")
                                                                   : QStringLiteral("cancelled");
        sendJobEvent(event, *job);
    }
    if (!m_jobs.contains(id))
        return;
    const QJsonValue requestId = m_cancelRequests.take(id);
    if (job->status != JobStatus::Completed) {
        m_jobs.remove(id);
        const Error error = job->error.value_or(Error(ErrorCode::JobFailed, QStringLiteral("job failed")));
        QJsonObject reply = message(Type::Error);
        const QJsonObject body = error.toJson();
        for (auto it = body.begin(); it != body.end(); ++it)
            reply.insert(it.key(), it.value());
        reply.insert(QString(Field::JobId), job->jobId);
        reply.insert(QString(Field::Id), job->id);
        send(reply, requestId);
        return;
    }
    sendCompleted(*job);
}

Error Session::level0TooLarge(const Job &job, const JobOutput &output) const
{
    const Config &config = *m_context.config;
    const QString url = m_context.httpBaseUrl + QStringLiteral("/jobs/") + job.id + QStringLiteral("/output");
    return Error(ErrorCode::TooLarge,
                 QStringLiteral("output %1 is %2 bytes, above the %3-byte limit for one message; fetch it "
                                "with protocol level 1 (hello, then fetch_output with id %4) or over HTTP: %5")
                         .arg(output.fileName)
                         .arg(output.size)
                         .arg(config.level0OutputLimitBytes)
                         .arg(job.id, url),
                 QJsonObject{{QStringLiteral("id"), job.id},
                             {QStringLiteral("size_bytes"), output.size},
                             {QStringLiteral("limit_bytes"), config.level0OutputLimitBytes},
                             {QStringLiteral("http_url"), url},
                             {QStringLiteral("retained_seconds"), config.retentionSeconds}});
}

void Session::sendCompleted(const Job &job)
{
    const Config &config = *m_context.config;
    if (m_level < 1) {
        for (const JobOutput &output : job.outputs) {
            if (output.size <= config.level0OutputLimitBytes)
                continue;
            // One message per file cannot carry this; the output stays fetchable instead.
            m_context.manager->retainOutputs(job.id);
            m_jobs.remove(job.id);
            sendError(level0TooLarge(job, output), job.jobId);
            return;
        }
    }
    QJsonObject completed = message(Type::Completed);
    completed.insert(QString(Field::JobId), job.jobId);
    completed.insert(QString(Field::Id), job.id);
    completed.insert(QString(Field::Message), QStringLiteral("Job completed successfully"));
    // Another node ran it and holds its outputs: they are streamed from there in the same
    // messages as a local file (docs/scaling.md, "Outputs through any node"). Only a node that
    // cannot reach the others' outputs leaves the client to fetch them later.
    const bool elsewhere = isElsewhere(job);
    const bool fetchLater = elsewhere && !m_context.remoteOutputs;
    // Outputs put to the client's output_targets are not pushed here too; fetch_output still
    // serves them while they are retained (detach).
    const bool uploaded = job.uploadsOutputs();
    completed.insert(QString(Field::DeliveryMethod), uploaded ? QStringLiteral("upload")
                                                     : fetchLater ? QStringLiteral("fetch")
                                                                 : QStringLiteral("binary"));
    if (!job.outputs.isEmpty()) {
        completed.insert(QString(Field::OutputMetadata), job.outputs.constFirst().metadata.toOutputMetadata());
        QJsonArray outputs;
        for (const JobOutput &output : job.outputs)
            outputs.append(output.toJson());
        completed.insert(QString(Field::Outputs), outputs);
    } else {
        completed.insert(QString(Field::Outputs), QJsonArray());
    }
    if (!job.probeResult.isEmpty())
        completed.insert(QString(Field::Result), job.probeResult);
    completed.insert(QString(Field::Timings), job.timings());
    // Level 0 clients see a normal completion.
    if (job.cached && m_level >= 1)
        completed.insert(QStringLiteral("cached"), true);
    send(completed);
    if (job.outputs.isEmpty() || fetchLater || uploaded) {
        m_jobs.remove(job.id);
        if (uploaded && !elsewhere)
            m_context.manager->releaseOutputs(job.id);
        else if (uploaded && m_context.releaseElsewhere)
            m_context.releaseElsewhere(job.id, ownerConnection());
        return;
    }
    sender()->enqueue(
            OutputSender::Delivery{job.id, job.jobId, job.outputs, -1, m_level >= 1, QJsonValue(), elsewhere});
}

} // namespace Mediaforge
