// SPDX-License-Identifier: GPL-3.0-or-later
// Saving outputs: atomic (temporary file + rename), checked (size, SHA-256), never half a file
// and never an overwrite without --force; where several outputs go.
#include "outputreceiver.h"
#include "outputwriter.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Mediaforge::Cli;

namespace {

QByteArray payload(int size, char seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        bytes[i] = char(seed + i * 7);
    return bytes;
}

QString sha256(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QByteArray("<unreadable>");
    return file.readAll();
}

// Everything in the folder, hidden temporary files included.
QStringList entries(const QString &directory)
{
    return QDir(directory).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TestOutputWriter : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void chunksInOrderAreSavedAtomically();
    void emptyOutput();
    void checksumMismatchRemovesTheTemporaryFile();
    void badOffsetIsAnErrorAndRemovesTheTemporaryFile();
    void sizeMismatches();
    void existingFilesNeedForce();
    void fileAppearingMeanwhileIsNotReplaced();
    void abortRemovesTheTemporaryFile();
    void savedFilesGetNormalPermissions();
    void destructionWithoutCommitLeavesNothing();

    void plan_data();
    void plan();
    void planRefusesExistingFilesAndNonFolders();
    void receiverSavesSeveralOutputsAndChecksDelivery();
    void receiverAbortRemovesItsFolder();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestOutputWriter::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestOutputWriter::chunksInOrderAreSavedAtomically()
{
    const QByteArray data = payload(300000, 'a');
    const QString target = m_dir->filePath(QStringLiteral("clip_compressed.mp4"));
    OutputWriter writer;
    QVERIFY(!writer.open(target, data.size(), sha256(data).toUpper(), false));
    QVERIFY(writer.temporaryPath().startsWith(m_dir->filePath(QStringLiteral(".clip_compressed.mp4."))));
    QVERIFY(writer.temporaryPath().endsWith(QStringLiteral(".part")));
    for (qsizetype offset = 0; offset < data.size(); offset += 65536) {
        QVERIFY(!writer.write(offset, data.mid(offset, 65536)));
        // Until the last byte is checked, the target does not exist.
        QVERIFY(!QFileInfo::exists(target));
    }
    QCOMPARE(writer.written(), data.size());
    QVERIFY(!writer.commit());
    QVERIFY(writer.isCommitted());
    QCOMPARE(readAll(target), data);
    QCOMPARE(writer.sha256(), sha256(data));
    QCOMPARE(entries(m_dir->path()), QStringList{QStringLiteral("clip_compressed.mp4")});
}

void TestOutputWriter::emptyOutput()
{
    const QString target = m_dir->filePath(QStringLiteral("empty.srt"));
    OutputWriter writer;
    QVERIFY(!writer.open(target, 0, sha256(QByteArray()), false));
    QVERIFY(!writer.write(0, QByteArrayView()));
    QVERIFY(!writer.commit());
    QVERIFY(QFileInfo::exists(target));
    QCOMPARE(QFileInfo(target).size(), 0);
}

void TestOutputWriter::checksumMismatchRemovesTheTemporaryFile()
{
    const QByteArray data = payload(5000, 'b');
    const QString target = m_dir->filePath(QStringLiteral("out.png"));
    OutputWriter writer;
    QVERIFY(!writer.open(target, data.size(), sha256(QByteArrayLiteral("something else")), false));
    QVERIFY(!writer.write(0, data));
    const auto failure = writer.commit();
    QVERIFY(failure);
    QCOMPARE(failure->code, QStringLiteral("CHECKSUM_MISMATCH"));
    QVERIFY2(failure->message.contains(sha256(data)), qPrintable(failure->message));
    QVERIFY(!QFileInfo::exists(target));
    QCOMPARE(entries(m_dir->path()), QStringList());
}

void TestOutputWriter::badOffsetIsAnErrorAndRemovesTheTemporaryFile()
{
    const QByteArray data = payload(4000, 'c');
    const QString target = m_dir->filePath(QStringLiteral("out.mp4"));
    OutputWriter writer;
    QVERIFY(!writer.open(target, data.size(), sha256(data), false));
    QVERIFY(!writer.write(0, QByteArrayView(data).first(1000)));
    const QString temporary = writer.temporaryPath();
    QVERIFY(QFileInfo::exists(temporary));
    // A gap: the chunk at 2000 skips the bytes 1000 to 1999.
    const auto failure = writer.write(2000, data.mid(2000, 1000));
    QVERIFY(failure);
    QCOMPARE(failure->code, QStringLiteral("BAD_OFFSET"));
    QVERIFY(!QFileInfo::exists(temporary));
    QVERIFY(!writer.isOpen());
    QVERIFY(writer.commit());
    QCOMPARE(entries(m_dir->path()), QStringList());

    // A repeated chunk is just as wrong.
    OutputWriter again;
    QVERIFY(!again.open(target, data.size(), sha256(data), false));
    QVERIFY(!again.write(0, QByteArrayView(data).first(1000)));
    QCOMPARE(again.write(0, QByteArrayView(data).first(1000))->code, QStringLiteral("BAD_OFFSET"));
    QCOMPARE(entries(m_dir->path()), QStringList());
}

void TestOutputWriter::sizeMismatches()
{
    const QByteArray data = payload(1000, 'd');
    const QString target = m_dir->filePath(QStringLiteral("out.bin"));
    OutputWriter tooMuch;
    QVERIFY(!tooMuch.open(target, 999, QString(), false));
    QCOMPARE(tooMuch.write(0, data)->code, QStringLiteral("SIZE_MISMATCH"));
    OutputWriter tooLittle;
    QVERIFY(!tooLittle.open(target, 1001, QString(), false));
    QVERIFY(!tooLittle.write(0, data));
    QCOMPARE(tooLittle.commit()->code, QStringLiteral("SIZE_MISMATCH"));
    QVERIFY(!QFileInfo::exists(target));
    QCOMPARE(entries(m_dir->path()), QStringList());
}

void TestOutputWriter::existingFilesNeedForce()
{
    const QString target = m_dir->filePath(QStringLiteral("clip.gif"));
    {
        QFile existing(target);
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("old");
    }
    const QByteArray data = payload(100, 'e');
    OutputWriter refused;
    const auto failure = refused.open(target, data.size(), sha256(data), false);
    QVERIFY(failure);
    QCOMPARE(failure->code, QStringLiteral("OUTPUT_EXISTS"));
    QVERIFY(failure->message.contains(QStringLiteral("--force")));
    QCOMPARE(readAll(target), QByteArray("old"));

    OutputWriter forced;
    QVERIFY(!forced.open(target, data.size(), sha256(data), true));
    QVERIFY(!forced.write(0, data));
    QVERIFY(!forced.commit());
    QCOMPARE(readAll(target), data);
    QCOMPARE(entries(m_dir->path()), QStringList{QStringLiteral("clip.gif")});
}

void TestOutputWriter::fileAppearingMeanwhileIsNotReplaced()
{
    const QString target = m_dir->filePath(QStringLiteral("race.mp4"));
    const QByteArray data = payload(100, 'f');
    OutputWriter writer;
    QVERIFY(!writer.open(target, data.size(), sha256(data), false));
    QVERIFY(!writer.write(0, data));
    {
        QFile other(target);
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write("someone else's");
    }
    const auto failure = writer.commit();
    QVERIFY(failure);
    QCOMPARE(failure->code, QStringLiteral("OUTPUT_EXISTS"));
    QCOMPARE(readAll(target), QByteArray("someone else's"));
    QCOMPARE(entries(m_dir->path()), QStringList{QStringLiteral("race.mp4")});
}

void TestOutputWriter::abortRemovesTheTemporaryFile()
{
    OutputWriter writer;
    QVERIFY(!writer.open(m_dir->filePath(QStringLiteral("x.mp4")), 10, QString(), false));
    QVERIFY(!writer.write(0, QByteArrayView("12345")));
    // Asking for its name makes the temporary file visible (Linux creates it unnamed).
    QVERIFY(QFileInfo::exists(writer.temporaryPath()));
    QCOMPARE(entries(m_dir->path()).size(), 1);
    writer.abort();
    QCOMPARE(entries(m_dir->path()), QStringList());
}

void TestOutputWriter::savedFilesGetNormalPermissions()
{
    const mode_t previous = ::umask(022);
    const QString target = m_dir->filePath(QStringLiteral("perm.mp4"));
    OutputWriter writer;
    QVERIFY(!writer.open(target, 3, QString(), false));
    QVERIFY(!writer.write(0, QByteArrayView("abc")));
    QVERIFY(!writer.commit());
    ::umask(previous);
    struct stat info = {};
    QCOMPARE(::stat(QFile::encodeName(target).constData(), &info), 0);
    // Not the 0600 of a temporary file: what any new file gets (the umask is read once).
    QCOMPARE(int(info.st_mode & 0777), int(0666 & ~previous));
}

void TestOutputWriter::destructionWithoutCommitLeavesNothing()
{
    {
        OutputWriter writer;
        QVERIFY(!writer.open(m_dir->filePath(QStringLiteral("gone.mp4")), -1, QString(), false));
        QVERIFY(!writer.write(0, QByteArrayView("partial")));
    }
    QCOMPARE(entries(m_dir->path()), QStringList());
}

void TestOutputWriter::plan_data()
{
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QString>("output");
    QTest::addColumn<QString>("directory");
    QTest::addColumn<QStringList>("paths");

    const QStringList one{QStringLiteral("clip_compressed.mp4")};
    const QStringList three{QStringLiteral("clip_thumb_01.png"), QStringLiteral("clip_thumb_02.png"),
                            QStringLiteral("clip_thumb_03.png")};
    QTest::newRow("one, default") << one << "" << "." << QStringList{QStringLiteral("clip_compressed.mp4")};
    QTest::newRow("one, -o file") << one << "@small.mp4" << "@" << QStringList{QStringLiteral("@small.mp4")};
    QTest::newRow("one, -o new folder/") << one << "@out/" << "@out/" << QStringList{QStringLiteral("@out/clip_compressed.mp4")};
    QTest::newRow("one, -o existing folder") << one << "@" << "@" << QStringList{QStringLiteral("@/clip_compressed.mp4")};
    QTest::newRow("several, default folder") << three << "" << "clip_thumbnail"
                                             << QStringList{QStringLiteral("clip_thumbnail/clip_thumb_01.png"),
                                                            QStringLiteral("clip_thumbnail/clip_thumb_02.png"),
                                                            QStringLiteral("clip_thumbnail/clip_thumb_03.png")};
    QTest::newRow("several, -o folder without slash") << three << "@frames" << "@frames"
                                                      << QStringList{QStringLiteral("@frames/clip_thumb_01.png"),
                                                                     QStringLiteral("@frames/clip_thumb_02.png"),
                                                                     QStringLiteral("@frames/clip_thumb_03.png")};
    QTest::newRow("unsafe names stay inside")
            << QStringList{QStringLiteral("../../etc/passwd"), QStringLiteral(".hidden"), QStringLiteral("")} << "@o"
            << "@o" << QStringList{QStringLiteral("@o/passwd"), QStringLiteral("@o/hidden"), QStringLiteral("@o/output-3")};
    QTest::newRow("duplicate names") << QStringList{QStringLiteral("a.png"), QStringLiteral("a.png")} << "@d" << "@d"
                                     << QStringList{QStringLiteral("@d/a.png"), QStringLiteral("@d/a-2.png")};
}

void TestOutputWriter::plan()
{
    QFETCH(QStringList, names);
    QFETCH(QString, output);
    QFETCH(QString, directory);
    QFETCH(QStringList, paths);
    // "@" is the test's temporary folder; the default folder is made in the current one.
    const QString base = m_dir->path();
    auto expand = [&base](QString text) { return text.startsWith(u'@') ? base + u'/' + text.mid(1) : text; };
    const QString previous = QDir::currentPath();
    QVERIFY(QDir::setCurrent(base));
    OutputPlan plan;
    const auto failure = OutputPlanner::plan(names, expand(output), QStringLiteral("clip.mov"), QStringLiteral("thumbnail"),
                                             false, plan);
    QDir::setCurrent(previous);
    QVERIFY2(!failure, failure ? qPrintable(failure->message) : "");
    QCOMPARE(QDir::cleanPath(plan.directory), QDir::cleanPath(expand(directory)));
    QStringList expected;
    for (const QString &path : std::as_const(paths))
        expected.append(QDir::cleanPath(expand(path)));
    QStringList actual;
    for (const QString &path : std::as_const(plan.paths))
        actual.append(QDir::cleanPath(path));
    QCOMPARE(actual, expected);
    QVERIFY(QFileInfo(QDir(base).filePath(expand(directory))).isDir() || QFileInfo(expand(directory)).isDir());
}

void TestOutputWriter::planRefusesExistingFilesAndNonFolders()
{
    const QString existing = m_dir->filePath(QStringLiteral("clip_compressed.mp4"));
    {
        QFile file(existing);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    OutputPlan plan;
    auto failure = OutputPlanner::plan({QStringLiteral("clip_compressed.mp4")}, m_dir->path(), QStringLiteral("clip.mov"),
                                       QStringLiteral("compress"), false, plan);
    QVERIFY(failure);
    QCOMPARE(failure->code, QStringLiteral("OUTPUT_EXISTS"));
    QVERIFY(!OutputPlanner::plan({QStringLiteral("clip_compressed.mp4")}, m_dir->path(), QStringLiteral("clip.mov"),
                                 QStringLiteral("compress"), true, plan));
    // Several outputs into something that is a file.
    failure = OutputPlanner::plan({QStringLiteral("a.png"), QStringLiteral("b.png")}, existing, QStringLiteral("clip.mov"),
                                  QStringLiteral("thumbnail"), true, plan);
    QVERIFY(failure);
    QCOMPARE(failure->code, QStringLiteral("WRITE_FAILED"));
}

void TestOutputWriter::receiverSavesSeveralOutputsAndChecksDelivery()
{
    const QByteArray first = payload(2500, 'g');
    const QByteArray second = payload(10, 'h');
    const QJsonArray outputs{QJsonObject{{QStringLiteral("filename"), QStringLiteral("c_01.png")},
                                         {QStringLiteral("size_bytes"), first.size()},
                                         {QStringLiteral("sha256"), sha256(first)}},
                             QJsonObject{{QStringLiteral("filename"), QStringLiteral("c_02.png")},
                                         {QStringLiteral("size_bytes"), second.size()},
                                         {QStringLiteral("sha256"), sha256(second)}}};
    OutputPlan plan;
    const QString folder = m_dir->filePath(QStringLiteral("frames"));
    QVERIFY(!OutputPlanner::plan({QStringLiteral("c_01.png"), QStringLiteral("c_02.png")}, folder, QString(),
                                 QStringLiteral("thumbnail"), false, plan));
    OutputReceiver receiver;
    receiver.begin(OutputReceiver::fromOutputs(outputs), plan, false);
    QCOMPARE(receiver.totalBytes(), first.size() + second.size());
    QVERIFY(!receiver.chunk(0, 0, false, QByteArrayView(first).first(1000)));
    QVERIFY(!receiver.chunk(0, 1000, false, first.mid(1000, 1000)));
    QVERIFY(!receiver.chunk(0, 2000, true, first.mid(2000)));
    QVERIFY(!receiver.delivered(0, sha256(first)));
    QVERIFY(!receiver.isComplete());
    QCOMPARE(receiver.chunk(5, 0, true, second)->code, QStringLiteral("UNEXPECTED_OUTPUT"));
    QVERIFY(!receiver.chunk(1, 0, true, second));
    QVERIFY(receiver.isComplete());
    QCOMPARE(receiver.bytesReceived(), receiver.totalBytes());
    QCOMPARE(receiver.delivered(1, sha256(first))->code, QStringLiteral("CHECKSUM_MISMATCH"));
    QCOMPARE(receiver.savedPaths(), plan.paths);
    QCOMPARE(readAll(plan.paths.at(0)), first);
    QCOMPARE(readAll(plan.paths.at(1)), second);
    QCOMPARE(entries(folder), (QStringList{QStringLiteral("c_01.png"), QStringLiteral("c_02.png")}));
}

void TestOutputWriter::receiverAbortRemovesItsFolder()
{
    const QByteArray data = payload(100, 'i');
    const QJsonArray outputs{QJsonObject{{QStringLiteral("filename"), QStringLiteral("x_01.png")}, {QStringLiteral("size_bytes"), 100}},
                             QJsonObject{{QStringLiteral("filename"), QStringLiteral("x_02.png")}, {QStringLiteral("size_bytes"), 100}}};
    OutputPlan plan;
    const QString folder = m_dir->filePath(QStringLiteral("new-folder"));
    QVERIFY(!OutputPlanner::plan({QStringLiteral("x_01.png"), QStringLiteral("x_02.png")}, folder, QString(),
                                 QStringLiteral("thumbnail"), false, plan));
    QVERIFY(plan.createdDirectory);
    OutputReceiver receiver;
    receiver.begin(OutputReceiver::fromOutputs(outputs), plan, false);
    QVERIFY(!receiver.chunk(0, 0, false, QByteArrayView(data).first(50)));
    QVERIFY(QFileInfo::exists(folder));
    receiver.abort();
    QVERIFY(!QFileInfo::exists(folder));
    QCOMPARE(entries(m_dir->path()), QStringList());
}

QTEST_GUILESS_MAIN(TestOutputWriter)
#include "tst_cli_outputwriter.moc"
