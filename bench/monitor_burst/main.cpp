// SPDX-License-Identifier: GPL-3.0-or-later
// How long the monitor takes to take in a burst of 10,000 jobs: for each one an `accepted`, a
// `progress` and a `completed` job_event, as JSON text the way they come off the socket.
// Compared, in the same run, with merely parsing the same messages into a QHash (the least any
// client must do). Target: under a second for the coalesced paths.

#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobtableview.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace Mediaforge::Monitor;

namespace {

constexpr int kJobs = 10000;
constexpr int kRounds = 3;

QJsonObject snapshot(int i, const QString &status, double percentage, int queuePosition = 0)
{
    const QDateTime created = QDateTime(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC).addMSecs(qint64(i) * 37);
    QJsonObject job{{QStringLiteral("id"), QStringLiteral("9f%1c0de").arg(i, 8, 16, QLatin1Char('0'))},
                    {QStringLiteral("job_id"), QStringLiteral("job-%1").arg(i)},
                    {QStringLiteral("operation"), i % 3 == 0 ? QStringLiteral("compress") : QStringLiteral("thumbnail")},
                    {QStringLiteral("status"), status},
                    {QStringLiteral("stage"), status == QLatin1StringView("processing") ? QStringLiteral("processing")
                                                                                         : QStringLiteral("queued")},
                    {QStringLiteral("percentage"), percentage},
                    {QStringLiteral("priority"), QStringLiteral("normal")},
                    {QStringLiteral("detach"), false},
                    {QStringLiteral("created_at"), created.toString(Qt::ISODateWithMs)},
                    {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("upload")},
                                                          {QStringLiteral("name"), QStringLiteral("camera-%1.mov").arg(i)},
                                                          {QStringLiteral("size"), 10485760 + i}}},
                    {QStringLiteral("options"), QJsonObject{{QStringLiteral("preset"), QStringLiteral("medium")}}},
                    {QStringLiteral("owner"), QStringLiteral("render-farm-%1").arg(i % 7)}};
    if (queuePosition > 0)
        job.insert(QStringLiteral("queue_position"), queuePosition);
    if (status != QLatin1StringView("queued"))
        job.insert(QStringLiteral("started_at"), created.addSecs(1).toString(Qt::ISODateWithMs));
    if (status == QLatin1StringView("processing")) {
        job.insert(QStringLiteral("speed"), 2.4);
        job.insert(QStringLiteral("fps"), 61.0);
        job.insert(QStringLiteral("eta_seconds"), 9.5);
        job.insert(QStringLiteral("out_time_seconds"), 10.0);
        job.insert(QStringLiteral("duration_seconds"), 20.0);
    }
    if (status == QLatin1StringView("completed")) {
        job.insert(QStringLiteral("finished_at"), created.addSecs(20).toString(Qt::ISODateWithMs));
        job.insert(QStringLiteral("timings"), QJsonObject{{QStringLiteral("queued_seconds"), 0.5},
                                                          {QStringLiteral("input_seconds"), 0.2},
                                                          {QStringLiteral("processing_seconds"), 19.0},
                                                          {QStringLiteral("total_seconds"), 19.7}});
        job.insert(QStringLiteral("outputs"),
                   QJsonArray{QJsonObject{{QStringLiteral("filename"), QStringLiteral("camera-%1_compressed.mp4").arg(i)},
                                          {QStringLiteral("size_bytes"), 5242880},
                                          {QStringLiteral("mime"), QStringLiteral("video/mp4")},
                                          {QStringLiteral("sha256"), QString(64, u'a')}}});
    }
    return job;
}

// The wire messages, in the order a busy service would send them: jobs overlap, so the three
// events of one job are spread over the burst, and about fifty wait in the queue at any time
// (each enters at the back with its place, the front one leaves as it starts).
QList<QByteArray> burst()
{
    QList<QByteArray> messages;
    messages.reserve(kJobs * 3);
    auto message = [](const QString &event, const QJsonObject &job) {
        return QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("job_event")},
                                         {QStringLiteral("event"), event},
                                         {QStringLiteral("job"), job}})
                .toJson(QJsonDocument::Compact);
    };
    constexpr int kOverlap = 50;
    for (int i = 0; i < kJobs + 2 * kOverlap; ++i) {
        if (i < kJobs)
            messages.append(message(QStringLiteral("accepted"), snapshot(i, QStringLiteral("queued"), 0, std::min(i, kOverlap) + 1)));
        if (i - kOverlap >= 0 && i - kOverlap < kJobs)
            messages.append(message(QStringLiteral("progress"), snapshot(i - kOverlap, QStringLiteral("processing"), 50)));
        if (i - 2 * kOverlap >= 0 && i - 2 * kOverlap < kJobs)
            messages.append(message(QStringLiteral("completed"), snapshot(i - 2 * kOverlap, QStringLiteral("completed"), 100)));
    }
    return messages;
}

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.at(values.size() / 2);
}

// Runs `round` `rounds` times on fresh state; each returns its time in milliseconds (set-up and
// checks excluded). The median is the figure.
double measure(const std::function<double()> &round, int rounds = kRounds)
{
    QList<double> times;
    for (int i = 0; i < rounds; ++i)
        times.append(round());
    return median(times);
}

double millisecondsOf(const QElapsedTimer &timer)
{
    return double(timer.nsecsElapsed()) / 1e6;
}

void feed(JobModel &model, const QList<QByteArray> &messages)
{
    for (const QByteArray &text : messages) {
        const QJsonObject message = QJsonDocument::fromJson(text).object();
        model.enqueueEvent(message.value(QLatin1StringView("event")).toString(),
                           message.value(QLatin1StringView("job")).toObject());
    }
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication application(argc, argv);
    const QList<QByteArray> messages = burst();
    qint64 bytes = 0;
    for (const QByteArray &message : messages)
        bytes += message.size();
    std::printf("monitor_burst: %d jobs, %lld job_event messages, %.1f MB of JSON, median of %d rounds\n", kJobs,
                qlonglong(messages.size()), double(bytes) / 1e6, kRounds);

    const double baseline = measure([&] {
        QHash<QString, QJsonObject> jobs;
        QElapsedTimer timer;
        timer.start();
        for (const QByteArray &text : messages) {
            const QJsonObject job = QJsonDocument::fromJson(text).object().value(QLatin1StringView("job")).toObject();
            jobs.insert(job.value(QLatin1StringView("id")).toString(), job);
        }
        const double ms = millisecondsOf(timer);
        if (jobs.size() != kJobs)
            qFatal("baseline lost jobs");
        return ms;
    });

    auto check = [](const JobModel &model) {
        if (model.rowCount() != kJobs || model.counts().of(StatusGroup::Completed) != kJobs)
            qFatal("the model does not hold %d completed jobs", kJobs);
    };

    // The model alone: events queued as they arrive, applied in one batch.
    const double modelOnly = measure([&] {
        JobModel model;
        model.setCoalesceInterval(50);
        QElapsedTimer timer;
        timer.start();
        feed(model, messages);
        model.flush();
        const double ms = millisecondsOf(timer);
        check(model);
        return ms;
    });

    const double modelEveryEvent = measure([&] {
        JobModel model;
        model.setCoalesceInterval(0);
        QElapsedTimer timer;
        timer.start();
        feed(model, messages);
        const double ms = millisecondsOf(timer);
        check(model);
        return ms;
    });

    // What the operator has on screen: the model behind the sort/filter proxy (sorted by
    // activity) and a visible table, with the event loop run until the table has repainted.
    auto withView = [&](int coalesceMs, int rounds) {
        return measure(
                [&] {
            JobModel model;
            model.setCoalesceInterval(coalesceMs);
            JobFilterProxy proxy;
            proxy.setSourceModel(&model);
            JobTableView view;
            view.setModel(&proxy);
            view.sortByColumn(JobModel::StatusColumn, Qt::AscendingOrder);
            view.resize(1400, 900);
            view.show();
            QCoreApplication::processEvents();
            QElapsedTimer timer;
            timer.start();
            // As off a socket: a few hundred messages per read, the event loop in between.
            for (qsizetype i = 0; i < messages.size(); i += 256) {
                feed(model, messages.mid(i, 256));
                QCoreApplication::processEvents();
            }
            model.flush();
            view.repaint();
            const double ms = millisecondsOf(timer);
            check(model);
            return ms;
                },
                rounds);
    };
    const double coalesced = withView(50, kRounds);
    // Without coalescing every event is a row insertion or a re-sort of its own; one round is
    // enough to see why the model batches.
    const double everyEvent = withView(0, 1);

    const bool met = modelOnly < 1000 && coalesced < 1000;
    auto line = [&](const char *what, double ms) {
        std::printf("  %-58s %8.1f ms  %5.2fx baseline\n", what, ms, ms / baseline);
    };
    std::printf("  %-58s %8.1f ms\n", "baseline: parse into a QHash<id, snapshot>", baseline);
    line("JobModel, coalesced (parse + apply)", modelOnly);
    line("JobModel, every event applied alone", modelEveryEvent);
    line("JobModel + sort/filter proxy + table, coalesced", coalesced);
    line("JobModel + proxy + table, every event applied alone", everyEvent);
    std::printf("target: coalesced paths under 1000 ms: %s\n", met ? "met" : "MISSED");
    return met ? 0 : 1;
}
