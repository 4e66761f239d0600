// SPDX-License-Identifier: GPL-3.0-or-later
// The monitor's widgets offscreen, fed from a model without a service: summary strip and
// status filter, empty states, the painted progress bars and chart, the connect dialog's
// token handling, font-relative column widths, the live details dialog, tray notifications.

#include "connectdialog.h"
#include "jobdetailsdialog.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "monitorapplication.h"
#include "servicesession.h"
#include "serviceview.h"
#include "snapshots.h"
#include "statusicons.h"
#include "summarystrip.h"
#include "throughputchart.h"
#include "traycontroller.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QImage>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QMenu>
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
    // Two statuses: no chip stands for that.
    for (StatusGroup group : kAllStatusGroups)
        QVERIFY(!view.summary()->chip(group)->isChecked());
    QCOMPARE(view.proxy()->rowCount(), 2);
    const auto buttons = view.findChildren<QToolButton *>();
    const auto statusButton = std::find_if(buttons.cbegin(), buttons.cend(), [](QToolButton *button) {
        return button->accessibleName() == QLatin1StringView("Status filter");
    });
    QVERIFY(statusButton != buttons.cend());
    QCOMPARE((*statusButton)->text(), QStringLiteral("Statuses (2 of 6)"));
    const QList<QAction *> actions = (*statusButton)->menu()->actions();
    int checked = 0;
    for (QAction *action : actions)
        checked += action->isCheckable() && action->isChecked() ? 1 : 0;
    QCOMPARE(checked, 2);
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

QTEST_MAIN(TestMonitorWidgets)
#include "tst_monitorwidgets.moc"
