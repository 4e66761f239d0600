// SPDX-License-Identifier: GPL-3.0-or-later
// OutputSender over a real WebSocket pair on loopback: every delivery it accepts reaches the
// peer whole and in order, also when the next one is asked for in the instant between the end
// of one delivery and the start of the next (a fetch_output answered while the previous one
// finishes lost a delivery before).
#include "server/bytebudget.h"
#include "server/outputsender.h"

#include "binaryframe.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <memory>

using namespace Mediaforge;

class TestOutputSender : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void deliveriesAskedForAsOneEndsAreAllSent_data();
    void deliveriesAskedForAsOneEndsAreAllSent();

private:
    OutputSender::Delivery delivery(const QString &id, bool chunked) const;

    QTemporaryDir m_dir;
    QString m_path;
    QByteArray m_content;
    std::unique_ptr<QWebSocketServer> m_server;
    std::unique_ptr<QWebSocket> m_client;
    QWebSocket *m_serverSide = nullptr;
};

void TestOutputSender::init()
{
    QVERIFY(m_dir.isValid());
    // Larger than what the sender lets wait in the socket, so that each delivery has to wait
    // for the peer to read before it goes on.
    m_content.resize(6 * 1024 * 1024);
    for (qsizetype i = 0; i < m_content.size(); ++i)
        m_content[i] = char((i * 7919) % 251);
    m_path = m_dir.filePath(QStringLiteral("output.bin"));
    QFile file(m_path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(m_content), m_content.size());
    file.close();

    m_server = std::make_unique<QWebSocketServer>(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
    QVERIFY(m_server->listen(QHostAddress::LocalHost));
    QSignalSpy connected(m_server.get(), &QWebSocketServer::newConnection);
    m_client = std::make_unique<QWebSocket>();
    m_client->setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
    m_client->open(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_server->serverPort())));
    QVERIFY(connected.wait(10000));
    m_serverSide = m_server->nextPendingConnection();
    QVERIFY(m_serverSide);
    // The caller owns what nextPendingConnection() returns.
    m_serverSide->setParent(m_server.get());
    QTRY_COMPARE_WITH_TIMEOUT(m_client->state(), QAbstractSocket::ConnectedState, 10000);
}

void TestOutputSender::cleanup()
{
    m_client.reset();
    m_server.reset();
    m_serverSide = nullptr;
}

OutputSender::Delivery TestOutputSender::delivery(const QString &id, bool chunked) const
{
    JobOutput output;
    output.path = m_path;
    output.fileName = QStringLiteral("output.bin");
    output.size = m_content.size();
    return OutputSender::Delivery{id, id, {output}, -1, chunked, QJsonValue()};
}

void TestOutputSender::deliveriesAskedForAsOneEndsAreAllSent_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::newRow("level 0, whole") << false;
    QTest::newRow("level 1, chunked") << true;
}

void TestOutputSender::deliveriesAskedForAsOneEndsAreAllSent()
{
    QFETCH(bool, chunked);
    ByteBudget budget(256 * 1024 * 1024);
    OutputSender sender(m_serverSide, 1024 * 1024, 64 * 1024 * 1024, &budget);

    // What the peer gets, put back together per delivery.
    QHash<QString, QByteArray> received;
    QStringList order;
    connect(m_client.get(), &QWebSocket::binaryMessageReceived, this, [&](const QByteArray &message) {
        const Result<BinaryFrame> decoded = BinaryFrame::parse(message);
        QVERIFY(decoded.ok());
        const QString jobId = decoded->header.value(QStringLiteral("job_id")).toString();
        if (!received.contains(jobId))
            order << jobId;
        received[jobId].append(decoded->payload.toByteArray());
    });

    QStringList finished;
    connect(&sender, &OutputSender::deliveryFinished, this, [&](const QString &id) {
        finished << id;
        // As a fetch_output would: two more are asked for the moment the first one ends.
        if (id == QStringLiteral("first")) {
            sender.enqueue(delivery(QStringLiteral("second"), chunked));
            sender.enqueue(delivery(QStringLiteral("third"), chunked));
        }
    });
    sender.enqueue(delivery(QStringLiteral("first"), chunked));

    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 30000);
    QCOMPARE(finished, (QStringList{QStringLiteral("first"), QStringLiteral("second"), QStringLiteral("third")}));
    QTRY_COMPARE_WITH_TIMEOUT(order.size(), 3, 30000);
    QCOMPARE(order, finished);
    for (const QString &id : order)
        QTRY_VERIFY2_WITH_TIMEOUT(received.value(id) == m_content, qPrintable(id), 30000);
    QVERIFY(sender.isIdle());
    // Everything was read, so the service-wide budget is whole again.
    QTRY_COMPARE_WITH_TIMEOUT(budget.used(), qint64(0), 30000);
}

QTEST_GUILESS_MAIN(TestOutputSender)
#include "tst_outputsender.moc"
