// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>
#include <QString>
#include <QUrl>

// One category per module. --log-level sets the baseline; QT_LOGGING_RULES (e.g.
// "mediaforge.ffmpeg.debug=true") then opens or closes single modules.
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcSession)
Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcJobs)
Q_DECLARE_LOGGING_CATEGORY(lcInput)
Q_DECLARE_LOGGING_CATEGORY(lcFfmpeg)
Q_DECLARE_LOGGING_CATEGORY(lcProbe)
Q_DECLARE_LOGGING_CATEGORY(lcAuth)
Q_DECLARE_LOGGING_CATEGORY(lcCluster)

namespace Mediaforge::Logging {

enum class Format { Text, Json };

// Installs the message handler. `level` is debug, info, warning or error; messages below it
// are filtered out by category rules. Text lines: "2026-11-26T10:00:00.123Z info  mediaforge.jobs job=... message".
// Json lines: {"ts":..., "level":..., "category":..., "msg":..., "job_id":..., ...}.
void install(Format format, const QString &level);
// The temp dir is shortened to "<tmp>" in every line, so paths name only the job-relative part.
void setTempDirectory(const QString &path);

// Structured fields for the next message on this thread, e.g.
//   Logging::Fields fields{{"job", id}, {"operation", "trim"}};
//   qCInfo(lcJobs).noquote() << fields << "completed";
// They are written as key=value (text) or as JSON members.
struct Fields
{
    QList<std::pair<QString, QString>> items;
    Fields() = default;
    Fields(std::initializer_list<std::pair<QString, QString>> list) : items(list) { }
    Fields &add(const QString &key, const QString &value)
    {
        items.append({key, value});
        return *this;
    }
};
QDebug operator<<(QDebug debug, const Fields &fields);

// URLs lose user info, query and fragment: they can carry credentials and signed tokens.
QString redactUrl(const QUrl &url);
// Replaces the temp directory with "<tmp>" and absolute paths under it with their job-relative
// part; used on ffmpeg stderr before it reaches a client or a log.
QString redactPaths(const QString &text);

} // namespace Mediaforge::Logging
