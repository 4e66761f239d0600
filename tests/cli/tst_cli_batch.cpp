// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforge with several inputs for a one-input operation (`mediaforge thumbnail *.mp4 -o
// thumbs/`) against the real mediaforged and real ffmpeg: local files run as one job each,
// URLs (served by a real HTTP server on loopback) as one start_batch; either way one combined
// progress line, a result line per input, the outputs in the folder, exit 1 when an input
// failed, and Ctrl-C cancels every unfinished input on the service.
#include "clitestsupport.h"
#include "testhttpserver.h"
#include "testmedia.h"

#include <QFileInfo>

using namespace CliTest;

class TestCliBatch : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void localFilesRunAsOneJobEachAndLandInTheFolder();
    void urlsRunAsOneBatchWithAResultPerInputAndExitOneOnAFailure();
    void ctrlCCancelsTheWholeBatchOnTheService();
    void ctrlCCancelsEveryLocalInputsJob();

private:
    Result cli(QStringList arguments)
    {
        arguments << QStringLiteral("--server") << m_service.wsUrl();
        return run(arguments, m_work->path());
    }
    // The HTTP server lives in this process: mediaforge runs without blocking its event loop.
    Result cliAsync(QStringList arguments, int timeoutMs = 120000)
    {
        arguments << QStringLiteral("--server") << m_service.wsUrl();
        QProcess process;
        prepare(process, arguments, m_work->path(), {});
        process.start();
        Result result;
        (void)QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, timeoutMs);
        result.finished = process.state() == QProcess::NotRunning;
        if (!result.finished) {
            process.kill();
            process.waitForFinished(5000);
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        result.out = process.readAllStandardOutput();
        result.err = process.readAllStandardError();
        return result;
    }
    QList<QJsonObject> jobs(const QString &states);

    Service m_service;
    QTemporaryDir m_media;
    QString m_clip;
    QString m_otherClip;   // another file of the same name, in another folder
    QString m_short;
    QString m_long;
    std::unique_ptr<QTemporaryDir> m_work;
};

void TestCliBatch::initTestCase()
{
    QVERIFY2(!cliBinary().isEmpty() && QFileInfo(cliBinary()).isExecutable(), "MEDIAFORGE_CLI is not set");
    QVERIFY(m_media.isValid());
    QVERIFY2(m_service.start({QStringLiteral("--allow-private-urls"), QStringLiteral("--max-concurrent-jobs"), QStringLiteral("2")}),
             qPrintable(m_service.log()));
    TestMedia::VideoSpec spec;
    spec.seconds = 1.0;
    spec.width = 160;
    spec.height = 120;
    m_clip = m_media.filePath(QStringLiteral("clip.mp4"));
    QVERIFY(QFile::rename(TestMedia::makeVideo(m_media.path(), spec), m_clip));
    QVERIFY(QDir(m_media.path()).mkdir(QStringLiteral("other")));
    spec.width = 192;
    m_otherClip = m_media.filePath(QStringLiteral("other/clip.mp4"));
    QVERIFY(QFile::rename(TestMedia::makeVideo(m_media.path(), spec), m_otherClip));
    spec.width = 224;
    m_short = m_media.filePath(QStringLiteral("short.mp4"));
    QVERIFY(QFile::rename(TestMedia::makeVideo(m_media.path(), spec), m_short));
    // Long enough that slowing it down keeps ffmpeg busy until the Ctrl-C.
    spec.seconds = 60.0;
    spec.audio = false;
    spec.width = 320;
    spec.height = 240;
    m_long = m_media.filePath(QStringLiteral("long.mp4"));
    QVERIFY(QFile::rename(TestMedia::makeVideo(m_media.path(), spec), m_long));
}

void TestCliBatch::init()
{
    m_work = std::make_unique<QTemporaryDir>();
    QVERIFY(m_work->isValid());
}

void TestCliBatch::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << "service log:\n" << m_service.log();
}

QList<QJsonObject> TestCliBatch::jobs(const QString &states)
{
    const Result result = cli({QStringLiteral("jobs"), QStringLiteral("--json"), QStringLiteral("--state"), states});
    QList<QJsonObject> list;
    const QJsonArray array = QJsonDocument::fromJson(result.out).array();
    for (const QJsonValue &job : array)
        list.append(job.toObject());
    return list;
}

void TestCliBatch::localFilesRunAsOneJobEachAndLandInTheFolder()
{
    const int before = int(jobs(QStringLiteral("completed")).size());
    const Result result = cli({QStringLiteral("thumbnail"), m_clip, m_otherClip, m_short, QStringLiteral("-o"), QStringLiteral("thumbs/")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));

    // One output per input; the two clip.mp4 do not collide: one of them is numbered after
    // its place on the command line (which one depends on which ended first).
    const QString thumbs = m_work->filePath(QStringLiteral("thumbs"));
    const QStringList files = filesIn(thumbs);
    QCOMPARE(files.size(), 3);
    QVERIFY2(files.contains(QStringLiteral("clip_thumb.png")) && files.contains(QStringLiteral("short_thumb.png")),
             qPrintable(files.join(u' ')));
    QVERIFY2(files.contains(QStringLiteral("clip_thumb-1.png")) || files.contains(QStringLiteral("clip_thumb-2.png")),
             qPrintable(files.join(u' ')));
    QSet<int> widths;
    for (const QString &file : files)
        widths.insert(TestMedia::probe(QDir(thumbs).filePath(file)).value(QStringLiteral("streams")).toArray().first()
                              .toObject().value(QStringLiteral("width")).toInt());
    QCOMPARE(widths, (QSet<int>{160, 192, 224}));

    // A result line per input on stdout, and the summary.
    const QStringList lines = result.outText().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines.filter(QRegularExpression(QStringLiteral("^clip\\.mp4: saved thumbs/clip_thumb(-[12])?\\.png$"))).size(), 2);
    QVERIFY(lines.contains(QStringLiteral("short.mp4: saved thumbs/short_thumb.png")));
    QVERIFY2(lines.constLast().startsWith(QStringLiteral("3 inputs done in ")), qPrintable(result.describe()));

    // stderr is a pipe: one combined line per input that ended, counting up, never per job.
    const QStringList progress = result.errText().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(progress.constFirst(), QStringLiteral("batch 0.0% (0 of 3 done)"));
    QCOMPARE(progress.filter(QStringLiteral("of 3 done")).size(), 4);
    QCOMPARE(progress.constLast(), QStringLiteral("batch 100.0% (3 of 3 done)"));
    QVERIFY2(!result.errText().contains(QStringLiteral("processing")), qPrintable(result.describe()));

    // Uploads cannot be batch items: three single jobs, none of them in a batch.
    const QList<QJsonObject> completed = jobs(QStringLiteral("completed"));
    QCOMPARE(int(completed.size()), before + 3);
    for (const QJsonObject &job : completed)
        QVERIFY(!job.contains(QStringLiteral("batch_id")));
}

void TestCliBatch::urlsRunAsOneBatchWithAResultPerInputAndExitOneOnAFailure()
{
    TestHttpServer http;
    QVERIFY(http.listen());
    http.setRoute(QStringLiteral("/a/clip.mp4"), TestHttpServer::Response::file(m_clip));
    http.setRoute(QStringLiteral("/b/short.mp4"), TestHttpServer::Response::file(m_short));
    http.setRoute(QStringLiteral("/c/gone.mp4"), TestHttpServer::Response::statusPage(404));
    const QStringList urls{http.url(QStringLiteral("/a/clip.mp4")).toString(), http.url(QStringLiteral("/b/short.mp4")).toString(),
                           http.url(QStringLiteral("/c/gone.mp4")).toString()};
    const Result result = cliAsync({QStringLiteral("--json"), QStringLiteral("thumbnail"), urls.at(0), urls.at(1), urls.at(2),
                                    QStringLiteral("--width"), QStringLiteral("64"), QStringLiteral("-o"), QStringLiteral("out")});
    QVERIFY2(result.finished && result.exitCode == 1, qPrintable(result.describe()));
    const QList<QJsonObject> events = result.events();

    // One start_batch: its items are BATCH_ID:0..2, in the order given.
    const QJsonObject accepted = events.constFirst();
    QCOMPARE(accepted.value(QStringLiteral("event")).toString(), QStringLiteral("accepted"));
    const QString batchId = accepted.value(QStringLiteral("batch_id")).toString();
    QVERIFY(batchId.startsWith(QStringLiteral("batch-")));
    const QJsonArray items = accepted.value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(items.at(i).toObject().value(QStringLiteral("job_id")).toString(), QStringLiteral("%1:%2").arg(batchId).arg(i));
        QCOMPARE(items.at(i).toObject().value(QStringLiteral("input")).toString(), urls.at(i));
    }

    double last = -1;
    QMap<int, QJsonObject> results;
    for (const QJsonObject &event : events) {
        const QString name = event.value(QStringLiteral("event")).toString();
        if (name == QLatin1StringView("progress")) {
            QCOMPARE(event.value(QStringLiteral("stage")).toString(), QStringLiteral("batch"));
            QCOMPARE(event.value(QStringLiteral("total")).toInt(), 3);
            const double percentage = event.value(QStringLiteral("percentage")).toDouble();
            QVERIFY2(percentage >= last && percentage <= 100, qPrintable(result.outText()));
            last = percentage;
        } else if (name == QLatin1StringView("item_completed") || name == QLatin1StringView("item_failed")) {
            QVERIFY2(!results.contains(event.value(QStringLiteral("index")).toInt()), "an input ended twice");
            results.insert(event.value(QStringLiteral("index")).toInt(), event);
        }
    }
    QCOMPARE(results.size(), 3);
    QCOMPARE(results.value(0).value(QStringLiteral("event")).toString(), QStringLiteral("item_completed"));
    QCOMPARE(results.value(1).value(QStringLiteral("event")).toString(), QStringLiteral("item_completed"));
    QCOMPARE(results.value(2).value(QStringLiteral("event")).toString(), QStringLiteral("item_failed"));
    QCOMPARE(results.value(2).value(QStringLiteral("code")).toString(), QStringLiteral("DOWNLOAD_FAILED"));
    for (int i = 0; i < 2; ++i) {
        const QJsonArray saved = results.value(i).value(QStringLiteral("saved")).toArray();
        QCOMPARE(saved.size(), 1);
        const QString path = saved.first().toString();
        QCOMPARE(QFileInfo(path).absolutePath(), QFileInfo(m_work->filePath(QStringLiteral("out"))).absoluteFilePath());
        QCOMPARE(sha256Of(path), results.value(i).value(QStringLiteral("outputs")).toArray().first().toObject()
                                         .value(QStringLiteral("sha256")).toString());
    }
    QCOMPARE(filesIn(m_work->filePath(QStringLiteral("out"))), (QStringList{QStringLiteral("clip_thumb.png"), QStringLiteral("short_thumb.png")}));
    const QJsonObject end = events.constLast();
    QCOMPARE(end.value(QStringLiteral("event")).toString(), QStringLiteral("batch_completed"));
    QCOMPARE(end.value(QStringLiteral("batch_id")).toString(), batchId);
    QCOMPARE(end.value(QStringLiteral("completed")).toInt(), 2);
    QCOMPARE(end.value(QStringLiteral("failed")).toInt(), 1);
    QCOMPARE(end.value(QStringLiteral("exit_code")).toInt(), 1);
    // Each URL was fetched once, by the service.
    QCOMPARE(http.requestCount(QStringLiteral("/a/clip.mp4")), 1);
    QCOMPARE(http.requestCount(QStringLiteral("/b/short.mp4")), 1);
}

void TestCliBatch::ctrlCCancelsTheWholeBatchOnTheService()
{
    TestHttpServer http;
    QVERIFY(http.listen());
    http.setRoute(QStringLiteral("/long.mp4"), TestHttpServer::Response::file(m_long));
    const QString url = http.url(QStringLiteral("/long.mp4")).toString();
    QProcess process;
    // Three items on two workers: one of them is still queued when Ctrl-C comes.
    prepare(process, {QStringLiteral("--json"), QStringLiteral("speed"), url, url, url, QStringLiteral("--factor"), QStringLiteral("0.25"),
                      QStringLiteral("-o"), QStringLiteral("slow"), QStringLiteral("--server"), m_service.wsUrl()},
            m_work->path(), {});
    process.start();
    QByteArray out;
    // Until ffmpeg is at work: the combined percentage moved off 0.
    const QRegularExpression started(QStringLiteral("\"percentage\":(0\\.[1-9]|[1-9])"));
    (void)QTest::qWaitFor([&] {
        out += process.readAllStandardOutput();
        return started.match(QString::fromUtf8(out)).hasMatch() || process.state() == QProcess::NotRunning;
    }, 60000);
    QVERIFY2(process.state() == QProcess::Running, out.constData());
    const QString batchId = QJsonDocument::fromJson(out.left(out.indexOf('\n'))).object().value(QStringLiteral("batch_id")).toString();
    QVERIFY(!batchId.isEmpty());

    ::kill(pid_t(process.processId()), SIGINT);
    (void)QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, 20000);
    QCOMPARE(process.state(), QProcess::NotRunning);
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    out += process.readAllStandardOutput();
    const QJsonObject cancelled = QJsonDocument::fromJson(out.trimmed().split('\n').constLast()).object();
    QCOMPARE(cancelled.value(QStringLiteral("event")).toString(), QStringLiteral("cancelled"));
    QCOMPARE(cancelled.value(QStringLiteral("outcome")).toString(), QStringLiteral("cancelled"));
    QCOMPARE(cancelled.value(QStringLiteral("batch_id")).toString(), batchId);
    QCOMPARE(cancelled.value(QStringLiteral("unfinished")).toInt(), 3);
    // cancel_batch ended every item on the service; nothing partial is left here.
    (void)QTest::qWaitFor([this] { return jobs(QStringLiteral("awaiting_upload,downloading,queued,processing")).isEmpty(); }, 20000);
    QCOMPARE(jobs(QStringLiteral("awaiting_upload,downloading,queued,processing")), QList<QJsonObject>());
    int items = 0;
    for (const QJsonObject &job : jobs(QStringLiteral("cancelled")))
        items += job.value(QStringLiteral("batch_id")).toString() == batchId ? 1 : 0;
    QCOMPARE(items, 3);
    QCOMPARE(filesIn(m_work->filePath(QStringLiteral("slow"))), QStringList());
}

void TestCliBatch::ctrlCCancelsEveryLocalInputsJob()
{
    const QString copy = m_media.filePath(QStringLiteral("other/long.mp4"));
    QVERIFY(QFile::exists(copy) || QFile::copy(m_long, copy));
    QProcess process;
    prepare(process, {QStringLiteral("speed"), m_long, copy, QStringLiteral("--factor"), QStringLiteral("0.25"), QStringLiteral("-o"),
                      QStringLiteral("slow"), QStringLiteral("--server"), m_service.wsUrl()},
            m_work->path(), {});
    process.start();
    // Both uploaded and running (two workers) before the Ctrl-C.
    (void)QTest::qWaitFor([this] { return jobs(QStringLiteral("processing")).size() == 2; }, 60000);
    QCOMPARE(jobs(QStringLiteral("processing")).size(), 2);

    ::kill(pid_t(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(20000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.endsWith(QStringLiteral("interrupted; 2 unfinished inputs cancelled\n")), qPrintable(err));
    QCOMPARE(jobs(QStringLiteral("awaiting_upload,downloading,queued,processing")), QList<QJsonObject>());
    QVERIFY(!QFileInfo::exists(m_work->filePath(QStringLiteral("slow"))) || filesIn(m_work->filePath(QStringLiteral("slow"))).isEmpty());
}

QTEST_GUILESS_MAIN(TestCliBatch)
#include "tst_cli_batch.moc"
