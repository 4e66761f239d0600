// SPDX-License-Identifier: GPL-3.0-or-later
#include "testservice.h"

#include "config/config.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>

#include <csignal>

TestService::TestService() = default;

TestService::~TestService()
{
    stop();
}

QProcessEnvironment TestService::cleanEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    const QStringList read = Mediaforge::ConfigLoader::environmentVariables();
    for (const QString &name : read)
        environment.remove(name);
    // Also the MEDIAFORGE_* names a newer service may read; MEDIAFORGED (the binary) stays.
    const QStringList keys = environment.keys();
    for (const QString &name : keys) {
        if (name.startsWith(QLatin1StringView("MEDIAFORGE_")))
            environment.remove(name);
    }
    return environment;
}

bool TestService::start(const QStringList &extraArguments, int wsPort, const QString &jobsDirectory)
{
    const QString program = qEnvironmentVariable("MEDIAFORGED");
    if (!m_temp.isValid() || program.isEmpty()) {
        qWarning("MEDIAFORGED is not set");
        return false;
    }
    m_wsUrl.clear();
    m_httpUrl.clear();
    m_jobsDirectory = jobsDirectory.isEmpty() ? m_temp.filePath(QStringLiteral("jobs")) : jobsDirectory;
    // With --shared-dir the node's job files are in <shared dir>/<node name>, and --temp-dir
    // may not be given besides.
    const qsizetype shared = extraArguments.indexOf(QStringLiteral("--shared-dir"));
    const qsizetype named = extraArguments.lastIndexOf(QStringLiteral("--node-name"));
    if (shared >= 0 && named >= 0)
        m_jobsDirectory = QDir(extraArguments.value(shared + 1)).filePath(extraArguments.value(named + 1));
    else
        QDir().mkpath(m_jobsDirectory);
    m_process.setProgram(program);
    QStringList arguments{QStringLiteral("--port"), QString::number(wsPort), QStringLiteral("--http-port"), QStringLiteral("0")};
    if (shared < 0)
        arguments << QStringLiteral("--temp-dir") << m_jobsDirectory;
    arguments << QStringLiteral("--data-dir") << m_temp.filePath(QStringLiteral("data")) << QStringLiteral("--log-level")
              << QStringLiteral("warning");
    m_process.setArguments(arguments + extraArguments);
    QProcessEnvironment environment = cleanEnvironment();
    environment.insert(m_extraEnvironment);
    m_process.setProcessEnvironment(environment);
    // Read only when a test fails; a pipe nobody reads would stall the service.
    m_process.setStandardErrorFile(m_temp.filePath(QStringLiteral("service.log")), QIODevice::Append);
    m_process.start();
    if (!m_process.waitForStarted(10000))
        return false;
    QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired() && (m_wsUrl.isEmpty() || m_httpUrl.isEmpty())) {
        if (!m_process.canReadLine() && !m_process.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime()))))
            break;
        while (m_process.canReadLine()) {
            const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
            if (line.startsWith(QLatin1StringView("listening ws")))
                m_wsUrl = line.section(u' ', 1, 1);
            else if (line.startsWith(QLatin1StringView("listening http")))
                m_httpUrl = line.section(u' ', 1, 1);
        }
    }
    if (m_wsUrl.isEmpty() || m_httpUrl.isEmpty()) {
        qWarning("mediaforged did not start:\n%s", qPrintable(log()));
        return false;
    }
    return true;
}

void TestService::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    resume();
    m_process.terminate();
    if (!m_process.waitForFinished(15000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

void TestService::pause()
{
    if (m_process.state() != QProcess::NotRunning)
        ::kill(pid_t(m_process.processId()), SIGSTOP);
}

void TestService::resume()
{
    if (m_process.state() != QProcess::NotRunning)
        ::kill(pid_t(m_process.processId()), SIGCONT);
}

QString TestService::log() const
{
    QFile file(m_temp.filePath(QStringLiteral("service.log")));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll().right(4000)) : QString();
}
