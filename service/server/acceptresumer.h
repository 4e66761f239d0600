// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <chrono>

class QTcpServer;
class QTimer;

namespace Mediaforge {

// Keeps a listener accepting when file descriptors run short. Qt's QTcpServer handles an
// accept() that fails with EMFILE in one of two ways, both bad: it pauses accepting for good
// (acceptError), or, once its socket engine has recorded any earlier error (the EAGAIN that
// ends every accept loop; the engine keeps only its first error), it takes EMFILE for a
// temporary error and retries at once, spinning a core. So this pauses the listener before
// the descriptors are gone: when an accepted socket's descriptor comes within a reserve of
// RLIMIT_NOFILE (descriptors are allocated lowest first, so its number says how many are in
// use), and on acceptError; and resumes it once there is room again, checked every `retry`.
// One warning when accepting stops and one line when it works again, not one per retry; while
// descriptors stay short accepting flaps, so not again within a minute of the last warning.
class AcceptResumer : public QObject
{
    Q_OBJECT
public:
    AcceptResumer(QTcpServer *server, QString what, std::chrono::milliseconds retry, QObject *parent = nullptr);

    // The owner calls this for each socket it takes from the listener.
    void accepted(qintptr descriptor);
    bool isPaused() const { return m_paused; }

private:
    void onAcceptError(QAbstractSocket::SocketError error);
    void pause(const QString &why);
    void tryResume();

    QTcpServer *m_server;
    QString m_what;                  // "WebSocket", for the log lines
    QTimer *m_retry = nullptr;
    QElapsedTimer m_sinceWarning;
    bool m_paused = false;
    bool m_warned = false;           // the current pause was logged; its end will be
};

} // namespace Mediaforge
