// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsubmitter.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

using namespace Mediaforge;

bool TestSubmitter::open(const QUrl &url, const QString &token)
{
    QSignalSpy connected(&connection, &ClientConnection::connected);
    connection.open(url, token, QStringLiteral("mediaforge-tests"));
    return connected.wait(10000);
}

QString TestSubmitter::start(const QString &jobId, const QString &operation, const QJsonObject &options,
                             const QString &path, const QJsonObject &extra)
{
    QString id;
    QJsonObject message{{QStringLiteral("type"), QStringLiteral("start_job")},
                              {QStringLiteral("job_id"), jobId},
                              {QStringLiteral("operation"), operation},
                              {QStringLiteral("options"), options},
                              {QStringLiteral("input"), QJsonObject{{QStringLiteral("source"), QStringLiteral("upload")},
                                                                    {QStringLiteral("filename"), QFileInfo(path).fileName()},
                                                                    {QStringLiteral("size"), QFileInfo(path).size()}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        message.insert(it.key(), it.value());
    bool answered = false;
    connection.request(message, [&](const QJsonObject &reply) {
        answered = true;
        id = reply.value(QStringLiteral("id")).toString();
        if (id.isEmpty())
            qWarning() << "start_job refused:" << reply;
    });
    connection.upload(jobId, path);
    if (!QTest::qWaitFor([&] { return answered; }, 10000))
        qWarning() << "no answer to start_job" << jobId;
    return id;
}

QJsonObject TestSubmitter::ask(const QJsonObject &message)
{
    QJsonObject answer;
    bool answered = false;
    connection.request(message, [&](const QJsonObject &reply) {
        answer = reply;
        answered = true;
    });
    if (!QTest::qWaitFor([&] { return answered; }, 10000))
        qWarning() << "no answer to" << message.value(QStringLiteral("type"));
    return answer;
}

QString TestSubmitter::statusOf(const QString &id)
{
    return ask(QJsonObject{{QStringLiteral("type"), QStringLiteral("get_job")}, {QStringLiteral("id"), id}})
            .value(QStringLiteral("job"))
            .toObject()
            .value(QStringLiteral("status"))
            .toString();
}
