// SPDX-License-Identifier: GPL-3.0-or-later
// The result cache (jobs/resultcache.*) over real files in a temporary directory: what makes
// a key, adding and finding an entry in the three steps the job manager runs them in (the
// middle one on another thread), and what is never served: a changed file, a FIFO, an entry
// that was replaced while it was being checked.
#include "jobs/resultcache.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

using namespace Mediaforge;

namespace {

QString sha256(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), bytes.size());
}

} // namespace

class TestResultCache : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_temp;
    int m_jobs = 0;

    CacheSettings settings(qint64 maxBytes = 1024 * 1024, bool shared = false) const
    {
        CacheSettings s;
        s.directory = m_temp.filePath(QStringLiteral("cache"));
        s.maxBytes = maxBytes;
        s.shared = shared;
        s.ffmpegVersion = QStringLiteral("ffmpeg version 5.1.test");
        return s;
    }

    // A job with one input of `input` bytes (its digest as the upload computed it) and, when
    // `output` is given, one finished output in its own directory.
    Job job(const QByteArray &input, const QByteArray &output = QByteArray(), const QString &owner = QStringLiteral("alice"))
    {
        Job j;
        j.id = QStringLiteral("job%1").arg(++m_jobs);
        j.directory = m_temp.filePath(QStringLiteral("jobs/") + j.id);
        QDir().mkpath(j.directory);
        j.operation = Operation::Thumbnail;
        j.options = QJsonObject{{QStringLiteral("width"), 160}};
        j.useCache = true;
        j.owner = owner;
        j.tokenOwner = true;
        JobInput in;
        in.displayName = QStringLiteral("clip.mp4");
        in.complete = true;
        in.sha256 = sha256(input);
        j.inputs.append(in);
        if (!output.isNull()) {
            JobOutput out;
            out.path = QDir(j.directory).filePath(QStringLiteral("output.jpg"));
            writeFile(out.path, output);
            out.size = output.size();
            out.sha256 = sha256(output);
            out.mime = QStringLiteral("image/jpeg");
            j.outputs.append(out);
        }
        return j;
    }

    // Adds a finished job's outputs the way the job manager does, the build on another thread.
    static void add(ResultCache &cache, const Job &finished)
    {
        std::optional<CacheAddition> addition = cache.beginInsert(cache.key(finished), finished);
        QVERIFY(addition);
        const bool built = std::async(std::launch::async, [a = *addition] { return ResultCache::build(a); }).get();
        QVERIFY(built);
        cache.finishInsert(*addition, built);
    }

    static CacheCheckResult checkOffThread(const CacheCheck &check)
    {
        return std::async(std::launch::async, [check] { return ResultCache::check(check); }).get();
    }

private slots:
    void init()
    {
        QVERIFY(m_temp.isValid());
        QDir(m_temp.filePath(QStringLiteral("cache"))).removeRecursively();
    }

    void keyNamesTheWorkNotTheJob()
    {
        ResultCache cache(settings());
        QVERIFY(!cache.initialize());
        const Job a = job("input");
        const Job b = job("input");
        QVERIFY(!cache.key(a).isEmpty());
        QCOMPARE(cache.key(a), cache.key(b));            // another job, the same work

        Job other = job("input");
        other.options.insert(QStringLiteral("width"), 320);
        QVERIFY(cache.key(other) != cache.key(a));
        QVERIFY(cache.key(job("other input")) != cache.key(a));
        QVERIFY(cache.key(job("input", QByteArray(), QStringLiteral("bob"))) != cache.key(a));

        Job optedOut = job("input");
        optedOut.useCache = false;
        QVERIFY(cache.key(optedOut).isEmpty());
        Job probe = job("input");
        probe.operation = Operation::Probe;
        QVERIFY(probe.operation == Operation::Probe && cache.key(probe).isEmpty());
        Job unhashed = job("input");
        unhashed.inputs[0].sha256.clear();
        QVERIFY(cache.key(unhashed).isEmpty());

        ResultCache shared(settings(1024 * 1024, true));
        QVERIFY(!shared.initialize());
        QCOMPARE(shared.key(job("input", QByteArray(), QStringLiteral("bob"))), shared.key(a));

        ResultCache off(settings(0));
        QVERIFY(!off.initialize());
        QVERIFY(!off.enabled());
        QVERIFY(off.key(a).isEmpty());
    }

    void addedOutputsAreFoundAndLinkedIntoTheNewJob()
    {
        ResultCache cache(settings());
        QVERIFY(!cache.initialize());
        const QByteArray bytes(5000, 'j');
        const Job first = job("input", bytes);
        add(cache, first);
        QCOMPARE(cache.stats().entries, 1);
        QCOMPARE(cache.stats().bytes, bytes.size());
        // A second addition of the same work is refused, also while one is being built.
        QVERIFY(!cache.beginInsert(cache.key(first), first));

        const Job second = job("input");
        std::optional<CacheCheck> check = cache.beginLookup(cache.key(second), second);
        QVERIFY(check);
        const CacheCheckResult result = checkOffThread(*check);
        QCOMPARE(result.outcome, CacheCheckResult::Outcome::Hit);
        QCOMPARE(result.outputs.size(), 1);
        QCOMPARE(QFileInfo(result.outputs[0].path).absolutePath(), QFileInfo(second.directory).absoluteFilePath());
        QCOMPARE(readAll(result.outputs[0].path), bytes);
        QCOMPARE(result.outputs[0].sha256, sha256(bytes));
        cache.finishLookup(*check, result);
        QCOMPARE(cache.stats().hits, 1);
        QCOMPARE(cache.stats().bytesSaved, bytes.size());

        // Nothing for other work: a miss, counted at the first step.
        const Job third = job("another input");
        QVERIFY(!cache.beginLookup(cache.key(third), third));
        QCOMPARE(cache.stats().misses, 1);
    }

    void aBuildThatIsUnderWayIsNotStartedTwice()
    {
        ResultCache cache(settings());
        QVERIFY(!cache.initialize());
        const Job first = job("input", QByteArray(100, 'a'));
        const Job twin = job("input", QByteArray(100, 'a'));
        std::optional<CacheAddition> addition = cache.beginInsert(cache.key(first), first);
        QVERIFY(addition);
        QVERIFY(!cache.beginInsert(cache.key(twin), twin));
        cache.finishInsert(*addition, false);           // the build failed: nothing is left
        QCOMPARE(cache.stats().entries, 0);
        QVERIFY(!QFileInfo::exists(addition->tempDir));
        add(cache, twin);
        QCOMPARE(cache.stats().entries, 1);
    }

    void aChangedFileIsNeverServedAndItsEntryGoes()
    {
        ResultCache cache(settings());
        QVERIFY(!cache.initialize());
        const QByteArray bytes(3000, 'c');
        add(cache, job("input", bytes));
        const QString stored = QDir(cache.directory()).filePath(cache.key(job("input")) + QStringLiteral("/output.jpg"));
        QFile::setPermissions(stored, QFile::ReadOwner | QFile::WriteOwner);
        QByteArray changed = bytes;
        changed[1500] = 'x';                            // same size, other bytes
        writeFile(stored, changed);

        const Job asking = job("input");
        std::optional<CacheCheck> check = cache.beginLookup(cache.key(asking), asking);
        QVERIFY(check);
        const CacheCheckResult result = checkOffThread(*check);
        QCOMPARE(result.outcome, CacheCheckResult::Outcome::Changed);
        QVERIFY(result.outputs.isEmpty());
        QVERIFY(QDir(asking.directory).isEmpty());      // nothing was linked
        cache.finishLookup(*check, result);
        QCOMPARE(cache.stats().entries, 0);
        QCOMPARE(cache.stats().misses, 1);
        QVERIFY(!QFileInfo::exists(stored));
    }

    void aFifoInAnEntryDoesNotBlockTheCheck()
    {
        // Opening a FIFO for reading waits for a writer that never comes: the check must not.
        ResultCache cache(settings());
        QVERIFY(!cache.initialize());
        add(cache, job("input", QByteArray(10, 'f')));
        const QString stored = QDir(cache.directory()).filePath(cache.key(job("input")) + QStringLiteral("/output.jpg"));
        QVERIFY(QFile::remove(stored));
        QCOMPARE(::mkfifo(QFile::encodeName(stored).constData(), 0600), 0);
        const Job asking = job("input");
        std::optional<CacheCheck> check = cache.beginLookup(cache.key(asking), asking);
        QVERIFY(check);
        // The thread is detached so that a check that does block fails the test, not hangs it.
        auto done = std::make_shared<std::promise<CacheCheckResult>>();
        std::future<CacheCheckResult> running = done->get_future();
        std::thread([done, c = *check] { done->set_value(ResultCache::check(c)); }).detach();
        // Generous: a blocked check never ends, a correct one ends at once.
        QCOMPARE(running.wait_for(std::chrono::seconds(60)), std::future_status::ready);
        const CacheCheckResult result = running.get();
        QCOMPARE(result.outcome, CacheCheckResult::Outcome::Changed);
        cache.finishLookup(*check, result);
        QCOMPARE(cache.stats().entries, 0);
    }

    void anEntryReplacedDuringTheCheckIsNotRemovedForTheOldOne()
    {
        ResultCache cache(settings(2500));
        QVERIFY(!cache.initialize());
        const QByteArray bytes(1000, 'r');
        add(cache, job("input", bytes));
        const Job asking = job("input");
        const QString key = cache.key(asking);
        std::optional<CacheCheck> check = cache.beginLookup(key, asking);
        QVERIFY(check);
        // While that check runs, the entry is evicted by two others and the same work is
        // added anew (a newer entry under the same key)...
        QTest::qWait(20);
        add(cache, job("two", QByteArray(1000, '2')));
        QTest::qWait(20);
        add(cache, job("three", QByteArray(1000, '3')));
        QVERIFY(!cache.beginLookup(key, asking));
        add(cache, job("input", bytes));
        // ...then the old check's answer comes back, say it found its files changed (they
        // went with the eviction). It must leave the new entry alone.
        CacheCheckResult changed;
        changed.outcome = CacheCheckResult::Outcome::Changed;
        cache.finishLookup(*check, changed);
        std::optional<CacheCheck> current = cache.beginLookup(key, asking);
        QVERIFY(current);
        QVERIFY(current->generation != check->generation);
        QCOMPARE(checkOffThread(*current).outcome, CacheCheckResult::Outcome::Hit);
    }

    void aJobWhoseDirectoryWentIsNotLinkedAndTheEntryStays()
    {
        ResultCache cache(settings());
        QVERIFY(!cache.initialize());
        add(cache, job("input", QByteArray(700, 'd')));
        const Job cancelled = job("input");
        std::optional<CacheCheck> check = cache.beginLookup(cache.key(cancelled), cancelled);
        QVERIFY(check);
        QVERIFY(QDir(cancelled.directory).removeRecursively());   // cancelled meanwhile
        const CacheCheckResult result = checkOffThread(*check);
        QCOMPARE(result.outcome, CacheCheckResult::Outcome::Unusable);
        QVERIFY(!QFileInfo::exists(cancelled.directory));
        cache.finishLookup(*check, result);
        QCOMPARE(cache.stats().entries, 1);
    }

    void leastRecentlyUsedEntriesMakeRoom()
    {
        ResultCache cache(settings(2500));
        QVERIFY(!cache.initialize());
        add(cache, job("one", QByteArray(1000, '1')));
        QTest::qWait(20);   // distinct last-use times (milliseconds)
        add(cache, job("two", QByteArray(1000, '2')));
        QTest::qWait(20);
        const Job again = job("one");
        std::optional<CacheCheck> check = cache.beginLookup(cache.key(again), again);
        QVERIFY(check);
        cache.finishLookup(*check, checkOffThread(*check));   // "one" is now the most recent
        QTest::qWait(20);
        add(cache, job("three", QByteArray(1000, '3')));
        QCOMPARE(cache.stats().entries, 2);
        QVERIFY(cache.stats().bytes <= 2500);
        const Job two = job("two");
        QVERIFY(!cache.beginLookup(cache.key(two), two));
        const Job one = job("one");
        QVERIFY(cache.beginLookup(cache.key(one), one));

        // An output set larger than the whole budget is not added at all.
        const Job huge = job("huge", QByteArray(3000, 'h'));
        QVERIFY(!cache.beginInsert(cache.key(huge), huge));
    }

    void startUpDropsHalfBuiltAndForeignEntries()
    {
        {
            ResultCache cache(settings());
            QVERIFY(!cache.initialize());
            add(cache, job("kept", QByteArray(400, 'k')));
            // A build a crash interrupted, and one that ended but was never renamed.
            const Job half = job("half", QByteArray(400, 'h'));
            std::optional<CacheAddition> addition = cache.beginInsert(cache.key(half), half);
            QVERIFY(addition);
            QVERIFY(ResultCache::build(*addition));
        }
        const QString foreign = QDir(settings().directory).filePath(QString(64, u'a'));
        QDir().mkpath(foreign);
        writeFile(foreign + QStringLiteral("/entry.json"), R"({"format": "something-else"})");
        ResultCache cache(settings());
        QVERIFY(!cache.initialize());
        QCOMPARE(cache.stats().entries, 1);
        QVERIFY(!QFileInfo::exists(foreign));
        const QStringList left = QDir(settings().directory).entryList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
        QCOMPARE(left, QStringList{cache.key(job("kept"))});
    }
};

QTEST_GUILESS_MAIN(TestResultCache)
#include "tst_resultcache.moc"
