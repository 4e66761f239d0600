// SPDX-License-Identifier: GPL-3.0-or-later
// The service-wide byte budget behind the level 0 output and receive limits: grants in request
// order, nobody overtakes a waiter, and a waiter that goes away gives up its place.
#include "server/bytebudget.h"

#include <QTest>

#include <memory>

using namespace Mediaforge;

class TestByteBudget : public QObject
{
    Q_OBJECT

private slots:
    void grantsInRequestOrderAndNeverOvertakes()
    {
        ByteBudget budget(100);
        QObject a, b, c;
        QStringList granted;
        QVERIFY(budget.acquire(&a, 60, [] { }));
        QVERIFY(!budget.acquire(&b, 50, [&] { granted << QStringLiteral("b"); }));
        // 30 would fit, but b asked first.
        QVERIFY(!budget.acquire(&c, 30, [&] { granted << QStringLiteral("c"); }));
        QCOMPARE(budget.used(), qint64(60));
        budget.release(60);
        QCOMPARE(granted, (QStringList{QStringLiteral("b"), QStringLiteral("c")}));
        QCOMPARE(budget.used(), qint64(80));
    }

    void aWaiterThatGoesAwayGivesUpItsPlace()
    {
        ByteBudget budget(100);
        QObject holder;
        auto leaving = std::make_unique<QObject>();
        QObject staying;
        bool leavingGranted = false;
        bool stayingGranted = false;
        QVERIFY(budget.acquire(&holder, 100, [] { }));
        QVERIFY(!budget.acquire(leaving.get(), 100, [&] { leavingGranted = true; }));
        QVERIFY(!budget.acquire(&staying, 40, [&] { stayingGranted = true; }));
        leaving.reset();
        budget.release(100);
        QVERIFY(!leavingGranted);
        QVERIFY(stayingGranted);
        QCOMPARE(budget.used(), qint64(40));
    }

    void aShareFollowsWhatIsStillBuffered()
    {
        ByteBudget budget(100);
        {
            BudgetShare share(&budget);
            QVERIFY(budget.acquire(nullptr, 80, [] { }));
            share.hold(80);
            share.settle(30);   // the peer read 50 bytes
            QCOMPARE(budget.used(), qint64(30));
            share.settle(50);   // a share never grows by settling
            QCOMPARE(budget.used(), qint64(30));
        }
        QCOMPARE(budget.used(), qint64(0));   // and gives everything back when it goes
    }

    void requestsLargerThanTheBudgetAreCappedToIt()
    {
        ByteBudget budget(100);
        QVERIFY(budget.acquire(nullptr, 500, [] { }));
        QCOMPARE(budget.used(), qint64(100));
    }
};

QTEST_GUILESS_MAIN(TestByteBudget)
#include "tst_bytebudget.moc"
