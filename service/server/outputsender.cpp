// SPDX-License-Identifier: GPL-3.0-or-later
#include "outputsender.h"

#include "binaryframe.h"
#include "logging/logging.h"
#include "protocol.h"

#include <QJsonObject>
#include <QTimer>
#include <QWebSocket>

namespace Mediaforge {

using namespace Protocol;

OutputSender::OutputSender(QWebSocket *socket, qint64 chunkBytes, qint64 wholeLimit, ByteBudget *wholeBudget,
                           QObject *parent)
    : QObject(parent), m_socket(socket), m_chunkBytes(chunkBytes), m_maxInFlight(4 * chunkBytes),
      m_wholeLimit(wholeLimit), m_wholeBudget(wholeBudget), m_share(wholeBudget)
{
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
    m_file.close();
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
    m_file.close();
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
    m_file.setFileName(output.path);
    m_offset = 0;
    if (!m_file.open(QIODevice::ReadOnly)) {
        fail(Error(ErrorCode::OutputSendFailed, QStringLiteral("the output file is no longer available")));
        return;
    }
    if (!m_current->chunked) {
        // The limit holds on every path that sends whole files (completed and fetch_output).
        if (m_file.size() > m_wholeLimit) {
            fail(Error(ErrorCode::TooLarge,
                       QStringLiteral("output %1 is %2 bytes, above the %3-byte limit for one message; fetch it with "
                                      "protocol level 1 or over HTTP")
                               .arg(output.fileName)
                               .arg(m_file.size())
                               .arg(m_wholeLimit),
                       QJsonObject{{QStringLiteral("id"), m_current->id},
                                   {QStringLiteral("size_bytes"), m_file.size()},
                                   {QStringLiteral("limit_bytes"), m_wholeLimit}}));
            return;
        }
        continueWhole();
        return;
    }
    pump();
}

void OutputSender::continueWhole()
{
    if (!m_current || !m_file.isOpen() || !m_socket || m_waitingForBudget)
        return;
    // Like the chunks: nothing more goes into the socket while it still holds a lot.
    if (m_socket->bytesToWrite() >= m_maxInFlight) {
        m_waitingForDrain = true;
        return;
    }
    m_waitingForDrain = false;
    const qint64 size = m_file.size();
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
    if (!m_current || !m_file.isOpen() || !m_socket) {
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
    const qint64 size = m_file.size();
    message.resize(headerSize + size);
    const qint64 read = m_file.read(message.data() + headerSize, size);
    m_file.close();
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
    if (m_pumping || !m_current || !m_current->chunked || !m_file.isOpen() || !m_socket)
        return;
    m_pumping = true;
    const JobOutput &output = m_current->outputs.at(m_index);
    const qint64 size = m_file.size();
    // bytesToWrite() is what the socket holds and has not handed to the kernel yet: keeping it
    // under a few chunks is the back-pressure that bounds memory for any output size.
    while (m_socket->bytesToWrite() < m_maxInFlight) {
        const qint64 length = std::min(m_chunkBytes, size - m_offset);
        const bool final = m_offset + length >= size;
        const QJsonObject header{{QString(Field::JobId), m_current->jobId},
                                 {QString(Field::Filename), output.fileName},
                                 {QString(Field::Index), m_index},
                                 {QString(Field::Offset), m_offset},
                                 {QString(Field::Final), final}};
        QByteArray message = BinaryFrame::encodeHeader(header);
        const qsizetype headerSize = message.size();
        message.resize(headerSize + length);
        if (m_file.read(message.data() + headerSize, length) != length) {
            m_pumping = false;
            fail(Error(ErrorCode::OutputSendFailed, QStringLiteral("cannot read the output file")));
            return;
        }
        m_offset += length;
        m_socket->sendBinaryMessage(message);
        m_inSocket += message.size();
        emit bytesSent(length);
        if (final) {
            m_file.close();
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
