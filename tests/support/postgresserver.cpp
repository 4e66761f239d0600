// SPDX-License-Identifier: GPL-3.0-or-later
#include "postgresserver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QTcpServer>

#include <unistd.h>

PostgresServer::PostgresServer()
    : m_dir(QDir::tempPath() + QStringLiteral("/mediaforge-pg-XXXXXX"))
{
}

PostgresServer::~PostgresServer()
{
    stop();
}

QStringList PostgresServer::asPostgres(const QString &program, const QStringList &arguments) const
{
    QStringList command;
    if (geteuid() == 0)
        command << QStringLiteral("runuser") << QStringLiteral("-u") << QStringLiteral("postgres") << QStringLiteral("--");
    command << program << arguments;
    return command;
}

bool PostgresServer::run(const QString &program, const QStringList &arguments, QString *output, int timeoutMs)
{
    const QStringList command = asPostgres(program, arguments);
    QProcess process;
    process.setWorkingDirectory(m_dir.path());
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(command.constFirst(), command.mid(1));
    if (!process.waitForStarted(30000)) {
        m_error = QStringLiteral("cannot start %1: %2").arg(command.join(u' '), process.errorString());
        return false;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        m_error = QStringLiteral("%1 did not finish").arg(command.join(u' '));
        return false;
    }
    const QString text = QString::fromLocal8Bit(process.readAll());
    if (output)
        *output = text;
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        m_error = QStringLiteral("%1 failed (%2): %3").arg(command.join(u' ')).arg(process.exitCode()).arg(text.right(2000));
        return false;
    }
    return true;
}

bool PostgresServer::start()
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    for (const char *tool : {"initdb", "pg_ctl", "psql"}) {
        if (!QFileInfo(m_binDir + u'/' + QLatin1StringView(tool)).isExecutable()) {
            m_error = QStringLiteral("%1/%2 is missing: install Debian's postgresql-15 (./dev does)").arg(m_binDir, QLatin1StringView(tool));
            return false;
        }
    }
    if (geteuid() == 0 && !run(QStringLiteral("true"), {})) {
        // runuser itself, or the postgres user, is missing.
        return false;
    }
    if (geteuid() == 0) {
        QProcess chown;
        chown.start(QStringLiteral("chown"), {QStringLiteral("postgres:postgres"), m_dir.path()});
        if (!chown.waitForFinished(30000) || chown.exitCode() != 0) {
            m_error = QStringLiteral("cannot hand %1 to the postgres user").arg(m_dir.path());
            return false;
        }
    }
    const QString passwordFile = m_dir.filePath(QStringLiteral("password"));
    {
        QFile file(passwordFile);
        if (!file.open(QIODevice::WriteOnly) || file.write(password().toUtf8() + '\n') < 0) {
            m_error = QStringLiteral("cannot write %1").arg(passwordFile);
            return false;
        }
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther);
    }
    m_dataDir = m_dir.filePath(QStringLiteral("data"));
    // No fsync and no sync at init: the cluster is thrown away; what is tested is the SQL.
    if (!run(m_binDir + QStringLiteral("/initdb"),
             {QStringLiteral("-D"), m_dataDir, QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("--pwfile"),
              passwordFile, QStringLiteral("--auth-local=trust"), QStringLiteral("--auth-host=scram-sha-256"),
              QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--locale=C"), QStringLiteral("--no-sync")}))
        return false;
    QFile::remove(passwordFile);
    // A free port: bound and released at once; the window for another process to take it is
    // short, and pg_ctl's failure then says so.
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0)) {
            m_error = QStringLiteral("no free loopback port");
            return false;
        }
        m_port = probe.serverPort();
    }
    return launch();
}

bool PostgresServer::launch()
{
    const QString options = QStringLiteral("-c listen_addresses=127.0.0.1 -p %1 -k %2 -c fsync=off -c full_page_writes=off "
                                           "-c max_connections=50 -c shared_buffers=16MB")
                                    .arg(m_port)
                                    .arg(m_dir.path());
    if (!run(m_binDir + QStringLiteral("/pg_ctl"),
             {QStringLiteral("-D"), m_dataDir, QStringLiteral("-l"), m_dir.filePath(QStringLiteral("server.log")),
              QStringLiteral("-o"), options, QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("120"),
              QStringLiteral("start")})) {
        QFile log(m_dir.filePath(QStringLiteral("server.log")));
        if (log.open(QIODevice::ReadOnly))
            m_error += QStringLiteral("\nserver log: ") + QString::fromLocal8Bit(log.readAll().right(2000));
        return false;
    }
    m_running = true;
    return true;
}

bool PostgresServer::pause()
{
    if (!m_running) {
        m_error = QStringLiteral("the server is not running");
        return false;
    }
    if (!run(m_binDir + QStringLiteral("/pg_ctl"),
             {QStringLiteral("-D"), m_dataDir, QStringLiteral("-m"), QStringLiteral("fast"), QStringLiteral("-w"),
              QStringLiteral("-t"), QStringLiteral("120"), QStringLiteral("stop")},
             nullptr, 150000))
        return false;
    m_running = false;
    return true;
}

bool PostgresServer::resume()
{
    if (m_running || m_dataDir.isEmpty()) {
        m_error = QStringLiteral("the server is running or was never started");
        return false;
    }
    return launch();
}

void PostgresServer::stop()
{
    if (!m_running)
        return;
    m_running = false;
    // Immediate: nothing of this cluster is kept, so there is nothing to shut down cleanly.
    run(m_binDir + QStringLiteral("/pg_ctl"),
        {QStringLiteral("-D"), m_dataDir, QStringLiteral("-m"), QStringLiteral("immediate"), QStringLiteral("-w"),
         QStringLiteral("stop")},
        nullptr, 60000);
}

bool PostgresServer::createDatabase(const QString &name)
{
    psql(QStringLiteral("postgres"), QStringLiteral("CREATE DATABASE \"%1\"").arg(name));
    return m_error.isEmpty();
}

QStringList PostgresServer::psql(const QString &database, const QString &sql)
{
    m_error.clear();
    QString output;
    if (!run(m_binDir + QStringLiteral("/psql"),
             {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-A"), QStringLiteral("-t"), QStringLiteral("-v"),
              QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-h"), m_dir.path(), QStringLiteral("-p"),
              QString::number(m_port), QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("-d"), database,
              QStringLiteral("-c"), sql},
             &output, 60000))
        return {};
    return output.split(u'\n', Qt::SkipEmptyParts);
}

QString PostgresServer::uri(const QString &database, bool withPassword) const
{
    return QStringLiteral("postgresql://postgres%1@127.0.0.1:%2/%3")
            .arg(withPassword ? u':' + password() : QString())
            .arg(m_port)
            .arg(database);
}
