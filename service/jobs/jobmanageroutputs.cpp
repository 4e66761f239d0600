// SPDX-License-Identifier: GPL-3.0-or-later
// Outputs that go to the client's `output_targets` (presigned PUT URLs) instead of the socket.
#include "jobmanager_p.h"

#include <algorithm>

namespace Mediaforge {

using namespace JobManagerDetail;

std::optional<Error> JobManager::checkOutputTargets(const QList<JobOutputTarget> &targets) const
{
    // A literal address is checked now, so that a target the guard refuses never costs a run;
    // a host name is resolved and checked (and the address pinned) at upload time, every try.
    for (const JobOutputTarget &target : targets) {
        if (auto refused = checkUrlSyntax(target.url))
            return refused;
        if (const auto literal = hostLiteralAddress(target.url.host())) {
            if (auto refused = checkAddresses(target.url, {*literal}, m_settings.urlPolicy))
                return refused;
        }
    }
    return std::nullopt;
}

void JobManager::startOutputUploads(Job &job)
{
    const QString id = job.id;
    Runtime &rt = runtime(id);
    // Uploads never hold a worker slot (nor a finalizing place): the next ffmpeg may start.
    if (rt.slot >= 0) {
        m_slots[rt.slot].clear();
        rt.slot = -1;
    }
    if (rt.finalizingOffSlot) {
        rt.finalizingOffSlot = false;
        --m_finalizingOffSlot;
    }
    setStage(job, JobStatus::Processing, JobStage::UploadingOutputs);
    Job *current = m_runtimes.contains(id) ? mutableJob(id) : nullptr;
    if (!current)
        return;   // the store write was refused (fenced): the job is no longer ours
    auto *uploader = new OutputUploader(m_network, m_resolver, m_settings.urlPolicy, m_settings.outputUpload,
                                        current->outputTargets, current->outputs, this);
    if (current->outputStorage.isSet()) {
        // Configured when the job was accepted, but a restart may have come with other flags.
        const StorageSpec *spec = storage(current->outputStorage.storage);
        if (!spec) {
            delete uploader;
            finishJob(*current, JobStatus::Failed,
                      Error(ErrorCode::ValidationError,
                            QStringLiteral("storage %1 is no longer configured").arg(current->outputStorage.storage)));
            return;
        }
        uploader->setStorage(*spec, current->outputStorage.prefix, m_settings.storagePartSize);
    }
    runtime(id).uploader = uploader;
    connect(uploader, &OutputUploader::progress, this, [this, id](qint64 sent, qint64 total) {
        Job *current = m_runtimes.contains(id) ? mutableJob(id) : nullptr;
        if (!current || current->stage != JobStage::UploadingOutputs)
            return;
        current->progress.bytes = sent;
        current->progress.totalBytes = total;
        if (total > 0)
            current->progress.percentage = std::max(current->progress.percentage, std::min(100.0, 100.0 * double(sent) / double(total)));
        updateProgress(*current);
    });
    connect(uploader, &OutputUploader::finished, this, [this, id, uploader] {
        uploader->deleteLater();
        Job *current = m_runtimes.contains(id) ? mutableJob(id) : nullptr;
        if (!current || isFinished(current->status))
            return;
        if (const auto &error = uploader->error()) {
            finishJob(*current, JobStatus::Failed, *error);
            return;
        }
        current->outputs = uploader->outputs();
        finishJob(*current, JobStatus::Completed, std::nullopt);
    });
    qCInfo(lcJobs).noquote() << jobFields(*current)
                             << Logging::Fields{{QStringLiteral("outputs"), QString::number(current->outputs.size())}}
                             << "uploading outputs";
    schedule();
    uploader->start();
}

} // namespace Mediaforge
