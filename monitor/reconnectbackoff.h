// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace Mediaforge::Monitor {

// Delays between reconnection attempts: doubling from `first` up to `max` seconds, so that a
// service that restarts is found again within a second and one that is gone for an hour costs
// one attempt every half minute.
class ReconnectBackoff
{
public:
    explicit ReconnectBackoff(int firstSeconds = 1, int maxSeconds = 30)
        : m_first(firstSeconds), m_max(maxSeconds), m_next(firstSeconds)
    {
    }

    // The delay before the next attempt, in seconds; each call doubles the one after.
    int next()
    {
        const int delay = m_next;
        m_next = m_next >= m_max / 2 ? m_max : m_next * 2;
        ++m_attempts;
        return delay;
    }
    void reset()
    {
        m_next = m_first;
        m_attempts = 0;
    }
    int attempts() const { return m_attempts; }

private:
    int m_first;
    int m_max;
    int m_next;
    int m_attempts = 0;
};

} // namespace Mediaforge::Monitor
