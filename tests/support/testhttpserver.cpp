// SPDX-License-Identifier: GPL-3.0-or-later
#include "testhttpserver.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QFile>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <utility>

namespace {

constexpr qsizetype kMaxRequestHead = 64 * 1024;
constexpr qint64 kPiece = 64 * 1024;
// Stop feeding the socket while this much is still unsent: what a slow client does not read
// stays on disk, not in the server's memory.
constexpr qint64 kMaxQueued = 256 * 1024;
constexpr int kDripTickMs = 20;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

bool hasNoBody(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

} // namespace

// ---------------------------------------------------------------------------------------------

QByteArray TestHttpServer::Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool TestHttpServer::Request::hasHeader(QByteArrayView name) const
{
    for (const auto &entry : headers) {
        if (QByteArrayView(entry.first).compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

TestHttpServer::Response TestHttpServer::Response::data(QByteArray body, QByteArray contentType)
{
    Response response;
    response.body = std::move(body);
    response.headers.append({QByteArrayLiteral("Content-Type"), std::move(contentType)});
    return response;
}

TestHttpServer::Response TestHttpServer::Response::file(const QString &path, QByteArray contentType)
{
    Response response;
    response.filePath = path;
    response.headers.append({QByteArrayLiteral("Content-Type"), std::move(contentType)});
    return response;
}

TestHttpServer::Response TestHttpServer::Response::statusPage(int code, QByteArray body)
{
    Response response;
    response.status = code;
    response.body = std::move(body);
    response.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain")});
    return response;
}

TestHttpServer::Response TestHttpServer::Response::redirect(int code, QByteArray location)
{
    Response response;
    response.status = code;
    response.headers.append({QByteArrayLiteral("Location"), std::move(location)});
    response.body = QByteArrayLiteral("redirecting");
    return response;
}

TestHttpServer::Response &TestHttpServer::Response::withHeader(QByteArray name, QByteArray value)
{
    headers.append({std::move(name), std::move(value)});
    return *this;
}

TestHttpServer::Response &TestHttpServer::Response::withContentDisposition(QByteArray value)
{
    return withHeader(QByteArrayLiteral("Content-Disposition"), std::move(value));
}

TestHttpServer::Response &TestHttpServer::Response::withFraming(Framing value)
{
    framing = value;
    return *this;
}

TestHttpServer::Response &TestHttpServer::Response::withDeclaredLength(qint64 length)
{
    framing = Framing::ContentLength;
    declaredLength = length;
    return *this;
}

TestHttpServer::Response &TestHttpServer::Response::stallingAfter(qint64 bytes)
{
    stallAfterBytes = bytes;
    return *this;
}

TestHttpServer::Response &TestHttpServer::Response::drippingAt(qint64 rate)
{
    bytesPerSecond = rate;
    return *this;
}

TestHttpServer::Response &TestHttpServer::Response::delayedBy(std::chrono::milliseconds value)
{
    delay = value;
    return *this;
}

TestHttpServer::Response &TestHttpServer::Response::neverResponding()
{
    respond = false;
    return *this;
}

// ---------------------------------------------------------------------------------------------

// One accepted connection: reads requests one after another and writes each response as its
// route says, pulling body bytes from the source only as fast as the socket drains.
class TestHttpServer::Connection : public QObject
{
public:
    Connection(TestHttpServer *server, QTcpSocket *socket, int id)
        : QObject(server), m_server(server), m_socket(socket), m_id(id)
    {
        m_socket->setParent(this);
        m_dripTimer.setInterval(kDripTickMs);
        connect(&m_dripTimer, &QTimer::timeout, this, [this] { pump(); });
        connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        connect(m_socket, &QTcpSocket::bytesWritten, this, [this] { pump(); });
        connect(m_socket, &QTcpSocket::disconnected, this, [this] {
            m_dripTimer.stop();
            deleteLater();
        });
        if (m_socket->bytesAvailable() > 0)
            onReadyRead();
    }

    void drop()
    {
        m_dripTimer.stop();
        m_socket->abort();
        deleteLater();
    }

private:
    void onReadyRead()
    {
        m_in += m_socket->readAll();
        if (!m_busy)
            processBuffer();
    }

    void processBuffer()
    {
        if (m_discard > 0) {
            const qint64 skip = std::min<qint64>(m_discard, m_in.size());
            m_in.remove(0, skip);
            m_discard -= skip;
            if (m_discard > 0)
                return;
        }
        const qsizetype end = m_in.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_in.size() > kMaxRequestHead) {
                m_socket->write("HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                "Content-Length: 0\r\nConnection: close\r\n\r\n");
                m_socket->disconnectFromHost();
                m_busy = true;
            }
            return;
        }
        const QByteArray head = m_in.left(end);
        m_in.remove(0, end + 4);
        const QList<QByteArray> lines = head.split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        Request request;
        request.method = requestLine.value(0);
        request.target = requestLine.value(1);
        const QByteArray version = requestLine.value(2);
        const qsizetype query = request.target.indexOf('?');
        request.path = QString::fromLatin1(query < 0 ? request.target : request.target.left(query));
        request.peerAddress = m_socket->peerAddress();
        request.connection = m_id;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            request.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        m_busy = true;
        m_server->record(request);
        const QByteArray requestLength = request.header("Content-Length");
        m_discard = requestLength.isEmpty() ? 0 : requestLength.toLongLong();
        m_keepAliveRequested = version == "HTTP/1.1"
                && request.header("Connection").compare("close", Qt::CaseInsensitive) != 0;
        m_head = request.method == "HEAD";
        Response response = m_server->responseFor(request);
        if (!response.respond)
            return;
        if (response.delay.count() > 0) {
            QTimer::singleShot(response.delay, this,
                               [this, response = std::move(response)] { startResponse(response); });
        } else {
            startResponse(response);
        }
    }

    void startResponse(const Response &response)
    {
        m_response = response;
        m_sent = 0;
        m_ended = false;
        qint64 size = 0;
        if (!response.filePath.isEmpty()) {
            auto file = std::make_unique<QFile>(response.filePath);
            if (!file->open(QIODevice::ReadOnly)) {
                qWarning("TestHttpServer: cannot open %s", qPrintable(response.filePath));
                m_response = Response::statusPage(500, QByteArrayLiteral("cannot open the file"));
                startResponse(m_response);
                return;
            }
            size = file->size();
            m_source = std::move(file);
        } else {
            m_bodyData = response.body;
            auto buffer = std::make_unique<QBuffer>(&m_bodyData);
            buffer->open(QIODevice::ReadOnly);
            size = m_bodyData.size();
            m_source = std::move(buffer);
        }
        const bool noBody = hasNoBody(response.status);
        if (noBody)
            size = 0;
        m_limit = m_head ? 0 : size;
        if (response.stallAfterBytes >= 0)
            m_limit = std::min(m_limit, response.stallAfterBytes);

        const bool honestLength = response.framing == Response::Framing::ContentLength
                && (response.declaredLength < 0 || response.declaredLength == size);
        const bool chunked = response.framing == Response::Framing::Chunked && !noBody;
        m_chunked = chunked && !m_head;
        m_keepAlive = m_keepAliveRequested && response.stallAfterBytes < 0
                && (honestLength || chunked || noBody);

        QByteArray out = "HTTP/1.1 " + QByteArray::number(response.status) + ' '
                + reasonPhrase(response.status) + "\r\n";
        for (const auto &[name, value] : response.headers)
            out += name + ": " + value + "\r\n";
        if (!noBody) {
            if (response.framing == Response::Framing::ContentLength) {
                const qint64 declared = response.declaredLength < 0 ? size : response.declaredLength;
                out += "Content-Length: " + QByteArray::number(declared) + "\r\n";
            } else if (chunked) {
                out += "Transfer-Encoding: chunked\r\n";
            }
        }
        out += m_keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
        out += "\r\n";
        m_socket->write(out);
        m_clock.start();
        m_responding = true;
        if (m_response.bytesPerSecond > 0)
            m_dripTimer.start();
        pump();
    }

    void pump()
    {
        if (!m_responding || m_ended)
            return;
        while (m_sent < m_limit && m_socket->bytesToWrite() < kMaxQueued) {
            qint64 want = std::min(kPiece, m_limit - m_sent);
            if (m_response.bytesPerSecond > 0) {
                const qint64 allowed = m_response.bytesPerSecond * m_clock.elapsed() / 1000 - m_sent;
                if (allowed <= 0)
                    return;
                want = std::min(want, allowed);
            }
            const QByteArray piece = m_source->read(want);
            if (piece.isEmpty()) {
                m_limit = m_sent;   // the file ended early (or shrank): send what there was
                break;
            }
            if (m_chunked)
                m_socket->write(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
            else
                m_socket->write(piece);
            m_sent += piece.size();
            m_server->m_bodyBytesSent += piece.size();
        }
        if (m_sent < m_limit)
            return;
        if (m_response.stallAfterBytes >= 0) {
            // Stalled on purpose: keep the connection open and silent.
            m_ended = true;
            m_dripTimer.stop();
            return;
        }
        endResponse();
    }

    void endResponse()
    {
        m_ended = true;
        m_responding = false;
        m_dripTimer.stop();
        if (m_chunked)
            m_socket->write("0\r\n\r\n");
        m_source.reset();
        if (!m_keepAlive) {
            m_socket->disconnectFromHost();
            return;
        }
        m_busy = false;
        if (!m_in.isEmpty())
            processBuffer();
    }

    TestHttpServer *m_server;
    QTcpSocket *m_socket;
    int m_id;
    QByteArray m_in;
    qint64 m_discard = 0;
    bool m_busy = false;
    bool m_keepAliveRequested = true;
    bool m_head = false;

    Response m_response;
    QByteArray m_bodyData;
    std::unique_ptr<QIODevice> m_source;
    qint64 m_limit = 0;
    qint64 m_sent = 0;
    bool m_chunked = false;
    bool m_keepAlive = false;
    bool m_responding = false;
    bool m_ended = false;
    QElapsedTimer m_clock;
    QTimer m_dripTimer;
};

// ---------------------------------------------------------------------------------------------

TestHttpServer::TestHttpServer(QObject *parent) : QObject(parent) { }

TestHttpServer::~TestHttpServer()
{
    close();
}

bool TestHttpServer::listen(const QHostAddress &address)
{
    if (!address.isLoopback()) {
        qWarning("TestHttpServer: refusing to listen beyond loopback");
        return false;
    }
    close();
    m_tls = false;
    m_server = std::make_unique<QTcpServer>();
    connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, this,
            &TestHttpServer::acceptPending);
    return m_server->listen(address, 0);
}

bool TestHttpServer::listenTls(const QSslCertificate &certificate, const QSslKey &privateKey,
                               const QHostAddress &address)
{
    if (!address.isLoopback()) {
        qWarning("TestHttpServer: refusing to listen beyond loopback");
        return false;
    }
    close();
    m_tls = true;
    auto server = std::make_unique<QSslServer>();
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificate(certificate);
    configuration.setPrivateKey(privateKey);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    server->setSslConfiguration(configuration);
    m_server = std::move(server);
    // QSslServer makes a connection pending only once its handshake has completed.
    connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, this,
            &TestHttpServer::acceptPending);
    return m_server->listen(address, 0);
}

void TestHttpServer::close()
{
    if (m_server)
        m_server->close();
    const QList<QPointer<QObject>> open = std::exchange(m_open, {});
    for (const QPointer<QObject> &connection : open) {
        if (connection)
            static_cast<Connection *>(connection.data())->drop();
    }
}

QHostAddress TestHttpServer::address() const
{
    return m_server ? m_server->serverAddress() : QHostAddress();
}

quint16 TestHttpServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

QString TestHttpServer::authority() const
{
    const QHostAddress host = address();
    const QString name = host.protocol() == QAbstractSocket::IPv6Protocol
            ? u'[' + host.toString() + u']'
            : host.toString();
    return name + u':' + QString::number(port());
}

QUrl TestHttpServer::url(const QString &path) const
{
    return QUrl((m_tls ? QStringLiteral("https://") : QStringLiteral("http://")) + authority() + path);
}

QUrl TestHttpServer::urlWithHost(const QString &host, const QString &path) const
{
    return QUrl((m_tls ? QStringLiteral("https://") : QStringLiteral("http://")) + host + u':'
                + QString::number(port()) + path);
}

void TestHttpServer::setRoute(const QString &path, const Response &response)
{
    m_handlers.insert(path, [response](const Request &) { return response; });
}

void TestHttpServer::setHandler(const QString &path, Handler handler)
{
    m_handlers.insert(path, std::move(handler));
}

QString TestHttpServer::addRedirectChain(const QString &prefix, int count, const QByteArray &target,
                                         int status)
{
    for (int i = 1; i <= count; ++i) {
        const QString path = prefix + u'/' + QString::number(i);
        const QByteArray next = i == count ? target : (prefix + u'/' + QString::number(i + 1)).toUtf8();
        setRoute(path, Response::redirect(status, next));
    }
    return prefix + QStringLiteral("/1");
}

void TestHttpServer::clearRoutes()
{
    m_handlers.clear();
}

int TestHttpServer::requestCount() const
{
    return int(m_requests.size());
}

int TestHttpServer::requestCount(const QString &path) const
{
    return m_counts.value(path);
}

int TestHttpServer::connectionCount() const
{
    return m_connections;
}

QList<TestHttpServer::Request> TestHttpServer::requests() const
{
    return m_requests;
}

TestHttpServer::Request TestHttpServer::lastRequest(const QString &path) const
{
    for (auto it = m_requests.crbegin(); it != m_requests.crend(); ++it) {
        if (path.isEmpty() || it->path == path)
            return *it;
    }
    return {};
}

void TestHttpServer::resetCounters()
{
    m_requests.clear();
    m_counts.clear();
    m_connections = 0;
    m_bodyBytesSent = 0;
}

void TestHttpServer::acceptPending()
{
    while (m_server && m_server->hasPendingConnections()) {
        QTcpSocket *socket = m_server->nextPendingConnection();
        if (!socket)
            break;
        m_open.removeAll(QPointer<QObject>());
        m_open.append(new Connection(this, socket, ++m_connections));
    }
}

TestHttpServer::Response TestHttpServer::responseFor(const Request &request) const
{
    const auto it = m_handlers.constFind(request.path);
    if (it == m_handlers.constEnd())
        return Response::statusPage(404, QByteArrayLiteral("no such route"));
    return (*it)(request);
}

void TestHttpServer::record(const Request &request)
{
    m_requests.append(request);
    ++m_counts[request.path];
    emit requestReceived(request);
}
