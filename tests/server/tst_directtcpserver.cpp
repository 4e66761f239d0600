// SPDX-License-Identifier: GPL-3.0-or-later
// The accepted sockets of the WebSocket and HTTP listeners: small writes reach the kernel
// without Qt's 32 KiB write block, yet a peer that does not read still fills Qt's buffer
// (bytesToWrite(), which every back-pressure bound reads), the bytes keep their order, and
// bytesWritten() still reports everything. Real sockets on loopback.
#include "server/directtcpserver.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QtEndian>

#include <memory>

using namespace Mediaforge;

namespace {

struct Pair
{
    std::unique_ptr<DirectTcpServer> server = std::make_unique<DirectTcpServer>();
    std::unique_ptr<QTcpSocket> client = std::make_unique<QTcpSocket>();
    DirectWriteSocket *accepted = nullptr;

    bool open()
    {
        if (!server->listen(QHostAddress::LocalHost, 0))
            return false;
        client->connectToHost(QHostAddress::LocalHost, server->serverPort());
        if (!server->waitForNewConnection(30000))
            return false;
        accepted = qobject_cast<DirectWriteSocket *>(server->nextPendingConnection());
        return accepted && client->waitForConnected(30000);
    }
};

// A numbered message of `size` bytes: its number, then filler.
QByteArray message(quint32 number, int size)
{
    QByteArray data(size, char('a' + number % 26));
    const quint32 bigEndian = qToBigEndian(number);
    memcpy(data.data(), &bigEndian, sizeof bigEndian);
    return data;
}

} // namespace

class TestDirectTcpServer : public QObject
{
    Q_OBJECT

private slots:
    void smallWritesGoStraightToTheKernelAndAreStillReported()
    {
        Pair pair;
        QVERIFY(pair.open());
        QCOMPARE(pair.accepted->socketOption(QAbstractSocket::LowDelayOption).toInt(), 1);
        QSignalSpy written(pair.accepted, &QIODevice::bytesWritten);
        const QByteArray hello = message(7, 100);
        QCOMPARE(pair.accepted->write(hello), qint64(hello.size()));
        // Nothing waits in Qt's buffer: the kernel has it already.
        QCOMPARE(pair.accepted->bytesToWrite(), qint64(0));
        QCOMPARE(pair.accepted->directBytes(), qint64(hello.size()));
        // Reported from the event loop, never from inside write().
        QCOMPARE(written.size(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(pair.client->bytesAvailable(), qint64(hello.size()), 30000);
        QCOMPARE(pair.client->readAll(), hello);
        QTRY_VERIFY_WITH_TIMEOUT(!written.isEmpty(), 30000);
        qint64 total = 0;
        for (const QList<QVariant> &arguments : std::as_const(written))
            total += arguments.at(0).toLongLong();
        QCOMPARE(total, qint64(hello.size()));
    }

    void largeWritesStillGoThroughQtsBuffer()
    {
        Pair pair;
        QVERIFY(pair.open());
        const QByteArray chunk = message(1, int(DirectWriteSocket::kDirectMaxBytes) * 4);
        QCOMPARE(pair.accepted->write(chunk), qint64(chunk.size()));
        // A writer looping while bytesToWrite() is small sees it, as with any QTcpSocket.
        QCOMPARE(pair.accepted->bytesToWrite(), qint64(chunk.size()));
        QCOMPARE(pair.accepted->directBytes(), qint64(0));
        QByteArray received;
        QTRY_VERIFY_WITH_TIMEOUT((received += pair.client->readAll()).size() == chunk.size(), 30000);
        QCOMPARE(received, chunk);
    }

    void aPeerThatDoesNotReadFillsQtsBufferAndTheOrderHolds()
    {
        Pair pair;
        QVERIFY(pair.open());
        // The client runs in this thread, so it reads nothing while this loop writes: the kernel's
        // buffers fill, and then Qt's must take the rest.
        constexpr int kSize = 4096;
        constexpr qint64 kMaxTotal = 256LL * 1024 * 1024;
        quint32 number = 0;
        qint64 total = 0;
        while (pair.accepted->bytesToWrite() == 0 && total < kMaxTotal) {
            total += pair.accepted->write(message(number++, kSize));
        }
        QVERIFY2(pair.accepted->bytesToWrite() > 0, "the kernel never refused a byte");
        const qint64 direct = pair.accepted->directBytes();
        QVERIFY(direct < total);
        // Once Qt holds bytes, later writes queue behind them instead of overtaking them.
        for (int i = 0; i < 100; ++i)
            total += pair.accepted->write(message(number++, kSize));
        QCOMPARE(pair.accepted->directBytes(), direct);
        QVERIFY(pair.accepted->bytesToWrite() >= 100 * kSize);

        // The peer reads now: every message arrives, in order.
        quint32 expected = 0;
        QByteArray pending;
        qint64 received = 0;
        bool inOrder = true;
        const auto consume = [&] {
            pending += pair.client->readAll();
            while (pending.size() >= kSize) {
                inOrder = inOrder && pending.left(kSize) == message(expected++, kSize);
                pending.remove(0, kSize);
                received += kSize;
            }
            return received == total;
        };
        QTRY_VERIFY_WITH_TIMEOUT(consume(), 60000);
        QVERIFY(inOrder);
        QCOMPARE(expected, number);
        QTRY_COMPARE_WITH_TIMEOUT(pair.accepted->bytesToWrite(), qint64(0), 30000);
    }
};

QTEST_GUILESS_MAIN(TestDirectTcpServer)
#include "tst_directtcpserver.moc"
