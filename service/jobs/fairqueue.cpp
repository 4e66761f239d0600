// SPDX-License-Identifier: GPL-3.0-or-later
#include "fairqueue.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace Mediaforge::FairQueue {

Entry entryOf(const Job &job)
{
    return Entry{job.id, job.owner, job.priority, job.sequence};
}

bool claimedBefore(const Entry &a, int runningA, const Entry &b, int runningB)
{
    if (a.priority != b.priority)
        return a.priority > b.priority;
    if (runningA != runningB)
        return runningA < runningB;
    return a.sequence < b.sequence;
}

QStringList claimOrder(const QList<Entry> &queued, const QHash<QString, int> &running)
{
    // Each owner's own jobs keep priority-then-arrival order (its running count is the same for
    // all of them), so only the head of each owner's list competes: a set of heads ordered by
    // the claim order makes the whole order O(n log owners) rather than O(n * owners).
    QHash<QString, QList<const Entry *>> byOwner;
    for (const Entry &entry : queued)
        byOwner[entry.owner].append(&entry);
    for (auto &list : byOwner) {
        std::sort(list.begin(), list.end(), [](const Entry *a, const Entry *b) {
            return claimedBefore(*a, 0, *b, 0);
        });
    }
    struct Head
    {
        const Entry *entry;
        int running;
        qsizetype index;   // into its owner's list
    };
    const auto before = [](const Head &a, const Head &b) {
        if (claimedBefore(*a.entry, a.running, *b.entry, b.running))
            return true;
        if (claimedBefore(*b.entry, b.running, *a.entry, a.running))
            return false;
        return a.entry->id < b.entry->id;   // equal sequences only in hand-made data
    };
    std::set<Head, decltype(before)> heads(before);
    for (auto it = byOwner.cbegin(); it != byOwner.cend(); ++it)
        heads.insert(Head{it.value().constFirst(), running.value(it.key()), 0});

    QStringList order;
    order.reserve(queued.size());
    while (!heads.empty()) {
        const Head head = *heads.begin();
        heads.erase(heads.begin());
        order.append(head.entry->id);
        const QList<const Entry *> &list = byOwner[head.entry->owner];
        if (head.index + 1 < list.size())
            heads.insert(Head{list.at(head.index + 1), head.running + 1, head.index + 1});
    }
    return order;
}

} // namespace Mediaforge::FairQueue
