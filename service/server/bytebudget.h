// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>

namespace Mediaforge {

// A service-wide allowance of bytes that peers make the service hold in memory (whole level 0
// outputs in socket buffers, large incoming messages). Whoever needs more than is left waits
// its turn: grants go in request order, so a large request is not starved by small ones.
class ByteBudget : public QObject
{
    Q_OBJECT
public:
    explicit ByteBudget(qint64 total, QObject *parent = nullptr);

    // Takes `bytes` now (true) or queues the request and calls `granted` once they are taken
    // (false). A request of `owner` dies with it; cancel() withdraws it earlier.
    bool acquire(QObject *owner, qint64 bytes, std::function<void()> granted);
    void cancel(QObject *owner);
    void release(qint64 bytes);

    qint64 total() const { return m_total; }
    qint64 used() const { return m_used; }
    qint64 waiting() const { return m_waiters.size(); }

private:
    struct Waiter
    {
        QPointer<QObject> owner;
        qint64 bytes = 0;
        std::function<void()> granted;
    };
    void grantWaiting();

    qint64 m_total;
    qint64 m_used = 0;
    QList<Waiter> m_waiters;
    bool m_granting = false;
};

// One holder's share of a ByteBudget that follows what is really left in a socket buffer:
// charge() when bytes go in, settle(stillBuffered) as they leave, so the budget is given back
// as fast as the peer reads.
class BudgetShare
{
public:
    explicit BudgetShare(ByteBudget *budget = nullptr) : m_budget(budget) { }
    ~BudgetShare() { releaseAll(); }
    BudgetShare(const BudgetShare &) = delete;
    BudgetShare &operator=(const BudgetShare &) = delete;

    void setBudget(ByteBudget *budget) { releaseAll(); m_budget = budget; }
    ByteBudget *budget() const { return m_budget; }
    // Bytes taken from the budget by acquire(), now held.
    void hold(qint64 bytes) { m_held += bytes; }
    // Gives back what is held beyond `stillBuffered`.
    void settle(qint64 stillBuffered);
    void releaseAll() { settle(0); }
    qint64 held() const { return m_held; }

private:
    ByteBudget *m_budget = nullptr;
    qint64 m_held = 0;
};

} // namespace Mediaforge
