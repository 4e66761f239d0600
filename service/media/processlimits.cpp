// SPDX-License-Identifier: GPL-3.0-or-later
#include "processlimits.h"

#include "config/config.h"

#include <QFileInfo>
#include <QJsonObject>

#include <algorithm>
#include <cerrno>
#include <csignal>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace Mediaforge {

namespace {

// From linux/ioprio.h, which glibc does not wrap.
constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassBestEffort = 2;
constexpr int kIoprioClassShift = 13;

void writeStderr(const char *text) noexcept
{
    size_t length = 0;
    while (text[length] != '\0')
        ++length;
    // Nothing to do if even this fails: the exit code still tells.
    [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, text, length);
}

// Lowers both limits to `value` (never above the hard limit the service already has, which an
// unprivileged process may not raise).
bool lowerLimit(int resource, rlim_t soft, rlim_t hard) noexcept
{
    rlimit current{};
    if (::getrlimit(resource, &current) != 0)
        return false;
    if (current.rlim_max != RLIM_INFINITY) {
        hard = hard == RLIM_INFINITY ? current.rlim_max : std::min(hard, current.rlim_max);
        soft = std::min(soft, hard);
    }
    const rlimit wanted{soft, hard};
    return ::setrlimit(resource, &wanted) == 0;
}

// "4 GiB", "64 KiB", "1.5 MiB": the limits as operators wrote them.
QString sizeText(qint64 bytes)
{
    constexpr qint64 kKiB = 1024;
    constexpr qint64 kMiB = 1024 * kKiB;
    constexpr qint64 kGiB = 1024 * kMiB;
    if (bytes >= kGiB && bytes % kGiB == 0)
        return QStringLiteral("%1 GiB").arg(bytes / kGiB);
    if (bytes >= kMiB && bytes % kMiB == 0)
        return QStringLiteral("%1 MiB").arg(bytes / kMiB);
    if (bytes >= kKiB && bytes % kKiB == 0)
        return QStringLiteral("%1 KiB").arg(bytes / kKiB);
    if (bytes >= kMiB)
        return QStringLiteral("%1 MiB").arg(double(bytes) / double(kMiB), 0, 'f', 1);
    return QStringLiteral("%1 bytes").arg(bytes);
}

// What the allocators of ffmpeg and its libraries print when malloc/mmap/pthread_create fail
// (libavutil's AVERROR(ENOMEM) text, x264, SVT-AV1, libstdc++, thread pools).
bool mentionsMemoryFailure(const QString &stderrTail)
{
    static const QLatin1StringView patterns[] = {
            QLatin1StringView("Cannot allocate memory"),
            QLatin1StringView("malloc of size"),
            QLatin1StringView("allocate memory failed"),
            QLatin1StringView("out of memory"),
            QLatin1StringView("std::bad_alloc"),
            QLatin1StringView("failed to map segment"),
    };
    for (const QLatin1StringView pattern : patterns) {
        if (stderrTail.contains(pattern, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

QJsonObject withTail(QJsonObject details, const QString &stderrTail)
{
    if (!stderrTail.isEmpty())
        details.insert(QStringLiteral("stderr"), stderrTail);
    return details;
}

} // namespace

void ProcessLimits::applyInChild() const noexcept
{
    if (fileSizeBytes >= 0 && !lowerLimit(RLIMIT_FSIZE, rlim_t(fileSizeBytes), rlim_t(fileSizeBytes))) {
        writeStderr("mediaforged: cannot set RLIMIT_FSIZE for the child\n");
        ::_exit(127);
    }
    if (addressSpaceBytes > 0 && !lowerLimit(RLIMIT_AS, rlim_t(addressSpaceBytes), rlim_t(addressSpaceBytes))) {
        writeStderr("mediaforged: cannot set RLIMIT_AS for the child\n");
        ::_exit(127);
    }
    if (cpuSeconds > 0
        && !lowerLimit(RLIMIT_CPU, rlim_t(cpuSeconds), rlim_t(cpuSeconds) + kCpuHardGraceSeconds)) {
        writeStderr("mediaforged: cannot set RLIMIT_CPU for the child\n");
        ::_exit(127);
    }
    // Priorities only ever go down, which needs no privilege; where the kernel or a container
    // refuses them, ffmpeg merely runs at the service's own priority.
    if (niceness > 0) {
        errno = 0;
        [[maybe_unused]] const int ignored = ::nice(niceness);
    }
    if (ioPriority >= 0 && ioPriority <= 7) {
        ::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0,
                  (kIoprioClassBestEffort << kIoprioClassShift) | ioPriority);
    }
}

MediaLimits MediaLimits::fromConfig(const Config &config)
{
    MediaLimits limits;
    limits.maxOutputBytes = config.ffmpegMaxOutputBytes;
    limits.ffmpeg.fileSizeBytes = config.ffmpegMaxOutputBytes > 0 ? config.ffmpegMaxOutputBytes + kFileSizeMarginBytes : -1;
    limits.ffmpeg.addressSpaceBytes = config.ffmpegMemoryBytes;
    limits.ffmpeg.cpuSeconds = config.ffmpegCpuSeconds;
    limits.ffmpeg.niceness = config.ffmpegNice;
    limits.ffmpeg.ioPriority = config.ffmpegIoPriority;
    // ffprobe only reads: it may write no file at all, and reading headers takes seconds of CPU
    // at most (its wall-clock limit is 30 s).
    limits.ffprobe.fileSizeBytes = 0;
    limits.ffprobe.addressSpaceBytes = config.ffprobeMemoryBytes;
    limits.ffprobe.cpuSeconds = 60;
    limits.ffprobe.niceness = config.ffmpegNice;
    limits.ffprobe.ioPriority = config.ffmpegIoPriority;
    return limits;
}

std::optional<Error> limitFailure(const QString &program, const ProcessLimits &limits, qint64 maxOutputBytes,
                                  const ProcessExit &exit)
{
    if (exit.stoppedByService)
        return std::nullopt;
    const bool crashed = exit.status == QProcess::CrashExit;
    if (crashed && exit.exitCode == SIGXFSZ) {
        const qint64 limit = maxOutputBytes > 0 ? maxOutputBytes : limits.fileSizeBytes;
        return Error(ErrorCode::TooLarge,
                     QStringLiteral("%1 stopped: an output file reached the output size limit of %2")
                             .arg(program, sizeText(limit)),
                     QJsonObject{{QStringLiteral("reason"), QStringLiteral("output_limit")},
                                 {QStringLiteral("max_output_bytes"), limit}});
    }
    // Under an address-space limit, pthread_create fails with EAGAIN when a thread's stack
    // cannot be mapped; ffmpeg's filters and codecs then fail with that error's text.
    const bool threadsFailed = limits.addressSpaceBytes > 0
            && exit.stderrTail.contains(QLatin1StringView("Resource temporarily unavailable"));
    if ((crashed || exit.exitCode != 0) && (mentionsMemoryFailure(exit.stderrTail) || threadsFailed)) {
        QJsonObject details{{QStringLiteral("reason"), QStringLiteral("memory")}};
        QString message = QStringLiteral("%1 ran out of memory").arg(program);
        if (limits.addressSpaceBytes > 0) {
            details.insert(QStringLiteral("limit_bytes"), limits.addressSpaceBytes);
            message += QStringLiteral(" (its address-space limit is %1)").arg(sizeText(limits.addressSpaceBytes));
        }
        return Error(ErrorCode::ResourceLimit, message, withTail(details, exit.stderrTail));
    }
    const QJsonObject cpuDetails{{QStringLiteral("reason"), QStringLiteral("cpu_time")},
                                 {QStringLiteral("limit_seconds"), limits.cpuSeconds}};
    const QString cpuMessage = QStringLiteral("%1 used up its CPU-time limit of %2 s").arg(program).arg(limits.cpuSeconds);
    if (crashed && exit.exitCode == SIGXCPU)
        return Error(ErrorCode::ResourceLimit, cpuMessage, cpuDetails);
    // ffmpeg catches SIGXCPU like SIGTERM and leaves with 255 after closing its files; nothing
    // but a signal makes it exit with 255, and the service sent none (stoppedByService).
    if (!crashed && exit.exitCode == 255 && limits.cpuSeconds > 0)
        return Error(ErrorCode::ResourceLimit, cpuMessage, cpuDetails);
    // The kernel's SIGKILL: the hard CPU limit, or the OOM killer. The service's own SIGKILL
    // only ever follows a stop, which is excluded above.
    if (crashed && exit.exitCode == SIGKILL) {
        QJsonObject details{{QStringLiteral("reason"), QStringLiteral("killed")}};
        if (limits.cpuSeconds > 0)
            details.insert(QStringLiteral("limit_seconds"), limits.cpuSeconds);
        return Error(ErrorCode::ResourceLimit,
                     QStringLiteral("%1 was killed by the system: it reached its CPU-time limit or the machine ran out of memory")
                             .arg(program),
                     withTail(details, exit.stderrTail));
    }
    return std::nullopt;
}

std::optional<Error> outputLimitFailure(const QStringList &paths, qint64 maxOutputBytes)
{
    if (maxOutputBytes <= 0)
        return std::nullopt;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (info.exists() && info.size() >= maxOutputBytes) {
            return Error(ErrorCode::TooLarge,
                         QStringLiteral("the output reached the output size limit of %1; ask for a shorter, "
                                        "smaller or more compressed result")
                                 .arg(sizeText(maxOutputBytes)),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("output_limit")},
                                     {QStringLiteral("max_output_bytes"), maxOutputBytes}});
        }
    }
    return std::nullopt;
}

} // namespace Mediaforge
