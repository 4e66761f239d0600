// SPDX-License-Identifier: GPL-3.0-or-later
#include "diskguard.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>

#include <atomic>

#include <sys/statvfs.h>

namespace Mediaforge {

namespace {
constexpr qint64 kMinWalkIntervalMs = 1000;
// A walk may take at most this share of the time (1 / kWalkDutyDivisor) on its thread.
constexpr qint64 kWalkDutyDivisor = 10;
// Job directories carry this prefix (JobManager); nothing else in a shared temp dir counts.
const QString kJobDirPattern = QStringLiteral("job-*");

// What an unprivileged process may still write there, as QStorageInfo::bytesAvailable() says,
// without QStorageInfo: it parses /proc/self/mountinfo on each construction, and this runs for
// every start_job and every upload chunk. -1 when the directory cannot be asked.
qint64 bytesAvailable(const QString &path)
{
    struct statvfs info;
    if (::statvfs(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return qint64(info.f_bavail) * qint64(info.f_frsize);
}

qint64 directorySize(const QString &path)
{
    qint64 total = 0;
    QDirIterator files(path, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        files.next();
        total += files.fileInfo().size();
    }
    return total;
}

QHash<QString, qint64> walkJobDirectories(const QString &tempDir)
{
    QHash<QString, qint64> sizes;
    QDirIterator jobs(tempDir, {kJobDirPattern}, QDir::Dirs | QDir::NoDotAndDotDot);
    while (jobs.hasNext()) {
        const QString path = jobs.next();
        sizes.insert(jobs.fileName(), directorySize(path));
    }
    return sizes;
}

template<typename Hash>
qint64 sumOf(const Hash &hash)
{
    qint64 sum = 0;
    for (const qint64 value : hash)
        sum += value;
    return sum;
}
} // namespace

// Shared with the walker thread: written there, read here only once `done` says it is complete.
struct DiskGuard::Walk
{
    QHash<QString, qint64> sizes;
    qint64 elapsedMs = 0;
    std::atomic<bool> done{false};
};

DiskGuard::DiskGuard(QString tempDir, DiskLimits limits) : m_tempDir(std::move(tempDir)), m_limits(limits)
{
    m_walker.setMaxThreadCount(1);
}

DiskGuard::~DiskGuard()
{
    m_walker.waitForDone();
}

void DiskGuard::forget(const QString &name)
{
    m_total -= m_measured.take(name) + m_admitted.take(name) + m_admittedBeforeWalk.take(name);
}

void DiskGuard::directoryChanged(const QString &directory)
{
    if (m_limits.budgetBytes <= 0)
        return;
    const QFileInfo info(directory);
    const QString name = info.fileName();
    forget(name);
    if (m_walk)
        m_changedDuringWalk.insert(name);
    if (info.isDir()) {
        const qint64 size = directorySize(directory);
        m_measured.insert(name, size);
        m_total += size;
    }
}

void DiskGuard::collectWalk()
{
    if (!m_walk || !m_walk->done.load(std::memory_order_acquire))
        return;
    QHash<QString, qint64> sizes = std::move(m_walk->sizes);
    // The walk saw on disk what was admitted before it began; it must not count twice.
    m_admittedBeforeWalk.clear();
    for (const QString &name : std::as_const(m_changedDuringWalk)) {
        sizes.remove(name);
        if (const auto it = m_measured.constFind(name); it != m_measured.cend())
            sizes.insert(name, *it);
    }
    m_measured = std::move(sizes);
    m_changedDuringWalk.clear();
    m_total = sumOf(m_measured) + sumOf(m_admitted);
    m_intervalMs = std::max(kMinWalkIntervalMs, kWalkDutyDivisor * m_walk->elapsedMs);
    m_walk.reset();
    m_sinceWalk.start();
}

void DiskGuard::startWalk()
{
    for (auto it = m_admitted.cbegin(); it != m_admitted.cend(); ++it)
        m_admittedBeforeWalk[it.key()] += it.value();
    m_admitted.clear();
    m_changedDuringWalk.clear();
    m_walk = std::make_shared<Walk>();
    m_walker.start([walk = m_walk, tempDir = m_tempDir] {
        QElapsedTimer clock;
        clock.start();
        walk->sizes = walkJobDirectories(tempDir);
        walk->elapsedMs = clock.elapsed();
        walk->done.store(true, std::memory_order_release);
    });
}

qint64 DiskGuard::used()
{
    if (!m_sinceWalk.isValid() && !m_walk) {
        // The first figure counts what an earlier run left (retained outputs) before anything
        // is admitted: measured here, once.
        m_measured = walkJobDirectories(m_tempDir);
        m_total = sumOf(m_measured);
        m_sinceWalk.start();
    }
    collectWalk();
    if (!m_walk && m_sinceWalk.elapsed() >= m_intervalMs)
        startWalk();
    return m_total;
}

std::optional<Error> DiskGuard::admit(const QString &directory, qint64 bytes)
{
    auto refused = check(bytes);
    if (!refused && m_limits.budgetBytes > 0 && bytes > 0) {
        m_admitted[QFileInfo(directory).fileName()] += bytes;
        m_total += bytes;
    }
    return refused;
}

std::optional<Error> DiskGuard::check(qint64 bytes)
{
    bytes = std::max<qint64>(0, bytes);
    if (m_limits.budgetBytes > 0) {
        const qint64 inUse = used() + m_externalBytes;
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
        const qint64 available = bytesAvailable(m_tempDir);
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
