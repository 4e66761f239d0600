// SPDX-License-Identifier: GPL-3.0-or-later
// The configuration loader: flags over MEDIAFORGE_* over the legacy names of the replaced
// services over defaults, and one clear line with exit code 2 for every bad value.
#include "config/config.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace Mediaforge;

class TestConfig : public QObject
{
    Q_OBJECT

private:
    static ConfigOutcome load(const QStringList &flags, const QList<std::pair<QString, QString>> &env = {})
    {
        QProcessEnvironment environment;
        for (const auto &[key, value] : env)
            environment.insert(key, value);
        return ConfigLoader::load(QStringList{QStringLiteral("mediaforged")} + flags, environment);
    }

private slots:
    void defaultsMatchTheProtocol()
    {
        const ConfigOutcome outcome = load({});
        QCOMPARE(outcome.action, ConfigOutcome::Action::Run);
        const Config &config = outcome.config;
        QCOMPARE(config.host, QStringLiteral("127.0.0.1"));
        QCOMPARE(config.port, 8080);
        QCOMPARE(config.httpPort, 8081);
        QCOMPARE(config.maxConcurrentJobs, qMax(1, QThread::idealThreadCount()));
        QCOMPARE(config.jobTimeoutSeconds, 600);
        QCOMPARE(config.maxFileBytes, qint64(2) * 1024 * 1024 * 1024);
        QCOMPARE(config.retentionSeconds, 3600);
        QCOMPARE(config.maxChunkBytes, 1024 * 1024);
        QCOMPARE(config.maxMessageBytes, 64 * 1024);
        QCOMPARE(config.maxBinaryMessageBytes, qint64(512) * 1024 * 1024);
        QCOMPARE(config.level0OutputLimitBytes, qint64(256) * 1024 * 1024);
        QCOMPARE(config.maxJobsPerConnection, 16);
        QCOMPARE(config.maxQueuedJobs, 1000);
        QCOMPARE(config.maxRedirects, 5);
        QCOMPARE(config.maxConnections, 1000);
        QCOMPARE(config.pingIntervalSeconds, 30);
        QCOMPARE(config.stallSeconds, 120);
        QVERIFY(config.dataDir.endsWith(QStringLiteral("/mediaforge")));
        // Job files live with the store by default: a restart must find them, /tmp may not.
        QCOMPARE(config.tempDir, config.dataDir + QStringLiteral("/jobs"));
        QCOMPARE(config.historyDays, 7);
        QCOMPARE(config.maxAttempts, 2);
        QVERIFY(!config.resetStore);
        QCOMPARE(config.store, QStringLiteral("sqlite"));
        QCOMPARE(config.leaseSeconds, 30);
        QVERIFY(!config.nodeName.isEmpty());
    }

    void sharedStoreTakesAPostgresUriANodeNameAndALease()
    {
        const ConfigOutcome outcome = load({QStringLiteral("--store"), QStringLiteral("postgresql://mf@db.internal:5432/jobs"),
                                            QStringLiteral("--node-name"), QStringLiteral("encoder-2"),
                                            QStringLiteral("--lease-seconds"), QStringLiteral("9")},
                                           {{QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString(40, u'k')}});
        QCOMPARE(outcome.action, ConfigOutcome::Action::Run);
        QCOMPARE(outcome.config.store, QStringLiteral("postgresql://mf@db.internal:5432/jobs"));
        QCOMPARE(outcome.config.nodeName, QStringLiteral("encoder-2"));
        QCOMPARE(outcome.config.leaseSeconds, 9);
        const ConfigOutcome fromEnvironment = load({}, {{QStringLiteral("MEDIAFORGE_STORE"), QStringLiteral("postgres://mf@h/db")},
                                                        {QStringLiteral("MEDIAFORGE_NODE_NAME"), QStringLiteral("n1")},
                                                        {QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString(40, u'k')}});
        QCOMPARE(fromEnvironment.config.store, QStringLiteral("postgres://mf@h/db"));
        QCOMPARE(fromEnvironment.config.nodeName, QStringLiteral("n1"));
    }

    void sharedStoreRefusesToStartWithoutAClusterSecret()
    {
        const QStringList store{QStringLiteral("--store"), QStringLiteral("postgresql://mf@db/jobs")};
        const ConfigOutcome none = load(store);
        QCOMPARE(none.exitCode, 2);
        QVERIFY2(none.error.contains(QStringLiteral("MEDIAFORGE_CLUSTER_SECRET or --cluster-secret-file")), qPrintable(none.error));
        const ConfigOutcome tooShort = load(store, {{QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QStringLiteral("short-secret")}});
        QCOMPARE(tooShort.exitCode, 2);
        QVERIFY2(tooShort.error.contains(QStringLiteral("at least 32 bytes")), qPrintable(tooShort.error));
        QVERIFY2(!tooShort.error.contains(QStringLiteral("short-secret")), "the secret must not be echoed");
        // The embedded store needs none.
        QCOMPARE(load({}).action, ConfigOutcome::Action::Run);
    }

    void clusterSecretComesFromTheEnvironmentOrAFileNeverFromAFlagValue()
    {
        const QByteArray secret = "0123456789abcdef0123456789abcdef-from-a-file";
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("secret")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(secret + '\n');
        file.close();
        const QStringList store{QStringLiteral("--store"), QStringLiteral("postgresql://mf@db/jobs")};
        const ConfigOutcome fromFile = load(store + QStringList{QStringLiteral("--cluster-secret-file"), file.fileName()});
        QCOMPARE(fromFile.action, ConfigOutcome::Action::Run);
        QCOMPARE(fromFile.config.clusterSecret, secret);
        const ConfigOutcome fromEnvironment = load(store, {{QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString::fromLatin1(secret)}});
        QCOMPARE(fromEnvironment.config.clusterSecret, secret);
        const ConfigOutcome both = load(store + QStringList{QStringLiteral("--cluster-secret-file"), file.fileName()},
                                        {{QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString::fromLatin1(secret)}});
        QCOMPARE(both.exitCode, 2);
        QVERIFY2(both.error.contains(QStringLiteral("not both")), qPrintable(both.error));
        const ConfigOutcome missing = load(store + QStringList{QStringLiteral("--cluster-secret-file"), dir.filePath(QStringLiteral("nope"))});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.error.contains(QStringLiteral("cannot read --cluster-secret-file")), qPrintable(missing.error));
        // No flag takes the secret itself.
        QCOMPARE(load(store + QStringList{QStringLiteral("--cluster-secret"), QString::fromLatin1(secret)}).exitCode, 2);
        // Whoever starts a service with a clean environment must strip it too.
        QVERIFY(ConfigLoader::environmentVariables().contains(QStringLiteral("MEDIAFORGE_CLUSTER_SECRET")));
    }

    void advertiseUrlIsRequiredOnlyWhereItCannotBeDerived()
    {
        const QList<std::pair<QString, QString>> env{{QStringLiteral("MEDIAFORGE_CLUSTER_SECRET"), QString(40, u'k')}};
        const QStringList store{QStringLiteral("--store"), QStringLiteral("postgresql://mf@db/jobs")};
        const QStringList wildcard{QStringLiteral("--host"), QStringLiteral("0.0.0.0"), QStringLiteral("--insecure-no-auth")};
        const ConfigOutcome underived = load(store + wildcard, env);
        QCOMPARE(underived.exitCode, 2);
        QVERIFY2(underived.error.contains(QStringLiteral("--advertise-url")), qPrintable(underived.error));
        const ConfigOutcome given = load(store + wildcard + QStringList{QStringLiteral("--advertise-url"), QStringLiteral("http://10.0.0.7:8081/")}, env);
        QCOMPARE(given.action, ConfigOutcome::Action::Run);
        QCOMPARE(given.config.advertiseUrl, QStringLiteral("http://10.0.0.7:8081"));
        // A specific address is what the others reach: derived at start-up from the bound port.
        const ConfigOutcome derived = load(store + QStringList{QStringLiteral("--host"), QStringLiteral("127.0.0.1")}, env);
        QCOMPARE(derived.action, ConfigOutcome::Action::Run);
        QVERIFY(derived.config.advertiseUrl.isEmpty());
        for (const QString &bad : {QStringLiteral("ftp://h:1"), QStringLiteral("http://user:pw@h:1"), QStringLiteral("http://h:1/x"),
                                  QStringLiteral("http://h:1?q=1"), QStringLiteral("h:1")}) {
            const ConfigOutcome refused = load(store + QStringList{QStringLiteral("--advertise-url"), bad}, env);
            QVERIFY2(refused.exitCode == 2 && refused.error.contains(QStringLiteral("http://HOST:PORT")), qPrintable(bad + refused.error));
        }
    }

    void dataDirFromEnvironmentMovesTheJobFiles()
    {
        QProcessEnvironment environment;
        environment.insert(QStringLiteral("MEDIAFORGE_DATA_DIR"), QStringLiteral("/var/lib/mediaforge"));
        const ConfigOutcome outcome = ConfigLoader::load({QStringLiteral("mediaforged")}, environment);
        QCOMPARE(outcome.action, ConfigOutcome::Action::Run);
        QCOMPARE(outcome.config.dataDir, QStringLiteral("/var/lib/mediaforge"));
        QCOMPARE(outcome.config.tempDir, QStringLiteral("/var/lib/mediaforge/jobs"));
        const ConfigOutcome overridden = ConfigLoader::load(
                {QStringLiteral("mediaforged"), QStringLiteral("--temp-dir"), QStringLiteral("/srv/scratch")}, environment);
        QCOMPARE(overridden.config.tempDir, QStringLiteral("/srv/scratch"));
        QCOMPARE(overridden.config.dataDir, QStringLiteral("/var/lib/mediaforge"));
    }

    void sourcesInPrecedence_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("envName");
        QTest::addColumn<QString>("envValue");
        QTest::addColumn<int>("expectedPort");

        QTest::newRow("legacy WS_PORT") << QStringList() << QStringLiteral("WS_PORT") << QStringLiteral("9001") << 9001;
        QTest::newRow("MEDIAFORGE_PORT") << QStringList() << QStringLiteral("MEDIAFORGE_PORT") << QStringLiteral("9002") << 9002;
        QTest::newRow("flag wins over env") << QStringList{QStringLiteral("--port"), QStringLiteral("9003")}
                                            << QStringLiteral("MEDIAFORGE_PORT") << QStringLiteral("9002") << 9003;
    }
    void sourcesInPrecedence()
    {
        QFETCH(QStringList, flags);
        QFETCH(QString, envName);
        QFETCH(QString, envValue);
        QFETCH(int, expectedPort);
        const ConfigOutcome outcome = load(flags, {{envName, envValue}});
        QCOMPARE(outcome.action, ConfigOutcome::Action::Run);
        QCOMPARE(outcome.config.port, expectedPort);
    }

    void newNameWinsOverLegacyName()
    {
        const ConfigOutcome outcome = load({}, {{QStringLiteral("WS_PORT"), QStringLiteral("9100")},
                                                {QStringLiteral("MEDIAFORGE_PORT"), QStringLiteral("9200")}});
        QCOMPARE(outcome.config.port, 9200);
    }

    void legacyNamesAreUnderstood()
    {
        const ConfigOutcome outcome = load({}, {{QStringLiteral("WS_HOST"), QStringLiteral("::1")},
                                                {QStringLiteral("HEALTH_PORT"), QStringLiteral("9300")},
                                                {QStringLiteral("MAX_CONCURRENT_JOBS"), QStringLiteral("3")},
                                                {QStringLiteral("FFMPEG_TIMEOUT_SECONDS"), QStringLiteral("42")},
                                                {QStringLiteral("FFMPEG_THREADS"), QStringLiteral("2")},
                                                {QStringLiteral("TEMP_DIR"), QStringLiteral("/var/tmp/mf")},
                                                {QStringLiteral("MAX_FILE_SIZE_MB"), QStringLiteral("100")},
                                                {QStringLiteral("LOG_LEVEL"), QStringLiteral("WARNING")}});
        QCOMPARE(outcome.action, ConfigOutcome::Action::Run);
        const Config &config = outcome.config;
        QCOMPARE(config.host, QStringLiteral("::1"));
        QCOMPARE(config.httpPort, 9300);
        QCOMPARE(config.maxConcurrentJobs, 3);
        QCOMPARE(config.jobTimeoutSeconds, 42);
        QCOMPARE(config.ffmpegThreads, 2);
        QCOMPARE(config.tempDir, QStringLiteral("/var/tmp/mf"));
        QCOMPARE(config.maxFileBytes, qint64(100) * 1024 * 1024);   // the legacy variable is in MB
        QCOMPARE(config.logLevel, QStringLiteral("warning"));
    }

    void sizesTakeSuffixes()
    {
        const ConfigOutcome outcome = load({QStringLiteral("--max-file-size"), QStringLiteral("3G"),
                                            QStringLiteral("--max-chunk-size"), QStringLiteral("512K")});
        QCOMPARE(outcome.config.maxFileBytes, qint64(3) * 1024 * 1024 * 1024);
        QCOMPARE(outcome.config.maxChunkBytes, 512 * 1024);
    }

    // Flags and the tokens file's quota keys read sizes through this one function.
    void byteSizesReadTheSameEverywhere_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("plain") << QStringLiteral("1048576") << qint64(1048576);
        QTest::newRow("K") << QStringLiteral("512K") << qint64(512) * 1024;
        QTest::newRow("MiB") << QStringLiteral("20MiB") << qint64(20) * 1024 * 1024;
        QTest::newRow("lower g") << QStringLiteral(" 2g ") << qint64(2) * 1024 * 1024 * 1024;
        QTest::newRow("T") << QStringLiteral("1T") << (qint64(1) << 40);
        QTest::newRow("negative") << QStringLiteral("-1") << qint64(-1);
        QTest::newRow("word") << QStringLiteral("lots") << qint64(-1);
        QTest::newRow("past 1 PiB") << QStringLiteral("2048T") << qint64(-1);
    }

    void byteSizesReadTheSameEverywhere()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        const auto parsed = parseByteSize(text);
        QCOMPARE(parsed.has_value(), bytes >= 0);
        if (parsed)
            QCOMPARE(*parsed, bytes);
    }

    void badValuesStopWithOneLineAndExitTwo_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("envName");
        QTest::addColumn<QString>("envValue");
        QTest::addColumn<QString>("mentions");

        QTest::newRow("port not a number") << QStringList{QStringLiteral("--port"), QStringLiteral("http")} << QString()
                                           << QString() << QStringLiteral("--port http");
        QTest::newRow("port out of range") << QStringList{QStringLiteral("--port"), QStringLiteral("70000")} << QString()
                                           << QString() << QStringLiteral("0 to 65535");
        QTest::newRow("zero workers") << QStringList() << QStringLiteral("MAX_CONCURRENT_JOBS") << QStringLiteral("0")
                                      << QStringLiteral("MAX_CONCURRENT_JOBS=0");
        QTest::newRow("negative timeout") << QStringList() << QStringLiteral("MEDIAFORGE_JOB_TIMEOUT")
                                          << QStringLiteral("-5") << QStringLiteral("MEDIAFORGE_JOB_TIMEOUT=-5");
        QTest::newRow("bad size") << QStringList{QStringLiteral("--max-file-size"), QStringLiteral("lots")} << QString()
                                  << QString() << QStringLiteral("suffixes K, M, G");
        QTest::newRow("bad log level") << QStringList() << QStringLiteral("LOG_LEVEL") << QStringLiteral("chatty")
                                       << QStringLiteral("debug, info, warning or error");
        QTest::newRow("bad log format") << QStringList{QStringLiteral("--log-format"), QStringLiteral("xml")}
                                        << QString() << QString() << QStringLiteral("text or json");
        QTest::newRow("bad host") << QStringList{QStringLiteral("--host"), QStringLiteral("example.com")} << QString()
                                  << QString() << QStringLiteral("an IP address");
        QTest::newRow("unknown flag") << QStringList{QStringLiteral("--frobnicate")} << QString() << QString()
                                      << QStringLiteral("frobnicate");
        QTest::newRow("public bind without tokens")
                << QStringList{QStringLiteral("--host"), QStringLiteral("0.0.0.0")} << QString() << QString()
                << QStringLiteral("--insecure-no-auth");
        QTest::newRow("missing tokens file") << QStringList{QStringLiteral("--tokens-file"), QStringLiteral("/nonexistent/tokens")}
                                             << QString() << QString() << QStringLiteral("a readable file");
        QTest::newRow("same ports") << QStringList{QStringLiteral("--port"), QStringLiteral("9000"),
                                                   QStringLiteral("--http-port"), QStringLiteral("9000")}
                                    << QString() << QString() << QStringLiteral("must differ");
        QTest::newRow("bad bool") << QStringList() << QStringLiteral("MEDIAFORGE_ALLOW_PRIVATE_URLS")
                                  << QStringLiteral("maybe") << QStringLiteral("true or false");
        QTest::newRow("ffmpeg memory limit too small to load ffmpeg")
                << QStringList{QStringLiteral("--ffmpeg-memory-limit"), QStringLiteral("100M")} << QString() << QString()
                << QStringLiteral("0 (no limit) or a size of at least 268435456 bytes");
        QTest::newRow("ffmpeg nice beyond 19") << QStringList() << QStringLiteral("MEDIAFORGE_FFMPEG_NICE")
                                               << QStringLiteral("20") << QStringLiteral("0 to 19");
        QTest::newRow("io priority beyond 7") << QStringList{QStringLiteral("--ffmpeg-io-priority"), QStringLiteral("8")}
                                              << QString() << QString() << QStringLiteral("-1 to 7");
        QTest::newRow("postgres uri without a database")
                << QStringList{QStringLiteral("--store"), QStringLiteral("postgresql://mf@db:5432")} << QString() << QString()
                << QStringLiteral("postgresql://USER@HOST:PORT/DB");
        QTest::newRow("node name with a space") << QStringList{QStringLiteral("--node-name"), QStringLiteral("node one")}
                                                << QString() << QString() << QStringLiteral("letters, digits");
        QTest::newRow("lease too short") << QStringList() << QStringLiteral("MEDIAFORGE_LEASE_SECONDS") << QStringLiteral("1")
                                         << QStringLiteral("3 to 3600");
        QTest::newRow("bad origin") << QStringList{QStringLiteral("--allowed-origins"), QStringLiteral("not a url/")}
                                    << QString() << QString() << QStringLiteral("origins");
    }
    void aRefusedStoreUriDoesNotEchoItsPassword()
    {
        const ConfigOutcome flag = load({QStringLiteral("--store"), QStringLiteral("postgresql://mf:s3cret-pw@db:5432")});
        QCOMPARE(flag.exitCode, 2);
        QVERIFY2(flag.error.contains(QStringLiteral("postgresql://mf:***@db:5432")), qPrintable(flag.error));
        QVERIFY2(!flag.error.contains(QStringLiteral("s3cret-pw")), qPrintable(flag.error));
        const ConfigOutcome env = load({}, {{QStringLiteral("MEDIAFORGE_STORE"), QStringLiteral("postgres://mf:s3cret-pw@db")}});
        QCOMPARE(env.exitCode, 2);
        QVERIFY2(!env.error.contains(QStringLiteral("s3cret-pw")), qPrintable(env.error));
        QVERIFY2(env.error.contains(QStringLiteral("postgres://mf:***@db")), qPrintable(env.error));
    }
    void badValuesStopWithOneLineAndExitTwo()
    {
        QFETCH(QStringList, flags);
        QFETCH(QString, envName);
        QFETCH(QString, envValue);
        QFETCH(QString, mentions);
        QList<std::pair<QString, QString>> env;
        if (!envName.isEmpty())
            env.append({envName, envValue});
        const ConfigOutcome outcome = load(flags, env);
        QCOMPARE(outcome.action, ConfigOutcome::Action::Exit);
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY2(outcome.error.contains(mentions), qPrintable(outcome.error));
        QVERIFY(!outcome.error.contains(u'\n'));
        QVERIFY(outcome.error.startsWith(QStringLiteral("mediaforged: ")));
    }

    void ffmpegLimitsHaveDefaultsAndCanBeSwitchedOff()
    {
        const Config defaults = load({}).config;
        QCOMPARE(defaults.ffmpegMaxOutputBytes, qint64(4) * 1024 * 1024 * 1024);
        QCOMPARE(defaults.ffmpegMemoryBytes, qint64(8) * 1024 * 1024 * 1024);
        QCOMPARE(defaults.ffprobeMemoryBytes, qint64(1024) * 1024 * 1024);
        QCOMPARE(defaults.ffmpegNice, 10);
        QCOMPARE(defaults.ffmpegIoPriority, 7);
        // Every core busy for the whole job timeout.
        QCOMPARE(defaults.ffmpegCpuSeconds, 600 * qMax(1, QThread::idealThreadCount()));
        QCOMPARE(load({QStringLiteral("--job-timeout"), QStringLiteral("10")}).config.ffmpegCpuSeconds,
                 10 * qMax(1, QThread::idealThreadCount()));

        const ConfigOutcome off = load({QStringLiteral("--ffmpeg-max-output"), QStringLiteral("0"),
                                        QStringLiteral("--ffmpeg-memory-limit"), QStringLiteral("0"),
                                        QStringLiteral("--ffmpeg-cpu-limit"), QStringLiteral("0"),
                                        QStringLiteral("--ffmpeg-io-priority"), QStringLiteral("-1")},
                                       {{QStringLiteral("MEDIAFORGE_FFPROBE_MEMORY_LIMIT"), QStringLiteral("2G")},
                                        {QStringLiteral("MEDIAFORGE_FFMPEG_NICE"), QStringLiteral("0")}});
        QCOMPARE(off.action, ConfigOutcome::Action::Run);
        QCOMPARE(off.config.ffmpegMaxOutputBytes, 0);
        QCOMPARE(off.config.ffmpegMemoryBytes, 0);
        QCOMPARE(off.config.ffmpegCpuSeconds, 0);
        QCOMPARE(off.config.ffmpegIoPriority, -1);
        QCOMPARE(off.config.ffmpegNice, 0);
        QCOMPARE(off.config.ffprobeMemoryBytes, qint64(2) * 1024 * 1024 * 1024);
    }

    void publicBindIsAllowedWithExplicitOptOut()
    {
        const ConfigOutcome outcome = load({QStringLiteral("--host"), QStringLiteral("0.0.0.0"),
                                            QStringLiteral("--insecure-no-auth")});
        QCOMPARE(outcome.action, ConfigOutcome::Action::Run);
        QVERIFY(outcome.config.insecureNoAuth);
    }

    void helpVersionAndCheckConfigExitZero()
    {
        const ConfigOutcome help = load({QStringLiteral("--help")});
        QCOMPARE(help.action, ConfigOutcome::Action::Exit);
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.output.contains(QStringLiteral("--max-concurrent-jobs")));
        QVERIFY(help.output.contains(QStringLiteral("MAX_CONCURRENT_JOBS")));

        const ConfigOutcome version = load({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.output.contains(QStringLiteral(MEDIAFORGE_VERSION)));

        const ConfigOutcome check = load({QStringLiteral("--check-config"), QStringLiteral("--port"), QStringLiteral("9999")});
        QCOMPARE(check.action, ConfigOutcome::Action::Exit);
        QCOMPARE(check.exitCode, 0);
        QVERIFY(check.output.contains(QStringLiteral("port=9999")));
    }

    void readmeCarriesTheGeneratedTable()
    {
        QFile readme(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../README.md"));
        QVERIFY(readme.open(QIODevice::ReadOnly));
        QVERIFY2(QString::fromUtf8(readme.readAll()).contains(ConfigLoader::markdownTable()),
                 "README.md's configuration table is stale: paste the output of `mediaforged --config-table`");
    }

    void markdownTableListsEverySetting()
    {
        const QString table = ConfigLoader::markdownTable();
        for (const char *name : {"--host", "--port", "--http-port", "--max-concurrent-jobs", "WS_PORT", "TEMP_DIR",
                                 "--tokens-file", "--allow-private-urls"})
            QVERIFY2(table.contains(QLatin1StringView(name)), name);
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
