// SPDX-License-Identifier: GPL-3.0-or-later
// How jobs, the health report and numbers read on the terminal: the jobs table, one job's
// details, the watch screen (cut to the terminal width so the redraw works) and the units.
#include "format.h"
#include "healthcommand.h"
#include "jobview.h"
#include "watchcommand.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QTest>

using namespace Mediaforge::Cli;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

const char *const kProcessing = R"({"id":"5f3a0c9e1b2d4f6a8c0e1a2b","job_id":"clip-1","operation":"compress","status":"processing",
    "stage":"processing","percentage":42.26,"priority":"normal","detach":false,"created_at":"2026-01-31T13:02:11.000Z",
    "started_at":"2026-01-31T13:02:12.500Z","input":{"source":"upload","name":"clip.mov","size":1048576},
    "options":{"preset":"high","crf":20},"speed":2.5,"eta_seconds":7.2,"out_time_seconds":3,"duration_seconds":10,"owner":"alice"})";
const char *const kFailed = R"({"id":"99aa","job_id":"bad-1","operation":"trim","status":"failed","stage":"processing",
    "percentage":10,"priority":"high","detach":true,"created_at":"2026-01-31T13:00:00.000Z","input":{"source":"url","name":"talk.mp4"},
    "options":{},"error":{"code":"FFMPEG_FAILED","message":"ffmpeg failed: Invalid data found"},"owner":"bob"})";
const char *const kCompleted = R"({"id":"77bb","job_id":"thumbs","operation":"thumbnail","status":"completed","stage":"finalizing",
    "percentage":100,"priority":"low","detach":true,"created_at":"2026-01-31T12:00:00.000Z","input":{"source":"upload","name":"a.mp4","count":2,"size":2048},
    "options":{"count":2},"outputs":[{"filename":"a_thumb_01.png","size_bytes":30000},{"filename":"a_thumb_02.png","size_bytes":31000}],
    "outputs_available":false})";

} // namespace

class TestCliJobView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void bytes_data();
    void bytes();
    void clockAndSeconds();
    void jobsTable();
    void jobDetails();
    void watchScreenFitsTheTerminal();
    void watchEventLine();
    void healthSummary();
};

void TestCliJobView::initTestCase()
{
    QLocale::setDefault(QLocale::c());
}

void TestCliJobView::bytes_data()
{
    QTest::addColumn<qint64>("value");
    QTest::addColumn<QString>("text");
    QTest::newRow("0") << qint64(0) << "0 B";
    QTest::newRow("1023") << qint64(1023) << "1023 B";
    QTest::newRow("1024") << qint64(1024) << "1.0 KiB";
    QTest::newRow("1.5 MiB") << qint64(1572864) << "1.5 MiB";
    QTest::newRow("3 GiB") << qint64(3) * 1024 * 1024 * 1024 << "3.0 GiB";
    QTest::newRow("2 TiB") << qint64(2) * 1024 * 1024 * 1024 * 1024 << "2.0 TiB";
}

void TestCliJobView::bytes()
{
    QFETCH(qint64, value);
    QFETCH(QString, text);
    QCOMPARE(Format::bytes(value), text);
}

void TestCliJobView::clockAndSeconds()
{
    QCOMPARE(Format::clock(0), QStringLiteral("0:00"));
    QCOMPARE(Format::clock(7.2), QStringLiteral("0:08"));
    QCOMPARE(Format::clock(725), QStringLiteral("12:05"));
    QCOMPARE(Format::clock(3725), QStringLiteral("1:02:05"));
    QCOMPARE(Format::seconds(2.04), QStringLiteral("2.0 s"));
    QCOMPARE(Format::seconds(65), QStringLiteral("1 min 5 s"));
    QCOMPARE(Format::seconds(7260), QStringLiteral("2 h 1 min"));
    QCOMPARE(Format::speed(2.5), QStringLiteral("2.50x"));
    QCOMPARE(Format::rate(2 * 1024 * 1024), QStringLiteral("2.0 MiB/s"));
}

void TestCliJobView::jobsTable()
{
    const QString table = JobView::table({json(kProcessing), json(kFailed), json(kCompleted)}, true);
    const QStringList lines = table.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY2(lines.at(0).contains(QRegularExpression(QStringLiteral("^ID {24}JOB ID  OPERATION  STATUS      PROGRESS  PRIORITY"))),
             qPrintable(lines.at(0)));
    QVERIFY(lines.at(0).endsWith(QStringLiteral("CREATED              OWNER")));
    QVERIFY2(lines.at(1).contains(QRegularExpression(QStringLiteral(
                     "^5f3a0c9e1b2d4f6a8c0e1a2b  clip-1  compress   processing\\s+42\\.3%  normal    clip\\.mov  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  alice$"))),
             qPrintable(lines.at(1)));
    // A failed job shows no percentage; a completed one shows its 100 %.
    QVERIFY2(lines.at(2).contains(QRegularExpression(QStringLiteral("^99aa\\s+bad-1\\s+trim\\s+failed\\s+high\\s+talk\\.mp4"))),
             qPrintable(lines.at(2)));
    QVERIFY(lines.at(3).contains(QRegularExpression(QStringLiteral("completed\\s+100\\.0%  low"))));
    // Columns line up.
    const qsizetype statusColumn = lines.at(0).indexOf(QStringLiteral("STATUS"));
    for (const QString &line : lines.mid(1))
        QVERIFY(line.at(statusColumn - 1) == u' ' && line.at(statusColumn) != u' ');
    QVERIFY(!JobView::table({json(kProcessing)}, false).contains(QStringLiteral("OWNER")));
}

void TestCliJobView::jobDetails()
{
    const QString running = JobView::details(json(kProcessing));
    QVERIFY(running.startsWith(QStringLiteral("job        clip-1\nid         5f3a0c9e1b2d4f6a8c0e1a2b\noperation  compress\n")));
    QVERIFY2(running.contains(QStringLiteral("\nstatus     processing 42.3% (2.50x, ETA 0:08)\n")), qPrintable(running));
    QVERIFY(running.contains(QStringLiteral("\ninput      clip.mov (upload, 1.0 MiB)\n")));
    QVERIFY(running.contains(QStringLiteral("\noptions    crf=20 preset=high\n")));
    QVERIFY(running.contains(QStringLiteral("\nowner      alice\n")));
    QVERIFY(!running.contains(QStringLiteral("detached")));

    const QString failed = JobView::details(json(kFailed));
    QVERIFY(failed.contains(QStringLiteral("\nstatus     failed\n")));
    QVERIFY(failed.contains(QStringLiteral("\ndetached   yes\n")));
    QVERIFY(failed.contains(QStringLiteral("\nerror      FFMPEG_FAILED: ffmpeg failed: Invalid data found\n")));

    const QString done = JobView::details(json(kCompleted));
    QVERIFY2(done.contains(QStringLiteral("\ninput      a.mp4 (upload, 2 files, 2.0 KiB)\n")), qPrintable(done));
    QVERIFY(done.contains(QStringLiteral("\noutputs    a_thumb_01.png (29.3 KiB) [no longer available]\n"
                                         "           a_thumb_02.png (30.3 KiB) [no longer available]\n")));
}

void TestCliJobView::watchScreenFitsTheTerminal()
{
    const QJsonObject stats = json(R"({"queued_jobs":3,"completed_jobs":12,"failed_jobs":1,"cancelled_jobs":0,"connections":4,
        "workers":[{"busy":true,"job_id":"clip-1"},{"busy":false}]})");
    const QList<QJsonObject> jobs{json(kProcessing), json(kFailed)};
    const QString wide = WatchCommand::screen(jobs, stats, 200);
    QStringList lines = wide.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines.at(0), QStringLiteral("workers 1/2 busy, 3 queued; 12 completed, 1 failed, 0 cancelled; connections: 4"));
    QVERIFY2(lines.at(2).contains(QRegularExpression(QStringLiteral("^5f3a0c9e1b2d  clip-1  alice  compress   processing\\s+42\\.3%  2\\.50x  0:08$"))),
             qPrintable(lines.at(2)));
    QVERIFY(lines.at(3).contains(QStringLiteral("FFMPEG_FAILED")) == false);
    for (int width : {40, 25, 2}) {
        const QString narrow = WatchCommand::screen(jobs, stats, width);
        lines = narrow.split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        for (const QString &line : std::as_const(lines))
            QVERIFY2(line.size() <= std::max(1, width - 1), qPrintable(line));
    }
    QCOMPARE(WatchCommand::screen({}, QJsonObject(), 80), QStringLiteral("no jobs\n"));
}

void TestCliJobView::watchEventLine()
{
    const QString line = WatchCommand::eventLine(QStringLiteral("failed"), json(kFailed));
    QVERIFY2(line.contains(QRegularExpression(QStringLiteral(
                     "^\\d\\d:\\d\\d:\\d\\d failed    99aa bad-1 trim failed FFMPEG_FAILED: ffmpeg failed: Invalid data found \\[bob\\]$"))),
             qPrintable(line));
    const QString progress = WatchCommand::eventLine(QStringLiteral("progress"), json(kProcessing));
    QVERIFY2(progress.endsWith(QStringLiteral(" progress  5f3a0c9e1b2d4f6a8c0e1a2b clip-1 compress processing 42.3% (2.50x, ETA 0:08) [alice]")),
             qPrintable(progress));
}

void TestCliJobView::healthSummary()
{
    const QJsonObject health = json(R"({"status":"healthy","version":"0.1.0","uptime_seconds":125,"ffmpeg":{"version":"5.1.6"},
        "stats":{"total_jobs":15,"active_jobs":1,"queued_jobs":2,"max_concurrent":2,"completed_jobs":10,"failed_jobs":1,"cancelled_jobs":1,"connections":3}})");
    QCOMPARE(HealthCommand::describe(health),
             QStringLiteral("healthy: mediaforged 0.1.0, ffmpeg 5.1.6, up 2 min 5 s\n"
                            "jobs: 1 active, 2 queued, 10 completed, 1 failed, 1 cancelled; workers: 2; connections: 3\n"));
    QJsonObject degraded = health;
    degraded.insert(QStringLiteral("status"), QStringLiteral("degraded"));
    degraded.insert(QStringLiteral("ffmpeg"), QJsonObject{});
    QVERIFY(HealthCommand::describe(degraded).startsWith(QStringLiteral("degraded: mediaforged 0.1.0, ffmpeg missing, up")));
}

QTEST_GUILESS_MAIN(TestCliJobView)
#include "tst_cli_jobview.moc"
