// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the end-to-end tests of mediaforge share: the real mediaforged on ephemeral ports, the
// real mediaforge binary, and their outputs. Header-only because tests/CMakeLists.txt builds
// each tst_*.cpp on its own.

#include "testservice.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <csignal>

namespace CliTest {

inline QString serviceBinary()
{
    return qEnvironmentVariable("MEDIAFORGED");
}

inline QString cliBinary()
{
    return qEnvironmentVariable("MEDIAFORGE_CLI");
}

using Service = TestService;

struct Result
{
    int exitCode = -1;
    bool finished = false;
    QByteArray out;
    QByteArray err;

    QString outText() const { return QString::fromUtf8(out); }
    QString errText() const { return QString::fromUtf8(err); }
    // One JSON object per line of stdout (--json).
    QList<QJsonObject> events() const
    {
        QList<QJsonObject> list;
        const QList<QByteArray> lines = out.split('\n');
        for (const QByteArray &line : lines) {
            if (!line.trimmed().isEmpty())
                list.append(QJsonDocument::fromJson(line).object());
        }
        return list;
    }
    QString describe() const
    {
        return QStringLiteral("exit %1%2\n--- stdout\n%3\n--- stderr\n%4")
                .arg(exitCode)
                .arg(finished ? QString() : QStringLiteral(" (did not finish)"), outText().right(3000), errText().right(3000));
    }
};

// The environment mediaforge runs in: English, and no server or token from the test runner.
inline QProcessEnvironment cliEnvironment(const QProcessEnvironment &extra = {})
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("MEDIAFORGE_SERVER"));
    environment.remove(QStringLiteral("MEDIAFORGE_TOKEN"));
    environment.remove(QStringLiteral("LANGUAGE"));
    environment.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
    environment.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    for (const QString &key : extra.keys())
        environment.insert(key, extra.value(key));
    return environment;
}

inline void prepare(QProcess &process, const QStringList &arguments, const QString &workingDirectory,
                    const QProcessEnvironment &extra)
{
    process.setProgram(cliBinary());
    process.setArguments(arguments);
    process.setWorkingDirectory(workingDirectory);
    process.setProcessEnvironment(cliEnvironment(extra));
}

inline Result run(const QStringList &arguments, const QString &workingDirectory, const QProcessEnvironment &extra = {},
                  int timeoutMs = 60000)
{
    QProcess process;
    prepare(process, arguments, workingDirectory, extra);
    process.start();
    Result result;
    if (!process.waitForStarted(10000))
        return result;
    result.finished = process.waitForFinished(timeoutMs);
    if (!result.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

// Waits until `channel` of a running process has produced text matching `pattern`; what was
// read is appended to `seen`.
inline bool waitForOutput(QProcess &process, QProcess::ProcessChannel channel, const QRegularExpression &pattern, QByteArray &seen,
                          int timeoutMs = 30000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        process.setReadChannel(channel);
        seen += process.readAll();
        if (pattern.match(QString::fromUtf8(seen)).hasMatch())
            return true;
        if (process.state() == QProcess::NotRunning)
            return false;
        process.waitForReadyRead(100);
    }
    return false;
}

inline QString sha256Of(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QString();
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return QString::fromLatin1(hash.result().toHex());
}

// Files left in a folder, hidden ones (temporary files) included.
inline QStringList filesIn(const QString &directory)
{
    return QDir(directory).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

// A port nothing listens on: bound, noted and released.
inline quint16 closedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 9;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

} // namespace CliTest
