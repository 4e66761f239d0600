// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "commandline.h"
#include "outputwriter.h"

#include <QJsonObject>
#include <QObject>

#include <functional>

namespace Mediaforge {
class ClientConnection;
}

namespace Mediaforge::Cli {

class Console;

// One subcommand at work over an open connection. Application opens the connection, calls
// start() once the service said welcome, forwards signals and a lost connection, and exits
// with what finished() reports.
class Task : public QObject
{
    Q_OBJECT
public:
    Task(const Command &command, ClientConnection &connection, Console &console, QObject *parent = nullptr);

    // Whether the task talks to the WebSocket at all (health with --http does not).
    virtual bool needsConnection() const { return true; }
    virtual void start() = 0;
    // Ctrl-C or SIGTERM. By default: stop at once with 128 + the signal number.
    virtual void interrupt(int signalNumber);
    // The socket closed before the task finished.
    virtual void connectionLost(const QString &reason, int closeCode);

    bool isDone() const { return m_done; }
    int exitCode() const { return m_exitCode; }

    // 4 for refused credentials or permissions, else `otherwise`.
    static int exitCodeForServiceError(const QString &code, int otherwise);
    static int exitCodeForSignal(int signalNumber);

signals:
    void finished(int exitCode);

protected:
    void done(int exitCode);
    // Prints "error: CODE: message" on stderr (and with --json an error event on stdout),
    // then finishes with exitCode.
    void fail(const Failure &failure, int exitCode, const QString &jobId = QString(), const QJsonValue &details = {});
    void failWithServiceError(const QJsonObject &error, int exitCode);
    void printJsonLine(const QJsonObject &object);
    void printJsonDocument(const QJsonValue &value);
    // get_job by job_id (the caller's own namespace), then by the service's id; `handler`
    // gets the snapshot. Failures end the task (NOT_FOUND: exit 1).
    using JobHandler = std::function<void(const QJsonObject &job)>;
    void resolveJob(const QString &reference, JobHandler handler);
    bool jsonMode() const { return m_command.global.json; }
    bool quiet() const { return m_command.global.quiet; }
    QString serverText() const;

    Command m_command;
    ClientConnection &m_connection;
    Console &m_console;

private:
    bool m_done = false;
    int m_exitCode = 0;
};

} // namespace Mediaforge::Cli
