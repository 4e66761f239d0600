// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

class QSocketNotifier;

namespace Mediaforge::Cli {

// SIGINT and SIGTERM delivered into the event loop: the handler only writes the signal number
// to a pipe, a QSocketNotifier reads it, so everything Qt does happens outside the handler.
class SignalNotifier : public QObject
{
    Q_OBJECT
public:
    explicit SignalNotifier(QObject *parent = nullptr);
    ~SignalNotifier() override;

signals:
    void signalled(int signalNumber);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Mediaforge::Cli
