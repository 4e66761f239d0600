// SPDX-License-Identifier: GPL-3.0-or-later
#include "watchcommand.h"

#include "clientconnection.h"
#include "console.h"
#include "format.h"
#include "jobview.h"
#include "protocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <QPointer>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace Mediaforge::Cli {

using namespace Protocol;

namespace {

constexpr int kRedrawIntervalMs = 250;
constexpr int kFinishedShown = 10;

bool isTerminalStatus(const QJsonObject &job)
{
    return JobView::isFinished(job.value(Field::Status).toString());
}

} // namespace

WatchCommand::WatchCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent)
    : Task(command, connection, console, parent)
{
}

void WatchCommand::start()
{
    connect(&m_connection, &ClientConnection::messageReceived, this, &WatchCommand::onMessage);
    QPointer<WatchCommand> self(this);
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::Subscribe)}}, [self](const QJsonObject &reply) {
        if (!self || self->isDone())
            return;
        if (reply.value(Field::Type).toString() != Type::Subscribed) {
            self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
            return;
        }
        self->m_subscribed = true;
        // The feed only tells what changes; the table starts from what exists.
        self->m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::ListJobs)}, {QString(Field::Limit), 100}},
                                   [self](const QJsonObject &list) {
                                       if (!self || self->isDone() || list.value(Field::Type).toString() != Type::Jobs)
                                           return;
                                       const QJsonArray jobs = list.value(Field::Jobs).toArray();
                                       for (const QJsonValue &job : jobs) {
                                           const QJsonObject object = job.toObject();
                                           if (!self->m_jobs.contains(object.value(Field::Id).toString()))
                                               self->remember(object);
                                       }
                                       if (self->m_console.outIsTerminal() && !self->jsonMode())
                                           self->scheduleRedraw();
                                   });
        if (self->jsonMode())
            self->printJsonLine(reply);
        else if (!self->m_console.outIsTerminal())
            self->m_console.out(tr("watching %1 (Ctrl-C stops)").arg(self->serverText()) + u'\n');
        else
            self->scheduleRedraw();
    });
}

void WatchCommand::remember(const QJsonObject &job)
{
    m_jobs.insert(job.value(Field::Id).toString(), job);
    // Finished jobs beyond the newest few leave the table.
    QList<QJsonObject> finished;
    for (const QJsonObject &each : std::as_const(m_jobs)) {
        if (isTerminalStatus(each))
            finished.append(each);
    }
    if (finished.size() > kFinishedShown) {
        std::sort(finished.begin(), finished.end(), [](const QJsonObject &a, const QJsonObject &b) {
            return a.value(QStringLiteral("created_at")).toString() > b.value(QStringLiteral("created_at")).toString();
        });
        for (qsizetype i = kFinishedShown; i < finished.size(); ++i)
            m_jobs.remove(finished.at(i).value(Field::Id).toString());
    }
}

void WatchCommand::onMessage(const QJsonObject &message)
{
    if (isDone() || !m_subscribed)
        return;
    const QString type = message.value(Field::Type).toString();
    if (type != Type::JobEvent && type != Type::Stats)
        return;
    if (jsonMode()) {
        printJsonLine(message);
        return;
    }
    if (type == Type::Stats) {
        m_stats = message.value(Field::Stats).toObject();
        if (m_console.outIsTerminal())
            scheduleRedraw();
        return;
    }
    const QString event = message.value(Field::Event).toString();
    const QJsonObject job = message.value(Field::Job).toObject();
    remember(job);
    if (m_console.outIsTerminal()) {
        scheduleRedraw();
        return;
    }
    const QString id = job.value(Field::Id).toString();
    if (event == QLatin1StringView("progress")) {
        const int decile = int(std::floor(job.value(Field::Percentage).toDouble() / 10.0));
        if (decile <= m_loggedDecile.value(id, -1))
            return;
        m_loggedDecile.insert(id, decile);
    } else if (event == QLatin1StringView("stage")) {
        m_loggedDecile.remove(id);
    }
    m_console.out(eventLine(event, job) + u'\n');
}

QString WatchCommand::eventLine(const QString &event, const QJsonObject &job)
{
    QString line = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")) + u' ' + event.leftJustified(9) + u' '
            + job.value(Field::Id).toString() + u' ' + job.value(Field::JobId).toString() + u' '
            + job.value(Field::Operation).toString() + u' ';
    // A running job is where its stage is; a finished one is its status.
    const QString status = job.value(Field::Status).toString();
    line += JobView::isFinished(status) ? JobView::statusLabel(status) : ProgressRenderer::plainLine(JobView::progressOf(job));
    if (job.contains(Field::Error)) {
        const QJsonObject error = job.value(Field::Error).toObject();
        line += QStringLiteral(" %1: %2").arg(error.value(Field::Code).toString(), error.value(Field::Message).toString());
    }
    if (job.contains(QStringLiteral("owner")))
        line += QStringLiteral(" [%1]").arg(job.value(QStringLiteral("owner")).toString());
    return line;
}

QList<QJsonObject> WatchCommand::visibleJobs() const
{
    QList<QJsonObject> jobs = m_jobs.values();
    std::sort(jobs.begin(), jobs.end(), [](const QJsonObject &a, const QJsonObject &b) {
        const bool aDone = isTerminalStatus(a);
        const bool bDone = isTerminalStatus(b);
        if (aDone != bDone)
            return !aDone;
        return a.value(QStringLiteral("created_at")).toString() > b.value(QStringLiteral("created_at")).toString();
    });
    return jobs;
}

QString WatchCommand::screen(const QList<QJsonObject> &jobs, const QJsonObject &stats, int width)
{
    QString text;
    if (!stats.isEmpty()) {
        auto count = [&stats](const char *key) { return stats.value(QLatin1StringView(key)).toInt(); };
        int busy = 0;
        const QJsonArray workers = stats.value(Field::Workers).toArray();
        for (const QJsonValue &worker : workers)
            busy += worker.toObject().value(QStringLiteral("busy")).toBool() ? 1 : 0;
        text += tr("workers %1/%2 busy, %3 queued; %4 completed, %5 failed, %6 cancelled; connections: %7")
                        .arg(busy)
                        .arg(workers.size())
                        .arg(count("queued_jobs"))
                        .arg(count("completed_jobs"))
                        .arg(count("failed_jobs"))
                        .arg(count("cancelled_jobs"))
                        .arg(count("connections"))
                + u'\n';
    }
    if (jobs.isEmpty()) {
        text += tr("no jobs") + u'\n';
    } else {
        TextTable table({tr("ID"), tr("JOB ID"), tr("OWNER"), tr("OPERATION"), tr("STATUS"), tr("PROGRESS"), tr("SPEED"), tr("ETA")},
                        {false, false, false, false, false, true, true, true});
        for (const QJsonObject &job : jobs) {
            const QString status = job.value(Field::Status).toString();
            const bool running = !JobView::isFinished(status);
            const double speed = job.value(Field::Speed).toDouble(-1);
            const double eta = job.value(Field::EtaSeconds).toDouble(-1);
            table.addRow({job.value(Field::Id).toString().left(12), job.value(Field::JobId).toString(),
                          job.value(QStringLiteral("owner")).toString(), job.value(Field::Operation).toString(),
                          JobView::statusLabel(status),
                          running || status == QLatin1StringView("completed")
                                  ? Format::number(job.value(Field::Percentage).toDouble(), 1) + u'%'
                                  : QString(),
                          running && speed > 0 ? Format::speed(speed) : QString(),
                          running && eta >= 0 ? Format::clock(eta) : QString()});
        }
        text += table.render();
    }
    // Lines wider than the terminal would wrap and break the redraw.
    QStringList lines = text.split(u'\n');
    if (lines.constLast().isEmpty())
        lines.removeLast();
    for (QString &line : lines)
        line = line.left(std::max(1, width - 1));
    return lines.join(u'\n') + u'\n';
}

void WatchCommand::scheduleRedraw()
{
    if (!m_redrawTimer) {
        m_redrawTimer = new QTimer(this);
        m_redrawTimer->setSingleShot(true);
        connect(m_redrawTimer, &QTimer::timeout, this, &WatchCommand::redraw);
    }
    if (!m_redrawTimer->isActive())
        m_redrawTimer->start(kRedrawIntervalMs);
}

void WatchCommand::redraw()
{
    if (isDone())
        return;
    const QString text = screen(visibleJobs(), m_stats, m_console.outWidth());
    QString prefix;
    // Back to the top of the previous drawing, then clear everything below it.
    if (m_drawnLines > 0)
        prefix = QStringLiteral("\x1b[%1A").arg(m_drawnLines);
    prefix += QStringLiteral("\r\x1b[J");
    m_console.out(prefix + text);
    m_drawnLines = int(text.count(u'\n'));
}

void WatchCommand::interrupt(int)
{
    // Ctrl-C is how watching ends, not a failure.
    if (m_redrawTimer && m_redrawTimer->isActive()) {
        m_redrawTimer->stop();
        redraw();
    }
    done(toInt(ExitCode::Success));
}

} // namespace Mediaforge::Cli
