// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bytebudget.h"
#include "errorcode.h"
#include "jobs/job.h"

#include <QFile>
#include <QJsonValue>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QQueue>

#include <functional>
#include <optional>

class QWebSocket;

namespace Mediaforge {

class RemoteOutputs;

// Sends job outputs over one WebSocket, one delivery after another.
// Chunked (level 1): frames of at most `chunkBytes`, and never more than `maxInFlight` bytes
// handed to the socket and not yet written, so memory stays bounded whatever the file size.
// Whole (level 0): one binary message per file, as the protocol demands. Qt copies a whole
// message into the socket's buffer, so each one first waits for the socket to drain like the
// chunks do, must fit the level 0 output limit, and takes its size from a service-wide budget
// that it gets back as the peer reads.
// Outputs that another node holds (`remote`) come from that node's reply instead of a file,
// with the same frames and limits: its read buffer holds a few chunks, and it is read only
// while the socket has room, so a slow peer slows the other node down.
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
        bool remote = false;        // on another node's disk: streamed from there (RemoteOutputs)
    };

    OutputSender(QWebSocket *socket, qint64 chunkBytes, qint64 wholeLimit, ByteBudget *wholeBudget,
                 QObject *parent = nullptr);
    ~OutputSender() override;

    // Where remote deliveries come from; without it they fail.
    void setRemoteOutputs(RemoteOutputs *remote) { m_remote = remote; }
    void enqueue(const Delivery &delivery);
    bool isIdle() const { return !sourceOpen() && m_queue.isEmpty() && !m_current; }
    void abort();   // socket closing: drop everything
    // What this sender put into the socket that the peer has not taken yet (at most).
    qint64 bytesInSocket() const { return m_inSocket; }

signals:
    // Level 1: after an output's last chunk.
    void outputDelivered(const QString &id, const QString &jobId, int index, qint64 bytes, const QString &sha256,
                         const QJsonValue &requestId);
    // Every output of the delivery has been handed to the socket.
    void deliveryFinished(const QString &id);
    void deliveryFailed(const QString &id, const QString &jobId, const Error &error, const QJsonValue &requestId);
    void bytesSent(qint64 bytes);

private:
    void startNext();
    void openOutput();
    void pump();
    void continueWhole();
    void sendWhole();
    void fail(const Error &error);
    void onBytesWritten(qint64 bytes);
    bool sourceOpen() const { return m_file.isOpen() || m_reply; }
    void closeSource();
    bool openRemote();
    void onRemoteFinished();
    // The reply's answer is in and good (200 with the expected length); fails the delivery
    // and returns false when it is bad, and returns false while it has not come yet.
    bool remoteReady();

    QPointer<QWebSocket> m_socket;
    qint64 m_chunkBytes;
    qint64 m_maxInFlight;
    QQueue<Delivery> m_queue;
    std::optional<Delivery> m_current;
    QList<int> m_indices;           // outputs still to send of the current delivery
    int m_index = -1;
    QFile m_file;
    RemoteOutputs *m_remote = nullptr;
    QPointer<QNetworkReply> m_reply;   // the source of a remote output
    qint64 m_size = 0;                 // of the output being sent
    qint64 m_offset = 0;
    bool m_pumping = false;
    qint64 m_wholeLimit;
    ByteBudget *m_wholeBudget;
    BudgetShare m_share;
    bool m_waitingForBudget = false;
    bool m_waitingForDrain = false;
    qint64 m_inSocket = 0;
};

} // namespace Mediaforge
