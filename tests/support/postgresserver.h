// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

// A throwaway PostgreSQL 15 (Debian's postgresql-15) for one test executable: initdb into a
// temporary directory, started with pg_ctl on a free loopback port and a Unix socket in that
// directory, stopped and removed by the destructor whatever the test's outcome. As root (CI) it
// runs as the `postgres` user through runuser, since PostgreSQL refuses to run as root.
// A missing binary is an error (start() says which), never a reason to skip.
class PostgresServer
{
public:
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    // initdb (the superuser `postgres` has password password() over TCP; the socket trusts) and
    // start. False with error() set when anything fails.
    bool start();
    void stop();
    // The database going away and coming back: a fast shutdown (every session is ended, as
    // when an operator restarts the server), then a start on the same port and data dir.
    bool pause();
    bool resume();
    QString error() const { return m_error; }

    int port() const { return m_port; }
    static QString password() { return QStringLiteral("mf-test-secret"); }
    // Creates a database; false with error() set when it fails.
    bool createDatabase(const QString &name);
    // postgresql://postgres:<password>@127.0.0.1:<port>/<database>; without the password when
    // `withPassword` is false (libpq then reads PGPASSWORD or the password file).
    QString uri(const QString &database, bool withPassword = true) const;
    // Runs `sql` with psql on `database` (unaligned, tuples only, '|' between columns); the
    // output's lines, or an empty list and error() set.
    QStringList psql(const QString &database, const QString &sql);

private:
    QStringList asPostgres(const QString &program, const QStringList &arguments) const;
    bool run(const QString &program, const QStringList &arguments, QString *output = nullptr, int timeoutMs = 120000);
    bool launch();

    QString m_binDir = QStringLiteral("/usr/lib/postgresql/15/bin");
    QTemporaryDir m_dir;
    QString m_dataDir;
    int m_port = 0;
    bool m_running = false;
    QString m_error;
};
