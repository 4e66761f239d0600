// SPDX-License-Identifier: GPL-3.0-or-later
#include "preset.h"

#include "protocol.h"
#include "validationissues.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace Mediaforge {

namespace {

constexpr qint64 kMaxPresetsFileBytes = 1024 * 1024;
constexpr int kMaxPresets = 256;

QString typeName(OptionType type)
{
    switch (type) {
    case OptionType::Integer:
        return QStringLiteral("integer");
    case OptionType::Number:
        return QStringLiteral("number");
    case OptionType::Boolean:
        return QStringLiteral("boolean");
    case OptionType::Choice:
        return QStringLiteral("choice");
    default:
        return QString();
    }
}

std::optional<OptionType> typeFromName(const QString &name)
{
    for (OptionType type : {OptionType::Integer, OptionType::Number, OptionType::Boolean, OptionType::Choice}) {
        if (typeName(type) == name)
            return type;
    }
    return std::nullopt;
}

QString numberText(double value)
{
    return QString::number(value, 'g', 12);
}

// Whether `value` fits the parameter; returns what is expected when it does not.
std::optional<QString> checkValue(const PresetParameter &parameter, const QJsonValue &value, QJsonValue *normalized)
{
    switch (parameter.type) {
    case OptionType::Integer:
    case OptionType::Number: {
        const double number = value.toDouble(std::nan(""));
        const bool integral = parameter.type == OptionType::Integer;
        if (!value.isDouble() || std::isnan(number) || (integral && number != std::floor(number))
            || number < parameter.minimum || number > parameter.maximum)
            return QStringLiteral("must be %1 from %2 to %3 in this preset")
                    .arg(integral ? QStringLiteral("an integer") : QStringLiteral("a number"),
                         numberText(parameter.minimum), numberText(parameter.maximum));
        *normalized = integral ? QJsonValue(qint64(number)) : QJsonValue(number);
        return std::nullopt;
    }
    case OptionType::Boolean:
        if (!value.isBool())
            return QStringLiteral("must be true or false");
        *normalized = value;
        return std::nullopt;
    case OptionType::Choice: {
        const QString text = value.toString().toLower();
        if (!value.isString() || !parameter.choices.contains(text))
            return QStringLiteral("must be one of: %1 in this preset").arg(parameter.choices.join(QStringLiteral(", ")));
        *normalized = text;
        return std::nullopt;
    }
    default:
        return QStringLiteral("cannot be set");
    }
}

const OptionSpec *findSpec(const QList<OptionSpec> &specs, const QString &name)
{
    for (const OptionSpec &spec : specs) {
        if (spec.name == name)
            return &spec;
    }
    return nullptr;
}

Result<PresetParameter> parameterFromJson(const QString &name, const QJsonValue &value, const OptionSpec *spec,
                                          const QString &where)
{
    const auto fail = [&](const QString &why) {
        return Error(ErrorCode::ValidationError, QStringLiteral("%1: parameters.%2: %3").arg(where, name, why));
    };
    if (!spec)
        return fail(QStringLiteral("not an option of this operation"));
    if (!value.isObject())
        return fail(QStringLiteral("must be an object"));
    const QJsonObject object = value.toObject();
    static const QStringList known{QStringLiteral("type"), QStringLiteral("minimum"), QStringLiteral("maximum"),
                                   QStringLiteral("choices"), QStringLiteral("default"), QStringLiteral("description")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key()))
            return fail(QStringLiteral("unknown field '%1'").arg(it.key().left(64)));
    }
    PresetParameter parameter;
    parameter.name = name;
    const auto type = typeFromName(object.value(QLatin1StringView("type")).toString());
    if (!type)
        return fail(QStringLiteral("type must be integer, number, boolean or choice"));
    parameter.type = *type;
    // The preset may narrow what the operation takes, never widen it or change its kind.
    const bool numeric = spec->type == OptionType::Integer || spec->type == OptionType::Number;
    const bool fits = (parameter.type == OptionType::Integer && spec->type == OptionType::Integer)
            || (parameter.type == OptionType::Number && spec->type == OptionType::Number)
            || (parameter.type == OptionType::Integer && spec->type == OptionType::Number)
            || (parameter.type == OptionType::Boolean && spec->type == OptionType::Boolean)
            || (parameter.type == OptionType::Choice && spec->type == OptionType::Choice);
    if (!fits)
        return fail(QStringLiteral("type %1 does not fit the option").arg(typeName(parameter.type)));
    if (numeric) {
        const QJsonValue minimum = object.value(QLatin1StringView("minimum"));
        const QJsonValue maximum = object.value(QLatin1StringView("maximum"));
        parameter.minimum = minimum.isDouble() ? minimum.toDouble() : spec->minimum;
        parameter.maximum = maximum.isDouble() ? maximum.toDouble() : spec->maximum;
        if ((!minimum.isUndefined() && !minimum.isDouble()) || (!maximum.isUndefined() && !maximum.isDouble()))
            return fail(QStringLiteral("minimum and maximum must be numbers"));
        if (parameter.minimum < spec->minimum || parameter.maximum > spec->maximum || parameter.minimum > parameter.maximum)
            return fail(QStringLiteral("the range must lie within %1 to %2").arg(numberText(spec->minimum), numberText(spec->maximum)));
    } else if (object.contains(QLatin1StringView("minimum")) || object.contains(QLatin1StringView("maximum"))) {
        return fail(QStringLiteral("minimum and maximum apply to numbers only"));
    }
    if (parameter.type == OptionType::Choice) {
        const QJsonArray choices = object.value(QLatin1StringView("choices")).toArray();
        for (const QJsonValue &choice : choices) {
            const QString text = choice.toString().toLower();
            if (!choice.isString() || text.isEmpty())
                return fail(QStringLiteral("choices must be strings"));
            parameter.choices.append(text);
        }
        if (parameter.choices.isEmpty())
            parameter.choices = spec->choices;
        for (const QString &choice : std::as_const(parameter.choices)) {
            if (!spec->choices.contains(choice))
                return fail(QStringLiteral("'%1' is not a choice of the option (%2)")
                                    .arg(choice.left(64), spec->choices.join(QStringLiteral(", "))));
        }
    } else if (object.contains(QLatin1StringView("choices"))) {
        return fail(QStringLiteral("choices apply to type choice only"));
    }
    const QJsonValue description = object.value(QLatin1StringView("description"));
    if (!description.isUndefined() && (!description.isString() || description.toString().size() > 500))
        return fail(QStringLiteral("description must be a string of at most 500 characters"));
    parameter.description = description.toString(spec->description);
    if (object.contains(QLatin1StringView("default"))) {
        QJsonValue normalized;
        if (auto problem = checkValue(parameter, object.value(QLatin1StringView("default")), &normalized))
            return fail(QStringLiteral("default ") + *problem);
        parameter.defaultValue = normalized;
    }
    return parameter;
}

} // namespace

QJsonObject PresetParameter::toJson() const
{
    QJsonObject object{{QStringLiteral("name"), name}, {QStringLiteral("type"), typeName(type)},
                       {QStringLiteral("description"), description}};
    if (type == OptionType::Integer || type == OptionType::Number) {
        object.insert(QStringLiteral("minimum"), minimum);
        object.insert(QStringLiteral("maximum"), maximum);
    }
    if (type == OptionType::Choice)
        object.insert(QStringLiteral("choices"), QJsonArray::fromStringList(choices));
    if (!defaultValue.isUndefined())
        object.insert(QStringLiteral("default"), defaultValue);
    return object;
}

bool Preset::isValidName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9][a-z0-9_.-]{0,63}$"));
    return pattern.match(name).hasMatch();
}

QJsonObject Preset::toJson() const
{
    QJsonArray list;
    for (const PresetParameter &parameter : parameters)
        list.append(parameter.toJson());
    return {{QStringLiteral("name"), name},
            {QStringLiteral("description"), description},
            {QStringLiteral("operation"), operationName(operation)},
            {QStringLiteral("options"), options},
            {QStringLiteral("parameters"), list},
            {QStringLiteral("builtin"), builtin}};
}

Result<QJsonObject> Preset::resolveOptions(const QJsonObject &clientOptions) const
{
    ValidationIssues issues;
    QJsonObject merged = options;
    for (const PresetParameter &parameter : parameters) {
        if (!parameter.defaultValue.isUndefined())
            merged.insert(parameter.name, parameter.defaultValue);
    }
    for (auto it = clientOptions.begin(); it != clientOptions.end(); ++it) {
        const QString path = QStringLiteral("options.") + it.key();
        const auto parameter = std::find_if(parameters.cbegin(), parameters.cend(),
                                            [&](const PresetParameter &each) { return each.name == it.key(); });
        if (parameter == parameters.cend()) {
            issues.add(path, options.contains(it.key())
                                     ? QStringLiteral("is fixed by the preset %1").arg(name)
                                     : QStringLiteral("is not an option the preset %1 lets you set").arg(name));
            continue;
        }
        if (it.value().isNull())
            continue;   // "not set": the preset's default stands
        QJsonValue normalized;
        if (auto problem = checkValue(*parameter, it.value(), &normalized))
            issues.add(path, *problem);
        else
            merged.insert(it.key(), normalized);
    }
    if (!issues.isEmpty())
        return issues.toError();
    return merged;
}

Result<Preset> presetFromJson(const QJsonObject &object, const QString &where)
{
    const auto fail = [&](const QString &why) {
        return Error(ErrorCode::ValidationError, where + QStringLiteral(": ") + why);
    };
    static const QStringList known{QStringLiteral("name"), QStringLiteral("description"), QStringLiteral("operation"),
                                   QStringLiteral("options"), QStringLiteral("parameters")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key()))
            return fail(QStringLiteral("unknown field '%1'").arg(it.key().left(64)));
    }
    Preset preset;
    preset.name = object.value(QLatin1StringView("name")).toString();
    if (!Preset::isValidName(preset.name))
        return fail(QStringLiteral("name must be 1-64 characters of a-z 0-9 _ . - starting with a letter or digit"));
    const QJsonValue description = object.value(QLatin1StringView("description"));
    if (!description.isUndefined() && (!description.isString() || description.toString().size() > 500))
        return fail(QStringLiteral("description must be a string of at most 500 characters"));
    preset.description = description.toString();
    const auto operation = operationFromName(object.value(QLatin1StringView("operation")).toString());
    if (!operation)
        return fail(QStringLiteral("operation must be one of the operations of docs/protocol.md section 17"));
    preset.operation = *operation;
    const QJsonValue options = object.value(QLatin1StringView("options"));
    if (!options.isUndefined() && !options.isObject())
        return fail(QStringLiteral("options must be an object"));
    preset.options = options.toObject();
    const QJsonValue parameters = object.value(QLatin1StringView("parameters"));
    if (!parameters.isUndefined() && !parameters.isObject())
        return fail(QStringLiteral("parameters must be an object of option name to its allowed values"));
    const QList<OptionSpec> specs = optionSpecs(preset.operation);
    const QJsonObject parameterObject = parameters.toObject();
    for (auto it = parameterObject.begin(); it != parameterObject.end(); ++it) {
        if (preset.options.contains(it.key()))
            return fail(QStringLiteral("parameters.%1: the option is fixed in options too").arg(it.key()));
        Result<PresetParameter> parameter = parameterFromJson(it.key(), it.value(), findSpec(specs, it.key()), where);
        if (!parameter.ok())
            return parameter.error();
        preset.parameters.append(parameter.value());
    }
    // What the preset runs without client options must be a valid job already.
    const Result<QJsonObject> resolved = preset.resolveOptions(QJsonObject());
    const Result<QJsonObject> valid = resolved.ok() ? validateOptions(preset.operation, resolved.value()) : resolved;
    if (!valid.ok())
        return fail(valid.error().message);
    return preset;
}

std::optional<QString> PresetCatalog::loadFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read %1").arg(path);
    if (file.size() > kMaxPresetsFileBytes)
        return QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(kMaxPresetsFileBytes);
    return loadJson(file.read(kMaxPresetsFileBytes + 1));
}

std::optional<QString> PresetCatalog::loadJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset);
    const QJsonValue list = document.object().value(QLatin1StringView("presets"));
    if (!document.isObject() || !list.isArray())
        return QStringLiteral("expected {\"presets\": [ ... ]}");
    const QJsonArray array = list.toArray();
    if (array.size() > kMaxPresets)
        return QStringLiteral("at most %1 presets").arg(kMaxPresets);
    QList<Preset> loaded;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString name = array.at(i).toObject().value(QLatin1StringView("name")).toString().left(64);
        const QString where = QStringLiteral("presets[%1]").arg(i) + (name.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(name));
        if (!array.at(i).isObject())
            return where + QStringLiteral(": must be an object");
        Result<Preset> preset = presetFromJson(array.at(i).toObject(), where);
        if (!preset.ok())
            return preset.error().message;
        for (const Preset &earlier : std::as_const(loaded)) {
            if (earlier.name == preset->name)
                return where + QStringLiteral(": a preset of that name came earlier in the file");
        }
        loaded.append(preset.value());
    }
    for (const Preset &preset : std::as_const(loaded)) {
        auto existing = std::find_if(m_presets.begin(), m_presets.end(),
                                     [&](const Preset &each) { return each.name == preset.name; });
        if (existing != m_presets.end())
            *existing = preset;
        else
            m_presets.append(preset);
    }
    return std::nullopt;
}

const Preset *PresetCatalog::find(const QString &name) const
{
    for (const Preset &preset : m_presets) {
        if (preset.name == name)
            return &preset;
    }
    return nullptr;
}

Result<QJsonObject> PresetCatalog::expandStartJob(const QJsonObject &message) const
{
    using namespace Protocol;
    if (!message.contains(Field::Preset))
        return message;
    const QJsonValue nameValue = message.value(Field::Preset);
    const Preset *preset = nameValue.isString() ? find(nameValue.toString()) : nullptr;
    if (!preset) {
        QStringList names;
        for (const Preset &each : m_presets)
            names.append(each.name);
        return ValidationIssues::single(QStringLiteral("preset"),
                                        QStringLiteral("unknown preset; the presets are: ") + names.join(QStringLiteral(", ")));
    }
    ValidationIssues issues;
    if (message.contains(Field::Operation) && message.value(Field::Operation).toString() != operationName(preset->operation))
        issues.add(QStringLiteral("operation"), QStringLiteral("the preset %1 runs %2; leave operation out or give %2")
                                                        .arg(preset->name, operationName(preset->operation)));
    const QJsonValue optionsValue = message.value(Field::Options);
    if (!optionsValue.isUndefined() && !optionsValue.isNull() && !optionsValue.isObject())
        issues.add(QStringLiteral("options"), QStringLiteral("must be an object"));
    QJsonObject expanded = message;
    if (issues.isEmpty()) {
        const Result<QJsonObject> options = preset->resolveOptions(optionsValue.toObject());
        if (!options.ok())
            issues.addAll(options.error().details.toArray());
        else
            expanded.insert(QString(Field::Options), options.value());
    }
    if (!issues.isEmpty())
        return issues.toError();
    expanded.insert(QString(Field::Operation), operationName(preset->operation));
    return expanded;
}

} // namespace Mediaforge
