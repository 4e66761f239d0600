// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace Mediaforge {

// The 13 operations of PROTOCOL.md. Option schemas, validation and the key=value parsing the
// CLI does all live here so that the service and its clients reject the same things with the
// same words.
enum class Operation {
    Speed,
    Compress,
    ExtractAudio,
    RemoveAudio,
    Convert,
    Thumbnail,
    Trim,
    Concat,
    Gif,
    Filter,
    ExtractSubtitles,
    BurnSubtitles,
    Probe,
};

QString operationName(Operation operation);
std::optional<Operation> operationFromName(QStringView name);
QList<Operation> allOperations();

// Checks `options` (the `options` object of start_job) against the operation's schema: types,
// ranges, enumerations, required fields, cross-field rules, no unknown keys. On success the
// result is the normalized object: every default filled in, aliases resolved (jpg -> jpeg,
// libvpx-vp9 -> vp9), numbers in their canonical type. On failure: VALIDATION_ERROR whose
// `details` is an array of {"path": "options.crf", "message": "..."}, one per offending field,
// and whose message names the first of them.
Result<QJsonObject> validateOptions(Operation operation, const QJsonObject &options);

// For the CLI's `--option key=value`: turns the text into the JSON type the schema wants
// (number, bool, string, or JSON for objects/arrays), or VALIDATION_ERROR naming the path.
Result<QJsonValue> parseOptionValue(Operation operation, const QString &key, const QString &text);

// One line of help per option, e.g. "crf  integer 0-51  constant rate factor".
QStringList describeOptions(Operation operation);

} // namespace Mediaforge
