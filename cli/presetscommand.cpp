// SPDX-License-Identifier: GPL-3.0-or-later
#include "presetscommand.h"

#include "clientconnection.h"
#include "console.h"
#include "protocol.h"

#include <QJsonArray>
#include <QPointer>

namespace Mediaforge::Cli {

using namespace Protocol;

namespace {

QString numberText(const QJsonValue &value)
{
    return QString::number(value.toDouble(), 'g', 12);
}

QString parameterText(const QJsonObject &parameter)
{
    const QString type = parameter.value(QStringLiteral("type")).toString();
    QString allowed;
    if (type == QLatin1StringView("integer") || type == QLatin1StringView("number"))
        allowed = numberText(parameter.value(QStringLiteral("minimum"))) + u'-' + numberText(parameter.value(QStringLiteral("maximum")));
    else if (type == QLatin1StringView("choice"))
        allowed = parameter.value(QStringLiteral("choices")).toVariant().toStringList().join(u'|');
    else
        allowed = QStringLiteral("true|false");
    QString line = QStringLiteral("      -O %1=%2").arg(parameter.value(QStringLiteral("name")).toString(), allowed);
    const QJsonValue defaultValue = parameter.value(QStringLiteral("default"));
    if (!defaultValue.isUndefined())
        line += PresetsCommand::tr(" (default %1)").arg(defaultValue.isString() ? defaultValue.toString() : numberText(defaultValue));
    const QString description = parameter.value(QStringLiteral("description")).toString();
    if (!description.isEmpty())
        line += QStringLiteral("  ") + description;
    return line;
}

} // namespace

QString PresetsCommand::describe(const QJsonArray &presets)
{
    if (presets.isEmpty())
        return tr("no presets") + u'\n';
    QString text;
    for (const QJsonValue &value : presets) {
        const QJsonObject preset = value.toObject();
        text += QStringLiteral("%1  (%2)  %3\n")
                        .arg(preset.value(QStringLiteral("name")).toString(), preset.value(Field::Operation).toString(),
                             preset.value(QStringLiteral("description")).toString());
        for (const QJsonValue &parameter : preset.value(QStringLiteral("parameters")).toArray())
            text += parameterText(parameter.toObject()) + u'\n';
    }
    return text;
}

void PresetsCommand::start()
{
    QPointer<PresetsCommand> self(this);
    m_connection.request(QJsonObject{{QString(Field::Type), QString(Type::ListPresets)}}, [self](const QJsonObject &reply) {
        if (!self || self->isDone())
            return;
        if (reply.value(Field::Type).toString() != Type::Presets) {
            self->failWithServiceError(reply, toInt(ExitCode::JobFailed));
            return;
        }
        const QJsonArray presets = reply.value(Field::Presets).toArray();
        if (self->jsonMode())
            self->printJsonDocument(presets);
        else
            self->m_console.out(describe(presets));
        self->done(toInt(ExitCode::Success));
    });
}

} // namespace Mediaforge::Cli
