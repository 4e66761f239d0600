// SPDX-License-Identifier: GPL-3.0-or-later
#include "application.h"

#include "batchcommand.h"
#include "clientconnection.h"
#include "console.h"
#include "fetchcommand.h"
#include "healthcommand.h"
#include "jobscommand.h"
#include "presetscommand.h"
#include "protocol.h"
#include "runcommand.h"
#include "watchcommand.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QLibraryInfo>
#include <QLoggingCategory>
#include <QLocale>
#include <QTimer>
#include <QTranslator>

namespace Mediaforge::Cli {

Q_LOGGING_CATEGORY(lcCli, "mediaforge.cli", QtWarningMsg)

using namespace Protocol;

namespace {

// Long enough for a service on another continent, short enough that a dropped SYN does not
// look like a hang.
constexpr int kConnectTimeoutMs = 15000;

Task *createTask(const Command &command, ClientConnection &connection, Console &console, QObject *parent)
{
    switch (command.subcommand) {
    case Subcommand::Run:
    case Subcommand::Probe:
        if (CommandLine::isBatch(command))
            return new BatchCommand(command, connection, console, parent);
        return new RunCommand(command, connection, console, parent);
    case Subcommand::Jobs:
        return new JobsCommand(command, connection, console, parent);
    case Subcommand::Status:
        return new StatusCommand(command, connection, console, parent);
    case Subcommand::Cancel:
        return new CancelCommand(command, connection, console, parent);
    case Subcommand::Fetch:
        return new FetchCommand(command, connection, console, parent);
    case Subcommand::Health:
        return new HealthCommand(command, connection, console, parent);
    case Subcommand::Watch:
        return new WatchCommand(command, connection, console, parent);
    case Subcommand::Presets:
        return new PresetsCommand(command, connection, console, parent);
    }
    return nullptr;
}

} // namespace

Application::Application(const Command &command, Console &console, QObject *parent)
    : QObject(parent), m_command(command), m_console(console)
{
    m_connection = new ClientConnection(this);
    m_connection->setConnectTimeout(kConnectTimeoutMs);
    m_task = createTask(command, *m_connection, console, this);
    connect(m_task, &Task::finished, this, &Application::finish);
}

Application::~Application() = default;

QString Application::clientName()
{
    return QStringLiteral("mediaforge/") + QStringLiteral(MEDIAFORGE_VERSION);
}

void Application::start()
{
    if (!m_task->needsConnection()) {
        m_started = true;
        m_task->start();
        return;
    }
    connect(m_connection, &ClientConnection::connected, this, &Application::onConnected);
    connect(m_connection, &ClientConnection::disconnected, this, &Application::onDisconnected);
    connect(m_connection, &ClientConnection::messageReceived, this, &Application::onEarlyMessage);
    qCDebug(lcCli) << "connecting to" << m_command.global.server.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery);
    m_connection->open(m_command.global.server, m_command.global.token, clientName());
}

void Application::onConnected()
{
    if (m_finished)
        return;
    m_started = true;
    qCDebug(lcCli) << "welcome" << m_connection->welcome();
    m_task->start();
}

void Application::onEarlyMessage(const QJsonObject &message)
{
    if (m_started || message.value(Field::Type).toString() != Type::Error)
        return;
    m_authError = message;
}

void Application::onDisconnected(const QString &reason, int closeCode, bool unreachable)
{
    if (m_finished)
        return;
    if (m_started) {
        m_task->connectionLost(reason, closeCode);
        return;
    }
    const QString server = m_command.global.server.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery);
    const QString code = m_authError.value(Field::Code).toString();
    if (closeCode == 1008 || code == QLatin1StringView("UNAUTHORIZED")) {
        const QString message = m_authError.value(Field::Message).toString(reason);
        failEarly(QStringLiteral("UNAUTHORIZED"),
                  tr("error: %1: %2").arg(QStringLiteral("UNAUTHORIZED"),
                                          message.isEmpty() ? tr("the service refused the token") : message),
                  toInt(ExitCode::Auth));
        return;
    }
    if (!code.isEmpty()) {
        failEarly(code, tr("error: %1: %2").arg(code, m_authError.value(Field::Message).toString()), toInt(ExitCode::Unreachable));
        return;
    }
    if (unreachable) {
        failEarly(QStringLiteral("UNREACHABLE"), tr("mediaforge: cannot connect to %1: %2").arg(server, reason),
                  toInt(ExitCode::Unreachable));
        return;
    }
    failEarly(QStringLiteral("UNREACHABLE"),
              reason.isEmpty() ? tr("mediaforge: %1 closed the connection before saying welcome").arg(server)
                               : tr("mediaforge: %1 closed the connection before saying welcome: %2").arg(server, reason),
              toInt(ExitCode::Unreachable));
}

void Application::failEarly(const QString &code, const QString &message, int exitCode)
{
    if (m_command.global.json) {
        m_console.out(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("event"), QStringLiteral("error")},
                                                                  {QStringLiteral("code"), code},
                                                                  {QStringLiteral("message"), message},
                                                                  {QStringLiteral("exit_code"), exitCode}})
                                                .toJson(QJsonDocument::Compact))
                      + u'\n');
    }
    m_console.errLine(message);
    finish(exitCode);
}

void Application::interrupt(int signalNumber)
{
    if (m_finished)
        return;
    if (m_started) {
        m_task->interrupt(signalNumber);
        return;
    }
    // Still connecting: nothing exists on the service yet.
    m_console.errLine(tr("interrupted"));
    finish(Task::exitCodeForSignal(signalNumber));
}

void Application::finish(int exitCode)
{
    if (m_finished)
        return;
    m_finished = true;
    qCDebug(lcCli) << "finished with" << exitCode;
    // A polite close lets the service see a normal goodbye instead of a reset.
    m_connection->close();
    QTimer::singleShot(0, this, [this, exitCode] { emit finished(exitCode); });
}

void Application::installTranslations(const QString &language)
{
    QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    // "4113 kbit/s", not "4,113": numbers people may paste into the next command.
    locale.setNumberOptions(QLocale::OmitGroupSeparator);
    QLocale::setDefault(locale);
    static QTranslator translator;
    if (translator.load(locale, QStringLiteral("mediaforge"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QCoreApplication::installTranslator(&translator);
    // Qt's own messages ("Connection refused") where the system has their translation.
    static QTranslator qtTranslator;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(&qtTranslator);
}

int Application::reportParseFailure(const ParseOutcome &outcome, Console &console)
{
    if (outcome.command.global.json) {
        QJsonObject event{{QStringLiteral("event"), QStringLiteral("error")},
                          {QStringLiteral("code"), outcome.code.isEmpty() ? QStringLiteral("USAGE") : outcome.code},
                          {QStringLiteral("message"), outcome.text},
                          {QStringLiteral("exit_code"), outcome.exitCode}};
        if (!outcome.details.isUndefined() && !outcome.details.isNull())
            event.insert(QStringLiteral("details"), outcome.details);
        console.out(QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Compact)) + u'\n');
    }
    console.errLine(outcome.text);
    return outcome.exitCode;
}

} // namespace Mediaforge::Cli
