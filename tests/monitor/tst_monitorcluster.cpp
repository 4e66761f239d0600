// SPDX-License-Identifier: GPL-3.0-or-later
// The monitor's view of a cluster: two real mediaforged nodes sharing a real PostgreSQL, the
// monitor connected to one of them. The health panel lists both nodes from `list_nodes`, names
// the one it is connected to, and shows a node killed with SIGKILL as gone once its heartbeat
// is three leases old, by the database's clock. A service with a store of its own is a cluster
// of one, and the panel stays out of the way. An admin drains and resumes a node from the
// panel, and the job table shows each job's node (a column only a cluster has).

#include "healthpanel.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "clusterfixture.h"
#include "nodespanel.h"
#include "servicesession.h"
#include "serviceview.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QAction>
#include <QHeaderView>

#include <QApplication>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

using namespace Mediaforge;
using namespace Mediaforge::Monitor;

namespace {

constexpr const char *kClusterSecret = "tst_monitorcluster-secret-0123456789abcdef";

// A monitor session that asks for health and nodes every second instead of every ten.
std::unique_ptr<ServiceSession> openSession(const QString &url, QNetworkAccessManager *network)
{
    auto session = std::make_unique<ServiceSession>(QUrl(url), QString(), network);
    ServiceSession::Timing timing;
    timing.healthIntervalMs = 1000;
    session->setTiming(timing);
    session->start();
    return session;
}

} // namespace

class TestMonitorCluster : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void nodesPanelListsEveryNodeAndNamesTheOneConnectedTo();
    void adminDrainsTheSelectedNodeAndResumesIt();
    void nodeWithAnotherFfmpegSaysWhichOnItsRow();
    void jobTableShowsTheNodeThatRanEachJob();
    void killedNodeIsShownGoneAfterThreeLeases();
    void serviceWithItsOwnStoreShowsNoNodesPanel();
    void cleanupTestCase();

private:
    bool startNode(TestService &node, const QString &name)
    {
        return m_cluster.startNode(node, QStringLiteral("monitor"), name);
    }
    // With MEDIAFORGE_MONITOR_SHOTS=DIR, the panel as it is now, to look at.
    void shot(QWidget *widget, const QString &name) const
    {
        const QString directory = qEnvironmentVariable("MEDIAFORGE_MONITOR_SHOTS");
        if (directory.isEmpty())
            return;
        QCoreApplication::processEvents();
        widget->grab().save(directory + QStringLiteral("/cluster-") + name + QStringLiteral(".png"));
    }
    int rowContaining(const QString &text) const
    {
        for (int row = 0; row < m_panel->nodes()->rows(); ++row) {
            if (m_panel->nodes()->rowText(row).contains(text))
                return row;
        }
        return -1;
    }

    ClusterFixture m_cluster{kClusterSecret};
    TestService m_a;
    TestService m_b;
    QNetworkAccessManager m_network;
    std::unique_ptr<ServiceSession> m_session;
    std::unique_ptr<HealthPanel> m_panel;
};

void TestMonitorCluster::initTestCase()
{
    // A one-second clip for the job the table shows.
    QVERIFY2(m_cluster.start(1.0), qPrintable(m_cluster.error()));
    QVERIFY2(m_cluster.createDatabase(QStringLiteral("monitor")), qPrintable(m_cluster.error()));
    QVERIFY2(startNode(m_a, QStringLiteral("node-a")), qPrintable(m_a.log()));
    QVERIFY2(startNode(m_b, QStringLiteral("node-b")), qPrintable(m_b.log()));
    m_session = openSession(m_a.wsUrl(), &m_network);
    m_panel = std::make_unique<HealthPanel>(m_session.get());
    m_panel->resize(420, 900);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_session->isSynchronised(), 30000);
}

void TestMonitorCluster::nodesPanelListsEveryNodeAndNamesTheOneConnectedTo()
{
    NodesPanel *nodes = m_panel->nodes();
    QTRY_COMPARE_WITH_TIMEOUT(nodes->rows(), 2, 30000);
    QVERIFY(nodes->isVisibleTo(m_panel.get()));
    QCOMPARE(nodes->titleText(), QStringLiteral("Nodes: 2"));
    const int self = rowContaining(QStringLiteral("node-a (this one)"));
    const int other = rowContaining(QStringLiteral("node-b"));
    QVERIFY2(self >= 0, qPrintable(nodes->rowText(0) + u'\n' + nodes->rowText(1)));
    QVERIFY(other >= 0 && other != self);
    QVERIFY(!nodes->rowText(other).contains(QStringLiteral("this one")));
    // One worker slot each, none busy, both alive.
    QCOMPARE(nodes->rowText(self), QStringLiteral("node-a (this one) \u00b7 0 of 1 busy"));
    QCOMPARE(nodes->rowText(other), QStringLiteral("node-b \u00b7 0 of 1 busy"));
    // The tooltip says where the other nodes reach it (its HTTP port) and its version.
    QVERIFY2(nodes->rowToolTip(other).contains(m_b.httpUrl()), qPrintable(nodes->rowToolTip(other)));
    QVERIFY(nodes->rowToolTip(other).contains(QStringLiteral("Version: " MEDIAFORGE_VERSION)));
    shot(m_panel.get(), QStringLiteral("nodes"));
}

void TestMonitorCluster::adminDrainsTheSelectedNodeAndResumesIt()
{
    NodesPanel *nodes = m_panel->nodes();
    auto stateInStore = [this] {
        return m_cluster.postgres().psql(QStringLiteral("monitor"), QStringLiteral("SELECT state FROM nodes WHERE name = 'node-b'")).value(0);
    };
    QTRY_VERIFY_WITH_TIMEOUT(rowContaining(QStringLiteral("node-b")) >= 0, 30000);
    // Nothing selected: nothing to drain.
    QVERIFY(!nodes->drainAction()->isEnabled());
    QVERIFY(!nodes->resumeAction()->isEnabled());
    nodes->selectRow(rowContaining(QStringLiteral("node-b")));
    QVERIFY(nodes->drainAction()->isEnabled());
    QVERIFY(!nodes->resumeAction()->isEnabled());

    nodes->drainAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(nodes->rowText(rowContaining(QStringLiteral("node-b"))),
                              QStringLiteral("node-b \u00b7 0 of 1 busy \u00b7 draining"), 30000);
    QCOMPARE(nodes->titleText(), QStringLiteral("Nodes: 2 \u00b7 1 draining"));
    QCOMPARE(stateInStore(), QStringLiteral("draining"));
    // The node stays selected; now it can only be resumed.
    QTRY_VERIFY(nodes->resumeAction()->isEnabled());
    QVERIFY(!nodes->drainAction()->isEnabled());
    QVERIFY(nodes->messageText().isEmpty());
    shot(m_panel.get(), QStringLiteral("draining"));

    nodes->resumeAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(nodes->rowText(rowContaining(QStringLiteral("node-b"))), QStringLiteral("node-b \u00b7 0 of 1 busy"), 30000);
    QCOMPARE(nodes->titleText(), QStringLiteral("Nodes: 2"));
    QCOMPARE(stateInStore(), QStringLiteral("active"));
    QTRY_VERIFY(nodes->drainAction()->isEnabled());
}

void TestMonitorCluster::nodeWithAnotherFfmpegSaysWhichOnItsRow()
{
    // The real nodes share this machine's one ffmpeg: both advertise it, and no row names it.
    NodesPanel *nodes = m_panel->nodes();
    for (const QJsonValue &node : m_session->nodes())
        QVERIFY(!node.toObject().value(QStringLiteral("ffmpeg_version")).toString().isEmpty());
    const int other = rowContaining(QStringLiteral("node-b"));
    QVERIFY(!nodes->rowText(other).contains(QStringLiteral("ffmpeg")));
    const QString version = m_session->nodes().first().toObject().value(QStringLiteral("ffmpeg_version")).toString();
    QVERIFY2(nodes->rowToolTip(other).contains(QStringLiteral("ffmpeg: ") + version), qPrintable(nodes->rowToolTip(other)));
    // A row as list_nodes gives it for a node with another ffmpeg (tst_clusternodes runs such a
    // node for real): its version is on the row; the same version is not.
    const QJsonObject row{{QStringLiteral("name"), QStringLiteral("enc-2")}, {QStringLiteral("slots"), 4},
                          {QStringLiteral("running_jobs"), 1}, {QStringLiteral("state"), QStringLiteral("active")},
                          {QStringLiteral("ffmpeg_version"), QStringLiteral("6.0-1")}};
    QCOMPARE(NodesPanel::describe(row, 0, QStringLiteral("5.1.6-0+deb12u1")), QStringLiteral("enc-2 \u00b7 1 of 4 busy \u00b7 ffmpeg 6.0-1"));
    QCOMPARE(NodesPanel::describe(row, 0, QStringLiteral("6.0-1")), QStringLiteral("enc-2 \u00b7 1 of 4 busy"));
}

void TestMonitorCluster::jobTableShowsTheNodeThatRanEachJob()
{
    ServiceView view(m_session.get());
    view.resize(1600, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    JobTableView *table = view.table();
    // A cluster of two: the column is there (it is not on one machine, tst_monitorwidgets).
    QTRY_VERIFY_WITH_TIMEOUT(table->isColumnApplicable(JobModel::NodeColumn), 30000);
    QTRY_VERIFY(!table->horizontalHeader()->isSectionHidden(JobModel::NodeColumn));

    TestSubmitter client;
    QVERIFY(client.open(QUrl(m_a.wsUrl())));
    const QString id = m_cluster.submitUrl(client, QStringLiteral("on-a-node"));
    QVERIFY(!id.isEmpty());
    auto ranOn = [this, &id] {
        return m_cluster.postgres().psql(QStringLiteral("monitor"), QStringLiteral("SELECT node FROM jobs WHERE id = '%1' AND state = 'completed'").arg(id)).value(0);
    };
    QTRY_VERIFY_WITH_TIMEOUT(!ranOn().isEmpty(), 120000);
    JobModel *model = m_session->model();
    auto nodeCell = [model, &id] {
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row, JobModel::NodeColumn);
            if (index.data(JobModel::IdRole).toString() == id && index.siblingAtColumn(JobModel::StatusColumn).data().toString()
                                                                         == QStringLiteral("Completed"))
                return index.data().toString();
        }
        return QString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(nodeCell(), ranOn(), 60000);
    shot(&view, QStringLiteral("jobs"));
    client.connection.close();
}

void TestMonitorCluster::killedNodeIsShownGoneAfterThreeLeases()
{
    NodesPanel *nodes = m_panel->nodes();
    QVERIFY(::kill(pid_t(m_b.processId()), SIGKILL) == 0);
    // Three leases of 3 s without a heartbeat, by the database's clock, and the next fetch.
    QTRY_VERIFY_WITH_TIMEOUT(nodes->titleText() == QStringLiteral("Nodes: 2 \u00b7 1 gone"), 90000);
    const int gone = rowContaining(QStringLiteral("node-b"));
    QVERIFY(gone >= 0);
    QVERIFY2(nodes->rowText(gone).startsWith(QStringLiteral("node-b \u00b7 0 of 1 busy \u00b7 gone, silent for ")),
             qPrintable(nodes->rowText(gone)));
    // The node the monitor talks to is not judged by its own stale heartbeat.
    QVERIFY(!nodes->rowText(rowContaining(QStringLiteral("node-a"))).contains(QStringLiteral("gone")));
    const QJsonArray listed = m_session->nodes();
    for (const QJsonValue &node : listed) {
        const bool isB = node.toObject().value(QStringLiteral("name")).toString() == QStringLiteral("node-b");
        QCOMPARE(node.toObject().value(QStringLiteral("gone")).toBool(), isB);
        // 3 leases of 3 s: gone means a heartbeat older than 9 s.
        if (isB)
            QVERIFY(node.toObject().value(QStringLiteral("heartbeat_age_ms")).toDouble() > 9000);
    }
    shot(m_panel.get(), QStringLiteral("gone"));
}

void TestMonitorCluster::serviceWithItsOwnStoreShowsNoNodesPanel()
{
    TestService single;
    QVERIFY2(single.start({QStringLiteral("--node-name"), QStringLiteral("solo")}), qPrintable(single.log()));
    std::unique_ptr<ServiceSession> session = openSession(single.wsUrl(), &m_network);
    HealthPanel panel(session.get());
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTRY_COMPARE_WITH_TIMEOUT(session->nodes().size(), 1, 30000);
    const QJsonObject self = session->nodes().first().toObject();
    QCOMPARE(self.value(QStringLiteral("name")).toString(), QStringLiteral("solo"));
    QCOMPARE(self.value(QStringLiteral("self")).toBool(), true);
    QCOMPARE(self.value(QStringLiteral("gone")).toBool(), false);
    QVERIFY(!panel.nodes()->isVisibleTo(&panel));
    session->stop();
    single.stop();
}

void TestMonitorCluster::cleanupTestCase()
{
    m_panel.reset();
    if (m_session)
        m_session->stop();
    m_session.reset();
    m_a.stop();
    m_b.stop();
    m_cluster.postgres().stop();
}

QTEST_MAIN(TestMonitorCluster)
#include "tst_monitorcluster.moc"
