// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTimer>

namespace Mediaforge {

// Speaks systemd's readiness protocol (sd_notify) for a unit of Type=notify: READY=1 once both
// ports accept connections, STOPPING=1 when a drain starts, STATUS= lines for `systemctl
// status`, and WATCHDOG=1 from the event loop while WatchdogSec= is set, so that a service whose
// event loop hangs is killed and restarted instead of looking alive. Outside systemd (no
// NOTIFY_SOCKET) every call does nothing.
class SystemdNotifier : public QObject
{
    Q_OBJECT
public:
    explicit SystemdNotifier(QObject *parent = nullptr);

    // True when started by a service manager that listens (NOTIFY_SOCKET is set).
    bool active() const { return m_active; }

    void ready(const QString &status);
    void stopping(const QString &status);

private:
    void send(const QByteArray &state);
    void startWatchdog();

    bool m_active = false;
    QTimer m_watchdog;
};

} // namespace Mediaforge
