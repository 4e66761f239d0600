// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "outputuploader.h"
#include "storage/storagespec.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHostAddress>
#include <QObject>
#include <QPointer>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace Mediaforge {

// One file put to a configured storage as an S3 multipart upload: CreateMultipartUpload, then
// the parts in order, each streamed from its window of the file (FileRangeDevice) and signed
// with its own SHA-256, then CompleteMultipartUpload with the parts' ETags. Each request is
// retried like a single PUT (OutputUploadLimits); a failure or cancel() aborts the upload at
// the storage, so no parts are left behind to be paid for. Memory: one part's hash state and
// the network stack's chunks, whatever the file's size.
class S3MultipartUpload : public QObject
{
    Q_OBJECT

public:
    // S3's rules: parts of at least 5 MiB except the last, at most 10,000 parts.
    static constexpr qint64 kMinPartSize = qint64(5) * 1024 * 1024;
    static constexpr qint64 kMaxPartSize = qint64(5) * 1024 * 1024 * 1024;
    static constexpr int kMaxParts = 10000;
    // The part size for a file: the configured one, raised when the file would need more parts.
    static qint64 partSizeFor(qint64 fileSize, qint64 configured);

    S3MultipartUpload(QNetworkAccessManager &network, HostResolver &resolver, StorageSpec storage, QString key,
                      QString path, qint64 size, qint64 partSize, OutputUploadLimits limits, QObject *parent = nullptr);
    ~S3MultipartUpload() override;

    void start();
    // Stops at once and asks the storage to drop the parts sent so far; finished() is not emitted.
    void cancel();

    // After finished(): nullopt on success, else OUTPUT_UPLOAD_FAILED (details: http_status,
    // attempts, reason).
    const std::optional<Error> &error() const { return m_error; }
    int httpStatus() const { return m_status; }
    int parts() const { return m_partCount; }

signals:
    void progress(qint64 sent);   // bytes of this file accepted so far
    void finished();

private:
    enum class Step { Create, Part, Complete };

    void resolved(const QHostAddress &address);
    void startAttempt();
    void hashNextChunk();
    void send(const QByteArray &method, const QList<std::pair<QByteArray, QByteArray>> &query, QIODevice *body,
              const QByteArray &payloadHash, const QByteArray &contentType = {});
    void onReplyFinished();
    void attemptFailed(int status, const QString &reason);
    void fail(int status, const QString &reason);
    void sendAbort();
    QUrl requestUrl(const QList<std::pair<QByteArray, QByteArray>> &query) const;
    QByteArray completeBody() const;

    QNetworkAccessManager &m_network;
    HostResolver &m_resolver;
    StorageSpec m_storage;
    QString m_key;
    QString m_path;
    qint64 m_size;
    qint64 m_partSize;
    OutputUploadLimits m_limits;
    int m_partCount;

    QHostAddress m_address;       // resolved once, checked, pinned for every request of the upload
    QByteArray m_uploadId;
    QList<QByteArray> m_etags;    // of the parts done, in order
    Step m_step = Step::Create;
    int m_status = 0;
    // The current part's SHA-256, computed in chunks between event-loop turns before it is sent.
    std::optional<QFile> m_hashFile;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    qint64 m_hashLeft = 0;
    QByteArray m_partHash;
    QByteArray m_response;        // the answer's body, bounded (create and complete read it)
    QPointer<QNetworkReply> m_reply;
    RequestAttempts m_attempts;
    bool m_done = false;
    std::optional<Error> m_error;
};

} // namespace Mediaforge
