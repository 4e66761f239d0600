// SPDX-License-Identifier: GPL-3.0-or-later
// JobModel, continued: the columns' titles and what each is about.
#include "jobmodel.h"

namespace Mediaforge::Monitor {

QVariant JobModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case JobColumn:
            return tr("Job");
        case OwnerColumn:
            return tr("Owner");
        case OperationColumn:
            return tr("Operation");
        case InputColumn:
            return tr("Input");
        case StatusColumn:
            return tr("Status");
        case ProgressColumn:
            return tr("Progress");
        case SpeedColumn:
            return tr("Speed");
        case EtaColumn:
            //: Estimated time remaining
            return tr("ETA");
        case ElapsedColumn:
            return tr("Elapsed");
        case PriorityColumn:
            return tr("Priority");
        case BatchColumn:
            return tr("Batch");
        case NodeColumn:
            //: Column of the job table: the cluster node (machine) that runs the job
            return tr("Node");
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case JobColumn:
            return tr("The client's job id");
        case OwnerColumn:
            return tr("Who submitted the job: token name or client address");
        case StatusColumn:
            return tr("Sorted by activity: running first, then the queue in order, then finished jobs, newest first");
        case SpeedColumn:
            return tr("Processing speed as a multiple of real time, or the transfer rate of the input");
        case EtaColumn:
            return tr("Estimated time until the current stage is done");
        case ElapsedColumn:
            return tr("Time since the job was submitted");
        case BatchColumn:
            return tr("The batch the job is part of, how many of its jobs ended and its progress");
        case NodeColumn:
            return tr("The node of the cluster that runs the job, or ran it");
        default:
            return {};
        }
    }
    return {};
}

} // namespace Mediaforge::Monitor
