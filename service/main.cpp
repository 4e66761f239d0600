// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforged: parses the configuration and hands it to Service, which does everything else.
#include "config/config.h"
#include "server/epolleventdispatcher.h"
#include "service.h"

#include <QCoreApplication>
#include <QEvent>

#include <cstdio>
#include <memory>

int main(int argc, char *argv[])
{
    // Before the application exists, which takes it over: with Qt's default dispatcher each
    // turn of the event loop costs O(connections) (service/server/epolleventdispatcher.h).
    auto dispatcher = std::make_unique<Mediaforge::EpollEventDispatcher>();
    if (dispatcher->isValid())
        QCoreApplication::setEventDispatcher(dispatcher.release());
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("mediaforged"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MEDIAFORGE_VERSION));

    const Mediaforge::ConfigOutcome outcome = Mediaforge::ConfigLoader::load(
            QCoreApplication::arguments(), QProcessEnvironment::systemEnvironment());
    if (outcome.action == Mediaforge::ConfigOutcome::Action::Exit) {
        std::fputs(qPrintable(outcome.output), stdout);
        if (!outcome.error.isEmpty())
            std::fprintf(stderr, "%s\n", qPrintable(outcome.error));
        return outcome.exitCode;
    }
    const int status = Mediaforge::Service::run(outcome.config);
    // What the service's parts handed to deleteLater() on their way out (sessions, transfers)
    // goes now: the event loop that would have deleted it has ended.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return status;
}
