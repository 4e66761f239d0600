// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusterfixture.h"

#include "testmedia.h"
#include "testservice.h"
#include "testsubmitter.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QTest>

ClusterFixture::ClusterFixture(QByteArray secret) : m_secret(std::move(secret)) {}

bool ClusterFixture::start(double clipSeconds, int width, int height)
{
    if (!m_postgres.start()) {
        m_error = m_postgres.error();
        return false;
    }
    if (!m_http.listen()) {
        m_error = QStringLiteral("the test's HTTP server cannot listen on loopback");
        return false;
    }
    if (clipSeconds <= 0)
        return true;
    TestMedia::VideoSpec spec;
    spec.seconds = clipSeconds;
    spec.width = width;
    spec.height = height;
    m_clip = TestMedia::makeVideo(m_media.path(), spec);
    if (m_clip.isEmpty()) {
        m_error = QStringLiteral("ffmpeg could not make the test clip");
        return false;
    }
    m_http.setRoute(QStringLiteral("/clip.mp4"), TestHttpServer::Response::file(m_clip, "video/mp4"));
    return true;
}

QString ClusterFixture::clipUrl() const
{
    return m_http.url(QStringLiteral("/clip.mp4")).toString();
}

bool ClusterFixture::createDatabase(const QString &name)
{
    if (m_postgres.createDatabase(name))
        return true;
    m_error = m_postgres.error();
    return false;
}

QStringList ClusterFixture::nodeArguments(const QString &database, const QString &name) const
{
    return {QStringLiteral("--store"), m_postgres.uri(database), QStringLiteral("--node-name"), name,
            QStringLiteral("--lease-seconds"), QString::number(kLeaseSeconds), QStringLiteral("--allow-private-urls"),
            QStringLiteral("--max-concurrent-jobs"), QStringLiteral("1"), QStringLiteral("--ffmpeg-threads"),
            QStringLiteral("1"), QStringLiteral("--log-level"), QStringLiteral("info")};
}

QProcessEnvironment ClusterFixture::environment() const
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString::fromLatin1(m_secret));
    return environment;
}

bool ClusterFixture::startNode(TestService &node, const QString &database, const QString &name, const QStringList &more)
{
    node.setExtraEnvironment(environment());
    return node.start(nodeArguments(database, name) + more);
}

QByteArray ClusterFixture::outputOnDisk(const TestService &node, const QString &id)
{
    const QDir directory(node.jobsDirectory() + QStringLiteral("/job-") + id);
    const QStringList files = directory.entryList(QDir::Files);
    if (files.size() != 1)
        return QByteArray();
    QFile file(directory.filePath(files.first()));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString ClusterFixture::row(const QString &database, const QString &id)
{
    return m_postgres.psql(database, QStringLiteral("SELECT state, attempts, node FROM jobs WHERE id = '%1'").arg(id)).value(0);
}

bool ClusterFixture::waitForRow(const QString &database, const QString &id, const QString &prefix, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!row(database, id).startsWith(prefix)) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(250);
    }
    return true;
}

qint64 ClusterFixture::heartbeatAgeMs(const QString &database, const QString &node)
{
    bool ok = false;
    const qint64 age = m_postgres.psql(database, QStringLiteral("SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint "
                                                                "- heartbeat_at FROM nodes WHERE name = '%1'").arg(node))
                               .value(0)
                               .toLongLong(&ok);
    return ok ? age : -1;
}

QString ClusterFixture::submitUrl(TestSubmitter &submitter, const QString &jobId, bool detach, const QJsonObject &extra)
{
    QJsonObject request{{QStringLiteral("type"), QStringLiteral("start_job")},
                        {QStringLiteral("job_id"), jobId},
                        {QStringLiteral("operation"), QStringLiteral("compress")},
                        {QStringLiteral("options"), QJsonObject{{QStringLiteral("preset"), QStringLiteral("high")}}},
                        {QStringLiteral("detach"), detach},
                        {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("url")},
                                                              {QStringLiteral("url"), clipUrl()}}}};
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        request.insert(it.key(), it.value());
    const QJsonObject ack = submitter.ask(request);
    if (ack.value(QStringLiteral("type")).toString() != QLatin1StringView("ack"))
        qWarning() << "start_job refused:" << ack;
    return ack.value(QStringLiteral("id")).toString();
}
