// SPDX-License-Identifier: GPL-3.0-or-later
#include "joblist.h"

#include "jobs/jobmanager.h"
#include "protocol.h"

#include <QJsonArray>

#include <algorithm>
#include <limits>

namespace Mediaforge {

void listJobs(const JobManager &manager, const JobListQuery &query, QJsonObject &reply)
{
    using namespace Protocol;
    QJsonArray list;
    if (!query.before) {
        // This node's unfinished jobs and, in a cluster, the other nodes' (from the store),
        // newest first together.
        QList<const Job *> unfinished;
        const QList<const Job *> live = manager.jobs();
        for (const Job *job : live) {
            if (!isFinished(job->status) && (query.owner.isEmpty() || job->owner == query.owner))
                unfinished.append(job);
        }
        // Filtered by state below: with a filter, read more, so that newer jobs in other states
        // do not hide the wanted ones (up to the store's 1000).
        const QList<Job> elsewhere = manager.jobsElsewhere(query.owner, query.states.isEmpty() ? query.limit : 1000);
        for (const Job &job : elsewhere)
            unfinished.append(&job);
        std::stable_sort(unfinished.begin(), unfinished.end(), [](const Job *a, const Job *b) {
            return a->createdAt != b->createdAt ? a->createdAt > b->createdAt : a->sequence > b->sequence;
        });
        for (const Job *job : std::as_const(unfinished)) {
            if (list.size() >= query.limit)
                break;
            if (!query.states.isEmpty() && !query.states.contains(job->status))
                continue;
            list.append(job->toSnapshot(query.includeOwner, manager.queuePosition(job->id)));
        }
    }
    QSet<JobStatus> finished;
    for (JobStatus status : {JobStatus::Completed, JobStatus::Failed, JobStatus::Cancelled}) {
        if (query.states.isEmpty() || query.states.contains(status))
            finished.insert(status);
    }
    if (!finished.isEmpty()) {
        if (list.size() >= query.limit) {
            // The unfinished jobs filled the page: the history starts on the next one.
            reply.insert(QString(Field::NextBefore),
                         HistoryCursor{std::numeric_limits<qint64>::max(), std::numeric_limits<quint64>::max()}.encode());
        } else {
            HistoryQuery history;
            history.owner = query.owner;
            history.states = finished;
            history.limit = int(query.limit - list.size());
            history.before = query.before;
            const HistoryPage page = manager.history(history);
            for (const Job &job : page.jobs)
                list.append(job.toSnapshot(query.includeOwner, 0));
            if (page.next)
                reply.insert(QString(Field::NextBefore), page.next->encode());
        }
    }
    reply.insert(QString(Field::Jobs), list);
}

} // namespace Mediaforge
