// SPDX-License-Identifier: GPL-3.0-or-later
// What JobManager checks before input bytes reach the disk: the total of one job's inputs and
// the service's disk (budget and free-space floor). Kept apart from the job flow in
// jobmanager.cpp; both ends (uploads and downloads) call the same two functions.
#include "jobmanager.h"
#include "jobmanager_p.h"

#include <QJsonObject>

namespace Mediaforge {

using namespace JobManagerDetail;

namespace {

Error jobInputTooLarge(qint64 total, qint64 limit)
{
    return Error(ErrorCode::TooLarge,
                 QStringLiteral("the job's inputs exceed the limit of %1 bytes together (%2 bytes)").arg(limit).arg(total),
                 QJsonObject{{QStringLiteral("limit"), QStringLiteral("job_input")},
                             {QStringLiteral("max_job_input_bytes"), limit}});
}

} // namespace

std::optional<Error> JobManager::admitSubmit(const SubmitRequest &request)
{
    // Declared sizes are checked at once, so a client learns before it sends a byte; inputs of
    // unknown size are checked as their bytes arrive.
    qint64 declared = 0;
    for (const JobInput &input : std::as_const(request.inputs))
        declared += std::max<qint64>(0, input.declaredSize);
    if (declared > m_settings.maxJobInputBytes)
        return jobInputTooLarge(declared, m_settings.maxJobInputBytes);
    // A disk already past its budget or floor takes no new job, whatever its size.
    return m_disk.check(declared);
}

std::optional<Error> JobManager::admitInputBytes(const Job &job, int index, qint64 received, qint64 more, bool counting)
{
    qint64 others = 0;
    for (qsizetype i = 0; i < job.inputs.size(); ++i) {
        if (i != index)
            others += job.inputs.at(i).bytes;
    }
    const qint64 total = others + received + more;
    if (total > m_settings.maxJobInputBytes)
        return jobInputTooLarge(total, m_settings.maxJobInputBytes);
    if (auto refused = admitQuotaBytes(job, total, more)) {
        qCInfo(lcJobs).noquote() << jobFields(job) << "input refused:" << refused->message;
        return refused;
    }
    if (auto refused = counting ? m_disk.admit(job.directory, more) : m_disk.check(more)) {
        qCWarning(lcJobs).noquote() << jobFields(job) << "input refused:" << refused->message;
        return refused;
    }
    if (counting)
        countQuotaBytes(job.owner, more);
    return std::nullopt;
}

} // namespace Mediaforge
