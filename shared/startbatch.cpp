// SPDX-License-Identifier: GPL-3.0-or-later
#include "startbatch.h"

#include "preset.h"
#include "protocol.h"
#include "validationissues.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace Mediaforge {

namespace {

using namespace Protocol;

// Adds the problems of one item, their paths moved under the item's own (`items[3].`): the
// client sees which item is wrong, not only what.
void addItemIssues(ValidationIssues &issues, const QString &prefix, const Error &error)
{
    if (error.details.isArray() && !error.details.toArray().isEmpty()) {
        for (const QJsonValue &detail : error.details.toArray()) {
            const QString path = detail[QLatin1StringView("path")].toString();
            issues.add(path.isEmpty() ? prefix : prefix + u'.' + path, detail[QLatin1StringView("message")].toString());
        }
        return;
    }
    issues.add(prefix, error.message);
}

} // namespace

bool StartBatchRequest::isValidBatchId(const QString &batchId)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_.-]{1,56}$"));
    return pattern.match(batchId).hasMatch();
}

QString StartBatchRequest::itemJobId(const QString &batchId, int index)
{
    return batchId + u':' + QString::number(index);
}

Result<StartBatchRequest> StartBatchRequest::fromJson(const QJsonObject &message, const PresetCatalog &presets, int maxItems)
{
    ValidationIssues issues;
    StartBatchRequest request;

    const QJsonValue batchId = message.value(Field::BatchId);
    if (message.contains(Field::BatchId)) {
        if (!batchId.isString() || !isValidBatchId(batchId.toString()))
            issues.add(QStringLiteral("batch_id"), QStringLiteral("must match [A-Za-z0-9_.-]{1,56}"));
        else
            request.batchId = batchId.toString();
    }
    const QJsonValue priority = message.value(Field::Priority);
    if (message.contains(Field::Priority)) {
        if (priority != QJsonValue(QStringLiteral("low")) && priority != QJsonValue(QStringLiteral("normal"))
            && priority != QJsonValue(QStringLiteral("high")))
            issues.add(QStringLiteral("priority"), QStringLiteral("must be \"low\", \"normal\" or \"high\""));
        else
            request.priority = priority.toString();
    }
    if (message.contains(Field::Detach)) {
        if (!message.value(Field::Detach).isBool())
            issues.add(QStringLiteral("detach"), QStringLiteral("must be a boolean"));
        else
            request.detach = message.value(Field::Detach).toBool();
    }
    if (message.contains(Field::Cache) && !message.value(Field::Cache).isBool())
        issues.add(QStringLiteral("cache"), QStringLiteral("must be a boolean"));
    if (message.contains(Field::NotifyUrl)) {
        const QJsonValue url = message.value(Field::NotifyUrl);
        request.notifyUrl = QUrl(url.toString(), QUrl::StrictMode);
        if (!url.isString() || url.toString().size() > 2048 || !request.notifyUrl.isValid()
            || request.notifyUrl.isRelative()
            || (request.notifyUrl.scheme() != QLatin1StringView("http")
                && request.notifyUrl.scheme() != QLatin1StringView("https")))
            issues.add(QStringLiteral("notify_url"), QStringLiteral("must be an http:// or https:// URL of at most 2048 characters"));
    }
    // A batch has one webhook event, its end: "final" (the default) is the only choice.
    if (message.contains(Field::NotifyEvents)) {
        if (!message.contains(Field::NotifyUrl))
            issues.add(QStringLiteral("notify_events"), QStringLiteral("needs notify_url"));
        else if (message.value(Field::NotifyEvents) != QJsonValue(QStringLiteral("final")))
            issues.add(QStringLiteral("notify_events"), QStringLiteral("a batch notifies its end only: must be \"final\""));
    }
    for (const QLatin1StringView perJob : {Field::IdempotencyKey, Field::OutputTargets, Field::JobId}) {
        if (message.contains(perJob))
            issues.add(QString(perJob), QStringLiteral("is not available for batches"));
    }

    // The start_job objects the items stand for, with the paths their problems are reported at.
    QList<std::pair<QString, QJsonObject>> items;
    const bool hasItems = message.contains(Field::Items);
    const bool hasInputs = message.contains(Field::Inputs);
    const auto jobBase = [&message] {
        QJsonObject job{{QString(Field::Type), QString(Type::StartJob)}};
        for (const QLatin1StringView shared : {Field::Priority, Field::Detach, Field::Cache, Field::OutputStorage}) {
            if (message.contains(shared))
                job.insert(QString(shared), message.value(shared));
        }
        return job;
    };
    if (hasItems == hasInputs) {
        issues.add(QStringLiteral("items"), QStringLiteral("give either items or inputs (with one operation or preset)"));
    } else if (hasItems) {
        for (const QLatin1StringView topLevel : {Field::Operation, Field::Preset, Field::Options}) {
            if (message.contains(topLevel))
                issues.add(QString(topLevel), QStringLiteral("belongs inside each item when items are given"));
        }
        const QJsonValue value = message.value(Field::Items);
        if (!value.isArray() || value.toArray().isEmpty() || value.toArray().size() > maxItems) {
            issues.add(QStringLiteral("items"), QStringLiteral("must be an array of 1 to %1 items").arg(maxItems));
        } else {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i) {
                const QString path = QStringLiteral("items[%1]").arg(i);
                if (!array.at(i).isObject()) {
                    issues.add(path, QStringLiteral("must be an object with input and operation or preset"));
                    continue;
                }
                QJsonObject job = jobBase();
                const QJsonObject item = array.at(i).toObject();
                for (auto it = item.begin(); it != item.end(); ++it) {
                    if (it.key() == Field::Input || it.key() == Field::Operation || it.key() == Field::Preset
                        || it.key() == Field::Options)
                        job.insert(it.key(), it.value());
                    else
                        issues.add(path + u'.' + it.key(), QStringLiteral("unknown field"));
                }
                if (!item.contains(Field::Input))
                    issues.add(path + QStringLiteral(".input"), QStringLiteral("is required"));
                items.append({path, job});
            }
        }
    } else {
        const QJsonValue value = message.value(Field::Inputs);
        if (!value.isArray() || value.toArray().isEmpty() || value.toArray().size() > maxItems) {
            issues.add(QStringLiteral("inputs"), QStringLiteral("must be an array of 1 to %1 inputs").arg(maxItems));
        } else {
            const QJsonArray array = value.toArray();
            for (qsizetype i = 0; i < array.size(); ++i) {
                QJsonObject job = jobBase();
                for (const QLatin1StringView shared : {Field::Operation, Field::Preset, Field::Options}) {
                    if (message.contains(shared))
                        job.insert(QString(shared), message.value(shared));
                }
                job.insert(QString(Field::Input), array.at(i));
                items.append({QStringLiteral("inputs[%1]").arg(i), job});
            }
        }
    }

    for (const auto &entry : std::as_const(items)) {
        // Named, not a structured binding: clang 14 (the fuzz build) cannot capture those.
        const QString &path = entry.first;
        const QJsonObject &job = entry.second;
        // Problems of the input itself are reported at inputs[N], not at inputs[N].input.
        const bool byInputs = path.startsWith(QLatin1StringView("inputs"));
        const auto itemPath = [&path, byInputs](const QString &inner) -> QString {
            if (byInputs && inner.startsWith(QLatin1StringView("input")))
                return path + inner.mid(5);
            return inner.isEmpty() ? path : QString(path + u'.' + inner);
        };
        const Result<QJsonObject> expanded = presets.expandStartJob(job);
        if (!expanded.ok()) {
            addItemIssues(issues, path, expanded.error());
            continue;
        }
        const Result<StartJobRequest> parsed = StartJobRequest::fromJson(expanded.value());
        if (!parsed.ok()) {
            const Error &error = parsed.error();
            if (error.details.isArray()) {
                for (const QJsonValue &detail : error.details.toArray())
                    issues.add(itemPath(detail[QLatin1StringView("path")].toString()),
                               detail[QLatin1StringView("message")].toString());
            } else {
                issues.add(path, error.message);
            }
            continue;
        }
        StartJobRequest item = parsed.value();
        // Uploads would need a binary stream per item on the submitting connection, which the
        // batch cannot promise to keep (docs/batches.md): batches take URL inputs.
        if (item.inputs.size() != 1 || !item.inputs.constFirst().isUrl) {
            issues.add(itemPath(QStringLiteral("input.source")), QStringLiteral("a batch item takes one url input"));
            continue;
        }
        request.items.append(item);
    }
    if (!issues.isEmpty())
        return issues.toError();
    return request;
}

} // namespace Mediaforge
