// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectionsettings.h"

#include <QMainWindow>

class QAction;
class QMenu;
class QLabel;
class QNetworkAccessManager;
class QStackedWidget;
class QTabWidget;

namespace Mediaforge::Monitor {

class ConnectDialog;
class ServiceSession;
class ServiceView;
class TrayController;

// The monitor's window: one tab per service, the job actions in menus, a toolbar and the
// table's context menu, the connection state in the status bar, and the tray entry.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    MainWindow(ConnectionSettings &settings, QNetworkAccessManager *network, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens a tab for the service and connects. For a service that already has a tab, that tab
    // is shown and, with a new token or after a refusal, reconnects with `token`.
    ServiceView *addService(const QUrl &url, const QString &token);
    void closeService(int index);
    int serviceCount() const;
    ServiceView *serviceView(int index) const;
    ServiceView *currentView() const;
    TrayController *tray() const { return m_tray; }
    // Opens the connect dialog (window-modal, non-blocking), filled with `url` or, when the
    // current tab's token was refused, with that tab's URL.
    void showConnectDialog(const QUrl &url = {});
    // The dialog showConnectDialog() opened, while it is open (tests fill it in).
    ConnectDialog *connectDialog() const;
    QMenu *sortMenu() const { return m_sortMenu; }
    // Window geometry, column layout and side panel, to and from the settings.
    void saveLayout();
    void restoreLayout();
    // The size of a first start on a screen of `available` size: every column of the table
    // beside the side panel, as far as 90 % of the screen allows, and never below the
    // smallest layout the window is made for (1000x650).
    QSize firstStartSize(const QSize &available) const;

    QAction *cancelAction() const { return m_cancel; }
    QAction *copyJobIdAction() const { return m_copyJobId; }
    QAction *copyServiceIdAction() const { return m_copyServiceId; }
    QAction *detailsAction() const { return m_details; }
    QAction *findAction() const { return m_find; }
    QAction *metricsAction() const { return m_metrics; }
    QAction *connectAction() const { return m_connect; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createMenus();
    void updateActions();
    void updateTab(ServiceSession *session);
    void updateStatusBar();
    void openMetrics();
    void about();
    void rememberOpenServers();
    void updateSortMenu();

    ConnectionSettings &m_settings;
    QNetworkAccessManager *m_network;
    QStackedWidget *m_stack;
    QTabWidget *m_tabs;
    QLabel *m_connectionLabel;
    TrayController *m_tray;
    QString m_summary;

    QAction *m_connect = nullptr;
    QAction *m_reconnect = nullptr;
    QAction *m_closeService = nullptr;
    QAction *m_metrics = nullptr;
    QAction *m_quit = nullptr;
    QAction *m_cancel = nullptr;
    QAction *m_copyJobId = nullptr;
    QAction *m_copyServiceId = nullptr;
    QAction *m_details = nullptr;
    QAction *m_find = nullptr;
    QAction *m_healthPanel = nullptr;
    QAction *m_about = nullptr;
    QMenu *m_sortMenu = nullptr;
    QAction *m_sortDescending = nullptr;
    QByteArray m_tableLayout;   // applied to every new tab
};

} // namespace Mediaforge::Monitor
