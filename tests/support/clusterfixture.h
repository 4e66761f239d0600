// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "postgresserver.h"
#include "testhttpserver.h"

#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

class TestService;
class TestSubmitter;

// What every cluster test sets up the same way, once per test executable: a real PostgreSQL
// 15 (PostgresServer), a loopback HTTP server that serves an input clip to any node (URL jobs
// can move between nodes, uploads cannot), and real mediaforged nodes started with one cluster
// secret and short leases. Each test function takes a database of its own, so that the nodes
// of one never see the rows of another.
class ClusterFixture
{
public:
    // The lease of every node: short, so that a dead node's jobs move within seconds.
    static constexpr int kLeaseSeconds = 3;

    // `secret` is the cluster secret of this executable's nodes (at least 32 characters).
    explicit ClusterFixture(QByteArray secret);

    // Starts PostgreSQL and the HTTP server and makes the clip (`clipSeconds` long, 640x480 by
    // default, so that one ffmpeg thread runs it for a while; none for 0). False with error()
    // set when anything fails.
    bool start(double clipSeconds = 8, int width = 640, int height = 480);
    QString error() const { return m_error; }

    PostgresServer &postgres() { return m_postgres; }
    TestHttpServer &http() { return m_http; }
    QByteArray secret() const { return m_secret; }
    QString clipPath() const { return m_clip; }
    QString clipUrl() const;

    bool createDatabase(const QString &name);
    // --store on `database`, --node-name `name`, kLeaseSeconds leases, loopback URLs allowed,
    // one worker slot, one ffmpeg thread, info logs (the tests read the nodes' log lines).
    QStringList nodeArguments(const QString &database, const QString &name) const;
    // The clean environment's additions: the cluster secret, as operators pass it.
    QProcessEnvironment environment() const;
    // A node with nodeArguments() plus `more`, on free loopback ports.
    bool startNode(TestService &node, const QString &database, const QString &name, const QStringList &more = {});

    // "state|attempts|node" of the job's row, empty when there is none.
    QString row(const QString &database, const QString &id);
    // Waits until row() starts with `prefix`. psql blocks this process, whose event loop also
    // serves the nodes' downloads: between two looks the loop gets a quarter of a second.
    bool waitForRow(const QString &database, const QString &id, const QString &prefix, int timeoutMs);
    // How long ago the node's last heartbeat was, by the database's clock; -1 when unknown.
    qint64 heartbeatAgeMs(const QString &database, const QString &node);

    // The bytes of a completed job's only file in the node's directory for it (its output, once
    // the inputs are gone); empty when there is not exactly one.
    static QByteArray outputOnDisk(const TestService &node, const QString &id);

    // start_job of a compress of the clip by URL through `submitter`, detached unless told; the
    // service id, empty (and a warning) when refused.
    QString submitUrl(TestSubmitter &submitter, const QString &jobId, bool detach = true, const QJsonObject &extra = {});

private:
    QByteArray m_secret;
    PostgresServer m_postgres;
    TestHttpServer m_http;
    QTemporaryDir m_media;
    QString m_clip;
    QString m_error;
};
