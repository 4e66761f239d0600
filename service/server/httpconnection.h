// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "httprequest.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

class QFile;
class QIODevice;
class QTcpSocket;

namespace Mediaforge {

// The limits every connection of the HTTP port lives under.
struct HttpLimits
{
    int headerTimeoutMs = 10000;    // a request head must arrive whole within this (the first from the connection's start)
    int idleTimeoutMs = 15000;      // no request on a kept-alive connection, or a response not being read
    int maxConnections = 64;
    qsizetype maxHeadBytes = 16 * 1024;   // request line and header fields together
};

using HttpHeaders = QList<std::pair<QByteArray, QByteArray>>;

// One client connection of the HTTP port: reads request heads with a bounded buffer and
// deadlines, hands each request to the handler, and writes the answer, streaming files with
// back-pressure. Requests are answered one at a time in order (pipelined ones wait unread in
// the socket, whose read buffer is bounded, so a client that does not read its answers stalls
// only itself). Bodies are never read: a request that announces one is answered 413 and the
// connection closed. Deletes itself when the connection ends.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(HttpConnection &, const HttpRequest &)>;

    HttpConnection(QTcpSocket *socket, const HttpLimits &limits, Handler handler, QObject *parent = nullptr);
    ~HttpConnection() override;

    // An answer to the current request. Content-Length and Connection are added here; for HEAD
    // the body is left out. The handler must call exactly one of these per request.
    void respond(int status, HttpHeaders headers, const QByteArray &contentType, const QByteArray &body);
    void respondError(int status, const QString &code, const QString &message, HttpHeaders headers = {});
    // Streams `length` bytes of `file` from its current position, at most a few hundred KiB
    // queued in the socket at a time; `sent` is told every chunk handed to the socket.
    void respondWithFile(int status, HttpHeaders headers, std::unique_ptr<QFile> file, qint64 length,
                         std::function<void(qint64)> sent);
    // The same from a sequential device that fills as it goes (another node's reply): written
    // as bytes arrive, read only while the socket has room, so a slow client holds the source
    // back. Whoever feeds the device drops the connection when it fails before `length`.
    void respondWithStream(int status, HttpHeaders headers, std::unique_ptr<QIODevice> source, qint64 length,
                           std::function<void(qint64)> sent);
    // The handler answers later (it waits for another node): no INTERNAL_ERROR when it returns
    // without an answer. The idle timeout bounds the wait.
    void deferAnswer();

    // Waiting for a request (not answering one): such connections may be dropped to make
    // room for a new one when the port is at its connection cap.
    bool isIdle() const { return m_state == State::WaitingForRequest; }
    // Bytes of a request have arrived (buffered here, in Qt or still in the kernel): when a
    // connection must be dropped, one that sent nothing goes first.
    bool hasInput() const;
    // When the current wait for a request began; the oldest idle connection is dropped first.
    qint64 waitingSinceMs() const { return m_waitingSince.msecsSinceReference(); }
    qint64 waitingForMs() const { return m_waitingSince.elapsed(); }
    // Closes at once, without an answer.
    void drop();

    static QByteArray statusText(int status);

signals:
    void finished();
    // The connection is being closed by a limit, not by the client: "body", "head_too_large",
    // "bad_request", "header_timeout", "idle_timeout" or "stalled" (for /metrics).
    void closedByLimit(const QByteArray &reason);

private:
    enum class State { WaitingForRequest, Responding, Closing };

    void onReadyRead();
    void onBytesWritten();
    void onTimeout();
    void readRequests();
    void startWaiting();
    void armTimer();
    void endExchange();
    void writeHead(int status, const HttpHeaders &headers, qint64 contentLength);
    void pumpFile();
    void releaseBody();
    void closeAfterWriting();
    void discardInput();
    void finish();

    QPointer<QTcpSocket> m_socket;
    HttpLimits m_limits;
    Handler m_handler;
    State m_state = State::WaitingForRequest;
    QByteArray m_buffer;              // the head being read (and anything pipelined after it)
    QElapsedTimer m_waitingSince;
    QTimer m_timer;
    bool m_headStarted = false;       // bytes of the next request arrived: header deadline runs
    int m_requestsServed = 0;
    bool m_headOnly = false;          // the request being answered is HEAD
    int m_minorVersion = 1;
    bool m_keepAlive = true;
    bool m_answered = false;
    bool m_deferred = false;
    std::unique_ptr<QIODevice> m_file;   // the body being streamed: a file, or another node's reply
    qint64 m_fileRemaining = 0;
    std::function<void(qint64)> m_fileSent;
    qint64 m_discarded = 0;
    bool m_finished = false;
};

} // namespace Mediaforge
