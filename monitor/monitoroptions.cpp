// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitoroptions.h"

#include "connectionsettings.h"

#include <QCommandLineParser>
#include <QRegularExpression>

namespace Mediaforge::Monitor {

MonitorOptions MonitorOptions::parse(const QStringList &arguments, const QProcessEnvironment &environment)
{
    MonitorOptions options;
    QCommandLineParser parser;
    parser.setApplicationDescription(tr("Mediaforge monitor: watch and steer mediaforged services."));
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")}, tr("Show this help."));
    const QCommandLineOption versionOption({QStringLiteral("v"), QStringLiteral("version")}, tr("Show the version."));
    const QCommandLineOption server(QStringLiteral("server"),
                                    tr("Connect to this service at start-up (ws://host:port/; may be repeated)."),
                                    tr("url"));
    const QCommandLineOption token(QStringLiteral("token"),
                                   tr("Admin token for the --server services (default: $MEDIAFORGE_TOKEN)."), tr("token"));
    const QCommandLineOption lang(QStringLiteral("lang"), tr("Language of the interface, e.g. de or en (default: the system's)."),
                                  tr("language"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        tr("Save a picture of the main window to this PNG file and quit."), tr("path"));
    const QCommandLineOption delay(QStringLiteral("screenshot-delay"),
                                   tr("Milliseconds to wait before the screenshot (default 4000)."), tr("ms"));
    const QCommandLineOption size(QStringLiteral("window-size"), tr("Initial window size, e.g. 1400x860."), tr("WxH"));
    parser.addOptions({helpOption, versionOption, server, token, lang, screenshot, delay, size});
    options.helpText = parser.helpText();
    if (!parser.parse(arguments)) {
        options.error = parser.errorText();
        return options;
    }
    options.help = parser.isSet(helpOption);
    options.version = parser.isSet(versionOption);
    const QStringList urls = parser.values(server);
    for (const QString &text : urls) {
        const QUrl url = ConnectionSettings::normalizeUrl(text);
        if (!url.isValid()) {
            options.error = tr("--server: not a WebSocket URL: %1").arg(text);
            return options;
        }
        options.servers.append(url);
    }
    options.token = parser.isSet(token) ? parser.value(token) : environment.value(QStringLiteral("MEDIAFORGE_TOKEN"));
    options.language = parser.value(lang);
    options.screenshotPath = parser.value(screenshot);
    if (parser.isSet(delay)) {
        bool ok = false;
        options.screenshotDelayMs = parser.value(delay).toInt(&ok);
        if (!ok || options.screenshotDelayMs < 0) {
            options.error = tr("--screenshot-delay: not a number of milliseconds: %1").arg(parser.value(delay));
            return options;
        }
    }
    if (parser.isSet(size)) {
        static const QRegularExpression pattern(QStringLiteral("^(\\d{3,5})x(\\d{3,5})$"));
        const QRegularExpressionMatch match = pattern.match(parser.value(size));
        if (!match.hasMatch()) {
            options.error = tr("--window-size: expected WIDTHxHEIGHT, e.g. 1400x860: %1").arg(parser.value(size));
            return options;
        }
        options.windowSize = QSize(match.captured(1).toInt(), match.captured(2).toInt());
    }
    if (!parser.positionalArguments().isEmpty())
        options.error = tr("unexpected argument: %1").arg(parser.positionalArguments().first());
    return options;
}

} // namespace Mediaforge::Monitor
