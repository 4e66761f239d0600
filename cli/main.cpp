// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforge: parses the command line and runs what it says; everything else is in the
// mediaforge_cli library.
#include "application.h"
#include "commandline.h"
#include "console.h"
#include "signalnotifier.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    using namespace Mediaforge::Cli;
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("mediaforge"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MEDIAFORGE_VERSION));

    const QStringList arguments = QCoreApplication::arguments().mid(1);
    Application::installTranslations(CommandLine::languageFromArguments(arguments));
    Console console = Console::standard();
    const ParseOutcome outcome = CommandLine::parse(arguments, QProcessEnvironment::systemEnvironment());
    if (outcome.action == ParseOutcome::Action::Print) {
        console.out(outcome.text);
        return outcome.exitCode;
    }
    if (outcome.action == ParseOutcome::Action::Fail)
        return Application::reportParseFailure(outcome, console);

    Application application(outcome.command, console);
    SignalNotifier signalNotifier;
    QObject::connect(&signalNotifier, &SignalNotifier::signalled, &application, &Application::interrupt);
    QObject::connect(&application, &Application::finished, &app, &QCoreApplication::exit);
    application.start();
    return QCoreApplication::exec();
}
