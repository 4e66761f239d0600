// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The real mediaforged (env MEDIAFORGED) for the monitor's end-to-end tests: started on free
// loopback ports, its `listening` lines read back.

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QTest>
#include <QUrl>

#include <csignal>

namespace MonitorTest {

class ServiceProcess
{
public:
    ~ServiceProcess() { stop(); }

    // `extra` are more mediaforged flags; `wsPort` 0 picks a free port.
    bool start(const QString &tempDir, const QStringList &extra = {}, int wsPort = 0)
    {
        const QString program = qEnvironmentVariable("MEDIAFORGED");
        if (program.isEmpty()) {
            qWarning("MEDIAFORGED is not set");
            return false;
        }
        QDir().mkpath(tempDir);
        m_process.setProgram(program);
        m_process.setArguments(QStringList{QStringLiteral("--port"), QString::number(wsPort), QStringLiteral("--http-port"),
                                           QStringLiteral("0"), QStringLiteral("--temp-dir"), tempDir,
                                           QStringLiteral("--log-level"), QStringLiteral("warning")}
                               + extra);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        QElapsedTimer timer;
        timer.start();
        QByteArray buffer;
        while ((wsUrl.isEmpty() || httpUrl.isEmpty()) && timer.elapsed() < 15000) {
            if (!m_process.waitForReadyRead(200) && m_process.state() != QProcess::Running)
                return false;
            buffer += m_process.readAllStandardOutput();
            qsizetype newline;
            while ((newline = buffer.indexOf('\n')) >= 0) {
                const QString line = QString::fromUtf8(buffer.left(newline)).trimmed();
                buffer.remove(0, newline + 1);
                if (line.startsWith(QLatin1StringView("listening ws")))
                    wsUrl = QUrl(line.section(u' ', 1, 1));
                else if (line.startsWith(QLatin1StringView("listening http")))
                    httpUrl = QUrl(line.section(u' ', 1, 1));
            }
        }
        return !wsUrl.isEmpty() && !httpUrl.isEmpty();
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        resume();
        m_process.terminate();
        if (!m_process.waitForFinished(15000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
        wsUrl.clear();
        httpUrl.clear();
    }

    // SIGSTOP / SIGCONT: a service that hangs without closing its sockets.
    void pause() { ::kill(pid_t(m_process.processId()), SIGSTOP); }
    void resume()
    {
        if (m_process.state() != QProcess::NotRunning)
            ::kill(pid_t(m_process.processId()), SIGCONT);
    }

    QUrl wsUrl;
    QUrl httpUrl;

private:
    QProcess m_process;
};

} // namespace MonitorTest
