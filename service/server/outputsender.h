// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobs/job.h"

#include <QFile>
#include <QJsonValue>
#include <QObject>
#include <QPointer>
#include <QQueue>

#include <functional>
#include <optional>

class QWebSocket;

namespace Mediaforge {

// Sends job outputs over one WebSocket, one delivery after another.
// Chunked (level 1): frames of at most `chunkBytes`, and never more than `maxInFlight` bytes
// handed to the socket and not yet written, so memory stays bounded whatever the file size.
// Whole (level 0): one binary message per file, as the protocol demands.
class OutputSender : public QObject
{
    Q_OBJECT
public:
    struct Delivery
    {
        QString id;                 // service id, for completion callbacks
        QString jobId;              // what the client calls it (header job_id)
        QList<JobOutput> outputs;
        int onlyIndex = -1;         // fetch_output with index
        bool chunked = true;
        QJsonValue requestId;       // fetch_output's, echoed on its replies
    };

    OutputSender(QWebSocket *socket, qint64 chunkBytes, QObject *parent = nullptr);

    void enqueue(const Delivery &delivery);
    bool isIdle() const { return !m_file.isOpen() && m_queue.isEmpty() && !m_current; }
    void abort();   // socket closing: drop everything

signals:
    // Level 1: after an output's last chunk.
    void outputDelivered(const QString &id, const QString &jobId, int index, qint64 bytes, const QString &sha256,
                         const QJsonValue &requestId);
    // Every output of the delivery has been handed to the socket.
    void deliveryFinished(const QString &id);
    void deliveryFailed(const QString &id, const QString &jobId, const QString &message, const QJsonValue &requestId);
    void bytesSent(qint64 bytes);

private:
    void startNext();
    void openOutput();
    void pump();
    void onBytesWritten(qint64 bytes);

    QPointer<QWebSocket> m_socket;
    qint64 m_chunkBytes;
    qint64 m_maxInFlight;
    QQueue<Delivery> m_queue;
    std::optional<Delivery> m_current;
    QList<int> m_indices;           // outputs still to send of the current delivery
    int m_index = -1;
    QFile m_file;
    qint64 m_offset = 0;
    bool m_pumping = false;
};

} // namespace Mediaforge
