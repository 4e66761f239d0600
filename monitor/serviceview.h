// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobrecord.h"

#include <QUrl>
#include <QWidget>

class QAction;
class QFrame;
class QLabel;
class QLineEdit;
class QMessageBox;
class QPushButton;
class QSplitter;
class QToolButton;

namespace Mediaforge::Monitor {

class HealthPanel;
class JobFilterProxy;
class JobTableView;
class ServiceSession;
class SummaryStrip;

// One service's page: connection banner, summary strip, filter, jobs table and health panel.
// The job actions (cancel, copy, details) work on this page's selection; the main window owns
// the QActions and calls in here.
class ServiceView : public QWidget
{
    Q_OBJECT
public:
    explicit ServiceView(ServiceSession *session, QWidget *parent = nullptr);

    ServiceSession *session() const { return m_session; }
    JobTableView *table() const { return m_table; }
    JobFilterProxy *proxy() const { return m_proxy; }
    SummaryStrip *summary() const { return m_summary; }
    HealthPanel *healthPanel() const { return m_health; }
    QLineEdit *filterEdit() const { return m_filter; }
    QWidget *banner() const;
    QString bannerText() const;

    // Unfinished selected jobs (what cancel would act on).
    QStringList cancellableSelection() const;
    bool hasSelection() const;

    // Asks for confirmation (a window-modal message box, non-blocking), then cancels.
    void cancelSelected();
    // The message box of a pending cancel, if one is open (tests accept it).
    QMessageBox *pendingConfirmation() const;
    void copySelectedJobIds();
    void copySelectedServiceIds();
    void showDetails();
    void focusFilter();
    // Selects and shows the job with this service-wide id, if listed.
    void selectJob(const QString &id);
    void setHealthPanelVisible(bool visible);
    bool isHealthPanelVisible() const;
    QSplitter *splitter() const { return m_splitter; }
    QToolButton *statusButton() const { return m_statusButton; }
    // "Load older jobs": shown while the service has more history than the table lists.
    QPushButton *olderJobsButton() const { return m_olderButton; }
    // Selects the first row the filter leaves and gives the table the keyboard.
    void selectFirstMatch();

signals:
    void selectionChanged();
    void statusMessage(const QString &message);
    // The banner's "Change token…": the connect dialog, filled with this service's URL.
    void tokenChangeRequested(const QUrl &url);

private:
    void updateBanner();
    void updateEmptyText();
    void updateStatusMenu();
    void updateHistory();
    void applySolo(std::optional<StatusGroup> group);

    ServiceSession *m_session;
    JobFilterProxy *m_proxy;
    JobTableView *m_table;
    QPushButton *m_olderButton = nullptr;
    SummaryStrip *m_summary;
    HealthPanel *m_health;
    QWidget *m_healthScroll;
    QSplitter *m_splitter;
    QLineEdit *m_filter;
    QToolButton *m_statusButton;
    QList<QAction *> m_statusActions;
    QFrame *m_banner;
    QLabel *m_bannerIcon;
    QLabel *m_bannerText;
    QPushButton *m_reconnect;
    QPushButton *m_changeToken;
    QList<int> m_splitterSizes;
    QMessageBox *m_confirmation = nullptr;
};

} // namespace Mediaforge::Monitor
