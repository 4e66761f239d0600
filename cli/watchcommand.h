// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "task.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>

class QTimer;

namespace Mediaforge::Cli {

// `watch` (admins): subscribes to the event feed and shows every job. On a terminal a table
// redrawn in place; otherwise one line per event (progress every 10 %); --json the service's
// messages as they come. Ends with Ctrl-C, exit 0.
class WatchCommand : public Task
{
    Q_OBJECT
public:
    WatchCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent = nullptr);

    void start() override;
    void interrupt(int signalNumber) override;

    // The terminal view: a stats line and the jobs table, each line cut to `width` - 1.
    static QString screen(const QList<QJsonObject> &jobs, const QJsonObject &stats, int width);
    // The log line of one job_event.
    static QString eventLine(const QString &event, const QJsonObject &job);

private:
    void onMessage(const QJsonObject &message);
    void remember(const QJsonObject &job);
    void scheduleRedraw();
    void redraw();
    QList<QJsonObject> visibleJobs() const;

    QHash<QString, QJsonObject> m_jobs;   // by id
    QHash<QString, int> m_loggedDecile;   // log mode: last progress decile printed per job
    QJsonObject m_stats;
    QTimer *m_redrawTimer = nullptr;
    int m_drawnLines = 0;
    bool m_subscribed = false;
};

} // namespace Mediaforge::Cli
