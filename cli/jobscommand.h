// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "task.h"

namespace Mediaforge::Cli {

// `jobs`: list_jobs as a table, or the service's array with --json; one page, or with --all
// every page of the history (list_jobs `before` / `next_before`).
class JobsCommand : public Task
{
    Q_OBJECT
public:
    using Task::Task;
    void start() override;

private:
    void requestPage(const QString &before);
    void finish(const QString &nextBefore);

    QList<QJsonObject> m_jobs;
};

// `status JOB`: one job's snapshot.
class StatusCommand : public Task
{
    Q_OBJECT
public:
    using Task::Task;
    void start() override;
};

// `cancel JOB`: cancel_job by the job's id once it is found.
class CancelCommand : public Task
{
    Q_OBJECT
public:
    using Task::Task;
    void start() override;
};

} // namespace Mediaforge::Cli
