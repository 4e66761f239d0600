// SPDX-License-Identifier: GPL-3.0-or-later
#include "ownersettings.h"

#include "config/config.h"
#include "operations.h"

#include <QRegularExpression>

namespace Mediaforge {

namespace {

std::optional<QStringList> nameList(const QString &value)
{
    static const QRegularExpression namePattern(QStringLiteral("^[a-z0-9_.-]{1,64}$"));
    const QStringList names = value.split(u',');
    if (names.size() > 256)
        return std::nullopt;
    for (const QString &name : names) {
        if (!namePattern.match(name).hasMatch())
            return std::nullopt;
    }
    return names;
}

std::optional<QString> positiveInt(int &target, const QString &value, int max)
{
    bool ok = false;
    const int number = value.toInt(&ok);
    if (!ok || number < 1 || number > max)
        return QStringLiteral("must be an integer from 1 to %1").arg(max);
    target = number;
    return std::nullopt;
}

} // namespace

QStringList OwnerSettings::keys()
{
    return {QStringLiteral("presets_only"),        QStringLiteral("presets"),
            QStringLiteral("operations"),          QStringLiteral("jobs_per_minute"),
            QStringLiteral("unfinished_jobs"),     QStringLiteral("max_input_bytes"),
            QStringLiteral("input_bytes_per_day"), QStringLiteral("webhook_secret"),
            QStringLiteral("notify_url"),          QStringLiteral("storages"),
            QStringLiteral("storage_prefix")};
}

std::optional<QString> OwnerSettings::apply(const QString &key, const QString &value)
{
    if (key == QLatin1StringView("presets_only")) {
        if (value != QLatin1StringView("true") && value != QLatin1StringView("false"))
            return QStringLiteral("presets_only must be true or false");
        presetsOnly = value == QLatin1StringView("true");
    } else if (key == QLatin1StringView("presets")) {
        const auto names = nameList(value);
        if (!names)
            return QStringLiteral("presets must be a comma-separated list of preset names");
        presets = *names;
    } else if (key == QLatin1StringView("operations")) {
        const auto names = nameList(value);
        if (!names)
            return QStringLiteral("operations must be a comma-separated list of operations");
        for (const QString &name : *names) {
            if (!operationFromName(name))
                return QStringLiteral("operations: unknown operation '%1'").arg(name);
        }
        operations = *names;
    } else if (key == QLatin1StringView("jobs_per_minute")) {
        if (auto problem = positiveInt(jobsPerMinute, value, 1000000))
            return QStringLiteral("jobs_per_minute ") + *problem;
    } else if (key == QLatin1StringView("unfinished_jobs")) {
        if (auto problem = positiveInt(maxUnfinishedJobs, value, 1000000))
            return QStringLiteral("unfinished_jobs ") + *problem;
    } else if (key == QLatin1StringView("max_input_bytes") || key == QLatin1StringView("input_bytes_per_day")) {
        const auto bytes = parseByteSize(value);
        if (!bytes || *bytes < 1)
            return key + QStringLiteral(" must be a size in bytes, e.g. 500M or 2G");
        (key == QLatin1StringView("max_input_bytes") ? maxInputBytes : inputBytesPerDay) = *bytes;
    } else if (key == QLatin1StringView("webhook_secret")) {
        // Long enough to resist guessing; the value itself never appears in a message.
        if (value.size() < 16 || value.size() > 256)
            return QStringLiteral("webhook_secret must be 16 to 256 characters");
        webhookSecret = value.toUtf8();
    } else if (key == QLatin1StringView("notify_url")) {
        const QUrl url(value, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() || value.size() > 2048
            || (url.scheme() != QLatin1StringView("http") && url.scheme() != QLatin1StringView("https")))
            return QStringLiteral("notify_url must be an absolute http or https URL");
        notifyUrl = url;
    } else if (key == QLatin1StringView("storages")) {
        const auto names = nameList(value);
        if (!names)
            return QStringLiteral("storages must be a comma-separated list of storage names");
        storages = *names;
    } else if (key == QLatin1StringView("storage_prefix")) {
        // Keys with "." or ".." segments are refused anyway, so a prefix cannot be left by one.
        if (value.isEmpty() || value.startsWith(u'/') || value.toUtf8().size() > 512)
            return QStringLiteral("storage_prefix must be a key prefix of 1 to 512 bytes, not starting with '/'");
        storagePrefix = value;
    } else {
        return QStringLiteral("unknown key '%1' (known: %2)").arg(key.left(64), keys().join(QStringLiteral(", ")));
    }
    if (!presets.isEmpty())
        presetsOnly = true;
    return std::nullopt;
}

} // namespace Mediaforge
