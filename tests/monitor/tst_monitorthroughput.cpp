// SPDX-License-Identifier: GPL-3.0-or-later
// The arithmetic behind the throughput chart: per-interval deltas of the service's cumulative
// counters, restarts, gaps, the window.

#include "throughputhistory.h"

#include <QJsonObject>
#include <QTest>

using namespace Mediaforge::Monitor;
using Counters = ThroughputHistory::Counters;

namespace {

const QDateTime kStart(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC);   // a whole minute

Counters counters(qint64 completed, qint64 failed, qint64 in = 0, qint64 out = 0)
{
    Counters c;
    c.completed = completed;
    c.failed = failed;
    c.bytesIn = in;
    c.bytesOut = out;
    return c;
}

} // namespace

class TestThroughputHistory : public QObject
{
    Q_OBJECT
private slots:
    void countersFromStats();
    void deltasLandInTheirMinute();
    void restartCountsFromZero();
    void longGapIsNotAttributed();
    void windowKeepsTheLastBuckets();
    void clockGoingBackIsIgnored();
    void breakSeriesStartsANewBaseline();
};

void TestThroughputHistory::countersFromStats()
{
    const QJsonObject stats{{QStringLiteral("completed_jobs"), 12},  {QStringLiteral("failed_jobs"), 3},
                            {QStringLiteral("bytes_received"), 5e9}, {QStringLiteral("bytes_sent"), 1234},
                            {QStringLiteral("cancelled_jobs"), 9}};
    const auto parsed = Counters::fromStats(stats);
    QVERIFY(parsed);
    QCOMPARE(parsed->completed, 12);
    QCOMPARE(parsed->failed, 3);
    QCOMPARE(parsed->bytesIn, qint64(5000000000));
    QCOMPARE(parsed->bytesOut, 1234);
    QVERIFY(!Counters::fromStats(QJsonObject{{QStringLiteral("completed_jobs"), 1}}));
    QVERIFY(!Counters::fromStats(QJsonObject{}));
}

void TestThroughputHistory::deltasLandInTheirMinute()
{
    ThroughputHistory history(60, 15);
    history.addSample(kStart.addSecs(10), counters(100, 5, 1000, 2000));   // baseline only
    history.addSample(kStart.addSecs(40), counters(103, 5, 1500, 2600));
    history.addSample(kStart.addSecs(70), counters(104, 7, 1600, 2600));   // next minute
    history.addSample(kStart.addSecs(100), counters(110, 7, 1600, 3000));
    const QList<ThroughputHistory::Bucket> buckets = history.buckets(kStart.addSecs(100));
    QCOMPARE(buckets.size(), 15);
    const auto &previous = buckets.at(13);
    const auto &current = buckets.at(14);
    QCOMPARE(previous.start, kStart);
    QCOMPARE(current.start, kStart.addSecs(60));
    QVERIFY(previous.observed);
    QCOMPARE(previous.completed, 3);
    QCOMPARE(previous.failed, 0);
    QCOMPARE(previous.bytesIn, 500);
    QCOMPARE(previous.bytesOut, 600);
    QCOMPARE(current.completed, 7);
    QCOMPARE(current.failed, 2);
    QCOMPARE(current.finished(), 9);
    QCOMPARE(current.bytesIn, 100);
    QCOMPARE(current.bytesOut, 400);
    for (int i = 0; i < 13; ++i)
        QVERIFY(!buckets.at(i).observed);
}

void TestThroughputHistory::restartCountsFromZero()
{
    ThroughputHistory history(60, 5);
    history.addSample(kStart.addSecs(1), counters(50, 4, 9000, 9000));
    // The service restarted: its counters began again at zero and now stand at 2 and 1.
    history.addSample(kStart.addSecs(5), counters(2, 1, 300, 0));
    const auto bucket = history.buckets(kStart.addSecs(5)).constLast();
    QCOMPARE(bucket.completed, 2);
    QCOMPARE(bucket.failed, 1);
    QCOMPARE(bucket.bytesIn, 300);
    QCOMPARE(bucket.bytesOut, 0);
}

void TestThroughputHistory::longGapIsNotAttributed()
{
    ThroughputHistory history(60, 15);
    history.addSample(kStart.addSecs(1), counters(10, 0));
    // Disconnected for five minutes: the 40 jobs of that time belong to no known minute.
    history.addSample(kStart.addSecs(301), counters(50, 0));
    history.addSample(kStart.addSecs(310), counters(51, 0));
    const auto buckets = history.buckets(kStart.addSecs(310));
    qint64 total = 0;
    for (const auto &bucket : buckets)
        total += bucket.completed;
    QCOMPARE(total, 1);
    // The minutes in between show as gaps, not zeros.
    QVERIFY(!buckets.at(buckets.size() - 2).observed);
    QVERIFY(buckets.constLast().observed);
}

void TestThroughputHistory::windowKeepsTheLastBuckets()
{
    ThroughputHistory history(60, 3);
    for (int minute = 0; minute < 6; ++minute) {
        history.addSample(kStart.addSecs(minute * 60 + 1), counters(minute * 10, 0));
        history.addSample(kStart.addSecs(minute * 60 + 59), counters(minute * 10 + minute, 0));
    }
    const auto buckets = history.buckets(kStart.addSecs(5 * 60 + 59));
    QCOMPARE(buckets.size(), 3);
    QCOMPARE(buckets.at(0).start, kStart.addSecs(3 * 60));
    // Each minute: the jump from the previous minute's last sample (9 → 10 style) plus `minute`.
    QCOMPARE(buckets.at(0).completed, 10 - 2 + 3);
    QCOMPARE(buckets.at(1).completed, 10 - 3 + 4);
    QCOMPARE(buckets.at(2).completed, 10 - 4 + 5);
}

void TestThroughputHistory::clockGoingBackIsIgnored()
{
    ThroughputHistory history(60, 5);
    history.addSample(kStart.addSecs(30), counters(1, 0));
    history.addSample(kStart.addSecs(20), counters(5, 0));   // ignored
    history.addSample(kStart.addSecs(40), counters(6, 0));
    QCOMPARE(history.buckets(kStart.addSecs(40)).constLast().completed, 5);
}

void TestThroughputHistory::breakSeriesStartsANewBaseline()
{
    ThroughputHistory history(60, 5);
    history.addSample(kStart.addSecs(1), counters(1, 0));
    history.addSample(kStart.addSecs(2), counters(2, 0));
    history.breakSeries();
    history.addSample(kStart.addSecs(3), counters(9, 0));   // a new baseline, no delta
    history.addSample(kStart.addSecs(4), counters(10, 0));
    QCOMPARE(history.buckets(kStart.addSecs(4)).constLast().completed, 2);
    history.clear();
    QVERIFY(!history.buckets(kStart.addSecs(4)).constLast().observed);
}

QTEST_MAIN(TestThroughputHistory)
#include "tst_monitorthroughput.moc"
