// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobs/jobstore.h"

#include <QJsonObject>

#include <optional>

namespace Mediaforge {

class JobManager;

struct JobListQuery
{
    QSet<JobStatus> states;                 // empty: every state
    int limit = 100;
    std::optional<HistoryCursor> before;    // set: a later page, finished jobs only
    QString owner;                          // empty: every owner's jobs
    bool includeOwner = false;              // admins see whose job it is
};

// Fills a `jobs` reply: the first page lists the unfinished jobs (newest first), then finished
// jobs from the store's history, newest-finished first, up to `limit` in all; `next_before` is
// set when older finished jobs remain for the next page.
void listJobs(const JobManager &manager, const JobListQuery &query, QJsonObject &reply);

} // namespace Mediaforge
