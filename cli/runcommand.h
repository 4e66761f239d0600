// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "outputreceiver.h"
#include "progressrenderer.h"
#include "task.h"

#include <QElapsedTimer>
#include <QJsonObject>

#include <memory>

class QTimer;

namespace Mediaforge::Cli {

// `run`, its shorthands and `probe`: submit the job, upload local inputs, show the progress,
// receive and check the outputs, and on Ctrl-C cancel the job on the service.
//
//   submitting --ack--> uploading --(service: queued)--> waiting --completed--> receiving --> done
//        \__ URL input: waiting ______/        \__ detach: done once the service has the input
class RunCommand : public Task
{
    Q_OBJECT
public:
    enum class State { Idle, Submitting, Uploading, Waiting, Receiving, Cancelling, Finished };
    Q_ENUM(State)
    // How a Ctrl-C's cancel went, as far as mediaforge knows when it exits.
    enum class CancelOutcome { NoJob, Cancelled, AlreadyFinished, Unconfirmed, ClosedWithConnection };

    RunCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent = nullptr);

    void start() override;
    void interrupt(int signalNumber) override;
    void connectionLost(const QString &reason, int closeCode) override;

    State state() const { return m_state; }

private:
    // `run PRESET`: asks the service which operation the preset runs, then start()s again.
    void resolvePreset();
    bool m_presetResolved = false;
    void onSubmitReply(const QJsonObject &reply);
    void onMessage(const QJsonObject &message);
    void onProgress(const QJsonObject &message);
    void onCompleted(const QJsonObject &message);
    void onChunk(const QString &jobId, int index, qint64 offset, bool final, const QByteArray &payload);
    void onUploadFinished(const QString &jobId, const QString &error);
    void startUploads();
    // --token: a dropped connection is opened again, the job attached and its upload resumed.
    bool canReconnect() const;
    void scheduleReconnect(const QString &reason);
    void scheduleReopen(int delaySeconds);
    void resumeAfterReconnect();
    void attachJob();
    void onAttached(const QJsonObject &reply);
    void sendCancel();
    void finishDetached();
    void finishSuccess();
    void finishInterrupted(CancelOutcome outcome);
    void failRun(const Failure &failure, int exitCode, const QJsonValue &details = {});
    void reportReceiving();
    void printProbe(const QJsonObject &result);
    void printSaved();
    QString inputDisplayName() const;

    State m_state = State::Idle;
    ProgressReporter m_progress;
    OutputReceiver m_receiver;
    QJsonObject m_completed;
    QJsonObject m_startJob;   // as sent, idempotency key included: what a retry sends again
    int m_reconnects = 0;
    bool m_reconnecting = false;
    QString m_jobId;
    QString m_id;
    int m_interruptSignal = 0;
    bool m_cancelSent = false;
    QTimer *m_cancelTimer = nullptr;
    QElapsedTimer m_clock;
};

} // namespace Mediaforge::Cli
