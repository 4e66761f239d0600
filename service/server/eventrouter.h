// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

namespace Mediaforge {

class JobManager;

// What a job's event is, as the engine signals it.
enum class JobEventKind { Accepted, StageChanged, Progress, Finished, Removed };

// Whoever wants a job's events (a Session; a recorder in the tests).
class JobEventSink
{
public:
    virtual ~JobEventSink() = default;
    virtual void jobEvent(JobEventKind kind, const QString &id) = 0;
    // A batch's progress or end (docs/batches.md); `finished` is the last one.
    virtual void batchEvent(bool finished, const QString &batchId)
    {
        Q_UNUSED(finished);
        Q_UNUSED(batchId);
    }
};

// Delivers each JobManager signal only to the sinks that follow that job (the connection that
// started it, a connection that attached to it) and to the sinks that follow every job (admins
// on the event feed), by lookup: one job event costs O(its followers), not O(connections).
// A sink following a job and every job hears each event once. Sinks are registered per
// connection and must be removed before they are destroyed.
class EventRouter : public QObject
{
    Q_OBJECT
public:
    explicit EventRouter(JobManager *manager, QObject *parent = nullptr);

    void addSink(JobEventSink *sink);
    // Forgets everything the sink followed.
    void removeSink(JobEventSink *sink);

    // The sink hears this job's events from now on, until the job is no longer live (Removed is
    // the last) or unsubscribe. False (and nothing kept) for a job the engine does not hold live
    // or a sink not added.
    bool subscribe(JobEventSink *sink, const QString &id);
    void unsubscribe(JobEventSink *sink, const QString &id);
    // Every job's events, Accepted included.
    void subscribeAll(JobEventSink *sink);
    void unsubscribeAll(JobEventSink *sink);

    bool follows(JobEventSink *sink, const QString &id) const;
    qsizetype followedJobCount() const { return m_byJob.size(); }

    // What the JobManager signals call; public so that a test can drive a sequence directly.
    void route(JobEventKind kind, const QString &id);

    // Batches: the sink hears the batch's events (by its service id) until its end, and so do
    // the sinks following every job.
    void followBatch(JobEventSink *sink, const QString &batchId);
    void routeBatch(bool finished, const QString &batchId);

private:
    JobManager *m_manager;
    QHash<QString, QList<JobEventSink *>> m_byJob;       // job id -> sinks following it
    // Every added sink -> the jobs it follows. A list, not a QSet: a set costs about 1 KiB of
    // hash storage even for the one job a connection usually has (docs/performance.md), and
    // "does it follow" is asked of the job's own short follower list instead.
    QHash<JobEventSink *, QList<QString>> m_jobsOf;
    QList<JobEventSink *> m_all;                           // sinks following every job, in order
    QHash<QString, QList<JobEventSink *>> m_byBatch;     // batch id -> sinks following it
};

} // namespace Mediaforge
