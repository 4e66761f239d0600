// SPDX-License-Identifier: GPL-3.0-or-later
#include "proberpool.h"

#include "logging/logging.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>

#include <csignal>

#include <sys/prctl.h>
#include <unistd.h>

namespace Mediaforge {

namespace {

constexpr char kServedProperty[] = "mediaforge_served";
constexpr auto kRetireGrace = std::chrono::seconds(5);

} // namespace

ProberPool::ProberPool(const QString &program, const ProcessLimits &limits, int maxIdle, QObject *parent)
    : QObject(parent), m_program(program), m_limits(limits), m_maxIdle(std::max(1, maxIdle))
{
}

ProberPool::~ProberPool()
{
    // Every prober this pool started is reaped here, idle, retiring or leased.
    const QList<QProcess *> processes = findChildren<QProcess *>(Qt::FindDirectChildrenOnly);
    for (QProcess *process : processes) {
        process->disconnect();
        if (process->state() != QProcess::NotRunning) {
            process->kill();
            process->waitForFinished(2000);
        }
        delete process;
    }
}

QString ProberPool::findProgram()
{
    const QString beside = QCoreApplication::applicationDirPath() + QStringLiteral("/mediaforge-prober");
    const QFileInfo info(beside);
    if (info.isFile() && info.isExecutable())
        return beside;
    return QStandardPaths::findExecutable(QStringLiteral("mediaforge-prober"));
}

QProcess *ProberPool::acquire()
{
    while (!m_idle.isEmpty()) {
        QProcess *process = m_idle.takeLast();
        if (process->state() == QProcess::Running) {
            process->disconnect(this);
            return process;
        }
        // Died while idle (killed from outside): not worth a request.
        process->deleteLater();
    }
    return startProcess();
}

QProcess *ProberPool::startProcess()
{
    auto *process = new QProcess(this);
    process->setProgram(m_program);
    ProcessLimits childLimits = m_limits;
    childLimits.cpuSeconds = 0;   // per request, by the prober itself
#if defined(__SANITIZE_ADDRESS__)
    // The sanitized test build only (./dev test --sanitize): AddressSanitizer reserves terabytes
    // of shadow address space when the prober starts, which no RLIMIT_AS allows, and writes its
    // report to a file, which RLIMIT_FSIZE 0 turns into a silent SIGXFSZ. The prober keeps its
    // CPU, priority and request limits there; release builds keep all of them.
    childLimits.addressSpaceBytes = 0;
    childLimits.fileSizeBytes = -1;
#endif
    QStringList arguments;
    if (m_limits.cpuSeconds > 0)
        arguments << QStringLiteral("--cpu-seconds") << QString::number(m_limits.cpuSeconds);
    process->setArguments(arguments);
    const pid_t parentPid = ::getpid();
    process->setChildProcessModifier([parentPid, childLimits] {
        // Async-signal-safe only, as for ffprobe (Probe::setLimits): the prober dies with the
        // service's main thread, which owns this pool.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parentPid)
            ::_exit(127);
        childLimits.applyInChild();
    });
    process->setProperty(kServedProperty, 0);
    ++m_started;
    process->start(QIODevice::ReadWrite);
    qCDebug(lcProbe) << "started mediaforge-prober" << process->processId();
    return process;
}

void ProberPool::release(QProcess *process)
{
    process->disconnect();
    const int served = process->property(kServedProperty).toInt() + 1;
    process->setProperty(kServedProperty, served);
    if (process->state() != QProcess::Running || served >= kRequestsPerProcess || m_idle.size() >= m_maxIdle) {
        retire(process);
        return;
    }
    // Drop whatever a library printed after the answer; the next request starts clean.
    process->readAllStandardError();
    connect(process, &QProcess::finished, this, [this, process] {
        m_idle.removeOne(process);
        process->deleteLater();
    });
    m_idle.append(process);
}

void ProberPool::retire(QProcess *process)
{
    // End of stdin is the prober's signal to exit; the kill is for one that does not.
    connect(process, &QProcess::finished, process, &QObject::deleteLater);
    if (process->state() == QProcess::NotRunning) {
        process->deleteLater();
        return;
    }
    process->closeWriteChannel();
    QTimer::singleShot(kRetireGrace, process, [process] { process->kill(); });
}

void ProberPool::discard(QProcess *process)
{
    process->disconnect();
    m_idle.removeOne(process);
    if (process->state() != QProcess::NotRunning) {
        process->kill();
        // Reaped now: after a failed or cancelled probe no prober of ours is left, not even a
        // zombie (as Probe::cancel() does for ffprobe).
        process->waitForFinished(2000);
    }
    process->deleteLater();
}

} // namespace Mediaforge
