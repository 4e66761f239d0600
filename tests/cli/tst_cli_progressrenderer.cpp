// SPDX-License-Identifier: GPL-3.0-or-later
// The progress display: the exact text for given events and widths, redrawing in place on a
// terminal, sparse lines on a pipe, monotonic JSON events that end at 100.
#include "console.h"
#include "progressrenderer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTest>

using namespace Mediaforge::Cli;

namespace {

ProgressSnapshot processing(double percentage, double speed = -1, double eta = -1)
{
    ProgressSnapshot snapshot;
    snapshot.stage = QStringLiteral("processing");
    snapshot.percentage = percentage;
    snapshot.speed = speed;
    snapshot.etaSeconds = eta;
    return snapshot;
}

ProgressSnapshot transfer(const QString &stage, double percentage, qint64 bytes, qint64 total, double rate = -1, double eta = -1)
{
    ProgressSnapshot snapshot;
    snapshot.stage = stage;
    snapshot.percentage = percentage;
    snapshot.bytes = bytes;
    snapshot.totalBytes = total;
    snapshot.bytesPerSecond = rate;
    snapshot.etaSeconds = eta;
    return snapshot;
}

ProgressSnapshot batch(double percentage, int total, int completed, int failed)
{
    ProgressSnapshot snapshot;
    snapshot.stage = QStringLiteral("batch");
    snapshot.percentage = percentage;
    snapshot.itemsTotal = total;
    snapshot.itemsCompleted = completed;
    snapshot.itemsFailed = failed;
    return snapshot;
}

constexpr qint64 MiB = 1024 * 1024;

// A console over byte arrays, with a chosen terminal-ness and width.
struct FakeConsole
{
    QByteArray out;
    QByteArray err;
    Console console;

    explicit FakeConsole(bool terminal, int width = 80)
        : console(Console::Stream{[this](const QByteArray &bytes) { out += bytes; }, terminal, [width] { return width; }},
                  Console::Stream{[this](const QByteArray &bytes) { err += bytes; }, terminal, [width] { return width; }})
    {
    }
};

} // namespace

class TestProgressRenderer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void terminalLine_data();
    void terminalLine();
    void terminalLineNeverWraps();
    void plainLine_data();
    void plainLine();
    void jsonEventCarriesWhatIsKnown();

    void terminalRedrawsOneLineAndFinishesClean();
    void terminalThrottlesButNotStageChanges();
    void messagesClearTheBarFirst();
    void plainPrintsStageChangesAndEveryTenPercent();
    void plainPrintsABatchOncePerEndedInput();
    void jsonIsMonotonicPerStageAndEndsAt100();
    void transferRateIsMeasured();
    void quietPrintsNothing();
    void modeFollowsTheOutput();
};

void TestProgressRenderer::initTestCase()
{
    // Decimal points, not commas, whatever the machine's locale.
    QLocale::setDefault(QLocale::c());
}

void TestProgressRenderer::terminalLine_data()
{
    QTest::addColumn<ProgressSnapshot>("snapshot");
    QTest::addColumn<int>("width");
    QTest::addColumn<QString>("line");

    const ProgressSnapshot running = processing(42.3, 2.41, 3.2);
    QTest::newRow("processing, 80 columns")
            << running << 80 << "processing   42.3% [============>                 ]  2.41x  ETA 0:04";
    QTest::newRow("processing, 40: the bar goes before speed and ETA")
            << running << 40 << "processing   42.3%  2.41x  ETA 0:04";
    QTest::newRow("processing, 30: then the speed") << running << 30 << "processing   42.3%  ETA 0:04";
    QTest::newRow("processing, 20: then the ETA") << running << 20 << "processing   42.3%";
    QTest::newRow("processing, 10: cut") << running << 10 << "processin";
    QTest::newRow("processing done: full bar, no ETA")
            << processing(100, 15.7, 0) << 80 << "processing  100.0% [==============================]  15.70x";
    QTest::newRow("processing start") << processing(0) << 60 << "processing    0.0% [>                             ]";

    const ProgressSnapshot upload = transfer(QStringLiteral("uploading"), 50, 5 * MiB, 10 * MiB, 2.0 * MiB, 2.5);
    QTest::newRow("upload, 100: bar at its widest")
            << upload << 100 << "uploading    50.0% [===============>              ]  5.0 MiB of 10.0 MiB  2.0 MiB/s  ETA 0:03";
    QTest::newRow("upload, 80: the bar shrinks")
            << upload << 80 << "uploading    50.0% [========>       ]  5.0 MiB of 10.0 MiB  2.0 MiB/s  ETA 0:03";
    QTest::newRow("upload, 60: byte counts go") << upload << 60 << "uploading    50.0% [========>        ]  2.0 MiB/s  ETA 0:03";
    QTest::newRow("upload, 45: rate goes") << upload << 45 << "uploading    50.0% [======>      ]  ETA 0:03";
    QTest::newRow("upload, 30: bar goes") << upload << 30 << "uploading    50.0%  ETA 0:03";
    QTest::newRow("receiving without total")
            << transfer(QStringLiteral("receiving"), -1, 1536, -1) << 80 << "receiving    1.5 KiB";
    QTest::newRow("download, small")
            << transfer(QStringLiteral("downloading"), 7.5, 512, 8192, 100, 75) << 80
            << "downloading   7.5% [=>                   ]  512 B of 8.0 KiB  100 B/s  ETA 1:15";

    ProgressSnapshot queued;
    queued.stage = QStringLiteral("queued");
    queued.percentage = 0;
    queued.queuePosition = 2;
    QTest::newRow("queued: position, no meaningless 0 %") << queued << 80 << "queued       position 2";
    ProgressSnapshot finalizing;
    finalizing.stage = QStringLiteral("finalizing");
    finalizing.percentage = 0;
    QTest::newRow("finalizing") << finalizing << 80 << "finalizing";
    QTest::newRow("batch: the counts stay longest")
            << batch(62.5, 8, 4, 1) << 80 << "batch        62.5% [==================>           ]  5 of 8 done, 1 failed";
    QTest::newRow("batch, 50: the bar goes first") << batch(62.5, 8, 4, 1) << 50 << "batch        62.5%  5 of 8 done, 1 failed";
    QTest::newRow("long ETA") << processing(1, 0.5, 3725) << 80
                              << "processing    1.0% [>                             ]  0.50x  ETA 1:02:05";
}

void TestProgressRenderer::terminalLine()
{
    QFETCH(ProgressSnapshot, snapshot);
    QFETCH(int, width);
    QFETCH(QString, line);
    QCOMPARE(ProgressRenderer::terminalLine(snapshot, width), line);
}

void TestProgressRenderer::terminalLineNeverWraps()
{
    const QList<ProgressSnapshot> snapshots{processing(42.3, 2.41, 3.2), processing(100, 99.99, 0),
                                            transfer(QStringLiteral("uploading"), 99.9, 1023 * MiB, 1024 * MiB, 999.9 * MiB, 86399)};
    for (const ProgressSnapshot &snapshot : snapshots) {
        for (int width = 1; width <= 200; ++width) {
            const QString line = ProgressRenderer::terminalLine(snapshot, width);
            QVERIFY2(line.size() <= std::max(1, width - 1), qPrintable(QStringLiteral("%1 at %2").arg(line).arg(width)));
            QVERIFY(!line.contains(u'\n'));
            QVERIFY(!line.isEmpty());
        }
    }
}

void TestProgressRenderer::plainLine_data()
{
    QTest::addColumn<ProgressSnapshot>("snapshot");
    QTest::addColumn<QString>("line");

    QTest::newRow("processing") << processing(42.3, 2.41, 3.2) << "processing 42.3% (2.41x, ETA 0:04)";
    QTest::newRow("upload") << transfer(QStringLiteral("uploading"), 50, 5 * MiB, 10 * MiB, 2.0 * MiB, 2.5)
                            << "uploading 50.0% (5.0 MiB of 10.0 MiB, 2.0 MiB/s, ETA 0:03)";
    QTest::newRow("bare") << processing(10) << "processing 10.0%";
    QTest::newRow("batch") << batch(25, 4, 1, 0) << "batch 25.0% (1 of 4 done)";
    ProgressSnapshot queued;
    queued.stage = QStringLiteral("queued");
    queued.percentage = 0;
    queued.queuePosition = 3;
    QTest::newRow("queued") << queued << "queued (position 3)";
}

void TestProgressRenderer::plainLine()
{
    QFETCH(ProgressSnapshot, snapshot);
    QFETCH(QString, line);
    QCOMPARE(ProgressRenderer::plainLine(snapshot), line);
}

void TestProgressRenderer::jsonEventCarriesWhatIsKnown()
{
    const QJsonObject upload = ProgressRenderer::jsonEvent(transfer(QStringLiteral("uploading"), 50.04, 10, 20, 5.4, 2.04),
                                                           QStringLiteral("job-1"));
    QCOMPARE(QString::fromUtf8(QJsonDocument(upload).toJson(QJsonDocument::Compact)),
             QStringLiteral(R"({"bytes":10,"bytes_per_second":5,"eta_seconds":2,"event":"progress","job_id":"job-1","percentage":50,"stage":"uploading","total_bytes":20})"));
    const QJsonObject running = ProgressRenderer::jsonEvent(processing(12.34, 1.5, 8), QString());
    QCOMPARE(QString::fromUtf8(QJsonDocument(running).toJson(QJsonDocument::Compact)),
             QStringLiteral(R"({"eta_seconds":8,"event":"progress","percentage":12.3,"speed":1.5,"stage":"processing"})"));
}

void TestProgressRenderer::terminalRedrawsOneLineAndFinishesClean()
{
    FakeConsole fake(true, 60);
    qint64 now = 0;
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Terminal, [&now] { return now; });
    for (int percent = 0; percent <= 100; percent += 25) {
        now += 1000;
        reporter.update(processing(percent, 2, 1));
    }
    reporter.finish();
    fake.console.out(QStringLiteral("saved clip.mp4\n"));

    QVERIFY(fake.err.startsWith("\rprocessing    0.0% ["));
    QVERIFY(!fake.err.contains('\n'));
    QCOMPARE(fake.err.count('\r'), 6);   // five draws and the final clear
    QCOMPARE(fake.err.count("\x1b[K"), 6);
    QVERIFY(fake.err.endsWith("\r\x1b[K"));
    const QList<QByteArray> draws = fake.err.split('\r');
    QCOMPARE(draws.at(5), QByteArray("processing  100.0% [") + QByteArray(30, '=') + QByteArray("]  2.00x\x1b[K"));
    QCOMPARE(fake.out, QByteArray("saved clip.mp4\n"));
}

void TestProgressRenderer::terminalThrottlesButNotStageChanges()
{
    FakeConsole fake(true);
    qint64 now = 1000;
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Terminal, [&now] { return now; });
    reporter.update(processing(1));
    now += 10;
    reporter.update(processing(2));     // too soon: not drawn
    now += 10;
    reporter.update(transfer(QStringLiteral("receiving"), 0, 0, 100));   // a new stage always is
    now += 200;
    reporter.update(transfer(QStringLiteral("receiving"), 50, 50, 100));
    const QList<QByteArray> draws = fake.err.split('\r');
    QCOMPARE(draws.size(), 4);   // "" before the first \r, then three draws
    QVERIFY(draws.at(1).startsWith("processing    1.0%"));
    QVERIFY(draws.at(2).startsWith("receiving     0.0%"));
    QVERIFY(draws.at(3).startsWith("receiving    50.0%"));
}

void TestProgressRenderer::messagesClearTheBarFirst()
{
    FakeConsole fake(true);
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Terminal, [] { return qint64(0); });
    reporter.update(processing(10));
    fake.console.errLine(QStringLiteral("warning: SHUTTING_DOWN: bye"));
    QVERIFY(fake.err.endsWith("\x1b[K\r\x1b[Kwarning: SHUTTING_DOWN: bye\n"));
    QVERIFY(!fake.console.statusShown());
}

void TestProgressRenderer::plainPrintsABatchOncePerEndedInput()
{
    FakeConsole fake(false);
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Plain, [] { return qint64(0); });
    reporter.update(batch(0, 2, 0, 0));
    // The percentage moving alone is no news for a batch; an input that ended is.
    for (int percent = 1; percent <= 49; ++percent)
        reporter.update(batch(percent, 2, 0, 0));
    reporter.update(batch(50, 2, 1, 0));
    reporter.update(batch(75, 2, 1, 0));
    reporter.update(batch(100, 2, 1, 1));
    const QList<QByteArray> lines = fake.err.trimmed().split('\n');
    QCOMPARE(lines, (QList<QByteArray>{"batch 0.0% (0 of 2 done)", "batch 50.0% (1 of 2 done)", "batch 100.0% (2 of 2 done, 1 failed)"}));
    QJsonObject event = ProgressRenderer::jsonEvent(batch(50, 2, 1, 0), QString());
    QCOMPARE(event.value(QStringLiteral("total")).toInt(), 2);
    QCOMPARE(event.value(QStringLiteral("completed")).toInt(), 1);
    QCOMPARE(event.value(QStringLiteral("failed")).toInt(), 0);
}

void TestProgressRenderer::plainPrintsStageChangesAndEveryTenPercent()
{
    FakeConsole fake(false);
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Plain, [] { return qint64(0); });
    reporter.update(transfer(QStringLiteral("uploading"), 0, 0, 1000));
    reporter.update(transfer(QStringLiteral("uploading"), 100, 1000, 1000));
    ProgressSnapshot queued;
    queued.stage = QStringLiteral("queued");
    queued.percentage = 0;
    reporter.update(queued);
    reporter.update(queued);
    for (int percent = 0; percent <= 1000; ++percent)
        reporter.update(processing(percent / 10.0));
    ProgressSnapshot finalizing;
    finalizing.stage = QStringLiteral("finalizing");
    finalizing.percentage = 0;
    reporter.update(finalizing);
    reporter.completeStage();
    reporter.finish();

    const QList<QByteArray> lines = fake.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 2 + 1 + 11 + 1);
    QCOMPARE(lines.at(0), QByteArray("uploading 0.0% (0 B of 1000 B)"));
    QCOMPARE(lines.at(1), QByteArray("uploading 100.0% (1000 B of 1000 B)"));
    QCOMPARE(lines.at(2), QByteArray("queued"));
    QCOMPARE(lines.at(3), QByteArray("processing 0.0%"));
    QCOMPARE(lines.at(4), QByteArray("processing 10.0%"));
    QCOMPARE(lines.at(13), QByteArray("processing 100.0%"));
    QCOMPARE(lines.at(14), QByteArray("finalizing"));
    QVERIFY(!fake.err.contains('\r'));
    QVERIFY(fake.out.isEmpty());
}

void TestProgressRenderer::jsonIsMonotonicPerStageAndEndsAt100()
{
    FakeConsole fake(false);
    qint64 now = 0;
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Json, [&now] { return now; });
    reporter.setJobId(QStringLiteral("job-9"));
    ProgressSnapshot queued;
    queued.stage = QStringLiteral("queued");
    queued.percentage = 0;
    reporter.update(queued);
    const QList<double> arriving{0, 10, 30, 25, 60, 59.9, 99.9};
    for (double percent : arriving) {
        now += 300;
        reporter.update(processing(percent));
    }
    ProgressSnapshot finalizing;
    finalizing.stage = QStringLiteral("finalizing");
    finalizing.percentage = 0;
    now += 300;
    reporter.update(finalizing);
    reporter.completeStage();

    QList<QJsonObject> events;
    for (const QByteArray &line : fake.out.trimmed().split('\n'))
        events.append(QJsonDocument::fromJson(line).object());
    QVERIFY(fake.err.isEmpty());
    QHash<QString, double> highest;
    for (const QJsonObject &event : std::as_const(events)) {
        QCOMPARE(event.value(QStringLiteral("event")).toString(), QStringLiteral("progress"));
        QCOMPARE(event.value(QStringLiteral("job_id")).toString(), QStringLiteral("job-9"));
        const QString stage = event.value(QStringLiteral("stage")).toString();
        const double percentage = event.value(QStringLiteral("percentage")).toDouble();
        QVERIFY2(percentage >= highest.value(stage, 0), qPrintable(stage));
        highest.insert(stage, percentage);
    }
    QList<double> processingPercentages;
    for (const QJsonObject &event : std::as_const(events)) {
        if (event.value(QStringLiteral("stage")).toString() == QLatin1StringView("processing"))
            processingPercentages.append(event.value(QStringLiteral("percentage")).toDouble());
    }
    // 25 and 59.9 came late and lower: shown as what was already reached, or not at all; the
    // stage ends at 100 when the next one begins.
    QCOMPARE(processingPercentages, (QList<double>{0, 10, 30, 60, 99.9, 100}));
    // Every stage's last event is its 100, and the stages do not interleave.
    QStringList order;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QString stage = events.at(i).value(QStringLiteral("stage")).toString();
        if (order.isEmpty() || order.constLast() != stage)
            order.append(stage);
        const bool last = i + 1 == events.size() || events.at(i + 1).value(QStringLiteral("stage")).toString() != stage;
        if (last)
            QCOMPARE(events.at(i).value(QStringLiteral("percentage")).toDouble(), 100.0);
    }
    QCOMPARE(order, (QStringList{QStringLiteral("queued"), QStringLiteral("processing"), QStringLiteral("finalizing")}));
}

void TestProgressRenderer::transferRateIsMeasured()
{
    FakeConsole fake(false);
    qint64 now = 0;
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Json, [&now] { return now; });
    for (int second = 0; second <= 4; ++second) {
        now = second * 1000;
        reporter.update(transfer(QStringLiteral("uploading"), second * 20, second * 2 * MiB, 10 * MiB));
    }
    const QList<QByteArray> lines = fake.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 5);
    QVERIFY(!QJsonDocument::fromJson(lines.first()).object().contains(QStringLiteral("bytes_per_second")));
    QCOMPARE(QJsonDocument::fromJson(lines.last()).object().value(QStringLiteral("bytes_per_second")).toDouble(), double(2 * MiB));
}

void TestProgressRenderer::quietPrintsNothing()
{
    FakeConsole fake(true);
    ProgressReporter reporter(fake.console, ProgressReporter::Mode::Quiet);
    reporter.update(processing(50));
    reporter.completeStage();
    reporter.finish();
    QVERIFY(fake.out.isEmpty());
    QVERIFY(fake.err.isEmpty());
}

void TestProgressRenderer::modeFollowsTheOutput()
{
    FakeConsole terminal(true);
    FakeConsole pipe(false);
    QCOMPARE(ProgressReporter::modeFor(terminal.console, false, false), ProgressReporter::Mode::Terminal);
    QCOMPARE(ProgressReporter::modeFor(pipe.console, false, false), ProgressReporter::Mode::Plain);
    QCOMPARE(ProgressReporter::modeFor(terminal.console, true, false), ProgressReporter::Mode::Json);
    QCOMPARE(ProgressReporter::modeFor(terminal.console, false, true), ProgressReporter::Mode::Quiet);
    QCOMPARE(ProgressReporter::modeFor(pipe.console, true, true), ProgressReporter::Mode::Json);
}

QTEST_GUILESS_MAIN(TestProgressRenderer)
#include "tst_cli_progressrenderer.moc"
