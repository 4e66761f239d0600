// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "outputreceiver.h"
#include "progressrenderer.h"
#include "task.h"

#include <QJsonObject>

class QTimer;

namespace Mediaforge::Cli {

// `fetch JOB`: saves the outputs of a (detached) job with fetch_output, checked like run's.
// While the job is still running it shows the job's progress and waits.
class FetchCommand : public Task
{
    Q_OBJECT
public:
    FetchCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent = nullptr);

    void start() override;
    void interrupt(int signalNumber) override;
    void connectionLost(const QString &reason, int closeCode) override;

private:
    void onJob(const QJsonObject &job);
    void poll();
    void startFetch(const QJsonObject &job);
    void onMessage(const QJsonObject &message);
    void reportReceiving();
    void finishSuccess();
    void failFetch(const Failure &failure, int exitCode, const QJsonValue &details = {});

    ProgressReporter m_progress;
    OutputReceiver m_receiver;
    QJsonObject m_job;
    QString m_id;
    QString m_jobId;
    bool m_receiving = false;
    QTimer *m_pollTimer = nullptr;
};

} // namespace Mediaforge::Cli
