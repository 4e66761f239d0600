// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractEventDispatcher>
#include <QHash>
#include <QSet>

#include <memory>

class QEventDispatcherUNIX;
class QSocketNotifier;

namespace Mediaforge {

// The main thread's event dispatcher: Qt's own (QEventDispatcherUNIX) for timers, posted events
// and wake-ups, with the socket notifiers in an epoll set instead of its poll() list.
// Why: Qt 6.4's dispatchers (glib and UNIX) hand every socket notifier to poll() on every turn of
// the event loop and walk them all afterwards, so each turn costs O(connections). At 10,000
// connections that was 1.5 ms a turn, and a request took two or three (issue 11, B4: get_stats,
// /health and ack p99 7-10 ms). epoll_wait returns only the ready descriptors.
// How: the inner dispatcher polls one notifier, the epoll descriptor; when it is readable this
// dispatcher takes the ready events (level-triggered, at most kBatch a turn) and sends each
// notifier its QEvent::SockAct, as Qt's dispatchers do. A descriptor epoll refuses (a regular
// file) stays with the inner dispatcher. Only the main thread's dispatcher is replaced; other
// threads keep Qt's default.
class EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    // False when epoll could not be set up: then use Qt's default dispatcher.
    bool isValid() const { return m_epoll >= 0; }
    // Descriptors in the epoll set (for tests and the log).
    int watchedDescriptors() const { return int(m_watched.size()); }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;
    void startingUp() override;
    void closingDown() override;

private:
    struct Watched
    {
        QSocketNotifier *notifiers[3] = {nullptr, nullptr, nullptr};   // by QSocketNotifier::Type
        quint64 since = 0;       // the turn it entered the set in
        quint32 events = 0;      // what epoll watches for it
    };
    static constexpr int kBatch = 256;

    void dispatchReady();
    bool update(int fd, Watched &watched);

    std::unique_ptr<QEventDispatcherUNIX> m_inner;
    int m_epoll = -1;
    QSocketNotifier *m_epollNotifier = nullptr;
    QHash<int, Watched> m_watched;
    QSet<QSocketNotifier *> m_inInner;   // notifiers epoll refused, left to the inner one
    quint64 m_turn = 0;
};

} // namespace Mediaforge
