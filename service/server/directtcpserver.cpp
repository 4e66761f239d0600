// SPDX-License-Identifier: GPL-3.0-or-later
#include "directtcpserver.h"

#include "logging/logging.h"

#include <QMetaObject>

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

namespace Mediaforge {

qint64 DirectWriteSocket::writeData(const char *data, qint64 size)
{
    // Only while Qt holds nothing, or bytes would overtake the ones it still has queued.
    if (size <= 0 || size >= kDirectMaxBytes || bytesToWrite() > 0 || state() != ConnectedState)
        return QTcpSocket::writeData(data, size);
    ssize_t sent = -1;
    do {
        // MSG_NOSIGNAL: a peer gone meanwhile is an error to report, never a SIGPIPE.
        sent = ::send(int(socketDescriptor()), data, size_t(size), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent <= 0) {
        // EAGAIN (the kernel's buffer is full) or an error: Qt's own path queues the bytes or
        // reports the error exactly as it did before.
        return QTcpSocket::writeData(data, size);
    }
    m_directBytes += sent;
    if (m_unannounced == 0)
        QMetaObject::invokeMethod(this, &DirectWriteSocket::announceWritten, Qt::QueuedConnection);
    m_unannounced += sent;
    if (sent == size)
        return size;
    const qint64 rest = QTcpSocket::writeData(data + sent, size - sent);
    return rest < 0 ? qint64(sent) : sent + rest;
}

void DirectWriteSocket::announceWritten()
{
    // Like Qt's own: from the event loop, never from inside write(), so a writer that writes
    // more on bytesWritten() does not recurse.
    const qint64 written = m_unannounced;
    m_unannounced = 0;
    if (written > 0)
        emit bytesWritten(written);
}

void DirectTcpServer::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new DirectWriteSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcServer) << "cannot take an accepted connection:" << socket->errorString();
        delete socket;
        ::close(int(socketDescriptor));
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    addPendingConnection(socket);
}

} // namespace Mediaforge
