// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clientconnection.h"
#include "outputreceiver.h"
#include "progressrenderer.h"
#include "task.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QSet>

#include <memory>

class QTimer;

namespace Mediaforge::Cli {

// `run` (or a shorthand) with several inputs for an operation that takes one
// (`mediaforge thumbnail *.mp4 -o thumbs/`), docs/cli.md:
// - URLs and storage objects go to the service as one start_batch: it fetches them, runs the
//   items under one batch_id and cancel_batch stops them all;
// - local files are uploaded, so each is a start_job of its own: one upload at a time (the
//   connection carries one anyway, and a job never waits long for its bytes) while the
//   earlier ones are processed, at most the service's max_active_jobs_per_connection at once.
// Either way: one combined progress line, one result line per input as it ends, the outputs
// saved like `run` saves them (into -o's folder), and exit 1 if any input failed.
class BatchCommand : public Task
{
    Q_OBJECT
public:
    BatchCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent = nullptr);
    ~BatchCommand() override;

    void start() override;
    void interrupt(int signalNumber) override;
    void connectionLost(const QString &reason, int closeCode) override;

private:
    enum class Status { Pending, Submitted, Receiving, Completed, Failed };
    struct Item
    {
        QString input;               // as given
        QString jobId;               // the service's job_id (BATCH:i for a batch)
        QString id;
        Status status = Status::Pending;
        QString stage;
        double percentage = 0;       // of the processing stage
        QJsonObject completed;
        std::unique_ptr<OutputReceiver> receiver;
        QStringList saved;
        QString errorCode;
        QString errorMessage;
    };

    bool remote() const { return m_remote; }
    void startBatch();
    void onBatchAck(const QJsonObject &reply);
    void submitNext();
    void onJobAck(int index, const QJsonObject &reply);
    void onMessage(const QJsonObject &message);
    void onChunk(const ClientConnection::Chunk &chunk);
    void onUploadFinished(const QString &jobId, const QString &error);
    void onItemCompleted(int index, const QJsonObject &message);
    void itemSucceeded(int index);
    void itemFailed(int index, const QString &code, const QString &message);
    int indexOf(const QString &jobId) const;
    bool ended(const Item &item) const { return item.status == Status::Completed || item.status == Status::Failed; }
    int unfinishedSubmitted() const;
    void showProgress();
    void finishAll();
    void cancelBatch();
    void finishInterrupted(bool confirmed);
    void finishDetached(const QJsonObject &ack);
    QString outputOption() const;

    std::vector<Item> m_items;
    QHash<QString, int> m_indexByJobId;
    QSet<QString> m_claimedPaths;    // outputs saved or being saved by this run
    ProgressReporter m_progress;
    QElapsedTimer m_clock;
    bool m_remote = false;
    bool m_started = false;
    bool m_finished = false;
    // Local files: the next input to submit, whether an upload is going on, the most jobs that
    // may be unfinished at once.
    int m_next = 0;
    bool m_uploading = false;
    int m_maxActive = 4;
    // A batch: its names once acknowledged.
    QString m_batchId;
    QString m_batchServiceId;
    int m_interruptSignal = 0;
    int m_cancelsPending = 0;
    QTimer *m_cancelTimer = nullptr;
};

} // namespace Mediaforge::Cli
