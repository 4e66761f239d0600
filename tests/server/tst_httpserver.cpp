// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP port's own layer, in process over real loopback sockets: how request heads parse,
// that a file streamed to a client that stops reading holds little memory and is dropped after
// the idle timeout, and that at the connection cap with every connection busy a newcomer is
// answered 503. The end-to-end behaviour against the binary is tests/e2e/test_http.py.
#include "server/httpserver.h"

#include <QFile>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>

using namespace Mediaforge;

namespace {

qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').constFirst().toLongLong() * 1024;
    }
    return -1;
}

// The bytes of a large file, made of a pattern so that the reader can check every byte.
constexpr qint64 kFileBytes = 64 * 1024 * 1024;

QByteArray patternBlock()
{
    QByteArray block(1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < block.size(); ++i)
        block[i] = char(i * 7 + i / 251);
    return block;
}

} // namespace

class TestHttpPortLayer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_file.open());
        const QByteArray block = patternBlock();
        for (qint64 written = 0; written < kFileBytes; written += block.size())
            QCOMPARE(m_file.write(block), block.size());
        QVERIFY(m_file.flush());
    }

    void requestHeadsParse_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<int>("problem");       // 0: parses
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("keepAlive");
        QTest::addColumn<bool>("hasBody");
        QTest::newRow("get") << QByteArray("GET /health HTTP/1.1\r\nHost: x\r\n") << 0 << QByteArray("GET")
                             << QStringLiteral("/health") << true << false;
        QTest::newRow("bare LF") << QByteArray("HEAD /metrics HTTP/1.1\nHost: x\n") << 0 << QByteArray("HEAD")
                                 << QStringLiteral("/metrics") << true << false;
        QTest::newRow("close") << QByteArray("GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n") << 0
                               << QByteArray("GET") << QStringLiteral("/") << false << false;
        QTest::newRow("1.0 default") << QByteArray("GET / HTTP/1.0\r\n") << 0 << QByteArray("GET")
                                     << QStringLiteral("/") << false << false;
        QTest::newRow("1.0 keep-alive") << QByteArray("GET / HTTP/1.0\r\nconnection: keep-alive\r\n") << 0
                                        << QByteArray("GET") << QStringLiteral("/") << true << false;
        QTest::newRow("query") << QByteArray("GET /jobs/ab/output?token=t%2Bk HTTP/1.1\r\n") << 0
                               << QByteArray("GET") << QStringLiteral("/jobs/ab/output") << true << false;
        QTest::newRow("absolute form") << QByteArray("GET http://127.0.0.1:8081/health HTTP/1.1\r\n") << 0
                                       << QByteArray("GET") << QStringLiteral("/health") << true << false;
        QTest::newRow("zero length") << QByteArray("POST /health HTTP/1.1\r\nContent-Length: 0\r\n") << 0
                                     << QByteArray("POST") << QStringLiteral("/health") << true << false;
        QTest::newRow("length") << QByteArray("POST /health HTTP/1.1\r\nContent-Length: 314572800\r\n") << 0
                                << QByteArray("POST") << QStringLiteral("/health") << true << true;
        QTest::newRow("same length twice") << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n")
                                           << 0 << QByteArray("PUT") << QStringLiteral("/") << true << true;
        QTest::newRow("chunked") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n") << 0
                                 << QByteArray("POST") << QStringLiteral("/") << true << true;
        QTest::newRow("no version") << QByteArray("GET /health\r\n") << 400 << QByteArray() << QString() << false << false;
        QTest::newRow("HTTP/2") << QByteArray("GET / HTTP/2.0\r\n") << 505 << QByteArray() << QString() << false << false;
        QTest::newRow("HTTP/1.10") << QByteArray("GET / HTTP/1.10\r\n") << 400 << QByteArray() << QString() << false << false;
        QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\n") << 400 << QByteArray() << QString()
                                         << false << false;
        QTest::newRow("relative target") << QByteArray("GET health HTTP/1.1\r\n") << 400 << QByteArray() << QString()
                                         << false << false;
        QTest::newRow("bad method") << QByteArray("G(T / HTTP/1.1\r\n") << 400 << QByteArray() << QString() << false << false;
        QTest::newRow("folding") << QByteArray("GET / HTTP/1.1\r\nX: a\r\n b\r\n") << 400 << QByteArray() << QString()
                                 << false << false;
        QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n") << 400 << QByteArray()
                                            << QString() << false << false;
        QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\nHost\r\n") << 400 << QByteArray() << QString()
                                  << false << false;
        QTest::newRow("control char") << QByteArray("GET / HTTP/1.1\r\nX: a\x01b\r\n") << 400 << QByteArray()
                                      << QString() << false << false;
        QTest::newRow("negative length") << QByteArray("GET / HTTP/1.1\r\nContent-Length: -1\r\n") << 400
                                         << QByteArray() << QString() << false << false;
        QTest::newRow("signed length") << QByteArray("GET / HTTP/1.1\r\nContent-Length: +5\r\n") << 400
                                       << QByteArray() << QString() << false << false;
        QTest::newRow("huge length") << QByteArray("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n") << 400
                                     << QByteArray() << QString() << false << false;
        QTest::newRow("conflicting lengths") << QByteArray("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n")
                                             << 400 << QByteArray() << QString() << false << false;
        QTest::newRow("empty") << QByteArray() << 400 << QByteArray() << QString() << false << false;
    }
    void requestHeadsParse()
    {
        QFETCH(QByteArray, head);
        QFETCH(int, problem);
        const auto parsed = HttpRequest::parse(head);
        if (problem != 0) {
            QVERIFY(std::holds_alternative<HttpRequest::Problem>(parsed));
            QCOMPARE(std::get<HttpRequest::Problem>(parsed).status, problem);
            return;
        }
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(bool, keepAlive);
        QFETCH(bool, hasBody);
        QVERIFY(std::holds_alternative<HttpRequest>(parsed));
        const HttpRequest &request = std::get<HttpRequest>(parsed);
        QCOMPARE(request.method, method);
        QCOMPARE(request.url.path(), path);
        QCOMPARE(request.keepAlive(), keepAlive);
        QCOMPARE(request.hasBody(), hasBody);
    }

    void headerLookupIsByLowercaseNameAndKeepsTheFirst()
    {
        const auto parsed = HttpRequest::parse("GET / HTTP/1.1\r\nRange:  bytes=0-9 \r\nrange: bytes=5-\r\n");
        QVERIFY(std::holds_alternative<HttpRequest>(parsed));
        QCOMPARE(std::get<HttpRequest>(parsed).header("range"), QByteArray("bytes=0-9"));
        QCOMPARE(std::get<HttpRequest>(parsed).header("host"), QByteArray());
    }

    void aClientThatStopsReadingHoldsLittleMemoryAndIsDroppedAfterTheIdleTimeout()
    {
        HttpLimits limits;
        limits.idleTimeoutMs = 1000;
        HttpServer server(limits, [this](HttpConnection &connection, const HttpRequest &) { streamFile(connection); });
        const quint16 port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port != 0);

        const qint64 before = residentBytes();
        QTcpSocket client;
        client.setReadBufferSize(64 * 1024);   // so that this side stops reading too
        client.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(client.waitForConnected(10000));
        client.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        // The reader never drains its buffer: the kernel buffers fill, the server stops
        // feeding the socket and, after the idle timeout, gives up on it. (The client, its
        // read buffer full, does not look at its socket, so the server side is watched.)
        QVERIFY(QTest::qWaitFor([&] { return server.connectionCount() == 1; }, 10000));
        qint64 peak = before;
        QVERIFY(QTest::qWaitFor([&] {
            peak = std::max(peak, residentBytes());
            return server.connectionCount() == 0;
        }, 60000));
        const qint64 grown = peak - before;
        qInfo("RSS grew by %lld KiB while a %lld MiB file was offered to a client that did not read",
              grown / 1024, kFileBytes / (1024 * 1024));
        QVERIFY2(grown < 16 * 1024 * 1024, qPrintable(QString::number(grown)));
    }

    void aClientThatReadsGetsTheWholeFileOnAKeptAliveConnection()
    {
        HttpServer server(HttpLimits{}, [this](HttpConnection &connection, const HttpRequest &) { streamFile(connection); });
        const quint16 port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port != 0);
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(client.waitForConnected(10000));
        for (int round = 0; round < 2; ++round) {
            client.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
            QByteArray head;
            while (!head.endsWith("\r\n\r\n")) {
                // The server runs in this thread: wait with the event loop, not waitForReadyRead.
                if (!client.bytesAvailable())
                    QVERIFY(QTest::qWaitFor([&] { return client.bytesAvailable() > 0; }, 30000));
                head += client.read(1);
            }
            QVERIFY2(head.startsWith("HTTP/1.1 200 OK\r\n"), head.constData());
            QVERIFY(head.contains(QByteArray("Content-Length: " + QByteArray::number(kFileBytes) + "\r\n")));
            QVERIFY(!head.contains("Connection: close"));
            const QByteArray block = patternBlock();
            qint64 received = 0;
            bool same = true;
            while (received < kFileBytes) {
                if (!client.bytesAvailable())
                    QVERIFY(QTest::qWaitFor([&] { return client.bytesAvailable() > 0; }, 30000));
                const QByteArray data = client.read(kFileBytes - received);
                for (qsizetype i = 0; i < data.size() && same; i += 4099)
                    same = data.at(i) == block.at((received + i) % block.size());
                received += data.size();
            }
            QVERIFY(same);
        }
        QCOMPARE(server.connectionCount(), 1);
    }

    void atTheCapWithEveryConnectionBusyANewcomerGets503()
    {
        HttpLimits limits;
        limits.maxConnections = 1;
        HttpServer server(limits, [this](HttpConnection &connection, const HttpRequest &) { streamFile(connection); });
        const quint16 port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port != 0);
        QTcpSocket busy;
        busy.setReadBufferSize(64 * 1024);
        busy.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(busy.waitForConnected(10000));
        busy.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        // The download is under way and will not finish.
        QVERIFY(QTest::qWaitFor([&] { return busy.bytesAvailable() > 0; }, 10000));

        QTcpSocket newcomer;
        newcomer.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(newcomer.waitForConnected(10000));
        QByteArray answer;
        QVERIFY(QTest::qWaitFor([&] {
            answer += newcomer.readAll();
            return answer.contains("\r\n\r\n") || newcomer.state() == QAbstractSocket::UnconnectedState;
        }, 30000));
        QVERIFY2(answer.startsWith("HTTP/1.1 503 "), answer.constData());
        QCOMPARE(server.connectionCount(), 1);
    }

private:
    void streamFile(HttpConnection &connection)
    {
        auto file = std::make_unique<QFile>(m_file.fileName());
        QVERIFY(file->open(QIODevice::ReadOnly));
        connection.respondWithFile(200, {{"Content-Type", "application/octet-stream"}}, std::move(file), kFileBytes, {});
    }

    QTemporaryFile m_file;
};

QTEST_GUILESS_MAIN(TestHttpPortLayer)
#include "tst_httpserver.moc"
