// SPDX-License-Identifier: GPL-3.0-or-later
// The monitor's history against a real mediaforged: the service keeps finished jobs in its
// store for --history-days, more than one list_jobs page. The table lists the first page,
// "Load older jobs" adds the next ones until there are none, the filter reaches what was
// loaded, and the older pages survive a restart of the service (they come from its store).

#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "servicesession.h"
#include "serviceview.h"
#include "testmedia.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;
using namespace Mediaforge::Monitor;

class TestMonitorHistory : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void olderPagesAreLoadedOnRequestUntilNoneRemain();
    void historyComesBackAfterARestart();

private:
    bool loadOlder(ServiceView &view);

    QTemporaryDir m_dir;
    TestService m_service;
    QNetworkAccessManager m_network;
    QStringList m_ids;   // oldest first
};

void TestMonitorHistory::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_service.start());
    const QString clip = TestMedia::makeVideo(m_dir.path(), TestMedia::VideoSpec());
    TestSubmitter submitter;
    QVERIFY(submitter.open(QUrl(m_service.wsUrl())));
    // Five finished jobs, one after another so that their order in the history is known.
    for (int i = 1; i <= 5; ++i) {
        const QString id = submitter.start(QStringLiteral("history-%1").arg(i), QStringLiteral("probe"), {}, clip);
        QVERIFY(!id.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(submitter.statusOf(id), QStringLiteral("completed"), 30000);
        m_ids.append(id);
    }
    submitter.connection.close();
}

bool TestMonitorHistory::loadOlder(ServiceView &view)
{
    if (!view.olderJobsButton()->isVisible() || !view.olderJobsButton()->isEnabled())
        return false;
    const int before = view.session()->model()->rowCount();
    QTest::mouseClick(view.olderJobsButton(), Qt::LeftButton);
    return QTest::qWaitFor([&] { return view.session()->model()->rowCount() > before && !view.session()->isLoadingOlderJobs(); },
                           10000);
}

void TestMonitorHistory::olderPagesAreLoadedOnRequestUntilNoneRemain()
{
    ServiceSession session(QUrl(m_service.wsUrl()), QString(), &m_network);
    ServiceSession::Timing timing;
    timing.listPageSize = 2;
    session.setTiming(timing);
    ServiceView view(&session);
    view.resize(1000, 650);
    view.show();
    session.start();
    QTRY_VERIFY_WITH_TIMEOUT(session.isSynchronised(), 15000);

    // The first page: the two newest.
    JobModel *model = session.model();
    QCOMPARE(model->rowCount(), 2);
    QVERIFY(model->recordById(m_ids.at(4)));
    QVERIFY(model->recordById(m_ids.at(3)));
    QVERIFY(session.hasOlderJobs());
    QVERIFY(view.olderJobsButton()->isVisible());
    // With MEDIAFORGE_MONITOR_SHOTS=DIR, the page as it is now, to look at.
    if (const QString shots = qEnvironmentVariable("MEDIAFORGE_MONITOR_SHOTS"); !shots.isEmpty())
        view.grab().save(shots + QStringLiteral("/history-first-page.png"));

    // Each click adds the next page, oldest last.
    QVERIFY(loadOlder(view));
    QCOMPARE(model->rowCount(), 4);
    QVERIFY(model->recordById(m_ids.at(2)));
    QVERIFY(model->recordById(m_ids.at(1)));
    QVERIFY(loadOlder(view));
    QCOMPARE(model->rowCount(), 5);
    QCOMPARE(model->recordById(m_ids.at(0))->jobId, QStringLiteral("history-1"));
    QCOMPARE(model->counts().of(StatusGroup::Completed), 5);
    // Nothing is older: the button goes away.
    QTRY_VERIFY(!session.hasOlderJobs());
    QVERIFY(!view.olderJobsButton()->isVisible());

    // The filter reaches what was loaded.
    view.filterEdit()->setText(QStringLiteral("history-1"));
    QCOMPARE(view.proxy()->rowCount(), 1);
    session.stop();
}

void TestMonitorHistory::historyComesBackAfterARestart()
{
    // Stopped and started on the same data dir: the history is the store's.
    m_service.stop();
    QVERIFY(m_service.start());
    ServiceSession session(QUrl(m_service.wsUrl()), QString(), &m_network);
    ServiceSession::Timing timing;
    timing.listPageSize = 3;
    session.setTiming(timing);
    ServiceView view(&session);
    view.show();
    session.start();
    QTRY_VERIFY_WITH_TIMEOUT(session.isSynchronised(), 15000);
    QCOMPARE(session.model()->rowCount(), 3);
    QVERIFY(loadOlder(view));
    QCOMPARE(session.model()->rowCount(), 5);
    for (const QString &id : std::as_const(m_ids))
        QCOMPARE(session.model()->recordById(id)->state, JobState::Completed);
    QTRY_VERIFY(!view.olderJobsButton()->isVisible());
    session.stop();
}

QTEST_MAIN(TestMonitorHistory)
#include "tst_monitorhistory.moc"
