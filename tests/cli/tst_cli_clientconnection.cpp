// SPDX-License-Identifier: GPL-3.0-or-later
// The failures of ClientConnection::open() that the CLI turns into exit 3 and 4: nobody
// listening, a peer that never completes the handshake, a service that refuses the token.
// Each is reported exactly once through disconnected().
#include "clientconnection.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Mediaforge;

class TestCliClientConnection : public QObject
{
    Q_OBJECT

private slots:
    void refusedIsUnreachableOnce();
    void silentPeerTimesOut();
    void plainHttpPortIsUnreachable();
    void closeCode1008ReachesTheUser();
    void welcomeMakesItConnected();
};

void TestCliClientConnection::refusedIsUnreachableOnce()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();

    ClientConnection connection;
    QSignalSpy disconnected(&connection, &ClientConnection::disconnected);
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)), QString(), QStringLiteral("test"));
    QVERIFY(disconnected.wait(5000));
    QTest::qWait(100);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).toString(), QStringLiteral("Connection refused"));
    QCOMPARE(disconnected.at(0).at(2).toBool(), true);
    QCOMPARE(connection.state(), ClientConnection::State::Disconnected);
}

void TestCliClientConnection::silentPeerTimesOut()
{
    // Accepts the TCP connection, never answers the WebSocket upgrade.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> accepted;
    connect(&silent, &QTcpServer::newConnection, this, [&] { accepted.append(silent.nextPendingConnection()); });

    ClientConnection connection;
    connection.setConnectTimeout(300);
    QSignalSpy disconnected(&connection, &ClientConnection::disconnected);
    QSignalSpy connected(&connection, &ClientConnection::connected);
    QElapsedTimer clock;
    clock.start();
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(silent.serverPort())), QString(), QStringLiteral("test"));
    QVERIFY(disconnected.wait(5000));
    QVERIFY2(clock.elapsed() >= 250 && clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
    QTest::qWait(100);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(connected.size(), 0);
    QCOMPARE(disconnected.at(0).at(0).toString(), QStringLiteral("connection timed out after 0.3 s"));
    QCOMPARE(disconnected.at(0).at(2).toBool(), true);
    QCOMPARE(accepted.size(), 1);
}

void TestCliClientConnection::plainHttpPortIsUnreachable()
{
    // What the service's HTTP port says to a WebSocket upgrade.
    QTcpServer http;
    QVERIFY(http.listen(QHostAddress::LocalHost, 0));
    connect(&http, &QTcpServer::newConnection, this, [&http] {
        QTcpSocket *socket = http.nextPendingConnection();
        connect(socket, &QTcpSocket::readyRead, socket, [socket] {
            socket->readAll();
            socket->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
        });
    });
    ClientConnection connection;
    QSignalSpy disconnected(&connection, &ClientConnection::disconnected);
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(http.serverPort())), QString(), QStringLiteral("test"));
    QVERIFY(disconnected.wait(5000));
    QTest::qWait(100);
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(0).toString(), QStringLiteral("Unhandled http status code: 404 (Not Found)."));
    QCOMPARE(disconnected.at(0).at(2).toBool(), true);
}

void TestCliClientConnection::closeCode1008ReachesTheUser()
{
    QWebSocketServer server(QStringLiteral("refuser"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &QWebSocketServer::newConnection, this, [&server] {
        QWebSocket *socket = server.nextPendingConnection();
        socket->setParent(&server);   // the caller owns what nextPendingConnection() returns
        socket->sendTextMessage(QStringLiteral(R"({"type":"error","code":"UNAUTHORIZED","message":"authentication required: invalid token"})"));
        socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("invalid token"));
    });
    ClientConnection connection;
    QSignalSpy messages(&connection, &ClientConnection::messageReceived);
    QSignalSpy disconnected(&connection, &ClientConnection::disconnected);
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())), QStringLiteral("bad-token-bad-token"),
                    QStringLiteral("test"));
    QVERIFY(disconnected.wait(5000));
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(disconnected.at(0).at(1).toInt(), 1008);
    QCOMPARE(disconnected.at(0).at(0).toString(), QStringLiteral("invalid token"));
    QCOMPARE(disconnected.at(0).at(2).toBool(), false);
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.at(0).at(0).toJsonObject().value(QStringLiteral("code")).toString(), QStringLiteral("UNAUTHORIZED"));
}

void TestCliClientConnection::welcomeMakesItConnected()
{
    QWebSocketServer server(QStringLiteral("welcomer"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QByteArray authorization;
    connect(&server, &QWebSocketServer::newConnection, this, [&] {
        QWebSocket *socket = server.nextPendingConnection();
        socket->setParent(&server);   // the caller owns what nextPendingConnection() returns
        authorization = socket->request().rawHeader("Authorization");
        connect(socket, &QWebSocket::textMessageReceived, socket, [socket](const QString &text) {
            const QJsonObject hello = QJsonDocument::fromJson(text.toUtf8()).object();
            QJsonObject welcome{{QStringLiteral("type"), QStringLiteral("welcome")},
                                {QStringLiteral("protocol"), 1},
                                {QStringLiteral("role"), QStringLiteral("admin")},
                                {QStringLiteral("request_id"), hello.value(QStringLiteral("request_id"))},
                                {QStringLiteral("client"), hello.value(QStringLiteral("client"))},
                                {QStringLiteral("token"), hello.value(QStringLiteral("token"))}};
            socket->sendTextMessage(QString::fromUtf8(QJsonDocument(welcome).toJson(QJsonDocument::Compact)));
        });
    });
    ClientConnection connection;
    connection.setConnectTimeout(500);
    QSignalSpy connected(&connection, &ClientConnection::connected);
    QSignalSpy disconnected(&connection, &ClientConnection::disconnected);
    connection.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(server.serverPort())), QStringLiteral("good-token-good-token"),
                    QStringLiteral("mediaforge/test"));
    QVERIFY(connected.wait(5000));
    QVERIFY(connection.isAdmin());
    QCOMPARE(authorization, QByteArray("Bearer good-token-good-token"));
    const QJsonObject welcome = connected.at(0).at(0).toJsonObject();
    QCOMPARE(welcome.value(QStringLiteral("client")).toString(), QStringLiteral("mediaforge/test"));
    QCOMPARE(welcome.value(QStringLiteral("token")).toString(), QStringLiteral("good-token-good-token"));
    // The connect timeout is over once welcome came.
    QTest::qWait(800);
    QCOMPARE(disconnected.size(), 0);
    QCOMPARE(connection.state(), ClientConnection::State::Connected);
}

QTEST_GUILESS_MAIN(TestCliClientConnection)
#include "tst_cli_clientconnection.moc"
