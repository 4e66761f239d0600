// SPDX-License-Identifier: GPL-3.0-or-later
#include "outputsender.h"

#include "binaryframe.h"
#include "logging/logging.h"
#include "protocol.h"
#include "remoteoutputs.h"

#include <QJsonObject>
#include <QNetworkReply>
#include <QTimer>
#include <QWebSocket>

namespace Mediaforge {

using namespace Protocol;

OutputSender::OutputSender(QWebSocket *socket, qint64 chunkBytes, qint64 wholeLimit, ByteBudget *wholeBudget,
                           QObject *parent)
    : QObject(parent), m_socket(socket), m_chunkBytes(chunkBytes), m_maxInFlight(4 * chunkBytes),
      m_wholeLimit(wholeLimit), m_wholeBudget(wholeBudget), m_share(wholeBudget)
{
    if (socket)
        connect(socket, &QWebSocket::bytesWritten, this, &OutputSender::onBytesWritten);
}

OutputSender::~OutputSender()
{
    abort();
}

void OutputSender::enqueue(const Delivery &delivery)
{
    m_queue.enqueue(delivery);
    if (!m_current)
        startNext();
}

void OutputSender::abort()
{
    m_queue.clear();
    m_current.reset();
    closeSource();
    if (m_wholeBudget)
        m_wholeBudget->cancel(this);
    m_waitingForBudget = false;
    m_waitingForDrain = false;
    m_share.releaseAll();
}

void OutputSender::fail(const Error &error)
{
    const Delivery failed = *m_current;
    m_current.reset();
    closeSource();
    emit deliveryFailed(failed.id, failed.jobId, error, failed.requestId);
    QTimer::singleShot(0, this, &OutputSender::startNext);
}

void OutputSender::startNext()
{
    // Scheduled after a delivery ends, but enqueue() may have started the next one meanwhile:
    // that one must not be dropped half sent.
    if (m_current || m_queue.isEmpty() || !m_socket)
        return;
    m_current = m_queue.dequeue();
    m_indices.clear();
    for (qsizetype i = 0; i < m_current->outputs.size(); ++i) {
        if (m_current->onlyIndex < 0 || m_current->onlyIndex == i)
            m_indices.append(int(i));
    }
    openOutput();
}

void OutputSender::openOutput()
{
    if (!m_current)
        return;
    if (m_indices.isEmpty()) {
        const QString id = m_current->id;
        m_current.reset();
        emit deliveryFinished(id);
        // Queued, so that a slot reacting to deliveryFinished never re-enters the sender.
        QTimer::singleShot(0, this, &OutputSender::startNext);
        return;
    }
    m_index = m_indices.takeFirst();
    const JobOutput &output = m_current->outputs.at(m_index);
    m_offset = 0;
    if (m_current->remote) {
        // The record's size: the other node's answer must match it (remoteReady).
        m_size = output.size;
    } else {
        m_file.setFileName(output.path);
        if (!m_file.open(QIODevice::ReadOnly)) {
            fail(Error(ErrorCode::OutputSendFailed, QStringLiteral("the output file is no longer available")));
            return;
        }
        m_size = m_file.size();
    }
    if (!m_current->chunked) {
        // The limit holds on every path that sends whole files (completed and fetch_output).
        if (m_size > m_wholeLimit) {
            fail(Error(ErrorCode::TooLarge,
                       QStringLiteral("output %1 is %2 bytes, above the %3-byte limit for one message; fetch it with "
                                      "protocol level 1 or over HTTP")
                               .arg(output.fileName)
                               .arg(m_size)
                               .arg(m_wholeLimit),
                       QJsonObject{{QStringLiteral("id"), m_current->id},
                                   {QStringLiteral("size_bytes"), m_size},
                                   {QStringLiteral("limit_bytes"), m_wholeLimit}}));
            return;
        }
        if (m_current->remote && !openRemote())
            return;
        // A remote whole output goes on once the other node's reply is complete.
        if (!m_current->remote)
            continueWhole();
        return;
    }
    if (m_current->remote && !openRemote())
        return;
    pump();
}

bool OutputSender::openRemote()
{
    Error error(ErrorCode::OutputSendFailed, QStringLiteral("this node cannot fetch outputs from other nodes"));
    // Chunked: a few chunks ahead, never less than one whole chunk (pump waits for one).
    // Whole: the file itself, at most the level 0 limit checked above (and room for an error
    // page instead of a tiny file).
    const qint64 buffer = m_current->chunked ? 2 * m_chunkBytes : std::max<qint64>(m_size, 64 * 1024);
    QNetworkReply *reply = m_remote ? m_remote->open(m_current->id, m_index, QByteArray(), buffer, &error) : nullptr;
    if (!reply) {
        fail(error);
        return false;
    }
    m_reply = reply;
    connect(reply, &QNetworkReply::readyRead, this, [this] {
        if (m_current && m_current->chunked)
            pump();
    });
    connect(reply, &QNetworkReply::finished, this, &OutputSender::onRemoteFinished);
    return true;
}

void OutputSender::closeSource()
{
    m_file.close();
    if (m_reply) {
        // Later, not now: this may run inside one of the reply's own signals.
        m_reply->disconnect(this);
        m_reply->deleteLater();
        m_reply = nullptr;
    }
}

bool OutputSender::remoteReady()
{
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid() || m_reply->error() != QNetworkReply::NoError) {
        if (m_reply->isFinished())
            fail(m_remote->failure(m_reply));
        return false;
    }
    if (status.toInt() != 200) {
        // Only 200 is the whole file; anything else is refused or failed (404: gone there).
        if (m_reply->isFinished())
            fail(m_remote->failure(m_reply));
        return false;
    }
    const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
    if (length.isValid() && length.toLongLong() != m_size) {
        fail(Error(ErrorCode::OutputSendFailed,
                   QStringLiteral("the node holding the output sent %1 bytes for a %2-byte output")
                           .arg(length.toLongLong())
                           .arg(m_size)));
        return false;
    }
    return true;
}

void OutputSender::onRemoteFinished()
{
    if (!m_current || !m_reply)
        return;
    if (m_current->chunked) {
        if (m_reply->error() != QNetworkReply::NoError) {
            fail(m_remote->failure(m_reply));
            return;
        }
        pump();   // what is left in its buffer, or the end of a short answer
        return;
    }
    if (remoteReady())
        continueWhole();
}

void OutputSender::continueWhole()
{
    if (!m_current || !sourceOpen() || !m_socket || m_waitingForBudget)
        return;
    // Like the chunks: nothing more goes into the socket while it still holds a lot.
    if (m_socket->bytesToWrite() >= m_maxInFlight) {
        m_waitingForDrain = true;
        return;
    }
    m_waitingForDrain = false;
    const qint64 size = m_size;
    if (m_wholeBudget) {
        const auto granted = [this, size] {
            m_waitingForBudget = false;
            m_share.hold(size);
            sendWhole();
        };
        if (!m_wholeBudget->acquire(this, size, granted)) {
            m_waitingForBudget = true;
            return;
        }
        m_share.hold(size);
    }
    sendWhole();
}

void OutputSender::sendWhole()
{
    if (!m_current || !sourceOpen() || !m_socket) {
        m_share.settle(m_socket ? m_socket->bytesToWrite() : 0);
        return;
    }
    // Level 0: the whole file in one message, read straight into the message buffer.
    const JobOutput &output = m_current->outputs.at(m_index);
    QJsonObject header{{QString(Field::JobId), m_current->jobId}, {QString(Field::Filename), output.fileName}};
    if (m_current->outputs.size() > 1) {
        header.insert(QString(Field::Index), m_index);
        header.insert(QString(Field::Count), int(m_current->outputs.size()));
    }
    QByteArray message = BinaryFrame::encodeHeader(header);
    const qsizetype headerSize = message.size();
    const qint64 size = m_size;
    message.resize(headerSize + size);
    QIODevice *source = m_reply ? static_cast<QIODevice *>(m_reply.data()) : &m_file;
    const qint64 read = size == 0 ? 0 : source->read(message.data() + headerSize, size);
    closeSource();
    if (read != size) {
        m_share.settle(m_socket->bytesToWrite());
        fail(Error(ErrorCode::OutputSendFailed, QStringLiteral("cannot read the output file")));
        return;
    }
    m_socket->sendBinaryMessage(message);
    m_inSocket += message.size();
    message = QByteArray();
    // What the kernel already took is given back at once.
    m_share.settle(m_socket->bytesToWrite());
    m_inSocket = std::min(m_inSocket, m_socket->bytesToWrite());
    emit bytesSent(size);
    QTimer::singleShot(0, this, &OutputSender::openOutput);
}

void OutputSender::pump()
{
    // pump() can be reached from bytesWritten while it is already on the stack.
    if (m_pumping || !m_current || !m_current->chunked || !sourceOpen() || !m_socket)
        return;
    if (m_reply && m_offset == 0 && !remoteReady())
        return;   // the other node has not answered yet (or the delivery failed)
    m_pumping = true;
    const JobOutput &output = m_current->outputs.at(m_index);
    const qint64 size = m_size;
    QIODevice *source = m_reply ? static_cast<QIODevice *>(m_reply.data()) : &m_file;
    // bytesToWrite() is what the socket holds and has not handed to the kernel yet: keeping it
    // under a few chunks is the back-pressure that bounds memory for any output size.
    while (m_socket->bytesToWrite() < m_maxInFlight) {
        const qint64 length = std::min(m_chunkBytes, size - m_offset);
        const bool final = m_offset + length >= size;
        if (m_reply && m_reply->bytesAvailable() < length) {
            m_pumping = false;
            // More comes with the reply's readyRead; an answer that ended short is a failure.
            if (m_reply->isFinished())
                fail(m_reply->error() != QNetworkReply::NoError
                             ? m_remote->failure(m_reply)
                             : Error(ErrorCode::OutputSendFailed,
                                     QStringLiteral("the node holding the output sent less than its size")));
            return;
        }
        const QJsonObject header{{QString(Field::JobId), m_current->jobId},
                                 {QString(Field::Filename), output.fileName},
                                 {QString(Field::Index), m_index},
                                 {QString(Field::Offset), m_offset},
                                 {QString(Field::Final), final}};
        QByteArray message = BinaryFrame::encodeHeader(header);
        const qsizetype headerSize = message.size();
        message.resize(headerSize + length);
        if (length > 0 && source->read(message.data() + headerSize, length) != length) {
            m_pumping = false;
            fail(Error(ErrorCode::OutputSendFailed, QStringLiteral("cannot read the output file")));
            return;
        }
        m_offset += length;
        m_socket->sendBinaryMessage(message);
        m_inSocket += message.size();
        emit bytesSent(length);
        if (final) {
            closeSource();
            emit outputDelivered(m_current->id, m_current->jobId, m_index, size, output.sha256, m_current->requestId);
            m_pumping = false;
            QTimer::singleShot(0, this, &OutputSender::openOutput);
            return;
        }
    }
    m_pumping = false;
}

void OutputSender::onBytesWritten(qint64)
{
    if (!m_socket)
        return;
    const qint64 buffered = m_socket->bytesToWrite();
    m_inSocket = std::min(m_inSocket, buffered);
    m_share.settle(buffered);
    if (buffered >= m_maxInFlight)
        return;
    if (m_waitingForDrain)
        continueWhole();
    else
        pump();
}

} // namespace Mediaforge
