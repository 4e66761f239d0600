// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitorapplication.h"

#include "connectdialog.h"
#include "connectionsettings.h"
#include "logging.h"
#include "mainwindow.h"
#include "monitoroptions.h"
#include "statusicons.h"

#include <QApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QNetworkAccessManager>
#include <QPixmap>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <QTranslator>

#include <cstdio>
#include <memory>
#include <optional>

namespace Mediaforge::Monitor {

bool installTranslators(QCoreApplication &application, const QString &language)
{
    // A second call switches the language: the translators of the first one go.
    const QList<QTranslator *> installed = application.findChildren<QTranslator *>(QString(), Qt::FindDirectChildrenOnly);
    for (QTranslator *translator : installed) {
        QCoreApplication::removeTranslator(translator);
        delete translator;
    }
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    QLocale::setDefault(locale);
    // Qt's own strings (standard buttons, context menus of line edits), when installed.
    auto *qt = new QTranslator(&application);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    else
        delete qt;
    auto *monitor = new QTranslator(&application);
    if (monitor->load(locale, QStringLiteral("mediaforge-monitor"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
        QCoreApplication::installTranslator(monitor);
        return true;
    }
    delete monitor;
    return false;
}

namespace {

// --help, --version and a mistyped option are answered without a display: QApplication would
// abort on a machine without one (ssh, a service account) before saying anything.
std::optional<int> answerWithoutDisplay(int &argc, char **argv, const QProcessEnvironment &environment)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const MonitorOptions first = MonitorOptions::parse(arguments, environment);
    if (!first.help && !first.version && first.error.isEmpty())
        return std::nullopt;
    QCoreApplication core(argc, argv);
    installTranslators(core, first.language);
    // Parsed again to say it in the chosen language.
    const MonitorOptions options = MonitorOptions::parse(arguments, environment);
    if (!options.error.isEmpty()) {
        std::fprintf(stderr, "mediaforge-monitor: %s\n", qPrintable(options.error));
        return 2;
    }
    if (options.help) {
        std::fputs(qPrintable(options.helpText), stdout);
        return 0;
    }
    std::printf("mediaforge-monitor %s\n", MEDIAFORGE_VERSION);
    return 0;
}

} // namespace

int runMonitor(int &argc, char **argv)
{
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (const std::optional<int> code = answerWithoutDisplay(argc, argv, environment))
        return *code;
    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("mediaforge-monitor"));
    QApplication::setOrganizationName(QStringLiteral("Mediaforge"));
    QApplication::setApplicationVersion(QStringLiteral(MEDIAFORGE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("mediaforge-monitor"));
    QApplication::setWindowIcon(Icons::application());

    const MonitorOptions options = MonitorOptions::parse(QApplication::arguments(), environment);
    installTranslators(application, options.language);
    QApplication::setApplicationDisplayName(QCoreApplication::translate("Mediaforge::Monitor::MainWindow", "Mediaforge Monitor"));

    // A screenshot run must neither read nor change the user's settings.
    std::unique_ptr<QTemporaryDir> scratch;
    std::unique_ptr<QSettings> settings;
    if (options.screenshotPath.isEmpty()) {
        settings = std::make_unique<QSettings>();
    } else {
        scratch = std::make_unique<QTemporaryDir>();
        settings = std::make_unique<QSettings>(QDir(scratch->path()).filePath(QStringLiteral("monitor.ini")),
                                               QSettings::IniFormat);
    }
    ConnectionSettings connections(*settings);
    QNetworkAccessManager network;
    MainWindow window(connections, &network);
    if (options.windowSize.isValid())
        window.resize(options.windowSize);

    if (!options.servers.isEmpty()) {
        for (const QUrl &url : options.servers)
            window.addService(url, options.token);
    } else {
        const QList<QUrl> open = connections.openServers();
        for (const QUrl &url : open) {
            const auto known = connections.find(url);
            window.addService(url, known ? known->token : QString());
        }
    }
    window.show();
    if (window.serviceCount() == 0 && options.screenshotPath.isEmpty())
        QTimer::singleShot(0, &window, [&window] { window.showConnectDialog(); });

    if (!options.screenshotPath.isEmpty()) {
        QTimer::singleShot(options.screenshotDelayMs, &window, [&window, path = options.screenshotPath] {
            const QPixmap picture = window.grab();
            const bool saved = picture.save(path, "PNG");
            if (saved)
                qCInfo(lcMonitor).noquote() << "screenshot saved to" << path << picture.size();
            else
                qCWarning(lcMonitor).noquote() << "could not save the screenshot to" << path;
            QCoreApplication::exit(saved ? 0 : 1);
        });
    }
    return QApplication::exec();
}

} // namespace Mediaforge::Monitor
