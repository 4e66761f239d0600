// SPDX-License-Identifier: GPL-3.0-or-later
// Small server-side rules with their own tables: the tokens file, HTTP Range parsing, the
// browser Origin allow-list, and log redaction.
#include "logging/logging.h"
#include "server/authenticator.h"
#include "server/httpapi.h"
#include "server/jobidset.h"
#include "server/websocketserver.h"

#include <QTest>

using namespace Mediaforge;
using namespace Qt::StringLiterals;

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
        QTest::newRow("unknown key") << QByteArray("# c\nclient 0123456789abcdef a colour=blue\n") << QStringLiteral("line 2: unknown key 'colour'");
        QTest::newRow("word without =") << QByteArray("client 0123456789abcdef a presets_only\n") << QStringLiteral("key=value");
        QTest::newRow("bad bool") << QByteArray("client 0123456789abcdef a presets_only=yes\n") << QStringLiteral("presets_only");
        QTest::newRow("bad operation") << QByteArray("client 0123456789abcdef a operations=trim,juggle\n") << QStringLiteral("juggle");
        QTest::newRow("zero rate") << QByteArray("client 0123456789abcdef a jobs_per_minute=0\n") << QStringLiteral("jobs_per_minute");
        QTest::newRow("bad size") << QByteArray("client 0123456789abcdef a max_input_bytes=lots\n") << QStringLiteral("max_input_bytes");
        QTest::newRow("short secret") << QByteArray("client 0123456789abcdef a webhook_secret=abc\n") << QStringLiteral("webhook_secret");
        QTest::newRow("ftp notify url") << QByteArray("client 0123456789abcdef a notify_url=ftp://x.example/\n") << QStringLiteral("notify_url");
        QTest::newRow("key twice") << QByteArray("client 0123456789abcdef a unfinished_jobs=1 unfinished_jobs=2\n") << QStringLiteral("twice");
        QTest::newRow("conflicting owner") << QByteArray("client 0123456789abcdef-1 a unfinished_jobs=1\n"
                                                         "client 0123456789abcdef-2 a unfinished_jobs=2\n")
                                           << QStringLiteral("line 2: the keys for 'a' differ");
    }
    void badTokensFilesAreRefused()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, mentions);
        const auto auth = Authenticator::fromText(text);
        QVERIFY(!auth.ok());
        QVERIFY2(auth.error().message.contains(mentions), qPrintable(auth.error().message));
    }

    void tokensFileKeysSetOwnerSettings()
    {
        const auto auth = Authenticator::fromText(
                "client 0123456789abcdef-old web presets=web-720p,poster operations=compress,thumbnail "
                "jobs_per_minute=5 unfinished_jobs=2 max_input_bytes=500M input_bytes_per_day=2G "
                "webhook_secret=s3cret-s3cret-s3cret notify_url=https://app.example/hooks\n"
                "client 0123456789abcdef-new web presets=web-720p,poster operations=compress,thumbnail "
                "jobs_per_minute=5 unfinished_jobs=2 max_input_bytes=500M input_bytes_per_day=2G "
                "webhook_secret=s3cret-s3cret-s3cret notify_url=https://app.example/hooks\n"
                "client 0123456789abcdef-old-style plain\n"
                "client 0123456789abcdef-browser browser presets_only=true\n");
        QVERIFY2(auth.ok(), auth.ok() ? "" : qPrintable(auth.error().message));
        // Both rotated tokens authenticate as the one owner those keys describe.
        QCOMPARE(auth->authenticate("0123456789abcdef-new")->name, QStringLiteral("web"));
        QCOMPARE(auth->authenticate("0123456789abcdef-old")->name, QStringLiteral("web"));
        const OwnerSettings web = auth->ownerSettings(QStringLiteral("web"));
        QVERIFY(web.presetsOnly);   // presets= implies it
        QCOMPARE(web.presets, QStringList({QStringLiteral("web-720p"), QStringLiteral("poster")}));
        QCOMPARE(web.operations, QStringList({QStringLiteral("compress"), QStringLiteral("thumbnail")}));
        QCOMPARE(web.jobsPerMinute, 5);
        QCOMPARE(web.maxUnfinishedJobs, 2);
        QCOMPARE(web.maxInputBytes, qint64(500) * 1024 * 1024);
        QCOMPARE(web.inputBytesPerDay, qint64(2) * 1024 * 1024 * 1024);
        QCOMPARE(web.webhookSecret, QByteArray("s3cret-s3cret-s3cret"));
        QCOMPARE(web.notifyUrl, QUrl(QStringLiteral("https://app.example/hooks")));
        QVERIFY(web.hasQuota());
        // An old three-word line keeps meaning what it meant: no limits beyond the service's.
        const OwnerSettings plain = auth->ownerSettings(QStringLiteral("plain"));
        QVERIFY(plain == OwnerSettings());
        QVERIFY(!plain.hasQuota());
        QVERIFY(auth->ownerSettings(QStringLiteral("browser")).presetsOnly);
        QVERIFY(auth->ownerSettings(QStringLiteral("browser")).presets.isEmpty());
    }

    void tokensFileErrorsNeverQuoteTheWebhookSecret()
    {
        const auto auth = Authenticator::fromText("client 0123456789abcdef-1 a webhook_secret=hunter2-hunter2-hunter2\n"
                                                  "client 0123456789abcdef-2 a webhook_secret=other-other-other-other\n");
        QVERIFY(!auth.ok());
        QVERIFY(!auth.error().message.contains(QStringLiteral("hunter2")));
        QVERIFY(!auth.error().message.contains(QStringLiteral("other-other")));
        const auto shortOne = Authenticator::fromText("client 0123456789abcdef-1 a webhook_secret=tiny\n");
        QVERIFY(!shortOne.ok());
        QVERIFY(!shortOne.error().message.contains(QStringLiteral("tiny")));
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

    void jobIdSetKeepsEachIdOnceAndFindsItAfterAnyOrderOfChanges()
    {
        JobIdSet ids;
        QVERIFY(ids.isEmpty());
        // Inserted out of order, with a duplicate: each id is there once and found.
        const QStringList inserted{u"m"_s, u"c"_s, u"x"_s, u"a"_s, u"c"_s, u"q"_s};
        for (const QString &id : inserted)
            ids.insert(id);
        QCOMPARE(ids.size(), 5);
        QVERIFY(!ids.insert(u"q"_s));
        for (const QString &id : inserted)
            QVERIFY2(ids.contains(id), qPrintable(id));
        QVERIFY(!ids.contains(u"b"_s));
        QVERIFY(!ids.contains(QString()));
        // Removing: only what is there, once.
        QVERIFY(ids.remove(u"c"_s));
        QVERIFY(!ids.remove(u"c"_s));
        QVERIFY(!ids.contains(u"c"_s));
        QVERIFY(!ids.remove(u"zz"_s));
        QStringList walked;
        for (const QString &id : ids)
            walked.append(id);
        QCOMPARE(walked, (QStringList{u"a"_s, u"m"_s, u"q"_s, u"x"_s}));
        for (const QString &id : walked)
            QVERIFY(ids.remove(id));
        QVERIFY(ids.isEmpty());
        QVERIFY(!ids.contains(u"a"_s));
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
