// SPDX-License-Identifier: GPL-3.0-or-later
#include "bytebudget.h"

#include <algorithm>

namespace Mediaforge {

ByteBudget::ByteBudget(qint64 total, QObject *parent) : QObject(parent), m_total(total) { }

bool ByteBudget::acquire(QObject *owner, qint64 bytes, std::function<void()> granted)
{
    bytes = std::clamp<qint64>(bytes, 0, m_total);
    // Nobody overtakes a waiter: a big request would otherwise wait for ever behind small ones.
    if (m_waiters.isEmpty() && m_used + bytes <= m_total) {
        m_used += bytes;
        return true;
    }
    m_waiters.append(Waiter{owner, bytes, std::move(granted)});
    return false;
}

void ByteBudget::cancel(QObject *owner)
{
    m_waiters.removeIf([owner](const Waiter &waiter) { return waiter.owner == owner || !waiter.owner; });
    grantWaiting();
}

void ByteBudget::release(qint64 bytes)
{
    m_used = std::max<qint64>(0, m_used - bytes);
    grantWaiting();
}

void ByteBudget::grantWaiting()
{
    // A granted callback may release or acquire again; the loop below picks that up.
    if (m_granting)
        return;
    m_granting = true;
    while (!m_waiters.isEmpty()) {
        if (!m_waiters.constFirst().owner) {
            m_waiters.removeFirst();
            continue;
        }
        if (m_used + m_waiters.constFirst().bytes > m_total)
            break;
        Waiter waiter = m_waiters.takeFirst();
        m_used += waiter.bytes;
        if (waiter.granted)
            waiter.granted();
    }
    m_granting = false;
}

void BudgetShare::settle(qint64 stillBuffered)
{
    const qint64 keep = std::clamp<qint64>(stillBuffered, 0, m_held);
    if (keep == m_held)
        return;
    const qint64 back = m_held - keep;
    m_held = keep;
    if (m_budget)
        m_budget->release(back);
}

} // namespace Mediaforge
