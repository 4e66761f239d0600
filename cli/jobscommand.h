// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "task.h"

namespace Mediaforge::Cli {

// `jobs`: list_jobs as a table, or the service's array with --json.
class JobsCommand : public Task
{
    Q_OBJECT
public:
    using Task::Task;
    void start() override;
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
