// SPDX-License-Identifier: GPL-3.0-or-later
// Configuration from the command line and the environment. Input: NUL-separated items; those
// of the form NAME=value with an upper-case NAME become environment variables, the rest
// command-line arguments. Properties: nothing crashes; a refused configuration says why in one
// line and exits 2; an accepted one is within the documented limits.

#include "config/config.h"
#include "fuzzcheck.h"

#include <QProcessEnvironment>
#include <QRegularExpression>

using namespace Mediaforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16 * 1024)
        return 0;
    static const QRegularExpression variable(QStringLiteral("^[A-Z_][A-Z0-9_]*="));
    QStringList arguments{QStringLiteral("mediaforged")};
    QProcessEnvironment environment;
    const QList<QByteArray> items = FuzzInput::bytes(data, size).split('\0');
    for (const QByteArray &item : items) {
        const QString text = QString::fromUtf8(item);
        if (variable.match(text).hasMatch()) {
            const qsizetype equals = text.indexOf(u'=');
            environment.insert(text.left(equals), text.mid(equals + 1));
        } else {
            arguments.append(text);
        }
    }
    const ConfigOutcome outcome = ConfigLoader::load(arguments, environment);
    if (outcome.action == ConfigOutcome::Action::Exit) {
        FUZZ_CHECK(outcome.error.isEmpty() || outcome.exitCode == 2);
        FUZZ_CHECK(!outcome.error.isEmpty() || !outcome.output.isEmpty());
        return 0;
    }
    const Config &config = outcome.config;
    FUZZ_CHECK(config.port >= 0 && config.port <= 65535);
    FUZZ_CHECK(config.httpPort >= 0 && config.httpPort <= 65535);
    FUZZ_CHECK(config.maxConcurrentJobs >= 1);
    FUZZ_CHECK(config.maxFileBytes > 0);
    return 0;
}
