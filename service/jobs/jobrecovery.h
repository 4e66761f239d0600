// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "job.h"

#include <QDateTime>

namespace Mediaforge {

// What start-up does with one stored record that still holds something (JobStore::live()).
// A pure decision over the record and the files on disk, so that every rule of crash recovery
// is testable without a service.
struct Recovered
{
    enum class Action {
        Queue,        // back into the queue (queued, or processing interrupted within its attempts)
        Download,     // the download starts again from the beginning
        Upload,       // the upload goes on from the bytes on disk once its owner attaches
        KeepOutputs,  // finished, outputs still fetchable until their retention ends
        End,          // finished now (failed or cancelled) or its outputs are gone: remove the files
    };
    Job job;           // the record as it must be stored
    Action action = Action::End;
};

// Whether a job's owner can come back for it after its connection is gone: a level 1 owner
// with a token, or any detached job. Level 0 jobs and token-less (connection-bound) owners'
// attached jobs cannot.
bool ownerCanReturn(const Job &job);

Recovered recoverJob(Job job, int maxAttempts, const QDateTime &now);

// Whether another node can run `job` without its files: every input is a URL it fetches itself.
bool portableInputs(const Job &job);
// What a node does with a job it took over from a node whose lease ended (a processing job
// with portableInputs): the same rules as a restart, since the run it interrupted counts as an
// attempt (attempts + 1, ATTEMPTS_EXHAUSTED past `maxAttempts`; cancelled when its owner cannot
// come back); otherwise its inputs are fetched again into `directory`, this node's (Download).
Recovered adoptJob(Job job, int maxAttempts, const QString &directory, const QDateTime &now);
// A queued job of another node (draining, or gone for good) that this node takes: nothing was
// interrupted, so attempts stay; its inputs are fetched again into `directory` (Download).
// Only for jobs with portableInputs whose owner can come back.
Recovered moveQueuedJob(Job job, const QString &directory);
// A job whose inputs are only on `node`, which is gone for good (no heartbeat for several
// lease periods): failed with NODE_LOST, since nothing can run it any more.
Recovered loseJob(Job job, const QString &node, const QDateTime &now);

} // namespace Mediaforge
