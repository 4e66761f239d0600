// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforge's other subcommands against the real mediaforged: detached jobs and fetch, jobs,
// status, cancel, Ctrl-C during a job, health, watch, and a service that is not there.
#include "clitestsupport.h"
#include "testmedia.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <csignal>

using namespace CliTest;

class TestCliService : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void detachedJobsAreListedCancelledAndFetched();
    void ctrlCCancelsTheJobOnTheService();
    void healthReportsTheHttpEndpoint();
    void presetsAreListedAndRunByName();
    void watchShowsEveryJobLive();
    void serverDownIsOneClearLine();
    void jobsPagesThroughTheHistory();

private:
    Result cli(QStringList arguments, const QProcessEnvironment &extra = {})
    {
        arguments << QStringLiteral("--server") << m_service.wsUrl();
        return run(arguments, m_work->path(), extra);
    }
    QList<QJsonObject> unfinishedJobs();

    Service m_service;
    QTemporaryDir m_media;
    QString m_clip;
    QString m_long;
    std::unique_ptr<QTemporaryDir> m_work;
};

void TestCliService::initTestCase()
{
    QVERIFY2(!cliBinary().isEmpty() && QFileInfo(cliBinary()).isExecutable(), "MEDIAFORGE_CLI is not set");
    QVERIFY(m_media.isValid());
    // One worker: a second job waits in the queue, which is what cancel and status need.
    QVERIFY2(m_service.start({QStringLiteral("--max-concurrent-jobs"), QStringLiteral("1")}), qPrintable(m_service.log()));
    TestMedia::VideoSpec spec;
    spec.seconds = 2.0;
    m_clip = TestMedia::makeVideo(m_media.path(), spec);
    // Long enough that slowing it down keeps ffmpeg busy for many seconds.
    spec.seconds = 60.0;
    spec.audio = false;
    m_long = TestMedia::makeVideo(m_media.path(), spec);
}

void TestCliService::init()
{
    m_work = std::make_unique<QTemporaryDir>();
    QVERIFY(m_work->isValid());
}

void TestCliService::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << "service log:\n" << m_service.log();
}

QList<QJsonObject> TestCliService::unfinishedJobs()
{
    const Result result = cli({QStringLiteral("jobs"), QStringLiteral("--json"), QStringLiteral("--state"),
                               QStringLiteral("awaiting_upload,downloading,queued,processing")});
    QList<QJsonObject> jobs;
    const QJsonArray array = QJsonDocument::fromJson(result.out).array();
    for (const QJsonValue &job : array)
        jobs.append(job.toObject());
    return jobs;
}

void TestCliService::detachedJobsAreListedCancelledAndFetched()
{
    // A long job holds the only worker...
    Result result = cli({QStringLiteral("--json"), QStringLiteral("speed"), m_long, QStringLiteral("--factor"),
                         QStringLiteral("0.25"), QStringLiteral("--detach")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QJsonObject detached = result.events().constLast();
    QCOMPARE(detached.value(QStringLiteral("event")).toString(), QStringLiteral("detached"));
    const QString longId = detached.value(QStringLiteral("id")).toString();
    QVERIFY(!longId.isEmpty());

    // ...so the next one waits. Without --json the id alone is on stdout.
    result = cli({QStringLiteral("compress"), m_clip, QStringLiteral("--detach"), QStringLiteral("--job-id"), QStringLiteral("waiting-1")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QString queuedId = result.outText().trimmed();
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{24}$")).match(queuedId).hasMatch(), qPrintable(result.describe()));
    QVERIFY(result.errText().contains(QStringLiteral("mediaforge fetch ") + queuedId));

    result = cli({QStringLiteral("jobs")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(result.outText().startsWith(QStringLiteral("ID ")));
    QVERIFY(result.outText().contains(QRegularExpression(queuedId + QStringLiteral("\\s+waiting-1\\s+compress\\s+queued"))));
    QVERIFY(result.outText().contains(QRegularExpression(longId + QStringLiteral("\\s+\\S+\\s+speed\\s+processing"))));

    // Another connection reaches the job by its id (without tokens every connection is its own owner).
    result = cli({QStringLiteral("status"), queuedId});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(result.outText().contains(QRegularExpression(QStringLiteral("status\\s+queued"))));
    QVERIFY(result.outText().contains(QRegularExpression(QStringLiteral("job\\s+waiting-1\\n"))));
    result = cli({QStringLiteral("status"), longId, QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(result.out).object().value(QStringLiteral("status")).toString(), QStringLiteral("processing"));

    result = cli({QStringLiteral("cancel"), queuedId});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(result.outText(), QStringLiteral("cancelled job waiting-1 (id %1)\n").arg(queuedId));
    result = cli({QStringLiteral("fetch"), queuedId});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.errText().contains(QStringLiteral("error: JOB_CANCELLED: ")), qPrintable(result.describe()));
    result = cli({QStringLiteral("cancel"), queuedId});
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.errText().contains(QStringLiteral("error: CANCEL_FAILED: ")), qPrintable(result.describe()));

    result = cli({QStringLiteral("cancel"), longId});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QTRY_VERIFY_WITH_TIMEOUT(unfinishedJobs().isEmpty(), 10000);

    // A detached job that finishes: fetch waits for it, then saves and checks its output.
    result = cli({QStringLiteral("--json"), QStringLiteral("compress"), m_clip, QStringLiteral("--detach")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QString doneId = result.events().constLast().value(QStringLiteral("id")).toString();
    result = cli({QStringLiteral("fetch"), doneId, QStringLiteral("-o"), QStringLiteral("out/")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QStringList saved = filesIn(m_work->filePath(QStringLiteral("out")));
    QCOMPARE(saved.size(), 1);
    result = cli({QStringLiteral("status"), doneId, QStringLiteral("--json")});
    const QJsonObject job = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(job.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
    const QJsonObject output = job.value(QStringLiteral("outputs")).toArray().first().toObject();
    QCOMPARE(saved.constFirst(), output.value(QStringLiteral("filename")).toString());
    QCOMPARE(sha256Of(m_work->filePath(QStringLiteral("out/")) + saved.constFirst()), output.value(QStringLiteral("sha256")).toString());
    // Fetched again: the same name is not overwritten.
    result = cli({QStringLiteral("fetch"), doneId, QStringLiteral("-o"), QStringLiteral("out/")});
    QCOMPARE(result.exitCode, 1);
    QVERIFY(result.errText().contains(QStringLiteral("OUTPUT_EXISTS")));

    result = cli({QStringLiteral("status"), QStringLiteral("no-such-job")});
    QCOMPARE(result.exitCode, 1);
    QCOMPARE(result.errText(), QStringLiteral("error: NOT_FOUND: no job 'no-such-job': neither one of your job_ids nor a job's id\n"));
}

void TestCliService::ctrlCCancelsTheJobOnTheService()
{
    QProcess process;
    prepare(process, {QStringLiteral("speed"), m_long, QStringLiteral("--factor"), QStringLiteral("0.25"), QStringLiteral("-o"),
                      QStringLiteral("slow.mp4"), QStringLiteral("--server"), m_service.wsUrl()},
            m_work->path(), {});
    process.start();
    QByteArray err;
    QVERIFY2(waitForOutput(process, QProcess::StandardError, QRegularExpression(QStringLiteral("\\nprocessing")), err), err.constData());
    QCOMPARE(unfinishedJobs().size(), 1);

    ::kill(pid_t(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    err += process.readAllStandardError();
    QVERIFY2(err.contains("\ninterrupted; job job-"), err.constData());
    QVERIFY2(err.endsWith(" cancelled\n"), err.constData());
    // The service has no job left running, and nothing partial is left here.
    QCOMPARE(unfinishedJobs(), QList<QJsonObject>());
    QCOMPARE(filesIn(m_work->path()), QStringList());
    const Result cancelled = cli({QStringLiteral("jobs"), QStringLiteral("--state"), QStringLiteral("cancelled"),
                                  QStringLiteral("--limit"), QStringLiteral("1"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(cancelled.out).array().first().toObject().value(QStringLiteral("operation")).toString(),
             QStringLiteral("speed"));
}

void TestCliService::presetsAreListedAndRunByName()
{
    Result result = cli({QStringLiteral("presets")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.outText().contains(QStringLiteral("poster  (thumbnail)")), qPrintable(result.describe()));
    QVERIFY(result.outText().contains(QStringLiteral("-O crf=18-32")));
    result = cli({QStringLiteral("presets"), QStringLiteral("--json")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(QJsonDocument::fromJson(result.out).array().size(), 8);

    // By name, with a parameter; the service resolves the rest.
    result = cli({QStringLiteral("preset"), QStringLiteral("poster"), m_clip, QStringLiteral("-O"), QStringLiteral("width=160"),
                  QStringLiteral("-o"), QStringLiteral("poster.jpg"), QStringLiteral("-q")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QJsonObject image = TestMedia::probe(m_work->filePath(QStringLiteral("poster.jpg")));
    const QJsonObject stream = image.value(QStringLiteral("streams")).toArray().first().toObject();
    QCOMPARE(stream.value(QStringLiteral("codec_name")).toString(), QStringLiteral("mjpeg"));
    QCOMPARE(stream.value(QStringLiteral("width")).toInt(), 160);

    // A value outside the preset's range: the service's words, exit 2 like any bad option.
    result = cli({QStringLiteral("run"), QStringLiteral("web-480p"), m_clip, QStringLiteral("-O"), QStringLiteral("crf=99")});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.errText().contains(QStringLiteral("options.crf: must be an integer from 18 to 32")), qPrintable(result.describe()));
    // Neither an operation nor a preset: the presets are listed.
    result = cli({QStringLiteral("run"), QStringLiteral("no-such"), m_clip});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.errText().contains(QStringLiteral("neither an operation nor a preset")), qPrintable(result.describe()));
    QVERIFY(result.errText().contains(QStringLiteral("web-720p")));
}

void TestCliService::healthReportsTheHttpEndpoint()
{
    Result result = cli({QStringLiteral("health")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.outText().startsWith(QStringLiteral("healthy: mediaforged ")), qPrintable(result.describe()));
    QVERIFY(result.outText().contains(QStringLiteral("\njobs: ")));

    result = run({QStringLiteral("health"), QStringLiteral("--json"), QStringLiteral("--http"), m_service.httpUrl()}, m_work->path());
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    const QJsonObject health = QJsonDocument::fromJson(result.out).object();
    QCOMPARE(health.value(QStringLiteral("status")).toString(), QStringLiteral("healthy"));
    QVERIFY(health.contains(QStringLiteral("stats")));

    const QString nowhere = QStringLiteral("http://127.0.0.1:%1").arg(closedPort());
    result = run({QStringLiteral("health"), QStringLiteral("--http"), nowhere}, m_work->path());
    QCOMPARE(result.exitCode, 3);
    QCOMPARE(result.errText().count(u'\n'), 1);
    QVERIFY2(result.errText().contains(QStringLiteral("cannot reach ") + nowhere + QStringLiteral("/health")), qPrintable(result.describe()));
}

void TestCliService::watchShowsEveryJobLive()
{
    QProcess watch;
    prepare(watch, {QStringLiteral("watch"), QStringLiteral("--server"), m_service.wsUrl()}, m_work->path(), {});
    watch.start();
    QByteArray seen;
    QVERIFY2(waitForOutput(watch, QProcess::StandardOutput, QRegularExpression(QStringLiteral("^watching ")), seen), seen.constData());

    const Result job = cli({QStringLiteral("--json"), QStringLiteral("remove-audio"), m_clip, QStringLiteral("--job-id"),
                            QStringLiteral("watched-1")});
    QVERIFY2(job.exitCode == 0, qPrintable(job.describe()));
    const QString id = job.events().constFirst().value(QStringLiteral("id")).toString();
    // One line per event: accepted, the stages, completed.
    QVERIFY2(waitForOutput(watch, QProcess::StandardOutput,
                           QRegularExpression(QStringLiteral("completed +%1 watched-1 remove_audio completed").arg(id)), seen),
             seen.constData());
    QVERIFY(seen.contains(QStringLiteral("accepted  %1 watched-1 remove_audio").arg(id).toUtf8()));
    QVERIFY(seen.contains(QStringLiteral("stage     %1 watched-1 remove_audio processing").arg(id).toUtf8()));

    ::kill(pid_t(watch.processId()), SIGINT);
    QVERIFY(watch.waitForFinished(10000));
    QCOMPARE(watch.exitCode(), 0);
    QCOMPARE(watch.readAllStandardError(), QByteArray());
}

void TestCliService::serverDownIsOneClearLine()
{
    const QString server = QStringLiteral("ws://127.0.0.1:%1/").arg(closedPort());
    for (const QStringList &arguments : {QStringList{QStringLiteral("jobs")}, QStringList{QStringLiteral("compress"), m_clip}}) {
        const Result result = run(arguments + QStringList{QStringLiteral("--server"), server}, m_work->path());
        QCOMPARE(result.exitCode, 3);
        QCOMPARE(result.outText(), QString());
        QCOMPARE(result.errText(), QStringLiteral("mediaforge: cannot connect to %1: Connection refused\n").arg(server));
    }
    const Result json = run({QStringLiteral("jobs"), QStringLiteral("--json"), QStringLiteral("--server"), server}, m_work->path());
    QCOMPARE(json.exitCode, 3);
    QCOMPARE(json.events().constFirst().value(QStringLiteral("code")).toString(), QStringLiteral("UNREACHABLE"));
}

void TestCliService::jobsPagesThroughTheHistory()
{
    // Three finished jobs, newest last.
    QStringList ids;
    for (int i = 1; i <= 3; ++i) {
        const QString jobId = QStringLiteral("paged-%1").arg(i);
        const Result result = cli({QStringLiteral("compress"), m_clip, QStringLiteral("--job-id"), jobId, QStringLiteral("--force")});
        QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
        ids.prepend(jobId);
    }
    const auto jobIdsOf = [](const Result &result) {
        QStringList list;
        const QJsonArray array = QJsonDocument::fromJson(result.out).array();
        for (const QJsonValue &job : array) {
            const QString jobId = job.toObject().value(QStringLiteral("job_id")).toString();
            if (jobId.startsWith(QStringLiteral("paged-")))
                list.append(jobId);
        }
        return list;
    };

    // One page of one: the newest, and on stderr the way to the next page.
    Result result = cli({QStringLiteral("jobs"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("1"),
                         QStringLiteral("--state"), QStringLiteral("completed")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(jobIdsOf(result), QStringList{ids.at(0)});
    const QRegularExpressionMatch cursor =
            QRegularExpression(QStringLiteral("mediaforge jobs --before (\\S+) \\(or --all\\)")).match(result.errText());
    QVERIFY2(cursor.hasMatch(), qPrintable(result.describe()));

    // The cursor leads to the next one, in the table too.
    result = cli({QStringLiteral("jobs"), QStringLiteral("--limit"), QStringLiteral("1"), QStringLiteral("--state"),
                  QStringLiteral("completed"), QStringLiteral("--before"), cursor.captured(1)});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.outText().contains(ids.at(1)) && !result.outText().contains(ids.at(0)), qPrintable(result.describe()));

    // --all follows the pages to the end: every job once, newest first, and no cursor left.
    result = cli({QStringLiteral("jobs"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("1"),
                  QStringLiteral("--state"), QStringLiteral("completed"), QStringLiteral("--all")});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(jobIdsOf(result), ids);
    QVERIFY2(!result.errText().contains(QStringLiteral("--before")), qPrintable(result.describe()));
}

QTEST_GUILESS_MAIN(TestCliService)
#include "tst_cli_service.moc"
