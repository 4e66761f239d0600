// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Job snapshots shaped like the service's (PROTOCOL.md job snapshot, as Job::toSnapshot
// writes it), for the model tests.

#include <QDateTime>
#include <QJsonObject>

namespace MonitorTest {

inline const QDateTime kEpoch = QDateTime(QDate(2024, 5, 1), QTime(12, 0), Qt::UTC);

inline QJsonObject snapshot(const QString &id, const QString &status, double percentage = 0, int createdOffsetSeconds = 0)
{
    const QString stage = status == QLatin1StringView("awaiting_upload") ? QStringLiteral("uploading")
            : status == QLatin1StringView("downloading")                 ? QStringLiteral("downloading")
            : status == QLatin1StringView("queued")                      ? QStringLiteral("queued")
                                                                          : QStringLiteral("processing");
    QJsonObject job{{QStringLiteral("id"), id},
                    {QStringLiteral("job_id"), QString(QStringLiteral("job-") + id)},
                    {QStringLiteral("operation"), QStringLiteral("compress")},
                    {QStringLiteral("status"), status},
                    {QStringLiteral("stage"), stage},
                    {QStringLiteral("percentage"), percentage},
                    {QStringLiteral("priority"), QStringLiteral("normal")},
                    {QStringLiteral("detach"), false},
                    {QStringLiteral("created_at"), kEpoch.addSecs(createdOffsetSeconds).toString(Qt::ISODateWithMs)},
                    {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("upload")},
                                                          {QStringLiteral("name"), QString(QStringLiteral("clip-") + id + QStringLiteral(".mp4"))},
                                                          {QStringLiteral("size"), 1048576}}},
                    {QStringLiteral("options"), QJsonObject{{QStringLiteral("preset"), QStringLiteral("medium")}}},
                    {QStringLiteral("owner"), QStringLiteral("alice")}};
    if (status == QLatin1StringView("processing")) {
        job.insert(QStringLiteral("started_at"), kEpoch.addSecs(createdOffsetSeconds + 2).toString(Qt::ISODateWithMs));
        job.insert(QStringLiteral("speed"), 2.5);
        job.insert(QStringLiteral("fps"), 62.0);
        job.insert(QStringLiteral("eta_seconds"), 12.0);
    }
    if (status == QLatin1StringView("completed") || status == QLatin1StringView("failed")
        || status == QLatin1StringView("cancelled")) {
        job.insert(QStringLiteral("started_at"), kEpoch.addSecs(createdOffsetSeconds + 2).toString(Qt::ISODateWithMs));
        job.insert(QStringLiteral("finished_at"), kEpoch.addSecs(createdOffsetSeconds + 30).toString(Qt::ISODateWithMs));
    }
    if (status == QLatin1StringView("failed")) {
        job.insert(QStringLiteral("error"),
                   QJsonObject{{QStringLiteral("code"), QStringLiteral("FFMPEG_FAILED")},
                               {QStringLiteral("message"), QStringLiteral("ffmpeg exited with code 1")},
                               {QStringLiteral("details"), QJsonObject{{QStringLiteral("stderr"),
                                                                        QStringLiteral("Invalid data found when processing input")}}}});
    }
    return job;
}

} // namespace MonitorTest
