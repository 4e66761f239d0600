// SPDX-License-Identifier: GPL-3.0-or-later
#include "outputwriter.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryFile>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Mediaforge::Cli {

namespace {

mode_t processUmask()
{
    // Reading the umask means setting it; mediaforge is single-threaded, so nobody notices.
    static const mode_t mask = [] {
        const mode_t current = ::umask(0);
        ::umask(current);
        return current;
    }();
    return mask;
}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// rename(2) that never replaces: RENAME_NOREPLACE where the file system has it, else a check
// right before the rename.
int renameNoReplace(const QByteArray &from, const QByteArray &to)
{
    if (::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (::access(to.constData(), F_OK) == 0) {
        errno = EEXIST;
        return -1;
    }
    return ::rename(from.constData(), to.constData());
}

} // namespace

OutputWriter::OutputWriter() = default;

OutputWriter::~OutputWriter()
{
    abort();
}

QString OutputWriter::temporaryPath() const
{
    return m_file ? m_file->fileName() : QString();
}

std::optional<Failure> OutputWriter::open(const QString &target, qint64 expectedSize, const QString &expectedSha256,
                                          bool overwrite)
{
    abort();
    m_target = target;
    m_expectedSize = expectedSize;
    m_expectedSha256 = expectedSha256.toLower();
    m_overwrite = overwrite;
    m_written = 0;
    m_committed = false;
    m_sha256.clear();
    m_hash.reset();
    const QFileInfo info(target);
    if (!overwrite && info.exists()) {
        return Failure{QStringLiteral("OUTPUT_EXISTS"),
                       tr("%1 already exists; use --force to overwrite it, or -o to save elsewhere").arg(target)};
    }
    if (info.isDir())
        return Failure{QStringLiteral("WRITE_FAILED"), tr("%1 is a folder").arg(target)};
    auto file = std::make_unique<QTemporaryFile>(info.absolutePath() + QStringLiteral("/.") + info.fileName()
                                                 + QStringLiteral(".XXXXXX.part"));
    file->setAutoRemove(false);
    if (!file->open()) {
        return Failure{QStringLiteral("WRITE_FAILED"),
                       tr("cannot write in %1: %2").arg(QDir::toNativeSeparators(info.absolutePath()), file->errorString())};
    }
    m_file = std::move(file);
    return std::nullopt;
}

std::optional<Failure> OutputWriter::write(qint64 offset, QByteArrayView data)
{
    if (!m_file)
        return Failure{QStringLiteral("WRITE_FAILED"), tr("%1 is not open for writing").arg(m_target)};
    if (offset != m_written) {
        const Failure failure{QStringLiteral("BAD_OFFSET"),
                              tr("%1: a chunk at offset %2 does not continue the %3 bytes received").arg(m_target).arg(offset).arg(m_written)};
        abort();
        return failure;
    }
    if (m_expectedSize >= 0 && m_written + data.size() > m_expectedSize) {
        const Failure failure{QStringLiteral("SIZE_MISMATCH"),
                              tr("%1: more bytes arrived than the %2 announced").arg(m_target).arg(m_expectedSize)};
        abort();
        return failure;
    }
    if (m_file->write(data.data(), data.size()) != data.size()) {
        const Failure failure{QStringLiteral("WRITE_FAILED"), tr("cannot write %1: %2").arg(m_target, m_file->errorString())};
        abort();
        return failure;
    }
    m_hash.addData(data);
    m_written += data.size();
    return std::nullopt;
}

std::optional<Failure> OutputWriter::commit()
{
    if (!m_file)
        return Failure{QStringLiteral("WRITE_FAILED"), tr("%1 is not open for writing").arg(m_target)};
    if (!m_file->flush() || ::fsync(m_file->handle()) != 0) {
        const Failure failure{QStringLiteral("WRITE_FAILED"), tr("cannot write %1: %2").arg(m_target, m_file->errorString())};
        abort();
        return failure;
    }
    // A temporary file is private (0600); the result gets what any new file would get.
    ::fchmod(m_file->handle(), 0666 & ~processUmask());
    // On Linux the temporary file may still be unnamed (O_TMPFILE): naming it links it into
    // the folder, which must happen while it is open.
    const QString temporary = m_file->fileName();
    m_file->close();
    if (m_expectedSize >= 0 && m_written != m_expectedSize) {
        const Failure failure{QStringLiteral("SIZE_MISMATCH"),
                              tr("%1: %2 bytes arrived, the service announced %3; the file was not saved")
                                      .arg(m_target)
                                      .arg(m_written)
                                      .arg(m_expectedSize)};
        abort();
        return failure;
    }
    m_sha256 = QString::fromLatin1(m_hash.result().toHex());
    if (!m_expectedSha256.isEmpty() && m_sha256 != m_expectedSha256) {
        const Failure failure{QStringLiteral("CHECKSUM_MISMATCH"),
                              tr("%1: SHA-256 %2 differs from the service's %3; the file was not saved")
                                      .arg(m_target, m_sha256, m_expectedSha256)};
        abort();
        return failure;
    }
    const QByteArray from = QFile::encodeName(temporary);
    const QByteArray to = QFile::encodeName(m_target);
    const int result = m_overwrite ? ::rename(from.constData(), to.constData()) : renameNoReplace(from, to);
    if (result != 0) {
        const int error = errno;
        const Failure failure = error == EEXIST
                ? Failure{QStringLiteral("OUTPUT_EXISTS"),
                          tr("%1 already exists; use --force to overwrite it, or -o to save elsewhere").arg(m_target)}
                : Failure{QStringLiteral("WRITE_FAILED"), tr("cannot save %1: %2").arg(m_target, errnoText(error))};
        abort();
        return failure;
    }
    m_file.reset();
    m_committed = true;
    return std::nullopt;
}

void OutputWriter::abort()
{
    if (!m_file)
        return;
    const QString path = m_file->fileName();
    m_file->close();
    m_file.reset();
    QFile::remove(path);
}

QString OutputPlanner::safeFileName(const QString &name, int index)
{
    QString safe = QFileInfo(QString(name).replace(u'\\', u'/')).fileName();
    safe.remove(QChar(0));
    while (safe.startsWith(u'.'))
        safe.remove(0, 1);
    if (safe.isEmpty())
        safe = QStringLiteral("output-%1").arg(index + 1);
    return safe;
}

std::optional<Failure> OutputPlanner::plan(const QStringList &serviceNames, const QString &outputOption,
                                           const QString &inputName, const QString &operation, bool force, OutputPlan &plan)
{
    plan = OutputPlan();
    QStringList names;
    for (qsizetype i = 0; i < serviceNames.size(); ++i) {
        QString name = safeFileName(serviceNames.at(i), int(i));
        // Two outputs must never land on one path.
        if (names.contains(name)) {
            const QFileInfo info(name);
            name = QStringLiteral("%1-%2").arg(info.completeBaseName()).arg(i + 1)
                    + (info.suffix().isEmpty() ? QString() : u'.' + info.suffix());
        }
        names.append(name);
    }
    const bool several = names.size() > 1;
    if (outputOption.isEmpty()) {
        if (several) {
            QString stem = QFileInfo(inputName).completeBaseName();
            stem = safeFileName(stem, 0);
            plan.directory = stem + u'_' + operation;
        } else {
            plan.directory = QStringLiteral(".");
        }
    } else {
        const QFileInfo option(outputOption);
        const bool isFolder = option.isDir() || outputOption.endsWith(u'/');
        if (several || isFolder) {
            plan.directory = outputOption;
        } else {
            plan.directory = option.path();
            plan.paths.append(outputOption);
        }
    }
    if (plan.paths.isEmpty()) {
        const QDir directory(plan.directory);
        for (const QString &name : std::as_const(names))
            plan.paths.append(plan.directory == QLatin1StringView(".") ? name : directory.filePath(name));
    }
    const QFileInfo directoryInfo(plan.directory);
    if (directoryInfo.exists() && !directoryInfo.isDir())
        return Failure{QStringLiteral("WRITE_FAILED"), tr("%1 exists and is not a folder").arg(plan.directory)};
    if (!force) {
        for (const QString &path : std::as_const(plan.paths)) {
            if (QFileInfo::exists(path)) {
                return Failure{QStringLiteral("OUTPUT_EXISTS"),
                               tr("%1 already exists; use --force to overwrite it, or -o to save elsewhere").arg(path)};
            }
        }
    }
    if (!directoryInfo.exists()) {
        if (!QDir().mkpath(plan.directory))
            return Failure{QStringLiteral("WRITE_FAILED"), tr("cannot create the folder %1").arg(plan.directory)};
        plan.createdDirectory = true;
    }
    return std::nullopt;
}

} // namespace Mediaforge::Cli
