// SPDX-License-Identifier: GPL-3.0-or-later
#include "throughputhistory.h"

#include <QJsonValue>

namespace Mediaforge::Monitor {

namespace {

qint64 counterDelta(qint64 previous, qint64 current)
{
    return current >= previous ? current - previous : current;
}

} // namespace

std::optional<ThroughputHistory::Counters> ThroughputHistory::Counters::fromStats(const QJsonObject &stats)
{
    const QJsonValue completed = stats.value(QLatin1StringView("completed_jobs"));
    const QJsonValue failed = stats.value(QLatin1StringView("failed_jobs"));
    if (!completed.isDouble() || !failed.isDouble())
        return std::nullopt;
    Counters counters;
    counters.completed = qint64(completed.toDouble());
    counters.failed = qint64(failed.toDouble());
    counters.bytesIn = qint64(stats.value(QLatin1StringView("bytes_received")).toDouble());
    counters.bytesOut = qint64(stats.value(QLatin1StringView("bytes_sent")).toDouble());
    return counters;
}

ThroughputHistory::ThroughputHistory(int bucketSeconds, int bucketCount)
    : m_bucketSeconds(std::max(1, bucketSeconds)), m_bucketCount(std::max(1, bucketCount))
{
}

qint64 ThroughputHistory::bucketIndex(const QDateTime &at) const
{
    const qint64 seconds = at.toSecsSinceEpoch();
    // Floor division, so that buckets line up with wall-clock minutes.
    return seconds >= 0 ? seconds / m_bucketSeconds : (seconds - m_bucketSeconds + 1) / m_bucketSeconds;
}

void ThroughputHistory::addSample(const QDateTime &at, const Counters &counters)
{
    if (!at.isValid())
        return;
    if (m_lastAt.isValid() && at < m_lastAt)
        return;   // the clock went back; wait until it passes the last sample again
    const qint64 index = bucketIndex(at);
    Bucket &bucket = m_buckets[index];
    if (!bucket.observed) {
        bucket.start = QDateTime::fromSecsSinceEpoch(index * m_bucketSeconds, Qt::UTC);
        bucket.observed = true;
    }
    const bool continuous = m_last && m_lastAt.secsTo(at) <= 2 * qint64(m_bucketSeconds);
    if (continuous) {
        bucket.completed += counterDelta(m_last->completed, counters.completed);
        bucket.failed += counterDelta(m_last->failed, counters.failed);
        bucket.bytesIn += counterDelta(m_last->bytesIn, counters.bytesIn);
        bucket.bytesOut += counterDelta(m_last->bytesOut, counters.bytesOut);
    }
    m_last = counters;
    m_lastAt = at;
    // Keep only what the chart can show.
    const qint64 oldest = index - m_bucketCount + 1;
    while (!m_buckets.isEmpty() && m_buckets.firstKey() < oldest)
        m_buckets.erase(m_buckets.begin());
}

void ThroughputHistory::breakSeries()
{
    m_last.reset();
}

void ThroughputHistory::clear()
{
    m_last.reset();
    m_lastAt = QDateTime();
    m_buckets.clear();
}

QList<ThroughputHistory::Bucket> ThroughputHistory::buckets(const QDateTime &now) const
{
    QList<Bucket> result;
    result.reserve(m_bucketCount);
    const qint64 last = bucketIndex(now);
    for (qint64 index = last - m_bucketCount + 1; index <= last; ++index) {
        const auto it = m_buckets.constFind(index);
        if (it != m_buckets.constEnd()) {
            result.append(*it);
        } else {
            Bucket empty;
            empty.start = QDateTime::fromSecsSinceEpoch(index * m_bucketSeconds, Qt::UTC);
            result.append(empty);
        }
    }
    return result;
}

} // namespace Mediaforge::Monitor
