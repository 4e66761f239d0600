// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

class QSocketNotifier;

namespace Mediaforge {

// Delivers SIGTERM, SIGINT and SIGHUP to the event loop: the handler only writes the signal
// number into a pipe (async-signal-safe); a QSocketNotifier reads it on the main thread.
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminationRequested(int signalNumber);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Mediaforge
