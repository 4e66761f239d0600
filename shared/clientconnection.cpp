// SPDX-License-Identifier: GPL-3.0-or-later
#include "clientconnection.h"

#include "binaryframe.h"
#include "protocol.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QTimer>
#include <QWebSocket>

#include <utility>

namespace Mediaforge {

using namespace Protocol;

ClientConnection::ClientConnection(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<Chunk>();
}

ClientConnection::~ClientConnection()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

void ClientConnection::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

bool ClientConnection::isAdmin() const
{
    return m_welcome.value(Field::Role).toString() == QLatin1StringView("admin");
}

qint64 ClientConnection::maxChunkBytes() const
{
    const qint64 chunk = qint64(m_welcome.value(Field::Limits).toObject().value(QStringLiteral("max_chunk_bytes")).toDouble());
    return chunk > 0 ? chunk : 1024 * 1024;
}

void ClientConnection::open(const QUrl &url, const QString &token, const QString &clientName)
{
    close();
    m_url = url;
    m_token = token;
    m_clientName = clientName;
    m_everConnected = false;
    m_overrideReason.clear();
    m_welcome = QJsonObject();
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    // Outputs arrive in chunks of at most max_chunk_bytes; a level 0 whole-file fetch is the
    // only bigger message and is bounded by the service.
    m_socket->setMaxAllowedIncomingMessageSize(quint64(2047) * 1024 * 1024);
    connect(m_socket, &QWebSocket::connected, this, [this] {
        m_everConnected = true;
        QJsonObject hello{{QString(Field::Type), QString(Type::Hello)},
                          {QString(Field::Protocol), kLevel},
                          {QString(Field::Client), m_clientName}};
        if (!m_token.isEmpty())
            hello.insert(QString(Field::Token), m_token);
        request(hello, [this](const QJsonObject &reply) {
            if (reply.value(Field::Type).toString() != Type::Welcome) {
                // An error reply to hello (the service closes with 1008 on auth failure).
                emit messageReceived(reply);
                return;
            }
            m_welcome = reply;
            if (m_connectTimer)
                m_connectTimer->stop();
            setState(State::Connected);
            emit connected(reply);
        });
    });
    connect(m_socket, &QWebSocket::textMessageReceived, this, &ClientConnection::onTextMessage);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &ClientConnection::onBinaryMessage);
    connect(m_socket, &QWebSocket::disconnected, this, &ClientConnection::onDisconnected);
    connect(m_socket, &QWebSocket::bytesWritten, this, &ClientConnection::pumpUploads);
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, &ClientConnection::onSocketError);
    if (m_connectTimeoutMs > 0) {
        if (!m_connectTimer) {
            m_connectTimer = new QTimer(this);
            m_connectTimer->setSingleShot(true);
            connect(m_connectTimer, &QTimer::timeout, this, &ClientConnection::onConnectTimeout);
        }
        m_connectTimer->start(m_connectTimeoutMs);
    }
    setState(State::Connecting);
    QNetworkRequest request(url);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    m_socket->open(request);
}

void ClientConnection::close()
{
    m_uploads.clear();
    m_pending.clear();
    if (m_connectTimer)
        m_connectTimer->stop();
    if (m_socket) {
        QWebSocket *socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->close();
        // The close frame should leave even if the caller exits right after.
        socket->flush();
        socket->deleteLater();
    }
    setState(State::Disconnected);
}

void ClientConnection::onSocketError()
{
    // QWebSocket 6.4 follows its errors with disconnected() when the socket closes; should an
    // error ever leave it unconnected without that, users still hear of it, and only once.
    QPointer<QWebSocket> socket = m_socket;
    QTimer::singleShot(0, this, [this, socket] {
        if (socket && socket == m_socket && socket->state() == QAbstractSocket::UnconnectedState)
            onDisconnected();
    });
}

void ClientConnection::onConnectTimeout()
{
    if (!m_socket || m_state == State::Connected)
        return;
    m_overrideReason = m_everConnected ? tr("no welcome from the service within %1 s").arg(m_connectTimeoutMs / 1000.0)
                                       : tr("connection timed out after %1 s").arg(m_connectTimeoutMs / 1000.0);
    m_socket->abort();
    // abort() may or may not have reported the disconnection already.
    if (m_socket)
        onDisconnected();
}

QString ClientConnection::request(QJsonObject message, ReplyHandler handler)
{
    const QString id = QStringLiteral("r%1").arg(m_nextRequest++);
    message.insert(QString(Field::RequestId), id);
    if (handler)
        m_pending.insert(id, std::move(handler));
    send(message);
    return id;
}

void ClientConnection::send(const QJsonObject &message)
{
    if (m_socket)
        m_socket->sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
}

void ClientConnection::onTextMessage(const QString &text)
{
    const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
    if (message.isEmpty())
        return;
    const QString requestId = message.value(Field::RequestId).toString();
    if (!requestId.isEmpty()) {
        if (ReplyHandler handler = m_pending.take(requestId)) {
            handler(message);
            return;
        }
    }
    emit messageReceived(message);
}

void ClientConnection::onBinaryMessage(const QByteArray &data)
{
    const Result<BinaryFrame> frame = BinaryFrame::parse(data);
    if (!frame.ok())
        return;
    Chunk chunk;
    chunk.jobId = frame->header.value(Field::JobId).toString();
    chunk.filename = frame->header.value(Field::Filename).toString();
    chunk.index = frame->header.value(Field::Index).toInt();
    chunk.offset = qint64(frame->header.value(Field::Offset).toDouble());
    chunk.final = frame->header.contains(Field::Final) ? frame->header.value(Field::Final).toBool() : true;
    chunk.payload = frame->payload.toByteArray();
    emit outputChunk(chunk);
}

void ClientConnection::onDisconnected()
{
    if (!m_socket)
        return;
    QWebSocket *socket = m_socket;
    m_socket = nullptr;
    if (m_connectTimer)
        m_connectTimer->stop();
    const int code = int(socket->closeCode());
    QString reason = m_overrideReason.isEmpty() ? socket->closeReason() : m_overrideReason;
    if (reason.isEmpty())
        reason = socket->errorString();
    // Qt names its internal function in handshake errors; people need only what happened.
    static const QLatin1StringView internalPrefix("QWebSocketPrivate::processHandshake: ");
    if (reason.startsWith(internalPrefix))
        reason = reason.mid(internalPrefix.size());
    const bool unreachable = !m_everConnected;
    socket->disconnect(this);
    socket->deleteLater();
    m_pending.clear();
    // Handlers may touch the queue; they see it empty, and the connection already closed.
    setState(State::Disconnected);
    const QQueue<Upload> unfinished = std::exchange(m_uploads, {});
    for (const Upload &upload : unfinished)
        emit uploadFinished(upload.jobId, tr("the connection closed"));
    emit disconnected(reason, code, unreachable);
}

void ClientConnection::upload(const QString &jobId, const QString &path, int index, qint64 startOffset)
{
    Upload upload;
    upload.jobId = jobId;
    upload.index = index;
    upload.file = std::make_shared<QFile>(path);
    if (!upload.file->open(QIODevice::ReadOnly)) {
        emit uploadFinished(jobId, tr("cannot read %1: %2").arg(path, upload.file->errorString()));
        return;
    }
    upload.size = upload.file->size();
    if (startOffset > 0) {
        if (startOffset > upload.size || !upload.file->seek(startOffset)) {
            emit uploadFinished(jobId, tr("cannot go on at byte %1 of %2").arg(startOffset).arg(path));
            return;
        }
        upload.offset = startOffset;
    }
    m_uploads.enqueue(upload);
    pumpUploads();
}

void ClientConnection::cancelUploads(const QString &jobId)
{
    m_uploads.removeIf([&jobId](const Upload &upload) { return upload.jobId == jobId; });
}

void ClientConnection::pumpUploads()
{
    if (m_pumping || !m_socket)
        return;
    m_pumping = true;
    const qint64 chunkBytes = maxChunkBytes();
    // The back-pressure: the socket holds at most a few chunks that the kernel has not taken.
    while (!m_uploads.isEmpty() && m_socket && m_socket->bytesToWrite() < 4 * chunkBytes) {
        Upload &upload = m_uploads.head();
        const qint64 length = std::min(chunkBytes, upload.size - upload.offset);
        const bool final = upload.offset + length >= upload.size;
        QJsonObject header{{QString(Field::JobId), upload.jobId},
                           {QString(Field::Offset), upload.offset},
                           {QString(Field::Final), final}};
        if (upload.index >= 0)
            header.insert(QString(Field::Index), upload.index);
        QByteArray message = BinaryFrame::encodeHeader(header);
        const qsizetype headerSize = message.size();
        message.resize(headerSize + length);
        if (upload.file->read(message.data() + headerSize, length) != length) {
            const QString jobId = upload.jobId;
            const QString error = tr("cannot read %1").arg(upload.file->fileName());
            m_uploads.dequeue();
            emit uploadFinished(jobId, error);
            continue;
        }
        m_socket->sendBinaryMessage(message);
        upload.offset += length;
        emit uploadProgress(upload.jobId, upload.offset, upload.size);
        if (final) {
            const QString jobId = upload.jobId;
            m_uploads.dequeue();
            emit uploadFinished(jobId, QString());
        }
    }
    m_pumping = false;
}

} // namespace Mediaforge
