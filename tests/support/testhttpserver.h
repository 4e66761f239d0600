// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>

class QTcpServer;
class QTcpSocket;

// A small real HTTP/1.1 server for tests, on a loopback address and an ephemeral port. It
// serves what each route says, byte by byte as told (including wrong lengths, stalls and slow
// drips), records every request, and never holds a served file in memory.
//
//     TestHttpServer server;
//     QVERIFY(server.listen());
//     server.setRoute(u"/clip.mp4"_s, TestHttpServer::Response::file(path));
//     server.setRoute(u"/old"_s, TestHttpServer::Response::redirect(301, "/clip.mp4"));
//     ... download server.url(u"/old"_s) ...
//     QCOMPARE(server.requestCount(u"/clip.mp4"_s), 1);
//
// Routes match the request path (the target before '?', as sent, not percent-decoded);
// unknown paths get 404. Connections are kept alive when the response framing allows it.
class TestHttpServer : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QByteArray method;
        QByteArray target;   // as sent: path and query
        QString path;        // target before '?'
        QList<std::pair<QByteArray, QByteArray>> headers;   // in order, names as sent
        QHostAddress peerAddress;
        int connection = 0;  // which accepted connection (1, 2, ...) carried it

        // The first header of that name (case-insensitive); empty when absent.
        QByteArray header(QByteArrayView name) const;
        bool hasHeader(QByteArrayView name) const;
    };

    struct Response
    {
        enum class Framing {
            ContentLength,    // Content-Length: declaredLength (or the real size)
            Chunked,          // Transfer-Encoding: chunked
            CloseDelimited,   // no length; the end of the body is the end of the connection
        };

        int status = 200;
        QList<std::pair<QByteArray, QByteArray>> headers;   // sent as given, after the status
        QByteArray body;      // used when filePath is empty
        QString filePath;     // streamed from disk in pieces; the file is opened per request
        Framing framing = Framing::ContentLength;
        // With ContentLength: the value to announce, -1 for the true size. Any other value is
        // a lie: the real body is sent anyway and the connection is closed after it.
        qint64 declaredLength = -1;
        // Send this many body bytes, then nothing more; the connection stays open until the
        // client gives up. -1: no stall.
        qint64 stallAfterBytes = -1;
        // Slow drip: at most this many body bytes per second. 0: as fast as the socket takes.
        qint64 bytesPerSecond = 0;
        // Wait this long after the request before sending anything.
        std::chrono::milliseconds delay{0};
        // false: read the request and never answer (a server that hangs before the headers).
        bool respond = true;

        static Response data(QByteArray body,
                             QByteArray contentType = QByteArrayLiteral("application/octet-stream"));
        static Response file(const QString &path,
                             QByteArray contentType = QByteArrayLiteral("application/octet-stream"));
        static Response statusPage(int code, QByteArray body = {});
        // Location is sent as given: absolute ("http://127.0.0.1:1234/x") or relative ("/x").
        static Response redirect(int code, QByteArray location);

        // Chainable modifiers for the fields above.
        Response &withHeader(QByteArray name, QByteArray value);
        Response &withContentDisposition(QByteArray value);
        Response &withFraming(Framing framing);
        Response &withDeclaredLength(qint64 length);
        Response &stallingAfter(qint64 bytes);
        Response &drippingAt(qint64 bytesPerSecond);
        Response &delayedBy(std::chrono::milliseconds delay);
        Response &neverResponding();
    };

    using Handler = std::function<Response(const Request &)>;

    explicit TestHttpServer(QObject *parent = nullptr);
    ~TestHttpServer() override;

    // Binds to `address` (any loopback address: 127.0.0.1 by default, 127.0.0.2, ::1) on an
    // ephemeral port. Tests must never bind or send anything beyond loopback.
    bool listen(const QHostAddress &address = QHostAddress(QHostAddress::LocalHost));
    // The same over TLS, with this certificate and key (see makeTestCertificates in the tests).
    bool listenTls(const QSslCertificate &certificate, const QSslKey &privateKey,
                   const QHostAddress &address = QHostAddress(QHostAddress::LocalHost));
    void close();   // stops listening and drops every open connection

    QHostAddress address() const;
    quint16 port() const;
    bool isTls() const { return m_tls; }
    // "127.0.0.1:PORT" ("[::1]:PORT" for IPv6).
    QString authority() const;
    // http(s)://ADDRESS:PORT + path; `path` starts with '/' and may carry a query.
    QUrl url(const QString &path) const;
    // The same URL with another host name in it (for fake-resolver tests): http://NAME:PORT/path.
    QUrl urlWithHost(const QString &host, const QString &path) const;

    void setRoute(const QString &path, const Response &response);
    void setHandler(const QString &path, Handler handler);
    // `count` redirects: prefix/1 -> prefix/2 -> ... -> prefix/count -> target. Returns the path
    // of the first hop (prefix/1).
    QString addRedirectChain(const QString &prefix, int count, const QByteArray &target,
                             int status = 302);
    void clearRoutes();

    int requestCount() const;                       // every request on every path
    int requestCount(const QString &path) const;
    int connectionCount() const;                    // accepted connections
    QList<Request> requests() const;
    // The latest request for `path` (any path when empty); a default Request when none.
    Request lastRequest(const QString &path = {}) const;
    // Body bytes written to sockets so far, over all responses.
    qint64 bodyBytesSent() const { return m_bodyBytesSent; }
    void resetCounters();

signals:
    void requestReceived(const TestHttpServer::Request &request);

private:
    class Connection;
    friend class Connection;

    void acceptPending();
    Response responseFor(const Request &request) const;
    void record(const Request &request);

    std::unique_ptr<QTcpServer> m_server;
    bool m_tls = false;
    QHash<QString, Handler> m_handlers;
    QList<Request> m_requests;
    QHash<QString, int> m_counts;
    QList<QPointer<QObject>> m_open;   // live connections
    int m_connections = 0;
    qint64 m_bodyBytesSent = 0;
};
