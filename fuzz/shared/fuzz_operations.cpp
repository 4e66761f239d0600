// SPDX-License-Identifier: GPL-3.0-or-later
// Every operation's options, directly: the first byte picks the operation, the rest is either
// an options object (validateOptions) or the CLI's `key=value` text (parseOptionValue).
// Properties: nothing crashes; failures are VALIDATION_ERROR with a path for each issue;
// accepted options are accepted again unchanged.

#include "fuzzcheck.h"
#include "operations.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Mediaforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 64 * 1024)
        return 0;
    const QList<Operation> operations = allOperations();
    const Operation operation = operations.at(data[0] % operations.size());
    const bool keyValue = data[0] & 0x80;
    const QByteArray rest = FuzzInput::bytes(data + 1, size - 1);

    if (keyValue) {
        const QString text = QString::fromUtf8(rest);
        const qsizetype equals = text.indexOf(u'=');
        const QString key = equals < 0 ? text : text.left(equals);
        const QString value = equals < 0 ? QString() : text.mid(equals + 1);
        const auto parsed = parseOptionValue(operation, key, value);
        if (!parsed) {
            FUZZ_CHECK(parsed.error().code == ErrorCode::ValidationError);
            return 0;
        }
        // What the CLI parsed goes to the service as one option: validation decides, no crash.
        validateOptions(operation, QJsonObject{{key, *parsed}});
        return 0;
    }

    const QJsonDocument document = QJsonDocument::fromJson(rest);
    if (!document.isObject())
        return 0;
    const auto options = validateOptions(operation, document.object());
    if (!options) {
        FUZZ_CHECK(options.error().code == ErrorCode::ValidationError);
        FUZZ_CHECK(options.error().details.isArray());
        FUZZ_CHECK(!options.error().details.toArray().isEmpty());
        for (const QJsonValue &issue : options.error().details.toArray())
            FUZZ_CHECK(issue.toObject().value(QStringLiteral("path")).toString().startsWith(QStringLiteral("options")));
        return 0;
    }
    const auto again = validateOptions(operation, *options);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == *options);
    return 0;
}
