// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "operations.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace Mediaforge {

// A named job an operator defines (docs/presets.md): an operation, the options it fixes, and
// the few options a client may still set, each with the range or choices allowed. A web app
// then sends `"preset": "web-720p"` and knows nothing of ffmpeg; a token limited to presets
// can run nothing else.
struct PresetParameter
{
    QString name;                 // an option of the preset's operation
    OptionType type = OptionType::Integer;   // Integer, Number, Boolean or Choice
    double minimum = 0;           // Integer and Number
    double maximum = 0;
    QStringList choices;          // Choice, lowercase
    QJsonValue defaultValue = QJsonValue::Undefined;   // Undefined: the operation's default
    QString description;

    QJsonObject toJson() const;
};

struct Preset
{
    QString name;
    QString description;
    Operation operation = Operation::Probe;
    QJsonObject options;                  // fixed: a client cannot change them
    QList<PresetParameter> parameters;    // what a client may set
    bool builtin = false;

    // The preset as `list_presets` gives it: enough for a UI to build its form.
    QJsonObject toJson() const;
    // The client's `options` checked against the parameters (VALIDATION_ERROR naming each
    // offending `options.X`), merged with the fixed options and the parameters' defaults.
    Result<QJsonObject> resolveOptions(const QJsonObject &clientOptions) const;
    static bool isValidName(const QString &name);
};

// The built-in presets, overridden or extended by the operator's `--presets` file.
class PresetCatalog
{
public:
    static PresetCatalog builtins();
    // Reads a presets file (JSON, docs/presets.md) into this catalog: a preset of an existing
    // name replaces it, others are added. An error names the preset and the field.
    std::optional<QString> loadFile(const QString &path);
    std::optional<QString> loadJson(const QByteArray &json);

    const Preset *find(const QString &name) const;
    const QList<Preset> &all() const { return m_presets; }

    // A `start_job` with `preset` turned into the free-form request it stands for: `operation`
    // from the preset (a different one given is VALIDATION_ERROR), `options` resolved. A
    // message without `preset` comes back unchanged.
    Result<QJsonObject> expandStartJob(const QJsonObject &message) const;

private:
    QList<Preset> m_presets;
};

// One preset of a presets file, checked against its operation's schema (`where` prefixes
// every problem, e.g. "presets[2] (web-4k)").
Result<Preset> presetFromJson(const QJsonObject &object, const QString &where);

} // namespace Mediaforge
