// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace Mediaforge {

// An exclusive flock() on a lock file in a directory, held for the life of the object: two
// mediaforged on one data or temp dir would delete each other's files and race on the store.
// The kernel drops the lock when the process dies, so a crash never leaves a stale lock.
class DirectoryLock
{
public:
    DirectoryLock() = default;
    ~DirectoryLock();
    DirectoryLock(const DirectoryLock &) = delete;
    DirectoryLock &operator=(const DirectoryLock &) = delete;

    // Creates the directory when missing. Returns an empty string when locked, else one line
    // saying why not (another instance holds it: its pid from the file, when readable).
    QString acquire(const QString &directory);
    bool isLocked() const { return m_fd >= 0; }
    QString path() const { return m_path; }

    static QString fileName() { return QStringLiteral("mediaforged.lock"); }

private:
    int m_fd = -1;
    QString m_path;
};

} // namespace Mediaforge
