// SPDX-License-Identifier: GPL-3.0-or-later
#include "diskguard.h"

#include <QDirIterator>
#include <QFileInfo>
#include <QJsonObject>
#include <QStorageInfo>

namespace Mediaforge {

namespace {
constexpr qint64 kWalkIntervalMs = 1000;
// Job directories carry this prefix (JobManager); nothing else in a shared temp dir counts.
const QString kJobDirPattern = QStringLiteral("job-*");
} // namespace

DiskGuard::DiskGuard(QString tempDir, DiskLimits limits) : m_tempDir(std::move(tempDir)), m_limits(limits)
{
}

void DiskGuard::measure()
{
    qint64 total = 0;
    QDirIterator jobs(m_tempDir, {kJobDirPattern}, QDir::Dirs | QDir::NoDotAndDotDot);
    while (jobs.hasNext()) {
        QDirIterator files(jobs.next(), QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            files.next();
            total += files.fileInfo().size();
        }
    }
    m_walked = total;
    m_admittedSinceWalk = 0;
    m_sinceWalk.start();
}

qint64 DiskGuard::used()
{
    if (!m_sinceWalk.isValid() || m_sinceWalk.elapsed() >= kWalkIntervalMs)
        measure();
    return m_walked + m_admittedSinceWalk;
}

std::optional<Error> DiskGuard::admit(qint64 bytes)
{
    auto refused = check(bytes);
    if (!refused && m_limits.budgetBytes > 0)
        m_admittedSinceWalk += std::max<qint64>(0, bytes);
    return refused;
}

std::optional<Error> DiskGuard::check(qint64 bytes)
{
    bytes = std::max<qint64>(0, bytes);
    if (m_limits.budgetBytes > 0) {
        const qint64 inUse = used();
        if (inUse + bytes > m_limits.budgetBytes) {
            return Error(ErrorCode::InsufficientStorage,
                         QStringLiteral("the service's disk budget for job files is used up (%1 of %2 bytes); try again later")
                                 .arg(inUse)
                                 .arg(m_limits.budgetBytes),
                         QJsonObject{{QStringLiteral("limit"), QStringLiteral("disk_budget")},
                                     {QStringLiteral("budget_bytes"), m_limits.budgetBytes}});
        }
    }
    if (m_limits.minFreeBytes > 0) {
        const QStorageInfo storage(m_tempDir);
        const qint64 available = storage.isValid() ? storage.bytesAvailable() : -1;
        if (available < 0 || available - bytes < m_limits.minFreeBytes) {
            return Error(ErrorCode::InsufficientStorage,
                         QStringLiteral("the service's disk is nearly full; try again later"),
                         QJsonObject{{QStringLiteral("limit"), QStringLiteral("min_free_disk")},
                                     {QStringLiteral("min_free_bytes"), m_limits.minFreeBytes}});
        }
    }
    return std::nullopt;
}

} // namespace Mediaforge
