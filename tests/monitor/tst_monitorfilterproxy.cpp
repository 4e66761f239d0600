// SPDX-License-Identifier: GPL-3.0-or-later
// The sort/filter proxy of the jobs table: status groups, text words, rows moving in and out
// as jobs change state, numeric sorting.

#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "snapshots.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Mediaforge::Monitor;
using MonitorTest::snapshot;

namespace {

QStringList visibleIds(const QSortFilterProxyModel &proxy)
{
    QStringList ids;
    for (int row = 0; row < proxy.rowCount(); ++row)
        ids.append(proxy.index(row, 0).data(JobModel::IdRole).toString());
    return ids;
}

void fill(JobModel &model)
{
    model.setCoalesceInterval(0);
    QJsonObject gif = snapshot(QStringLiteral("g1"), QStringLiteral("processing"), 9, 1);
    gif.insert(QStringLiteral("operation"), QStringLiteral("gif"));
    gif.insert(QStringLiteral("owner"), QStringLiteral("render-farm"));
    model.enqueueEvent(QStringLiteral("accepted"), gif);
    model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("p1"), QStringLiteral("processing"), 10, 2));
    model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("q1"), QStringLiteral("queued"), 0, 3));
    model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("u1"), QStringLiteral("awaiting_upload"), 0, 4));
    model.enqueueEvent(QStringLiteral("completed"), snapshot(QStringLiteral("c1"), QStringLiteral("completed"), 100, 5));
    model.enqueueEvent(QStringLiteral("failed"), snapshot(QStringLiteral("f1"), QStringLiteral("failed"), 2, 6));
    model.enqueueEvent(QStringLiteral("cancelled"), snapshot(QStringLiteral("x1"), QStringLiteral("cancelled"), 0, 7));
}

} // namespace

class TestJobFilterProxy : public QObject
{
    Q_OBJECT
private slots:
    void showsEverythingByDefault();
    void statusGroups_data();
    void statusGroups();
    void textMatchesEveryWord_data();
    void textMatchesEveryWord();
    void rowsFollowStatusChanges();
    void progressSortsAsNumbers();
};

void TestJobFilterProxy::showsEverythingByDefault()
{
    JobModel model;
    JobFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    fill(model);
    QCOMPARE(proxy.rowCount(), 7);
    QVERIFY(proxy.showsAllGroups());
    QVERIFY(!proxy.isFiltering());
}

void TestJobFilterProxy::statusGroups_data()
{
    QTest::addColumn<QList<int>>("groups");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("running") << QList<int>{int(StatusGroup::Running)} << QStringList{QStringLiteral("g1"), QStringLiteral("p1")};
    QTest::newRow("input") << QList<int>{int(StatusGroup::Input)} << QStringList{QStringLiteral("u1")};
    QTest::newRow("failed+cancelled") << QList<int>{int(StatusGroup::Failed), int(StatusGroup::Cancelled)}
                                      << QStringList{QStringLiteral("f1"), QStringLiteral("x1")};
    QTest::newRow("queued+completed") << QList<int>{int(StatusGroup::Queued), int(StatusGroup::Completed)}
                                      << QStringList{QStringLiteral("q1"), QStringLiteral("c1")};
}

void TestJobFilterProxy::statusGroups()
{
    QFETCH(QList<int>, groups);
    QFETCH(QStringList, expected);
    JobModel model;
    JobFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    fill(model);
    QSignalSpy changed(&proxy, &JobFilterProxy::filterChanged);
    QList<StatusGroup> visible;
    for (int group : groups)
        visible.append(StatusGroup(group));
    proxy.setVisibleGroups(visible);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(visibleIds(proxy), expected);
    QVERIFY(proxy.isFiltering());
    // The same set again is no change.
    proxy.setVisibleGroups(visible);
    QCOMPARE(changed.count(), 1);
    // Unticking one group by one gives the same answer as a set.
    proxy.setVisibleGroups({});
    for (StatusGroup group : kAllStatusGroups)
        proxy.setStatusVisible(group, groups.contains(int(group)));
    QCOMPARE(visibleIds(proxy), expected);
    proxy.setVisibleGroups({});
    QCOMPARE(proxy.rowCount(), 7);
}

void TestJobFilterProxy::textMatchesEveryWord_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("job id") << QStringLiteral("job-q1") << QStringList{QStringLiteral("q1")};
    QTest::newRow("case-insensitive input") << QStringLiteral("CLIP-C1") << QStringList{QStringLiteral("c1")};
    QTest::newRow("owner") << QStringLiteral("render") << QStringList{QStringLiteral("g1")};
    QTest::newRow("operation label") << QStringLiteral("gif") << QStringList{QStringLiteral("g1")};
    QTest::newRow("error code") << QStringLiteral("ffmpeg_failed") << QStringList{QStringLiteral("f1")};
    QTest::newRow("status word") << QStringLiteral("cancelled") << QStringList{QStringLiteral("x1")};
    QTest::newRow("two words, both needed") << QStringLiteral("alice queued") << QStringList{QStringLiteral("q1")};
    QTest::newRow("no match") << QStringLiteral("alice nothing") << QStringList{};
    QTest::newRow("spaces only") << QStringLiteral("   ") << QStringList{QStringLiteral("g1"), QStringLiteral("p1"), QStringLiteral("q1"),
                                                                       QStringLiteral("u1"), QStringLiteral("c1"), QStringLiteral("f1"),
                                                                       QStringLiteral("x1")};
}

void TestJobFilterProxy::textMatchesEveryWord()
{
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    JobModel model;
    JobFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    fill(model);
    proxy.setSearchText(text);
    QCOMPARE(visibleIds(proxy), expected);
}

void TestJobFilterProxy::rowsFollowStatusChanges()
{
    JobModel model;
    JobFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    fill(model);
    proxy.setVisibleGroups({StatusGroup::Running});
    QCOMPARE(proxy.rowCount(), 2);
    // p1 finishes: it leaves the "running" view; q1 starts: it enters it.
    model.enqueueEvent(QStringLiteral("completed"), snapshot(QStringLiteral("p1"), QStringLiteral("completed"), 100, 2));
    model.enqueueEvent(QStringLiteral("stage"), snapshot(QStringLiteral("q1"), QStringLiteral("processing"), 0, 3));
    QCOMPARE(visibleIds(proxy), (QStringList{QStringLiteral("g1"), QStringLiteral("q1")}));
}

void TestJobFilterProxy::progressSortsAsNumbers()
{
    JobModel model;
    JobFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    fill(model);
    proxy.setVisibleGroups({StatusGroup::Running});
    proxy.sort(JobModel::ProgressColumn, Qt::DescendingOrder);
    // 10 % before 9 %: numbers, not text.
    QCOMPARE(visibleIds(proxy), (QStringList{QStringLiteral("p1"), QStringLiteral("g1")}));
    // The order follows the progress as it changes.
    model.enqueueEvent(QStringLiteral("progress"), snapshot(QStringLiteral("g1"), QStringLiteral("processing"), 55, 1));
    QCOMPARE(visibleIds(proxy), (QStringList{QStringLiteral("g1"), QStringLiteral("p1")}));
}

QTEST_MAIN(TestJobFilterProxy)
#include "tst_monitorfilterproxy.moc"
