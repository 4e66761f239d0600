// SPDX-License-Identifier: GPL-3.0-or-later
// The body of one multipart part: a window of a real file read through FileRangeDevice, as
// QNetworkAccessManager reads it (chunks, a seek back to the start for a resend), and the part
// sizes S3's limits force.
#include "input/filerangedevice.h"
#include "input/s3multipartupload.h"

#include <QRandomGenerator>
#include <QTemporaryFile>
#include <QTest>

using namespace Mediaforge;

class TestFileRangeDevice : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_file.open());
        m_data.resize(3 * 1024 * 1024 + 17);
        QRandomGenerator generator(42);
        for (char &byte : m_data)
            byte = char(generator.generate() & 0xff);
        QCOMPARE(m_file.write(m_data), m_data.size());
        QVERIFY(m_file.flush());
    }

    void readsExactlyItsWindowInChunks_data()
    {
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<qint64>("length");
        QTest::addColumn<qint64>("chunk");
        QTest::newRow("first part") << qint64(0) << qint64(1024 * 1024) << qint64(16384);
        QTest::newRow("middle, odd chunk") << qint64(1024 * 1024) << qint64(1024 * 1024) << qint64(7777);
        QTest::newRow("short last part") << qint64(3 * 1024 * 1024) << qint64(17) << qint64(16384);
        QTest::newRow("whole file at once") << qint64(0) << qint64(3 * 1024 * 1024 + 17) << qint64(64 * 1024 * 1024);
    }

    void readsExactlyItsWindowInChunks()
    {
        QFETCH(qint64, offset);
        QFETCH(qint64, length);
        QFETCH(qint64, chunk);
        FileRangeDevice device(m_file.fileName(), offset, length);
        QVERIFY(device.open(QIODevice::ReadOnly));
        QCOMPARE(device.size(), length);
        QByteArray read;
        while (true) {
            const QByteArray part = device.read(chunk);
            if (part.isEmpty())
                break;
            read += part;
        }
        QCOMPARE(read.size(), length);
        QVERIFY(read == m_data.mid(offset, length));
        QVERIFY(device.atEnd());
        // A resend starts over: the same bytes again.
        QVERIFY(device.reset());
        QVERIFY(device.readAll() == m_data.mid(offset, length));
        QVERIFY(device.seek(length / 2));
        QVERIFY(device.readAll() == m_data.mid(offset + length / 2, length - length / 2));
        QVERIFY(!device.seek(length + 1));
    }

    void refusesAWindowPastTheEndAndWriting()
    {
        FileRangeDevice past(m_file.fileName(), m_data.size() - 10, 11);
        QVERIFY(!past.open(QIODevice::ReadOnly));
        FileRangeDevice writable(m_file.fileName(), 0, 10);
        QVERIFY(!writable.open(QIODevice::ReadWrite));
        FileRangeDevice missing(m_file.fileName() + QStringLiteral(".gone"), 0, 10);
        QVERIFY(!missing.open(QIODevice::ReadOnly));
    }

    void partSizesKeepToS3sLimits_data()
    {
        constexpr qint64 MiB = 1024 * 1024;
        QTest::addColumn<qint64>("fileSize");
        QTest::addColumn<qint64>("configured");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("configured") << 100 * MiB << 16 * MiB << 16 * MiB;
        QTest::newRow("below S3's minimum") << 100 * MiB << MiB << 5 * MiB;
        QTest::newRow("more than 10,000 parts") << 200000 * MiB << 16 * MiB << 20 * MiB;
        QTest::newRow("above S3's maximum") << 100 * MiB << 6000 * MiB << 5120 * MiB;
    }

    void partSizesKeepToS3sLimits()
    {
        QFETCH(qint64, fileSize);
        QFETCH(qint64, configured);
        QFETCH(qint64, expected);
        const qint64 size = S3MultipartUpload::partSizeFor(fileSize, configured);
        QCOMPARE(size, expected);
        QVERIFY((fileSize + size - 1) / size <= S3MultipartUpload::kMaxParts);
    }

private:
    QTemporaryFile m_file;
    QByteArray m_data;
};

QTEST_GUILESS_MAIN(TestFileRangeDevice)
#include "tst_filerangedevice.moc"
