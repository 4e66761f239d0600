// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>

#include <optional>

namespace Mediaforge::Monitor {

// Turns the service's cumulative counters (successive `stats` messages: completed_jobs,
// failed_jobs, bytes_received, bytes_sent) into per-interval amounts for the throughput
// chart: jobs finished and bytes moved in each of the last `bucketCount` intervals.
//
// A counter that goes down means the service restarted: its new value is what happened since.
// After a gap longer than two intervals (the monitor was disconnected) the difference is not
// attributed to any interval, because when it happened is unknown; the gap shows as such.
class ThroughputHistory
{
public:
    struct Counters
    {
        qint64 completed = 0;
        qint64 failed = 0;
        qint64 bytesIn = 0;
        qint64 bytesOut = 0;
        // From the `stats` object; nothing when it lacks the job counters.
        static std::optional<Counters> fromStats(const QJsonObject &stats);
    };

    struct Bucket
    {
        QDateTime start;
        qint64 completed = 0;
        qint64 failed = 0;
        qint64 bytesIn = 0;
        qint64 bytesOut = 0;
        bool observed = false;   // at least one sample fell into it
        qint64 finished() const { return completed + failed; }
    };

    explicit ThroughputHistory(int bucketSeconds = 60, int bucketCount = 15);

    void addSample(const QDateTime &at, const Counters &counters);
    // Forget the baseline (not the buckets): the next sample starts a new series.
    void breakSeries();
    void clear();

    // The last bucketCount intervals, oldest first, the last one containing `now`.
    QList<Bucket> buckets(const QDateTime &now) const;
    int bucketSeconds() const { return m_bucketSeconds; }
    int bucketCount() const { return m_bucketCount; }

private:
    qint64 bucketIndex(const QDateTime &at) const;

    int m_bucketSeconds;
    int m_bucketCount;
    std::optional<Counters> m_last;
    QDateTime m_lastAt;
    QMap<qint64, Bucket> m_buckets;
};

} // namespace Mediaforge::Monitor
