// SPDX-License-Identifier: GPL-3.0-or-later
// JobManager, continued: nodes that mount one shared dir (--shared-dir). Each node keeps its
// job files in <shared dir>/<node name>, locked and swept by that node alone. When a node is
// gone for good, its jobs' uploaded inputs are still readable there, so instead of ending them
// NODE_LOST a node takes the job's directory into its own (one rename, within the shared file
// system) and runs the job. The take-over of the row is fenced as any other, so exactly one
// node moves a given directory.
#include "jobmanager.h"
#include "jobmanager_p.h"
#include "jobrecovery.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace Mediaforge {

using namespace JobManagerDetail;

bool JobManager::sharesDirWith(const QString &node)
{
    if (m_settings.sharedDir.isEmpty())
        return false;
    const QList<NodeRecord> nodes = m_store->nodes();
    return std::any_of(nodes.cbegin(), nodes.cend(), [this, &node](const NodeRecord &record) {
        return record.name == node && record.sharedDir == m_settings.sharedDir;
    });
}

void JobManager::adoptFromSharedDir(const Job &record, const QString &gone, bool interrupted, const QDateTime &now)
{
    // The restart rules first: an interrupted run counts, and an owner that cannot come back
    // ends its job; the same outcome as for a lost node's URL job.
    Recovered rules = interrupted || !ownerCanReturn(record) ? adoptJob(record, m_settings.maxAttempts, QString(), now)
                                                             : Recovered{record, Recovered::Action::Queue};
    if (rules.action == Recovered::Action::End) {
        if (persist(rules.job)) {
            forgetForeign(rules.job.id);
            qCWarning(lcJobs).noquote() << jobFields(rules.job) << Logging::Fields{{QStringLiteral("node"), gone}}
                                        << "taken over from a lost node:"
                                        << (rules.job.error ? rules.job.error->message : QString());
            emit jobEndedForLostNode(rules.job.id);
        }
        return;
    }
    const QString from = QDir::cleanPath(record.directory);
    const QString to = QDir(m_settings.tempDir).filePath(kJobDirPrefix + record.id);
    const QString goneDir = QDir(m_settings.sharedDir).filePath(gone) + u'/';
    // Only the lost node's own directory of the shared dir, whatever the record says.
    if (!from.startsWith(goneDir) || !QFileInfo(from).isDir() || !QDir().rename(from, to)) {
        qCWarning(lcJobs).noquote() << jobFields(record) << Logging::Fields{{QStringLiteral("node"), gone}}
                                    << "cannot move the lost node's job directory" << from << "into this node's";
        endForLostNode(record, gone, now);
        return;
    }
    // The rules decided the attempts; the rest is the record's (adoptJob() would have pointed
    // the inputs at a new download).
    Job job = record;
    job.attempts = rules.job.attempts;
    job.directory = to;
    for (JobInput &input : job.inputs) {
        const QString path = QDir::cleanPath(input.path);
        input.path = path.startsWith(from + u'/') ? to + path.mid(from.size()) : QString();
        const QFileInfo file(input.path);
        if (input.path.isEmpty() || !input.complete || !file.isFile() || file.size() != input.bytes) {
            QDir(to).removeRecursively();
            endForLostNode(record, gone, now);
            return;
        }
    }
    // What an interrupted run left (partial outputs) is not the job's any more.
    const QStringList inputNames = [&job] {
        QStringList names;
        for (const JobInput &input : job.inputs)
            names.append(QFileInfo(input.path).fileName());
        return names;
    }();
    const QStringList entries = QDir(to).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
    for (const QString &entry : entries) {
        if (inputNames.contains(entry))
            continue;
        const QFileInfo info(QDir(to).filePath(entry));
        if (info.isDir())
            QDir(info.filePath()).removeRecursively();
        else
            QFile::remove(info.filePath());
    }
    job.connectionId = 0;
    job.progress = JobProgress{};
    job.outputs.clear();
    job.probeResult = QJsonObject();
    job.startedAt = QDateTime();
    job.status = JobStatus::Queued;
    job.stage = JobStage::Queued;
    if (!persist(job))
        return;
    forgetForeign(job.id);
    qCInfo(lcJobs).noquote() << jobFields(job) << Logging::Fields{{QStringLiteral("node"), gone}}
                             << Logging::Fields{{QStringLiteral("attempts"), QString::number(job.attempts)}}
                             << "taken over from a lost node; its inputs moved over in the shared dir";
    Job &stored = admit(std::move(job));
    emit jobAccepted(stored.id);
    enqueue(stored);
}

} // namespace Mediaforge
