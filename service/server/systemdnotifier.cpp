// SPDX-License-Identifier: GPL-3.0-or-later
#include "systemdnotifier.h"

#include "logging/logging.h"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstring>

namespace Mediaforge {

SystemdNotifier::SystemdNotifier(QObject *parent) : QObject(parent)
{
    // NOTIFY_SOCKET stays in the environment: STOPPING=1 comes long after READY=1, and the unit's
    // NotifyAccess=main makes systemd ignore the same variable in ffmpeg's environment.
    m_active = !qEnvironmentVariableIsEmpty("NOTIFY_SOCKET");
    m_watchdog.setTimerType(Qt::CoarseTimer);
    connect(&m_watchdog, &QTimer::timeout, this, [this] { send(QByteArrayLiteral("WATCHDOG=1")); });
}

void SystemdNotifier::ready(const QString &status)
{
    send("READY=1\nSTATUS=" + status.toUtf8());
    startWatchdog();
}

void SystemdNotifier::stopping(const QString &status)
{
    send("STOPPING=1\nSTATUS=" + status.toUtf8());
}

void SystemdNotifier::send(const QByteArray &state)
{
    if (!m_active)
        return;
    const int result = sd_notify(0, state.constData());
    if (result < 0)
        qCWarning(lcServer) << "cannot notify systemd:" << std::strerror(-result);
}

void SystemdNotifier::startWatchdog()
{
    std::uint64_t usec = 0;
    // > 0 only when WatchdogSec= is set for this very process (WATCHDOG_PID, if present, is ours).
    if (!m_active || sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return;
    // Half the period, as sd_watchdog_enabled(3) advises: one late tick must not kill the service.
    const qint64 intervalMs = qMax<qint64>(1, qint64(usec / 2000));
    qCInfo(lcServer) << "systemd watchdog: pinging every" << intervalMs << "ms";
    m_watchdog.start(std::chrono::milliseconds(intervalMs));
}

} // namespace Mediaforge
