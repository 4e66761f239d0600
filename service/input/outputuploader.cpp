// SPDX-License-Identifier: GPL-3.0-or-later
#include "outputuploader.h"

#include "logging/logging.h"
#include "s3multipartupload.h"
#include "storage/s3signer.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace Mediaforge {

OutputUploader::OutputUploader(QNetworkAccessManager &network, HostResolver &resolver, UrlPolicy policy,
                               OutputUploadLimits limits, QList<JobOutputTarget> targets, QList<JobOutput> outputs,
                               QObject *parent)
    : QObject(parent),
      m_network(network),
      m_resolver(resolver),
      m_policy(std::move(policy)),
      m_limits(limits),
      m_targets(std::move(targets)),
      m_outputs(std::move(outputs)),
      m_attempts(
              this, m_limits,
              [this] {
                  abandonReply(m_reply, this);
                  attemptFailed(0, m_attempts.silenceReason());
              },
              [this] { startAttempt(); })
{
    for (const JobOutput &output : std::as_const(m_outputs))
        m_totalBytes += output.size;
}

OutputUploader::~OutputUploader()
{
    m_done = true;
    abandonReply(m_reply, this);
}

void OutputUploader::setStorage(const StorageSpec &storage, const QString &prefix, qint64 partSize)
{
    m_storage = storage;
    m_prefix = prefix;
    m_partSize = partSize;
    m_policy.allowPrivate = true;
}

void OutputUploader::start()
{
    if (m_storage) {
        // The file names are the service's (sanitized, unique within the job), the prefix was
        // checked at submit: the keys are known only now that the outputs exist.
        m_targets.clear();
        for (const JobOutput &output : std::as_const(m_outputs)) {
            JobOutputTarget target;
            target.url = m_storage->objectUrl(m_prefix + output.fileName);
            if (!output.mime.isEmpty())
                target.headers.append({QByteArrayLiteral("Content-Type"), output.mime.toLatin1()});
            m_targets.append(target);
        }
    }
    if (m_targets.size() != m_outputs.size()) {
        // The request promised one target per output; a run that made another count cannot
        // be matched up, and guessing would put a file where the client did not ask.
        finish(Error(ErrorCode::OutputUploadFailed,
                     QStringLiteral("the job made %1 output(s) for %2 output target(s)").arg(m_outputs.size()).arg(m_targets.size()),
                     QJsonObject{{QStringLiteral("outputs"), int(m_outputs.size())},
                                 {QStringLiteral("targets"), int(m_targets.size())}}));
        return;
    }
    m_index = 0;
    m_attempts.reset();
    startAttempt();
}

void OutputUploader::cancel()
{
    m_done = true;
    if (m_multipart)
        m_multipart->cancel();
    m_attempts.stop();
    abandonReply(m_reply, this);
}

void OutputUploader::startAttempt()
{
    if (m_done)
        return;
    if (m_index >= m_outputs.size()) {
        finish(std::nullopt);
        return;
    }
    if (m_storage && m_outputs.at(m_index).size > m_partSize) {
        startMultipart();
        return;
    }
    m_attempts.begin();
    const QUrl url = m_targets.at(m_index).url;
    if (auto refused = checkUrlSyntax(url)) {
        finish(*refused);
        return;
    }
    const QString host = url.host();
    if (const auto literal = hostLiteralAddress(host)) {
        if (auto refused = checkAddresses(url, {*literal}, m_policy)) {
            finish(*refused);
            return;
        }
        send(*literal);
        return;
    }
    m_attempts.alive();
    m_resolver.lookup(host, this, [this, url](QList<QHostAddress> addresses, QString error) {
        if (m_done)
            return;
        if (addresses.isEmpty()) {
            m_attempts.quiet();
            attemptFailed(0, QStringLiteral("cannot resolve the host: %1").arg(error));
            return;
        }
        // Checked again at every try: the name may point elsewhere by now.
        if (auto refused = checkAddresses(url, addresses, m_policy)) {
            m_attempts.quiet();
            finish(*refused);
            return;
        }
        send(addresses.constFirst());
    });
}

void OutputUploader::send(const QHostAddress &address)
{
    const JobOutputTarget &target = m_targets.at(m_index);
    const JobOutput &output = m_outputs.at(m_index);
    auto *file = new QFile(output.path);
    if (!file->open(QIODevice::ReadOnly)) {
        delete file;
        finish(Error(ErrorCode::InternalError, QStringLiteral("output %1 cannot be read for its upload").arg(m_index)));
        return;
    }
    QNetworkRequest request = pinnedRequest(target.url, address);
    // A presigned PUT signs Content-Type only when the client named one: no default of ours.
    for (const auto &[name, value] : target.headers)
        request.setRawHeader(name, value);
    request.setHeader(QNetworkRequest::ContentLengthHeader, file->size());
    if (m_storage) {
        // A signed payload hash rather than UNSIGNED-PAYLOAD: endpoints on the private network
        // are often plain http, and the storage then refuses bytes that changed on the way.
        const QByteArray payloadHash = output.sha256.isEmpty() ? QByteArray(SigV4::kUnsignedPayload) : output.sha256.toLatin1();
        signStorageRequest(request, *m_storage, target.method.toLatin1(), target.url, request.rawHeader("Host"),
                           payloadHash);
    }

    qCInfo(lcInput).noquote() << "output" << m_index << "upload to" << target.redactedUrl() << "attempt" << m_attempts.attempt();
    m_responseBytes = 0;
    m_reply = m_network.sendCustomRequest(request, target.method.toLatin1(), file);
    // The body is read while the reply lives: it goes with it.
    file->setParent(m_reply);
    m_reply->setReadBufferSize(m_limits.maxResponseBytes);
    connect(m_reply, &QNetworkReply::uploadProgress, this, [this](qint64 sent, qint64) {
        m_attempts.alive();
        emit progress(m_doneBytes + sent, m_totalBytes);
    });
    connect(m_reply, &QNetworkReply::readyRead, this, [this] {
        m_attempts.alive();
        // The answer is only looked at for its status; its body is read and dropped, bounded.
        m_responseBytes += m_reply->skip(m_reply->bytesAvailable());
        if (m_responseBytes > m_limits.maxResponseBytes * 16) {
            const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            abandonReply(m_reply, this);
            attemptFailed(status, QStringLiteral("the answer is too long"));
        }
    });
    connect(m_reply, &QNetworkReply::finished, this, &OutputUploader::onReplyFinished);
    m_attempts.alive();
}

void OutputUploader::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_attempts.quiet();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString reason = reply->error() == QNetworkReply::NoError || status != 0 ? QString() : reply->errorString();
    abandonReply(m_reply, this);
    if (status >= 200 && status < 300) {
        uploaded(status);
        return;
    }
    attemptFailed(status, reason.isEmpty() ? QStringLiteral("HTTP %1").arg(status) : reason);
}

void OutputUploader::uploaded(int status)
{
    JobOutput &output = m_outputs[m_index];
    output.uploadedTo = shownDestination();
    output.uploadStatus = status;
    m_doneBytes += output.size;
    emit progress(m_doneBytes, m_totalBytes);
    ++m_index;
    m_attempts.reset();
    startAttempt();
}

QString OutputUploader::shownDestination() const
{
    return m_storage ? m_storage->displayUrl(m_prefix + m_outputs.at(m_index).fileName)
                     : m_targets.at(m_index).redactedUrl();
}

void OutputUploader::startMultipart()
{
    const JobOutput &output = m_outputs.at(m_index);
    auto *upload = new S3MultipartUpload(m_network, m_resolver, *m_storage, m_prefix + output.fileName, output.path,
                                         output.size, m_partSize, m_limits, this);
    m_multipart = upload;
    qCInfo(lcInput).noquote() << "output" << m_index << "multipart upload to" << shownDestination();
    connect(upload, &S3MultipartUpload::progress, this, [this](qint64 sent) {
        emit progress(m_doneBytes + sent, m_totalBytes);
    });
    connect(upload, &S3MultipartUpload::finished, this, [this, upload] {
        upload->deleteLater();
        m_multipart = nullptr;
        if (m_done)
            return;
        if (const auto &error = upload->error()) {
            QJsonObject details = error->details.toObject();
            details.insert(QStringLiteral("index"), m_index);
            details.insert(QStringLiteral("storage"), m_storage->name);
            details.insert(QStringLiteral("key"), QString(m_prefix + m_outputs.at(m_index).fileName));
            if (details.value(QStringLiteral("http_status")).toInt() == 403)
                details.insert(QStringLiteral("reason"), QStringLiteral("access_denied"));
            finish(Error(ErrorCode::OutputUploadFailed,
                         QStringLiteral("output %1 could not be uploaded to %2: %3").arg(m_index).arg(shownDestination(), error->message),
                         details));
            return;
        }
        uploaded(upload->httpStatus());
    });
    upload->start();
}

void OutputUploader::attemptFailed(int status, const QString &reason)
{
    if (m_done)
        return;
    qCInfo(lcInput).noquote() << "output" << m_index << "upload to" << shownDestination() << "attempt" << m_attempts.attempt()
                              << "failed:" << reason;
    if (m_attempts.retryLater())
        return;
    // The reason never quotes the URL: its query is a credential.
    QJsonObject details{{QStringLiteral("index"), m_index},
                        {QStringLiteral("http_status"), status},
                        {QStringLiteral("attempts"), m_attempts.attempt()}};
    if (m_storage) {
        details.insert(QStringLiteral("storage"), m_storage->name);
        details.insert(QStringLiteral("key"), QString(m_prefix + m_outputs.at(m_index).fileName));
        // Wrong credentials or a policy without s3:PutObject: the operator's to fix.
        if (status == 403)
            details.insert(QStringLiteral("reason"), QStringLiteral("access_denied"));
    }
    finish(Error(ErrorCode::OutputUploadFailed,
                 QStringLiteral("output %1 could not be uploaded to %2 after %3 attempt(s): %4")
                         .arg(m_index)
                         .arg(shownDestination())
                         .arg(m_attempts.attempt())
                         .arg(reason),
                 details));
}

void OutputUploader::finish(std::optional<Error> error)
{
    if (m_done)
        return;
    m_done = true;
    m_attempts.stop();
    m_error = std::move(error);
    emit finished();
}

} // namespace Mediaforge
