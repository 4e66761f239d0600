// SPDX-License-Identifier: GPL-3.0-or-later
// The job engine with the real ffmpeg and ffprobe: every operation completes and its output is
// checked with ffprobe; the queue, slots, limits, cancel, timeouts and cleanup behave as
// PROTOCOL.md says. Media is generated at test time.
#include "input/urlguard.h"
#include "jobs/jobmanager.h"
#include "testmedia.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace Mediaforge;

namespace {

// Pids of ffmpeg/ffprobe processes whose parent is this test process.
QList<qint64> ffmpegChildren()
{
    QList<qint64> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QByteArray name = text.mid(text.indexOf('(') + 1, text.lastIndexOf(')') - text.indexOf('(') - 1);
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toLongLong() == getpid() && (name == "ffmpeg" || name == "ffprobe"))
            pids.append(pid);
    }
    return pids;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

class TestJobManager : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_media;
    QString m_clip;         // 2 s 320x240 h264/aac mp4
    QString m_longClip;     // 30 s 640x360, for cancel/timeout
    QString m_subtitled;    // 3 s mkv with an srt stream
    QString m_otherClip;    // vp9/opus 640x360 mkv, for concat of different encodings
    QNetworkAccessManager m_network;
    SystemHostResolver m_resolver;
    std::unique_ptr<QTemporaryDir> m_work;
    quint64 m_connection = 1;

    JobManagerSettings settings()
    {
        m_work = std::make_unique<QTemporaryDir>();
        JobManagerSettings s;
        s.tempDir = m_work->path() + QStringLiteral("/jobs");
        s.maxConcurrentJobs = 2;
        s.runner.ffmpegPath = TestMedia::ffmpegPath();
        s.runner.ffprobePath = TestMedia::ffprobePath();
        s.runner.killGrace = std::chrono::milliseconds(1000);
        return s;
    }

    std::unique_ptr<JobManager> manager(const JobManagerSettings &s)
    {
        auto m = std::make_unique<JobManager>(s, m_network, m_resolver);
        const auto problem = m->initialize();
        if (problem)
            qFatal("%s", qPrintable(*problem));
        return m;
    }

    static QJsonObject options(Operation operation, const QByteArray &json)
    {
        const Result<QJsonObject> validated = validateOptions(operation, QJsonDocument::fromJson(json).object());
        if (!validated.ok())
            qFatal("invalid test options %s: %s", json.constData(), qPrintable(validated.error().message));
        return validated.value();
    }

    QString submit(JobManager &m, Operation operation, const QByteArray &optionsJson, const QStringList &files,
                   JobPriority priority = JobPriority::Normal, bool upload = true, const QString &jobId = QString(),
                   const QString &owner = QStringLiteral("tester"))
    {
        SubmitRequest request;
        request.jobId = jobId;
        request.owner = owner;
        request.connectionId = m_connection;
        request.operation = operation;
        request.options = options(operation, optionsJson);
        request.priority = priority;
        for (const QString &file : files) {
            JobInput input;
            input.displayName = QFileInfo(file).fileName();
            request.inputs.append(input);
        }
        const Result<QString> id = m.submit(request);
        if (!id.ok())
            qFatal("submit failed: %s", qPrintable(id.error().message));
        if (upload) {
            for (qsizetype i = 0; i < files.size(); ++i) {
                const QByteArray data = readFile(files.at(i));
                const auto refused = m.writeUpload(id.value(), m_connection, int(i), 0, data, true);
                if (refused)
                    qFatal("upload refused: %s", qPrintable(refused->message));
            }
        }
        return id.value();
    }

    static bool waitFinished(JobManager &m, const QString &id, int timeoutMs = 60000)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs) {
            const Job *job = m.job(id);
            if (job && isFinished(job->status))
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    static bool waitProcessing(JobManager &m, const QString &id)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 30000) {
            const Job *job = m.job(id);
            if (job && job->stage == JobStage::Processing && job->progress.outTimeSeconds > 0)
                return true;
            if (job && isFinished(job->status))
                return false;
            QTest::qWait(20);
        }
        return false;
    }

    static QString errorOf(const JobManager &m, const QString &id)
    {
        const Job *job = m.job(id);
        return job && job->error ? errorCodeName(job->error->code) + QStringLiteral(": ") + job->error->message : QString();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_media.isValid());
        m_clip = TestMedia::makeVideo(m_media.path(), {});
        TestMedia::VideoSpec longSpec;
        longSpec.seconds = 30;
        longSpec.width = 640;
        longSpec.height = 360;
        m_longClip = TestMedia::makeVideo(m_media.path(), longSpec);
        TestMedia::VideoSpec subSpec;
        subSpec.seconds = 3;
        subSpec.subtitles = true;
        subSpec.container = QStringLiteral("mkv");
        m_subtitled = TestMedia::makeVideo(m_media.path(), subSpec);
        TestMedia::VideoSpec other;
        other.seconds = 1.5;
        other.width = 640;
        other.height = 360;
        other.videoCodec = QStringLiteral("libvpx-vp9");
        other.audioCodec = QStringLiteral("libopus");
        other.container = QStringLiteral("mkv");
        other.sampleRate = 48000;
        m_otherClip = TestMedia::makeVideo(m_media.path(), other);
    }

    void everyOperationCompletes_data()
    {
        QTest::addColumn<QString>("operation");
        QTest::addColumn<QByteArray>("optionsJson");
        QTest::addColumn<QString>("input");      // clip, subtitled, concat
        QTest::addColumn<int>("outputs");
        QTest::addColumn<QString>("check");      // what to verify with ffprobe

        QTest::newRow("speed") << "speed" << QByteArray(R"({"speed_factor":2})") << "clip" << 1 << "duration=1.0";
        QTest::newRow("speed keeping pitch") << "speed" << QByteArray(R"({"speed_factor":0.5,"maintain_pitch":true})") << "clip" << 1 << "duration=4.0";
        QTest::newRow("compress") << "compress" << QByteArray(R"({"preset":"high","max_width":160})") << "clip" << 1 << "width=160";
        QTest::newRow("extract_audio mp3") << "extract_audio" << QByteArray(R"({"format":"mp3"})") << "clip" << 1 << "audio=mp3";
        QTest::newRow("extract_audio m4a copies aac") << "extract_audio" << QByteArray(R"({"format":"m4a"})") << "clip" << 1 << "audio=aac";
        QTest::newRow("remove_audio") << "remove_audio" << QByteArray("{}") << "clip" << 1 << "noaudio";
        QTest::newRow("convert webm") << "convert" << QByteArray(R"({"target_format":"webm"})") << "clip" << 1 << "video=vp9";
        QTest::newRow("convert mkv copy") << "convert" << QByteArray(R"({"target_format":"mkv"})") << "clip" << 1 << "video=h264";
        QTest::newRow("convert flac") << "convert" << QByteArray(R"({"target_format":"flac"})") << "clip" << 1 << "audio=flac";
        QTest::newRow("thumbnail at") << "thumbnail" << QByteArray(R"({"timestamp":1.0,"width":160})") << "clip" << 1 << "width=160";
        QTest::newRow("thumbnail count") << "thumbnail" << QByteArray(R"({"count":4,"format":"jpeg"})") << "clip" << 4 << "frames=1";
        QTest::newRow("thumbnail tile") << "thumbnail" << QByteArray(R"({"count":4,"tile":{"columns":2,"rows":2},"width":160})") << "clip" << 1 << "width=320";
        QTest::newRow("trim copy") << "trim" << QByteArray(R"({"start_time":0.5,"end_time":1.5})") << "clip" << 1 << "duration<=1.6";
        QTest::newRow("trim accurate") << "trim" << QByteArray(R"({"start_time":0.5,"end_time":1.5,"accurate":true})") << "clip" << 1 << "duration=1.0";
        QTest::newRow("concat same") << "concat" << QByteArray(R"({"file_count":2})") << "concat-same" << 1 << "duration=4.0";
        QTest::newRow("concat different") << "concat" << QByteArray(R"({"file_count":2,"target_format":"mp4"})") << "concat-different" << 1 << "duration=3.5";
        QTest::newRow("gif") << "gif" << QByteArray(R"({"duration":1,"fps":10,"width":160})") << "clip" << 1 << "video=gif";
        QTest::newRow("filter rotate") << "filter" << QByteArray(R"({"filters":[{"type":"rotate","angle":90}]})") << "clip" << 1 << "width=240";
        QTest::newRow("filter chain") << "filter" << QByteArray(R"({"filters":[{"type":"crop","width":160,"height":120,"x":0,"y":0},{"type":"volume","gain_db":-6},{"type":"fade","in_seconds":0.5}]})") << "clip" << 1 << "width=160";
        QTest::newRow("extract_subtitles vtt") << "extract_subtitles" << QByteArray(R"({"format":"vtt"})") << "subtitled" << 1 << "text=WEBVTT";
        QTest::newRow("burn_subtitles") << "burn_subtitles" << QByteArray("{}") << "subtitled" << 1 << "nosubtitles";
        QTest::newRow("probe") << "probe" << QByteArray("{}") << "clip" << 0 << "probe";
    }
    void everyOperationCompletes()
    {
        QFETCH(QString, operation);
        QFETCH(QByteArray, optionsJson);
        QFETCH(QString, input);
        QFETCH(int, outputs);
        QFETCH(QString, check);
        auto m = manager(settings());
        QStringList files{m_clip};
        if (input == QLatin1StringView("subtitled"))
            files = {m_subtitled};
        else if (input == QLatin1StringView("concat-same"))
            files = {m_clip, m_clip};
        else if (input == QLatin1StringView("concat-different"))
            files = {m_clip, m_otherClip};
        const QString id = submit(*m, *operationFromName(operation), optionsJson, files);
        QVERIFY(waitFinished(*m, id));
        const Job *job = m->job(id);
        QVERIFY2(job->status == JobStatus::Completed, qPrintable(errorOf(*m, id)));
        QCOMPARE(job->outputs.size(), outputs);
        for (const JobOutput &output : job->outputs) {
            QVERIFY(QFileInfo::exists(output.path));
            QCOMPARE(output.size, QFileInfo(output.path).size());
            QCOMPARE(output.sha256.size(), 64);
            QVERIFY(!output.mime.isEmpty());
            QVERIFY2(!output.fileName.contains(u'/'), qPrintable(output.fileName));
        }
        const QString path = outputs > 0 ? job->outputs.constFirst().path : QString();
        const QString key = check.section(u'=', 0, 0).section(u'<', 0, 0);
        const QString value = check.section(u'=', 1);
        if (key == QLatin1StringView("duration")) {
            if (check.contains(u'<'))
                QVERIFY(TestMedia::durationOf(path) <= check.section(u'=', 1).toDouble() + 0.01);
            else
                QVERIFY2(qAbs(TestMedia::durationOf(path) - value.toDouble()) < 0.2, qPrintable(QString::number(TestMedia::durationOf(path))));
        } else if (key == QLatin1StringView("width")) {
            const QJsonObject video = TestMedia::probe(path)[QLatin1StringView("streams")].toArray().first().toObject();
            QCOMPARE(video[QLatin1StringView("width")].toInt(), value.toInt());
        } else if (key == QLatin1StringView("audio")) {
            QCOMPARE(TestMedia::codecsOf(path, QStringLiteral("audio")), QStringList{value});
            QCOMPARE(TestMedia::streamCount(path, QStringLiteral("video")), 0);
        } else if (key == QLatin1StringView("video")) {
            QCOMPARE(TestMedia::codecsOf(path, QStringLiteral("video")).value(0), value);
        } else if (key == QLatin1StringView("noaudio")) {
            QCOMPARE(TestMedia::streamCount(path, QStringLiteral("audio")), 0);
            QCOMPARE(TestMedia::streamCount(path, QStringLiteral("video")), 1);
        } else if (key == QLatin1StringView("nosubtitles")) {
            QCOMPARE(TestMedia::streamCount(path, QStringLiteral("subtitle")), 0);
            QCOMPARE(TestMedia::streamCount(path, QStringLiteral("video")), 1);
        } else if (key == QLatin1StringView("frames")) {
            for (const JobOutput &output : job->outputs)
                QCOMPARE(TestMedia::countFrames(output.path), 1);
        } else if (key == QLatin1StringView("text")) {
            QVERIFY(readFile(path).startsWith(value.toUtf8()));
        } else if (key == QLatin1StringView("probe")) {
            QCOMPARE(job->probeResult[QLatin1StringView("streams")].toArray().size(), 2);
            QVERIFY(qAbs(job->probeResult[QLatin1StringView("duration")].toDouble() - 2.0) < 0.1);
        }
        // Inputs go as soon as the job ends; outputs wait for delivery.
        QVERIFY(!QFileInfo::exists(job->inputs.constFirst().path));
        m->releaseOutputs(id);
        QVERIFY(!QFileInfo::exists(job->directory));
        QVERIFY(ffmpegChildren().isEmpty());
    }

    void progressIsMonotonicThrottledAndEndsAt100()
    {
        auto m = manager(settings());
        QList<std::pair<qint64, double>> processing;
        QElapsedTimer clock;
        clock.start();
        QString id;
        connect(m.get(), &JobManager::jobProgress, this, [&](const QString &jobId) {
            const Job *job = m->job(jobId);
            if (job->stage == JobStage::Processing)
                processing.append({clock.elapsed(), job->progress.percentage});
        });
        TestMedia::VideoSpec spec;
        spec.seconds = 12;
        spec.width = 640;
        spec.height = 360;
        id = submit(*m, Operation::Compress, R"({"preset":"medium"})", {TestMedia::makeVideo(m_media.path(), spec)});
        QVERIFY(waitFinished(*m, id));
        QVERIFY2(m->job(id)->status == JobStatus::Completed, qPrintable(errorOf(*m, id)));
        QVERIFY(processing.size() >= 2);
        for (qsizetype i = 1; i < processing.size(); ++i)
            QVERIFY(processing.at(i).second >= processing.at(i - 1).second);
        // At most 4 a second: updates 250 ms apart (a little slack for timers). The last of the
        // stage is exempt: it is always sent, at once.
        for (qsizetype i = 1; i + 1 < processing.size(); ++i) {
            QVERIFY2(processing.at(i).first - processing.at(i - 1).first >= 240,
                     qPrintable(QStringLiteral("%1 ms apart").arg(processing.at(i).first - processing.at(i - 1).first)));
        }
        QCOMPARE(processing.constLast().second, 100.0);
        for (qsizetype i = 0; i + 1 < processing.size(); ++i)
            QVERIFY(processing.at(i).second < 100.0);
        m->releaseOutputs(id);
    }

    void cancelKillsFfmpegAtOnceAndRemovesFiles()
    {
        auto m = manager(settings());
        const QString id = submit(*m, Operation::Compress, R"({"preset":"high"})", {m_longClip});
        QVERIFY(waitProcessing(*m, id));
        const QList<qint64> pids = ffmpegChildren();
        QCOMPARE(pids.size(), 1);
        const QString directory = m->job(id)->directory;
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!m->cancel(id));
        QCOMPARE(m->job(id)->status, JobStatus::Cancelled);
        QCOMPARE(m->job(id)->error->code, ErrorCode::JobCancelled);
        QCOMPARE(m->stats().activeJobs, 0);           // the slot is free at once
        QVERIFY(m->stats().workerJobs.constFirst().isEmpty());
        QVERIFY(!QFileInfo::exists(directory));
        QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(QStringLiteral("/proc/%1").arg(pids.first())), 3000);
        qInfo("cancel: ffmpeg gone %lld ms after cancel()", timer.elapsed());
        QCOMPARE(m->cancel(id)->code, ErrorCode::CancelFailed);
    }

    void jobTimeoutFailsWithTimeoutAndLeavesNothing()
    {
        JobManagerSettings s = settings();
        s.runner.jobTimeout = std::chrono::seconds(1);
        auto m = manager(s);
        const QString id = submit(*m, Operation::Compress, R"({"preset":"high"})", {m_longClip});
        QVERIFY(waitFinished(*m, id));
        const Job *job = m->job(id);
        QCOMPARE(job->status, JobStatus::Failed);
        QCOMPARE(job->error->code, ErrorCode::Timeout);
        QCOMPARE(job->error->details[QLatin1StringView("reason")].toString(), QStringLiteral("time_limit"));
        QVERIFY(!QFileInfo::exists(job->directory));
        QTRY_VERIFY_WITH_TIMEOUT(ffmpegChildren().isEmpty(), 3000);
    }

    void stalledFfmpegFailsWithTimeoutStalled()
    {
        // The one fake here: real ffmpeg cannot be made to stop making progress on demand, so
        // "ffmpeg" is a script that prints nothing and sleeps.
        JobManagerSettings s = settings();
        const QString script = m_work->path() + QStringLiteral("/hanging-ffmpeg");
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\nexec sleep 60\n");
        file.close();
        file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        s.runner.ffmpegPath = script;
        s.runner.stallTimeout = std::chrono::milliseconds(800);
        auto m = manager(s);
        const QString id = submit(*m, Operation::RemoveAudio, "{}", {m_clip});
        QVERIFY(waitFinished(*m, id, 10000));
        QCOMPARE(m->job(id)->error->code, ErrorCode::Timeout);
        QCOMPARE(m->job(id)->error->details[QLatin1StringView("reason")].toString(), QStringLiteral("stalled"));
        QVERIFY(!QFileInfo::exists(m->job(id)->directory));
    }

    void badInputsFailTypedAndFollowNothing_data()
    {
        QTest::addColumn<QByteArray>("contents");
        QTest::newRow("random bytes") << QByteArray(4096, '\x5a');
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("hls playlist") << QByteArray("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nFIFO\n#EXT-X-ENDLIST\n");
        QTest::newRow("ffconcat") << QByteArray("ffconcat version 1.0\nfile 'FIFO'\n");
    }
    void badInputsFailTypedAndFollowNothing()
    {
        QFETCH(QByteArray, contents);
        auto m = manager(settings());
        // A FIFO nobody writes: if anything followed the playlist, ffprobe would hang on it.
        const QString fifo = m_work->path() + QStringLiteral("/fifo.mp4");
        QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
        contents.replace("FIFO", QByteArray(QByteArray("file:") + QFile::encodeName(fifo)));
        const QString path = m_work->path() + QStringLiteral("/input.bin");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(contents);
        file.close();
        const QString id = submit(*m, Operation::Convert, R"({"target_format":"mkv"})", {path});
        QVERIFY(waitFinished(*m, id, 20000));
        QCOMPARE(m->job(id)->status, JobStatus::Failed);
        QCOMPARE(m->job(id)->error->code, ErrorCode::UnsupportedInput);
        QVERIFY(!QFileInfo::exists(m->job(id)->directory));
    }

    void queueOrdersByPriorityThenArrivalAndInputsHoldNoSlot()
    {
        JobManagerSettings s = settings();
        s.maxConcurrentJobs = 1;
        auto m = manager(s);
        // Waiting for an upload holds no worker.
        const QString waiting = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::High, false);
        const QString busy = submit(*m, Operation::Compress, R"({"preset":"high"})", {m_longClip});
        QVERIFY(waitProcessing(*m, busy));
        QCOMPARE(m->job(waiting)->status, JobStatus::AwaitingUpload);
        const QString low = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Low);
        const QString normal = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal);
        const QString high = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::High);
        QCOMPARE(m->queuePosition(high), 1);
        QCOMPARE(m->queuePosition(normal), 2);
        QCOMPARE(m->queuePosition(low), 3);
        QCOMPARE(m->stats().queuedJobs, 3);
        QVERIFY(!m->cancel(busy));
        for (const QString &id : {low, normal, high})
            QVERIFY(waitFinished(*m, id));
        QVERIFY(m->job(high)->startedAt <= m->job(normal)->startedAt);
        QVERIFY(m->job(normal)->startedAt <= m->job(low)->startedAt);
        QVERIFY(!m->cancel(waiting));
    }

    void aFinalizingJobGivesItsSlotToTheNextJob()
    {
        JobManagerSettings s = settings();
        s.maxConcurrentJobs = 1;
        auto m = manager(s);
        const QString first = submit(*m, Operation::Thumbnail, R"({"timestamp":0.5,"width":160})", {m_clip});
        const QString second = submit(*m, Operation::Thumbnail, R"({"timestamp":1.0,"width":160})", {m_clip});
        // What the first job was doing when the one slot went to the second.
        std::optional<JobStage> firstStageWhenSecondStarted;
        connect(m.get(), &JobManager::jobStageChanged, this, [&](const QString &id) {
            if (id == second && m->job(second)->stage == JobStage::Processing && !firstStageWhenSecondStarted)
                firstStageWhenSecondStarted = m->job(first)->status == JobStatus::Processing ? m->job(first)->stage
                                                                                           : JobStage::Queued;
        });
        QVERIFY(waitFinished(*m, first));
        QVERIFY(waitFinished(*m, second));
        QCOMPARE(m->job(first)->status, JobStatus::Completed);
        QCOMPARE(m->job(second)->status, JobStatus::Completed);
        // Its output probed and hashed all the same, after the slot went.
        QCOMPARE(m->job(first)->outputs.size(), 1);
        QCOMPARE(m->job(first)->outputs.constFirst().metadata.firstVideo()->width, 160);
        QCOMPARE(m->job(first)->outputs.constFirst().sha256.size(), 64);
        QVERIFY(firstStageWhenSecondStarted.has_value());
        QCOMPARE(*firstStageWhenSecondStarted, JobStage::Finalizing);
    }

    void ownersShareTheWorkerSlots()
    {
        JobManagerSettings s = settings();
        s.maxConcurrentJobs = 2;
        s.maxJobsPerConnection = 10;
        auto m = manager(s);
        const QString alice = QStringLiteral("alice");
        const QString bob = QStringLiteral("bob");
        const QByteArray slow = R"({"preset":"high"})";
        const QString a1 = submit(*m, Operation::Compress, slow, {m_longClip}, JobPriority::Normal, true, QString(), alice);
        const QString a2 = submit(*m, Operation::Compress, slow, {m_longClip}, JobPriority::Normal, true, QString(), alice);
        QVERIFY(waitProcessing(*m, a1));
        QVERIFY(waitProcessing(*m, a2));
        const QString a3 = submit(*m, Operation::Compress, slow, {m_longClip}, JobPriority::Normal, true, QString(), alice);
        const QString a4 = submit(*m, Operation::Compress, slow, {m_longClip}, JobPriority::Normal, true, QString(), alice);
        ++m_connection;
        const QString b1 = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, true, QString(), bob);
        // Bob holds no slot and alice holds both, so bob's later job is next in line.
        QCOMPARE(m->queuePosition(b1), 1);
        QCOMPARE(m->queuePosition(a3), 2);
        QCOMPARE(m->queuePosition(a4), 3);

        // The first slot that frees goes to bob, not to alice's older queued job.
        QVERIFY(!m->cancel(a1));
        QCOMPARE(m->job(b1)->status, JobStatus::Processing);
        QCOMPARE(m->job(a3)->status, JobStatus::Queued);
        QCOMPARE(m->queuePosition(a3), 1);
        QVERIFY(waitFinished(*m, b1));
        QCOMPARE(m->job(b1)->status, JobStatus::Completed);
        // With bob's job done, alice's jobs take the slot again, oldest first.
        QVERIFY(waitProcessing(*m, a3));
        QCOMPARE(m->queuePosition(a4), 1);
        for (const QString &id : {a2, a3, a4})
            QVERIFY(!m->cancel(id));
    }

    void priorityStillComesBeforeTheOwnersShare()
    {
        JobManagerSettings s = settings();
        s.maxConcurrentJobs = 1;
        s.maxJobsPerConnection = 10;
        auto m = manager(s);
        const QString alice = QStringLiteral("alice");
        const QByteArray slow = R"({"preset":"high"})";
        const QString busy = submit(*m, Operation::Compress, slow, {m_longClip}, JobPriority::Normal, true, QString(), alice);
        QVERIFY(waitProcessing(*m, busy));
        ++m_connection;
        const QString bobNormal = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, true, QString(),
                                         QStringLiteral("bob"));
        ++m_connection;
        const QString aliceHigh = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::High, true, QString(), alice);
        QCOMPARE(m->queuePosition(aliceHigh), 1);
        QCOMPARE(m->queuePosition(bobNormal), 2);
        QVERIFY(!m->cancel(busy));
        QCOMPARE(m->job(aliceHigh)->status, JobStatus::Processing);
        QVERIFY(waitFinished(*m, aliceHigh));
        QVERIFY(waitFinished(*m, bobNormal));
        QCOMPARE(m->job(bobNormal)->status, JobStatus::Completed);
    }

    void uploadMistakesFailTheJobAndRemoveItsFiles()
    {
        auto m = manager(settings());
        const QByteArray data = readFile(m_clip);

        const QString badOffset = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, false);
        QVERIFY(!m->writeUpload(badOffset, m_connection, 0, 0, QByteArrayView(data).first(100), false));
        QVERIFY(!m->writeUpload(badOffset, m_connection, 0, 5000, QByteArrayView(data).sliced(100, 100), false));
        QCOMPARE(m->job(badOffset)->error->code, ErrorCode::BadOffset);
        QVERIFY(!QFileInfo::exists(m->job(badOffset)->directory));

        SubmitRequest declared;
        declared.owner = QStringLiteral("tester");
        declared.connectionId = m_connection;
        declared.operation = Operation::Probe;
        JobInput input;
        input.declaredSize = 100;
        declared.inputs = {input};
        const QString tooMuch = m->submit(declared).value();
        QVERIFY(!m->writeUpload(tooMuch, m_connection, 0, 0, QByteArrayView(data).first(150), true));
        QCOMPARE(m->job(tooMuch)->error->code, ErrorCode::TooLarge);

        const QString tooLittle = m->submit(declared).value();
        QVERIFY(!m->writeUpload(tooLittle, m_connection, 0, 0, QByteArrayView(data).first(50), true));
        QCOMPARE(m->job(tooLittle)->error->code, ErrorCode::BinaryError);

        // Requests that do not concern the job leave it alone.
        const QString mine = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, false);
        QCOMPARE(m->writeUpload(mine, m_connection + 1, 0, 0, "x", true)->code, ErrorCode::Forbidden);
        QCOMPARE(m->writeUpload(QStringLiteral("nope"), m_connection, 0, 0, "x", true)->code, ErrorCode::NotFound);
        QCOMPARE(m->job(mine)->status, JobStatus::AwaitingUpload);
        QVERIFY(!m->writeUpload(mine, m_connection, 0, 0, data, true));
        QCOMPARE(m->writeUpload(mine, m_connection, 0, 0, "x", true)->code, ErrorCode::InvalidState);
        QVERIFY(waitFinished(*m, mine));
        QCOMPARE(m->job(mine)->status, JobStatus::Completed);
        QVERIFY(QDir(m_work->path() + QStringLiteral("/jobs")).entryList({QStringLiteral("job-*")}, QDir::Dirs).isEmpty());
    }

    void oneOwnerTakesOnlyItsShareOfTheQueue()
    {
        JobManagerSettings s = settings();
        s.maxJobsPerConnection = 100;
        s.maxQueuedJobs = 8;
        s.ownerQueueSharePercent = 50;
        auto m = manager(s);
        auto request = [](const QString &owner, int n) {
            SubmitRequest r;
            r.jobId = owner + QString::number(n);
            r.owner = owner;
            r.connectionId = owner == QLatin1String("alice") ? 1 : 2;
            r.operation = Operation::Probe;
            r.inputs = {JobInput{}};
            return r;
        };
        for (int i = 0; i < 4; ++i)
            QVERIFY(m->submit(request(QStringLiteral("alice"), i)).ok());
        const auto refused = m->submit(request(QStringLiteral("alice"), 4));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::QueueFull);
        QCOMPARE(refused.error().details.toObject().value(QStringLiteral("limit")).toString(), QStringLiteral("per_owner"));
        QCOMPARE(refused.error().details.toObject().value(QStringLiteral("max")).toInt(), 4);
        // Everyone else still finds room.
        for (int i = 0; i < 4; ++i)
            QVERIFY(m->submit(request(QStringLiteral("bob"), i)).ok());
        // A full queue reads as full, not as a share.
        const auto full = m->submit(request(QStringLiteral("carol"), 0));
        QCOMPARE(full.error().details.toObject().value(QStringLiteral("limit")).toString(), QStringLiteral("global"));
    }

    void submitLimitsAreTyped()
    {
        JobManagerSettings s = settings();
        s.maxJobsPerConnection = 2;
        s.maxQueuedJobs = 3;
        s.jobsPerMinute = 5;
        s.maxFileBytes = 1000;
        auto m = manager(s);
        auto request = [this](const QString &jobId, quint64 connection, qint64 size = -1) {
            SubmitRequest r;
            r.jobId = jobId;
            r.owner = QStringLiteral("owner-%1").arg(connection);
            r.connectionId = connection;
            r.operation = Operation::Probe;
            JobInput input;
            input.declaredSize = size;
            r.inputs = {input};
            return r;
        };
        QVERIFY(m->submit(request(QStringLiteral("a"), 1)).ok());
        QCOMPARE(m->submit(request(QStringLiteral("a"), 1)).error().code, ErrorCode::DuplicateJob);
        QVERIFY(m->submit(request(QStringLiteral("a"), 2)).ok());   // another owner's namespace
        QVERIFY(m->submit(request(QStringLiteral("b"), 1)).ok());
        const auto perConnection = m->submit(request(QStringLiteral("c"), 1));
        QCOMPARE(perConnection.error().code, ErrorCode::QueueFull);
        QCOMPARE(m->submit(request(QStringLiteral("x"), 3)).error().code, ErrorCode::QueueFull);   // 3 waiting overall
        QCOMPARE(m->submit(request(QStringLiteral("big"), 4, 5000)).error().code, ErrorCode::QueueFull);
        // A temp dir belongs to one manager (locked): the fresh one gets its own.
        JobManagerSettings f = settings();
        f.maxFileBytes = 1000;
        auto fresh = manager(f);
        QCOMPARE(fresh->submit(request(QStringLiteral("big"), 4, 5000)).error().code, ErrorCode::TooLarge);
        // Rate limit per owner: 5 a minute.
        JobManagerSettings r = settings();
        r.jobsPerMinute = 5;
        auto limited = manager(r);
        for (int i = 0; i < 5; ++i) {
            const auto ok = limited->submit(request(QStringLiteral("r%1").arg(i), 9));
            QVERIFY(ok.ok());
            QVERIFY(!limited->cancel(ok.value()));
        }
        const auto refused = limited->submit(request(QStringLiteral("r6"), 9));
        QCOMPARE(refused.error().code, ErrorCode::RateLimited);
        QVERIFY(refused.error().details[QLatin1StringView("retry_after_seconds")].toInt() > 0);
    }

    void connectionCloseCancelsAttachedJobsAndRetentionExpiresDetached()
    {
        JobManagerSettings s = settings();
        s.retention = std::chrono::seconds(1);
        auto m = manager(s);
        const QString attached = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, false);
        SubmitRequest request;
        request.owner = QStringLiteral("tester");
        request.connectionId = m_connection;
        request.operation = Operation::RemoveAudio;
        request.detach = true;
        request.inputs = {JobInput{}};
        const QString detached = m->submit(request).value();
        QVERIFY(!m->writeUpload(detached, m_connection, 0, 0, readFile(m_clip), true));
        QVERIFY(waitFinished(*m, detached));
        m->connectionClosed(m_connection);
        QCOMPARE(m->job(attached)->status, JobStatus::Cancelled);
        QVERIFY(!QFileInfo::exists(m->job(attached)->directory));
        const Job *kept = m->job(detached);
        QCOMPARE(kept->status, JobStatus::Completed);
        QVERIFY(QFileInfo::exists(kept->outputs.constFirst().path));
        QSignalSpy removed(m.get(), &JobManager::outputsRemoved);
        QTRY_VERIFY_WITH_TIMEOUT(m->job(detached)->outputsRemoved, 4000);
        QCOMPARE(removed.size(), 1);
        QVERIFY(!QFileInfo::exists(kept->directory));
    }

    void uploadDigestIsTheSha256OfTheBytesInChunks()
    {
        // Hashed chunk by chunk as the upload arrives (the result cache's key), never re-read.
        auto m = manager(settings());
        const QString id = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, false);
        const QByteArray data = readFile(m_clip);
        const qsizetype third = data.size() / 3;
        QVERIFY(!m->writeUpload(id, m_connection, 0, 0, QByteArrayView(data).first(third), false));
        QVERIFY(m->job(id)->inputs.constFirst().sha256.isEmpty());
        QVERIFY(!m->writeUpload(id, m_connection, 0, third, QByteArrayView(data).sliced(third, third), false));
        QVERIFY(!m->writeUpload(id, m_connection, 0, 2 * third, QByteArrayView(data).sliced(2 * third), true));
        const QString expected = QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
        QCOMPARE(m->job(id)->inputs.constFirst().sha256, expected);
        QCOMPARE(m->job(id)->toSnapshot(false).value(QLatin1StringView("input")).toObject()
                         .value(QLatin1StringView("sha256")).toArray(),
                 QJsonArray{expected});
        QVERIFY(waitFinished(*m, id));
    }

    void uploadThatStopsFailsAsStalled()
    {
        JobManagerSettings s = settings();
        s.uploadStallTimeout = std::chrono::milliseconds(300);
        auto m = manager(s);
        const QString id = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, false);
        QVERIFY(!m->writeUpload(id, m_connection, 0, 0, "abc", false));
        QVERIFY(waitFinished(*m, id, 3000));
        QCOMPARE(m->job(id)->error->code, ErrorCode::Timeout);
        QCOMPARE(m->job(id)->error->details[QLatin1StringView("reason")].toString(), QStringLiteral("stalled"));
    }

    void emptyChunksDoNotKeepAnUploadAlive()
    {
        // A peer that sends empty chunks forever sends nothing: the stall limit still applies.
        JobManagerSettings s = settings();
        s.uploadStallTimeout = std::chrono::milliseconds(500);
        auto m = manager(s);
        const QString id = submit(*m, Operation::Probe, "{}", {m_clip}, JobPriority::Normal, false);
        QVERIFY(!m->writeUpload(id, m_connection, 0, 0, "abc", false));
        QElapsedTimer dripping;
        dripping.start();
        while (dripping.elapsed() < 10000 && !isFinished(m->job(id)->status)) {
            QVERIFY(!m->writeUpload(id, m_connection, 0, 3, QByteArrayView(), false) || isFinished(m->job(id)->status));
            QTest::qWait(50);
        }
        QVERIFY2(isFinished(m->job(id)->status), "10 s of empty chunks kept a 0.5 s stall limit from firing");
        QCOMPARE(m->job(id)->error->code, ErrorCode::Timeout);
        QCOMPARE(m->job(id)->error->details[QLatin1StringView("reason")].toString(), QStringLiteral("stalled"));
    }

    void startUpSweepRemovesOnlyJobDirectories()
    {
        JobManagerSettings s = settings();
        QDir().mkpath(s.tempDir + QStringLiteral("/job-left-by-crash/nested"));
        QFile stray(s.tempDir + QStringLiteral("/operator-notes.txt"));
        QVERIFY(stray.open(QIODevice::WriteOnly));
        stray.close();
        auto m = manager(s);
        QVERIFY(!QFileInfo::exists(s.tempDir + QStringLiteral("/job-left-by-crash")));
        QVERIFY(QFileInfo::exists(s.tempDir + QStringLiteral("/operator-notes.txt")));
    }
};

QTEST_GUILESS_MAIN(TestJobManager)
#include "tst_jobmanager.moc"
