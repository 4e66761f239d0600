// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobmodel.h"

#include <QList>
#include <QObject>
#include <QPointer>

class QMenu;
class QSystemTrayIcon;
class QTimer;
class QWidget;

namespace Mediaforge::Monitor {

class ServiceSession;

// The system tray entry, where the platform has a tray: a tooltip that sums up every service
// (running, queued, failed) and a notification when a job fails. Failures that come in a
// burst are told in one notification, not one each.
class TrayController : public QObject
{
    Q_OBJECT
public:
    explicit TrayController(QWidget *window, QObject *parent = nullptr);
    ~TrayController() override;

    void addSession(ServiceSession *session);
    void removeSession(ServiceSession *session);
    bool isAvailable() const { return m_icon != nullptr; }

    // "2 running · 5 queued · 1 failed" over all sessions, and how many are connected.
    QString summary() const;
    static QString summaryText(const JobModel::Counts &counts, int services, int connected);
    // Title and body of the notification for these failures on `service`.
    static std::pair<QString, QString> failureNotification(const QList<JobRecord> &failures, const QString &service);
    // Failures waiting for the next notification (tests).
    int pendingFailures() const;

signals:
    // The summary changed (the main window puts it in its title, too).
    void summaryChanged(const QString &summary);
    // A notification would have been shown (also where there is no tray; tests listen).
    void notified(const QString &title, const QString &body);

private:
    void refresh();
    void onJobFailed(ServiceSession *session, const JobRecord &record);
    void flushFailures();

    QPointer<QWidget> m_window;
    QSystemTrayIcon *m_icon = nullptr;
    QMenu *m_menu = nullptr;
    QList<QPointer<ServiceSession>> m_sessions;
    QList<std::pair<QPointer<ServiceSession>, JobRecord>> m_failures;
    QTimer *m_notifyTimer;
    QString m_lastSummary;
};

} // namespace Mediaforge::Monitor
