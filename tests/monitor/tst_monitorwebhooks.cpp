// SPDX-License-Identifier: GPL-3.0-or-later
// The monitor's view of webhooks against a real mediaforged whose deliveries go to a real HTTP
// receiver on loopback (hence --allow-private-urls): one endpoint answers 200, the other 500.
// The job details list each delivery (time, event, attempts, the receiver's status, state)
// from get_job and follow a failing one's retries; the health panel counts the failing
// endpoint from get_stats. With MEDIAFORGE_MONITOR_SHOTS=DIR it saves pictures to look at.

#include "connectionsettings.h"
#include "healthpanel.h"
#include "jobdetailsdialog.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "mainwindow.h"
#include "monitorapplication.h"
#include "servicesession.h"
#include "serviceview.h"
#include "testhttpserver.h"
#include "testmedia.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QApplication>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Mediaforge;
using namespace Mediaforge::Monitor;

class TestMonitorWebhooks : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void detailsListEachDeliveryWithTheReceiversAnswer();
    void aFailingEndpointIsCountedAndItsRetriesFollowed();

private:
    ServiceView *view() const { return m_window->currentView(); }
    JobDetailsDialog *openDetails(const QString &id);
    void shot(QWidget *widget, const QString &name) const
    {
        const QString directory = qEnvironmentVariable("MEDIAFORGE_MONITOR_SHOTS");
        if (directory.isEmpty())
            return;
        QCoreApplication::processEvents();
        widget->grab().save(directory + QStringLiteral("/webhooks-") + name + QStringLiteral(".png"));
    }

    QTemporaryDir m_dir;
    TestService m_service;
    TestHttpServer m_receiver;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<ConnectionSettings> m_connections;
    QNetworkAccessManager m_network;
    std::unique_ptr<MainWindow> m_window;
    TestSubmitter m_submitter;
    QString m_clip;
};

void TestMonitorWebhooks::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // English plurals ("1 endpoint failing") come from the embedded English translation.
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")));
    QVERIFY(m_receiver.listen());
    m_receiver.setRoute(QStringLiteral("/ok"), TestHttpServer::Response::statusPage(200));
    m_receiver.setRoute(QStringLiteral("/down"), TestHttpServer::Response::statusPage(500, "down for maintenance"));
    QProcessEnvironment secret;
    secret.insert(QStringLiteral("MEDIAFORGE_WEBHOOK_SECRET"), QStringLiteral("monitor-webhooks-secret-0123456789"));
    m_service.setExtraEnvironment(secret);
    QVERIFY(m_service.start({QStringLiteral("--allow-private-urls"), QStringLiteral("--webhook-min-backoff"), QStringLiteral("1"),
                             QStringLiteral("--webhook-timeout"), QStringLiteral("5")}));
    TestMedia::VideoSpec spec;
    spec.seconds = 1;
    spec.width = 160;
    spec.height = 120;
    m_clip = TestMedia::makeVideo(m_dir.path(), spec);

    m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("monitor.ini")), QSettings::IniFormat);
    m_connections = std::make_unique<ConnectionSettings>(*m_settings);
    m_window = std::make_unique<MainWindow>(*m_connections, &m_network);
    m_window->resize(1400, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->addService(QUrl(m_service.wsUrl()), QString()));
    QTRY_VERIFY_WITH_TIMEOUT(view()->session()->isSynchronised(), 10000);
    QVERIFY(m_submitter.open(QUrl(m_service.wsUrl())));
    QCOMPARE(m_submitter.ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("hello")}, {QStringLiteral("protocol"), 1}})
                     .value(QStringLiteral("type")).toString(),
             QStringLiteral("welcome"));
}

void TestMonitorWebhooks::cleanupTestCase()
{
    m_window.reset();
    m_submitter.connection.close();
    m_service.stop();
}

JobDetailsDialog *TestMonitorWebhooks::openDetails(const QString &id)
{
    for (JobDetailsDialog *open : view()->findChildren<JobDetailsDialog *>())
        open->close();
    QCoreApplication::processEvents();
    view()->selectJob(id);
    if (view()->table()->currentId() != id)
        return nullptr;
    view()->showDetails();
    for (JobDetailsDialog *dialog : view()->findChildren<JobDetailsDialog *>()) {
        if (dialog->id() == id)
            return dialog;
    }
    return nullptr;
}

void TestMonitorWebhooks::detailsListEachDeliveryWithTheReceiversAnswer()
{
    const QString id = m_submitter.start(QStringLiteral("hooked"), QStringLiteral("probe"), {}, m_clip,
                                         QJsonObject{{QStringLiteral("notify_url"), m_receiver.url(QStringLiteral("/ok")).toString()},
                                                     {QStringLiteral("notify_events"), QStringLiteral("all")}});
    QVERIFY(!id.isEmpty());
    // Every state the job passed, answered 200 by the receiver.
    QTRY_COMPARE_WITH_TIMEOUT(m_receiver.requestCount(QStringLiteral("/ok")), 4, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(view()->session()->model()->recordById(id), 10000);
    JobDetailsDialog *dialog = openDetails(id);
    QVERIFY(dialog);
    // Asked for with get_job when it opens; the last one is recorded after its answer came.
    QTRY_VERIFY2_WITH_TIMEOUT(dialog->plainText().count(QStringLiteral("Delivered")) == 4, qPrintable(dialog->plainText()), 20000);
    const QString text = dialog->plainText();
    QVERIFY2(text.contains(QStringLiteral("Webhook deliveries")), qPrintable(text));
    QCOMPARE(text.count(QStringLiteral("HTTP 200")), 4);
    for (const QString &event : {QStringLiteral("Uploading"), QStringLiteral("Queued"), QStringLiteral("Running"),
                                 QStringLiteral("Completed")})
        QVERIFY2(text.contains(event), qPrintable(event));
    // In the order they were sent: the upload's first, the end's last.
    const qsizetype table = text.indexOf(QStringLiteral("Webhook deliveries"));
    QVERIFY(text.indexOf(QStringLiteral("Uploading"), table) < text.lastIndexOf(QStringLiteral("Completed")));
    dialog->resize(900, 760);
    shot(dialog, QStringLiteral("details-delivered"));
    dialog->close();

    // A job without notify_url has no such section.
    const QString plain = m_submitter.start(QStringLiteral("plain"), QStringLiteral("probe"), {}, m_clip);
    QVERIFY(!plain.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(m_submitter.statusOf(plain), QStringLiteral("completed"), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(view()->session()->model()->recordById(plain), 10000);
    dialog = openDetails(plain);
    QVERIFY(dialog);
    // Its get_job answered (the page was built again) without deliveries.
    QTest::qWait(500);
    QVERIFY(!dialog->plainText().contains(QStringLiteral("Webhook deliveries")));
    dialog->close();
}

void TestMonitorWebhooks::aFailingEndpointIsCountedAndItsRetriesFollowed()
{
    HealthPanel *health = view()->healthPanel();
    QTRY_VERIFY_WITH_TIMEOUT(health->webhooksText().contains(QStringLiteral("none pending")), 20000);
    QVERIFY(!health->webhooksText().contains(QStringLiteral("failing")));

    const QString id = m_submitter.start(QStringLiteral("unheard"), QStringLiteral("probe"), {}, m_clip,
                                         QJsonObject{{QStringLiteral("notify_url"), m_receiver.url(QStringLiteral("/down")).toString()}});
    QVERIFY(!id.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(m_receiver.requestCount(QStringLiteral("/down")) >= 1, 60000);
    // The store's count, read by get_stats at most every few seconds, reaches the panel.
    QTRY_VERIFY2_WITH_TIMEOUT(health->webhooksText().contains(QStringLiteral("1 endpoint failing")),
                              qPrintable(health->webhooksText()), 30000);
    QVERIFY(health->webhooksText().contains(QStringLiteral("1 pending")));
    shot(m_window.get(), QStringLiteral("health-failing"));

    QTRY_VERIFY_WITH_TIMEOUT(view()->session()->model()->recordById(id), 10000);
    JobDetailsDialog *dialog = openDetails(id);
    QVERIFY(dialog);
    QTRY_VERIFY2_WITH_TIMEOUT(dialog->plainText().contains(QStringLiteral("HTTP 500")), qPrintable(dialog->plainText()), 20000);
    QVERIFY(dialog->plainText().contains(QStringLiteral("Pending, next try")));
    dialog->resize(900, 760);
    shot(dialog, QStringLiteral("details-failing"));

    // The endpoint recovers: the next retry delivers; the open dialog follows it (it asks again
    // while a delivery is pending), and nothing is failing any more.
    m_receiver.setRoute(QStringLiteral("/down"), TestHttpServer::Response::statusPage(204));
    QTRY_VERIFY2_WITH_TIMEOUT(dialog->plainText().contains(QStringLiteral("Delivered")), qPrintable(dialog->plainText()), 120000);
    QVERIFY(dialog->plainText().contains(QStringLiteral("HTTP 204")));
    QTRY_VERIFY2_WITH_TIMEOUT(!health->webhooksText().contains(QStringLiteral("failing")), qPrintable(health->webhooksText()), 30000);
    dialog->close();
}

QTEST_MAIN(TestMonitorWebhooks)
#include "tst_monitorwebhooks.moc"
