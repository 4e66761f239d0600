// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "progressrenderer.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Mediaforge::Cli {

// How job snapshots (get_job, list_jobs, job_event) look on the terminal.
class JobView
{
    Q_DECLARE_TR_FUNCTIONS(JobView)
public:
    // "processing", "failed", ...: the service's status in the reader's language.
    static QString statusLabel(const QString &status);
    // The progress display for a snapshot (fetch waits with it).
    static ProgressSnapshot progressOf(const QJsonObject &job);
    // `jobs`: one table, newest first as the service sends them.
    static QString table(const QList<QJsonObject> &jobs, bool withOwner);
    // `status`: one "key  value" line per field the snapshot has.
    static QString details(const QJsonObject &job);
    // "2026-01-31 14:02:11" in local time, or only the time for today.
    static QString timeText(const QString &isoTime, bool compact);
    static bool isFinished(const QString &status);
};

} // namespace Mediaforge::Cli
