// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpconnection.h"

#include "logging/logging.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <sys/ioctl.h>
#include <sys/socket.h>

namespace Mediaforge {

namespace {

// What Qt may buffer of a connection's input beyond the head being parsed: pipelined requests
// wait here, and once it is full Qt stops reading, so TCP flow control holds back the peer.
constexpr qint64 kReadBufferBytes = 16 * 1024;
// A file is handed to the socket in chunks while fewer than kMaxQueuedBytes wait in it: memory
// per download stays below ~320 KiB however slowly the client reads.
constexpr qint64 kFileChunkBytes = 64 * 1024;
constexpr qint64 kMaxQueuedBytes = 256 * 1024;
// The next pipelined request is only read once the answers before it have left for the kernel,
// so a client that sends requests but reads no answers cannot pile them up here.
constexpr qint64 kWriteHighWaterBytes = 64 * 1024;
// After the last answer on a connection that closes, what the peer still sends (a refused
// body) is read and thrown away for a moment, so that closing does not reset the connection
// before the peer has read the answer; bounded in time and bytes.
constexpr int kLingerMs = 2000;
constexpr qint64 kLingerBytes = 1024 * 1024;

} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, const HttpLimits &limits, Handler handler, QObject *parent)
    : QObject(parent), m_socket(socket), m_limits(limits), m_handler(std::move(handler))
{
    socket->setParent(this);
    socket->setReadBufferSize(kReadBufferBytes);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
    startWaiting();
}

HttpConnection::~HttpConnection() = default;

QByteArray HttpConnection::statusText(int status)
{
    switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Status";
}

void HttpConnection::startWaiting()
{
    m_state = State::WaitingForRequest;
    m_waitingSince.start();
    m_headStarted = false;
    armTimer();
    if (!m_buffer.isEmpty() || (m_socket && m_socket->bytesAvailable() > 0))
        QMetaObject::invokeMethod(this, &HttpConnection::readRequests, Qt::QueuedConnection);
}

void HttpConnection::armTimer()
{
    switch (m_state) {
    case State::WaitingForRequest:
        // A new connection has the header timeout for its first request, counted from the
        // connection's start; a kept-alive one may idle for the idle timeout, and then has
        // the header timeout from the first byte of its next request.
        m_timer.start(m_headStarted || m_requestsServed == 0 ? m_limits.headerTimeoutMs : m_limits.idleTimeoutMs);
        break;
    case State::Responding:
        m_timer.start(m_limits.idleTimeoutMs);
        break;
    case State::Closing:
        m_timer.start(kLingerMs);
        break;
    }
}

void HttpConnection::onTimeout()
{
    if (m_state == State::WaitingForRequest && m_headStarted) {
        // Part of a request arrived, the rest not in time: a slow client or a slowloris.
        qCDebug(lcHttp) << "request head not complete in time; closing";
        emit closedByLimit("header_timeout");
        m_state = State::Responding;
        m_keepAlive = false;
        m_headOnly = false;
        m_buffer.clear();
        respondError(408, QStringLiteral("TIMEOUT"), QStringLiteral("the request did not arrive in time"));
        return;
    }
    // Idle between requests, an answer the client stopped reading, or the end of lingering.
    if (m_state == State::WaitingForRequest)
        emit closedByLimit("idle_timeout");
    else if (m_state == State::Responding)
        emit closedByLimit("stalled");
    qCDebug(lcHttp) << "connection idle or stalled; closing";
    drop();
}

void HttpConnection::onReadyRead()
{
    if (m_state == State::Closing)
        discardInput();
    else if (m_state == State::WaitingForRequest)
        readRequests();
    // While an answer is being written, further requests wait in the bounded socket buffer.
}

void HttpConnection::onBytesWritten()
{
    if (!m_socket)
        return;
    switch (m_state) {
    case State::Responding:
        m_timer.start(m_limits.idleTimeoutMs);   // the client reads: not stalled
        if (m_file)
            pumpFile();
        break;
    case State::WaitingForRequest:
        if (!m_headStarted)
            armTimer();   // an answer still leaving counts as traffic
        readRequests();
        break;
    case State::Closing:
        if (m_socket->bytesToWrite() == 0)
            closeAfterWriting();
        break;
    }
}

void HttpConnection::readRequests()
{
    if (m_state != State::WaitingForRequest || !m_socket)
        return;
    if (m_socket->bytesToWrite() > kWriteHighWaterBytes)
        return;   // resumed by bytesWritten
    const qint64 room = m_limits.maxHeadBytes - m_buffer.size();
    if (room > 0 && m_socket->bytesAvailable() > 0)
        m_buffer += m_socket->read(room);
    // Empty lines before a request line are ignored (RFC 9112, 2.2).
    qsizetype skip = 0;
    while (skip < m_buffer.size() && (m_buffer.at(skip) == '\r' || m_buffer.at(skip) == '\n'))
        ++skip;
    m_buffer.remove(0, skip);
    if (m_buffer.isEmpty())
        return;
    if (!m_headStarted && m_requestsServed > 0) {
        m_headStarted = true;
        m_timer.start(m_limits.headerTimeoutMs);
    }
    m_headStarted = true;

    // The head ends with an empty line; bare LF line ends are accepted as well.
    const qsizetype crlf = m_buffer.indexOf("\n\r\n");
    const qsizetype lf = m_buffer.indexOf("\n\n");
    qsizetype end = -1;
    qsizetype consumed = 0;
    if (crlf >= 0 && (lf < 0 || crlf < lf)) {
        end = crlf + 1;
        consumed = crlf + 3;
    } else if (lf >= 0) {
        end = lf + 1;
        consumed = lf + 2;
    }
    auto refuse = [this](int status, const QString &code, const QString &message) {
        emit closedByLimit(status == 400 || status == 505 ? "bad_request" : "head_too_large");
        m_state = State::Responding;
        m_keepAlive = false;
        m_headOnly = false;
        m_buffer.clear();
        respondError(status, code, message);
    };
    if (end < 0) {
        if (m_buffer.size() < m_limits.maxHeadBytes)
            return;   // more to come, within the header deadline
        const bool inRequestLine = !m_buffer.contains('\n');
        qCDebug(lcHttp) << "request head above" << m_limits.maxHeadBytes << "bytes";
        refuse(inRequestLine ? 414 : 431, QStringLiteral("TOO_LARGE"),
               QStringLiteral("the request head is larger than %1 bytes").arg(m_limits.maxHeadBytes));
        return;
    }

    const QByteArray head = m_buffer.left(end);
    m_buffer.remove(0, consumed);
    auto parsed = HttpRequest::parse(head);
    if (auto *problem = std::get_if<HttpRequest::Problem>(&parsed)) {
        qCDebug(lcHttp) << "bad request:" << problem->reason;
        refuse(problem->status, QStringLiteral("BAD_REQUEST"), QString::fromLatin1(problem->reason));
        return;
    }
    const HttpRequest &request = std::get<HttpRequest>(parsed);
    m_state = State::Responding;
    m_timer.stop();
    ++m_requestsServed;
    m_headOnly = request.isHead();
    m_minorVersion = request.minorVersion;
    m_keepAlive = request.keepAlive();
    m_answered = false;
    m_deferred = false;
    if (request.hasBody()) {
        // No route takes a body: answer before a byte of it is read, and close, since the
        // body's bytes would otherwise be taken for the next request.
        qCDebug(lcHttp) << "refusing a request body of" << request.contentLength << "bytes";
        emit closedByLimit("body");
        m_keepAlive = false;
        respondError(413, QStringLiteral("TOO_LARGE"), QStringLiteral("this resource takes no request body"));
        return;
    }
    m_handler(*this, request);
    if (!m_answered && !m_deferred && !m_finished && m_state == State::Responding) {
        qCWarning(lcHttp) << "a route did not answer" << request.method << request.url.path();
        respondError(500, QStringLiteral("INTERNAL_ERROR"), QStringLiteral("no answer"));
    }
}

void HttpConnection::deferAnswer()
{
    m_deferred = true;
    m_timer.start(m_limits.idleTimeoutMs);
}

void HttpConnection::writeHead(int status, const HttpHeaders &headers, qint64 contentLength)
{
    m_answered = true;
    m_deferred = false;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusText(status) + "\r\n";
    for (const auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
    head += "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
    if (!m_keepAlive)
        head += "Connection: close\r\n";
    else if (m_minorVersion == 0)
        head += "Connection: keep-alive\r\n";
    head += "\r\n";
    m_socket->write(head);
}

void HttpConnection::respond(int status, HttpHeaders headers, const QByteArray &contentType, const QByteArray &body)
{
    if (!m_socket || m_state != State::Responding)
        return;
    headers.prepend(HttpHeaders::value_type("Content-Type", contentType));
    writeHead(status, headers, body.size());
    if (!m_headOnly)
        m_socket->write(body);
    endExchange();
}

void HttpConnection::respondError(int status, const QString &code, const QString &message, HttpHeaders headers)
{
    const QJsonObject body{{QStringLiteral("error"),
                            QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}};
    headers.append(HttpHeaders::value_type("Cache-Control", "no-store"));
    respond(status, headers, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact));
}

void HttpConnection::respondWithFile(int status, HttpHeaders headers, std::unique_ptr<QFile> file, qint64 length,
                                     std::function<void(qint64)> sent)
{
    respondWithStream(status, std::move(headers), std::move(file), length, std::move(sent));
}

void HttpConnection::respondWithStream(int status, HttpHeaders headers, std::unique_ptr<QIODevice> source,
                                       qint64 length, std::function<void(qint64)> sent)
{
    if (!m_socket || m_state != State::Responding) {
        if (source)
            source.release()->deleteLater();
        return;
    }
    writeHead(status, headers, length);
    if (m_headOnly || length <= 0) {
        if (source)
            source.release()->deleteLater();
        endExchange();
        return;
    }
    m_file = std::move(source);
    if (m_file->isSequential())
        connect(m_file.get(), &QIODevice::readyRead, this, &HttpConnection::pumpFile);
    m_fileRemaining = length;
    m_fileSent = std::move(sent);
    m_timer.start(m_limits.idleTimeoutMs);
    pumpFile();
}

void HttpConnection::releaseBody()
{
    // Later, not now: this may run inside one of the device's own signals.
    if (m_file) {
        m_file->disconnect(this);
        m_file.release()->deleteLater();
    }
    m_fileSent = nullptr;
}

void HttpConnection::pumpFile()
{
    while (m_socket && m_file && m_fileRemaining > 0 && m_socket->bytesToWrite() < kMaxQueuedBytes) {
        const QByteArray data = m_file->read(std::min(kFileChunkBytes, m_fileRemaining));
        if (data.isEmpty() && m_file->isSequential())
            return;   // more when the device's readyRead comes
        if (data.isEmpty()) {
            // The file shrank or failed under us: the head is out, so only a cut connection
            // tells the client that the body is incomplete.
            qCWarning(lcHttp) << "output file ended early; closing the download";
            drop();
            return;
        }
        m_fileRemaining -= data.size();
        if (m_fileSent)
            m_fileSent(data.size());
        m_socket->write(data);
    }
    if (m_file && m_fileRemaining == 0) {
        releaseBody();
        endExchange();
    }
}

void HttpConnection::endExchange()
{
    if (m_finished)
        return;
    if (m_keepAlive) {
        startWaiting();
        return;
    }
    m_state = State::Closing;
    armTimer();
    closeAfterWriting();
}

void HttpConnection::closeAfterWriting()
{
    if (!m_socket || m_socket->bytesToWrite() > 0)
        return;   // again from bytesWritten
    // Half-close: the answer and then FIN reach the peer, and whatever it still sends is
    // discarded until it closes or lingering ends.
    if (m_socket->socketDescriptor() != -1)
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    discardInput();
}

void HttpConnection::discardInput()
{
    m_buffer.clear();
    char scratch[16 * 1024];
    while (m_socket && m_socket->bytesAvailable() > 0) {
        const qint64 read = m_socket->read(scratch, sizeof scratch);
        if (read <= 0)
            break;
        m_discarded += read;
        if (m_discarded > kLingerBytes) {
            drop();
            return;
        }
    }
}

bool HttpConnection::hasInput() const
{
    if (!m_buffer.isEmpty())
        return true;
    if (!m_socket)
        return false;
    if (m_socket->bytesAvailable() > 0)
        return true;
    int queued = 0;
    return m_socket->socketDescriptor() != -1 && ::ioctl(int(m_socket->socketDescriptor()), FIONREAD, &queued) == 0
            && queued > 0;
}

void HttpConnection::drop()
{
    if (m_socket)
        m_socket->abort();
    finish();
}

void HttpConnection::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_timer.stop();
    releaseBody();
    emit finished();
    deleteLater();
}

} // namespace Mediaforge
