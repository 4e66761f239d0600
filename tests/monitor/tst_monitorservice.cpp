// SPDX-License-Identifier: GPL-3.0-or-later
// The monitor's window against a real mediaforged running real ffmpeg jobs: rows appear and
// move, outcomes are shown and notified, the health panel reads the service, a cancel from the
// monitor (Delete, confirmed) ends the job on the service, a frozen service (SIGSTOP) and a
// stopping one (SIGTERM, with its drain) are shown as such and what is on screen as stale, a
// restart is followed by a resync, and token problems are told and fixed from the dialog.

#include "clientconnection.h"
#include "connectdialog.h"
#include "healthpanel.h"
#include "jobdetailsdialog.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "mainwindow.h"
#include "testservice.h"
#include "testsubmitter.h"
#include "servicesession.h"
#include "serviceview.h"
#include "summarystrip.h"
#include "testmedia.h"
#include "traycontroller.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QLineEdit>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QLabel>
#include <QStatusBar>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QScopeGuard>
#include <QTabWidget>
#include <QTimer>

#include <csignal>
#include <memory>

using namespace Mediaforge;
using namespace Mediaforge::Monitor;
using ServiceProcess = TestService;

namespace {

QString junkFile(const QString &directory)
{
    const QString path = directory + QStringLiteral("/holiday-final.mov");
    QFile file(path);
    if (file.open(QIODevice::WriteOnly))
        file.write(QByteArray("not a video at all\n").repeated(500));
    return path;
}

} // namespace

class TestMonitorService : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void healthPanelReadsTheService();
    void outcomesAreShownAndFailuresNotified();
    void keyboardReachesTheJobActions();
    void rowsAppearAndProgressMoves();
    void keyboardAloneFiltersSelectsOpensAndAsksToCancel();
    void frozenServiceIsShownStale();
    void cancelFromTheMonitorEndsTheJob();
    void stoppingServiceShowsItsDrainThenGoesStale();
    void restartIsFollowedByAResync();
    void hangingServiceIsDetected();
    void silentPeerDoesNotBlockTheInterface();
    void tokenProblemsAreShown();
    void timedOutJobShowsItsReasonCommandAndFfmpegsLastLines();

private:
    ServiceView *view() const { return m_window->currentView(); }
    // Selects a job and gives the table the keyboard, as a user clicking the row would.
    bool selectWithKeyboardFocus(const QString &id);
    JobModel *model() const { return view()->session()->model(); }
    int visibleRowOf(const QString &id) const;
    // A value of the health panel, found by its row's label ("Finished", "Version", ...).
    QLabel *healthValue(const QString &label) const
    {
        for (QLabel *value : view()->healthPanel()->findChildren<QLabel *>()) {
            if (value->accessibleName() == label)
                return value;
        }
        return nullptr;
    }
    // Whether a value is drawn greyed, as data that is not current is.
    bool greyed(const QLabel *label) const
    {
        return label->palette().color(QPalette::WindowText) == QApplication::palette().color(QPalette::Disabled, QPalette::WindowText);
    }
    // The health panel's "Finished" and "Queue" from the summary strip's counts: one source.
    QString finishedFromTheStrip() const
    {
        const SummaryStrip *strip = view()->summary();
        return QStringLiteral("%1 completed \u00b7 %2 failed \u00b7 %3 cancelled")
                .arg(strip->chip(StatusGroup::Completed)->count())
                .arg(strip->chip(StatusGroup::Failed)->count())
                .arg(strip->chip(StatusGroup::Cancelled)->count());
    }
    // With MEDIAFORGE_MONITOR_SHOTS=DIR, the window as it is now, to look at.
    void shot(const QString &name) const
    {
        const QString directory = qEnvironmentVariable("MEDIAFORGE_MONITOR_SHOTS");
        if (directory.isEmpty())
            return;
        // Layouts follow text changes a turn of the event loop later; the picture shows them done.
        QCoreApplication::processEvents();
        m_window->grab().save(directory + QStringLiteral("/service-") + name + QStringLiteral(".png"));
    }
    QString tabText() const { return m_window->findChild<QTabWidget *>()->tabText(m_window->findChild<QTabWidget *>()->currentIndex()); }

    QTemporaryDir m_dir;
    ServiceProcess m_service;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ConnectionSettings> m_connections;
    QNetworkAccessManager m_network;
    std::unique_ptr<MainWindow> m_window;
    TestSubmitter m_submitter;
    QString m_shortClip;
    QString m_longClip;
    QString m_longId;
    QString m_queuedId;
};

void TestMonitorService::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // One worker slot and one ffmpeg thread, so that a second job waits and a long one stays
    // long enough to be watched and cancelled.
    QVERIFY(m_service.start({QStringLiteral("--max-concurrent-jobs"), QStringLiteral("1"), QStringLiteral("--ffmpeg-threads"),
                             QStringLiteral("1")}));
    TestMedia::VideoSpec shortSpec;
    shortSpec.seconds = 2;
    m_shortClip = TestMedia::makeVideo(m_dir.path(), shortSpec);
    TestMedia::VideoSpec longSpec;
    // 640x480 for 40 s took under 10 s of one core on a fast machine, less than the tests that
    // watch it before it is cancelled; at 720p for 90 s it runs for a minute or more.
    longSpec.seconds = 90;
    longSpec.width = 1280;
    longSpec.height = 720;
    m_longClip = TestMedia::makeVideo(m_dir.path(), longSpec);

    m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("monitor.ini")), QSettings::IniFormat);
    m_connections = std::make_unique<ConnectionSettings>(*m_settings);
    m_window = std::make_unique<MainWindow>(*m_connections, &m_network);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    ServiceView *added = m_window->addService(QUrl(m_service.wsUrl()), QString());
    QVERIFY(added);
    QTRY_VERIFY_WITH_TIMEOUT(added->session()->isSynchronised(), 10000);
    QCOMPARE(added->session()->state(), ServiceSession::State::Connected);
    QVERIFY(!added->banner()->isVisible());
    QCOMPARE(added->table()->emptyTitle(), QStringLiteral("No jobs yet"));
    QVERIFY(m_submitter.open(QUrl(m_service.wsUrl())));
}

void TestMonitorService::cleanupTestCase()
{
    m_window.reset();
    m_submitter.connection.close();
    m_service.stop();
}

bool TestMonitorService::selectWithKeyboardFocus(const QString &id)
{
    m_window->activateWindow();
    if (!QTest::qWaitForWindowActive(m_window.get()))
        return false;
    view()->selectJob(id);
    return QTest::qWaitFor([this] { return view()->table()->hasFocus(); }, 2000) && view()->table()->currentId() == id;
}

int TestMonitorService::visibleRowOf(const QString &id) const
{
    const int row = model()->rowOfId(id);
    if (row < 0)
        return -1;
    return view()->proxy()->mapFromSource(model()->index(row, 0)).row();
}

void TestMonitorService::healthPanelReadsTheService()
{
    HealthPanel *health = view()->healthPanel();
    QTRY_VERIFY_WITH_TIMEOUT(health->statusText().contains(QStringLiteral("Healthy")), 10000);
    QCOMPARE(view()->session()->health().value(QStringLiteral("version")).toString(), QStringLiteral(MEDIAFORGE_VERSION));
    QVERIFY(!view()->session()->health().value(QStringLiteral("ffmpeg")).toObject().value(QStringLiteral("version")).toString().isEmpty());
    // Workers from the stats stream: one slot, idle.
    QTRY_COMPARE_WITH_TIMEOUT(health->workersText(), QStringLiteral("Workers: 0 of 1 busy"), 10000);
    QCOMPARE(health->workerRows(), 1);
    QCOMPARE(health->workerRowText(0), QStringLiteral("1. idle"));
    // /metrics is what the action opens.
    QVERIFY(m_window->metricsAction()->isEnabled());
    QCOMPARE(view()->session()->metricsUrl().toString(), m_service.httpUrl() + QStringLiteral("/metrics"));
}

void TestMonitorService::outcomesAreShownAndFailuresNotified()
{
    QSignalSpy notified(m_window->tray(), &TrayController::notified);
    const QString done = m_submitter.start(QStringLiteral("thumb-1"), QStringLiteral("thumbnail"),
                                           QJsonObject{{QStringLiteral("timestamp"), 1}}, m_shortClip);
    const QString broken = m_submitter.start(QStringLiteral("broken-1"), QStringLiteral("convert"),
                                             QJsonObject{{QStringLiteral("target_format"), QStringLiteral("mp4")}},
                                             junkFile(m_dir.path()));
    QVERIFY(!done.isEmpty());
    QVERIFY(!broken.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(done) && model()->recordById(done)->state == JobState::Completed, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(broken) && model()->recordById(broken)->state == JobState::Failed, 30000);
    QCOMPARE(model()->recordById(broken)->errorCode, QStringLiteral("UNSUPPORTED_INPUT"));
    QCOMPARE(model()->counts().of(StatusGroup::Completed), 1);
    QCOMPARE(model()->counts().of(StatusGroup::Failed), 1);
    QCOMPARE(view()->summary()->chip(StatusGroup::Failed)->count(), 1);
    const int row = model()->rowOfId(broken);
    QCOMPARE(model()->index(row, JobModel::StatusColumn).data().toString(), QStringLiteral("Failed"));
    QCOMPARE(model()->index(row, JobModel::OwnerColumn).data().toString().isEmpty(), false);
    QCOMPARE(model()->index(row, JobModel::InputColumn).data().toString(), QStringLiteral("holiday-final.mov"));

    // One notification for the failure, none for the success.
    QTRY_COMPARE_WITH_TIMEOUT(notified.count(), 1, 5000);
    QCOMPARE(notified.first().at(0).toString(), QStringLiteral("Job failed"));
    QVERIFY(notified.first().at(1).toString().contains(QStringLiteral("broken-1")));
    // Why, in words: the code's translated name, not the code or the service's English text alone.
    QVERIFY(notified.first().at(1).toString().contains(QStringLiteral("not usable media")));
    QVERIFY(m_window->tray()->summary().contains(QStringLiteral("1 failed")));
}

void TestMonitorService::keyboardReachesTheJobActions()
{
    const QString done = model()->recordAt(0)->state == JobState::Completed ? model()->recordAt(0)->id : model()->recordAt(1)->id;
    JobTableView *table = view()->table();
    QVERIFY(selectWithKeyboardFocus(done));
    QVERIFY(m_window->detailsAction()->isEnabled());
    QVERIFY(!m_window->cancelAction()->isEnabled());   // a finished job cannot be cancelled

    // Ctrl+C copies the job id, whichever cell of the row is current (the view's own copy
    // would take the current cell's text).
    const QModelIndex operationCell = table->currentIndex().siblingAtColumn(JobModel::OperationColumn);
    table->selectionModel()->setCurrentIndex(operationCell, QItemSelectionModel::NoUpdate);
    QApplication::clipboard()->clear();
    QTest::keyClick(table, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("thumb-1"));

    // Ctrl+Shift+C copies the service-wide id and says so in words, not "1 service id(s)".
    QTest::keyClick(table, Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(QApplication::clipboard()->text(), done);
    QCOMPARE(m_window->statusBar()->currentMessage(), QStringLiteral("Copied the service-wide id %1").arg(done));

    // Enter opens the details, with the output and its metadata.
    QTest::keyClick(table, Qt::Key_Return);
    JobDetailsDialog *details = nullptr;
    QTRY_VERIFY((details = view()->findChild<JobDetailsDialog *>()) != nullptr);
    const QString text = details->plainText();
    QVERIFY2(text.contains(QStringLiteral("SHA-256")), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("image/png")));
    QVERIFY(text.contains(QStringLiteral("timestamp")));
    QVERIFY(text.contains(QStringLiteral("Processing")));
    // Admins get the command line that ran, with the job's directory hidden.
    QVERIFY(text.contains(QStringLiteral("ffmpeg command line")));
    const QString command = model()->recordById(done)->snapshot.value(QStringLiteral("ffmpeg_command")).toString();
    QVERIFY2(command.startsWith(QStringLiteral("ffmpeg ")) && command.contains(QStringLiteral("<job>")), qPrintable(command));
    QVERIFY2(!command.contains(m_service.jobsDirectory()), qPrintable(command));
    details->close();
    QTRY_VERIFY(!view()->findChild<JobDetailsDialog *>());

    // The failed job's details carry the service's error.
    const QString broken = model()->recordAt(0)->state == JobState::Failed ? model()->recordAt(0)->id : model()->recordAt(1)->id;
    QVERIFY(selectWithKeyboardFocus(broken));
    QTest::keyClick(view()->table(), Qt::Key_Enter);
    QTRY_VERIFY((details = view()->findChild<JobDetailsDialog *>()) != nullptr);
    QVERIFY(details->plainText().contains(QStringLiteral("UNSUPPORTED_INPUT")));
    details->close();
    QTRY_VERIFY(!view()->findChild<JobDetailsDialog *>());

    // Ctrl+F goes to the filter, which then narrows the table; Esc clears it.
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(view()->filterEdit()->hasFocus());
    QTest::keyClicks(view()->filterEdit(), QStringLiteral("broken"));
    QCOMPARE(view()->proxy()->rowCount(), 1);
    QTest::keyClick(view()->filterEdit(), Qt::Key_Escape);
    QCOMPARE(view()->filterEdit()->text(), QString());
    QCOMPARE(view()->proxy()->rowCount(), 2);
}

void TestMonitorService::rowsAppearAndProgressMoves()
{
    m_longId = m_submitter.start(QStringLiteral("long-1"), QStringLiteral("compress"),
                                 QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_longClip);
    QVERIFY(!m_longId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(visibleRowOf(m_longId) >= 0, 10000);
    // Progress seen by the monitor rises while the job runs.
    QList<double> seen;
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(m_longId)->state == JobState::Processing, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(m_longId)->percentage > 0, 20000);
    seen.append(model()->recordById(m_longId)->percentage);
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(m_longId)->percentage > seen.first(), 20000);
    const JobRecord *running = model()->recordById(m_longId);
    QVERIFY(running->speed > 0);
    QCOMPARE(running->state, JobState::Processing);
    const int row = model()->rowOfId(m_longId);
    QVERIFY(model()->index(row, JobModel::SpeedColumn).data().toString().endsWith(u'\u00d7'));
    QCOMPARE(model()->index(row, JobModel::StatusColumn).data().toString(), QStringLiteral("Running"));
    QTRY_COMPARE_WITH_TIMEOUT(view()->healthPanel()->workersText(), QStringLiteral("Workers: 1 of 1 busy"), 10000);
    QTRY_VERIFY(view()->healthPanel()->workerRowText(0).contains(QStringLiteral("long-1")));

    // A second job waits for the only worker.
    m_queuedId = m_submitter.start(QStringLiteral("waiting-1"), QStringLiteral("compress"),
                                   QJsonObject{{QStringLiteral("preset"), QStringLiteral("low")}}, m_longClip);
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(m_queuedId) && model()->recordById(m_queuedId)->state == JobState::Queued,
                             20000);
    QCOMPARE(model()->index(model()->rowOfId(m_queuedId), JobModel::StatusColumn).data().toString(), QStringLiteral("Queued (#1)"));
    // Sorted by activity: the running job first, the queued one next.
    QCOMPARE(visibleRowOf(m_longId), 0);
    QCOMPARE(visibleRowOf(m_queuedId), 1);
    QCOMPARE(view()->summary()->chip(StatusGroup::Running)->count(), 1);
    QCOMPARE(view()->summary()->chip(StatusGroup::Queued)->count(), 1);
}

void TestMonitorService::keyboardAloneFiltersSelectsOpensAndAsksToCancel()
{
    // Filter → Enter selects → Enter opens the details → Esc → Delete asks to cancel → Esc keeps it.
    QVERIFY(!m_longId.isEmpty());
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    view()->table()->selectionModel()->clear();
    QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(view()->filterEdit()->hasFocus());
    QTest::keyClicks(view()->filterEdit(), QStringLiteral("long-1"));
    QTRY_COMPARE(view()->proxy()->rowCount(), 1);
    QTest::keyClick(view()->filterEdit(), Qt::Key_Return);
    QTRY_VERIFY(view()->table()->hasFocus());
    QCOMPARE(view()->table()->currentId(), m_longId);
    QVERIFY(m_window->detailsAction()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->cancelAction()->isEnabled(), 10000);
    QTest::keyClick(view()->table(), Qt::Key_Return);
    JobDetailsDialog *details = nullptr;
    QTRY_VERIFY((details = view()->findChild<JobDetailsDialog *>()) != nullptr);
    QVERIFY(details->plainText().contains(QStringLiteral("long-1")));
    QTRY_VERIFY(details->isActiveWindow());
    QTest::keyClick(details, Qt::Key_Escape);
    QTRY_VERIFY(!view()->findChild<JobDetailsDialog *>());
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    // Back in the window, the keyboard is where it was: on the table, the job still selected.
    QTRY_VERIFY(view()->table()->hasFocus());
    QCOMPARE(view()->table()->currentId(), m_longId);
    QTest::keyClick(view()->table(), Qt::Key_Delete);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = view()->pendingConfirmation()) != nullptr);
    QVERIFY(box->text().contains(QStringLiteral("long-1")));
    QTRY_VERIFY(box->isActiveWindow());
    QTest::keyClick(box, Qt::Key_Escape);
    QTRY_VERIFY(!view()->pendingConfirmation());
    QCOMPARE(m_submitter.statusOf(m_longId), QStringLiteral("processing"));
    // Esc in the filter shows everything again.
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    view()->focusFilter();
    QTRY_VERIFY(view()->filterEdit()->hasFocus());
    QTest::keyClick(view()->filterEdit(), Qt::Key_Escape);
    QTRY_VERIFY(view()->proxy()->rowCount() > 1);
}

void TestMonitorService::frozenServiceIsShownStale()
{
    // SIGSTOP: the socket stays open and nothing arrives. Within seconds the tab says so, the
    // running row loses speed and ETA and stops counting, the health panel says "as of".
    ServiceSession *session = view()->session();
    QTRY_VERIFY_WITH_TIMEOUT(session->isLive(), 10000);
    const int row = model()->rowOfId(m_longId);
    QCOMPARE(model()->recordById(m_longId)->state, JobState::Processing);
    QTRY_VERIFY_WITH_TIMEOUT(!model()->index(row, JobModel::SpeedColumn).data().toString().isEmpty(), 10000);
    m_service.pause();
    // Whatever fails below, the later tests need the service running again.
    auto resume = qScopeGuard([this] { m_service.resume(); });
    QTRY_COMPARE_WITH_TIMEOUT(session->state(), ServiceSession::State::Unresponsive, 15000);
    QVERIFY2(tabText().contains(QStringLiteral("Not answering since")), qPrintable(tabText()));
    QVERIFY(view()->banner()->isVisible());
    QVERIFY(view()->bannerText().contains(QStringLiteral("The list shows the state of")));
    QCOMPARE(model()->index(row, JobModel::SpeedColumn).data().toString(), QString());
    QCOMPARE(model()->index(row, JobModel::EtaColumn).data().toString(), QString());
    QVERIFY(model()->index(row, JobModel::JobColumn).data(Qt::ForegroundRole).isValid());
    QTRY_VERIFY(view()->healthPanel()->statusText().contains(QStringLiteral("Not answering since")));
    QVERIFY(view()->healthPanel()->statusText().contains(QStringLiteral("last known: Healthy")));
    QVERIFY2(view()->healthPanel()->workersText().contains(QStringLiteral("(as of ")), qPrintable(view()->healthPanel()->workersText()));
    // The longer title wraps: the panel stays inside its scroll area (it was cut on the right).
    QTRY_VERIFY2(view()->healthPanel()->width() <= view()->healthPanel()->parentWidget()->width(),
                 qPrintable(QStringLiteral("%1 > %2").arg(view()->healthPanel()->width()).arg(view()->healthPanel()->parentWidget()->width())));
    QVERIFY(!m_window->cancelAction()->isEnabled());
    // The counts are of that list: greyed and "as of" like it.
    for (SummaryChip *chip : view()->summary()->chipsInOrder()) {
        QVERIFY(!chip->isCurrent());
        QVERIFY2(chip->accessibleName().contains(QStringLiteral(", as of ")), qPrintable(chip->accessibleName()));
    }
    // What /health said and the counts are greyed as well.
    for (const QString &label : {QStringLiteral("Version"), QStringLiteral("Uptime"), QStringLiteral("Finished"), QStringLiteral("Queue")}) {
        QVERIFY2(healthValue(label), qPrintable(label));
        QVERIFY2(greyed(healthValue(label)), qPrintable(label));
    }
    // The tray and the window title do not count it as connected either.
    QTRY_VERIFY2(m_window->tray()->summary().contains(QStringLiteral("0 of 1 service")), qPrintable(m_window->tray()->summary()));
    shot(QStringLiteral("frozen"));
    const QString elapsed = model()->index(row, JobModel::ElapsedColumn).data().toString();
    QTest::qWait(2500);
    QCOMPARE(model()->index(row, JobModel::ElapsedColumn).data().toString(), elapsed);

    resume.dismiss();
    m_service.resume();
    QTRY_VERIFY_WITH_TIMEOUT(session->isLive(), 40000);
    QVERIFY(!model()->index(model()->rowOfId(m_longId), JobModel::JobColumn).data(Qt::ForegroundRole).isValid());
    QTRY_VERIFY_WITH_TIMEOUT(!view()->healthPanel()->workersText().contains(QStringLiteral("as of")), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(tabText(), session->displayName(), 10000);
    QVERIFY(!greyed(healthValue(QStringLiteral("Version"))));
    QVERIFY(view()->summary()->chip(StatusGroup::Running)->isCurrent());
    QVERIFY(!greyed(healthValue(QStringLiteral("Finished"))));
}

void TestMonitorService::stoppingServiceShowsItsDrainThenGoesStale()
{
    // A job that keeps the drain going, then SIGTERM: the service announces SHUTTING_DOWN with
    // the drain's length, and the tab and the health panel count it down.
    const QString running = m_submitter.start(QStringLiteral("drain-1"), QStringLiteral("compress"),
                                              QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_longClip);
    QVERIFY(!running.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(running) && model()->recordById(running)->state == JobState::Processing, 20000);
    ServiceSession *session = view()->session();
    QVERIFY(::kill(pid_t(m_service.processId()), SIGTERM) == 0);
    QTRY_COMPARE_WITH_TIMEOUT(session->state(), ServiceSession::State::Stopping, 15000);
    QVERIFY(session->drainSecondsLeft() > 0);
    QVERIFY(session->drainSecondsLeft() <= 30);
    QVERIFY2(tabText().contains(QStringLiteral("Stopping, ")) && tabText().contains(QStringLiteral(" s left")), qPrintable(tabText()));
    QTRY_VERIFY(view()->healthPanel()->statusText().contains(QStringLiteral("Stopping, ")));
    QVERIFY(view()->banner()->isVisible());
    QVERIFY(view()->bannerText().contains(QStringLiteral("shutting down")));
    // The service's own words are a detail under the monitor's sentence.
    QVERIFY2(view()->bannerText().contains(QStringLiteral("The service said")), qPrintable(view()->bannerText()));
    // "Draining" names a cluster node's state, not this one.
    QVERIFY(!tabText().contains(QStringLiteral("drain"), Qt::CaseInsensitive));
    QVERIFY(!view()->healthPanel()->statusText().contains(QStringLiteral("drain"), Qt::CaseInsensitive));
    // The time left counts down on the tab, not only in the session.
    const QString before = tabText();
    const int left = session->drainSecondsLeft();
    QTRY_VERIFY_WITH_TIMEOUT(session->drainSecondsLeft() < left, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(tabText() != before && tabText().contains(QStringLiteral(" s left")), 10000);
    shot(QStringLiteral("stopping"));
    // Still live meanwhile: running jobs may finish.
    QTRY_VERIFY_WITH_TIMEOUT(session->isLive(), 10000);

    // The job's end ends the drain; the service closes and the monitor waits for it.
    m_submitter.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("id"), running}});
    QTRY_COMPARE_WITH_TIMEOUT(session->state(), ServiceSession::State::Reconnecting, 30000);
    m_submitter.connection.close();
    m_service.stop();
    QCOMPARE(model()->recordById(running)->state, JobState::Cancelled);
    QVERIFY(view()->bannerText().contains(QStringLiteral("The service stopped.")));
    // Stale and looking it: greyed rows, workers as of the last news and agreeing with the
    // table (the cancelled job holds no worker), the health panel says it is unreachable.
    const int row = model()->rowOfId(running);
    QVERIFY(model()->index(row, JobModel::JobColumn).data(Qt::ForegroundRole).isValid());
    QTRY_VERIFY(view()->healthPanel()->statusText().contains(QStringLiteral("Unreachable since")));
    QVERIFY2(view()->healthPanel()->workersText().startsWith(QStringLiteral("Workers: 0 of 1 busy (as of ")),
             qPrintable(view()->healthPanel()->workersText()));
    QVERIFY(view()->healthPanel()->workerRowText(0).contains(QStringLiteral("idle")));
    // Queue and Finished are the strip's numbers, greyed like the rest.
    QCOMPARE(healthValue(QStringLiteral("Finished"))->text(), finishedFromTheStrip());
    QCOMPARE(healthValue(QStringLiteral("Queue"))->text(),
             QStringLiteral("%1 waiting").arg(view()->summary()->chip(StatusGroup::Queued)->count()));
    QVERIFY(greyed(healthValue(QStringLiteral("Finished"))));
    QVERIFY(greyed(healthValue(QStringLiteral("Version"))));
    QVERIFY(!view()->summary()->chip(StatusGroup::Cancelled)->isCurrent());
    QVERIFY(tabText().contains(QStringLiteral("Reconnecting in")));
    shot(QStringLiteral("stopped"));
}

void TestMonitorService::cancelFromTheMonitorEndsTheJob()
{
    QVERIFY(!m_longId.isEmpty());
    QCOMPARE(model()->recordById(m_longId)->state, JobState::Processing);
    QVERIFY(selectWithKeyboardFocus(m_longId));
    QTRY_VERIFY(m_window->cancelAction()->isEnabled());
    // Delete asks first; "Keep running" changes nothing.
    QTest::keyClick(view()->table(), Qt::Key_Delete);
    QMessageBox *box = view()->pendingConfirmation();
    QVERIFY(box);
    QVERIFY(box->text().contains(QStringLiteral("long-1")));
    box->button(QMessageBox::No)->click();
    QTRY_VERIFY(!view()->pendingConfirmation());
    QTest::qWait(300);
    QCOMPARE(m_submitter.statusOf(m_longId), QStringLiteral("processing"));

    QVERIFY(selectWithKeyboardFocus(m_longId));
    QTest::keyClick(view()->table(), Qt::Key_Delete);
    box = view()->pendingConfirmation();
    QVERIFY(box);
    QCOMPARE(box->button(QMessageBox::Yes)->text(), QStringLiteral("Cancel job"));
    box->button(QMessageBox::Yes)->click();

    // The service says so to its own client, and the monitor shows it.
    QTRY_COMPARE_WITH_TIMEOUT(m_submitter.statusOf(m_longId), QStringLiteral("cancelled"), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(model()->recordById(m_longId)->state, JobState::Cancelled, 10000);
    QCOMPARE(model()->index(model()->rowOfId(m_longId), JobModel::StatusColumn).data().toString(), QStringLiteral("Cancelled"));
    // The worker is free: the waiting job runs now.
    QTRY_COMPARE_WITH_TIMEOUT(model()->recordById(m_queuedId)->state, JobState::Processing, 20000);
    QCOMPARE(model()->counts().of(StatusGroup::Cancelled), 1);

    // A cancel by the job's own client arrives through the event feed as well.
    m_submitter.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("cancel_job")}, {QStringLiteral("job_id"), QStringLiteral("waiting-1")}});
    QTRY_COMPARE_WITH_TIMEOUT(model()->recordById(m_queuedId)->state, JobState::Cancelled, 15000);
    QCOMPARE(model()->counts().of(StatusGroup::Running), 0);
}

void TestMonitorService::restartIsFollowedByAResync()
{
    ServiceSession *session = view()->session();
    const int port = QUrl(m_service.wsUrl()).port();
    const int rowsBefore = model()->rowCount();
    QVERIFY(rowsBefore >= 4);
    // Stopped by the test before.
    QCOMPARE(session->state(), ServiceSession::State::Reconnecting);
    QVERIFY(view()->banner()->isVisible());
    QVERIFY(view()->bannerText().contains(QStringLiteral("Reconnecting in")));
    // The last known state stays on screen while the service is away.
    QCOMPARE(model()->rowCount(), rowsBefore);
    QVERIFY(!m_window->cancelAction()->isEnabled());

    QVERIFY(m_service.start({QStringLiteral("--max-concurrent-jobs"), QStringLiteral("1")}, port));
    QVERIFY(m_submitter.open(QUrl(m_service.wsUrl())));
    const QString fresh = m_submitter.start(QStringLiteral("after-restart"), QStringLiteral("probe"), {}, m_shortClip);
    QVERIFY(!fresh.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(session->state() == ServiceSession::State::Connected && session->isSynchronised(), 20000);
    QVERIFY(!view()->banner()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(model()->recordById(fresh) && model()->recordById(fresh)->finished(), 20000);
    // Whatever the new service does not know is gone; what it knows is there.
    const QJsonArray listed = m_submitter.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("list_jobs")},
                                                          {QStringLiteral("limit"), 1000}})
                                      .value(QStringLiteral("jobs"))
                                      .toArray();
    QCOMPARE(model()->rowCount(), int(listed.size()));
    for (const QJsonValue &job : listed)
        QVERIFY(model()->recordById(job.toObject().value(QStringLiteral("id")).toString()));
    // The job store keeps the job that the stop ended: the new service lists it, finished.
    QVERIFY(model()->recordById(m_longId));
    QVERIFY(model()->recordById(m_longId)->finished());
}

void TestMonitorService::hangingServiceIsDetected()
{
    // A service that stops answering without closing its socket (here: SIGSTOP).
    ServiceSession session(QUrl(m_service.wsUrl()), QString(), &m_network);
    ServiceSession::Timing timing;
    timing.connectTimeoutMs = 2000;
    timing.silenceBeforePingMs = 1500;
    timing.pingTimeoutMs = 1500;
    session.setTiming(timing);
    session.start();
    QTRY_VERIFY_WITH_TIMEOUT(session.isSynchronised(), 10000);
    m_service.pause();
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ServiceSession::State::Reconnecting, 10000);
    QCOMPARE(session.lastError(), QStringLiteral("The service stopped answering."));
    m_service.resume();
    QTRY_VERIFY_WITH_TIMEOUT(session.state() == ServiceSession::State::Connected && session.isSynchronised(), 20000);
    session.stop();
}

void TestMonitorService::silentPeerDoesNotBlockTheInterface()
{
    // Accepts TCP connections and never says a word: the WebSocket handshake never completes.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    QList<QTcpSocket *> held;
    connect(&silent, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *socket = silent.nextPendingConnection())
            held.append(socket);
    });
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(silent.serverPort());
    url.setPath(QStringLiteral("/"));
    ServiceSession session(url, QString(), &m_network);
    ServiceSession::Timing timing;
    timing.connectTimeoutMs = 1000;
    session.setTiming(timing);
    // The event loop keeps turning meanwhile: a 50 ms timer never waits long.
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0;
    qint64 worstGap = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&] {
        worstGap = std::max(worstGap, clock.elapsed() - last);
        last = clock.elapsed();
    });
    ticker.start(50);
    session.start();
    QCOMPARE(session.state(), ServiceSession::State::Connecting);
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ServiceSession::State::Reconnecting, 5000);
    QVERIFY2(session.lastError().contains(QStringLiteral("No answer")), qPrintable(session.lastError()));
    QCOMPARE(session.secondsUntilRetry(), 1);
    QVERIFY(session.stateText().startsWith(QStringLiteral("Reconnecting in")));
    // The back-off doubles: the second wait is two seconds.
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ServiceSession::State::Connecting, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), ServiceSession::State::Reconnecting, 5000);
    QCOMPARE(session.secondsUntilRetry(), 2);
    QVERIFY2(worstGap < 500, qPrintable(QString::number(worstGap)));
    session.stop();
    QCOMPARE(session.state(), ServiceSession::State::Stopped);
    qDeleteAll(held);
}

void TestMonitorService::tokenProblemsAreShown()
{
    const QString tokens = m_dir.filePath(QStringLiteral("tokens"));
    QFile file(tokens);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("admin admin-token-0123456789abcdef ops\nclient client-token-0123456789abcdef someone\n");
    file.close();
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    ServiceProcess secured;
    QVERIFY(secured.start({QStringLiteral("--tokens-file"), tokens}));

    ServiceView *wrong = m_window->addService(QUrl(secured.wsUrl()), QStringLiteral("not-the-right-token-at-all"));
    QTRY_COMPARE_WITH_TIMEOUT(wrong->session()->state(), ServiceSession::State::AuthFailed, 10000);
    QVERIFY(wrong->banner()->isVisible());
    QVERIFY(wrong->bannerText().contains(QStringLiteral("Authentication failed")));
    // The service was reached: the health panel says what went wrong, not "Unreachable".
    QTRY_VERIFY2(wrong->healthPanel()->statusText().contains(QStringLiteral("Authentication failed")),
                 qPrintable(wrong->healthPanel()->statusText()));
    QVERIFY(!wrong->healthPanel()->statusText().contains(QStringLiteral("Unreachable")));
    // No retry with a token that cannot work.
    QTest::qWait(1500);
    QCOMPARE(wrong->session()->state(), ServiceSession::State::AuthFailed);
    shot(QStringLiteral("token-refused"));

    // Ctrl+O on the failing tab opens the dialog with its URL, too.
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_O, Qt::ControlModifier);
    ConnectDialog *opened = nullptr;
    QTRY_VERIFY((opened = m_window->connectDialog()) != nullptr);
    QCOMPARE(opened->urlBox()->currentText(), wrong->session()->url().toString());
    opened->reject();
    QTRY_VERIFY(!m_window->connectDialog());

    // Fixed where it is reported: "Change token…" opens the dialog for this service, and a
    // new token reconnects the same tab.
    const int tabs = m_window->serviceCount();
    QPushButton *change = nullptr;
    for (QPushButton *button : wrong->banner()->findChildren<QPushButton *>()) {
        if (button->text().startsWith(QStringLiteral("Change token")))
            change = button;
    }
    QVERIFY(change);
    QVERIFY(change->isVisible());
    change->click();
    ConnectDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->connectDialog()) != nullptr);
    QCOMPARE(dialog->urlBox()->currentText(), wrong->session()->url().toString());
    QTRY_VERIFY(dialog->tokenEdit()->hasFocus());
    QTest::keyClicks(dialog->tokenEdit(), QStringLiteral("admin-token-0123456789abcdef"));
    QTest::keyClick(dialog->tokenEdit(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(wrong->session()->isLive(), 15000);
    QCOMPARE(m_window->serviceCount(), tabs);
    QVERIFY(!wrong->banner()->isVisible());
    m_window->closeService(m_window->serviceCount() - 1);

    ServiceSession client(QUrl(secured.wsUrl()), QStringLiteral("client-token-0123456789abcdef"), &m_network);
    client.start();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), ServiceSession::State::NotAdmin, 10000);
    QVERIFY(client.lastError().contains(QStringLiteral("admin")));

    ServiceSession admin(QUrl(secured.wsUrl()), QStringLiteral("admin-token-0123456789abcdef"), &m_network);
    admin.start();
    QTRY_VERIFY_WITH_TIMEOUT(admin.isSynchronised(), 10000);
    QCOMPARE(admin.state(), ServiceSession::State::Connected);
    admin.stop();
    client.stop();
}

void TestMonitorService::timedOutJobShowsItsReasonCommandAndFfmpegsLastLines()
{
    // A TIMEOUT used to show only "reason time_limit". A real service stops a real ffmpeg at
    // its time limit; the details say why in words, with the command line that ran and what
    // ffmpeg wrote last (both sent to admins only; a service without tokens treats the
    // monitor as admin).
    ServiceProcess limited;
    QVERIFY(limited.start({QStringLiteral("--job-timeout"), QStringLiteral("3"), QStringLiteral("--ffmpeg-threads"),
                           QStringLiteral("1")}));
    ServiceSession session(QUrl(limited.wsUrl()), QString(), &m_network);
    session.model()->setCoalesceInterval(0);
    session.start();
    QTRY_VERIFY_WITH_TIMEOUT(session.isSynchronised(), 10000);
    TestSubmitter submitter;
    QVERIFY(submitter.open(QUrl(limited.wsUrl())));
    const QString id = submitter.start(QStringLiteral("slow-1"), QStringLiteral("compress"),
                                       QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}, m_longClip);
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(session.model()->recordById(id) && session.model()->recordById(id)->state == JobState::Failed, 60000);
    QCOMPARE(session.model()->recordById(id)->errorCode, QStringLiteral("TIMEOUT"));
    JobDetailsDialog details(session.model(), id);
    details.setAttribute(Qt::WA_DeleteOnClose, false);
    const QString text = details.plainText();
    QVERIFY2(text.contains(QStringLiteral("the job's time limit was reached")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("time_limit")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("ffmpeg command line")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("-i ")), qPrintable(text));
    // ffmpeg runs with -loglevel warning: stopped at the limit it has usually said nothing,
    // and the details say that rather than leave the section out.
    QVERIFY2(text.contains(QStringLiteral("ffmpeg said (last lines)")), qPrintable(text));
    const QString said = session.model()->recordById(id)->snapshot.value(QStringLiteral("ffmpeg_stderr")).toString();
    QVERIFY2(said.isEmpty() ? text.contains(QStringLiteral("ffmpeg wrote no warning or error")) : text.contains(said.right(20)),
             qPrintable(text));
    QVERIFY(!text.contains(QStringLiteral("Stage")));
    submitter.connection.close();
    session.stop();
    limited.stop();
}

QTEST_MAIN(TestMonitorService)
#include "tst_monitorservice.moc"
