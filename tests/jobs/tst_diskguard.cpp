// SPDX-License-Identifier: GPL-3.0-or-later
// The disk budget's accounting (jobs/diskguard.*) over real files in a temporary directory:
// what a walk finds, what is admitted, what a job's end frees at once, and what only the
// background walk can see (files written behind the guard's back, as ffmpeg writes outputs).
#include "jobs/diskguard.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;

namespace {

QString makeJobDir(const QTemporaryDir &temp, const QString &name)
{
    const QString path = temp.filePath(QStringLiteral("job-") + name);
    QDir().mkpath(path);
    return path;
}

void writeFile(const QString &path, qint64 bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Append));
    QCOMPARE(file.write(QByteArray(bytes, 'x')), bytes);
}

DiskLimits budget(qint64 bytes)
{
    DiskLimits limits;
    limits.budgetBytes = bytes;
    return limits;
}

} // namespace

class TestDiskGuard : public QObject
{
    Q_OBJECT

private slots:
    void filesAnEarlierRunLeftCountFromTheFirstCheck()
    {
        QTemporaryDir temp;
        const QString dir = makeJobDir(temp, QStringLiteral("left"));
        writeFile(QDir(dir).filePath(QStringLiteral("output-0.mp4")), 3000);
        // Not a job directory: a shared temp dir's other files are not the service's.
        writeFile(temp.filePath(QStringLiteral("unrelated")), 50000);
        DiskGuard guard(temp.path(), budget(4000));
        QVERIFY(!guard.check(1000));
        const auto refused = guard.check(1001);
        QVERIFY(refused);
        QCOMPARE(refused->code, ErrorCode::InsufficientStorage);
        QCOMPARE(refused->details.toObject().value(QStringLiteral("limit")).toString(), QStringLiteral("disk_budget"));
        QCOMPARE(guard.used(), 3000);
    }

    void admittedBytesCountOnceWrittenAndMeasured()
    {
        QTemporaryDir temp;
        const QString dir = makeJobDir(temp, QStringLiteral("upload"));
        DiskGuard guard(temp.path(), budget(10000));
        QVERIFY(!guard.admit(dir, 4000));
        QCOMPARE(guard.used(), 4000);
        QVERIFY(guard.admit(dir, 6001));   // 4000 + 6001 > 10000
        QCOMPARE(guard.used(), 4000);      // a refused admission is not counted
        writeFile(QDir(dir).filePath(QStringLiteral("input-0")), 4000);
        // Measured again (what a job's end does): the file replaces the admission, not added to it.
        guard.directoryChanged(dir);
        QCOMPARE(guard.used(), 4000);
    }

    void resultCacheBytesCountAgainstTheBudget()
    {
        // The result cache lives outside the temp dir; its size is handed in and counts too.
        QTemporaryDir temp;
        const QString dir = makeJobDir(temp, QStringLiteral("upload"));
        DiskGuard guard(temp.path(), budget(10000));
        guard.setExternalBytes(7000);
        QVERIFY(!guard.admit(dir, 3000));
        QVERIFY(guard.admit(dir, 1));
        QVERIFY(guard.check(1));
        guard.setExternalBytes(6000);   // an eviction
        QVERIFY(!guard.check(1000));
        QVERIFY(guard.check(1001));
    }

    void aRemovedJobDirectoryFreesItsShareAtOnce()
    {
        QTemporaryDir temp;
        const QString full = makeJobDir(temp, QStringLiteral("full"));
        writeFile(QDir(full).filePath(QStringLiteral("input-0")), 5000);
        DiskGuard guard(temp.path(), budget(6000));
        QVERIFY(!guard.admit(full, 1000));
        QVERIFY(guard.check(1));
        QVERIFY(QDir(full).removeRecursively());
        guard.directoryChanged(full);
        // No walk in between: the very next check sees the room.
        QCOMPARE(guard.used(), 0);
        QVERIFY(!guard.check(6000));
    }

    void aFinishedJobsOutputsCountAsSoonAsItEnds()
    {
        QTemporaryDir temp;
        const QString dir = makeJobDir(temp, QStringLiteral("done"));
        DiskGuard guard(temp.path(), budget(10000));
        QVERIFY(!guard.admit(dir, 2000));
        writeFile(QDir(dir).filePath(QStringLiteral("input-0")), 2000);
        writeFile(QDir(dir).filePath(QStringLiteral("output-0.mp4")), 7000);
        QVERIFY(QFile::remove(QDir(dir).filePath(QStringLiteral("input-0"))));
        guard.directoryChanged(dir);
        QCOMPARE(guard.used(), 7000);
        QVERIFY(guard.check(3001));
    }

    void filesWrittenBehindTheGuardAreFoundByTheBackgroundWalk()
    {
        QTemporaryDir temp;
        const QString dir = makeJobDir(temp, QStringLiteral("running"));
        DiskGuard guard(temp.path(), budget(100000));
        QCOMPARE(guard.used(), 0);
        // What ffmpeg writes does not pass through the guard; only a walk can count it.
        writeFile(QDir(dir).filePath(QStringLiteral("output-0.mp4")), 20000);
        const QString other = makeJobDir(temp, QStringLiteral("other"));
        writeFile(QDir(other).filePath(QStringLiteral("output-0.mp4")), 30000);
        // Each used() collects a finished walk or starts a due one; waiting on the outcome.
        QTRY_COMPARE_WITH_TIMEOUT(guard.used(), 50000, 30000);
        QVERIFY(guard.check(50001));
    }

    void noBudgetMeansNoAccounting()
    {
        QTemporaryDir temp;
        const QString dir = makeJobDir(temp, QStringLiteral("any"));
        writeFile(QDir(dir).filePath(QStringLiteral("output-0.mp4")), 5000);
        DiskGuard guard(temp.path(), DiskLimits{});
        QVERIFY(!guard.check(qint64(1) << 40));
        QVERIFY(!guard.admit(dir, qint64(1) << 40));
    }
};

QTEST_GUILESS_MAIN(TestDiskGuard)
#include "tst_diskguard.moc"
