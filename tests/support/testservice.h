// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

// The real mediaforged (environment variable MEDIAFORGED) for end-to-end tests in C++: started
// on free loopback ports with its own temp dir; the ports come from its `listening` lines.
// It runs in a clean environment: nothing the caller set for a service of its own (MEDIAFORGE_*
// or the legacy variables) reaches it, only what the test asks for.
class TestService
{
public:
    TestService();
    ~TestService();

    // The caller's environment without any variable mediaforged reads for its configuration.
    static QProcessEnvironment cleanEnvironment();
    // Variables for the next start(), on top of the clean environment (a test of MEDIAFORGE_*).
    void setExtraEnvironment(const QProcessEnvironment &extra) { m_extraEnvironment = extra; }

    // `extraArguments` are more mediaforged flags; `wsPort` 0 picks a free port (a fixed one
    // lets a test restart the service where its clients expect it); `jobsDirectory` empty
    // uses one inside the service's own temp dir.
    bool start(const QStringList &extraArguments = {}, int wsPort = 0, const QString &jobsDirectory = QString());
    void stop();
    // SIGSTOP / SIGCONT: a service that hangs without closing its sockets.
    void pause();
    void resume();

    QString wsUrl() const { return m_wsUrl; }
    QString httpUrl() const { return m_httpUrl; }
    qint64 processId() const { return m_process.processId(); }
    QString jobsDirectory() const { return m_jobsDirectory; }
    QString tempPath(const QString &name) const { return m_temp.filePath(name); }
    // The end of its log (stderr), for failure messages.
    QString log() const;

private:
    QTemporaryDir m_temp;
    QProcess m_process;
    QProcessEnvironment m_extraEnvironment;
    QString m_jobsDirectory;
    QString m_wsUrl;
    QString m_httpUrl;
};
