// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventrouter.h"

#include "jobs/jobmanager.h"

namespace Mediaforge {

EventRouter::EventRouter(JobManager *manager, QObject *parent) : QObject(parent), m_manager(manager)
{
    if (!manager)
        return;
    connect(manager, &JobManager::jobAccepted, this, [this](const QString &id) { route(JobEventKind::Accepted, id); });
    connect(manager, &JobManager::jobStageChanged, this,
            [this](const QString &id) { route(JobEventKind::StageChanged, id); });
    connect(manager, &JobManager::jobProgress, this, [this](const QString &id) { route(JobEventKind::Progress, id); });
    connect(manager, &JobManager::jobFinished, this, [this](const QString &id) { route(JobEventKind::Finished, id); });
    // A lost node's job that this node ended from the store: its followers here hear the end.
    connect(manager, &JobManager::jobEndedForLostNode, this, [this](const QString &id) { route(JobEventKind::Finished, id); });
    connect(manager, &JobManager::jobEndedElsewhere, this, [this](const QString &id) { route(JobEventKind::Finished, id); });
    connect(manager, &JobManager::jobRemoved, this, [this](const QString &id) { route(JobEventKind::Removed, id); });
}

void EventRouter::addSink(JobEventSink *sink)
{
    m_jobsOf.insert(sink, {});
}

void EventRouter::removeSink(JobEventSink *sink)
{
    const auto it = m_jobsOf.constFind(sink);
    if (it == m_jobsOf.constEnd())
        return;
    for (const QString &id : *it) {
        auto followers = m_byJob.find(id);
        if (followers == m_byJob.end())
            continue;
        followers->removeOne(sink);
        if (followers->isEmpty())
            m_byJob.erase(followers);
    }
    m_jobsOf.erase(it);
    m_all.removeOne(sink);
    // Live batches only, each followed by its submitting connection: a short walk.
    for (auto batch = m_byBatch.begin(); batch != m_byBatch.end();) {
        batch->removeOne(sink);
        batch = batch->isEmpty() ? m_byBatch.erase(batch) : std::next(batch);
    }
}

void EventRouter::followBatch(JobEventSink *sink, const QString &batchId)
{
    if (!m_jobsOf.contains(sink))
        return;
    QList<JobEventSink *> &followers = m_byBatch[batchId];
    if (!followers.contains(sink))
        followers.append(sink);
}

void EventRouter::routeBatch(bool finished, const QString &batchId)
{
    QList<JobEventSink *> sinks = m_byBatch.value(batchId);
    for (JobEventSink *sink : std::as_const(m_all)) {
        if (!sinks.contains(sink))
            sinks.append(sink);
    }
    if (finished)
        m_byBatch.remove(batchId);
    for (JobEventSink *sink : std::as_const(sinks))
        sink->batchEvent(finished, batchId);
}

bool EventRouter::subscribe(JobEventSink *sink, const QString &id)
{
    auto it = m_jobsOf.find(sink);
    if (it == m_jobsOf.end())
        return false;
    // A job that is no longer live signals nothing more: following it would only hold memory.
    if (m_manager && !m_manager->job(id))
        return false;
    QList<JobEventSink *> &followers = m_byJob[id];
    if (followers.contains(sink))
        return true;
    it->append(id);
    followers.append(sink);
    return true;
}

void EventRouter::unsubscribe(JobEventSink *sink, const QString &id)
{
    auto it = m_jobsOf.find(sink);
    if (it == m_jobsOf.end() || !it->removeOne(id))
        return;
    auto followers = m_byJob.find(id);
    if (followers == m_byJob.end())
        return;
    followers->removeOne(sink);
    if (followers->isEmpty())
        m_byJob.erase(followers);
}

void EventRouter::subscribeAll(JobEventSink *sink)
{
    if (m_jobsOf.contains(sink) && !m_all.contains(sink))
        m_all.append(sink);
}

void EventRouter::unsubscribeAll(JobEventSink *sink)
{
    m_all.removeOne(sink);
}

bool EventRouter::follows(JobEventSink *sink, const QString &id) const
{
    const auto followers = m_byJob.constFind(id);
    return followers != m_byJob.constEnd() && followers->contains(sink) && m_jobsOf.contains(sink);
}

void EventRouter::route(JobEventKind kind, const QString &id)
{
    // Copies: a sink may follow, unfollow or be removed while it handles the event; one removed
    // meanwhile is skipped, one added meanwhile hears the next event.
    const QList<JobEventSink *> followers = m_byJob.value(id);
    const QList<JobEventSink *> all = m_all;
    if (kind == JobEventKind::Removed) {
        // The last event of a job: nobody can follow it any more.
        for (JobEventSink *sink : followers) {
            auto it = m_jobsOf.find(sink);
            if (it != m_jobsOf.end())
                it->removeOne(id);
        }
        m_byJob.remove(id);
    }
    for (JobEventSink *sink : followers) {
        if (m_jobsOf.contains(sink))
            sink->jobEvent(kind, id);
    }
    for (JobEventSink *sink : all) {
        // Heard above already as a follower of this very job.
        if (!followers.contains(sink) && m_jobsOf.contains(sink))
            sink->jobEvent(kind, id);
    }
}

} // namespace Mediaforge
