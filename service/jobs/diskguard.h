// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <memory>
#include <optional>

namespace Mediaforge {

struct DiskLimits
{
    qint64 budgetBytes = 0;     // job files in the temp dir, all jobs together; 0: no budget
    qint64 minFreeBytes = 0;    // free space the temp dir's file system keeps; 0: no floor
};

// Decides whether the service may write more input bytes into its temp dir: the job files
// together stay within a budget, and the file system keeps a floor of free space, so that a
// client is refused with a typed error (INSUFFICIENT_STORAGE) before the disk is full rather
// than failing everyone's ffmpeg runs when it is.
//
// What job files take is measured, not booked per write: ffmpeg outputs, crash leftovers and
// retained files do not pass through the service's writes. A walk over all job directories
// counts them; it costs a directory open and a stat per file, tens of milliseconds with
// thousands of jobs, so it runs on a thread of its own (at most once a second, and at most a
// tenth of the time) and never holds the event loop, except the very first one. Between walks
// the figure per directory is kept exact where the service knows what changed: admitted input
// bytes are added to their job's directory, and a job's directory is measured again, alone, as
// soon as the job ends or its files go. What only the next walk sees is the growth of running
// jobs' outputs, which ffmpeg's own output limit bounds. Free space comes from statvfs
// at each check.
class DiskGuard
{
public:
    DiskGuard(QString tempDir, DiskLimits limits);
    ~DiskGuard();

    // nullopt when `bytes` more may be written now, else INSUFFICIENT_STORAGE with details
    // {"limit": "disk_budget"|"min_free_disk", ...}. admit() also counts them as used by the job
    // directory `directory` (they are about to be written there); check() does not (a size
    // announced up front).
    std::optional<Error> check(qint64 bytes);
    std::optional<Error> admit(const QString &directory, qint64 bytes);

    // Files of this job directory were removed (or the directory was): it is measured again now.
    void directoryChanged(const QString &directory);

    const DiskLimits &limits() const { return m_limits; }
    // Bytes kept outside the temp dir that count against the budget too (the result cache).
    void setExternalBytes(qint64 bytes) { m_externalBytes = bytes; }
    // Bytes the job directories take: the last walk, corrected since as described above.
    qint64 used();

private:
    struct Walk;

    void collectWalk();
    void startWalk();
    void forget(const QString &name);

    QString m_tempDir;
    DiskLimits m_limits;
    // By directory name ("job-…"): what it held when last measured, and what was admitted into
    // it since; m_admittedBeforeWalk holds what was admitted before the running walk began (the
    // walk sees those bytes on disk, so they go when its result comes).
    QHash<QString, qint64> m_measured;
    QHash<QString, qint64> m_admitted;
    QHash<QString, qint64> m_admittedBeforeWalk;
    QSet<QString> m_changedDuringWalk;   // measured anew meanwhile: newer than the walk's figure
    qint64 m_total = 0;                  // the sum of the three tables
    std::shared_ptr<Walk> m_walk;        // the running walk, if any
    QElapsedTimer m_sinceWalk;           // invalid until the first walk
    qint64 m_intervalMs = 1000;
    qint64 m_externalBytes = 0;
    QThreadPool m_walker;                // one thread; its destructor waits for a running walk
};

} // namespace Mediaforge
