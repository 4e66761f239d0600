// SPDX-License-Identifier: GPL-3.0-or-later
#include "startjob.h"

#include "preset.h"
#include "protocol.h"
#include "validationissues.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <cmath>

namespace Mediaforge {

namespace {

using namespace Protocol;

using Issues = ValidationIssues;

void parseInput(const QJsonValue &value, const QString &path, QList<StartJobRequest::Input> &inputs, Issues &issues)
{
    if (!value.isObject()) {
        issues.add(path, QStringLiteral("must be an object with \"source\": \"url\", \"upload\" or \"storage\""));
        return;
    }
    const QJsonObject object = value.toObject();
    StartJobRequest::Input input;
    const QString source = object.value(Field::Source).toString();
    static const QStringList known{QStringLiteral("source"), QStringLiteral("url"), QStringLiteral("filename"),
                                   QStringLiteral("size"), QStringLiteral("storage"), QStringLiteral("key")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key()))
            issues.add(path + u'.' + it.key(), QStringLiteral("unknown field"));
    }
    if (source == QLatin1StringView("url")) {
        input.isUrl = true;
        const QJsonValue url = object.value(Field::Url);
        if (!url.isString() || url.toString().isEmpty() || url.toString().size() > 8192) {
            issues.add(path + QStringLiteral(".url"), QStringLiteral("must be a URL of at most 8192 characters"));
        } else {
            input.url = QUrl(url.toString(), QUrl::StrictMode);
            if (!input.url.isValid() || input.url.isRelative())
                issues.add(path + QStringLiteral(".url"), QStringLiteral("is not a valid absolute URL"));
        }
        if (object.contains(Field::Size))
            issues.add(path + QStringLiteral(".size"), QStringLiteral("applies to uploads only"));
    } else if (source == QLatin1StringView("storage")) {
        input.isStorage = true;
        const QJsonValue storage = object.value(QLatin1StringView("storage"));
        if (!storage.isString() || storage.toString().isEmpty() || storage.toString().size() > 32)
            issues.add(path + QStringLiteral(".storage"), QStringLiteral("must be the name of a configured storage"));
        else
            input.storage = storage.toString();
        // Bounded here (S3's limit is 1024 bytes); the service checks the characters.
        const QJsonValue key = object.value(QLatin1StringView("key"));
        if (!key.isString() || key.toString().isEmpty() || key.toString().toUtf8().size() > 1024)
            issues.add(path + QStringLiteral(".key"), QStringLiteral("must be an object key of 1 to 1024 bytes"));
        else
            input.key = key.toString();
        if (object.contains(Field::Size))
            issues.add(path + QStringLiteral(".size"), QStringLiteral("applies to uploads only"));
        if (object.contains(Field::Url))
            issues.add(path + QStringLiteral(".url"), QStringLiteral("applies to url inputs only"));
    } else if (source == QLatin1StringView("upload")) {
        const QJsonValue size = object.value(Field::Size);
        if (object.contains(Field::Size)) {
            const double number = size.toDouble(-1);
            if (!size.isDouble() || number < 0 || number != std::floor(number) || number > 9.0e15)
                issues.add(path + QStringLiteral(".size"), QStringLiteral("must be a whole number of bytes"));
            else
                input.size = qint64(number);
        }
        if (object.contains(Field::Url))
            issues.add(path + QStringLiteral(".url"), QStringLiteral("applies to url inputs only"));
    } else {
        issues.add(path + QStringLiteral(".source"), QStringLiteral("must be \"url\", \"upload\" or \"storage\""));
        return;
    }
    if (object.contains(Field::Filename)) {
        const QJsonValue filename = object.value(Field::Filename);
        if (!filename.isString() || filename.toString().size() > 255)
            issues.add(path + QStringLiteral(".filename"), QStringLiteral("must be a string of at most 255 characters"));
        else
            input.filename = filename.toString();
    }
    inputs.append(input);
}

// Headers the service sets itself (the pinned Host, the file's length) or that describe the
// connection rather than the object: a client value would contradict the request we send.
bool isReservedTargetHeader(const QString &name)
{
    static const QStringList reserved{
            QStringLiteral("host"), QStringLiteral("content-length"), QStringLiteral("transfer-encoding"),
            QStringLiteral("connection"), QStringLiteral("keep-alive"), QStringLiteral("proxy-connection"),
            QStringLiteral("upgrade"), QStringLiteral("te"), QStringLiteral("trailer"), QStringLiteral("expect"),
            QStringLiteral("proxy-authorization")};
    return reserved.contains(name.toLower());
}

void parseOutputTarget(const QJsonValue &value, const QString &path, QList<StartJobRequest::OutputTarget> &targets,
                       Issues &issues)
{
    if (!value.isObject()) {
        issues.add(path, QStringLiteral("must be an object with \"upload_url\""));
        return;
    }
    const QJsonObject object = value.toObject();
    StartJobRequest::OutputTarget target;
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (it.key() != QLatin1StringView("upload_url") && it.key() != QLatin1StringView("method")
            && it.key() != QLatin1StringView("headers"))
            issues.add(path + u'.' + it.key(), QStringLiteral("unknown field"));
    }
    const QJsonValue url = object.value(QStringLiteral("upload_url"));
    // Messages never quote the URL or a header value: they are credentials.
    if (!url.isString() || url.toString().isEmpty() || url.toString().size() > StartJobRequest::kMaxTargetUrl) {
        issues.add(path + QStringLiteral(".upload_url"), QStringLiteral("must be a URL of at most 8192 characters"));
    } else {
        target.url = QUrl(url.toString(), QUrl::StrictMode);
        if (!target.url.isValid() || target.url.isRelative() || target.url.host().isEmpty())
            issues.add(path + QStringLiteral(".upload_url"), QStringLiteral("is not a valid absolute URL"));
        else if (target.url.scheme() != QLatin1StringView("http") && target.url.scheme() != QLatin1StringView("https"))
            issues.add(path + QStringLiteral(".upload_url"), QStringLiteral("must be http or https"));
    }
    if (object.contains(QStringLiteral("method"))) {
        // Presigned POST (S3's browser form upload) needs a multipart form, not the file as the
        // body: only PUT is offered, which every provider presigns.
        if (object.value(QStringLiteral("method")).toString() != QLatin1StringView("PUT"))
            issues.add(path + QStringLiteral(".method"), QStringLiteral("must be \"PUT\""));
    }
    if (object.contains(QStringLiteral("headers"))) {
        const QJsonValue headers = object.value(QStringLiteral("headers"));
        static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
        if (!headers.isObject() || headers.toObject().size() > StartJobRequest::kMaxTargetHeaders) {
            issues.add(path + QStringLiteral(".headers"), QStringLiteral("must be an object of at most 32 headers"));
        } else {
            const QJsonObject map = headers.toObject();
            for (auto it = map.begin(); it != map.end(); ++it) {
                const QString name = it.key();
                const QString where = path + QStringLiteral(".headers.") + name.left(StartJobRequest::kMaxTargetHeaderName);
                if (name.size() > StartJobRequest::kMaxTargetHeaderName || !token.match(name).hasMatch()) {
                    issues.add(where, QStringLiteral("is not a valid header name"));
                    continue;
                }
                if (isReservedTargetHeader(name)) {
                    issues.add(where, QStringLiteral("is set by the service and may not be given"));
                    continue;
                }
                const QString text = it.value().toString();
                bool clean = it.value().isString() && text.size() <= StartJobRequest::kMaxTargetHeaderValue;
                for (const QChar c : text) {
                    if (c.unicode() < 0x20 && c != u'\t')
                        clean = false;
                    if (c.unicode() == 0x7f || c.unicode() > 0xff)
                        clean = false;
                }
                if (!clean) {
                    issues.add(where, QStringLiteral("must be a string of at most 4096 visible Latin-1 characters"));
                    continue;
                }
                target.headers.append({name.toLatin1(), text.toLatin1()});
            }
        }
    }
    targets.append(target);
}

// The longest notify_url taken: a webhook endpoint, not a place to carry data.
constexpr qsizetype kMaxNotifyUrlLength = 2048;

void parseNotify(const QJsonObject &message, StartJobRequest &request, Issues &issues)
{
    static const QStringList states{QStringLiteral("awaiting_upload"), QStringLiteral("downloading"),
                                    QStringLiteral("queued"),          QStringLiteral("processing"),
                                    QStringLiteral("completed"),       QStringLiteral("failed"),
                                    QStringLiteral("cancelled")};
    if (message.contains(Field::NotifyUrl)) {
        const QJsonValue value = message.value(Field::NotifyUrl);
        const QUrl url(value.toString(), QUrl::StrictMode);
        if (!value.isString() || value.toString().size() > kMaxNotifyUrlLength || !url.isValid()
            || (url.scheme() != u"http" && url.scheme() != u"https") || url.host().isEmpty())
            issues.add(QStringLiteral("notify_url"),
                       QStringLiteral("must be an http or https URL of at most %1 characters").arg(kMaxNotifyUrlLength));
        else
            request.notifyUrl = url;
    }
    if (!message.contains(Field::NotifyEvents))
        return;
    const QJsonValue value = message.value(Field::NotifyEvents);
    if (!message.contains(Field::NotifyUrl)) {
        issues.add(QStringLiteral("notify_events"), QStringLiteral("needs notify_url"));
        return;
    }
    const QString problem = QStringLiteral("must be \"final\", \"all\" or an array of statuses: ") + states.join(u',');
    if (value.isString()) {
        if (value.toString() == u"all")
            request.notifyEvents = states;
        else if (value.toString() != u"final")
            issues.add(QStringLiteral("notify_events"), problem);
        return;
    }
    const QJsonArray array = value.toArray();
    if (!value.isArray() || array.isEmpty() || array.size() > states.size()) {
        issues.add(QStringLiteral("notify_events"), problem);
        return;
    }
    QStringList chosen;
    for (const QJsonValue &entry : array) {
        if (!states.contains(entry.toString())) {
            issues.add(QStringLiteral("notify_events"), problem);
            return;
        }
        if (!chosen.contains(entry.toString()))
            chosen.append(entry.toString());
    }
    // In the order a job passes through them, whatever order the client listed them in.
    for (const QString &state : states) {
        if (chosen.contains(state))
            request.notifyEvents.append(state);
    }
}

} // namespace

bool StartJobRequest::isValidJobId(const QString &jobId)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_.:-]{1,64}$"));
    return pattern.match(jobId).hasMatch();
}

bool StartJobRequest::isValidIdempotencyKey(const QString &key)
{
    // Wide enough for a UUID, a ULID or a hash in hex; narrow enough to index and to log.
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_.:-]{8,128}$"));
    return pattern.match(key).hasMatch();
}

bool isValidRequestId(const QJsonValue &value)
{
    return value.isString() && value.toString().size() <= 64;
}

Result<StartJobRequest> StartJobRequest::fromJson(const QJsonObject &message)
{
    StartJobRequest request;
    Issues issues;

    if (message.contains(Field::JobId)) {
        const QJsonValue jobId = message.value(Field::JobId);
        if (!jobId.isString() || !isValidJobId(jobId.toString()))
            issues.add(QStringLiteral("job_id"), QStringLiteral("must be 1-64 characters of A-Z a-z 0-9 _ . : -"));
        else
            request.jobId = jobId.toString();
    }

    const QJsonValue operationValue = message.value(Field::Operation);
    const auto operation = operationFromName(operationValue.toString());
    if (!operationValue.isString() || !operation) {
        QStringList names;
        for (Operation each : allOperations())
            names.append(operationName(each));
        issues.add(QStringLiteral("operation"), QStringLiteral("must be one of: ") + names.join(QStringLiteral(", ")));
    } else {
        request.operation = *operation;
    }

    const QJsonValue optionsValue = message.value(Field::Options);
    QJsonObject options;
    if (message.contains(Field::Options) && !optionsValue.isNull()) {
        if (!optionsValue.isObject())
            issues.add(QStringLiteral("options"), QStringLiteral("must be an object"));
        else
            options = optionsValue.toObject();
    }

    if (message.contains(Field::Priority)) {
        const QString priority = message.value(Field::Priority).toString();
        if (priority != QLatin1StringView("low") && priority != QLatin1StringView("normal")
            && priority != QLatin1StringView("high"))
            issues.add(QStringLiteral("priority"), QStringLiteral("must be low, normal or high"));
        else
            request.priority = priority;
    }
    if (message.contains(Field::Detach)) {
        if (!message.value(Field::Detach).isBool())
            issues.add(QStringLiteral("detach"), QStringLiteral("must be true or false"));
        else
            request.detach = message.value(Field::Detach).toBool();
    }
    if (message.contains(Field::Cache)) {
        if (!message.value(Field::Cache).isBool())
            issues.add(QStringLiteral("cache"), QStringLiteral("must be true or false"));
        else
            request.cache = message.value(Field::Cache).toBool();
    }

    if (message.contains(Field::IdempotencyKey)) {
        const QJsonValue key = message.value(Field::IdempotencyKey);
        if (!key.isString() || !isValidIdempotencyKey(key.toString()))
            issues.add(QStringLiteral("idempotency_key"),
                       QStringLiteral("must be 8-128 characters of A-Z a-z 0-9 _ . : -"));
        else
            request.idempotencyKey = key.toString();
    }

    parseNotify(message, request, issues);
    if (message.contains(Field::Preset)) {
        const QJsonValue preset = message.value(Field::Preset);
        if (!preset.isString() || !Preset::isValidName(preset.toString()))
            issues.add(QStringLiteral("preset"), QStringLiteral("must be a preset name (list_presets)"));
        else
            request.preset = preset.toString();
    }

    const bool hasInput = message.contains(Field::Input);
    const bool hasInputs = message.contains(Field::Inputs);
    const bool concat = operation && *operation == Operation::Concat;
    if (hasInput && hasInputs) {
        issues.add(QStringLiteral("inputs"), QStringLiteral("give either input or inputs, not both"));
    } else if (hasInputs) {
        const QJsonValue inputs = message.value(Field::Inputs);
        if (!concat) {
            issues.add(QStringLiteral("inputs"), QStringLiteral("only concat takes several inputs"));
        } else if (!inputs.isArray() || inputs.toArray().size() < 2 || inputs.toArray().size() > 50) {
            issues.add(QStringLiteral("inputs"), QStringLiteral("must be an array of 2 to 50 inputs"));
        } else {
            const QJsonArray array = inputs.toArray();
            for (qsizetype i = 0; i < array.size(); ++i)
                parseInput(array.at(i), QStringLiteral("inputs[%1]").arg(i), request.inputs, issues);
            // One input stage per job: all downloads, or all uploads (in order).
            for (qsizetype i = 1; i < request.inputs.size(); ++i) {
                // Storage objects are downloads too: they mix with urls, not with uploads.
                const auto isUpload = [](const StartJobRequest::Input &input) { return !input.isUrl && !input.isStorage; };
                if (isUpload(request.inputs.at(i)) != isUpload(request.inputs.constFirst())) {
                    issues.add(QStringLiteral("inputs[%1].source").arg(i),
                               QStringLiteral("inputs must be all downloads (url, storage) or all uploads"));
                    break;
                }
            }
            if (options.contains(QStringLiteral("file_count")))
                issues.add(QStringLiteral("options.file_count"), QStringLiteral("applies to concat by upload only"));
        }
    } else if (hasInput) {
        parseInput(message.value(Field::Input), QStringLiteral("input"), request.inputs, issues);
    } else {
        issues.add(QStringLiteral("input"), QStringLiteral("is required"));
    }

    if (operation) {
        const Result<QJsonObject> validated = validateOptions(*operation, options);
        if (!validated.ok()) {
            const QJsonArray details = validated.error().details.toArray();
            issues.addAll(details);
            if (details.isEmpty())
                issues.add(QStringLiteral("options"), validated.error().message);
        } else {
            request.options = validated.value();
        }
    }

    // Concat by upload: one input object stands for `file_count` uploads.
    if (concat && hasInput && request.inputs.size() == 1 && issues.isEmpty()) {
        const StartJobRequest::Input single = request.inputs.constFirst();
        const int count = request.options.value(QStringLiteral("file_count")).toInt();
        if (single.isUrl || single.isStorage) {
            issues.add(QStringLiteral("input"), QStringLiteral("concat of URLs or storage objects takes \"inputs\": an array of 2 to 50 inputs"));
        } else if (count < 2) {
            issues.add(QStringLiteral("options.file_count"), QStringLiteral("concat by upload needs file_count (2-50)"));
        } else {
            request.inputs.clear();
            for (int i = 0; i < count; ++i) {
                StartJobRequest::Input each;
                each.filename = single.filename;
                request.inputs.append(each);
            }
        }
    } else if (!concat && request.options.contains(QStringLiteral("file_count")) && issues.isEmpty()) {
        issues.add(QStringLiteral("options.file_count"), QStringLiteral("applies to concat only"));
    }

    if (message.contains(Field::OutputTargets) && issues.isEmpty()) {
        const QJsonValue targets = message.value(Field::OutputTargets);
        const int expected = expectedOutputCount(request.operation, request.options);
        if (!targets.isArray()) {
            issues.add(QStringLiteral("output_targets"), QStringLiteral("must be an array"));
        } else if (targets.toArray().size() != expected) {
            issues.add(QStringLiteral("output_targets"),
                       expected == 0 ? QStringLiteral("%1 has no output file to upload").arg(operationName(request.operation))
                                     : QStringLiteral("must name %1 target(s), one per output of this operation and options")
                                               .arg(expected));
        } else {
            const QJsonArray array = targets.toArray();
            for (qsizetype i = 0; i < array.size(); ++i)
                parseOutputTarget(array.at(i), QStringLiteral("output_targets[%1]").arg(i), request.outputTargets, issues);
        }
    }

    if (message.contains(Field::OutputStorage) && issues.isEmpty()) {
        const QJsonValue value = message.value(Field::OutputStorage);
        const QString path = QString(Field::OutputStorage);
        if (message.contains(Field::OutputTargets)) {
            issues.add(path, QStringLiteral("give either output_storage or output_targets"));
        } else if (expectedOutputCount(request.operation, request.options) == 0) {
            issues.add(path, QStringLiteral("%1 has no output file to upload").arg(operationName(request.operation)));
        } else if (!value.isObject()) {
            issues.add(path, QStringLiteral("must be an object with \"storage\" and \"prefix\""));
        } else {
            const QJsonObject object = value.toObject();
            for (auto it = object.begin(); it != object.end(); ++it) {
                if (it.key() != QLatin1StringView("storage") && it.key() != QLatin1StringView("prefix"))
                    issues.add(path + u'.' + it.key(), QStringLiteral("unknown field"));
            }
            StartJobRequest::OutputStorage storage;
            const QJsonValue name = object.value(QLatin1StringView("storage"));
            if (!name.isString() || name.toString().isEmpty() || name.toString().size() > 32)
                issues.add(path + QStringLiteral(".storage"), QStringLiteral("must be the name of a configured storage"));
            else
                storage.storage = name.toString();
            const QJsonValue prefix = object.value(QLatin1StringView("prefix"));
            if (object.contains(QLatin1StringView("prefix"))
                && (!prefix.isString() || prefix.toString().toUtf8().size() > StartJobRequest::kMaxStoragePrefix))
                issues.add(path + QStringLiteral(".prefix"),
                           QStringLiteral("must be a key prefix of at most %1 bytes").arg(StartJobRequest::kMaxStoragePrefix));
            else
                storage.prefix = prefix.toString();
            request.outputStorage = storage;
        }
    }

    if (!issues.isEmpty())
        return issues.toError();
    return request;
}

} // namespace Mediaforge
