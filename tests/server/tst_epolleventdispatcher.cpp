// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's main-thread event dispatcher (socket notifiers in epoll, the rest Qt's own),
// installed here exactly as main.cpp does: timers, posted events and deleteLater, many real
// loopback sockets, a descriptor closed and reused inside another socket's handler, child
// processes (pipes and their exit notifier), a regular file that epoll refuses, and nothing
// left in the epoll set once the sockets are gone.
#include "server/epolleventdispatcher.h"

#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QProcess>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

using namespace Mediaforge;

namespace {

EpollEventDispatcher *installed()
{
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

// A server that answers every line with the same line, upper-cased.
class EchoServer : public QTcpServer
{
public:
    EchoServer()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                    while (socket->canReadLine())
                        socket->write(socket->readLine().toUpper());
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
};

} // namespace

class TestEpollEventDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void isTheMainThreadsDispatcher()
    {
        QVERIFY(installed());
        QVERIFY(installed()->isValid());
    }

    void timersPostedEventsAndDeleteLaterRunAsWithQtsOwn()
    {
        int repeats = 0;
        QTimer repeating;
        repeating.setInterval(10);
        connect(&repeating, &QTimer::timeout, this, [&] { ++repeats; });
        repeating.start();
        QVERIFY(repeating.remainingTime() >= 0);
        bool single = false;
        QTimer::singleShot(30, this, [&] { single = true; });
        bool queued = false;
        QMetaObject::invokeMethod(this, [&] { queued = true; }, Qt::QueuedConnection);
        QPointer<QObject> doomed = new QObject;
        doomed->deleteLater();
        QTRY_VERIFY_WITH_TIMEOUT(single && queued && repeats >= 3 && !doomed, 30000);
        repeating.stop();
        // A long timer is still waiting, and says how long it has left.
        QTimer later;
        later.setSingleShot(true);
        later.start(60000);
        QVERIFY(later.remainingTime() > 50000);
    }

    void manySocketsTalkAtOnceAndLeaveNothingBehind()
    {
        const int before = installed()->watchedDescriptors();
        EchoServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        constexpr int kClients = 300;
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        int answered = 0;
        for (int i = 0; i < kClients; ++i) {
            auto client = std::make_unique<QTcpSocket>();
            QTcpSocket *raw = client.get();
            const QByteArray expected = QByteArray("HELLO ") + QByteArray::number(i) + '\n';
            auto received = std::make_shared<QByteArray>();
            connect(raw, &QTcpSocket::connected, raw, [raw, i] { raw->write("hello " + QByteArray::number(i) + '\n'); });
            connect(raw, &QTcpSocket::readyRead, raw, [raw, received, expected, &answered] {
                *received += raw->readAll();
                if (*received == expected)
                    ++answered;
            });
            raw->connectToHost(QHostAddress::LocalHost, server.serverPort());
            clients.push_back(std::move(client));
        }
        QTRY_COMPARE_WITH_TIMEOUT(answered, kClients, 60000);
        QVERIFY(installed()->watchedDescriptors() >= before + kClients);
        for (auto &client : clients)
            client->disconnectFromHost();
        clients.clear();
        server.close();
        // The server's sockets go with deleteLater once they see the clients leave.
        QTRY_COMPARE_WITH_TIMEOUT(installed()->watchedDescriptors(), before, 30000);
    }

    void aDescriptorClosedAndReusedInsideAHandlerGetsNoStaleEvent()
    {
        EchoServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        auto first = std::make_unique<QTcpSocket>();
        auto second = std::make_unique<QTcpSocket>();
        for (QTcpSocket *socket : {first.get(), second.get()}) {
            socket->connectToHost(QHostAddress::LocalHost, server.serverPort());
            QVERIFY(socket->waitForConnected(30000));
        }
        // Both answers arrive in one turn; the first handler closes the second socket and opens
        // a new one, which may take its descriptor number. The new socket must not be told it
        // can read (its read would find nothing) nor be dropped.
        std::unique_ptr<QTcpSocket> third;
        bool spurious = false;
        connect(first.get(), &QTcpSocket::readyRead, this, [&] {
            if (third)
                return;
            second->abort();
            second.reset();
            third = std::make_unique<QTcpSocket>();
            connect(third.get(), &QTcpSocket::readyRead, this, [&] {
                if (third->bytesAvailable() == 0)
                    spurious = true;
            });
            third->connectToHost(QHostAddress::LocalHost, server.serverPort());
        });
        second->write("b\n");
        first->write("a\n");
        QTRY_VERIFY_WITH_TIMEOUT(third && third->state() == QAbstractSocket::ConnectedState, 30000);
        third->write("c\n");
        QTRY_VERIFY_WITH_TIMEOUT(third->canReadLine(), 30000);
        QCOMPARE(third->readLine(), QByteArray("C\n"));
        QVERIFY(!spurious);
    }

    void childProcessesRunAndTheirEndIsSeen()
    {
        for (int i = 0; i < 5; ++i) {
            QProcess process;
            QSignalSpy finished(&process, &QProcess::finished);
            process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("echo out-%1; echo err >&2").arg(i)});
            QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
            QCOMPARE(process.exitStatus(), QProcess::NormalExit);
            QCOMPARE(process.readAllStandardOutput(), QByteArray("out-") + QByteArray::number(i) + '\n');
            QCOMPARE(process.readAllStandardError(), QByteArray("err\n"));
        }
    }

    void aRegularFileThatEpollRefusesIsStillWatched()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write("x");
        file.flush();
        const int before = installed()->watchedDescriptors();
        QSocketNotifier notifier(file.handle(), QSocketNotifier::Read);
        QSignalSpy activated(&notifier, &QSocketNotifier::activated);
        // Left to Qt's poll(), for which a regular file is always ready.
        QTRY_VERIFY_WITH_TIMEOUT(!activated.isEmpty(), 30000);
        QCOMPARE(installed()->watchedDescriptors(), before);
        notifier.setEnabled(false);
    }
};

int main(int argc, char *argv[])
{
    // As main.cpp does: installed before the application exists.
    auto dispatcher = std::make_unique<EpollEventDispatcher>();
    if (!dispatcher->isValid())
        return 1;
    QCoreApplication::setEventDispatcher(dispatcher.release());
    QCoreApplication app(argc, argv);
    TestEpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
