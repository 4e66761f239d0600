// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace Mediaforge {

// What the `key=value` words of a tokens-file line set for an owner name: which jobs its
// tokens may start, its quotas, and where its webhooks go. Every token of one name shares them
// (tokens rotate; the owner stays). 0 or empty means "no limit of this kind".
struct OwnerSettings
{
    bool presetsOnly = false;          // presets_only=true, or implied by presets=
    QStringList presets;               // presets=a,b: only these presets
    QStringList operations;            // operations=a,b: only these operations (free-form or by preset)
    int jobsPerMinute = 0;             // jobs_per_minute=N
    int maxUnfinishedJobs = 0;         // unfinished_jobs=N
    qint64 maxInputBytes = 0;          // max_input_bytes=SIZE: the largest input of one job
    qint64 inputBytesPerDay = 0;       // input_bytes_per_day=SIZE: per UTC day
    // For the webhook dispatcher. The secret is never logged, echoed or compared out loud.
    QByteArray webhookSecret;          // webhook_secret=...
    QUrl notifyUrl;                    // notify_url=http(s)://...
    QStringList storages;              // storages=a,b: only these configured storages
    QString storagePrefix;             // storage_prefix=tenant-a/: only keys that start with it

    bool operator==(const OwnerSettings &other) const = default;
    bool hasQuota() const
    {
        return jobsPerMinute > 0 || maxUnfinishedJobs > 0 || maxInputBytes > 0 || inputBytesPerDay > 0;
    }
    // Applies one `key=value`; returns why it is refused (never quoting a secret's value).
    std::optional<QString> apply(const QString &key, const QString &value);
    // The keys apply() knows, for messages.
    static QStringList keys();
};

} // namespace Mediaforge
