// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "commandline.h"

#include <QJsonObject>
#include <QObject>

namespace Mediaforge {
class ClientConnection;
}

namespace Mediaforge::Cli {

class Console;
class Task;

// One invocation of mediaforge: opens the connection (hello, token), hands it to the
// subcommand's Task, turns a connection that cannot be made into exit 3 and a refused token
// into exit 4, and passes Ctrl-C on.
class Application : public QObject
{
    Q_OBJECT
public:
    Application(const Command &command, Console &console, QObject *parent = nullptr);
    ~Application() override;

    void start();
    void interrupt(int signalNumber);

    // What main() needs before anything runs: the translations for --lang or the locale.
    static void installTranslations(const QString &language);
    // Prints a failed parse (stderr, and with --json an error event on stdout).
    static int reportParseFailure(const ParseOutcome &outcome, Console &console);

    static QString clientName();

signals:
    void finished(int exitCode);

private:
    void onConnected();
    void onDisconnected(const QString &reason, int closeCode, bool unreachable);
    void onEarlyMessage(const QJsonObject &message);
    void finish(int exitCode);
    void failEarly(const QString &code, const QString &message, int exitCode);

    Command m_command;
    Console &m_console;
    ClientConnection *m_connection = nullptr;
    Task *m_task = nullptr;
    QJsonObject m_authError;   // an UNAUTHORIZED error that came before the close
    bool m_started = false;
    bool m_finished = false;
};

} // namespace Mediaforge::Cli
