// SPDX-License-Identifier: GPL-3.0-or-later
// JobManager, continued: a job's inputs arriving, by upload (chunks at offsets, resumable,
// hashed as they come) or by download (one URL or storage object after the other), up to the
// moment all are complete and the job is answered from the cache or queued. The job flow
// around it is in jobmanager.cpp.
#include "jobmanager.h"
#include "jobmanager_p.h"

#include "logging/logging.h"

#include <QDateTime>
#include <QFile>
#include <QTimer>

#include <algorithm>

namespace Mediaforge {

using namespace JobManagerDetail;

void JobManager::startInput(Job &job)
{
    Runtime &rt = runtime(job.id);
    if (job.status == JobStatus::AwaitingUpload) {
        rt.uploads.resize(size_t(job.inputs.size()));
        rt.sinceUploadData.start();
        m_awaitingUpload.insert(job.id);
        if (!m_uploadStallClock) {
            m_uploadStallClock = new QTimer(this);
            // A quarter of the timeout, at most a second: a stalled upload fails within
            // that much after its timeout.
            m_uploadStallClock->setInterval(std::clamp(m_settings.uploadStallTimeout / 4, std::chrono::milliseconds(50),
                                                       std::chrono::milliseconds(1000)));
            connect(m_uploadStallClock, &QTimer::timeout, this, &JobManager::checkUploadStalls);
        }
        if (!m_uploadStallClock->isActive())
            m_uploadStallClock->start();
        return;
    }
    // Deferred, so that the session can send `ack` before the first download progress.
    const QString id = job.id;
    QMetaObject::invokeMethod(
            this,
            [this, id] {
                if (Job *pending = mutableJob(id); pending && pending->status == JobStatus::Downloading && m_runtimes.contains(id))
                    startDownload(*pending, 0);
            },
            Qt::QueuedConnection);
}

void JobManager::checkUploadStalls()
{
    QStringList stalled;
    for (auto it = m_awaitingUpload.begin(); it != m_awaitingUpload.end();) {
        const auto runtime = m_runtimes.constFind(*it);
        const Job *waiting = job(*it);
        if (runtime == m_runtimes.constEnd() || !waiting || waiting->status != JobStatus::AwaitingUpload) {
            it = m_awaitingUpload.erase(it);   // ended or complete meanwhile
            continue;
        }
        if ((*runtime)->sinceUploadData.elapsed() >= qint64(m_settings.uploadStallTimeout.count()))
            stalled.append(*it);
        ++it;
    }
    if (m_awaitingUpload.isEmpty())
        m_uploadStallClock->stop();
    // After the walk: failing a job changes the sets walked above.
    for (const QString &id : std::as_const(stalled)) {
        m_awaitingUpload.remove(id);
        failJob(id, Error(ErrorCode::Timeout,
                          QStringLiteral("no upload data for %1 s").arg(double(m_settings.uploadStallTimeout.count()) / 1000.0),
                          QJsonObject{{QStringLiteral("reason"), QStringLiteral("stalled")}}));
    }
}

void JobManager::startDownload(Job &job, int index)
{
    Runtime &rt = runtime(job.id);
    DownloadLimits limits = m_settings.download;
    const QString jobKey = job.id;
    limits.admit = [this, jobKey, index](qint64 received, qint64 more, bool announced) -> std::optional<Error> {
        const Job *current = this->job(jobKey);
        return current ? admitInputBytes(*current, index, received, more, !announced) : std::nullopt;
    };
    Downloader *downloader = makeDownloader(job.inputs.at(index), limits);
    rt.downloader = downloader;
    rt.downloadIndex = index;
    const QString id = job.id;
    connect(downloader, &Downloader::progress, this, [this, id, index](qint64 received, qint64 total) {
        Job *current = m_runtimes.contains(id) ? mutableJob(id) : nullptr;
        if (!current)
            return;
        qint64 done = 0;
        for (int i = 0; i < index; ++i)
            done += current->inputs.at(i).bytes;
        const qint64 delta = received - current->inputs[index].bytes;
        current->inputs[index].bytes = received;
        if (delta > 0) {
            m_bytesReceived += delta;
            emit bytesReceivedChanged(delta);
        }
        current->progress.bytes = done + received;
        const bool last = index == current->inputs.size() - 1;
        current->progress.totalBytes = total >= 0 && last ? done + total : -1;
        updateProgress(*current);
    });
    connect(downloader, &Downloader::finished, this, [this, id, index, downloader] {
        downloader->deleteLater();
        Job *current = m_runtimes.contains(id) ? mutableJob(id) : nullptr;
        if (!current || isFinished(current->status))
            return;
        if (const auto &error = downloader->error()) {
            Error failure = storageDownloadError(current->inputs.at(index), *error);
            if (current->inputs.size() > 1)
                failure.message = QStringLiteral("input %1: %2").arg(index + 1).arg(failure.message);
            finishJob(*current, JobStatus::Failed, failure);
            return;
        }
        JobInput &input = current->inputs[index];
        input.bytes = downloader->bytesReceived();
        input.sha256 = downloader->sha256();
        input.complete = true;
        if (!downloader->suggestedFileName().isEmpty() && input.source != JobInput::Source::Storage)
            input.displayName = downloader->suggestedFileName();
        if (index + 1 < current->inputs.size()) {
            startDownload(*current, index + 1);
            return;
        }
        inputComplete(*current);
    });
    const JobInput &input = job.inputs.at(index);
    const QString shownUrl = input.source == JobInput::Source::Storage
            ? QStringLiteral("storage:%1/%2").arg(input.storage, input.key)
            : Logging::redactUrl(input.url);
    qCInfo(lcInput).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("url"), shownUrl}} << "download started";
    if (input.source == JobInput::Source::Storage) {
        // The endpoint is read now, not when the job was accepted: a restart with a changed
        // --storage reads from where the operator points it.
        const StorageSpec *spec = storage(input.storage);
        if (!spec) {
            downloader->deleteLater();
            rt.downloader = nullptr;
            finishJob(job, JobStatus::Failed,
                      Error(ErrorCode::ValidationError, QStringLiteral("storage %1 is no longer configured").arg(input.storage)));
            return;
        }
        downloader->start(spec->objectUrl(input.key), input.path);
        return;
    }
    downloader->start(input.url, input.path);
}

std::optional<Error> JobManager::writeUpload(const QString &id, quint64 connectionId, int index, qint64 offset,
                                             QByteArrayView data, bool final)
{
    Job *job = mutableJob(id);
    if (!job)
        return Error(ErrorCode::NotFound, QStringLiteral("no such job"));
    if (job->connectionId != connectionId) {
        return Error(ErrorCode::Forbidden,
                     QStringLiteral("uploads are accepted only from the connection that started the job"));
    }
    if (job->status != JobStatus::AwaitingUpload) {
        return Error(ErrorCode::InvalidState,
                     QStringLiteral("job is %1, not awaiting an upload").arg(jobStatusName(job->status)));
    }
    if (index < 0) {
        for (qsizetype i = 0; i < job->inputs.size(); ++i) {
            if (!job->inputs.at(i).complete) {
                index = int(i);
                break;
            }
        }
    }
    if (index < 0 || index >= job->inputs.size()) {
        return Error(ErrorCode::InvalidState,
                     QStringLiteral("upload index %1 is outside the job's %2 inputs").arg(index).arg(job->inputs.size()));
    }
    JobInput &input = job->inputs[index];
    if (input.complete)
        return Error(ErrorCode::InvalidState, QStringLiteral("input %1 is already complete").arg(index));
    Runtime &rt = runtime(id);
    if (offset != input.bytes && rt.uploadResumed) {
        return Error(ErrorCode::BadOffset,
                     QStringLiteral("the upload goes on at offset %1, not %2").arg(input.bytes).arg(offset),
                     QJsonObject{{QStringLiteral("expected_offset"), input.bytes},
                                 {QStringLiteral("offset"), offset},
                                 {QStringLiteral("index"), index}});
    }
    if (offset != input.bytes) {
        finishJob(*job, JobStatus::Failed,
                  Error(ErrorCode::BadOffset,
                        QStringLiteral("upload offset %1 does not continue the %2 bytes received").arg(offset).arg(input.bytes),
                        QJsonObject{{QStringLiteral("expected_offset"), input.bytes}, {QStringLiteral("offset"), offset}}));
        return std::nullopt;
    }
    const qint64 after = input.bytes + data.size();
    const qint64 limit = input.declaredSize >= 0 ? std::min(input.declaredSize, m_settings.maxFileBytes)
                                                 : m_settings.maxFileBytes;
    if (after > limit) {
        const bool declared = input.declaredSize >= 0 && input.declaredSize < m_settings.maxFileBytes;
        finishJob(*job, JobStatus::Failed,
                  Error(ErrorCode::TooLarge,
                        declared ? QStringLiteral("upload exceeds its declared size of %1 bytes").arg(input.declaredSize)
                                 : QStringLiteral("upload exceeds the limit of %1 bytes").arg(m_settings.maxFileBytes),
                        QJsonObject{{QStringLiteral("max_bytes"), limit}}));
        return std::nullopt;
    }
    if (auto refused = admitInputBytes(*job, index, input.bytes, data.size(), true)) {
        finishJob(*job, JobStatus::Failed, *refused);
        return std::nullopt;
    }

    auto &file = rt.uploads.at(size_t(index));
    if (!file) {
        // Unbuffered: a byte counted in input.bytes has reached the operating system, so a
        // crash of the service never loses what a resumed upload starts after. ReadWrite
        // instead of Truncate: after a restart the file holds the bytes received before.
        file = std::make_unique<QFile>(input.path);
        if (!file->open(QIODevice::ReadWrite | QIODevice::Unbuffered) || !file->resize(input.bytes)
            || !file->seek(input.bytes)) {
            finishJob(*job, JobStatus::Failed, Error(ErrorCode::InternalError, QStringLiteral("cannot store the upload")));
            return std::nullopt;
        }
        // Hashed as the bytes arrive; only an upload resumed after a restart reads back what
        // the earlier run of the service received.
        rt.uploadHashes.resize(rt.uploads.size());
        auto &hash = rt.uploadHashes.at(size_t(index));
        hash = std::make_unique<Sha256>();
        if (input.bytes > 0 && !hashPrefix(input.path, input.bytes, *hash)) {
            finishJob(*job, JobStatus::Failed, Error(ErrorCode::InternalError, QStringLiteral("cannot read the stored upload")));
            return std::nullopt;
        }
    }
    if (!data.isEmpty() && file->write(data.data(), data.size()) != data.size()) {
        finishJob(*job, JobStatus::Failed,
                  Error(ErrorCode::InternalError, QStringLiteral("cannot store the upload (disk full?)")));
        return std::nullopt;
    }
    rt.uploadHashes.at(size_t(index))->addData(data);
    input.bytes = after;
    rt.uploadResumed = false;
    m_bytesReceived += data.size();
    emit bytesReceivedChanged(data.size());
    // Only bytes are progress: a peer sending empty chunks must not hold the job open forever.
    if (!data.isEmpty())
        rt.sinceUploadData.restart();

    qint64 received = 0;
    for (const JobInput &each : std::as_const(job->inputs))
        received += each.bytes;
    job->progress.bytes = received;

    if (final) {
        file->close();
        if (input.declaredSize >= 0 && input.bytes != input.declaredSize) {
            finishJob(*job, JobStatus::Failed,
                      Error(ErrorCode::BinaryError,
                            QStringLiteral("upload ended after %1 bytes; %2 were declared").arg(input.bytes).arg(input.declaredSize)));
            return std::nullopt;
        }
        input.sha256 = QString::fromLatin1(rt.uploadHashes.at(size_t(index))->result().toHex());
        input.complete = true;
        const bool all = std::all_of(job->inputs.cbegin(), job->inputs.cend(), [](const JobInput &in) { return in.complete; });
        if (all) {
            job->progress.totalBytes = received;
            inputComplete(*job);
            return std::nullopt;
        }
    }
    updateProgress(*job);
    return std::nullopt;
}

void JobManager::inputComplete(Job &job)
{
    Runtime &rt = runtime(job.id);
    m_awaitingUpload.remove(job.id);
    job.progress.percentage = 100;
    if (job.progress.totalBytes < 0)
        job.progress.totalBytes = job.progress.bytes;
    if (rt.lastSentPercentage < 100)
        rt.progressPending = true;
    flushProgress(job);
    job.inputCompletedAt = QDateTime::currentDateTimeUtc();
    if (answerFromCache(job))
        return;
    enqueue(job);
}

} // namespace Mediaforge
