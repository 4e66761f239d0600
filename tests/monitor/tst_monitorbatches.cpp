// SPDX-License-Identifier: GPL-3.0-or-later
// Batches in the monitor: the jobs of a start_batch against a real mediaforged (its URL inputs
// served by a real HTTP server on loopback) show their batch and the batch's progress, heard
// from batch_progress and batch_completed on the event feed; the search finds a batch's jobs
// by its batch_id and the batch column sorts them in item order. The model's bookkeeping of
// batches is bounded and never goes back.
#include "batchprogress.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "mainwindow.h"
#include "connectionsettings.h"
#include "servicesession.h"
#include "serviceview.h"
#include "testhttpserver.h"
#include "testmedia.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Mediaforge;
using namespace Mediaforge::Monitor;

namespace {

QJsonObject batchMessage(const QString &type, const QString &id, const QString &batchId, int total, int completed, int failed,
                         double percentage)
{
    return QJsonObject{{QStringLiteral("type"), type},           {QStringLiteral("id"), id},
                       {QStringLiteral("batch_id"), batchId},    {QStringLiteral("total"), total},
                       {QStringLiteral("completed"), completed}, {QStringLiteral("failed"), failed},
                       {QStringLiteral("cancelled"), 0},         {QStringLiteral("percentage"), percentage},
                       {QStringLiteral("status"), type == QLatin1StringView("batch_completed") ? QStringLiteral("finished")
                                                                                               : QStringLiteral("running")}};
}

QJsonObject itemSnapshot(const QString &id, const QString &batchId, int index)
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("job_id"), QStringLiteral("%1:%2").arg(batchId).arg(index)},
                       {QStringLiteral("batch_id"), batchId},
                       {QStringLiteral("status"), QStringLiteral("queued")},
                       {QStringLiteral("operation"), QStringLiteral("thumbnail")},
                       {QStringLiteral("created_at"), QStringLiteral("2026-11-30T12:00:00.000Z")}};
}

} // namespace

class TestMonitorBatches : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void batchProgressIsShownOnItsJobsAndNeverGoesBack();
    void batchBookkeepingIsBounded();
    void aBatchOnTheServiceIsGroupedAndFollowedToItsEnd();

private:
    QTemporaryDir m_dir;
    TestService m_service;
    TestHttpServer m_http;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ConnectionSettings> m_connections;
    QNetworkAccessManager m_network;
    std::unique_ptr<MainWindow> m_window;
    TestSubmitter m_submitter;
};

void TestMonitorBatches::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_service.start({QStringLiteral("--allow-private-urls"), QStringLiteral("--max-concurrent-jobs"), QStringLiteral("1")}));
    TestMedia::VideoSpec spec;
    spec.seconds = 2;
    spec.audio = false;
    const QString clip = TestMedia::makeVideo(m_dir.path(), spec);
    QVERIFY(m_http.listen());
    m_http.setRoute(QStringLiteral("/clip.mp4"), TestHttpServer::Response::file(clip));
    m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("monitor.ini")), QSettings::IniFormat);
    m_connections = std::make_unique<ConnectionSettings>(*m_settings);
    m_window = std::make_unique<MainWindow>(*m_connections, &m_network);
    m_window->resize(1400, 600);
    m_window->show();
    QVERIFY(m_submitter.open(QUrl(m_service.wsUrl())));
}

void TestMonitorBatches::cleanupTestCase()
{
    m_window.reset();
    m_submitter.connection.close();
    m_service.stop();
}

void TestMonitorBatches::batchProgressIsShownOnItsJobsAndNeverGoesBack()
{
    JobModel model;
    model.setCoalesceInterval(0);
    model.enqueueEvent(QStringLiteral("created"), itemSnapshot(QStringLiteral("a1"), QStringLiteral("thumbs"), 0));
    model.enqueueEvent(QStringLiteral("created"), itemSnapshot(QStringLiteral("a2"), QStringLiteral("thumbs"), 1));
    model.enqueueEvent(QStringLiteral("created"), itemSnapshot(QStringLiteral("x"), QString(), 0));
    model.flush();
    const int row = model.rowOfId(QStringLiteral("a2"));
    QCOMPARE(model.index(row, JobModel::BatchColumn).data().toString(), QStringLiteral("thumbs"));
    QCOMPARE(model.index(model.rowOfId(QStringLiteral("x")), JobModel::BatchColumn).data().toString(), QString());
    QVERIFY(model.index(row, JobModel::BatchColumn).data(JobModel::SearchTextRole).toString().contains(QStringLiteral("thumbs")));

    QSignalSpy changed(&model, &JobModel::dataChanged);
    model.applyBatchEvent(batchMessage(QStringLiteral("batch_progress"), QStringLiteral("b1"), QStringLiteral("thumbs"), 2, 1, 0, 62.5));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).value<QModelIndex>().column(), int(JobModel::BatchColumn));
    QCOMPARE(model.index(row, JobModel::BatchColumn).data().toString(), QStringLiteral("thumbs \u00b7 1/2 \u00b7 62 %"));
    QVERIFY(model.index(row, JobModel::BatchColumn).data(Qt::ToolTipRole).toString().contains(QStringLiteral("1 of 2 jobs completed")));

    model.applyBatchEvent(batchMessage(QStringLiteral("batch_completed"), QStringLiteral("b1"), QStringLiteral("thumbs"), 2, 1, 1, 100));
    QCOMPARE(model.index(row, JobModel::BatchColumn).data().toString(), QStringLiteral("thumbs \u00b7 2/2 \u00b7 100 %"));
    // A batch_progress that was overtaken by the end changes nothing.
    changed.clear();
    model.applyBatchEvent(batchMessage(QStringLiteral("batch_progress"), QStringLiteral("b1"), QStringLiteral("thumbs"), 2, 1, 0, 80));
    QCOMPARE(changed.count(), 0);
    QVERIFY(model.batches().find(QStringLiteral("thumbs"))->finished);
    // Not a batch message: ignored.
    model.applyBatchEvent(QJsonObject{{QStringLiteral("type"), QStringLiteral("progress")}, {QStringLiteral("batch_id"), QStringLiteral("thumbs")}});
    QCOMPARE(changed.count(), 0);
}

void TestMonitorBatches::batchBookkeepingIsBounded()
{
    BatchProgress batches;
    for (int i = 0; i < BatchProgress::kMaxBatches + 50; ++i)
        QVERIFY(batches.apply(batchMessage(QStringLiteral("batch_progress"), QString::number(i), QStringLiteral("b%1").arg(i), 3, 0, 0, 0)));
    QCOMPARE(batches.size(), BatchProgress::kMaxBatches);
    // The oldest gave way; the newest is there.
    QVERIFY(!batches.find(QStringLiteral("b0")));
    QVERIFY(batches.find(QStringLiteral("b%1").arg(BatchProgress::kMaxBatches + 49)));
}

void TestMonitorBatches::aBatchOnTheServiceIsGroupedAndFollowedToItsEnd()
{
    ServiceView *view = m_window->addService(QUrl(m_service.wsUrl()), QString());
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(view->session()->isSynchronised(), 10000);
    JobModel *model = view->session()->model();

    const QString url = m_http.url(QStringLiteral("/clip.mp4")).toString();
    QJsonArray inputs;
    for (int i = 0; i < 4; ++i)
        inputs.append(QJsonObject{{QStringLiteral("source"), QStringLiteral("url")}, {QStringLiteral("url"), url}});
    const QJsonObject ack = m_submitter.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("start_batch")},
                                                        {QStringLiteral("batch_id"), QStringLiteral("spring")},
                                                        {QStringLiteral("operation"), QStringLiteral("thumbnail")},
                                                        {QStringLiteral("inputs"), inputs},
                                                        {QStringLiteral("detach"), true}});
    QCOMPARE(ack.value(QStringLiteral("type")).toString(), QStringLiteral("batch_ack"));
    // And one job outside the batch, which the batch's search must leave out.
    QVERIFY(!m_submitter.start(QStringLiteral("single-1"), QStringLiteral("probe"), {}, TestMedia::makeVideo(m_dir.path(), {})).isEmpty());

    // The four items, each with the batch; the batch's end heard from batch_completed.
    QTRY_VERIFY_WITH_TIMEOUT(model->batches().find(QStringLiteral("spring")) && model->batches().find(QStringLiteral("spring"))->finished,
                             60000);
    const BatchProgress::State *state = model->batches().find(QStringLiteral("spring"));
    QCOMPARE(state->id, ack.value(QStringLiteral("id")).toString());
    QCOMPARE((std::pair{state->total, state->completed}), (std::pair{4, 4}));
    QTRY_COMPARE_WITH_TIMEOUT(model->counts().of(StatusGroup::Completed), 5, 30000);
    for (const QJsonValue &value : ack.value(QStringLiteral("items")).toArray()) {
        const int row = model->rowOfId(value.toObject().value(QStringLiteral("id")).toString());
        QVERIFY(row >= 0);
        QCOMPARE(model->index(row, JobModel::BatchColumn).data().toString(), QStringLiteral("spring \u00b7 4/4 \u00b7 100 %"));
    }

    // Searching for the batch shows its jobs, sorted by the batch column in item order.
    view->proxy()->setSearchText(QStringLiteral("spring"));
    QTRY_COMPARE_WITH_TIMEOUT(view->proxy()->rowCount(), 4, 5000);
    view->table()->sortByColumn(JobModel::BatchColumn, Qt::AscendingOrder);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(view->proxy()->index(i, JobModel::JobColumn).data().toString(), QStringLiteral("spring:%1").arg(i));

    // With MEDIAFORGE_MONITOR_SHOTS=DIR, the window as it is now, to look at.
    const QString shots = qEnvironmentVariable("MEDIAFORGE_MONITOR_SHOTS");
    if (!shots.isEmpty()) {
        view->proxy()->setSearchText(QString());
        QCoreApplication::processEvents();
        m_window->grab().save(shots + QStringLiteral("/batches.png"));
    }
}

QTEST_MAIN(TestMonitorBatches)
#include "tst_monitorbatches.moc"
