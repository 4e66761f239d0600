// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <algorithm>
#include <vector>

namespace Mediaforge {

// The service ids of a connection's jobs, kept sorted in one vector.
// Why not QSet: Qt 6's hash allocates a whole span (128 offsets and room for 16 entries, about
// 1.1 KiB) for its first element, and a connection usually has one or two jobs; at 10,000
// connections that span was a twentieth of the service's memory (docs/performance.md, B4).
// Lookups stay logarithmic for a connection that is allowed thousands of jobs.
class JobIdSet
{
public:
    using const_iterator = std::vector<QString>::const_iterator;

    bool contains(const QString &id) const
    {
        const auto it = std::lower_bound(m_ids.cbegin(), m_ids.cend(), id);
        return it != m_ids.cend() && *it == id;
    }

    // False when it was there already.
    bool insert(const QString &id)
    {
        const auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
        if (it != m_ids.end() && *it == id)
            return false;
        m_ids.insert(it, id);
        return true;
    }

    // False when it was not there.
    bool remove(const QString &id)
    {
        const auto it = std::lower_bound(m_ids.begin(), m_ids.end(), id);
        if (it == m_ids.end() || *it != id)
            return false;
        m_ids.erase(it);
        if (m_ids.empty())
            m_ids.shrink_to_fit();   // an idle connection keeps nothing
        return true;
    }

    bool isEmpty() const { return m_ids.empty(); }
    qsizetype size() const { return qsizetype(m_ids.size()); }
    const_iterator begin() const { return m_ids.cbegin(); }
    const_iterator end() const { return m_ids.cend(); }

private:
    std::vector<QString> m_ids;
};

} // namespace Mediaforge
