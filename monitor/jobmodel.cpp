// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobmodel.h"

#include "format.h"
#include "logging.h"
#include "statusicons.h"

#include <QGuiApplication>
#include <QJsonArray>
#include <QPalette>
#include <QSet>
#include <QTimer>

#include <algorithm>

namespace Mediaforge::Monitor {

namespace {

constexpr quint32 bit(int column)
{
    return quint32(1) << column;
}

// Which cells of a row show something different between two versions of a job: the model
// emits dataChanged for these only, so that a progress tick repaints three cells and does not
// make a proxy sorted by another column re-sort.
quint32 changedColumns(const JobRecord &a, const JobRecord &b)
{
    quint32 mask = 0;
    if (a.jobId != b.jobId)
        mask |= bit(JobModel::JobColumn);
    if (a.owner != b.owner)
        mask |= bit(JobModel::OwnerColumn);
    if (a.operation != b.operation || a.preset != b.preset)
        mask |= bit(JobModel::OperationColumn);
    if (a.inputName != b.inputName || a.inputSource != b.inputSource || a.inputSize != b.inputSize)
        mask |= bit(JobModel::InputColumn);
    const bool stateChanged = a.state != b.state;
    if (stateChanged || a.queuePosition != b.queuePosition || a.errorCode != b.errorCode
        || a.errorMessage != b.errorMessage || a.stage != b.stage || a.startedAt != b.startedAt
        || a.finishedAt != b.finishedAt)
        mask |= bit(JobModel::StatusColumn);
    if (stateChanged || a.percentage != b.percentage || a.stage != b.stage || a.bytes != b.bytes
        || a.totalBytes != b.totalBytes)
        mask |= bit(JobModel::ProgressColumn);
    if (stateChanged || a.speed != b.speed || a.fps != b.fps || a.transferRate != b.transferRate)
        mask |= bit(JobModel::SpeedColumn);
    if (stateChanged || a.etaSeconds != b.etaSeconds)
        mask |= bit(JobModel::EtaColumn);
    if (stateChanged || a.createdAt != b.createdAt || a.finishedAt != b.finishedAt)
        mask |= bit(JobModel::ElapsedColumn);
    if (a.priority != b.priority)
        mask |= bit(JobModel::PriorityColumn);
    if (a.node != b.node)
        mask |= bit(JobModel::NodeColumn);
    return mask;
}

bool isTransfer(JobState state)
{
    return state == JobState::AwaitingUpload || state == JobState::Downloading;
}

// The service starts each stage's percentage at 0, finalizing included (writing the output's
// metadata and checksum after ffmpeg is done); on screen the processing is complete then.
bool isFinalizing(const JobRecord &record)
{
    return record.state == JobState::Processing && record.stage == QLatin1StringView("finalizing");
}

double shownPercentage(const JobRecord &record)
{
    return record.state == JobState::Completed || isFinalizing(record) ? 100.0 : record.percentage;
}

// Order of the status column: work in progress first, then the queue in its order, then
// history, newest first.
int activityRank(StatusGroup group)
{
    switch (group) {
    case StatusGroup::Running:
        return 0;
    case StatusGroup::Input:
        return 1;
    case StatusGroup::Queued:
        return 2;
    case StatusGroup::Completed:
    case StatusGroup::Failed:
    case StatusGroup::Cancelled:
        return 3;
    }
    return 3;
}

constexpr double kRankSpan = 1e13;   // milliseconds until the year 2286

double msecs(const QDateTime &when)
{
    return when.isValid() ? double(when.toMSecsSinceEpoch()) : 0.0;
}

} // namespace

int JobModel::Counts::total() const
{
    int sum = 0;
    for (int count : groups)
        sum += count;
    return sum;
}

JobModel::JobModel(QObject *parent) : QAbstractTableModel(parent)
{
    qRegisterMetaType<JobRecord>();
    m_monotonic.start();
    m_clock = [] { return QDateTime::currentDateTimeUtc(); };
    m_flushTimer = new QTimer(this);
    m_flushTimer->setSingleShot(true);
    connect(m_flushTimer, &QTimer::timeout, this, &JobModel::flush);
    m_elapsedTimer = new QTimer(this);
    m_elapsedTimer->setInterval(1000);
    connect(m_elapsedTimer, &QTimer::timeout, this, &JobModel::tickElapsed);
    m_elapsedTimer->start();
}

JobModel::~JobModel() = default;

int JobModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JobModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const JobRecord *JobModel::recordAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

const JobRecord *JobModel::recordById(const QString &id) const
{
    return recordAt(rowOfId(id));
}

void JobModel::setCoalesceInterval(int milliseconds)
{
    m_coalesceMs = std::max(0, milliseconds);
}

void JobModel::setMaxFinishedRows(int rows)
{
    m_maxFinished = std::max(0, rows);
    trimFinished();
}

void JobModel::setClock(std::function<QDateTime()> clock)
{
    m_clock = std::move(clock);
}

QDateTime JobModel::now() const
{
    // While stale, "now" is when the service was last heard: nothing moves on screen after it.
    const QDateTime current = m_live || !m_asOf.isValid() ? m_clock() : m_asOf.toUTC();
    return current.addMSecs(-m_clockOffsetMs);
}

void JobModel::setLive(bool live, const QDateTime &asOf)
{
    if (live == m_live)
        return;
    m_live = live;
    m_asOf = live ? QDateTime() : (asOf.isValid() ? asOf : m_clock());
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

void JobModel::enqueueEvent(const QString &event, const QJsonObject &snapshot)
{
    const QString id = snapshot.value(QLatin1StringView("id")).toString();
    if (id.isEmpty()) {
        qCWarning(lcMonitor) << "job_event without a job id ignored:" << event;
        return;
    }
    const bool accepted = event == QLatin1StringView("accepted");
    noteQueueMoves(id, snapshot);
    auto it = m_pending.find(id);
    if (it == m_pending.end()) {
        m_pending.insert(id, Pending{snapshot, m_monotonic.elapsed(), accepted});
        m_pendingOrder.append(id);
    } else {
        // Only the newest snapshot of a job matters; the first arrival time is kept for the
        // clock estimate.
        it->snapshot = snapshot;
        it->accepted = it->accepted || accepted;
    }
    scheduleFlush();
}

void JobModel::scheduleFlush()
{
    if (m_coalesceMs == 0) {
        flush();
        return;
    }
    if (!m_flushTimer->isActive())
        m_flushTimer->start(m_coalesceMs);
}

void JobModel::applyBatchEvent(const QJsonObject &message)
{
    if (!m_batches.apply(message))
        return;
    // Only the batch cells of that batch's rows change; they are one run when sorted by batch,
    // scattered otherwise, so one span from the first to the last.
    const QString batchId = message.value(QLatin1StringView("batch_id")).toString();
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).batchId != batchId)
            continue;
        first = first < 0 ? row : first;
        last = row;
    }
    if (first >= 0)
        emit dataChanged(index(first, BatchColumn), index(last, BatchColumn), {Qt::DisplayRole, Qt::ToolTipRole});
}

void JobModel::flush()
{
    m_flushTimer->stop();
    if (m_pendingOrder.isEmpty())
        return;
    QList<QString> order;
    QHash<QString, Pending> pending;
    order.swap(m_pendingOrder);
    pending.swap(m_pending);
    // The places the rows had before this batch, to replay the batch's queue moves over.
    QList<QueueMove> moves;
    moves.swap(m_queueMoves);
    QList<std::pair<QString, int>> places;
    if (!moves.isEmpty()) {
        for (const JobRecord &record : std::as_const(m_rows)) {
            if (record.state == JobState::Queued && record.queuePosition > 0)
                places.append({record.id, record.queuePosition});
        }
    }
    applyBatch(order, pending);
    if (!moves.isEmpty())
        replayQueueMoves(std::move(moves), std::move(places));
}

void JobModel::applyBatch(const QList<QString> &order, QHash<QString, Pending> &pending)
{
    const Counts before = m_counts;
    QList<JobRecord> fresh;
    int touched = 0;
    for (const QString &id : order) {
        Pending &event = pending[id];
        std::optional<JobRecord> record = JobRecord::fromSnapshot(event.snapshot);
        if (!record) {
            qCWarning(lcMonitor) << "job_event with an unreadable snapshot ignored, id" << id;
            continue;
        }
        if (event.accepted)
            noteClockSample(event.receivedMs, record->createdAt);
        ++touched;
        const int row = rowOfId(id);
        const bool failedNow = record->state == JobState::Failed;
        if (row < 0) {
            if (failedNow)
                emit jobFailed(*record);
            fresh.append(std::move(*record));
            continue;
        }
        const bool failedBefore = m_rows.at(row).state == JobState::Failed;
        if (updateRow(row, std::move(*record), false) && failedNow && !failedBefore)
            emit jobFailed(m_rows.at(row));
    }
    appendRows(std::move(fresh));
    trimFinished();
    emit batchApplied(touched);
    if (!(before == m_counts))
        emit countsChanged();
}

bool JobModel::updateRow(int row, JobRecord &&record, bool authoritative)
{
    JobRecord &current = m_rows[row];
    // Events are in order on one socket, but a late snapshot must never bring a finished job
    // back to life on screen.
    if (!authoritative && current.finished() && !record.finished())
        return false;
    const qint64 nowMs = m_monotonic.elapsed();
    if (isTransfer(record.state) && record.state == current.state && record.bytes >= 0) {
        if (record.bytes > current.bytes && current.bytesSampledMs >= 0 && nowMs > current.bytesSampledMs) {
            const double rate = double(record.bytes - current.bytes) * 1000.0 / double(nowMs - current.bytesSampledMs);
            record.transferRate = current.transferRate < 0 ? rate : (current.transferRate + rate) / 2;
            record.bytesSampledMs = nowMs;
        } else if (record.bytes == current.bytes) {
            record.transferRate = current.transferRate;
            record.bytesSampledMs = current.bytesSampledMs;
        } else {
            record.bytesSampledMs = nowMs;
        }
    } else if (isTransfer(record.state)) {
        record.bytesSampledMs = nowMs;
    }
    const quint32 mask = changedColumns(current, record);
    if (current.state != record.state) {
        countIn(current, -1);
        countIn(record, +1);
    }
    current = std::move(record);
    // One dataChanged per run of adjacent changed cells.
    for (int column = 0; column < ColumnCount;) {
        if (!(mask & bit(column))) {
            ++column;
            continue;
        }
        int last = column;
        while (last + 1 < ColumnCount && (mask & bit(last + 1)))
            ++last;
        emit dataChanged(index(row, column), index(row, last));
        column = last + 1;
    }
    return true;
}

void JobModel::noteQueueMoves(const QString &id, const QJsonObject &snapshot)
{
    // Queued as far as the model knows: by a snapshot still waiting in this batch, or by its row.
    const auto pending = m_pending.constFind(id);
    bool wasQueued = false;
    if (pending != m_pending.constEnd()) {
        wasQueued = pending->snapshot.value(QLatin1StringView("status")).toString() == QLatin1StringView("queued");
    } else if (const JobRecord *record = recordById(id)) {
        wasQueued = record->state == JobState::Queued;
    }
    const bool queued = snapshot.value(QLatin1StringView("status")).toString() == QLatin1StringView("queued");
    const int position = snapshot.value(QLatin1StringView("queue_position")).toInt();
    // A new place for a job already queued is a departure and an arrival.
    if (wasQueued && (!queued || position > 0))
        m_queueMoves.append({id, 0});
    if (queued && position > 0)
        m_queueMoves.append({id, position});
}

void JobModel::replayQueueMoves(QList<QueueMove> moves, QList<std::pair<QString, int>> places)
{
    auto find = [&places](const QString &id) {
        return std::find_if(places.begin(), places.end(), [&id](const auto &place) { return place.first == id; });
    };
    for (const QueueMove &move : std::as_const(moves)) {
        if (move.position == 0) {
            const auto it = find(move.id);
            if (it == places.end())
                continue;
            const int vacated = it->second;
            places.erase(it);
            for (auto &place : places) {
                if (place.second > vacated)
                    --place.second;
            }
        } else {
            // The service reports a place after the job took it: everyone from there on moved down.
            for (auto &place : places) {
                if (place.second >= move.position)
                    ++place.second;
            }
            places.append({move.id, move.position});
        }
    }
    for (const auto &[id, position] : std::as_const(places)) {
        const int row = rowOfId(id);
        if (row < 0)
            continue;
        JobRecord &record = m_rows[row];
        if (record.state != JobState::Queued || record.queuePosition == position)
            continue;
        record.queuePosition = position;
        emit dataChanged(index(row, StatusColumn), index(row, StatusColumn));
    }
}

void JobModel::appendRows(QList<JobRecord> &&records)
{
    if (records.isEmpty())
        return;
    const int first = int(m_rows.size());
    const qint64 nowMs = m_monotonic.elapsed();
    beginInsertRows({}, first, first + int(records.size()) - 1);
    for (JobRecord &record : records) {
        if (isTransfer(record.state))
            record.bytesSampledMs = nowMs;
        countIn(record, +1);
        m_rowOfId.insert(record.id, int(m_rows.size()));
        m_rows.append(std::move(record));
    }
    endInsertRows();
}

void JobModel::removeRows(QList<int> rows)
{
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    const int lowest = rows.constLast();
    for (qsizetype i = 0; i < rows.size();) {
        // rows[i] is the bottom of a run of adjacent rows going up.
        qsizetype j = i;
        while (j + 1 < rows.size() && rows.at(j + 1) == rows.at(j) - 1)
            ++j;
        const int last = rows.at(i);
        const int first = rows.at(j);
        beginRemoveRows({}, first, last);
        for (int row = first; row <= last; ++row) {
            countIn(m_rows.at(row), -1);
            m_rowOfId.remove(m_rows.at(row).id);
        }
        m_rows.remove(first, last - first + 1);
        endRemoveRows();
        i = j + 1;
    }
    for (int row = lowest; row < m_rows.size(); ++row)
        m_rowOfId.insert(m_rows.at(row).id, row);
}

void JobModel::trimFinished()
{
    if (m_finished <= m_maxFinished)
        return;
    QList<std::pair<qint64, int>> finished;
    finished.reserve(m_finished);
    for (int row = 0; row < m_rows.size(); ++row) {
        const JobRecord &record = m_rows.at(row);
        if (record.finished()) {
            const QDateTime when = record.finishedAt.isValid() ? record.finishedAt : record.createdAt;
            finished.append({when.isValid() ? when.toMSecsSinceEpoch() : 0, row});
        }
    }
    const qsizetype excess = finished.size() - m_maxFinished;
    std::nth_element(finished.begin(), finished.begin() + (excess - 1), finished.end());
    QList<int> rows;
    rows.reserve(excess);
    for (qsizetype i = 0; i < excess; ++i)
        rows.append(finished.at(i).second);
    removeRows(rows);
}

void JobModel::resync(const QJsonArray &snapshots, bool truncated)
{
    m_flushTimer->stop();
    m_pending.clear();
    m_pendingOrder.clear();
    m_queueMoves.clear();
    const Counts before = m_counts;

    QHash<QString, JobRecord> listed;
    QList<QString> order;   // oldest first, so that appended rows keep arrival order
    QDateTime oldestListed;
    for (qsizetype i = snapshots.size() - 1; i >= 0; --i) {
        std::optional<JobRecord> record = JobRecord::fromSnapshot(snapshots.at(i).toObject());
        if (!record)
            continue;
        if (record->createdAt.isValid() && (!oldestListed.isValid() || record->createdAt < oldestListed))
            oldestListed = record->createdAt;
        if (!listed.contains(record->id))
            order.append(record->id);
        listed.insert(record->id, std::move(*record));
    }

    QList<int> gone;
    for (int row = 0; row < m_rows.size(); ++row) {
        const JobRecord &record = m_rows.at(row);
        if (listed.contains(record.id))
            continue;
        const bool outsideWindow = truncated && oldestListed.isValid() && record.createdAt.isValid()
                && record.createdAt < oldestListed;
        if (!outsideWindow)
            gone.append(row);
    }
    removeRows(gone);

    QList<JobRecord> fresh;
    for (const QString &id : std::as_const(order)) {
        JobRecord record = listed.take(id);
        const int row = rowOfId(id);
        if (row >= 0)
            updateRow(row, std::move(record), true);
        else
            fresh.append(std::move(record));
    }
    appendRows(std::move(fresh));
    trimFinished();
    qCDebug(lcMonitor) << "resync:" << order.size() << "jobs listed," << gone.size() << "rows removed";
    emit batchApplied(int(order.size()));
    if (!(before == m_counts))
        emit countsChanged();
}

int JobModel::addHistory(const QJsonArray &snapshots)
{
    const Counts before = m_counts;
    QList<JobRecord> fresh;
    QSet<QString> seen;
    // The page is newest first; rows are appended oldest first, as resync() does.
    for (qsizetype i = snapshots.size() - 1; i >= 0; --i) {
        std::optional<JobRecord> record = JobRecord::fromSnapshot(snapshots.at(i).toObject());
        if (!record || rowOfId(record->id) >= 0 || seen.contains(record->id))
            continue;
        seen.insert(record->id);
        fresh.append(std::move(*record));
    }
    const int added = int(fresh.size());
    appendRows(std::move(fresh));
    trimFinished();
    qCDebug(lcMonitor) << "history:" << added << "older jobs added";
    emit batchApplied(added);
    if (!(before == m_counts))
        emit countsChanged();
    return added;
}

void JobModel::clear()
{
    m_batches.clear();
    m_flushTimer->stop();
    m_pending.clear();
    m_pendingOrder.clear();
    m_queueMoves.clear();
    if (m_rows.isEmpty())
        return;
    // The one reset: the user removed the service, nothing of the old rows survives.
    beginResetModel();
    m_rows.clear();
    m_rowOfId.clear();
    m_counts = {};
    m_finished = 0;
    endResetModel();
    emit countsChanged();
}

void JobModel::countIn(const JobRecord &record, int delta)
{
    m_counts.groups[size_t(record.group())] += delta;
    if (record.finished())
        m_finished += delta;
}

void JobModel::tickElapsed()
{
    if (!m_live)
        return;
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (!m_rows.at(row).finished()) {
            if (first < 0)
                first = row;
            last = row;
        }
    }
    if (first >= 0)
        emit dataChanged(index(first, ElapsedColumn), index(last, ElapsedColumn), {Qt::DisplayRole, SortRole});
}

void JobModel::noteClockSample(qint64 receivedMs, const QDateTime &createdAt)
{
    if (!createdAt.isValid())
        return;
    // The service stamps created_at as it sends `accepted`, so the arrival time minus that
    // stamp is the clock difference plus the network delay; the smallest of recent samples is
    // the best estimate of the difference alone.
    const QDateTime receivedAt = m_clock().addMSecs(receivedMs - m_monotonic.elapsed());
    m_clockSamples.append(createdAt.msecsTo(receivedAt));
    static constexpr qsizetype kSamples = 32;
    if (m_clockSamples.size() > kSamples)
        m_clockSamples.removeFirst();
    m_clockOffsetMs = *std::min_element(m_clockSamples.cbegin(), m_clockSamples.cend());
}

QVariant JobModel::display(const JobRecord &record, int column) const
{
    switch (column) {
    case JobColumn:
        return record.jobId.isEmpty() ? record.id : record.jobId;
    case OwnerColumn:
        return record.owner.isEmpty() ? Format::unknown() : record.owner;
    case OperationColumn:
        // The preset says what the job is for; the operation alone would hide it.
        return record.preset.isEmpty() ? StatusText::operation(record.operation)
                                       : tr("%1 (%2)").arg(StatusText::operation(record.operation), record.preset);
    case InputColumn: {
        QString name = record.inputName;
        if (name.isEmpty())
            name = record.inputSource == QLatin1StringView("url") ? tr("(URL)") : tr("(upload)");
        const int count = record.snapshot.value(QLatin1StringView("input")).toObject().value(QLatin1StringView("count")).toInt();
        if (count > 1)
            //: A job with several input files: the first file's name and how many more there are
            return tr("%1 (+%n more)", nullptr, count - 1).arg(name);
        return name;
    }
    case StatusColumn:
        if (record.state == JobState::Queued && record.queuePosition > 0)
            //: A queued job and its place in the queue
            return tr("Queued (#%1)").arg(record.queuePosition);
        return StatusText::state(record.state);
    case ProgressColumn:
        if (record.state == JobState::Failed) {
            // Why it stopped, and how far it got when that is worth saying.
            if (record.percentage < 1)
                return StatusText::errorShort(record.errorCode);
            //: Progress cell of a failed job: how far it got and why it stopped, e.g. "37 % · ffmpeg error"
            return tr("%1 \u00b7 %2").arg(Format::percent(record.percentage), StatusText::errorShort(record.errorCode));
        }
        if (isFinalizing(record))
            return StatusText::stage(record.stage);
        return Format::percent(shownPercentage(record));
    case SpeedColumn:
        if (!m_live)
            return QString();   // a speed that is not current misleads more than none
        if (record.state == JobState::Processing && record.speed > 0)
            return Format::speedFactor(record.speed);
        if (isTransfer(record.state) && record.transferRate >= 0)
            return Format::byteRate(record.transferRate);
        return QString();
    case EtaColumn:
        if (m_live && (record.state == JobState::Processing || isTransfer(record.state)) && record.etaSeconds >= 0)
            return Format::clock(record.etaSeconds);
        return QString();
    case ElapsedColumn:
        return Format::clock(record.elapsedSeconds(now()));
    case PriorityColumn:
        return StatusText::priority(record.priority);
    case BatchColumn:
        return record.batchId.isEmpty() ? QString() : m_batches.cellText(record.batchId);
    case NodeColumn:
        return record.node;
    }
    return {};
}

QVariant JobModel::sortKey(const JobRecord &record, int column) const
{
    switch (column) {
    case JobColumn:
        return record.jobId.toLower();
    case OwnerColumn:
        return record.owner.toLower();
    case OperationColumn:
        return StatusText::operation(record.operation).toLower();
    case InputColumn:
        return record.inputName.toLower();
    case StatusColumn: {
        const StatusGroup group = record.group();
        double secondary = 0;
        switch (group) {
        case StatusGroup::Running:
            secondary = msecs(record.startedAt);
            break;
        case StatusGroup::Input:
            secondary = msecs(record.createdAt);
            break;
        case StatusGroup::Queued:
            secondary = record.queuePosition > 0 ? record.queuePosition : msecs(record.createdAt);
            break;
        default:
            secondary = kRankSpan - 1 - msecs(record.finishedAt.isValid() ? record.finishedAt : record.createdAt);
            break;
        }
        return activityRank(group) * kRankSpan + std::clamp(secondary, 0.0, kRankSpan - 1);
    }
    case ProgressColumn:
        return shownPercentage(record);
    case SpeedColumn:
        return record.state == JobState::Processing ? record.speed : (isTransfer(record.state) ? record.transferRate : -1.0);
    case EtaColumn:
        return (record.state == JobState::Processing || isTransfer(record.state)) ? record.etaSeconds : -1.0;
    case ElapsedColumn:
        return record.elapsedSeconds(now());
    case PriorityColumn:
        return record.priority == QLatin1StringView("high") ? 2 : record.priority == QLatin1StringView("low") ? 0 : 1;
    case BatchColumn:
        // A batch's jobs together, in their item order (BATCH_ID:0, :1, ... sorts 10 after 9).
        return record.batchId.isEmpty() ? QString() : record.batchId.toLower() + QString::number(record.jobId.section(u':', -1).toInt()).rightJustified(6, u'0');
    case NodeColumn:
        return record.node.toLower();
    }
    return {};
}

QString JobModel::toolTip(const JobRecord &record, int column) const
{
    switch (column) {
    case JobColumn:
        return tr("Job %1\nService id: %2").arg(record.jobId, record.id);
    case InputColumn: {
        QString tip = record.inputName;
        if (record.inputSize >= 0)
            tip += u'\n' + tr("Size: %1").arg(Format::bytes(record.inputSize));
        if (record.inputSource == QLatin1StringView("url"))
            tip += u'\n' + tr("Downloaded from a URL");
        else if (record.inputSource == QLatin1StringView("upload"))
            tip += u'\n' + tr("Uploaded by the client");
        return tip;
    }
    case StatusColumn:
    case ProgressColumn: {
        QString tip = StatusText::state(record.state);
        if (!record.finished() && !record.stage.isEmpty())
            tip += QStringLiteral(": ") + StatusText::stage(record.stage);
        if (record.state == JobState::Failed && !record.errorMessage.isEmpty())
            tip += u'\n' + record.errorCode + QStringLiteral(": ") + record.errorMessage;
        if (isTransfer(record.state) && record.bytes >= 0)
            tip += u'\n' + tr("%1 of %2").arg(Format::bytes(record.bytes), Format::bytes(record.totalBytes));
        return tip;
    }
    case SpeedColumn:
        if (record.state == JobState::Processing && record.fps > 0)
            return tr("%1 frames per second").arg(QLocale().toString(record.fps, 'f', 1));
        return {};
    case BatchColumn:
        return record.batchId.isEmpty() ? QString() : m_batches.toolTip(record.batchId);
    case ElapsedColumn: {
        QString tip = tr("Submitted: %1").arg(Format::dateTime(record.createdAt));
        if (record.startedAt.isValid())
            tip += u'\n' + tr("Started: %1").arg(Format::dateTime(record.startedAt));
        if (record.finishedAt.isValid())
            tip += u'\n' + tr("Finished: %1").arg(Format::dateTime(record.finishedAt));
        return tip;
    }
    default:
        return {};
    }
}

QVariant JobModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const JobRecord &record = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(record, column);
    case Qt::ToolTipRole: {
        QString tip = toolTip(record, column);
        if (!m_live)
            //: Tooltip line of a row while the service is away: the time of the last news
            tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) + tr("As of %1").arg(Format::time(m_asOf));
        return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
    case Qt::DecorationRole:
        if (column == StatusColumn)
            return Icons::status(record.state);
        return {};
    case Qt::ForegroundRole:
        if (!m_live)
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::TextAlignmentRole:
        if (column == SpeedColumn || column == EtaColumn || column == ElapsedColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::AccessibleTextRole:
        if (column == ProgressColumn)
            return tr("%1, %2").arg(StatusText::state(record.state), display(record, column).toString());
        return display(record, column);
    case SortRole:
        return sortKey(record, column);
    case IdRole:
        return record.id;
    case StateRole:
        return int(record.state);
    case StatusGroupRole:
        return int(record.group());
    case ProgressRole:
        return shownPercentage(record);
    case SearchTextRole:
        return QStringList{record.jobId, record.id, record.owner, record.operation,
                           StatusText::operation(record.operation), record.inputName, StatusText::state(record.state),
                           record.errorCode, record.batchId, record.node}
                .join(u'\n')
                .toLower();
    default:
        return {};
    }
}

} // namespace Mediaforge::Monitor
