// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "batchprogress.h"
#include "jobrecord.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QList>

#include <array>
#include <functional>

class QTimer;

namespace Mediaforge::Monitor {

// The jobs of one service, fed by the `subscribe` event stream and resynchronised with
// `list_jobs` after every (re)connect. Built for bursts: events are coalesced per job and
// applied on a short timer, new jobs arrive as one row insertion per batch, changed jobs emit
// dataChanged for the changed cells only, and lookups go through an id → row hash. The model
// never resets on events.
class JobModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        JobColumn,
        OwnerColumn,
        OperationColumn,
        InputColumn,
        StatusColumn,
        ProgressColumn,
        SpeedColumn,
        EtaColumn,
        ElapsedColumn,
        PriorityColumn,
        BatchColumn,      // the batch a job belongs to, with the batch's progress
        NodeColumn,       // on a cluster: the node that runs the job
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1,
        IdRole,           // service-wide id (QString)
        StateRole,        // JobState as int
        StatusGroupRole,  // StatusGroup as int
        ProgressRole,     // percentage, 0..100 (double)
        SearchTextRole,   // everything the text filter matches, lower case
    };

    struct Counts
    {
        std::array<int, kStatusGroupCount> groups{};
        int of(StatusGroup group) const { return groups.at(size_t(group)); }
        int total() const;
        bool operator==(const Counts &other) const = default;
    };

    explicit JobModel(QObject *parent = nullptr);
    ~JobModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // A `job_event`: queued and applied with the next batch (coalesceInterval ms at most).
    void enqueueEvent(const QString &event, const QJsonObject &snapshot);
    // Applies every queued event now.
    void flush();
    // A `batch_progress` or `batch_completed`: the batch cells of its jobs show it.
    void applyBatchEvent(const QJsonObject &message);
    const BatchProgress &batches() const { return m_batches; }
    // The `jobs` reply of list_jobs after a (re)connect: the service's truth. Rows the list no
    // longer has are removed, except, when the list was cut at its limit (`truncated`), rows
    // older than its oldest entry, which lie outside the window the list covers. Events queued
    // before the reply are older than it and are dropped.
    void resync(const QJsonArray &snapshots, bool truncated);
    // An older page of the service's history (list_jobs with `before`): its jobs are added
    // below what is listed; a job already in the table keeps its row, which is newer.
    // Returns how many rows were added.
    int addHistory(const QJsonArray &snapshots);
    void clear();

    int rowOfId(const QString &id) const { return m_rowOfId.value(id, -1); }
    const JobRecord *recordAt(int row) const;
    const JobRecord *recordById(const QString &id) const;
    Counts counts() const { return m_counts; }
    int pendingEvents() const { return int(m_pendingOrder.size()); }

    // 0 applies every event at once (tests of exact sequences).
    void setCoalesceInterval(int milliseconds);
    int coalesceInterval() const { return m_coalesceMs; }
    // Finished jobs beyond this many are dropped, oldest first, so that a monitor left running
    // for weeks does not grow without bound.
    void setMaxFinishedRows(int rows);
    // For tests: the wall clock the elapsed column counts against.
    void setClock(std::function<QDateTime()> clock);
    // The estimated difference between this machine's clock and the service's, in ms.
    qint64 clockOffsetMs() const { return m_clockOffsetMs; }
    // Whether the rows are current. Stale rows (the service is away or frozen) are greyed,
    // show no speed or ETA, and their elapsed time stands still at `asOf` (local clock).
    void setLive(bool live, const QDateTime &asOf = {});
    bool isLive() const { return m_live; }

signals:
    void countsChanged();
    // A job seen live turned failed (not reported for jobs that were failed at a resync).
    void jobFailed(const Mediaforge::Monitor::JobRecord &record);
    // After each applied batch or resync, with the number of rows it touched.
    void batchApplied(int jobs);

private:
    struct Pending
    {
        QJsonObject snapshot;
        qint64 receivedMs = 0;
        bool accepted = false;
    };

    void scheduleFlush();
    void applyBatch(const QList<QString> &order, QHash<QString, Pending> &pending);
    // Replaces the record at `row`; emits dataChanged for the changed cells. Returns false when
    // the update was refused (a finished job going back to an unfinished state).
    bool updateRow(int row, JobRecord &&record, bool authoritative);
    void appendRows(QList<JobRecord> &&records);
    // `rows` in any order.
    void removeRows(QList<int> rows);
    void trimFinished();
    // The service says where a job enters the queue, not how the others move when a job ahead
    // leaves it or a higher priority jumps ahead. The model notes every entry and departure in
    // arrival order (coalescing keeps only the last snapshot of a job, not this order) and
    // replays them over the places it knows, so that every "#n" stays current.
    struct QueueMove
    {
        QString id;
        int position = 0;   // 0: the job left the queue
    };
    void noteQueueMoves(const QString &id, const QJsonObject &snapshot);
    void replayQueueMoves(QList<QueueMove> moves, QList<std::pair<QString, int>> places);
    void countIn(const JobRecord &record, int delta);
    void tickElapsed();
    void noteClockSample(qint64 receivedMs, const QDateTime &createdAt);
    QDateTime now() const;
    QVariant display(const JobRecord &record, int column) const;
    QVariant sortKey(const JobRecord &record, int column) const;
    QString toolTip(const JobRecord &record, int column) const;

    QList<JobRecord> m_rows;
    BatchProgress m_batches;
    QHash<QString, int> m_rowOfId;
    QHash<QString, Pending> m_pending;
    QList<QString> m_pendingOrder;
    QList<QueueMove> m_queueMoves;
    Counts m_counts;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_elapsedTimer = nullptr;
    QElapsedTimer m_monotonic;
    int m_coalesceMs = 50;
    int m_maxFinished = 20000;
    int m_finished = 0;
    std::function<QDateTime()> m_clock;
    qint64 m_clockOffsetMs = 0;
    QList<qint64> m_clockSamples;
    bool m_live = true;
    QDateTime m_asOf;
};

} // namespace Mediaforge::Monitor

Q_DECLARE_METATYPE(Mediaforge::Monitor::JobRecord)
