// SPDX-License-Identifier: GPL-3.0-or-later
#include "traycontroller.h"

#include "servicesession.h"
#include "statusicons.h"

#include <QApplication>
#include <QMenu>
#include <QSystemTrayIcon>
#include <QTimer>
#include <QWidget>

namespace Mediaforge::Monitor {

TrayController::TrayController(QWidget *window, QObject *parent)
    : QObject(parent), m_window(window), m_notifyTimer(new QTimer(this))
{
    m_notifyTimer->setSingleShot(true);
    m_notifyTimer->setInterval(1500);
    connect(m_notifyTimer, &QTimer::timeout, this, &TrayController::flushFailures);
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_icon = new QSystemTrayIcon(Icons::application(), this);
    m_menu = new QMenu;
    connect(m_menu->addAction(tr("Show monitor")), &QAction::triggered, this, [this] {
        if (m_window) {
            m_window->showNormal();
            m_window->raise();
            m_window->activateWindow();
        }
    });
    m_menu->addSeparator();
    connect(m_menu->addAction(tr("Quit")), &QAction::triggered, qApp, &QApplication::quit);
    m_icon->setContextMenu(m_menu);
    connect(m_icon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason != QSystemTrayIcon::Trigger || !m_window)
            return;
        if (m_window->isVisible() && !m_window->isMinimized() && m_window->isActiveWindow()) {
            m_window->hide();
        } else {
            m_window->showNormal();
            m_window->raise();
            m_window->activateWindow();
        }
    });
    connect(m_icon, &QSystemTrayIcon::messageClicked, this, [this] {
        if (m_window) {
            m_window->showNormal();
            m_window->activateWindow();
        }
    });
    m_icon->show();
    refresh();
}

TrayController::~TrayController()
{
    delete m_menu;
}

void TrayController::addSession(ServiceSession *session)
{
    m_sessions.append(session);
    connect(session->model(), &JobModel::countsChanged, this, &TrayController::refresh);
    connect(session, &ServiceSession::stateChanged, this, &TrayController::refresh);
    connect(session, &ServiceSession::liveChanged, this, &TrayController::refresh);
    connect(session->model(), &JobModel::jobFailed, this,
            [this, session](const JobRecord &record) { onJobFailed(session, record); });
    refresh();
}

void TrayController::removeSession(ServiceSession *session)
{
    m_sessions.removeIf([session](const QPointer<ServiceSession> &other) { return !other || other == session; });
    session->model()->disconnect(this);
    session->disconnect(this);
    refresh();
}

QString TrayController::summaryText(const JobModel::Counts &counts, int services, int connected)
{
    QStringList parts;
    parts.append(tr("%n running", nullptr, counts.of(StatusGroup::Running)));
    parts.append(tr("%n queued", nullptr, counts.of(StatusGroup::Queued) + counts.of(StatusGroup::Input)));
    if (counts.of(StatusGroup::Failed) > 0)
        parts.append(tr("%n failed", nullptr, counts.of(StatusGroup::Failed)));
    QString text = parts.join(QStringLiteral(" \u00b7 "));
    if (services == 0)
        return tr("No service connected");
    if (connected < services)
        text += QStringLiteral(" \u2014 ") + tr("%1 of %n service(s) connected", nullptr, services).arg(connected);
    return text;
}

QString TrayController::summary() const
{
    JobModel::Counts total;
    int services = 0;
    int connected = 0;
    for (const auto &session : m_sessions) {
        if (!session)
            continue;
        ++services;
        // A frozen service is not counted as connected: the summary must not look live.
        connected += session->isLive() ? 1 : 0;
        const JobModel::Counts counts = session->model()->counts();
        for (size_t i = 0; i < total.groups.size(); ++i)
            total.groups[i] += counts.groups[i];
    }
    return summaryText(total, services, connected);
}

void TrayController::refresh()
{
    const QString text = summary();
    if (text == m_lastSummary)
        return;
    m_lastSummary = text;
    if (m_icon)
        m_icon->setToolTip(tr("Mediaforge Monitor") + u'\n' + text);
    emit summaryChanged(text);
}

int TrayController::pendingFailures() const
{
    return int(m_failures.size());
}

void TrayController::onJobFailed(ServiceSession *session, const JobRecord &record)
{
    m_failures.append({session, record});
    if (!m_notifyTimer->isActive())
        m_notifyTimer->start();
}

std::pair<QString, QString> TrayController::failureNotification(const QList<JobRecord> &failures, const QString &service)
{
    if (failures.isEmpty())
        return {};
    if (failures.size() == 1) {
        const JobRecord &job = failures.first();
        QString body = tr("%1 (%2) on %3").arg(job.jobId, StatusText::operation(job.operation), service);
        // Why, in the interface's language; the service's own (English) words follow as the detail.
        body += u'\n' + StatusText::errorShort(job.errorCode);
        if (!job.errorMessage.isEmpty())
            body += QStringLiteral(" \u2014 \u201c") + job.errorMessage + QStringLiteral("\u201d");
        return {tr("Job failed"), body};
    }
    QStringList names;
    for (qsizetype i = 0; i < failures.size() && i < 3; ++i)
        names.append(failures.at(i).jobId);
    QString body = names.join(QStringLiteral(", "));
    if (failures.size() > 3)
        body += QStringLiteral(", \u2026");
    //: Notification body when several jobs failed at once: their ids, then the service
    return {tr("%n jobs failed", nullptr, int(failures.size())), tr("%1 on %2").arg(body, service)};
}

void TrayController::flushFailures()
{
    // One notification per service, in the order the services failed.
    while (!m_failures.isEmpty()) {
        const QPointer<ServiceSession> session = m_failures.first().first;
        QList<JobRecord> jobs;
        for (auto it = m_failures.begin(); it != m_failures.end();) {
            if (it->first == session) {
                jobs.append(it->second);
                it = m_failures.erase(it);
            } else {
                ++it;
            }
        }
        const auto [title, body] = failureNotification(jobs, session ? session->displayName() : QString());
        if (m_icon)
            m_icon->showMessage(title, body, QSystemTrayIcon::Warning, 10000);
        emit notified(title, body);
    }
}

} // namespace Mediaforge::Monitor
