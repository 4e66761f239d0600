// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QElapsedTimer>
#include <QString>

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
// What job files take is measured, not booked: a walk over the job directories, at most once a
// second, plus what was admitted since. Bookkeeping per write and per removal would have to
// follow every path that creates or deletes a file (ffmpeg outputs, crash leftovers, retention);
// the walk counts them all. Free space comes from statvfs (QStorageInfo) at each check.
class DiskGuard
{
public:
    DiskGuard(QString tempDir, DiskLimits limits);

    // nullopt when `bytes` more may be written now, else INSUFFICIENT_STORAGE with details
    // {"limit": "disk_budget"|"min_free_disk", ...}. admit() also counts them as used until the
    // next walk (they are about to be written); check() does not (a size announced up front).
    std::optional<Error> check(qint64 bytes);
    std::optional<Error> admit(qint64 bytes);

    // Job files were removed: the next check walks again instead of counting them.
    void filesRemoved() { m_sinceWalk.invalidate(); }

    const DiskLimits &limits() const { return m_limits; }
    // Bytes the job directories take, as of the last walk plus what was admitted since.
    qint64 used();

private:
    void measure();

    QString m_tempDir;
    DiskLimits m_limits;
    QElapsedTimer m_sinceWalk;
    qint64 m_walked = 0;
    qint64 m_admittedSinceWalk = 0;
};

} // namespace Mediaforge
