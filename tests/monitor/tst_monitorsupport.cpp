// SPDX-License-Identifier: GPL-3.0-or-later
// The monitor's small parts: command line, remembered connections (and where the token goes),
// back-off, number formatting, tray texts, the details page, and the German translation.

#include "connectionsettings.h"
#include "format.h"
#include "jobdetailsdialog.h"
#include "jobrecord.h"
#include "monitorapplication.h"
#include "monitoroptions.h"
#include "reconnectbackoff.h"
#include "snapshots.h"
#include "traycontroller.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QProcess>
#include <QLocale>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

using namespace Mediaforge::Monitor;

class TestMonitorSupport : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void commandLine_data();
    void commandLine();
    void tokenFromTheEnvironment();
    void urlsAreNormalized_data();
    void urlsAreNormalized();
    void tokenIsStoredOnlyWhenAskedFor();
    void recentServersAreBounded();
    void backoffDoublesUpToThirtySeconds();
    void formatting();
    void traySummary();
    void failureNotifications();
    void detailsPageShowsTheErrorAndOutputs();
    void germanTranslationIsComplete();
    void germanTranslationHasEveryStringOfTheSources();
    void germanTranslationIsUsed();
    void helpAndVersionNeedNoDisplay();

private:
    QTemporaryDir m_dir;
};

void TestMonitorSupport::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // English brings its plural forms ("1 job", "2 jobs") from its own small translation.
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("en_US")));
}

void TestMonitorSupport::commandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QStringList>("servers");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("language");
    QTest::addColumn<QString>("error");
    const QString p = QStringLiteral("mediaforge-monitor");
    QTest::newRow("nothing") << QStringList{p} << QStringList{} << QString() << QString() << QString();
    QTest::newRow("two servers, token, lang")
            << QStringList{p, QStringLiteral("--server"), QStringLiteral("ws://a.example:8080/"), QStringLiteral("--server"),
                           QStringLiteral("b.example:9000"), QStringLiteral("--token"), QStringLiteral("secret"),
                           QStringLiteral("--lang"), QStringLiteral("de")}
            << QStringList{QStringLiteral("ws://a.example:8080/"), QStringLiteral("ws://b.example:9000/")}
            << QStringLiteral("secret") << QStringLiteral("de") << QString();
    QTest::newRow("not a websocket url") << QStringList{p, QStringLiteral("--server"), QStringLiteral("ftp://x/")} << QStringList{}
                                         << QString() << QString() << QStringLiteral("--server: not a WebSocket URL: ftp://x/");
    QTest::newRow("bad delay") << QStringList{p, QStringLiteral("--screenshot"), QStringLiteral("a.png"),
                                              QStringLiteral("--screenshot-delay"), QStringLiteral("soon")}
                               << QStringList{} << QString() << QString()
                               << QStringLiteral("--screenshot-delay: not a number of milliseconds: soon");
    QTest::newRow("bad size") << QStringList{p, QStringLiteral("--window-size"), QStringLiteral("big")} << QStringList{} << QString()
                              << QString() << QStringLiteral("--window-size: expected WIDTHxHEIGHT, e.g. 1400x860: big");
    QTest::newRow("unknown option") << QStringList{p, QStringLiteral("--colour")} << QStringList{} << QString() << QString()
                                    << QStringLiteral("Unknown option 'colour'.");
    QTest::newRow("stray argument") << QStringList{p, QStringLiteral("extra")} << QStringList{} << QString() << QString()
                                    << QStringLiteral("unexpected argument: extra");
}

void TestMonitorSupport::commandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QStringList, servers);
    QFETCH(QString, token);
    QFETCH(QString, language);
    QFETCH(QString, error);
    const MonitorOptions options = MonitorOptions::parse(arguments, QProcessEnvironment());
    QCOMPARE(options.error, error);
    if (!error.isEmpty())
        return;
    QStringList urls;
    for (const QUrl &url : options.servers)
        urls.append(url.toString());
    QCOMPARE(urls, servers);
    QCOMPARE(options.token, token);
    QCOMPARE(options.language, language);
}

void TestMonitorSupport::tokenFromTheEnvironment()
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("MEDIAFORGE_TOKEN"), QStringLiteral("from-env"));
    const QString p = QStringLiteral("mediaforge-monitor");
    QCOMPARE(MonitorOptions::parse({p}, environment).token, QStringLiteral("from-env"));
    // The flag wins.
    QCOMPARE(MonitorOptions::parse({p, QStringLiteral("--token"), QStringLiteral("flag")}, environment).token,
             QStringLiteral("flag"));
    const MonitorOptions shot = MonitorOptions::parse(
            {p, QStringLiteral("--screenshot"), QStringLiteral("/tmp/x.png"), QStringLiteral("--window-size"),
             QStringLiteral("1400x860"), QStringLiteral("--screenshot-delay"), QStringLiteral("1500")},
            environment);
    QCOMPARE(shot.screenshotPath, QStringLiteral("/tmp/x.png"));
    QCOMPARE(shot.windowSize, QSize(1400, 860));
    QCOMPARE(shot.screenshotDelayMs, 1500);
}

void TestMonitorSupport::urlsAreNormalized_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("url");
    QTest::newRow("host:port") << QStringLiteral("localhost:8080") << QStringLiteral("ws://localhost:8080/");
    QTest::newRow("ws") << QStringLiteral(" ws://10.0.0.5:8080/ ") << QStringLiteral("ws://10.0.0.5:8080/");
    QTest::newRow("wss") << QStringLiteral("wss://media.example/") << QStringLiteral("wss://media.example/");
    QTest::newRow("http becomes ws") << QStringLiteral("http://h:1") << QStringLiteral("ws://h:1/");
    QTest::newRow("https becomes wss") << QStringLiteral("https://h") << QStringLiteral("wss://h/");
    QTest::newRow("ipv6") << QStringLiteral("ws://[::1]:8080/") << QStringLiteral("ws://[::1]:8080/");
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("other scheme") << QStringLiteral("ftp://h/") << QString();
    QTest::newRow("no host") << QStringLiteral("ws:///path") << QString();
}

void TestMonitorSupport::urlsAreNormalized()
{
    QFETCH(QString, text);
    QFETCH(QString, url);
    const QUrl normalized = ConnectionSettings::normalizeUrl(text);
    QCOMPARE(normalized.isValid() ? normalized.toString() : QString(), url);
}

void TestMonitorSupport::tokenIsStoredOnlyWhenAskedFor()
{
    const QString path = m_dir.filePath(QStringLiteral("tokens.ini"));
    {
        QSettings settings(path, QSettings::IniFormat);
        ConnectionSettings connections(settings);
        connections.remember({QUrl(QStringLiteral("ws://a:1/")), QStringLiteral("secret-a"), false});
        connections.remember({QUrl(QStringLiteral("ws://b:2/?token=secret-in-url")), QStringLiteral("secret-b"), true});
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray stored = file.readAll();
    QVERIFY(!stored.contains("secret-a"));
    QVERIFY(stored.contains("secret-b"));
    // A token in the URL is not kept as part of the URL.
    QVERIFY(!stored.contains("secret-in-url"));
    file.close();

    QSettings settings(path, QSettings::IniFormat);
    ConnectionSettings connections(settings);
    const QList<ConnectionSettings::Server> recent = connections.recentServers();
    QCOMPARE(recent.size(), 2);
    QCOMPARE(recent.at(0).url.toString(), QStringLiteral("ws://b:2/"));
    QCOMPARE(recent.at(0).token, QStringLiteral("secret-b"));
    QVERIFY(recent.at(0).rememberToken);
    QCOMPARE(recent.at(1).token, QString());
    // Changing one's mind removes the stored token.
    connections.remember({QUrl(QStringLiteral("ws://b:2/")), QStringLiteral("secret-b"), false});
    settings.sync();
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("secret-b"));
    QCOMPARE(connections.find(QUrl(QStringLiteral("ws://b:2/")))->token, QString());

    QString token;
    QCOMPARE(ConnectionSettings::withoutToken(QUrl(QStringLiteral("ws://h/?a=1&token=t%2Bx")), &token).toString(),
             QStringLiteral("ws://h/?a=1"));
    QCOMPARE(token, QStringLiteral("t+x"));
    connections.setOpenServers({QUrl(QStringLiteral("ws://a:1/"))});
    QCOMPARE(connections.openServers(), (QList<QUrl>{QUrl(QStringLiteral("ws://a:1/"))}));
}

void TestMonitorSupport::recentServersAreBounded()
{
    QSettings settings(m_dir.filePath(QStringLiteral("recent.ini")), QSettings::IniFormat);
    ConnectionSettings connections(settings);
    for (int i = 0; i < ConnectionSettings::kMaxRecent + 5; ++i)
        connections.remember({QUrl(QStringLiteral("ws://h%1:8080/").arg(i)), QString(), false});
    const auto recent = connections.recentServers();
    QCOMPARE(recent.size(), ConnectionSettings::kMaxRecent);
    QCOMPARE(recent.first().url.host(), QStringLiteral("h%1").arg(ConnectionSettings::kMaxRecent + 4));
    // Connecting again to a known one moves it up instead of adding it twice.
    connections.remember({QUrl(QStringLiteral("ws://h10:8080/")), QString(), false});
    QCOMPARE(connections.recentServers().first().url.host(), QStringLiteral("h10"));
    QCOMPARE(connections.recentServers().size(), ConnectionSettings::kMaxRecent);
    connections.forget(QUrl(QStringLiteral("ws://h10:8080/")));
    QVERIFY(!connections.find(QUrl(QStringLiteral("ws://h10:8080/"))));
}

void TestMonitorSupport::backoffDoublesUpToThirtySeconds()
{
    ReconnectBackoff backoff;
    QList<int> delays;
    for (int i = 0; i < 8; ++i)
        delays.append(backoff.next());
    QCOMPARE(delays, (QList<int>{1, 2, 4, 8, 16, 30, 30, 30}));
    QCOMPARE(backoff.attempts(), 8);
    backoff.reset();
    QCOMPARE(backoff.next(), 1);
}

void TestMonitorSupport::formatting()
{
    QCOMPARE(Format::clock(7), QStringLiteral("0:07"));
    QCOMPARE(Format::clock(727), QStringLiteral("12:07"));
    QCOMPARE(Format::clock(3723), QStringLiteral("1:02:03"));
    QCOMPARE(Format::clock(-1), QStringLiteral("\u2014"));
    QCOMPARE(Format::uptime(40), QStringLiteral("40 s"));
    QCOMPARE(Format::uptime(12 * 60 + 5), QStringLiteral("12 min"));
    QCOMPARE(Format::uptime(4 * 3600 + 12 * 60), QStringLiteral("4 h 12 min"));
    QCOMPARE(Format::uptime(3 * 86400 + 4 * 3600 + 59), QStringLiteral("3 d 4 h"));
    QCOMPARE(Format::bytes(512), QStringLiteral("512 bytes"));
    QCOMPARE(Format::bytes(1536 * 1024), QStringLiteral("1.5 MiB"));
    QCOMPARE(Format::byteRate(2 * 1024 * 1024), QStringLiteral("2.0 MiB/s"));
    QCOMPARE(Format::speedFactor(1.84), QStringLiteral("1.8\u00d7"));
    QCOMPARE(Format::speedFactor(12.4), QStringLiteral("12\u00d7"));
    QCOMPARE(Format::speedFactor(0), QStringLiteral("\u2014"));
    QCOMPARE(Format::percent(99.9), QStringLiteral("99 %"));
    QCOMPARE(Format::percent(140), QStringLiteral("100 %"));
}

void TestMonitorSupport::traySummary()
{
    JobModel::Counts counts;
    counts.groups[size_t(StatusGroup::Running)] = 2;
    counts.groups[size_t(StatusGroup::Queued)] = 4;
    counts.groups[size_t(StatusGroup::Input)] = 1;
    QCOMPARE(TrayController::summaryText(counts, 1, 1), QStringLiteral("2 running \u00b7 5 queued"));
    counts.groups[size_t(StatusGroup::Failed)] = 1;
    QCOMPARE(TrayController::summaryText(counts, 3, 2),
             QStringLiteral("2 running \u00b7 5 queued \u00b7 1 failed \u2014 2 of 3 services connected"));
    QCOMPARE(TrayController::summaryText({}, 0, 0), QStringLiteral("No service connected"));
    QCOMPARE(TrayController::summaryText(counts, 1, 0),
             QStringLiteral("2 running \u00b7 5 queued \u00b7 1 failed \u2014 0 of 1 service connected"));
}

void TestMonitorSupport::failureNotifications()
{
    JobRecord one = *JobRecord::fromSnapshot(MonitorTest::snapshot(QStringLiteral("f1"), QStringLiteral("failed"), 12));
    auto [title, body] = TrayController::failureNotification({one}, QStringLiteral("media1:8080"));
    QCOMPARE(title, QStringLiteral("Job failed"));
    // The reason in the interface's words; the service's English text only as the detail.
    QCOMPARE(body, QStringLiteral("job-f1 (Compress) on media1:8080\nffmpeg error \u2014 \u201cffmpeg exited with code 1\u201d"));
    QList<JobRecord> many;
    for (int i = 0; i < 5; ++i) {
        JobRecord record = one;
        record.jobId = QStringLiteral("j%1").arg(i);
        many.append(record);
    }
    std::tie(title, body) = TrayController::failureNotification(many, QStringLiteral("media1:8080"));
    QCOMPARE(title, QStringLiteral("5 jobs failed"));
    QCOMPARE(body, QStringLiteral("j0, j1, j2, \u2026 on media1:8080"));
}

void TestMonitorSupport::detailsPageShowsTheErrorAndOutputs()
{
    QJsonObject failed = MonitorTest::snapshot(QStringLiteral("f1"), QStringLiteral("failed"), 12);
    const QString html = JobDetailsDialog::html(*JobRecord::fromSnapshot(failed));
    QVERIFY(html.contains(QStringLiteral("FFMPEG_FAILED")));
    QVERIFY(html.contains(QStringLiteral("Invalid data found when processing input")));
    QVERIFY(html.contains(QStringLiteral("ffmpeg said")));
    QVERIFY(html.contains(QStringLiteral("preset")));
    // Client text is escaped, never markup.
    failed.insert(QStringLiteral("job_id"), QStringLiteral("<b>x</b>"));
    QVERIFY(JobDetailsDialog::html(*JobRecord::fromSnapshot(failed)).contains(QStringLiteral("&lt;b&gt;x&lt;/b&gt;")));

    QJsonObject done = MonitorTest::snapshot(QStringLiteral("c1"), QStringLiteral("completed"), 100);
    done.insert(QStringLiteral("outputs"),
                QJsonArray{QJsonObject{{QStringLiteral("filename"), QStringLiteral("clip_compressed.mp4")},
                                       {QStringLiteral("size_bytes"), 2048},
                                       {QStringLiteral("mime"), QStringLiteral("video/mp4")},
                                       {QStringLiteral("sha256"), QStringLiteral("ab12")},
                                       {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("video_codec"), QStringLiteral("h264")},
                                                                                 {QStringLiteral("width"), 640}}}}});
    done.insert(QStringLiteral("timings"), QJsonObject{{QStringLiteral("queued_seconds"), 1.5},
                                                       {QStringLiteral("input_seconds"), 0.2},
                                                       {QStringLiteral("processing_seconds"), 65.0},
                                                       {QStringLiteral("total_seconds"), 66.7}});
    const QString page = JobDetailsDialog::html(*JobRecord::fromSnapshot(done));
    QVERIFY(page.contains(QStringLiteral("clip_compressed.mp4")));
    QVERIFY(page.contains(QStringLiteral("video/mp4")));
    QVERIFY(page.contains(QStringLiteral("h264")));
    QVERIFY(page.contains(QStringLiteral("1:05 (65.0 s)")));
    QVERIFY(!page.contains(QStringLiteral("ffmpeg said")));
}

void TestMonitorSupport::germanTranslationIsComplete()
{
    // Every message of the .ts has a German text: nothing unfinished, nothing empty, and
    // plural forms filled in.
    const QString path = qEnvironmentVariable("MEDIAFORGE_SOURCE_DIR") + QStringLiteral("/translations/mediaforge-monitor_de.ts");
    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
    QXmlStreamReader xml(&file);
    int messages = 0;
    QStringList problems;
    QString source;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        if (xml.name() == QLatin1StringView("message")) {
            ++messages;
        } else if (xml.name() == QLatin1StringView("source")) {
            source = xml.readElementText();
        } else if (xml.name() == QLatin1StringView("translation")) {
            const QString type = xml.attributes().value(QLatin1StringView("type")).toString();
            const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
            if (type == QLatin1StringView("unfinished") || type == QLatin1StringView("vanished")
                || type == QLatin1StringView("obsolete") || text.trimmed().isEmpty())
                problems.append(source);
        }
    }
    QVERIFY(!xml.hasError());
    QVERIFY(messages > 200);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral(" | "))));
}

void TestMonitorSupport::germanTranslationHasEveryStringOfTheSources()
{
    // The check above reads the .ts as committed: a tr() added to the code without running
    // lupdate would pass it and show English in the German interface. lupdate (Qt's own tool,
    // needed for the build anyway) merges the sources into a copy; nothing may come out new.
    const QString lupdate = QLibraryInfo::path(QLibraryInfo::BinariesPath) + QStringLiteral("/lupdate");
    QVERIFY2(QFileInfo(lupdate).isExecutable(), qPrintable(lupdate));
    const QString source = qEnvironmentVariable("MEDIAFORGE_SOURCE_DIR");
    const QString copy = m_dir.filePath(QStringLiteral("mediaforge-monitor_de.ts"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(source + QStringLiteral("/translations/mediaforge-monitor_de.ts"), copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    QProcess process;
    process.start(lupdate, {QStringLiteral("-no-obsolete"), QStringLiteral("-locations"), QStringLiteral("none"),
                            source + QStringLiteral("/monitor"), QStringLiteral("-ts"), copy});
    QVERIFY(process.waitForFinished(120000));
    QCOMPARE(process.exitCode(), 0);
    QFile merged(copy);
    QVERIFY(merged.open(QIODevice::ReadOnly));
    const QByteArray text = merged.readAll();
    QVERIFY(text.contains("<message"));
    QVERIFY2(!text.contains("type=\"unfinished\""),
             "strings in monitor/ that translations/mediaforge-monitor_de.ts lacks: run lupdate and translate them");
}

void TestMonitorSupport::germanTranslationIsUsed()
{
    QVERIFY(installTranslators(*QCoreApplication::instance(), QStringLiteral("de")));
    QCOMPARE(StatusText::state(JobState::Processing), QStringLiteral("Läuft"));
    QCOMPARE(StatusText::group(StatusGroup::Queued), QStringLiteral("Wartend"));
    QCOMPARE(TrayController::summaryText({}, 0, 0), QStringLiteral("Kein Dienst verbunden"));
    JobModel::Counts counts;
    counts.groups[size_t(StatusGroup::Running)] = 1;
    counts.groups[size_t(StatusGroup::Queued)] = 2;
    QCOMPARE(TrayController::summaryText(counts, 1, 1), QStringLiteral("1 läuft \u00b7 2 wartend"));
    // Numbers follow the chosen language, too.
    QCOMPARE(Format::speedFactor(1.5), QStringLiteral("1,5\u00d7"));
    QCOMPARE(QLocale().name(), QStringLiteral("de_DE"));
}

void TestMonitorSupport::helpAndVersionNeedNoDisplay()
{
    // The real binary on a machine without a display (ssh, a service account): the X11
    // platform and no DISPLAY, where QApplication aborts. --help and --version answer anyway.
    const QString program = qEnvironmentVariable("MEDIAFORGE_MONITOR");
    QVERIFY2(QFileInfo(program).isExecutable(), "MEDIAFORGE_MONITOR names no mediaforge-monitor binary");
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    auto run = [&](const QStringList &arguments, int expectedCode) -> QString {
        QProcess process;
        process.setProcessEnvironment(environment);
        process.start(program, arguments);
        if (!process.waitForFinished(60000))
            return QStringLiteral("<did not finish>");
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != expectedCode)
            return QStringLiteral("<exit %1>").arg(process.exitCode()) + QString::fromLocal8Bit(process.readAllStandardError());
        return QString::fromLocal8Bit(QByteArray(process.readAllStandardOutput() + process.readAllStandardError()));
    };
    const QString help = run({QStringLiteral("--help")}, 0);
    QVERIFY2(help.contains(QStringLiteral("--server")) && help.contains(QStringLiteral("Show this help.")), qPrintable(help));
    QCOMPARE(run({QStringLiteral("--version")}, 0).trimmed(), QStringLiteral("mediaforge-monitor " MEDIAFORGE_VERSION));
    // In the language asked for.
    const QString german = run({QStringLiteral("--lang"), QStringLiteral("de"), QStringLiteral("--help")}, 0);
    QVERIFY2(german.contains(QStringLiteral("Diese Hilfe anzeigen.")), qPrintable(german));
    // A mistyped option is an error on stderr, not an abort.
    QVERIFY(run({QStringLiteral("--no-such-option")}, 2).contains(QStringLiteral("no-such-option")));
}

QTEST_MAIN(TestMonitorSupport)
#include "tst_monitorsupport.moc"
