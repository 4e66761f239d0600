// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "job.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace Mediaforge {

// The order in which queued jobs take worker slots, shared by every JobStore's claimNext and
// by the job manager's queue positions: higher priority first; among equal priority, the owner
// that holds fewer running slots first, so that one owner with a long queue cannot take every
// slot while another owner's job waits; then arrival.
namespace FairQueue {

struct Entry
{
    QString id;
    QString owner;
    JobPriority priority = JobPriority::Normal;
    quint64 sequence = 0;
};

Entry entryOf(const Job &job);

// Whether `a` is claimed before `b` when their owners hold `runningA` and `runningB` slots.
bool claimedBefore(const Entry &a, int runningA, const Entry &b, int runningB);

// The ids of `queued` in the order successive claims take them if no running job ends
// meanwhile: each claim adds a running slot to its owner, so owners alternate. `running` counts
// the slots each owner holds now (owners absent hold none).
QStringList claimOrder(const QList<Entry> &queued, const QHash<QString, int> &running);

} // namespace FairQueue

} // namespace Mediaforge
