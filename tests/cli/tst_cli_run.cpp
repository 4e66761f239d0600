// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforge run and its shorthands against the real mediaforged: uploads and URL inputs,
// outputs saved and checked, folders for several outputs, the progress display in each of
// its forms (terminal, pipe, JSON), the service's errors and existing files.
#include "clitestsupport.h"
#include "testhttpserver.h"
#include "testmedia.h"

#include <QFileInfo>
#include <QStandardPaths>

using namespace CliTest;

class TestCliRun : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void compressSavesTheOutputAndLogsProgressOnAPipe();
    void jsonProgressIsMonotonicAndEndsAt100();
    void thumbnailCountGoesToAFolder();
    void urlInputIsDownloadedByTheService();
    void concatUploadsEveryFile();
    void probePrintsATableOrTheResult();
    void failedJobPrintsTheServiceError();
    void existingOutputIsNotOverwritten();
    void quietPrintsNothing();
    void progressBarRedrawsOneLineUnderAPty();

private:
    Result cli(QStringList arguments, const QProcessEnvironment &extra = {})
    {
        arguments << QStringLiteral("--server") << m_service.wsUrl();
        return run(arguments, m_work->path(), extra);
    }

    Service m_service;
    QTemporaryDir m_media;
    QString m_clip;
    QString m_short;
    std::unique_ptr<QTemporaryDir> m_work;
};

void TestCliRun::initTestCase()
{
    QVERIFY2(!cliBinary().isEmpty() && QFileInfo(cliBinary()).isExecutable(), "MEDIAFORGE_CLI is not set");
    QVERIFY(m_media.isValid());
    QVERIFY2(m_service.start({QStringLiteral("--allow-private-urls")}), qPrintable(m_service.log()));
    TestMedia::VideoSpec spec;
    spec.seconds = 2.0;
    m_clip = TestMedia::makeVideo(m_media.path(), spec);
    spec.seconds = 1.0;
    m_short = TestMedia::makeVideo(m_media.path(), spec);
    // Names as people have them; the outputs are named after them.
    QVERIFY(QFile::rename(m_clip, m_media.filePath(QStringLiteral("clip.mp4"))));
    QVERIFY(QFile::rename(m_short, m_media.filePath(QStringLiteral("short.mp4"))));
    m_clip = m_media.filePath(QStringLiteral("clip.mp4"));
    m_short = m_media.filePath(QStringLiteral("short.mp4"));
}

void TestCliRun::init()
{
    m_work = std::make_unique<QTemporaryDir>();
    QVERIFY(m_work->isValid());
}

void TestCliRun::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << "service log:\n" << m_service.log();
}

void TestCliRun::compressSavesTheOutputAndLogsProgressOnAPipe()
{
    const Result result = cli({QStringLiteral("compress"), m_clip, QStringLiteral("--preset"), QStringLiteral("low")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(filesIn(m_work->path()), QStringList{QStringLiteral("clip_compressed.mp4")});
    const QString saved = m_work->filePath(QStringLiteral("clip_compressed.mp4"));
    QVERIFY(qAbs(TestMedia::durationOf(saved) - 2.0) < 0.2);
    QVERIFY2(result.outText().startsWith(QStringLiteral("saved clip_compressed.mp4 (")), qPrintable(result.describe()));

    // stderr is a pipe here: plain lines, none redrawn, at most one per stage change and 10 %.
    const QString log = result.errText();
    QVERIFY(!log.contains(u'\r'));
    QVERIFY(log.contains(QRegularExpression(QStringLiteral("^job job-\\S+ accepted \\(id [0-9a-f]+\\)$"),
                                            QRegularExpression::MultilineOption)));
    const QStringList lines = log.split(u'\n', Qt::SkipEmptyParts);
    int processing = 0;
    for (const QString &line : lines)
        processing += line.startsWith(QLatin1StringView("processing")) ? 1 : 0;
    QVERIFY2(processing >= 1 && processing <= 11, qPrintable(log));
    QVERIFY(log.contains(QStringLiteral("\nuploading 100.0% (")));
    QVERIFY(log.contains(QStringLiteral("\nreceiving 100.0% (")));
}

void TestCliRun::jsonProgressIsMonotonicAndEndsAt100()
{
    const Result result = cli({QStringLiteral("--json"), QStringLiteral("compress"), m_clip, QStringLiteral("-o"),
                               QStringLiteral("small.mp4"), QStringLiteral("--max-width"), QStringLiteral("160")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QList<QJsonObject> events = result.events();
    QVERIFY(events.size() >= 4);
    QCOMPARE(events.constFirst().value(QStringLiteral("event")).toString(), QStringLiteral("accepted"));
    const QString jobId = events.constFirst().value(QStringLiteral("job_id")).toString();
    QVERIFY(!jobId.isEmpty());

    QHash<QString, double> highest;
    QStringList stages;
    QJsonObject lastProgress;
    for (const QJsonObject &event : events) {
        if (event.value(QStringLiteral("event")).toString() != QLatin1StringView("progress"))
            continue;
        QCOMPARE(event.value(QStringLiteral("job_id")).toString(), jobId);
        const QString stage = event.value(QStringLiteral("stage")).toString();
        const double percentage = event.value(QStringLiteral("percentage")).toDouble(-1);
        QVERIFY2(percentage >= 0 && percentage <= 100, qPrintable(result.outText()));
        QVERIFY2(percentage >= highest.value(stage, 0), qPrintable(QStringLiteral("%1 went back to %2").arg(stage).arg(percentage)));
        highest.insert(stage, percentage);
        if (stages.isEmpty() || stages.constLast() != stage)
            stages.append(stage);
        lastProgress = event;
    }
    QCOMPARE(lastProgress.value(QStringLiteral("percentage")).toDouble(), 100.0);
    // Every stage that began ended at 100.
    for (auto it = highest.cbegin(); it != highest.cend(); ++it)
        QVERIFY2(it.value() == 100.0, qPrintable(it.key()));
    for (const char *stage : {"uploading", "processing", "receiving"})
        QVERIFY2(stages.contains(QLatin1StringView(stage)), qPrintable(stages.join(u',')));
    // Each stage is one run of events: no stage comes back after another began.
    QCOMPARE(QSet<QString>(stages.begin(), stages.end()).size(), stages.size());

    const QJsonObject completed = events.constLast();
    QCOMPARE(completed.value(QStringLiteral("event")).toString(), QStringLiteral("completed"));
    const QString saved = completed.value(QStringLiteral("saved")).toArray().first().toString();
    QCOMPARE(saved, QFileInfo(m_work->filePath(QStringLiteral("small.mp4"))).absoluteFilePath());
    QCOMPARE(sha256Of(saved), completed.value(QStringLiteral("outputs")).toArray().first().toObject().value(QStringLiteral("sha256")).toString());
    QCOMPARE(TestMedia::probe(saved).value(QStringLiteral("streams")).toArray().first().toObject().value(QStringLiteral("width")).toInt(), 160);
    // JSON mode keeps stderr for problems only.
    QCOMPARE(result.errText(), QString());
}

void TestCliRun::thumbnailCountGoesToAFolder()
{
    Result result = cli({QStringLiteral("thumbnail"), m_clip, QStringLiteral("--count"), QStringLiteral("3")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QString folder = m_work->filePath(QStringLiteral("clip_thumbnail"));
    const QStringList images = filesIn(folder);
    QCOMPARE(images.size(), 3);
    for (const QString &image : images) {
        QFile file(QDir(folder).filePath(image));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(file.read(8) == QByteArray("\x89PNG\r\n\x1a\n", 8), qPrintable(image));
        QVERIFY(result.outText().contains(QStringLiteral("saved clip_thumbnail/") + image));
    }
    // One frame with -o is one file of that name.
    result = cli({QStringLiteral("thumbnail"), m_clip, QStringLiteral("--at"), QStringLiteral("1.5"), QStringLiteral("--format"),
                  QStringLiteral("jpg"), QStringLiteral("-o"), QStringLiteral("still.jpg")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(filesIn(m_work->path()), QStringList{QStringLiteral("still.jpg")});
    QCOMPARE(TestMedia::codecsOf(m_work->filePath(QStringLiteral("still.jpg")), QStringLiteral("video")),
             QStringList{QStringLiteral("mjpeg")});
}

void TestCliRun::urlInputIsDownloadedByTheService()
{
    TestHttpServer http;
    QVERIFY(http.listen());
    http.setRoute(QStringLiteral("/media/clip.mp4"), TestHttpServer::Response::file(m_clip));
    const QString url = http.url(QStringLiteral("/media/clip.mp4")).toString();
    // The HTTP server lives in this process: run mediaforge without blocking the event loop.
    QProcess process;
    prepare(process, {QStringLiteral("trim"), url, QStringLiteral("--from"), QStringLiteral("0.5"), QStringLiteral("--to"),
                      QStringLiteral("1.5"), QStringLiteral("--accurate"), QStringLiteral("--server"), m_service.wsUrl()},
            m_work->path(), {});
    process.start();
    QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 60000);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(process.exitCode() == 0, qPrintable(err + QString::fromUtf8(process.readAllStandardOutput())));
    QCOMPARE(http.requestCount(QStringLiteral("/media/clip.mp4")), 1);
    QVERIFY2(err.contains(QStringLiteral("\ndownloading")), qPrintable(err));
    QVERIFY2(!err.contains(QStringLiteral("uploading")), qPrintable(err));
    const QStringList files = filesIn(m_work->path());
    QCOMPARE(files.size(), 1);
    QVERIFY(files.constFirst().startsWith(QStringLiteral("clip_")));
    QVERIFY(qAbs(TestMedia::durationOf(m_work->filePath(files.constFirst())) - 1.0) < 0.15);
}

void TestCliRun::concatUploadsEveryFile()
{
    const Result result = cli({QStringLiteral("concat"), m_clip, m_short, QStringLiteral("-o"), QStringLiteral("joined.mp4")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(qAbs(TestMedia::durationOf(m_work->filePath(QStringLiteral("joined.mp4"))) - 3.0) < 0.2);
}

void TestCliRun::probePrintsATableOrTheResult()
{
    Result result = cli({QStringLiteral("probe"), m_clip});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QString table = result.outText();
    QVERIFY2(table.startsWith(QStringLiteral("clip.mp4\nformat    mov,mp4,m4a,3gp,3g2,mj2")), qPrintable(table));
    QVERIFY(table.contains(QRegularExpression(QStringLiteral("\\n\\s+0  video  h264 .*320x240, 25 fps"))));
    QVERIFY(table.contains(QRegularExpression(QStringLiteral("\\n\\s+1  audio  aac .*44100 Hz"))));
    QCOMPARE(filesIn(m_work->path()), QStringList());

    result = cli({QStringLiteral("probe"), m_clip, QStringLiteral("--json")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QJsonObject probe = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(probe.value(QStringLiteral("streams")).toArray().size(), 2);
    QVERIFY(qAbs(probe.value(QStringLiteral("duration")).toDouble() - 2.0) < 0.1);
}

void TestCliRun::failedJobPrintsTheServiceError()
{
    const QString text = m_work->filePath(QStringLiteral("notes.mp4"));
    {
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("these are notes, not a video\n");
    }
    Result result = cli({QStringLiteral("compress"), text});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.errText().contains(QRegularExpression(QStringLiteral("\\nerror: UNSUPPORTED_INPUT: .+\\n$"))),
             qPrintable(result.describe()));
    QCOMPARE(filesIn(m_work->path()), QStringList{QStringLiteral("notes.mp4")});

    result = cli({QStringLiteral("--json"), QStringLiteral("compress"), text});
    QCOMPARE(result.exitCode, 1);
    const QJsonObject error = result.events().constLast();
    QCOMPARE(error.value(QStringLiteral("event")).toString(), QStringLiteral("error"));
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("UNSUPPORTED_INPUT"));
    QCOMPARE(error.value(QStringLiteral("exit_code")).toInt(), 1);
}

void TestCliRun::existingOutputIsNotOverwritten()
{
    Result result = cli({QStringLiteral("speed"), m_short, QStringLiteral("--factor"), QStringLiteral("2")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QStringList first = filesIn(m_work->path());
    QCOMPARE(first.size(), 1);
    const QString path = m_work->filePath(first.constFirst());
    const QString before = sha256Of(path);
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);

    result = cli({QStringLiteral("speed"), m_short, QStringLiteral("--factor"), QStringLiteral("4")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.errText().contains(QStringLiteral("error: OUTPUT_EXISTS: ") + first.constFirst()
                                       + QStringLiteral(" already exists; use --force")),
             qPrintable(result.describe()));
    QCOMPARE(sha256Of(path), before);
    QCOMPARE(filesIn(m_work->path()), first);

    // Named with -o: refused before anything is sent.
    result = cli({QStringLiteral("speed"), m_short, QStringLiteral("--factor"), QStringLiteral("4"), QStringLiteral("-o"), path});
    QCOMPARE(result.exitCode, 1);
    QVERIFY(result.errText().contains(QStringLiteral("OUTPUT_EXISTS")));
    QVERIFY2(!result.errText().contains(QStringLiteral("accepted")), qPrintable(result.describe()));

    result = cli({QStringLiteral("speed"), m_short, QStringLiteral("--factor"), QStringLiteral("4"), QStringLiteral("--force")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(sha256Of(path) != before);
    QCOMPARE(filesIn(m_work->path()), first);
    // Four times as fast as the one-second clip (ffmpeg ends video on whole frames).
    QVERIFY(TestMedia::durationOf(path) < 0.45);
}

void TestCliRun::quietPrintsNothing()
{
    const Result result = cli({QStringLiteral("-q"), QStringLiteral("remove-audio"), m_short});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(result.outText(), QString());
    QCOMPARE(result.errText(), QString());
    const QStringList files = filesIn(m_work->path());
    QCOMPARE(files.size(), 1);
    QCOMPARE(TestMedia::streamCount(m_work->filePath(files.constFirst()), QStringLiteral("audio")), 0);
}

void TestCliRun::progressBarRedrawsOneLineUnderAPty()
{
    const QString script = QStandardPaths::findExecutable(QStringLiteral("script"));
    // bsdutils is in ./dev's package list: a missing script(1) is a broken setup, not a skip.
    QVERIFY2(!script.isEmpty(), "script(1) from bsdutils is needed to run the CLI under a pseudo terminal");
    // script gives mediaforge a pseudo terminal for stdout and stderr; its size is unknown
    // there, so COLUMNS says how wide to draw.
    const QString command = QStringLiteral("'%1' compress '%2' -o bar.mp4 --server %3").arg(cliBinary(), m_clip, m_service.wsUrl());
    QProcess process;
    process.setProgram(script);
    process.setArguments({QStringLiteral("-q"), QStringLiteral("-e"), QStringLiteral("-c"), command, QStringLiteral("/dev/null")});
    process.setWorkingDirectory(m_work->path());
    QProcessEnvironment extra;
    extra.insert(QStringLiteral("COLUMNS"), QStringLiteral("60"));
    process.setProcessEnvironment(cliEnvironment(extra));
    process.start();
    QVERIFY(process.waitForFinished(60000));
    const QByteArray screen = process.readAllStandardOutput();
    const QString shown = QString::fromUtf8(screen).toHtmlEscaped();
    QVERIFY2(process.exitCode() == 0, qPrintable(shown));
    QVERIFY(QFileInfo::exists(m_work->filePath(QStringLiteral("bar.mp4"))));

    // Everything up to the last clear is the bar being redrawn: carriage returns, no newline.
    const qsizetype lastClear = screen.lastIndexOf("\r\x1b[K");
    QVERIFY2(lastClear > 0, qPrintable(shown));
    const QByteArray bar = screen.left(lastClear);
    QVERIFY2(!bar.contains('\n'), qPrintable(shown));
    const QList<QByteArray> draws = bar.split('\r');
    QVERIFY2(draws.size() >= 5, qPrintable(shown));   // upload, queue, processing, receiving, ...
    QStringList stagesSeen;
    for (const QByteArray &draw : draws) {
        if (draw.isEmpty())
            continue;
        QVERIFY2(draw.endsWith("\x1b[K"), draw.constData());
        const QByteArray text = draw.chopped(3);
        QVERIFY2(text.size() <= 59, text.constData());
        stagesSeen.append(QString::fromUtf8(text.left(text.indexOf(' '))));
    }
    for (const char *stage : {"uploading", "processing", "receiving"})
        QVERIFY2(stagesSeen.contains(QLatin1StringView(stage)), qPrintable(stagesSeen.join(u',')));
    // Then a clean end: the summary on lines of their own (the terminal turns \n into \r\n).
    const QByteArray end = screen.mid(lastClear + 4);
    QVERIFY2(end.startsWith("saved bar.mp4 ("), end.constData());
    QVERIFY2(end.endsWith("\r\n"), end.constData());
    QCOMPARE(end.count('\r'), end.count('\n'));
}

QTEST_GUILESS_MAIN(TestCliRun)
#include "tst_cli_run.moc"
