// SPDX-License-Identifier: GPL-3.0-or-later
// The event router with the real job engine (real ffprobe/ffmpeg on generated media): a job's
// events reach the connection that follows it and the event feed, nobody else, each once and
// in the engine's order; followers that come and go during a delivery are safe.
#include "input/urlguard.h"
#include "jobs/jobmanager.h"
#include "server/eventrouter.h"
#include "testmedia.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

using namespace Mediaforge;

namespace {

struct Heard
{
    JobEventKind kind;
    QString id;
};

// A sink that writes down what it hears and can act while it hears it.
class Recorder : public JobEventSink
{
public:
    QList<Heard> heard;
    std::function<void(JobEventKind, const QString &)> onEvent;

    void jobEvent(JobEventKind kind, const QString &id) override
    {
        heard.append(Heard{kind, id});
        if (onEvent)
            onEvent(kind, id);
    }
    QList<JobEventKind> kindsFor(const QString &id) const
    {
        QList<JobEventKind> kinds;
        for (const Heard &h : heard) {
            if (h.id == id)
                kinds.append(h.kind);
        }
        return kinds;
    }
    bool heardAnythingBut(const QString &id) const
    {
        for (const Heard &h : heard) {
            if (h.id != id)
                return true;
        }
        return false;
    }
};

// What the engine itself signalled, in its order, to compare the routed sequences with.
class EngineLog : public QObject
{
public:
    QList<Heard> signalled;
    explicit EngineLog(JobManager &m)
    {
        connect(&m, &JobManager::jobAccepted, this, [this](const QString &id) { add(JobEventKind::Accepted, id); });
        connect(&m, &JobManager::jobStageChanged, this, [this](const QString &id) { add(JobEventKind::StageChanged, id); });
        connect(&m, &JobManager::jobProgress, this, [this](const QString &id) { add(JobEventKind::Progress, id); });
        connect(&m, &JobManager::jobFinished, this, [this](const QString &id) { add(JobEventKind::Finished, id); });
        connect(&m, &JobManager::jobRemoved, this, [this](const QString &id) { add(JobEventKind::Removed, id); });
    }
    void add(JobEventKind kind, const QString &id) { signalled.append(Heard{kind, id}); }
    QList<JobEventKind> kindsFor(const QString &id, bool withAccepted) const
    {
        QList<JobEventKind> kinds;
        for (const Heard &h : signalled) {
            if (h.id == id && (withAccepted || h.kind != JobEventKind::Accepted))
                kinds.append(h.kind);
        }
        return kinds;
    }
};

} // namespace

class TestEventRouter : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_media;
    QString m_clip;
    QNetworkAccessManager m_network;
    SystemHostResolver m_resolver;
    std::unique_ptr<QTemporaryDir> m_work;

    std::unique_ptr<JobManager> manager()
    {
        m_work = std::make_unique<QTemporaryDir>();
        JobManagerSettings s;
        s.tempDir = m_work->path() + QStringLiteral("/jobs");
        s.maxConcurrentJobs = 2;
        s.runner.ffmpegPath = TestMedia::ffmpegPath();
        s.runner.ffprobePath = TestMedia::ffprobePath();
        auto m = std::make_unique<JobManager>(s, m_network, m_resolver);
        if (const auto problem = m->initialize())
            qFatal("%s", qPrintable(*problem));
        return m;
    }

    // Submits a job on the clip; its upload is written by the caller (after it subscribed), as
    // a session does: it learns the id from submit and follows the job before more can happen.
    static QString submit(JobManager &m, Operation operation, const QByteArray &optionsJson, quint64 connection)
    {
        SubmitRequest request;
        request.owner = QStringLiteral("connection:%1").arg(connection);
        request.connectionId = connection;
        request.operation = operation;
        const Result<QJsonObject> options = validateOptions(operation, QJsonDocument::fromJson(optionsJson).object());
        if (!options.ok())
            qFatal("invalid test options");
        request.options = options.value();
        JobInput input;
        input.displayName = QStringLiteral("clip.mp4");
        request.inputs.append(input);
        const Result<QString> id = m.submit(request);
        if (!id.ok())
            qFatal("submit failed: %s", qPrintable(id.error().message));
        return id.value();
    }

    void upload(JobManager &m, const QString &id, quint64 connection)
    {
        QFile file(m_clip);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto refused = m.writeUpload(id, connection, 0, 0, file.readAll(), true);
        QVERIFY2(!refused, refused ? qPrintable(refused->message) : "");
    }

    static bool waitFor(const std::function<bool()> &condition)
    {
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 60000) {
            if (condition())
                return true;
            QTest::qWait(20);
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_media.isValid());
        TestMedia::VideoSpec spec;
        spec.seconds = 2;
        spec.width = 320;
        spec.height = 240;
        m_clip = TestMedia::makeVideo(m_media.path(), spec);
        QVERIFY(QFile::exists(m_clip));
    }

    void eachJobReachesItsFollowerAndTheFeedOnly()
    {
        auto m = manager();
        EventRouter router(m.get());
        EngineLog engine(*m);
        Recorder ownerA, ownerB, feed, stranger;
        for (Recorder *sink : {&ownerA, &ownerB, &feed, &stranger})
            router.addSink(sink);
        router.subscribeAll(&feed);

        const QString a = submit(*m, Operation::Thumbnail, R"({"timestamp":0.5,"width":160})", 1);
        QVERIFY(router.subscribe(&ownerA, a));
        const QString b = submit(*m, Operation::Probe, "{}", 2);
        QVERIFY(router.subscribe(&ownerB, b));
        upload(*m, a, 1);
        upload(*m, b, 2);
        QVERIFY(waitFor([&] {
            return ownerA.kindsFor(a).contains(JobEventKind::Finished);
        }));
        QVERIFY(waitFor([&] { return ownerB.kindsFor(b).contains(JobEventKind::Removed); }));

        // Followers hear their job only, everything the engine said after they followed, in order.
        QVERIFY(!ownerA.heardAnythingBut(a));
        QVERIFY(!ownerB.heardAnythingBut(b));
        QVERIFY(stranger.heard.isEmpty());
        QCOMPARE(ownerA.kindsFor(a), engine.kindsFor(a, false));
        QCOMPARE(ownerB.kindsFor(b), engine.kindsFor(b, false));
        QVERIFY(ownerA.kindsFor(a).contains(JobEventKind::StageChanged));
        QVERIFY(ownerA.kindsFor(a).contains(JobEventKind::Finished));
        // The feed hears both jobs from their acceptance on, in the engine's overall order.
        QCOMPARE(feed.heard.size(), engine.signalled.size());
        for (qsizetype i = 0; i < feed.heard.size(); ++i) {
            QCOMPARE(feed.heard.at(i).id, engine.signalled.at(i).id);
            QCOMPARE(feed.heard.at(i).kind, engine.signalled.at(i).kind);
        }
        QCOMPARE(feed.kindsFor(a).constFirst(), JobEventKind::Accepted);
        // A removed job is followed by nobody any more.
        QVERIFY(!router.follows(&ownerB, b));
        QCOMPARE(router.followedJobCount(), m->job(a) ? qsizetype(1) : qsizetype(0));
    }

    void aFollowerOnTheFeedHearsEachEventOnce()
    {
        auto m = manager();
        EventRouter router(m.get());
        EngineLog engine(*m);
        Recorder admin;
        router.addSink(&admin);
        router.subscribeAll(&admin);
        const QString id = submit(*m, Operation::Probe, "{}", 1);
        QVERIFY(router.subscribe(&admin, id));
        upload(*m, id, 1);
        QVERIFY(waitFor([&] { return admin.kindsFor(id).contains(JobEventKind::Removed); }));
        QCOMPARE(admin.kindsFor(id), engine.kindsFor(id, true));
    }

    void unknownJobsAndUnaddedSinksAreNotKept()
    {
        auto m = manager();
        EventRouter router(m.get());
        Recorder added, notAdded;
        router.addSink(&added);
        QVERIFY(!router.subscribe(&added, QStringLiteral("no-such-job")));
        QCOMPARE(router.followedJobCount(), qsizetype(0));
        const QString id = submit(*m, Operation::Probe, "{}", 1);
        QVERIFY(!router.subscribe(&notAdded, id));
        QVERIFY(router.subscribe(&added, id));
        QVERIFY(router.subscribe(&added, id));   // twice is once
        router.route(JobEventKind::Progress, id);
        QCOMPARE(added.heard.size(), 1);
        QVERIFY(notAdded.heard.isEmpty());
        router.unsubscribe(&added, id);
        QCOMPARE(router.followedJobCount(), qsizetype(0));
        router.route(JobEventKind::Progress, id);
        QCOMPARE(added.heard.size(), 1);
        m->cancel(id);
    }

    void sinksLeavingOrJoiningDuringADeliveryAreSafe()
    {
        auto m = manager();
        EventRouter router(m.get());
        const QString id = submit(*m, Operation::Probe, "{}", 1);
        auto first = std::make_unique<Recorder>();
        auto second = std::make_unique<Recorder>();
        Recorder feed, late;
        for (JobEventSink *sink : {static_cast<JobEventSink *>(first.get()), static_cast<JobEventSink *>(second.get()),
                                   static_cast<JobEventSink *>(&feed), static_cast<JobEventSink *>(&late)})
            router.addSink(sink);
        QVERIFY(router.subscribe(first.get(), id));
        QVERIFY(router.subscribe(second.get(), id));
        router.subscribeAll(&feed);
        // The first follower's connection closes while it hears the event: the second, removed
        // with it, must not be called; one that joins meanwhile hears only later events.
        first->onEvent = [&](JobEventKind, const QString &) {
            router.removeSink(second.get());
            router.removeSink(first.get());
            router.subscribe(&late, id);
        };
        router.route(JobEventKind::StageChanged, id);
        QCOMPARE(first->heard.size(), 1);
        QVERIFY(second->heard.isEmpty());
        QCOMPARE(feed.heard.size(), 1);
        QVERIFY(late.heard.isEmpty());
        first.reset();
        second.reset();
        router.route(JobEventKind::Progress, id);
        QCOMPARE(late.heard.size(), 1);
        QCOMPARE(feed.heard.size(), 2);
        router.unsubscribeAll(&feed);
        router.route(JobEventKind::Progress, id);
        QCOMPARE(feed.heard.size(), 2);
        m->cancel(id);
    }
};

QTEST_GUILESS_MAIN(TestEventRouter)
#include "tst_eventrouter.moc"
