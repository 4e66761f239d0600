// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectionsettings.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QNetworkAccessManager;
class QStackedWidget;
class QTabWidget;

namespace Mediaforge::Monitor {

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

    // Opens a tab for the service (or shows the one already open) and connects.
    ServiceView *addService(const QUrl &url, const QString &token);
    void closeService(int index);
    int serviceCount() const;
    ServiceView *serviceView(int index) const;
    ServiceView *currentView() const;
    TrayController *tray() const { return m_tray; }
    // Opens the connect dialog (window-modal, non-blocking).
    void showConnectDialog();

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
};

} // namespace Mediaforge::Monitor
