// SPDX-License-Identifier: GPL-3.0-or-later
// The monitor's widgets offscreen, fed from a model without a service: summary strip and
// status filter, empty states, the painted progress bars and chart, the connect dialog's
// token handling, font-relative column widths, the live details dialog, tray notifications,
// stale rows, the keyboard path, the cancel question, and the window layout at small and large
// sizes in English and German (status and progress always visible; layout remembered).

#include "connectdialog.h"
#include "jobdetailsdialog.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "mainwindow.h"
#include "format.h"
#include "monitorapplication.h"
#include "servicesession.h"
#include "serviceview.h"
#include "snapshots.h"
#include "statusicons.h"
#include "summarystrip.h"
#include "throughputchart.h"
#include "traycontroller.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QMessageBox>
#include <QSplitter>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QImage>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QTest>
#include <QMenu>
#include <QScopeGuard>
#include <QStyle>
#include <QToolButton>

using namespace Mediaforge::Monitor;
using MonitorTest::snapshot;

namespace {

// A session that is never started: its model is fed by the test.
std::unique_ptr<ServiceSession> offlineSession()
{
    auto session = std::make_unique<ServiceSession>(QUrl(QStringLiteral("ws://127.0.0.1:9/")), QString(), nullptr);
    session->model()->setCoalesceInterval(0);
    return session;
}

void feed(JobModel *model)
{
    model->enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("p1"), QStringLiteral("processing"), 42, 1));
    model->enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("q1"), QStringLiteral("queued"), 0, 2));
    model->enqueueEvent(QStringLiteral("completed"), snapshot(QStringLiteral("c1"), QStringLiteral("completed"), 100, 3));
    model->enqueueEvent(QStringLiteral("failed"), snapshot(QStringLiteral("f1"), QStringLiteral("failed"), 30, 4));
    model->enqueueEvent(QStringLiteral("failed"), snapshot(QStringLiteral("f2"), QStringLiteral("failed"), 60, 5));
}

// How many pixels of `image` inside `rect` are close to `color`.
int pixelsNear(const QImage &image, const QRect &rect, const QColor &color)
{
    int count = 0;
    const QRect area = rect.intersected(image.rect());
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x) {
            const QColor pixel = image.pixelColor(x, y);
            if (std::abs(pixel.red() - color.red()) < 40 && std::abs(pixel.green() - color.green()) < 40
                && std::abs(pixel.blue() - color.blue()) < 40)
                ++count;
        }
    }
    return count;
}

} // namespace

class TestMonitorWidgets : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void summaryChipsCountAndFilter();
    void statusMenuAndChipsAgree();
    void emptyStatesSaySomething();
    void progressBarsArePaintedPerStatus();
    void throughputChartPaintsBars();
    void connectDialogKeepsTheTokenOnlyWhenTicked();
    void columnWidthsFollowTheFont();
    void detailsDialogFollowsTheJob();
    void failuresInABurstAreOneNotification();
    void staleRowsAreGreyedWithoutSpeedOrEta();
    void enterInTheFilterSelectsTheFirstMatchAndTabReachesTheCounts();
    void cancelQuestionNamesTheJobsAndWhatHappensToThem();
    void detailsNameTheFieldsAndShowWhatFfmpegDid();
    void timesKeepTheirSecondsInGerman();
    void idleChartWritesNoScale();
    void chartLegendKeepsClearOfItsTitle_data();
    void chartLegendKeepsClearOfItsTitle();
    void connectDialogFitsItsTexts();
    void layoutKeepsStatusAndProgressVisible_data();
    void layoutKeepsStatusAndProgressVisible();
    void windowAndColumnLayoutAreRemembered();
    void firstStartShowsEveryColumnWhereTheScreenAllows();
    void cleanupTestCase();
};

void TestMonitorWidgets::initTestCase()
{
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")));
}

void TestMonitorWidgets::summaryChipsCountAndFilter()
{
    auto session = offlineSession();
    ServiceView view(session.get());
    feed(session->model());
    SummaryStrip *strip = view.summary();
    QCOMPARE(strip->chip(StatusGroup::Running)->count(), 1);
    QCOMPARE(strip->chip(StatusGroup::Queued)->count(), 1);
    QCOMPARE(strip->chip(StatusGroup::Completed)->count(), 1);
    QCOMPARE(strip->chip(StatusGroup::Failed)->count(), 2);
    QCOMPARE(strip->chip(StatusGroup::Cancelled)->count(), 0);
    QCOMPARE(strip->chip(StatusGroup::Failed)->accessibleName(), QStringLiteral("Failed: 2 jobs"));
    QCOMPARE(strip->chip(StatusGroup::Running)->accessibleName(), QStringLiteral("Running: 1 job"));

    // A click shows only that status; a second click shows everything again.
    view.show();
    QTest::mouseClick(strip->chip(StatusGroup::Failed), Qt::LeftButton);
    QCOMPARE(view.proxy()->rowCount(), 2);
    QVERIFY(strip->chip(StatusGroup::Failed)->isChecked());
    QTest::mouseClick(strip->chip(StatusGroup::Running), Qt::LeftButton);
    QCOMPARE(view.proxy()->rowCount(), 1);
    QVERIFY(!strip->chip(StatusGroup::Failed)->isChecked());
    QTest::mouseClick(strip->chip(StatusGroup::Running), Qt::LeftButton);
    QCOMPARE(view.proxy()->rowCount(), 5);
    // The keyboard works on a chip too.
    strip->chip(StatusGroup::Completed)->setFocus();
    QTest::keyClick(strip->chip(StatusGroup::Completed), Qt::Key_Space);
    QCOMPARE(view.proxy()->rowCount(), 1);
}

void TestMonitorWidgets::statusMenuAndChipsAgree()
{
    auto session = offlineSession();
    ServiceView view(session.get());
    feed(session->model());
    view.proxy()->setVisibleGroups({StatusGroup::Queued});
    QVERIFY(view.summary()->chip(StatusGroup::Queued)->isChecked());
    view.proxy()->setStatusVisible(StatusGroup::Running, true);
    // Two statuses: both chips are down, the others up.
    for (StatusGroup group : kAllStatusGroups)
        QCOMPARE(view.summary()->chip(group)->isChecked(), group == StatusGroup::Queued || group == StatusGroup::Running);
    QCOMPARE(view.proxy()->rowCount(), 2);
    const auto buttons = view.findChildren<QToolButton *>();
    const auto statusButton = std::find_if(buttons.cbegin(), buttons.cend(), [](QToolButton *button) {
        return button->accessibleName() == QLatin1StringView("Status filter");
    });
    QVERIFY(statusButton != buttons.cend());
    QCOMPARE((*statusButton)->text(), QStringLiteral("Statuses (2 of 6)"));
    const QList<QAction *> actions = (*statusButton)->menu()->actions();
    int checked = 0;
    for (QAction *action : actions) {
        checked += action->isCheckable() && action->isChecked() ? 1 : 0;
        // A check mark, not an icon the style frames faintly when ticked.
        if (action->isCheckable())
            QVERIFY(action->icon().isNull());
    }
    QCOMPARE(checked, 2);
    // A click on one of two shown statuses shows just that one.
    view.show();
    QTest::mouseClick(view.summary()->chip(StatusGroup::Running), Qt::LeftButton);
    QCOMPARE(view.proxy()->rowCount(), 1);
    QVERIFY(view.summary()->chip(StatusGroup::Running)->isChecked());
    QVERIFY(!view.summary()->chip(StatusGroup::Queued)->isChecked());
    view.proxy()->setVisibleGroups({StatusGroup::Queued, StatusGroup::Running});
    // Unticking a status in the menu filters it out.
    for (QAction *action : actions) {
        if (action->isCheckable() && StatusGroup(action->data().toInt()) == StatusGroup::Running)
            action->trigger();
    }
    QCOMPARE(view.proxy()->rowCount(), 1);
    QVERIFY(view.summary()->chip(StatusGroup::Queued)->isChecked());
}

void TestMonitorWidgets::emptyStatesSaySomething()
{
    auto session = offlineSession();
    ServiceView view(session.get());
    // Not started: nothing to show, and the view says why.
    QCOMPARE(view.table()->emptyTitle(), QStringLiteral("Not connected"));
    QVERIFY(view.banner()->isVisibleTo(&view));
    feed(session->model());
    view.filterEdit()->setText(QStringLiteral("no-such-job"));
    QCOMPARE(view.proxy()->rowCount(), 0);
    QCOMPARE(view.table()->emptyTitle(), QStringLiteral("No job matches the filter"));
    // The sentence is painted into the empty table.
    view.resize(900, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QImage empty = view.table()->viewport()->grab().toImage();
    const QColor ink = view.palette().color(QPalette::Disabled, QPalette::WindowText);
    QVERIFY(pixelsNear(empty, empty.rect(), ink) > 50);
    view.filterEdit()->clear();
    QCOMPARE(view.proxy()->rowCount(), 5);
}

void TestMonitorWidgets::progressBarsArePaintedPerStatus()
{
    auto session = offlineSession();
    ServiceView view(session.get());
    feed(session->model());
    view.resize(1400, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    JobTableView *table = view.table();
    const QImage image = table->viewport()->grab().toImage();
    const qreal ratio = image.devicePixelRatio();
    auto cell = [&](const QString &id) {
        const int sourceRow = session->model()->rowOfId(id);
        const QModelIndex index = view.proxy()->mapFromSource(session->model()->index(sourceRow, JobModel::ProgressColumn));
        const QRect rect = table->visualRect(index);
        return QRect(rect.topLeft() * ratio, rect.size() * ratio);
    };
    const QColor green = Icons::groupColor(StatusGroup::Completed);
    const QColor red = Icons::groupColor(StatusGroup::Failed);
    // Completed: a full bar in the completed colour; failed: a partial bar in the failed colour.
    QVERIFY(pixelsNear(image, cell(QStringLiteral("c1")), green) > cell(QStringLiteral("c1")).width() * 4);
    QCOMPARE(pixelsNear(image, cell(QStringLiteral("c1")), red), 0);
    const int failedRed = pixelsNear(image, cell(QStringLiteral("f1")), red);
    QVERIFY(failedRed > 20);
    // 60 % paints more than 30 %.
    QVERIFY(pixelsNear(image, cell(QStringLiteral("f2")), red) > failedRed * 3 / 2);
    // Queued: no bar in any status colour.
    QCOMPARE(pixelsNear(image, cell(QStringLiteral("q1")), green) + pixelsNear(image, cell(QStringLiteral("q1")), red), 0);
}

void TestMonitorWidgets::throughputChartPaintsBars()
{
    ThroughputChart chart;
    QList<ThroughputHistory::Bucket> buckets;
    const QDateTime start = QDateTime(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC);
    for (int i = 0; i < 15; ++i) {
        ThroughputHistory::Bucket bucket;
        bucket.start = start.addSecs(60 * i);
        bucket.observed = i >= 5;
        bucket.completed = bucket.observed ? i : 0;
        bucket.failed = i == 14 ? 3 : 0;
        bucket.bytesIn = bucket.observed ? i * 1000000 : 0;
        bucket.bytesOut = bucket.observed ? i * 500000 : 0;
        buckets.append(bucket);
    }
    chart.setBuckets(buckets, 60);
    QCOMPARE(chart.summary(), QStringLiteral("Last 15 minutes: 95 completed, 3 failed; 90.6 MiB received, 45.3 MiB sent"));
    QCOMPARE(chart.accessibleDescription(), chart.summary());
    chart.resize(chart.sizeHint());
    const QImage image = chart.grab().toImage();
    const QRect left(0, 0, image.width() / 3, image.height());
    const QRect right(image.width() * 2 / 3, 0, image.width() / 3, image.height());
    const QColor green = Icons::groupColor(StatusGroup::Completed);
    // No bars where nothing was observed, bars where jobs finished, and the failures on top.
    QVERIFY(pixelsNear(image, left, green) < 40);   // the legend swatch lives up there
    QVERIFY(pixelsNear(image, right, green) > 200);
    QVERIFY(pixelsNear(image, right, Icons::groupColor(StatusGroup::Failed)) > 20);
}

void TestMonitorWidgets::connectDialogKeepsTheTokenOnlyWhenTicked()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("c.ini")), QSettings::IniFormat);
    ConnectionSettings connections(settings);
    {
        ConnectDialog dialog(connections);
        QPushButton *ok = dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        dialog.urlBox()->setEditText(QStringLiteral("not a url at all"));
        QVERIFY(!ok->isEnabled());
        dialog.urlBox()->setEditText(QStringLiteral("media1.example:8080"));
        QVERIFY(ok->isEnabled());
        QCOMPARE(dialog.tokenEdit()->echoMode(), QLineEdit::Password);
        dialog.tokenEdit()->setText(QStringLiteral("kept-out-of-the-file"));
        QVERIFY(!dialog.rememberBox()->isChecked());
        ok->click();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(dialog.server().url.toString(), QStringLiteral("ws://media1.example:8080/"));
        QCOMPARE(dialog.server().token, QStringLiteral("kept-out-of-the-file"));
    }
    QCOMPARE(connections.find(QUrl(QStringLiteral("ws://media1.example:8080/")))->token, QString());
    {
        ConnectDialog dialog(connections);
        dialog.urlBox()->setEditText(QStringLiteral("ws://media2.example:8080/"));
        dialog.tokenEdit()->setText(QStringLiteral("remember-me"));
        dialog.rememberBox()->setChecked(true);
        dialog.accept();
    }
    QCOMPARE(connections.find(QUrl(QStringLiteral("ws://media2.example:8080/")))->token, QStringLiteral("remember-me"));
    // The next dialog offers the recent services and brings back a remembered token.
    ConnectDialog again(connections);
    QCOMPARE(again.urlBox()->count(), 2);
    QCOMPARE(again.urlBox()->currentText(), QStringLiteral("ws://media2.example:8080/"));
    QCOMPARE(again.tokenEdit()->text(), QStringLiteral("remember-me"));
    QVERIFY(again.rememberBox()->isChecked());
}

void TestMonitorWidgets::columnWidthsFollowTheFont()
{
    JobModel model;
    JobTableView table;
    table.setModel(&model);
    const int small = table.horizontalHeader()->sectionSize(JobModel::JobColumn);
    const int rowSmall = table.verticalHeader()->defaultSectionSize();
    QFont big = table.font();
    big.setPointSizeF(big.pointSizeF() * 2);
    JobTableView bigTable;
    bigTable.setFont(big);
    bigTable.setModel(&model);
    QVERIFY(bigTable.horizontalHeader()->sectionSize(JobModel::JobColumn) > small * 3 / 2);
    QVERIFY(QFontMetrics(big).height() > QFontMetrics(table.font()).height());
    QCOMPARE(table.accessibleName(), QStringLiteral("Jobs"));
    // An owner without a token is an address and port: it fits whole, not "127.0….:59762".
    table.resize(1800, 400);
    table.show();
    QVERIFY(QTest::qWaitForWindowExposed(&table));
    QVERIFY(!table.horizontalHeader()->isSectionHidden(JobModel::OwnerColumn));
    QVERIFY(table.horizontalHeader()->sectionSize(JobModel::OwnerColumn)
            > table.fontMetrics().horizontalAdvance(QStringLiteral("127.0.0.1:59762")) + 8);
    QVERIFY(rowSmall > QFontMetrics(table.font()).height());
}

void TestMonitorWidgets::detailsDialogFollowsTheJob()
{
    JobModel model;
    model.setCoalesceInterval(0);
    model.enqueueEvent(QStringLiteral("accepted"), snapshot(QStringLiteral("p1"), QStringLiteral("processing"), 42, 1));
    JobDetailsDialog dialog(&model, QStringLiteral("p1"));
    dialog.setAttribute(Qt::WA_DeleteOnClose, false);
    QVERIFY(dialog.plainText().contains(QStringLiteral("job-p1 \u2014 Compress, running")));
    QVERIFY(dialog.plainText().contains(QStringLiteral("42 %")));
    model.enqueueEvent(QStringLiteral("failed"), snapshot(QStringLiteral("p1"), QStringLiteral("failed"), 55, 1));
    QVERIFY(dialog.plainText().contains(QStringLiteral("job-p1 \u2014 Compress, failed")));
    QVERIFY(dialog.plainText().contains(QStringLiteral("Invalid data found when processing input")));
    model.resync({}, false);
    QVERIFY(dialog.plainText().contains(QStringLiteral("no longer listed")));
}

void TestMonitorWidgets::failuresInABurstAreOneNotification()
{
    auto session = offlineSession();
    QWidget window;
    TrayController tray(&window);
    tray.addSession(session.get());
    QSignalSpy notified(&tray, &TrayController::notified);
    QSignalSpy summary(&tray, &TrayController::summaryChanged);
    feed(session->model());
    QCOMPARE(tray.pendingFailures(), 2);
    QVERIFY(notified.wait(5000));
    QCOMPARE(notified.count(), 1);
    QCOMPARE(notified.first().at(0).toString(), QStringLiteral("2 jobs failed"));
    QCOMPARE(notified.first().at(1).toString(), QStringLiteral("job-f1, job-f2 on 127.0.0.1:9"));
    QVERIFY(!summary.isEmpty());
    QCOMPARE(tray.summary(), QStringLiteral("1 running \u00b7 1 queued \u00b7 2 failed \u2014 0 of 1 service connected"));
}

void TestMonitorWidgets::cleanupTestCase()
{
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")));
}

void TestMonitorWidgets::staleRowsAreGreyedWithoutSpeedOrEta()
{
    JobModel model;
    model.setCoalesceInterval(0);
    const QDateTime start = MonitorTest::kEpoch.addSecs(60);
    QDateTime now = start;
    model.setClock([&now] { return now; });
    model.enqueueEvent(QStringLiteral("progress"), snapshot(QStringLiteral("p1"), QStringLiteral("processing"), 42, 1));
    const int row = model.rowOfId(QStringLiteral("p1"));
    auto cell = [&](int column, int role = Qt::DisplayRole) { return model.index(row, column).data(role); };
    QCOMPARE(cell(JobModel::SpeedColumn).toString(), QStringLiteral("2.5\u00d7"));
    QCOMPARE(cell(JobModel::EtaColumn).toString(), QStringLiteral("0:12"));
    QVERIFY(!cell(JobModel::JobColumn, Qt::ForegroundRole).isValid());

    // The service went away at `start`: what is on screen is as of then.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setLive(false, start.toLocalTime());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(cell(JobModel::SpeedColumn).toString(), QString());
    QCOMPARE(cell(JobModel::EtaColumn).toString(), QString());
    QVERIFY(cell(JobModel::JobColumn, Qt::ForegroundRole).isValid());
    QVERIFY(cell(JobModel::ProgressColumn, Qt::ForegroundRole).isValid());
    QVERIFY(cell(JobModel::StatusColumn, Qt::ToolTipRole).toString().contains(QStringLiteral("As of ")));
    // Elapsed stands still while the clock moves on.
    const QString elapsed = cell(JobModel::ElapsedColumn).toString();
    QCOMPARE(elapsed, QStringLiteral("0:59"));
    now = start.addSecs(300);
    QCOMPARE(cell(JobModel::ElapsedColumn).toString(), elapsed);

    model.setLive(true);
    QCOMPARE(cell(JobModel::SpeedColumn).toString(), QStringLiteral("2.5\u00d7"));
    QVERIFY(!cell(JobModel::JobColumn, Qt::ForegroundRole).isValid());
    QCOMPARE(cell(JobModel::ElapsedColumn).toString(), QStringLiteral("5:59"));
}

void TestMonitorWidgets::enterInTheFilterSelectsTheFirstMatchAndTabReachesTheCounts()
{
    auto session = offlineSession();
    ServiceView view(session.get());
    feed(session->model());
    view.resize(1200, 600);
    view.show();
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    view.focusFilter();
    QTRY_VERIFY(view.filterEdit()->hasFocus());
    QTest::keyClicks(view.filterEdit(), QStringLiteral("job-f"));
    QCOMPARE(view.proxy()->rowCount(), 2);
    QVERIFY(!view.hasSelection());
    QTest::keyClick(view.filterEdit(), Qt::Key_Return);
    // The first match is selected and the table has the keyboard: Details and Cancel apply.
    QTRY_VERIFY(view.table()->hasFocus());
    QVERIFY(view.hasSelection());
    QCOMPARE(view.table()->selectedIds().size(), 1);
    QCOMPARE(view.table()->currentId(), view.proxy()->index(0, 0).data(JobModel::IdRole).toString());
    // Tab leaves the table for the counts (it does not walk the cells).
    QTest::keyClick(view.table(), Qt::Key_Tab);
    QTRY_VERIFY(QApplication::focusWidget() == view.summary()->chipsInOrder().first());
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), view.summary()->chipsInOrder().at(1));
    // ... and Space on a count shows only its status; Space again shows them all.
    SummaryChip *chip = view.summary()->chipsInOrder().at(1);
    QTest::keyClick(chip, Qt::Key_Space);
    QVERIFY(chip->isChecked());
    QVERIFY(!view.proxy()->showsAllGroups());
    QTest::keyClick(chip, Qt::Key_Space);
    QVERIFY(view.proxy()->showsAllGroups());
}

void TestMonitorWidgets::cancelQuestionNamesTheJobsAndWhatHappensToThem()
{
    auto session = offlineSession();
    ServiceView view(session.get());
    feed(session->model());
    view.show();
    auto select = [&](const QStringList &ids) {
        view.table()->selectionModel()->clear();
        for (const QString &id : ids) {
            const QModelIndex index = view.proxy()->mapFromSource(session->model()->index(session->model()->rowOfId(id), 0));
            view.table()->selectionModel()->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
    };
    select({QStringLiteral("p1"), QStringLiteral("q1")});
    view.cancelSelected();
    QMessageBox *box = view.pendingConfirmation();
    QVERIFY(box);
    QVERIFY2(box->text().contains(QStringLiteral("job-p1")) && box->text().contains(QStringLiteral("job-q1")), qPrintable(box->text()));
    QVERIFY(box->informativeText().contains(QStringLiteral("ffmpeg is stopped")));
    // The destructive button carries the stop icon, keeping the jobs none.
    QVERIFY(!box->button(QMessageBox::Yes)->icon().isNull());
    QVERIFY(box->button(QMessageBox::No)->icon().isNull());
    QCOMPARE(box->defaultButton(), box->button(QMessageBox::No));
    box->button(QMessageBox::No)->click();
    QTRY_VERIFY(!view.pendingConfirmation());

    // Only a queued job: nothing about ffmpeg.
    select({QStringLiteral("q1")});
    view.cancelSelected();
    box = view.pendingConfirmation();
    QVERIFY(box);
    QVERIFY(!box->informativeText().contains(QStringLiteral("ffmpeg")));
    QVERIFY(box->informativeText().contains(QStringLiteral("leave the queue")));
    box->button(QMessageBox::No)->click();
    QTRY_VERIFY(!view.pendingConfirmation());

    // By keyboard: Enter keeps the job (the default); Tab reaches "Cancel job" and Space
    // presses it. The session is not connected, so the request comes back refused: what
    // counts here is that it was sent.
    QSignalSpy messages(&view, &ServiceView::statusMessage);
    view.cancelSelected();
    QTRY_VERIFY((box = view.pendingConfirmation()) != nullptr);
    box->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(box));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
    QTRY_VERIFY(!view.pendingConfirmation());
    QCOMPARE(messages.count(), 0);
    view.cancelSelected();
    QTRY_VERIFY((box = view.pendingConfirmation()) != nullptr);
    box->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(box));
    for (int i = 0; i < 4 && QApplication::focusWidget() != box->button(QMessageBox::Yes); ++i)
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), box->button(QMessageBox::Yes));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Space);
    QTRY_VERIFY(!view.pendingConfirmation());
    QTRY_VERIFY(messages.count() >= 1);
    QVERIFY2(messages.first().first().toString().startsWith(QStringLiteral("Cancelling job-q1")),
             qPrintable(messages.first().first().toString()));
}

void TestMonitorWidgets::detailsNameTheFieldsAndShowWhatFfmpegDid()
{
    QJsonObject failed = snapshot(QStringLiteral("t1"), QStringLiteral("failed"), 64, 1);
    failed.insert(QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), QStringLiteral("TIMEOUT")},
                                                      {QStringLiteral("message"), QStringLiteral("job exceeded its time limit of 600 s")},
                                                      {QStringLiteral("details"), QJsonObject{{QStringLiteral("reason"), QStringLiteral("time_limit")}}}});
    failed.insert(QStringLiteral("ffmpeg_command"), QStringLiteral("ffmpeg -nostdin -y -i file:<job>/input.mp4 -c:v libx264 <job>/out.mp4"));
    failed.insert(QStringLiteral("ffmpeg_stderr"), QStringLiteral("frame=  100 fps= 10 q=28.0 size=     256kB"));
    JobModel model;
    model.setCoalesceInterval(0);
    model.enqueueEvent(QStringLiteral("failed"), failed);
    JobDetailsDialog dialog(&model, QStringLiteral("t1"));
    dialog.setAttribute(Qt::WA_DeleteOnClose, false);
    const QString text = dialog.plainText();
    QVERIFY2(text.contains(QStringLiteral("Reason")), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("the job's time limit was reached")));
    QVERIFY(!text.contains(QStringLiteral("time_limit")));
    QVERIFY(text.contains(QStringLiteral("ffmpeg command line")));
    QVERIFY(text.contains(QStringLiteral("-c:v libx264")));
    QVERIFY(text.contains(QStringLiteral("ffmpeg said (last lines)")));
    QVERIFY(text.contains(QStringLiteral("frame=  100")));
    QVERIFY(!text.contains(QStringLiteral("Stage")));

    // Output metadata with labels, not keys.
    QJsonObject done = snapshot(QStringLiteral("c1"), QStringLiteral("completed"), 100, 2);
    done.insert(QStringLiteral("stage"), QStringLiteral("finalizing"));
    done.insert(QStringLiteral("outputs"), QJsonArray{QJsonObject{
                                                   {QStringLiteral("filename"), QStringLiteral("clip.mp4")},
                                                   {QStringLiteral("size_bytes"), 2048},
                                                   {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("audio_codec"), QStringLiteral("aac")},
                                                                                           {QStringLiteral("stream_copy"), true}}}}});
    model.enqueueEvent(QStringLiteral("completed"), done);
    JobDetailsDialog completed(&model, QStringLiteral("c1"));
    completed.setAttribute(Qt::WA_DeleteOnClose, false);
    const QString page = completed.plainText();
    QVERIFY2(page.contains(QStringLiteral("Audio codec")), qPrintable(page));
    QVERIFY(!page.contains(QStringLiteral("audio_codec")));
    QVERIFY(!page.contains(QStringLiteral("stream_copy")));
    QVERIFY(!page.contains(QStringLiteral("Finalizing")));
    QVERIFY(!page.contains(QStringLiteral("ffmpeg command line")));

    // Copy as JSON says that it copied.
    QPushButton *copy = nullptr;
    for (QPushButton *button : completed.findChildren<QPushButton *>()) {
        if (button->text() == QLatin1StringView("Copy as JSON"))
            copy = button;
    }
    QVERIFY(copy);
    QApplication::clipboard()->clear();
    copy->click();
    QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("\"audio_codec\"")));
    QVERIFY(copy->text().startsWith(QStringLiteral("Copied")));
    QTRY_COMPARE_WITH_TIMEOUT(copy->text(), QStringLiteral("Copy as JSON"), 10000);
}

void TestMonitorWidgets::timesKeepTheirSecondsInGerman()
{
    const QLocale before;
    const QDateTime when(QDate(2026, 11, 29), QTime(18, 3, 7));
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    QCOMPARE(Format::time(when), QStringLiteral("18:03:07"));
    QCOMPARE(Format::dateTime(when), QStringLiteral("29.11.26 18:03:07"));
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QVERIFY2(Format::dateTime(when).contains(QStringLiteral("6:03:07")), qPrintable(Format::dateTime(when)));
    QLocale::setDefault(before);
}

void TestMonitorWidgets::idleChartWritesNoScale()
{
    // The scale is written in the plot's top-left corner; an idle chart has nothing to scale.
    auto paint = [](qint64 bytes) {
        ThroughputChart chart;
        QList<ThroughputHistory::Bucket> buckets;
        for (int i = 0; i < 15; ++i) {
            ThroughputHistory::Bucket bucket;
            bucket.start = MonitorTest::kEpoch.addSecs(60 * i);
            bucket.observed = true;
            bucket.completed = bytes > 0 ? 3 : 0;
            bucket.bytesIn = bytes;
            buckets.append(bucket);
        }
        chart.setBuckets(buckets, 60);
        chart.resize(400, chart.sizeHint().height());
        return chart.grab().toImage();
    };
    const QImage idle = paint(0);
    const QImage busy = paint(5000000);
    const QColor muted = QApplication::palette().color(QPalette::Disabled, QPalette::WindowText);
    const int line = QFontMetrics(QApplication::font()).height();
    const QRect corner(0, line + line / 4, idle.width() / 4, line * 2);
    QVERIFY(pixelsNear(busy, corner, muted) > 5);
    QCOMPARE(pixelsNear(idle, corner, muted), 0);
}

void TestMonitorWidgets::chartLegendKeepsClearOfItsTitle_data()
{
    QTest::addColumn<QString>("language");
    QTest::addColumn<int>("lines");
    // The side panel's narrowest (its minimum width) and a comfortable one.
    QTest::newRow("English narrow") << QStringLiteral("en_US") << 19;
    QTest::newRow("German narrow") << QStringLiteral("de") << 19;
    QTest::newRow("English wide") << QStringLiteral("en_US") << 30;
    QTest::newRow("German wide") << QStringLiteral("de") << 30;
}

void TestMonitorWidgets::chartLegendKeepsClearOfItsTitle()
{
    // "Beendete Aufträge" and the legend "fertig ■ fehlgeschlagen" used to be drawn over each
    // other in a narrow panel. Where the title is painted, no legend swatch may be.
    QFETCH(QString, language);
    QFETCH(int, lines);
    QVERIFY(installTranslators(*QCoreApplication::instance(), language));
    auto restore = qScopeGuard([] { installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")); });
    ThroughputChart chart;
    QList<ThroughputHistory::Bucket> buckets;
    for (int i = 0; i < 15; ++i) {
        ThroughputHistory::Bucket bucket;
        bucket.start = MonitorTest::kEpoch.addSecs(60 * i);
        buckets.append(bucket);   // nothing observed: no bars, only the titles and legends
    }
    chart.setBuckets(buckets, 60);
    const int line = chart.fontMetrics().height();
    chart.resize(line * lines, chart.sizeHint().height());
    const QImage image = chart.grab().toImage();
    QFont bold = chart.font();
    bold.setBold(true);
    const int titleWidth = QFontMetrics(bold).horizontalAdvance(ThroughputChart::tr("Jobs finished"));
    const QColor green = Icons::groupColor(StatusGroup::Completed);
    const QColor red = Icons::groupColor(StatusGroup::Failed);
    // The title's line, from the left edge to just past the title.
    const QRect title(0, 0, titleWidth + line / 4, line);
    QCOMPARE(pixelsNear(image, title, green), 0);
    QCOMPARE(pixelsNear(image, title, red), 0);
    // The legend is there, on the title's line or the next one.
    QVERIFY(pixelsNear(image, QRect(0, 0, image.width(), line * 2), green) > 4);
    QVERIFY(pixelsNear(image, QRect(0, 0, image.width(), line * 2), red) > 4);
}

void TestMonitorWidgets::connectDialogFitsItsTexts()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("c.ini")), QSettings::IniFormat);
    ConnectionSettings connections(settings);
    for (const QString &language : {QStringLiteral("en_US"), QStringLiteral("de")}) {
        QVERIFY(installTranslators(*QCoreApplication::instance(), language));
        ConnectDialog dialog(connections);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QLineEdit *token = dialog.tokenEdit();
        QVERIFY2(token->width() >= token->fontMetrics().horizontalAdvance(token->placeholderText()),
                 qPrintable(language));
        QVERIFY(dialog.width() >= dialog.fontMetrics().horizontalAdvance(dialog.windowTitle()));
        // Opened for a service, the dialog has its URL and waits for the token.
        dialog.setUrl(QUrl(QStringLiteral("ws://127.0.0.1:8080/")));
        QCOMPARE(dialog.urlBox()->currentText(), QStringLiteral("ws://127.0.0.1:8080/"));
    }
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")));
}

void TestMonitorWidgets::layoutKeepsStatusAndProgressVisible_data()
{
    QTest::addColumn<QString>("language");
    QTest::addColumn<QSize>("size");
    QTest::newRow("English 1000x650") << QStringLiteral("en_US") << QSize(1000, 650);
    QTest::newRow("German 1000x650") << QStringLiteral("de") << QSize(1000, 650);
    QTest::newRow("English 1920x1080") << QStringLiteral("en_US") << QSize(1920, 1080);
    QTest::newRow("German 1920x1080") << QStringLiteral("de") << QSize(1920, 1080);
}

void TestMonitorWidgets::layoutKeepsStatusAndProgressVisible()
{
    QFETCH(QString, language);
    QFETCH(QSize, size);
    QVERIFY(installTranslators(*QCoreApplication::instance(), language));
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("m.ini")), QSettings::IniFormat);
    ConnectionSettings connections(settings);
    MainWindow window(connections, nullptr);
    // Port 9 (discard) on loopback: nothing listens, the tab shows a lost service.
    ServiceView *view = window.addService(QUrl(QStringLiteral("ws://127.0.0.1:9/")), QString());
    view->session()->model()->setCoalesceInterval(0);
    feed(view->session()->model());
    window.resize(size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // The window can be as small as asked.
    QTRY_COMPARE(window.size(), size);
    QVERIFY2(window.minimumSizeHint().width() <= size.width(), qPrintable(QString::number(window.minimumSizeHint().width())));

    JobTableView *table = view->table();
    QHeaderView *header = table->horizontalHeader();
    auto shown = [&](int column) {
        if (header->isSectionHidden(column))
            return false;
        const int left = header->sectionViewportPosition(column);
        return left >= 0 && left + header->sectionSize(column) <= table->viewport()->width();
    };
    QTRY_VERIFY(shown(JobModel::StatusColumn));
    QVERIFY(shown(JobModel::ProgressColumn));
    QVERIFY(shown(JobModel::JobColumn));
    const int ch = table->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    // The input's name stays readable: Speed and the others give way before it.
    QVERIFY2(header->sectionSize(JobModel::InputColumn) >= ch * 16, qPrintable(QString::number(header->sectionSize(JobModel::InputColumn))));
    // Every status is whole ("Wird h…eladen" was not).
    const int icon = table->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, table);
    for (JobState state : {JobState::AwaitingUpload, JobState::Downloading, JobState::Queued, JobState::Processing,
                           JobState::Completed, JobState::Failed, JobState::Cancelled})
        QVERIFY2(header->sectionSize(JobModel::StatusColumn) > table->fontMetrics().horizontalAdvance(StatusText::state(state)) + icon + ch,
                 qPrintable(StatusText::state(state)));
    // Column titles are not cut ("Geschwindigk…").
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        if (column == JobModel::InputColumn || header->isSectionHidden(column))
            continue;
        const QString title = table->model()->headerData(column, Qt::Horizontal).toString();
        QVERIFY2(header->sectionSize(column) > header->fontMetrics().horizontalAdvance(title), qPrintable(title));
    }
    if (size.width() >= 1900) {
        // Every column but Node, which only a cluster of several nodes shows.
        for (int column = 0; column < JobModel::ColumnCount; ++column)
            QVERIFY2(shown(column) == (column != JobModel::NodeColumn), qPrintable(QString::number(column)));
    }
    // Every count is on screen, inside the window.
    for (SummaryChip *chip : view->summary()->chipsInOrder()) {
        QVERIFY(chip->isVisible());
        QVERIFY(chip->mapTo(&window, QPoint(chip->width(), 0)).x() <= window.width());
    }
    QVERIFY(view->statusButton()->mapTo(&window, QPoint(view->statusButton()->width(), 0)).x() <= window.width());
    // The filter's placeholder is whole ("Aufträge filtern (S…" was cut, even at 1920 px).
    QLineEdit *filter = view->filterEdit();
    QVERIFY2(filter->width() > filter->fontMetrics().horizontalAdvance(filter->placeholderText())
                     + filter->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, filter),
             qPrintable(filter->placeholderText()));

    // Hiding and showing the side panel gives the table back its width.
    const int tableWidth = table->width();
    QAction *panel = nullptr;
    for (QAction *action : window.findChildren<QAction *>()) {
        if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_H))
            panel = action;
    }
    QVERIFY(panel);
    panel->trigger();
    QTRY_VERIFY(table->width() > tableWidth);
    panel->trigger();
    QTRY_COMPARE(table->width(), tableWidth);
    QVERIFY(shown(JobModel::StatusColumn) && shown(JobModel::ProgressColumn));
    QVERIFY(header->sectionSize(JobModel::InputColumn) >= ch * 16);

    const QString shots = qEnvironmentVariable("MEDIAFORGE_MONITOR_SHOTS");
    if (!shots.isEmpty())
        window.grab().save(QStringLiteral("%1/layout-%2-%3x%4.png").arg(shots, language).arg(size.width()).arg(size.height()));
}

void TestMonitorWidgets::windowAndColumnLayoutAreRemembered()
{
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")));
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("m.ini")), QSettings::IniFormat);
    ConnectionSettings connections(settings);
    {
        MainWindow window(connections, nullptr);
        ServiceView *view = window.addService(QUrl(QStringLiteral("ws://127.0.0.1:9/")), QString());
        window.resize(1300, 760);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        view->table()->setColumnHiddenByUser(JobModel::OwnerColumn, true);
        view->table()->horizontalHeader()->moveSection(view->table()->horizontalHeader()->visualIndex(JobModel::PriorityColumn), 1);
        view->table()->sortByColumn(JobModel::ElapsedColumn, Qt::DescendingOrder);
        window.close();
    }
    MainWindow again(connections, nullptr);
    ServiceView *view = again.addService(QUrl(QStringLiteral("ws://127.0.0.1:9/")), QString());
    again.show();
    QVERIFY(QTest::qWaitForWindowExposed(&again));
    QCOMPARE(again.size(), QSize(1300, 760));
    QHeaderView *header = view->table()->horizontalHeader();
    QVERIFY(view->table()->isColumnHiddenByUser(JobModel::OwnerColumn));
    QVERIFY(header->isSectionHidden(JobModel::OwnerColumn));
    QCOMPARE(header->visualIndex(JobModel::PriorityColumn), 1);
    QCOMPARE(header->sortIndicatorSection(), int(JobModel::ElapsedColumn));
    QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);
    // The View menu sorts without a mouse.
    for (QAction *action : again.sortMenu()->actions()) {
        if (action->isCheckable() && action->data().toInt() == JobModel::StatusColumn && !action->text().isEmpty()
            && action->text() == QLatin1StringView("Status"))
            action->trigger();
    }
    QCOMPARE(header->sortIndicatorSection(), int(JobModel::StatusColumn));
}

void TestMonitorWidgets::firstStartShowsEveryColumnWhereTheScreenAllows()
{
    // The first start used to open at a size that already hid four columns.
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")));
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("m.ini")), QSettings::IniFormat);
    ConnectionSettings connections(settings);
    MainWindow window(connections, nullptr);
    // Nothing remembered: the window takes the first-start size for its screen.
    QVERIFY(window.screen());
    QCOMPARE(window.size(), window.firstStartSize(window.screen()->availableGeometry().size()));
    // Never below the smallest layout, never above 90 % of a screen that has room.
    QCOMPARE(window.firstStartSize(QSize(800, 600)), QSize(1000, 650));
    const QSize fullHd = window.firstStartSize(QSize(1920, 1040));
    QVERIFY(fullHd.width() <= 1920 * 9 / 10 && fullHd.height() <= 1040 * 9 / 10);
    // On a full-HD screen that size shows every column beside the side panel.
    ServiceView *view = window.addService(QUrl(QStringLiteral("ws://127.0.0.1:9/")), QString());
    view->session()->model()->setCoalesceInterval(0);
    feed(view->session()->model());
    window.resize(fullHd);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(window.size(), fullHd);
    QVERIFY(view->isHealthPanelVisible());
    JobTableView *table = view->table();
    QHeaderView *header = table->horizontalHeader();
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        if (column == JobModel::NodeColumn) {
            // Not a cluster: no column of empty cells.
            QVERIFY(header->isSectionHidden(column));
            continue;
        }
        QTRY_VERIFY2(!header->isSectionHidden(column), qPrintable(table->model()->headerData(column, Qt::Horizontal).toString()));
        QVERIFY(header->sectionViewportPosition(column) + header->sectionSize(column) <= table->viewport()->width());
    }
}

QTEST_MAIN(TestMonitorWidgets)
#include "tst_monitorwidgets.moc"
