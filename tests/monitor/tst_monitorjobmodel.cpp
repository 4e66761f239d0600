// SPDX-License-Identifier: GPL-3.0-or-later
// The jobs model against event sequences shaped like the service's: inserts, progress, stage
// changes, outcomes, coalesced bursts and the resync after a reconnect, each under
// QAbstractItemModelTester.

#include "jobmodel.h"
#include "snapshots.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace Mediaforge::Monitor;
using MonitorTest::kEpoch;
using MonitorTest::snapshot;

namespace {

QString dataDir()
{
    const QString source = qEnvironmentVariable("MEDIAFORGE_SOURCE_DIR");
    if (!source.isEmpty())
        return source + QStringLiteral("/tests/monitor/data");
    return QFINDTESTDATA("data");
}

struct Fixture
{
    JobModel model;
    QAbstractItemModelTester tester{&model, QAbstractItemModelTester::FailureReportingMode::QtTest};
    Fixture()
    {
        model.setCoalesceInterval(0);
        model.setClock([] { return kEpoch.addSecs(65); });
    }
};

// Which columns a dataChanged spy saw, as a set.
QSet<int> changedColumns(const QSignalSpy &spy)
{
    QSet<int> columns;
    for (const QList<QVariant> &call : spy) {
        const auto topLeft = call.at(0).value<QModelIndex>();
        const auto bottomRight = call.at(1).value<QModelIndex>();
        for (int column = topLeft.column(); column <= bottomRight.column(); ++column)
            columns.insert(column);
    }
    return columns;
}

} // namespace

class TestJobModel : public QObject
{
    Q_OBJECT
private slots:
    void acceptedInsertsOneRow();
    void aPresetJobShowsItsPresetByTheOperation();
    void progressChangesOnlyTheProgressCells();
    void stageChangeMovesTheCounts();
    void outcomes_data();
    void outcomes();
    void finishedJobsDoNotComeBack();
    void burstsAreCoalescedIntoOneInsert();
    void resyncRemovesUpdatesAndInserts();
    void olderHistoryIsAddedWithoutTouchingListedRows();
    void truncatedResyncKeepsOlderRows();
    void resyncDropsEventsQueuedBeforeIt();
    void oldFinishedRowsAreTrimmed();
    void statusSortKeyOrdersByActivity();
    void queuePlacesMoveUpWhenJobsAhead_leave();
    void queuePlacesMoveDownWhenAJobJumpsAhead();
    void queueMovesWithinOneBatchKeepTheirOrder();
    void elapsedCountsAgainstTheServiceClock();
    void unreadableSnapshotsAreIgnored();
    void recordedSequence_data();
    void recordedSequence();
};

void TestJobModel::aPresetJobShowsItsPresetByTheOperation()
{
    Fixture f;
    QJsonObject job = snapshot(QStringLiteral("p1"), QStringLiteral("queued"));
    job.insert(QStringLiteral("preset"), QStringLiteral("web-720p"));
    f.model.enqueueEvent(QStringLiteral("accepted"), job);
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("p2"), QStringLiteral("queued")));
    const QString plain = f.model.index(f.model.rowOfId(QStringLiteral("p2")), JobModel::OperationColumn).data().toString();
    QCOMPARE(f.model.index(f.model.rowOfId(QStringLiteral("p1")), JobModel::OperationColumn).data().toString(),
             plain + QStringLiteral(" (web-720p)"));
}

void TestJobModel::acceptedInsertsOneRow()
{
    Fixture f;
    QSignalSpy inserted(&f.model, &QAbstractItemModel::rowsInserted);
    QSignalSpy counts(&f.model, &JobModel::countsChanged);
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("a1"), QStringLiteral("awaiting_upload")));
    QCOMPARE(f.model.rowCount(), 1);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(counts.count(), 1);
    QCOMPARE(f.model.counts().of(StatusGroup::Input), 1);
    QCOMPARE(f.model.rowOfId(QStringLiteral("a1")), 0);
    QCOMPARE(f.model.index(0, JobModel::JobColumn).data().toString(), QStringLiteral("job-a1"));
    QCOMPARE(f.model.index(0, JobModel::OwnerColumn).data().toString(), QStringLiteral("alice"));
    QCOMPARE(f.model.index(0, JobModel::OperationColumn).data().toString(), QStringLiteral("Compress"));
    QCOMPARE(f.model.index(0, JobModel::InputColumn).data().toString(), QStringLiteral("clip-a1.mp4"));
    QCOMPARE(f.model.index(0, JobModel::StatusColumn).data().toString(), QStringLiteral("Uploading"));
    QCOMPARE(f.model.index(0, JobModel::PriorityColumn).data().toString(), QStringLiteral("Normal"));
    // `accepted` is sent as the job is created: it has just begun, whatever this machine's clock says.
    QCOMPARE(f.model.index(0, JobModel::ElapsedColumn).data().toString(), QStringLiteral("0:00"));
    QCOMPARE(f.model.index(0, 0).data(JobModel::IdRole).toString(), QStringLiteral("a1"));
    // Sizes and speeds follow the operator's locale ("1,0 MiB", "3,1×" in German): ctest runs
    // this test under C.UTF-8 and once more under de_DE.UTF-8.
    QVERIFY(f.model.index(0, JobModel::InputColumn).data(Qt::ToolTipRole).toString().contains(QLocale().formattedDataSize(1024 * 1024, 1)));
    QVERIFY(!f.model.index(0, JobModel::StatusColumn).data(Qt::DecorationRole).value<QIcon>().isNull());
}

void TestJobModel::progressChangesOnlyTheProgressCells()
{
    Fixture f;
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("a1"), QStringLiteral("processing"), 10));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("a2"), QStringLiteral("processing"), 10));
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&f.model, &QAbstractItemModel::rowsInserted);
    QJsonObject progress = snapshot(QStringLiteral("a2"), QStringLiteral("processing"), 42.5);
    progress.insert(QStringLiteral("speed"), 3.1);
    progress.insert(QStringLiteral("eta_seconds"), 7.0);
    f.model.enqueueEvent(QStringLiteral("progress"), progress);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(inserted.count(), 0);
    QVERIFY(!changed.isEmpty());
    for (const QList<QVariant> &call : std::as_const(changed)) {
        QCOMPARE(call.at(0).value<QModelIndex>().row(), 1);
        QCOMPARE(call.at(1).value<QModelIndex>().row(), 1);
    }
    QCOMPARE(changedColumns(changed),
             (QSet<int>{JobModel::ProgressColumn, JobModel::SpeedColumn, JobModel::EtaColumn}));
    QCOMPARE(f.model.index(1, JobModel::ProgressColumn).data(JobModel::ProgressRole).toDouble(), 42.5);
    QCOMPARE(f.model.index(1, JobModel::ProgressColumn).data().toString(), QStringLiteral("42 %"));
    QCOMPARE(f.model.index(1, JobModel::SpeedColumn).data().toString(), QLocale().toString(3.1, 'f', 1) + u'\u00d7');
    QCOMPARE(f.model.index(1, JobModel::EtaColumn).data().toString(), QStringLiteral("0:07"));
    // The same snapshot again changes nothing.
    changed.clear();
    f.model.enqueueEvent(QStringLiteral("progress"), progress);
    QCOMPARE(changed.count(), 0);
}

void TestJobModel::stageChangeMovesTheCounts()
{
    Fixture f;
    QJsonObject queued = snapshot(QStringLiteral("a1"), QStringLiteral("queued"));
    queued.insert(QStringLiteral("queue_position"), 3);
    f.model.enqueueEvent(QStringLiteral("stage"), queued);
    QCOMPARE(f.model.index(0, JobModel::StatusColumn).data().toString(), QStringLiteral("Queued (#3)"));
    QCOMPARE(f.model.counts().of(StatusGroup::Queued), 1);
    QSignalSpy counts(&f.model, &JobModel::countsChanged);
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    f.model.enqueueEvent(QStringLiteral("stage"), snapshot(QStringLiteral("a1"), QStringLiteral("processing"), 0));
    QCOMPARE(counts.count(), 1);
    QCOMPARE(f.model.counts().of(StatusGroup::Queued), 0);
    QCOMPARE(f.model.counts().of(StatusGroup::Running), 1);
    QVERIFY(changedColumns(changed).contains(JobModel::StatusColumn));
    QVERIFY(!changedColumns(changed).contains(JobModel::JobColumn));
    QCOMPARE(f.model.index(0, JobModel::StatusColumn).data().toString(), QStringLiteral("Running"));
    QCOMPARE(f.model.index(0, JobModel::SpeedColumn).data().toString(), QLocale().toString(2.5, 'f', 1) + u'\u00d7');
    // After ffmpeg: the service starts the finalizing stage at 0 %; the bar stays full.
    QJsonObject finalizing = snapshot(QStringLiteral("a1"), QStringLiteral("processing"), 0);
    finalizing.insert(QStringLiteral("stage"), QStringLiteral("finalizing"));
    f.model.enqueueEvent(QStringLiteral("stage"), finalizing);
    QCOMPARE(f.model.index(0, JobModel::ProgressColumn).data().toString(), QStringLiteral("Finalizing"));
    QCOMPARE(f.model.index(0, JobModel::ProgressColumn).data(JobModel::ProgressRole).toDouble(), 100.0);
}

void TestJobModel::outcomes_data()
{
    QTest::addColumn<QString>("status");
    QTest::addColumn<int>("group");
    QTest::addColumn<int>("failedSignals");
    QTest::addColumn<QString>("progressText");
    QTest::newRow("completed") << QStringLiteral("completed") << int(StatusGroup::Completed) << 0 << QStringLiteral("100 %");
    QTest::newRow("failed") << QStringLiteral("failed") << int(StatusGroup::Failed) << 1 << QStringLiteral("40 % \u00b7 ffmpeg error");
    QTest::newRow("cancelled") << QStringLiteral("cancelled") << int(StatusGroup::Cancelled) << 0 << QStringLiteral("40 %");
}

void TestJobModel::outcomes()
{
    QFETCH(QString, status);
    QFETCH(int, group);
    QFETCH(int, failedSignals);
    QFETCH(QString, progressText);
    Fixture f;
    QSignalSpy failed(&f.model, &JobModel::jobFailed);
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("a1"), QStringLiteral("processing"), 40));
    f.model.enqueueEvent(status, snapshot(QStringLiteral("a1"), status, 40));
    QCOMPARE(f.model.rowCount(), 1);
    QCOMPARE(f.model.counts().of(StatusGroup(group)), 1);
    QCOMPARE(f.model.counts().of(StatusGroup::Running), 0);
    QCOMPARE(f.model.counts().total(), 1);
    QCOMPARE(failed.count(), failedSignals);
    QCOMPARE(f.model.index(0, JobModel::ProgressColumn).data().toString(), progressText);
    QVERIFY(f.model.index(0, JobModel::SpeedColumn).data().toString().isEmpty());
    QVERIFY(f.model.index(0, JobModel::EtaColumn).data().toString().isEmpty());
    // Finished: elapsed stops at finished_at, whatever the clock says.
    QCOMPARE(f.model.index(0, JobModel::ElapsedColumn).data().toString(), QStringLiteral("0:30"));
    if (failedSignals) {
        const auto record = failed.first().first().value<JobRecord>();
        QCOMPARE(record.errorCode, QStringLiteral("FFMPEG_FAILED"));
        QVERIFY(f.model.index(0, JobModel::StatusColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("ffmpeg exited")));
        // A second failed snapshot of the same job is no new failure.
        f.model.enqueueEvent(status, snapshot(QStringLiteral("a1"), status, 40));
        QCOMPARE(failed.count(), 1);
    }
}

void TestJobModel::finishedJobsDoNotComeBack()
{
    Fixture f;
    f.model.enqueueEvent(QStringLiteral("completed"), snapshot(QStringLiteral("a1"), QStringLiteral("completed"), 100));
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    f.model.enqueueEvent(QStringLiteral("progress"), snapshot(QStringLiteral("a1"), QStringLiteral("processing"), 80));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(f.model.recordAt(0)->state, JobState::Completed);
    QCOMPARE(f.model.counts().of(StatusGroup::Completed), 1);
}

void TestJobModel::burstsAreCoalescedIntoOneInsert()
{
    JobModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCoalesceInterval(30);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy batches(&model, &JobModel::batchApplied);
    for (int i = 0; i < 50; ++i) {
        const QString id = QStringLiteral("b%1").arg(i);
        model.enqueueEvent(QStringLiteral("accepted"), snapshot(id, QStringLiteral("queued"), 0, i));
        model.enqueueEvent(QStringLiteral("stage"), snapshot(id, QStringLiteral("processing"), 0, i));
        model.enqueueEvent(QStringLiteral("progress"), snapshot(id, QStringLiteral("processing"), 50, i));
    }
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.pendingEvents(), 50);
    QVERIFY(batches.wait(2000));
    QCOMPARE(model.rowCount(), 50);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(batches.count(), 1);
    QCOMPARE(batches.first().first().toInt(), 50);
    // Arrival order is row order, and the newest snapshot of each job won.
    QCOMPARE(model.recordAt(0)->id, QStringLiteral("b0"));
    QCOMPARE(model.recordAt(49)->id, QStringLiteral("b49"));
    QCOMPARE(model.recordAt(17)->percentage, 50.0);
    QCOMPARE(model.counts().of(StatusGroup::Running), 50);
}

void TestJobModel::resyncRemovesUpdatesAndInserts()
{
    Fixture f;
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("gone1"), QStringLiteral("processing"), 10, 1));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("kept"), QStringLiteral("processing"), 10, 2));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("gone2"), QStringLiteral("queued"), 0, 3));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("same"), QStringLiteral("completed"), 100, 4));
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&f.model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&f.model, &QAbstractItemModel::rowsInserted);
    QSignalSpy failed(&f.model, &JobModel::jobFailed);
    // list_jobs answers newest first. While the monitor was away, "kept" failed and "fresh"
    // arrived; "gone1" and "gone2" are no longer known to the service.
    const QJsonArray list{snapshot(QStringLiteral("fresh"), QStringLiteral("queued"), 0, 9),
                          snapshot(QStringLiteral("same"), QStringLiteral("completed"), 100, 4),
                          snapshot(QStringLiteral("kept"), QStringLiteral("failed"), 60, 2)};
    f.model.resync(list, false);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(removed.count(), 2);   // two separate runs of rows
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(f.model.rowCount(), 3);
    QCOMPARE(f.model.rowOfId(QStringLiteral("gone1")), -1);
    QCOMPARE(f.model.rowOfId(QStringLiteral("gone2")), -1);
    QCOMPARE(f.model.recordById(QStringLiteral("kept"))->state, JobState::Failed);
    QCOMPARE(f.model.recordById(QStringLiteral("fresh"))->state, JobState::Queued);
    // The id → row hash still matches the rows after the removals.
    for (int row = 0; row < f.model.rowCount(); ++row)
        QCOMPARE(f.model.rowOfId(f.model.recordAt(row)->id), row);
    QCOMPARE(f.model.counts().of(StatusGroup::Failed), 1);
    QCOMPARE(f.model.counts().of(StatusGroup::Completed), 1);
    QCOMPARE(f.model.counts().of(StatusGroup::Queued), 1);
    QCOMPARE(f.model.counts().total(), 3);
    // A failure found at resync is history, not news.
    QCOMPARE(failed.count(), 0);
}

void TestJobModel::olderHistoryIsAddedWithoutTouchingListedRows()
{
    Fixture f;
    // The first page: one running job and the newest finished one.
    f.model.resync(QJsonArray{snapshot(QStringLiteral("running"), QStringLiteral("processing"), 40, 100),
                              snapshot(QStringLiteral("newest"), QStringLiteral("completed"), 100, 90)},
                   true);
    QSignalSpy failed(&f.model, &JobModel::jobFailed);
    QSignalSpy counts(&f.model, &JobModel::countsChanged);
    // The next page, newest first; "newest" overlaps (a job that finished between the pages)
    // and must keep the row it has.
    const QJsonArray older{snapshot(QStringLiteral("newest"), QStringLiteral("failed"), 100, 90),
                           snapshot(QStringLiteral("older"), QStringLiteral("failed"), 100, 50),
                           snapshot(QStringLiteral("oldest"), QStringLiteral("cancelled"), 10, 10)};
    QCOMPARE(f.model.addHistory(older), 2);
    QCOMPARE(f.model.rowCount(), 4);
    QCOMPARE(f.model.recordById(QStringLiteral("newest"))->state, JobState::Completed);
    QCOMPARE(f.model.recordById(QStringLiteral("older"))->state, JobState::Failed);
    QCOMPARE(f.model.recordById(QStringLiteral("oldest"))->state, JobState::Cancelled);
    for (int row = 0; row < f.model.rowCount(); ++row)
        QCOMPARE(f.model.rowOfId(f.model.recordAt(row)->id), row);
    QCOMPARE(f.model.counts().of(StatusGroup::Failed), 1);
    QCOMPARE(f.model.counts().total(), 4);
    QCOMPARE(counts.count(), 1);
    // Old failures are history, not news.
    QCOMPARE(failed.count(), 0);
    // The same page again adds nothing.
    QCOMPARE(f.model.addHistory(older), 0);
    QCOMPARE(f.model.rowCount(), 4);
}

void TestJobModel::truncatedResyncKeepsOlderRows()
{
    Fixture f;
    f.model.enqueueEvent(QStringLiteral("completed"), snapshot(QStringLiteral("old"), QStringLiteral("completed"), 100, -600));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("recent"), QStringLiteral("queued"), 0, 50));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("listed"), QStringLiteral("queued"), 0, 10));
    // The list was cut at its limit and begins at t=10: "old" lies outside the window it
    // covers and stays; "recent" is inside it and missing, so it is gone.
    f.model.resync(QJsonArray{snapshot(QStringLiteral("listed"), QStringLiteral("processing"), 5, 10)}, true);
    QCOMPARE(f.model.rowCount(), 2);
    QVERIFY(f.model.recordById(QStringLiteral("old")));
    QVERIFY(!f.model.recordById(QStringLiteral("recent")));
    QCOMPARE(f.model.recordById(QStringLiteral("listed"))->state, JobState::Processing);
}

void TestJobModel::resyncDropsEventsQueuedBeforeIt()
{
    JobModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCoalesceInterval(1000);
    model.enqueueEvent(QStringLiteral("progress"), snapshot(QStringLiteral("a1"), QStringLiteral("processing"), 30));
    QCOMPARE(model.pendingEvents(), 1);
    model.resync(QJsonArray{snapshot(QStringLiteral("a1"), QStringLiteral("completed"), 100)}, false);
    QCOMPARE(model.pendingEvents(), 0);
    model.flush();
    QCOMPARE(model.recordAt(0)->state, JobState::Completed);
}

void TestJobModel::oldFinishedRowsAreTrimmed()
{
    Fixture f;
    for (int i = 0; i < 4; ++i)
        f.model.enqueueEvent(QStringLiteral("completed"), snapshot(QStringLiteral("done%1").arg(i), QStringLiteral("completed"), 100, i * 10));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("live"), QStringLiteral("processing"), 5, 0));
    QSignalSpy removed(&f.model, &QAbstractItemModel::rowsRemoved);
    f.model.setMaxFinishedRows(2);
    QCOMPARE(f.model.rowCount(), 3);
    QVERIFY(!f.model.recordById(QStringLiteral("done0")));
    QVERIFY(!f.model.recordById(QStringLiteral("done1")));
    QVERIFY(f.model.recordById(QStringLiteral("done2")));
    QVERIFY(f.model.recordById(QStringLiteral("done3")));
    QVERIFY(f.model.recordById(QStringLiteral("live")));
    QCOMPARE(removed.count(), 1);   // done0 and done1 are adjacent: one removal
    // A new finished job pushes out the oldest remaining one.
    f.model.enqueueEvent(QStringLiteral("failed"), snapshot(QStringLiteral("late"), QStringLiteral("failed"), 3, 100));
    QVERIFY(!f.model.recordById(QStringLiteral("done2")));
    QCOMPARE(f.model.counts().of(StatusGroup::Completed) + f.model.counts().of(StatusGroup::Failed), 2);
}

void TestJobModel::statusSortKeyOrdersByActivity()
{
    Fixture f;
    QJsonObject second = snapshot(QStringLiteral("q2"), QStringLiteral("queued"), 0, 1);
    second.insert(QStringLiteral("queue_position"), 2);
    QJsonObject first = snapshot(QStringLiteral("q1"), QStringLiteral("queued"), 0, 5);
    first.insert(QStringLiteral("queue_position"), 1);
    f.model.enqueueEvent(QStringLiteral("completed"), snapshot(QStringLiteral("older"), QStringLiteral("completed"), 100, 0));
    f.model.enqueueEvent(QStringLiteral("failed"), snapshot(QStringLiteral("newer"), QStringLiteral("failed"), 10, 100));
    f.model.enqueueEvent(QStringLiteral("accepted"), second);
    f.model.enqueueEvent(QStringLiteral("accepted"), first);
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("up"), QStringLiteral("awaiting_upload"), 0, 3));
    f.model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("run"), QStringLiteral("processing"), 50, 7));
    QList<std::pair<double, QString>> keys;
    for (int row = 0; row < f.model.rowCount(); ++row)
        keys.append({f.model.index(row, JobModel::StatusColumn).data(JobModel::SortRole).toDouble(), f.model.recordAt(row)->id});
    std::sort(keys.begin(), keys.end());
    QStringList order;
    for (const auto &key : keys)
        order.append(key.second);
    QCOMPARE(order, (QStringList{QStringLiteral("run"), QStringLiteral("up"), QStringLiteral("q1"), QStringLiteral("q2"),
                                 QStringLiteral("newer"), QStringLiteral("older")}));
}

void TestJobModel::queuePlacesMoveUpWhenJobsAhead_leave()
{
    Fixture f;
    for (int i = 1; i <= 4; ++i) {
        QJsonObject queued = snapshot(QStringLiteral("q%1").arg(i), QStringLiteral("queued"), 0, i);
        queued.insert(QStringLiteral("queue_position"), i);
        f.model.enqueueEvent(QStringLiteral("accepted"), queued);
    }
    auto place = [&f](const char *id) {
        return f.model.index(f.model.rowOfId(QString::fromLatin1(id)), JobModel::StatusColumn).data().toString();
    };
    QCOMPARE(place("q4"), QStringLiteral("Queued (#4)"));
    QSignalSpy changed(&f.model, &QAbstractItemModel::dataChanged);
    // #1 starts and #3 is cancelled in one batch.
    f.model.setCoalesceInterval(1000);
    f.model.enqueueEvent(QStringLiteral("stage"), snapshot(QStringLiteral("q1"), QStringLiteral("processing"), 0, 1));
    f.model.enqueueEvent(QStringLiteral("cancelled"), snapshot(QStringLiteral("q3"), QStringLiteral("cancelled"), 0, 3));
    f.model.flush();
    QCOMPARE(place("q2"), QStringLiteral("Queued (#1)"));
    QCOMPARE(place("q4"), QStringLiteral("Queued (#2)"));
    QVERIFY(changedColumns(changed).contains(JobModel::StatusColumn));
}

void TestJobModel::queuePlacesMoveDownWhenAJobJumpsAhead()
{
    Fixture f;
    for (int i = 1; i <= 3; ++i) {
        QJsonObject queued = snapshot(QStringLiteral("q%1").arg(i), QStringLiteral("queued"), 0, i);
        queued.insert(QStringLiteral("queue_position"), i);
        f.model.enqueueEvent(QStringLiteral("stage"), queued);
    }
    // A high-priority job enters the queue second.
    QJsonObject urgent = snapshot(QStringLiteral("urgent"), QStringLiteral("queued"), 0, 9);
    urgent.insert(QStringLiteral("priority"), QStringLiteral("high"));
    urgent.insert(QStringLiteral("queue_position"), 2);
    f.model.enqueueEvent(QStringLiteral("stage"), urgent);
    auto place = [&f](const QString &id) { return f.model.recordById(id)->queuePosition; };
    QCOMPARE(place(QStringLiteral("q1")), 1);
    QCOMPARE(place(QStringLiteral("urgent")), 2);
    QCOMPARE(place(QStringLiteral("q2")), 3);
    QCOMPARE(place(QStringLiteral("q3")), 4);
    // The front one starts; everyone moves up; a resync then brings the service's own places.
    f.model.enqueueEvent(QStringLiteral("stage"), snapshot(QStringLiteral("q1"), QStringLiteral("processing"), 0, 1));
    QCOMPARE(place(QStringLiteral("urgent")), 1);
    QCOMPARE(place(QStringLiteral("q3")), 3);
    QJsonArray list;
    for (const auto &[id, position] : {std::pair{QStringLiteral("q3"), 1}, std::pair{QStringLiteral("q2"), 2}}) {
        QJsonObject job = snapshot(id, QStringLiteral("queued"));
        job.insert(QStringLiteral("queue_position"), position);
        list.append(job);
    }
    f.model.resync(list, false);
    QCOMPARE(place(QStringLiteral("q3")), 1);
    QCOMPARE(place(QStringLiteral("q2")), 2);
}

void TestJobModel::queueMovesWithinOneBatchKeepTheirOrder()
{
    // The service's queue: rush (#1), timelapse (#2); then, within one 50 ms batch, backlog
    // enters at #3 and rush starts; in the next one an urgent job enters at #1.
    Fixture f;
    auto queued = [](const QString &id, int position, int created) {
        QJsonObject job = snapshot(id, QStringLiteral("queued"), 0, created);
        job.insert(QStringLiteral("queue_position"), position);
        return job;
    };
    f.model.enqueueEvent(QStringLiteral("stage"), queued(QStringLiteral("rush"), 1, 1));
    f.model.enqueueEvent(QStringLiteral("stage"), queued(QStringLiteral("timelapse"), 2, 2));
    f.model.setCoalesceInterval(1000);
    f.model.enqueueEvent(QStringLiteral("stage"), queued(QStringLiteral("backlog"), 3, 3));
    f.model.enqueueEvent(QStringLiteral("stage"), snapshot(QStringLiteral("rush"), QStringLiteral("processing"), 0, 1));
    f.model.flush();
    auto place = [&f](const QString &id) { return f.model.recordById(id)->queuePosition; };
    // backlog's own snapshot still says #3; it moved up when rush started after it.
    QCOMPARE(place(QStringLiteral("timelapse")), 1);
    QCOMPARE(place(QStringLiteral("backlog")), 2);
    f.model.enqueueEvent(QStringLiteral("accepted"), queued(QStringLiteral("urgent"), 1, 4));
    f.model.flush();
    QCOMPARE(place(QStringLiteral("urgent")), 1);
    QCOMPARE(place(QStringLiteral("timelapse")), 2);
    QCOMPARE(place(QStringLiteral("backlog")), 3);
}

void TestJobModel::elapsedCountsAgainstTheServiceClock()
{
    JobModel model;
    model.setCoalesceInterval(0);
    // This machine's clock is two minutes ahead of the service's.
    const QDateTime serviceNow = kEpoch.addSecs(10);
    model.setClock([serviceNow] { return serviceNow.addSecs(120); });
    model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("a1"), QStringLiteral("awaiting_upload"), 0, 10));
    QVERIFY(std::abs(model.clockOffsetMs() - 120000) < 1000);
    QCOMPARE(model.index(0, JobModel::ElapsedColumn).data().toString(), QStringLiteral("0:00"));
}

void TestJobModel::unreadableSnapshotsAreIgnored()
{
    Fixture f;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("without a job id")));
    f.model.enqueueEvent(QStringLiteral("accepted"), QJsonObject{{QStringLiteral("status"), QStringLiteral("queued")}});
    QJsonObject unknown = snapshot(QStringLiteral("x"), QStringLiteral("queued"));
    unknown.insert(QStringLiteral("status"), QStringLiteral("exploded"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("unreadable snapshot")));
    f.model.enqueueEvent(QStringLiteral("accepted"), unknown);
    QCOMPARE(f.model.rowCount(), 0);
}

// Sequences in tests/monitor/data: {"steps": [{"type": "job_event", ...} | {"type": "jobs",
// "jobs": [...], "truncated": bool}], "expect": {"<id>": "<status>"}, "counts": {...}}.
void TestJobModel::recordedSequence_data()
{
    QTest::addColumn<QString>("path");
    const QDir dir(dataDir());
    const QStringList files = dir.entryList({QStringLiteral("sequence-*.json")}, QDir::Files, QDir::Name);
    QVERIFY2(!files.isEmpty(), qPrintable(dir.absolutePath()));
    for (const QString &file : files)
        QTest::newRow(qPrintable(file)) << dir.filePath(file);
}

void TestJobModel::recordedSequence()
{
    QFETCH(QString, path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject sequence = QJsonDocument::fromJson(file.readAll()).object();
    JobModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setCoalesceInterval(0);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy failed(&model, &JobModel::jobFailed);
    const QJsonArray steps = sequence.value(QStringLiteral("steps")).toArray();
    QVERIFY(!steps.isEmpty());
    for (const QJsonValue &value : steps) {
        const QJsonObject step = value.toObject();
        const QString type = step.value(QStringLiteral("type")).toString();
        if (type == QLatin1StringView("job_event"))
            model.enqueueEvent(step.value(QStringLiteral("event")).toString(), step.value(QStringLiteral("job")).toObject());
        else if (type == QLatin1StringView("jobs"))
            model.resync(step.value(QStringLiteral("jobs")).toArray(), step.value(QStringLiteral("truncated")).toBool());
        else
            QFAIL(qPrintable(QStringLiteral("unknown step type ") + type));
    }
    QCOMPARE(reset.count(), 0);
    const QJsonObject expect = sequence.value(QStringLiteral("expect")).toObject();
    QCOMPARE(model.rowCount(), int(expect.size()));
    for (auto it = expect.begin(); it != expect.end(); ++it) {
        const JobRecord *record = model.recordById(it.key());
        QVERIFY2(record, qPrintable(it.key()));
        QCOMPARE(int(record->state), int(*jobStateFromName(it.value().toString())));
    }
    QCOMPARE(failed.count(), sequence.value(QStringLiteral("failures")).toInt());
}

QTEST_MAIN(TestJobModel)
#include "tst_monitorjobmodel.moc"
