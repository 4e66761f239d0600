// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "jobs/job.h"
#include "pinnedrequest.h"
#include "storage/storagespec.h"
#include "urlguard.h"

#include <QList>
#include <QObject>
#include <QPointer>

#include <optional>

class QFile;
class QNetworkAccessManager;
class QNetworkReply;

namespace Mediaforge {

class S3MultipartUpload;

// Puts a job's outputs to its output targets, one after another: each file streamed from disk
// (a QFile is the request body), to the address the URL guard checked (pinned, as downloads
// are), no redirects. Any 2xx is success; anything else is retried with back-off, then the
// whole upload fails with OUTPUT_UPLOAD_FAILED naming the output and the last status.
// With setStorage(), the outputs go to a configured storage instead: each to prefix + its file
// name, signed with SigV4 over the file's SHA-256 (known from finalizing, so the storage checks
// the bytes at no extra cost), and as a multipart upload (S3MultipartUpload) above the part size.
class OutputUploader : public QObject
{
    Q_OBJECT

public:
    OutputUploader(QNetworkAccessManager &network, HostResolver &resolver, UrlPolicy policy, OutputUploadLimits limits,
                   QList<JobOutputTarget> targets, QList<JobOutput> outputs, QObject *parent = nullptr);
    ~OutputUploader() override;

    // Before start(): put the outputs to `storage` under `prefix` (targets are not used then).
    // The endpoint is the operator's: the private-address guard does not apply to it.
    void setStorage(const StorageSpec &storage, const QString &prefix, qint64 partSize);

    void start();
    void cancel();   // aborts the request in flight; finished() is not emitted

    const std::optional<Error> &error() const { return m_error; }
    // The outputs with uploadedTo / uploadStatus filled in (after success).
    const QList<JobOutput> &outputs() const { return m_outputs; }

signals:
    void progress(qint64 sent, qint64 total);
    void finished();

private:
    void startAttempt();
    void send(const QHostAddress &address);
    void onReplyFinished();
    void attemptFailed(int status, const QString &reason);
    void finish(std::optional<Error> error);
    void startMultipart();
    void uploaded(int status);
    QString shownDestination() const;

    QNetworkAccessManager &m_network;
    HostResolver &m_resolver;
    UrlPolicy m_policy;
    OutputUploadLimits m_limits;
    QList<JobOutputTarget> m_targets;
    QList<JobOutput> m_outputs;
    int m_index = 0;
    qint64 m_doneBytes = 0;       // of the outputs already uploaded
    qint64 m_totalBytes = 0;
    qint64 m_responseBytes = 0;
    QPointer<QNetworkReply> m_reply;
    std::optional<StorageSpec> m_storage;
    QString m_prefix;
    qint64 m_partSize = 0;
    QPointer<S3MultipartUpload> m_multipart;
    RequestAttempts m_attempts;
    bool m_done = false;
    std::optional<Error> m_error;
};

} // namespace Mediaforge
