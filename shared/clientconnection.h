// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractSocket>
#include <QFile>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QQueue>
#include <QUrl>

#include <functional>

class QTimer;
class QWebSocket;

namespace Mediaforge {

// A protocol level 1 client over one WebSocket, for the CLI and the monitor: connects,
// authenticates (Authorization header and hello.token), matches replies to requests by
// request_id, uploads files in chunks with back-pressure, and hands every other message and
// every output chunk to its users.
class ClientConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected };
    Q_ENUM(State)

    // Called with the reply to a request: its own message type, or an `error` message.
    using ReplyHandler = std::function<void(const QJsonObject &reply)>;

    explicit ClientConnection(QObject *parent = nullptr);
    ~ClientConnection() override;

    // Opens the socket and sends hello; connected() follows welcome, disconnected() any failure.
    void open(const QUrl &url, const QString &token, const QString &clientName);
    void close();
    // How long open() may take until welcome before it gives up with disconnected(); 0 (the
    // default) waits as long as the socket does.
    void setConnectTimeout(int milliseconds) { m_connectTimeoutMs = milliseconds; }

    State state() const { return m_state; }
    QUrl url() const { return m_url; }
    const QJsonObject &welcome() const { return m_welcome; }
    bool isAdmin() const;
    qint64 maxChunkBytes() const;

    // Sends `message` with a fresh request_id; `handler` gets the direct reply. Returns the id.
    QString request(QJsonObject message, ReplyHandler handler = {});
    // Sends without waiting for anything.
    void send(const QJsonObject &message);

    // Uploads a local file as level 1 chunks for `jobId` (the client's job id); at most a few
    // chunks wait in the socket at any time, so memory stays small for any file size.
    // `startOffset`: where a resumed upload goes on (the service's received_bytes).
    void upload(const QString &jobId, const QString &path, int index = -1, qint64 startOffset = 0);
    void cancelUploads(const QString &jobId);

    // One binary message as the service sends it: header fields and payload.
    struct Chunk
    {
        QString jobId;
        QString filename;
        int index = 0;
        qint64 offset = 0;
        bool final = true;
        QByteArray payload;
    };

signals:
    void stateChanged(Mediaforge::ClientConnection::State state);
    void connected(const QJsonObject &welcome);
    // Socket closed or never opened. `closeCode` is the WebSocket close code (1008: refused
    // by policy, e.g. authentication); `unreachable` when no connection could be made at all.
    void disconnected(const QString &reason, int closeCode, bool unreachable);
    // Every text message that is not a direct reply handled by a ReplyHandler.
    void messageReceived(const QJsonObject &message);
    void outputChunk(const Mediaforge::ClientConnection::Chunk &chunk);
    void uploadProgress(const QString &jobId, qint64 sent, qint64 total);
    void uploadFinished(const QString &jobId, const QString &error);

private:
    struct Upload
    {
        QString jobId;
        int index = -1;
        std::shared_ptr<QFile> file;
        qint64 offset = 0;
        qint64 size = 0;
    };

    void onTextMessage(const QString &text);
    void onBinaryMessage(const QByteArray &data);
    void onDisconnected();
    void onSocketError();
    void onConnectTimeout();
    void pumpUploads();
    void setState(State state);

    QWebSocket *m_socket = nullptr;
    QUrl m_url;
    QString m_token;
    QString m_clientName;
    State m_state = State::Disconnected;
    QJsonObject m_welcome;
    QHash<QString, ReplyHandler> m_pending;
    QQueue<Upload> m_uploads;
    quint64 m_nextRequest = 1;
    bool m_everConnected = false;
    bool m_pumping = false;
    int m_connectTimeoutMs = 0;
    QTimer *m_connectTimer = nullptr;
    QString m_overrideReason;   // why we gave up, when it was not the socket's decision
};

} // namespace Mediaforge

Q_DECLARE_METATYPE(Mediaforge::ClientConnection::Chunk)
