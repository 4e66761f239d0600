// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "processlimits.h"

#include <QList>
#include <QObject>
#include <QString>

class QProcess;

namespace Mediaforge {

// The long-lived mediaforge-prober processes (service/prober/) that Probe sends its requests
// to instead of starting an ffprobe per probe. Each process serves one request at a time and is
// leased to one Probe for it; a Probe whose prober crashed, hung or was killed discards it, and
// the next acquire() starts a fresh one, so hostile media costs one probe, never the service or
// another job. At most `maxIdle` (one per worker slot) wait between requests; each is retired
// after a number of requests so that nothing a decoder leaks can pile up.
//
// The processes run under the limits ffprobe gets (address space, no file writes, nice, I/O
// priority); the CPU-time limit is applied per request by the prober itself (--cpu-seconds),
// because a per-process RLIMIT_CPU would add up over its requests.
class ProberPool : public QObject
{
    Q_OBJECT
public:
    ProberPool(const QString &program, const ProcessLimits &limits, int maxIdle, QObject *parent = nullptr);
    ~ProberPool() override;

    // mediaforge-prober next to the running executable, else on the PATH; empty if neither.
    static QString findProgram();

    // A running (or starting) prober for one request; the caller owns the lease until it gives
    // it back with release() or discard(). Never null: a process that fails to start reports
    // it through errorOccurred(FailedToStart).
    QProcess *acquire();
    // The request was answered: the process waits for the next one, or retires.
    void release(QProcess *process);
    // The request failed in the process (crash, timeout, garbage, cancel): kill and reap it now.
    void discard(QProcess *process);

    const QString &program() const { return m_program; }
    const ProcessLimits &limits() const { return m_limits; }
    int idleCount() const { return int(m_idle.size()); }
    int startedCount() const { return m_started; }   // processes started so far, for tests

    static constexpr int kRequestsPerProcess = 500;

private:
    QProcess *startProcess();
    void retire(QProcess *process);

    QString m_program;
    ProcessLimits m_limits;
    int m_maxIdle = 1;
    int m_started = 0;
    QList<QProcess *> m_idle;
};

} // namespace Mediaforge
