// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QProcess>
#include <QString>
#include <QStringList>

#include <optional>

namespace Mediaforge {

struct Config;

// The operating-system limits one ffmpeg or ffprobe child runs under. They are set in the child
// between fork and exec (QProcess's child process modifier), so they bind the program and every
// helper it forks, and nothing in the service itself.
struct ProcessLimits
{
    qint64 fileSizeBytes = -1;       // RLIMIT_FSIZE: -1 none; 0 forbids writing any file
    qint64 addressSpaceBytes = 0;    // RLIMIT_AS; 0 none
    int cpuSeconds = 0;              // RLIMIT_CPU soft limit (SIGXCPU); hard = soft + grace (SIGKILL); 0 none
    int niceness = 0;                // added to the service's own nice value; 0 leaves it
    int ioPriority = -1;             // best-effort I/O priority 0 (high) to 7 (low); -1 leaves it

    // Seconds between the soft CPU limit (SIGXCPU, which ffmpeg turns into a clean stop) and the
    // hard one (SIGKILL from the kernel).
    static constexpr int kCpuHardGraceSeconds = 2;

    // For the child process modifier: async-signal-safe calls only. A limit that cannot be set
    // ends the child with exit code 127 and one line on its stderr: no ffmpeg runs unbounded.
    void applyInChild() const noexcept;
};

// Everything about limits the job runner hands to ffmpeg and ffprobe.
struct MediaLimits
{
    qint64 maxOutputBytes = 0;   // ffmpeg -fs for every output file; 0 none
    ProcessLimits ffmpeg;
    ProcessLimits ffprobe;

    // ffmpeg's RLIMIT_FSIZE lies this far above -fs: -fs stops ffmpeg cleanly once a file has
    // passed the limit (by up to a packet, a muxer buffer and the index it writes at the end),
    // the kernel's limit only catches a writer that ignores it.
    static constexpr qint64 kFileSizeMarginBytes = qint64(64) * 1024 * 1024;

    static MediaLimits fromConfig(const Config &config);
};

// How one ffmpeg/ffprobe run ended, as far as the limits are concerned.
struct ProcessExit
{
    QProcess::ExitStatus status = QProcess::NormalExit;
    int exitCode = 0;           // the signal number when status is CrashExit
    bool stoppedByService = false;   // cancel, timeout, stall, probe time limit: not a limit
    QString stderrTail;
};

// TOO_LARGE when the output size limit ended the run (SIGXFSZ), RESOURCE_LIMIT when memory
// (allocation failures in stderr) or CPU time (SIGXCPU, ffmpeg's exit after it, SIGKILL from
// the kernel) did; nullopt for every other ending. `program` names it in the message.
std::optional<Error> limitFailure(const QString &program, const ProcessLimits &limits, qint64 maxOutputBytes,
                                  const ProcessExit &exit);

// TOO_LARGE when one of `paths` reached `maxOutputBytes`: ffmpeg's -fs ends a run with exit
// code 0 and a cut-off file, so success must be checked against the sizes.
std::optional<Error> outputLimitFailure(const QStringList &paths, qint64 maxOutputBytes);

} // namespace Mediaforge
