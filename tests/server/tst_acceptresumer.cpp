// SPDX-License-Identifier: GPL-3.0-or-later
// AcceptResumer on a real listening QTcpServer: a pause whose retry fires after the listener
// has been closed (shutdown) must leave it alone. Qt 6.4's resumeAccepting() dereferences the
// closed server's socket engine; the sanitized run caught mediaforged crashing so at exit.
#include "server/acceptresumer.h"
#include <QHostAddress>
#include <QTcpServer>
#include <QTest>

using namespace Mediaforge;
using namespace std::chrono_literals;

class TestAcceptResumer : public QObject
{
    Q_OBJECT

private slots:
    void retryAfterTheListenerClosedDoesNothing();
    void retryWithRoomResumesAccepting();
};

void TestAcceptResumer::retryAfterTheListenerClosedDoesNothing()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    AcceptResumer resumer(&server, QStringLiteral("test"), 50ms);
    // What QTcpServer signals when accept() fails (EMFILE): the resumer pauses and arms its retry.
    emit server.acceptError(QAbstractSocket::SocketResourceError);
    server.close();
    // Several retry periods pass; without the check the first one ends the process with SIGSEGV.
    QTest::qWait(500);
    QVERIFY(!server.isListening());
    // A pause reported after the close is ignored the same way.
    emit server.acceptError(QAbstractSocket::SocketResourceError);
    QTest::qWait(200);
}

void TestAcceptResumer::retryWithRoomResumesAccepting()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    AcceptResumer resumer(&server, QStringLiteral("test"), 50ms);
    emit server.acceptError(QAbstractSocket::SocketResourceError);
    // This process has descriptors to spare, so the retry resumes: a client is accepted.
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(QTest::qWaitFor([&] { return server.hasPendingConnections(); }, 30000));
}

QTEST_GUILESS_MAIN(TestAcceptResumer)
#include "tst_acceptresumer.moc"
