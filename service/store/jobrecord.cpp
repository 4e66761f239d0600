// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobrecord.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Mediaforge::JobRecord {

QByteArray inputsToJson(const QList<JobInput> &inputs)
{
    QJsonArray array;
    for (const JobInput &input : inputs) {
        array.append(QJsonObject{
                {QStringLiteral("source"), input.source == JobInput::Source::Url         ? QStringLiteral("url")
                                           : input.source == JobInput::Source::Storage ? QStringLiteral("storage")
                                                                                       : QStringLiteral("upload")},
                {QStringLiteral("url"), input.url.toString(QUrl::FullyEncoded)},
                {QStringLiteral("storage"), input.storage},
                {QStringLiteral("key"), input.key},
                {QStringLiteral("name"), input.displayName},
                {QStringLiteral("declared_size"), input.declaredSize},
                {QStringLiteral("path"), input.path},
                {QStringLiteral("bytes"), input.bytes},
                {QStringLiteral("complete"), input.complete},
                {QStringLiteral("sha256"), input.sha256}});
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QList<JobInput> inputsFromJson(const QByteArray &json)
{
    QList<JobInput> inputs;
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    for (const QJsonValue &value : array) {
        const QJsonObject object = value.toObject();
        JobInput input;
        const QString source = object.value(QStringLiteral("source")).toString();
        input.source = source == QLatin1StringView("url")       ? JobInput::Source::Url
                     : source == QLatin1StringView("storage") ? JobInput::Source::Storage
                                                              : JobInput::Source::Upload;
        input.storage = object.value(QStringLiteral("storage")).toString();
        input.key = object.value(QStringLiteral("key")).toString();
        input.url = QUrl(object.value(QStringLiteral("url")).toString(), QUrl::StrictMode);
        input.displayName = object.value(QStringLiteral("name")).toString();
        input.declaredSize = object.value(QStringLiteral("declared_size")).toInteger(-1);
        input.path = object.value(QStringLiteral("path")).toString();
        input.bytes = object.value(QStringLiteral("bytes")).toInteger();
        input.complete = object.value(QStringLiteral("complete")).toBool();
        input.sha256 = object.value(QStringLiteral("sha256")).toString();
        inputs.append(input);
    }
    return inputs;
}

QByteArray outputsToJson(const QList<JobOutput> &outputs)
{
    QJsonArray array;
    for (const JobOutput &output : outputs) {
        QJsonObject object = output.toJson();
        object.insert(QStringLiteral("path"), output.path);
        array.append(object);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QList<JobOutput> outputsFromJson(const QByteArray &json)
{
    QList<JobOutput> outputs;
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    for (const QJsonValue &value : array) {
        const QJsonObject object = value.toObject();
        JobOutput output;
        output.path = object.value(QStringLiteral("path")).toString();
        output.fileName = object.value(QStringLiteral("filename")).toString();
        output.size = object.value(QStringLiteral("size_bytes")).toInteger();
        output.mime = object.value(QStringLiteral("mime")).toString();
        output.sha256 = object.value(QStringLiteral("sha256")).toString();
        output.metadata = MediaInfo::fromOutputMetadata(object.value(QStringLiteral("metadata")).toObject());
        const QJsonObject uploaded = object.value(QStringLiteral("uploaded_to")).toObject();
        output.uploadedTo = uploaded.value(QStringLiteral("url")).toString();
        output.uploadStatus = uploaded.value(QStringLiteral("http_status")).toInt();
        outputs.append(output);
    }
    return outputs;
}

QByteArray outputTargetsToJson(const QList<JobOutputTarget> &targets, const JobOutputStorage &storage)
{
    if (storage.isSet()) {
        return QJsonDocument(QJsonObject{{QStringLiteral("storage"), storage.storage},
                                         {QStringLiteral("prefix"), storage.prefix}})
                .toJson(QJsonDocument::Compact);
    }
    if (targets.isEmpty())
        return QByteArray();
    QJsonArray array;
    for (const JobOutputTarget &target : targets) {
        QJsonArray headers;
        for (const auto &[name, value] : target.headers)
            headers.append(QJsonArray{QString::fromLatin1(name), QString::fromLatin1(value)});
        array.append(QJsonObject{{QStringLiteral("url"), target.url.toString(QUrl::FullyEncoded)},
                                 {QStringLiteral("method"), target.method},
                                 {QStringLiteral("headers"), headers}});
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QList<JobOutputTarget> outputTargetsFromJson(const QByteArray &json, JobOutputStorage *storage)
{
    QList<JobOutputTarget> targets;
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (document.isObject()) {
        if (storage) {
            storage->storage = document.object().value(QStringLiteral("storage")).toString();
            storage->prefix = document.object().value(QStringLiteral("prefix")).toString();
        }
        return targets;
    }
    const QJsonArray array = document.array();
    for (const QJsonValue &value : array) {
        const QJsonObject object = value.toObject();
        JobOutputTarget target;
        target.url = QUrl(object.value(QStringLiteral("url")).toString(), QUrl::StrictMode);
        target.method = object.value(QStringLiteral("method")).toString(QStringLiteral("PUT"));
        for (const QJsonValue &header : object.value(QStringLiteral("headers")).toArray()) {
            const QJsonArray pair = header.toArray();
            target.headers.append({pair.at(0).toString().toLatin1(), pair.at(1).toString().toLatin1()});
        }
        targets.append(target);
    }
    return targets;
}

QVariant errorToJson(const std::optional<Error> &error)
{
    if (!error)
        return QVariant(QMetaType(QMetaType::QString));
    return QString::fromUtf8(QJsonDocument(error->toJson()).toJson(QJsonDocument::Compact));
}

std::optional<Error> errorFromJson(const QVariant &json)
{
    if (json.isNull() || json.toString().isEmpty())
        return std::nullopt;
    const QJsonObject object = QJsonDocument::fromJson(json.toString().toUtf8()).object();
    Error error;
    error.code = errorCodeFromName(object.value(QStringLiteral("code")).toString()).value_or(ErrorCode::InternalError);
    error.message = object.value(QStringLiteral("message")).toString();
    error.details = object.value(QStringLiteral("details"));
    return error;
}

QByteArray objectToJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject objectFromJson(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

QVariant timeToColumn(const QDateTime &time)
{
    if (!time.isValid())
        return QVariant(QMetaType(QMetaType::LongLong));
    return time.toMSecsSinceEpoch();
}

QDateTime timeFromColumn(const QVariant &value)
{
    if (value.isNull())
        return QDateTime();
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

} // namespace Mediaforge::JobRecord
