// SPDX-License-Identifier: GPL-3.0-or-later
// Small server-side rules with their own tables: the tokens file, HTTP Range parsing, the
// browser Origin allow-list, and log redaction.
#include "logging/logging.h"
#include "server/authenticator.h"
#include "server/httpapi.h"
#include "server/websocketserver.h"

#include <QTest>

using namespace Mediaforge;

class TestServerUnits : public QObject
{
    Q_OBJECT

private slots:
    void tokensFileParses()
    {
        const auto auth = Authenticator::fromText("# comment\n\nadmin 0123456789abcdef-admin ops\n"
                                                  "client 0123456789abcdef-alice alice\n");
        QVERIFY(auth.ok());
        QVERIFY(auth->enabled());
        const auto admin = auth->authenticate("0123456789abcdef-admin");
        QVERIFY(admin);
        QCOMPARE(admin->role, Role::Admin);
        QCOMPARE(admin->name, QStringLiteral("ops"));
        QCOMPARE(auth->authenticate("0123456789abcdef-alice")->role, Role::Client);
        QVERIFY(!auth->authenticate("0123456789abcdef-alic"));
        QVERIFY(!auth->authenticate(""));
        QVERIFY(!Authenticator().enabled());
    }

    void badTokensFilesAreRefused_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty") << QByteArray("# nothing\n") << QStringLiteral("no tokens");
        QTest::newRow("two fields") << QByteArray("admin 0123456789abcdef\n") << QStringLiteral("line 1");
        QTest::newRow("bad role") << QByteArray("root 0123456789abcdef x\n") << QStringLiteral("role");
        QTest::newRow("short token") << QByteArray("client short x\n") << QStringLiteral("16");
        QTest::newRow("bad name") << QByteArray("client 0123456789abcdef a/b\n") << QStringLiteral("name");
        QTest::newRow("duplicate") << QByteArray("client 0123456789abcdef a\nadmin 0123456789abcdef b\n") << QStringLiteral("duplicate");
    }
    void badTokensFilesAreRefused()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, mentions);
        const auto auth = Authenticator::fromText(text);
        QVERIFY(!auth.ok());
        QVERIFY2(auth.error().message.contains(mentions), qPrintable(auth.error().message));
    }

    void tokenFromHeaderOrQuery()
    {
        QCOMPARE(Authenticator::tokenFromHeaders("Bearer abc", QString()), QByteArray("abc"));
        QCOMPARE(Authenticator::tokenFromHeaders("bearer   abc  ", QString()), QByteArray("abc"));
        QCOMPARE(Authenticator::tokenFromHeaders(QByteArray(), QStringLiteral("x=1&token=t%2Bk")), QByteArray("t+k"));
        QCOMPARE(Authenticator::tokenFromHeaders("Basic abc", QString()), QByteArray());
    }

    void rangeHeaders_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<bool>("satisfiable");
        QTest::addColumn<qint64>("first");
        QTest::addColumn<qint64>("last");
        QTest::newRow("closed") << QByteArray("bytes=0-99") << true << true << qint64(0) << qint64(99);
        QTest::newRow("open end") << QByteArray("bytes=900-") << true << true << qint64(900) << qint64(999);
        QTest::newRow("suffix") << QByteArray("bytes=-100") << true << true << qint64(900) << qint64(999);
        QTest::newRow("suffix larger than file") << QByteArray("bytes=-5000") << true << true << qint64(0) << qint64(999);
        QTest::newRow("end clipped") << QByteArray("bytes=990-5000") << true << true << qint64(990) << qint64(999);
        QTest::newRow("start beyond") << QByteArray("bytes=1000-") << true << false << qint64(0) << qint64(0);
        QTest::newRow("reversed") << QByteArray("bytes=50-10") << true << false << qint64(0) << qint64(0);
        QTest::newRow("zero suffix") << QByteArray("bytes=-0") << true << false << qint64(0) << qint64(0);
        QTest::newRow("multiple ranges ignored") << QByteArray("bytes=0-1,5-6") << false << true << qint64(0) << qint64(999);
        QTest::newRow("other unit ignored") << QByteArray("items=0-1") << false << true << qint64(0) << qint64(999);
    }
    void rangeHeaders()
    {
        QFETCH(QByteArray, header);
        QFETCH(bool, valid);
        QFETCH(bool, satisfiable);
        QFETCH(qint64, first);
        QFETCH(qint64, last);
        bool isValid = false;
        const auto range = HttpApi::parseRange(header, 1000, &isValid);
        QCOMPARE(isValid, valid);
        QCOMPARE(bool(range), satisfiable);
        if (range) {
            QCOMPARE(range->first, first);
            QCOMPARE(range->last, last);
        }
    }

    void browserOrigins_data()
    {
        QTest::addColumn<QString>("origin");
        QTest::addColumn<QStringList>("allowed");
        QTest::addColumn<bool>("expected");
        const QStringList list{QStringLiteral("https://app.example"), QStringLiteral("http://localhost:3000")};
        QTest::newRow("no origin: not a browser") << QString() << QStringList() << true;
        QTest::newRow("listed") << QStringLiteral("https://app.example") << list << true;
        QTest::newRow("listed with default port") << QStringLiteral("https://app.example:443") << list << true;
        QTest::newRow("other port") << QStringLiteral("http://localhost:3001") << list << false;
        QTest::newRow("other scheme") << QStringLiteral("http://app.example") << list << false;
        QTest::newRow("not listed") << QStringLiteral("https://evil.example") << list << false;
        QTest::newRow("empty list refuses browsers") << QStringLiteral("https://app.example") << QStringList() << false;
        QTest::newRow("star") << QStringLiteral("https://any.example") << QStringList{QStringLiteral("*")} << true;
    }
    void browserOrigins()
    {
        QFETCH(QString, origin);
        QFETCH(QStringList, allowed);
        QFETCH(bool, expected);
        QCOMPARE(WebSocketServer::isOriginAllowed(origin, allowed), expected);
    }

    void logsLoseCredentialsQueriesAndTempPaths()
    {
        QCOMPARE(Logging::redactUrl(QUrl(QStringLiteral("https://user:secret@cdn.example/v/clip.mp4?sig=abc#t=1"))),
                 QStringLiteral("https://cdn.example/v/clip.mp4?<redacted>"));
        QCOMPARE(Logging::redactUrl(QUrl(QStringLiteral("http://cdn.example/a.mp4"))), QStringLiteral("http://cdn.example/a.mp4"));
        Logging::setTempDirectory(QStringLiteral("/var/tmp/mediaforge"));
        QCOMPARE(Logging::redactPaths(QStringLiteral("/var/tmp/mediaforge/job-1/input-0.mp4: Invalid data")),
                 QStringLiteral("<tmp>/job-1/input-0.mp4: Invalid data"));
        Logging::setTempDirectory(QString());
    }
};

QTEST_GUILESS_MAIN(TestServerUnits)
#include "tst_serverunits.moc"
