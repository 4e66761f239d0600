// SPDX-License-Identifier: GPL-3.0-or-later
// The C++ end-to-end tests' TestService starts mediaforged in a clean environment: whatever the
// person or CI running the suite exported for a service of their own (MEDIAFORGE_PORT, WS_PORT,
// LOG_LEVEL, a tokens file, ...) does not reach the service under test.

#include "config/config.h"
#include "testservice.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

using namespace Mediaforge;

namespace {

// The environment a running process was started with, from /proc.
QHash<QString, QString> environmentOf(qint64 pid)
{
    QHash<QString, QString> environment;
    QFile file(QStringLiteral("/proc/%1/environ").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return environment;
    const QList<QByteArray> entries = file.readAll().split('\0');
    for (const QByteArray &entry : entries) {
        const qsizetype equals = entry.indexOf('=');
        if (equals > 0)
            environment.insert(QString::fromUtf8(entry.left(equals)), QString::fromUtf8(entry.mid(equals + 1)));
    }
    return environment;
}

int healthStatus(const QString &httpUrl)
{
    QNetworkAccessManager network;
    QNetworkReply *reply = network.get(QNetworkRequest(QUrl(httpUrl + QStringLiteral("/health"))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(30000))
        return -1;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

} // namespace

class TestTestService : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanup();
    void callersConfigurationVariablesDoNotReachTheService();
    void variablesTheTestSetsDoReachTheService();

private:
    QStringList m_variables;
};

void TestTestService::initTestCase()
{
    m_variables = ConfigLoader::environmentVariables();
    QVERIFY(m_variables.contains(QStringLiteral("MEDIAFORGE_PORT")));
    QVERIFY(m_variables.contains(QStringLiteral("WS_PORT")));
    QVERIFY(m_variables.contains(QStringLiteral("LOG_LEVEL")));
    // A setting a newer service may read is stripped by its prefix.
    m_variables.append(QStringLiteral("MEDIAFORGE_NOT_YET_A_SETTING"));
}

void TestTestService::cleanup()
{
    for (const QString &name : std::as_const(m_variables))
        qunsetenv(name.toLatin1().constData());
}

void TestTestService::callersConfigurationVariablesDoNotReachTheService()
{
    // Values no service would start with: port 1, a tokens file that does not exist, ...
    for (const QString &name : std::as_const(m_variables))
        qputenv(name.toLatin1().constData(), name.endsWith(QLatin1StringView("PORT")) ? "1" : "/nonexistent/not-a-value");
    TestService service;
    QVERIFY2(service.start(), qPrintable(service.log()));
    QVERIFY(!service.wsUrl().endsWith(QLatin1StringView(":1")));
    QCOMPARE(healthStatus(service.httpUrl()), 200);
    const QHash<QString, QString> environment = environmentOf(service.processId());
    QVERIFY(!environment.isEmpty());
    QVERIFY(environment.contains(QStringLiteral("PATH")));   // the rest of the environment stays
    for (const QString &name : std::as_const(m_variables))
        QVERIFY2(!environment.contains(name), qPrintable(name + QStringLiteral(" reached the service")));
}

void TestTestService::variablesTheTestSetsDoReachTheService()
{
    qputenv("MEDIAFORGE_JOBS_PER_MINUTE", "7");   // the caller's: stripped
    TestService service;
    QProcessEnvironment extra;
    extra.insert(QStringLiteral("MEDIAFORGE_JOBS_PER_MINUTE"), QStringLiteral("3"));   // the test's: kept
    service.setExtraEnvironment(extra);
    QVERIFY2(service.start(), qPrintable(service.log()));
    QCOMPARE(environmentOf(service.processId()).value(QStringLiteral("MEDIAFORGE_JOBS_PER_MINUTE")), QStringLiteral("3"));
}

QTEST_GUILESS_MAIN(TestTestService)
#include "tst_testservice.moc"
