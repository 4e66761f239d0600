// SPDX-License-Identifier: GPL-3.0-or-later
// Quotas per owner (the keys of its tokens-file line, docs/security.md): new jobs a minute,
// unfinished jobs, the largest input, input bytes a day. Kept apart from the job flow in
// jobmanager.cpp. The daily input count is rebuilt from the job store after a restart (the
// store holds every job of the day with its input bytes), so a restart does not reset it.
// On a store that several nodes share, the counts are the owner's over every node: each
// start_job (and get_stats) reads the other nodes' part from the store (docs/scaling.md).
#include "jobmanager.h"
#include "jobmanager_p.h"

#include <QJsonObject>

#include <algorithm>

namespace Mediaforge {

using namespace JobManagerDetail;

namespace {

QDateTime nextUtcMidnight(const QDateTime &now)
{
    return QDateTime(now.date().addDays(1), QTime(0, 0), Qt::UTC);
}

Error quotaExceeded(const QString &message, const QString &quota, qint64 limit, qint64 used,
                    const QDateTime &resetsAt = QDateTime(), const QDateTime &now = QDateTime())
{
    QJsonObject details{{QStringLiteral("quota"), quota}, {QStringLiteral("limit"), limit}, {QStringLiteral("used"), used}};
    if (resetsAt.isValid()) {
        details.insert(QStringLiteral("resets_at"), resetsAt.toString(Qt::ISODateWithMs));
        details.insert(QStringLiteral("retry_after_seconds"), std::max<qint64>(1, now.secsTo(resetsAt)));
    }
    return Error(ErrorCode::QuotaExceeded, message, details);
}

} // namespace

QDateTime JobManager::quotaNow() const
{
    return m_settings.quotaClock ? m_settings.quotaClock().toUTC() : QDateTime::currentDateTimeUtc();
}

bool JobManager::quotasSpanCluster() const
{
    return m_store->leaseDuration().count() > 0;
}

QDateTime JobManager::clusterRecentStart(const QString &owner, const QDateTime &now, int perMinute)
{
    // The service-wide --jobs-per-minute guards this node; only the tokens-file key is the
    // owner's across nodes.
    const auto quota = m_quotas.constFind(owner);
    if (!quotasSpanCluster() || quota == m_quotas.cend() || quota->jobsPerMinute <= 0)
        return {};
    const QList<QDateTime> starts = m_store->createdSince(owner, now.addSecs(-m_settings.rateWindow.count()), perMinute);
    return starts.size() >= perMinute ? starts.constFirst() : QDateTime();
}

int JobManager::unfinishedJobsOf(const QString &owner, int limit) const
{
    QSet<QString> unfinished;
    for (const auto &[id, job] : m_jobs) {
        if (job.owner == owner && !isFinished(job.status))
            unfinished.insert(id);
    }
    // On a shared store the other nodes' jobs of the owner count too (by id: a job this node
    // took over, or lent its input to, is one job).
    if (quotasSpanCluster()) {
        for (const Job &job : m_store->unfinishedElsewhere(owner, limit))
            unfinished.insert(job.id);
    }
    return int(unfinished.size());
}

int JobManager::jobsPerMinuteOf(const QString &owner) const
{
    const auto quota = m_quotas.constFind(owner);
    return quota != m_quotas.cend() && quota->jobsPerMinute > 0 ? quota->jobsPerMinute : m_settings.jobsPerMinute;
}

qint64 &JobManager::dailyInputBytes(const QString &owner)
{
    const QDateTime now = quotaNow();
    DailyInput &usage = m_dailyInput[owner];
    if (usage.day != now.date()) {
        // The first look of the day (or since the start): what the store says the owner's jobs
        // of today received, memory's figure for the jobs memory holds (it may be ahead).
        const QDateTime dayStart(now.date(), QTime(0, 0), Qt::UTC);
        QHash<QString, qint64> stored = m_store->inputBytesSince(owner, dayStart);
        for (const auto &[id, job] : m_jobs) {
            if (job.owner != owner || job.createdAt < dayStart)
                continue;
            qint64 bytes = 0;
            for (const JobInput &input : job.inputs)
                bytes += input.bytes;
            stored.insert(id, bytes);
        }
        usage.day = now.date();
        usage.bytes = 0;
        for (qint64 bytes : std::as_const(stored))
            usage.bytes += bytes;
    }
    return usage.bytes;
}

std::optional<Error> JobManager::admitQuota(const SubmitRequest &request)
{
    const auto found = m_quotas.constFind(request.owner);
    if (found == m_quotas.cend())
        return std::nullopt;
    const OwnerQuota &quota = *found;
    if (quota.maxUnfinishedJobs > 0) {
        const int unfinished = unfinishedJobsOf(request.owner, quota.maxUnfinishedJobs);
        if (unfinished >= quota.maxUnfinishedJobs) {
            return quotaExceeded(QStringLiteral("at most %1 unfinished jobs; start more when one has finished")
                                         .arg(quota.maxUnfinishedJobs),
                                 QStringLiteral("unfinished_jobs"), quota.maxUnfinishedJobs, unfinished);
        }
    }
    qint64 declared = 0;
    for (const JobInput &input : request.inputs)
        declared += std::max<qint64>(0, input.declaredSize);
    if (quota.maxInputBytes > 0 && declared > quota.maxInputBytes) {
        return quotaExceeded(QStringLiteral("a job's input may be at most %1 bytes (%2 declared)").arg(quota.maxInputBytes).arg(declared),
                             QStringLiteral("max_input_bytes"), quota.maxInputBytes, declared);
    }
    if (quota.inputBytesPerDay > 0) {
        // Each start reads the other nodes' part of the day from the store again; the checks
        // while bytes arrive count on from there.
        if (quotasSpanCluster())
            m_dailyInput[request.owner].day = QDate();
        const qint64 used = dailyInputBytes(request.owner);
        // A day used up refuses even a job of unknown size: it could only fail later.
        if (used + declared > quota.inputBytesPerDay || used >= quota.inputBytesPerDay) {
            const QDateTime now = quotaNow();
            return quotaExceeded(QStringLiteral("at most %1 input bytes a day; %2 used today").arg(quota.inputBytesPerDay).arg(used),
                                 QStringLiteral("input_bytes_per_day"), quota.inputBytesPerDay, used, nextUtcMidnight(now), now);
        }
    }
    return std::nullopt;
}

std::optional<Error> JobManager::admitQuotaBytes(const Job &job, qint64 total, qint64 more)
{
    const auto found = m_quotas.constFind(job.owner);
    if (found == m_quotas.cend())
        return std::nullopt;
    const OwnerQuota &quota = *found;
    if (quota.maxInputBytes > 0 && total > quota.maxInputBytes) {
        return quotaExceeded(QStringLiteral("a job's input may be at most %1 bytes").arg(quota.maxInputBytes),
                             QStringLiteral("max_input_bytes"), quota.maxInputBytes, total);
    }
    if (quota.inputBytesPerDay > 0) {
        const qint64 used = dailyInputBytes(job.owner);
        if (used + more > quota.inputBytesPerDay) {
            const QDateTime now = quotaNow();
            return quotaExceeded(QStringLiteral("at most %1 input bytes a day").arg(quota.inputBytesPerDay),
                                 QStringLiteral("input_bytes_per_day"), quota.inputBytesPerDay, used, nextUtcMidnight(now), now);
        }
    }
    return std::nullopt;
}

void JobManager::countQuotaBytes(const QString &owner, qint64 more)
{
    const auto found = m_quotas.constFind(owner);
    if (found != m_quotas.cend() && found->inputBytesPerDay > 0)
        dailyInputBytes(owner) += more;
}

QJsonObject JobManager::quotaUsage(const QString &owner)
{
    const auto found = m_quotas.constFind(owner);
    if (found == m_quotas.cend())
        return {};
    const OwnerQuota &quota = *found;
    QJsonObject usage;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (const int perMinute = jobsPerMinuteOf(owner); perMinute > 0) {
        int recent = 0;
        qint64 resetsIn = 0;
        const qint64 window = m_settings.rateWindow.count();
        for (const QDateTime &at : m_recentSubmits.value(owner)) {
            if (at.secsTo(now) < window) {
                if (recent++ == 0)
                    resetsIn = std::max<qint64>(1, window - at.secsTo(now));
            }
        }
        if (quotasSpanCluster() && quota.jobsPerMinute > 0) {
            const QList<QDateTime> starts = m_store->createdSince(owner, now.addSecs(-window), perMinute);
            if (starts.size() > recent) {
                recent = int(starts.size());
                resetsIn = std::max<qint64>(1, window - starts.constFirst().secsTo(now));
            }
        }
        QJsonObject entry{{QStringLiteral("limit"), perMinute}, {QStringLiteral("used"), recent}};
        if (recent > 0)
            entry.insert(QStringLiteral("resets_in_seconds"), resetsIn);
        usage.insert(QStringLiteral("jobs_per_minute"), entry);
    }
    if (quota.maxUnfinishedJobs > 0) {
        const int unfinished = unfinishedJobsOf(owner, quota.maxUnfinishedJobs);
        usage.insert(QStringLiteral("unfinished_jobs"),
                     QJsonObject{{QStringLiteral("limit"), quota.maxUnfinishedJobs}, {QStringLiteral("used"), unfinished}});
    }
    if (quota.maxInputBytes > 0)
        usage.insert(QStringLiteral("max_input_bytes"), QJsonObject{{QStringLiteral("limit"), quota.maxInputBytes}});
    if (quota.inputBytesPerDay > 0) {
        const QDateTime quotaTime = quotaNow();
        if (quotasSpanCluster())
            m_dailyInput[owner].day = QDate();
        usage.insert(QStringLiteral("input_bytes_per_day"),
                     QJsonObject{{QStringLiteral("limit"), quota.inputBytesPerDay},
                                 {QStringLiteral("used"), dailyInputBytes(owner)},
                                 {QStringLiteral("resets_at"), nextUtcMidnight(quotaTime).toString(Qt::ISODateWithMs)}});
    }
    return usage;
}

} // namespace Mediaforge
