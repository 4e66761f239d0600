// SPDX-License-Identifier: GPL-3.0-or-later
#include "directorylock.h"

#include <QDir>
#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace Mediaforge {

DirectoryLock::~DirectoryLock()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

QString DirectoryLock::acquire(const QString &directory)
{
    if (m_fd >= 0)
        return QString();
    if (!QDir().mkpath(directory))
        return QStringLiteral("cannot create %1").arg(directory);
    m_path = QDir(directory).filePath(fileName());
    const QByteArray native = QFile::encodeName(m_path);
    const int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return QStringLiteral("cannot open %1: %2").arg(m_path, QString::fromLocal8Bit(std::strerror(errno)));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        char buffer[32] = {};
        const ssize_t read = ::pread(fd, buffer, sizeof buffer - 1, 0);
        ::close(fd);
        if (error == EWOULDBLOCK) {
            const QString pid = read > 0 ? QString::fromLatin1(buffer, int(read)).trimmed() : QString();
            return QStringLiteral("%1 is in use by another mediaforged%2; each instance needs its own directory")
                    .arg(directory, pid.isEmpty() ? QString() : QStringLiteral(" (pid %1)").arg(pid));
        }
        return QStringLiteral("cannot lock %1: %2").arg(m_path, QString::fromLocal8Bit(std::strerror(error)));
    }
    // The pid is only a hint for the message above; the flock is what excludes.
    const QByteArray pid = QByteArray::number(qint64(::getpid())) + '\n';
    if (::ftruncate(fd, 0) == 0)
        (void)!::pwrite(fd, pid.constData(), size_t(pid.size()), 0);
    m_fd = fd;
    return QString();
}

} // namespace Mediaforge
