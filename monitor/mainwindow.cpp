// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "connectdialog.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "servicesession.h"
#include "serviceview.h"
#include "statusicons.h"
#include "traycontroller.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QHeaderView>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

namespace Mediaforge::Monitor {

namespace {

QIcon icon(const char *name)
{
    return QIcon(QStringLiteral(":/icons/") + QLatin1StringView(name) + QStringLiteral(".svg"));
}

} // namespace

MainWindow::MainWindow(ConnectionSettings &settings, QNetworkAccessManager *network, QWidget *parent)
    : QMainWindow(parent), m_settings(settings), m_network(network)
{
    setWindowTitle(tr("Mediaforge Monitor"));
    setWindowIcon(Icons::application());
    const int line = fontMetrics().height();

    // The page shown while no service is open.
    auto *welcome = new QWidget(this);
    auto *welcomeLayout = new QVBoxLayout(welcome);
    welcomeLayout->addStretch(2);
    auto *logo = new QLabel(welcome);
    logo->setPixmap(Icons::application().pixmap(line * 5, line * 5));
    logo->setAlignment(Qt::AlignCenter);
    welcomeLayout->addWidget(logo);
    auto *headline = new QLabel(tr("No service connected"), welcome);
    QFont big = headline->font();
    big.setPointSizeF(big.pointSizeF() * 1.5);
    big.setBold(true);
    headline->setFont(big);
    headline->setAlignment(Qt::AlignCenter);
    welcomeLayout->addWidget(headline);
    auto *hint = new QLabel(tr("Connect to a mediaforged service to watch its jobs, workers and health live."), welcome);
    hint->setAlignment(Qt::AlignCenter);
    hint->setWordWrap(true);
    welcomeLayout->addWidget(hint);
    auto *connectButton = new QPushButton(icon("connect"), tr("Connect to a service\u2026"), welcome);
    connectButton->setDefault(true);
    connect(connectButton, &QPushButton::clicked, this, [this] { showConnectDialog(); });
    auto *buttonRow = new QHBoxLayout;
    buttonRow->addStretch();
    buttonRow->addWidget(connectButton);
    buttonRow->addStretch();
    welcomeLayout->addSpacing(line);
    welcomeLayout->addLayout(buttonRow);
    welcomeLayout->addStretch(3);

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::closeService);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        updateActions();
        updateStatusBar();
    });

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(welcome);
    m_stack->addWidget(m_tabs);
    setCentralWidget(m_stack);

    m_connectionLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_connectionLabel);

    m_tray = new TrayController(this, this);
    connect(m_tray, &TrayController::summaryChanged, this, [this](const QString &summary) {
        m_summary = summary;
        setWindowTitle(m_tabs->count() == 0 ? tr("Mediaforge Monitor") : tr("%1 \u2014 Mediaforge Monitor").arg(summary));
    });

    createActions();
    createMenus();
    updateActions();
    updateStatusBar();
    // A first start showed only some columns at its default size; the size the columns ask for
    // is what the screen is asked for (a remembered geometry replaces it below).
    resize(firstStartSize(screen() ? screen()->availableGeometry().size() : QSize()));
    restoreLayout();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    m_connect = new QAction(icon("connect"), tr("&Connect to Service\u2026"), this);
    m_connect->setShortcut(QKeySequence::Open);
    m_connect->setToolTip(tr("Connect to another mediaforged service"));
    connect(m_connect, &QAction::triggered, this, [this] { showConnectDialog(); });

    m_reconnect = new QAction(icon("reconnect"), tr("&Reconnect"), this);
    m_reconnect->setShortcut(QKeySequence::Refresh);
    connect(m_reconnect, &QAction::triggered, this, [this] {
        if (ServiceView *view = currentView())
            view->session()->reconnectNow();
    });

    m_closeService = new QAction(tr("&Disconnect and Close Tab"), this);
    m_closeService->setShortcut(QKeySequence::Close);
    connect(m_closeService, &QAction::triggered, this, [this] { closeService(m_tabs->currentIndex()); });

    m_metrics = new QAction(icon("metrics"), tr("Open &Metrics"), this);
    m_metrics->setToolTip(tr("Open the service's Prometheus /metrics page in the browser"));
    connect(m_metrics, &QAction::triggered, this, &MainWindow::openMetrics);

    m_quit = new QAction(tr("&Quit"), this);
    m_quit->setShortcut(QKeySequence::Quit);
    m_quit->setMenuRole(QAction::QuitRole);
    connect(m_quit, &QAction::triggered, qApp, &QApplication::quit);

    // The job actions act on the focused table only, so that Delete and Ctrl+C keep their
    // usual meaning in the filter field.
    m_cancel = new QAction(icon("cancel"), tr("&Cancel Job\u2026"), this);
    m_cancel->setShortcut(QKeySequence::Delete);
    m_cancel->setToolTip(tr("Cancel the selected jobs (Del)"));
    connect(m_cancel, &QAction::triggered, this, [this] {
        if (ServiceView *view = currentView())
            view->cancelSelected();
    });

    m_copyJobId = new QAction(icon("copy"), tr("Copy Job &Id"), this);
    m_copyJobId->setShortcut(QKeySequence::Copy);
    connect(m_copyJobId, &QAction::triggered, this, [this] {
        if (ServiceView *view = currentView())
            view->copySelectedJobIds();
    });

    m_copyServiceId = new QAction(tr("Copy &Service-wide Id"), this);
    m_copyServiceId->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    connect(m_copyServiceId, &QAction::triggered, this, [this] {
        if (ServiceView *view = currentView())
            view->copySelectedServiceIds();
    });

    m_details = new QAction(icon("details"), tr("Job &Details\u2026"), this);
    m_details->setShortcuts({QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)});
    m_details->setToolTip(tr("Show everything about the selected job (Enter)"));
    connect(m_details, &QAction::triggered, this, [this] {
        if (ServiceView *view = currentView())
            view->showDetails();
    });

    for (QAction *action : {m_cancel, m_copyJobId, m_copyServiceId, m_details})
        action->setShortcutContext(Qt::WidgetShortcut);

    m_find = new QAction(tr("&Filter Jobs"), this);
    m_find->setShortcut(QKeySequence::Find);
    connect(m_find, &QAction::triggered, this, [this] {
        if (ServiceView *view = currentView())
            view->focusFilter();
    });

    m_healthPanel = new QAction(tr("Show &Health Panel"), this);
    m_healthPanel->setCheckable(true);
    m_healthPanel->setChecked(true);
    m_healthPanel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    connect(m_healthPanel, &QAction::toggled, this, [this](bool on) {
        for (int i = 0; i < m_tabs->count(); ++i)
            serviceView(i)->setHealthPanelVisible(on);
    });

    m_about = new QAction(tr("&About Mediaforge Monitor"), this);
    m_about->setMenuRole(QAction::AboutRole);
    connect(m_about, &QAction::triggered, this, &MainWindow::about);
}

void MainWindow::createMenus()
{
    QMenu *service = menuBar()->addMenu(tr("&Service"));
    service->addAction(m_connect);
    service->addAction(m_reconnect);
    service->addAction(m_metrics);
    service->addSeparator();
    service->addAction(m_closeService);
    service->addSeparator();
    service->addAction(m_quit);

    QMenu *job = menuBar()->addMenu(tr("&Job"));
    job->addAction(m_details);
    job->addAction(m_copyJobId);
    job->addAction(m_copyServiceId);
    job->addSeparator();
    job->addAction(m_cancel);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_find);
    view->addAction(m_healthPanel);
    // Sorting without a mouse: the header cannot take the keyboard focus.
    m_sortMenu = view->addMenu(tr("&Sort By"));
    auto *sortGroup = new QActionGroup(this);
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        const QString title = JobModel().headerData(column, Qt::Horizontal).toString();
        QAction *action = m_sortMenu->addAction(title);
        action->setCheckable(true);
        action->setData(column);
        sortGroup->addAction(action);
        connect(action, &QAction::triggered, this, [this, column] {
            if (ServiceView *view = currentView())
                view->table()->sortByColumn(column, m_sortDescending->isChecked() ? Qt::DescendingOrder : Qt::AscendingOrder);
        });
    }
    m_sortMenu->addSeparator();
    m_sortDescending = m_sortMenu->addAction(tr("&Descending"));
    m_sortDescending->setCheckable(true);
    connect(m_sortDescending, &QAction::triggered, this, [this](bool descending) {
        if (ServiceView *view = currentView())
            view->table()->sortByColumn(view->table()->horizontalHeader()->sortIndicatorSection(),
                                        descending ? Qt::DescendingOrder : Qt::AscendingOrder);
    });
    connect(m_sortMenu, &QMenu::aboutToShow, this, &MainWindow::updateSortMenu);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_about);

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setMovable(false);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_connect);
    toolbar->addAction(m_reconnect);
    toolbar->addSeparator();
    toolbar->addAction(m_details);
    toolbar->addAction(m_cancel);
    toolbar->addSeparator();
    toolbar->addAction(m_metrics);
}

ServiceView *MainWindow::addService(const QUrl &url, const QString &token)
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        ServiceSession *existing = serviceView(i)->session();
        // "ws://host:1/" and "ws://host:1" are one service.
        if (ConnectionSettings::normalizeUrl(existing->url().toString()) != ConnectionSettings::normalizeUrl(url.toString()))
            continue;
        m_tabs->setCurrentIndex(i);
        // The dialog is how a refused token gets fixed: a new token, or another try after a
        // refusal, reconnects this tab instead of being dropped.
        using State = ServiceSession::State;
        const bool refused = existing->state() == State::AuthFailed || existing->state() == State::NotAdmin;
        if (existing->token() != token || refused || !existing->isUp()) {
            existing->setToken(token);
            existing->reconnectNow();
        }
        return serviceView(i);
    }
    auto *session = new ServiceSession(url, token, m_network, this);
    auto *view = new ServiceView(session, m_tabs);
    view->setHealthPanelVisible(m_healthPanel->isChecked());
    view->table()->restoreLayout(m_tableLayout);
    view->splitter()->restoreState(m_settings.layoutValue(QStringLiteral("splitter")).toByteArray());
    connect(view, &ServiceView::tokenChangeRequested, this, [this](const QUrl &url) { showConnectDialog(url); });
    // The job actions live on each table with WidgetShortcut context, and in its context menu.
    JobTableView *table = view->table();
    table->addAction(m_details);
    table->addAction(m_copyJobId);
    table->addAction(m_copyServiceId);
    auto *separator = new QAction(table);
    separator->setSeparator(true);
    table->addAction(separator);
    table->addAction(m_cancel);

    const int index = m_tabs->addTab(view, session->displayName());
    m_tabs->setCurrentIndex(index);
    m_stack->setCurrentWidget(m_tabs);
    connect(view, &ServiceView::selectionChanged, this, &MainWindow::updateActions);
    connect(view, &ServiceView::statusMessage, this, [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    connect(session, &ServiceSession::stateChanged, this, [this, session] {
        updateTab(session);
        updateStatusBar();
        updateActions();
    });
    connect(session, &ServiceSession::countdownChanged, this, [this, session] {
        updateTab(session);
        updateStatusBar();
    });
    m_tray->addSession(session);
    session->start();
    updateTab(session);
    rememberOpenServers();
    updateActions();
    return view;
}

void MainWindow::closeService(int index)
{
    ServiceView *view = serviceView(index);
    if (!view)
        return;
    ServiceSession *session = view->session();
    m_tray->removeSession(session);
    m_tabs->removeTab(index);
    session->stop();
    view->deleteLater();
    session->deleteLater();
    if (m_tabs->count() == 0) {
        m_stack->setCurrentIndex(0);
        setWindowTitle(tr("Mediaforge Monitor"));
    }
    rememberOpenServers();
    updateActions();
    updateStatusBar();
}

int MainWindow::serviceCount() const
{
    return m_tabs->count();
}

ServiceView *MainWindow::serviceView(int index) const
{
    return qobject_cast<ServiceView *>(m_tabs->widget(index));
}

ServiceView *MainWindow::currentView() const
{
    return qobject_cast<ServiceView *>(m_tabs->currentWidget());
}

void MainWindow::updateTab(ServiceSession *session)
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (serviceView(i)->session() != session)
            continue;
        using State = ServiceSession::State;
        const bool failed = session->state() == State::AuthFailed || session->state() == State::NotAdmin;
        m_tabs->setTabIcon(i, Icons::connection(session->state() == State::Connected, failed));
        // The state in words on the tab itself when it is not simply connected: "stopping" and
        // "not answering" must not hide in a tooltip.
        // Connecting again after a loss is not the plain first connect: the data is stale.
        const bool plain = session->state() == State::Connected
                || (session->state() == State::Connecting && !session->lastContact().isValid());
        m_tabs->setTabText(i, plain ? session->displayName() : tr("%1 (%2)").arg(session->displayName(), session->stateText()));
        const QString server = session->welcome().value(QLatin1StringView("server")).toObject().value(QLatin1StringView("version")).toString();
        QString tip = session->url().toString() + u'\n' + session->stateText();
        if (!server.isEmpty())
            tip += u'\n' + tr("mediaforged %1").arg(server);
        m_tabs->setTabToolTip(i, tip);
        // Screen readers announce the tab with its state, which sighted users get from the icon.
        m_tabs->tabBar()->setAccessibleTabName(i, tr("%1, %2").arg(session->displayName(), session->stateText()));
    }
}

void MainWindow::updateStatusBar()
{
    ServiceView *view = currentView();
    if (!view) {
        m_connectionLabel->setText(tr("Not connected"));
        return;
    }
    ServiceSession *session = view->session();
    m_connectionLabel->setText(tr("%1: %2").arg(session->displayName(), session->stateText()));
}

void MainWindow::updateActions()
{
    ServiceView *view = currentView();
    const bool connected = view && view->session()->isLive();
    m_reconnect->setEnabled(view != nullptr);
    m_closeService->setEnabled(view != nullptr);
    m_metrics->setEnabled(view && !view->session()->metricsUrl().isEmpty());
    m_find->setEnabled(view != nullptr);
    const bool selection = view && view->hasSelection();
    m_details->setEnabled(selection);
    m_copyJobId->setEnabled(selection);
    m_copyServiceId->setEnabled(selection);
    m_cancel->setEnabled(connected && !view->cancellableSelection().isEmpty());
}

ConnectDialog *MainWindow::connectDialog() const
{
    return findChild<ConnectDialog *>();
}

void MainWindow::showConnectDialog(const QUrl &url)
{
    if (ConnectDialog *open = connectDialog()) {
        open->raise();
        return;
    }
    auto *dialog = new ConnectDialog(m_settings, this);
    QUrl fill = url;
    if (fill.isEmpty()) {
        if (ServiceView *view = currentView()) {
            using State = ServiceSession::State;
            const State state = view->session()->state();
            if (state == State::AuthFailed || state == State::NotAdmin)
                fill = view->session()->url();
        }
    }
    if (!fill.isEmpty())
        dialog->setUrl(fill);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowModality(Qt::WindowModal);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const ConnectionSettings::Server server = dialog->server();
        addService(server.url, server.token);
    });
    dialog->open();
}

void MainWindow::openMetrics()
{
    if (ServiceView *view = currentView()) {
        const QUrl url = view->session()->metricsUrl();
        if (!url.isEmpty() && !QDesktopServices::openUrl(url))
            statusBar()->showMessage(tr("No browser could open %1").arg(url.toString()), 8000);
    }
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About Mediaforge Monitor"),
                       tr("<h3>Mediaforge Monitor %1</h3>"
                          "<p>Watches and steers mediaforged services: live jobs, workers, health and throughput.</p>"
                          "<p>Licensed under the GNU General Public License, version 3 or later.</p>")
                               .arg(QStringLiteral(MEDIAFORGE_VERSION)));
}

void MainWindow::rememberOpenServers()
{
    QList<QUrl> urls;
    for (int i = 0; i < m_tabs->count(); ++i)
        urls.append(serviceView(i)->session()->url());
    m_settings.setOpenServers(urls);
}

void MainWindow::updateSortMenu()
{
    ServiceView *view = currentView();
    const QHeaderView *header = view ? view->table()->horizontalHeader() : nullptr;
    for (QAction *action : m_sortMenu->actions()) {
        action->setEnabled(view != nullptr);
        if (action->isCheckable() && action != m_sortDescending)
            action->setChecked(header && action->data().toInt() == header->sortIndicatorSection());
    }
    m_sortDescending->setChecked(header && header->sortIndicatorOrder() == Qt::DescendingOrder);
}

QSize MainWindow::firstStartSize(const QSize &available) const
{
    const int line = fontMetrics().height();
    // The widths the table gives its columns, measured on a table of its own.
    JobModel model;
    JobTableView table;
    table.setModel(&model);
    // Side panel (its splitter share), splitter handle and the margins around them.
    QSize wanted(table.preferredWidth() + line * 22 + line * 2, line * 56);
    if (available.isValid())
        wanted = wanted.boundedTo(available * 0.9);
    return wanted.expandedTo(QSize(1000, 650));
}

void MainWindow::saveLayout()
{
    m_settings.setLayoutValue(QStringLiteral("geometry"), saveGeometry());
    m_settings.setLayoutValue(QStringLiteral("healthPanel"), m_healthPanel->isChecked());
    if (ServiceView *view = currentView()) {
        m_tableLayout = view->table()->saveLayout();
        m_settings.setLayoutValue(QStringLiteral("columns"), m_tableLayout);
        m_settings.setLayoutValue(QStringLiteral("splitter"), view->splitter()->saveState());
    }
}

void MainWindow::restoreLayout()
{
    const QByteArray geometry = m_settings.layoutValue(QStringLiteral("geometry")).toByteArray();
    if (!geometry.isEmpty())
        restoreGeometry(geometry);
    m_healthPanel->setChecked(m_settings.layoutValue(QStringLiteral("healthPanel"), true).toBool());
    m_tableLayout = m_settings.layoutValue(QStringLiteral("columns")).toByteArray();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveLayout();
    rememberOpenServers();
    QMainWindow::closeEvent(event);
}

} // namespace Mediaforge::Monitor
