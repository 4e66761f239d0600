// SPDX-License-Identifier: GPL-3.0-or-later
#include "joblist.h"

#include "jobs/jobmanager.h"
#include "protocol.h"

#include <QJsonArray>

#include <limits>

namespace Mediaforge {

void listJobs(const JobManager &manager, const JobListQuery &query, QJsonObject &reply)
{
    using namespace Protocol;
    QJsonArray list;
    if (!query.before) {
        const QList<const Job *> live = manager.jobs();
        for (auto it = live.crbegin(); it != live.crend() && list.size() < query.limit; ++it) {
            const Job *job = *it;
            if (isFinished(job->status) || (!query.owner.isEmpty() && job->owner != query.owner)
                || (!query.states.isEmpty() && !query.states.contains(job->status)))
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
