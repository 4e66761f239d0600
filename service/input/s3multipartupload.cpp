// SPDX-License-Identifier: GPL-3.0-or-later
#include "s3multipartupload.h"

#include "filerangedevice.h"
#include "logging/logging.h"
#include "storage/s3signer.h"

#include <QBuffer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

#include <algorithm>

namespace Mediaforge {

namespace {

// Hashing a part reads the file in steps this large, one per event-loop turn, so that a big
// part never holds up the service's other work for long.
constexpr qint64 kHashChunk = 1024 * 1024;
// Requests to give up the parts of a failed or cancelled upload get this long.
constexpr int kAbortTimeoutMs = 30000;

// The text of the first element `name` in an S3 XML answer; empty if there is none.
QString xmlElement(const QByteArray &xml, QLatin1StringView name)
{
    QXmlStreamReader reader(xml);
    while (!reader.atEnd()) {
        if (reader.readNext() == QXmlStreamReader::StartElement && reader.name() == name)
            return reader.readElementText();
    }
    return QString();
}

// The name of the document's root element ("Error" for S3's error answers).
QString rootElement(const QByteArray &xml)
{
    QXmlStreamReader reader(xml);
    return reader.readNextStartElement() ? reader.name().toString() : QString();
}

} // namespace

qint64 S3MultipartUpload::partSizeFor(qint64 fileSize, qint64 configured)
{
    const qint64 needed = (fileSize + kMaxParts - 1) / kMaxParts;
    return std::clamp(std::max(configured, needed), kMinPartSize, kMaxPartSize);
}

S3MultipartUpload::S3MultipartUpload(QNetworkAccessManager &network, HostResolver &resolver, StorageSpec storage,
                                     QString key, QString path, qint64 size, qint64 partSize, OutputUploadLimits limits,
                                     QObject *parent)
    : QObject(parent),
      m_network(network),
      m_resolver(resolver),
      m_storage(std::move(storage)),
      m_key(std::move(key)),
      m_path(std::move(path)),
      m_size(size),
      m_partSize(partSizeFor(size, partSize)),
      m_limits(limits),
      m_partCount(int(std::max<qint64>(1, (size + m_partSize - 1) / m_partSize))),
      m_attempts(
              this, m_limits,
              [this] {
                  abandonReply(m_reply, this);
                  attemptFailed(0, m_attempts.silenceReason());
              },
              [this] { startAttempt(); })
{
}

S3MultipartUpload::~S3MultipartUpload()
{
    if (!m_done)
        cancel();
}

void S3MultipartUpload::start()
{
    const QUrl url = m_storage.objectUrl(m_key);
    if (const auto literal = hostLiteralAddress(url.host())) {
        resolved(*literal);
        return;
    }
    m_attempts.alive();
    // Resolved once for the whole upload: its parts go to one server, and the abort that may
    // follow a cancel needs no lookup.
    m_resolver.lookup(url.host(), this, [this](QList<QHostAddress> addresses, QString error) {
        m_attempts.quiet();
        if (m_done)
            return;
        if (addresses.isEmpty()) {
            fail(0, QStringLiteral("cannot resolve the storage's host: %1").arg(error));
            return;
        }
        resolved(addresses.constFirst());
    });
}

void S3MultipartUpload::resolved(const QHostAddress &address)
{
    m_address = address;
    m_step = Step::Create;
    m_attempts.reset();
    startAttempt();
}

void S3MultipartUpload::cancel()
{
    if (m_done)
        return;
    m_done = true;
    m_attempts.stop();
    m_hashFile.reset();
    abandonReply(m_reply, this);
    sendAbort();
}

void S3MultipartUpload::startAttempt()
{
    if (m_done)
        return;
    m_attempts.begin();
    m_response.clear();
    switch (m_step) {
    case Step::Create:
        send("POST", {{QByteArrayLiteral("uploads"), QByteArray()}}, nullptr, SigV4::emptyPayloadHash(),
             QByteArrayLiteral("application/octet-stream"));
        return;
    case Step::Part: {
        if (!m_partHash.isEmpty()) {   // a retry: the part's hash is known
            hashNextChunk();
            return;
        }
        const qint64 offset = qint64(m_etags.size()) * m_partSize;
        m_hashFile.emplace(m_path);
        if (!m_hashFile->open(QIODevice::ReadOnly) || !m_hashFile->seek(offset)) {
            m_hashFile.reset();
            fail(0, QStringLiteral("the output cannot be read"));
            return;
        }
        m_hash.reset();
        m_hashLeft = std::min(m_partSize, m_size - offset);
        hashNextChunk();
        return;
    }
    case Step::Complete: {
        auto *body = new QBuffer;
        body->setData(completeBody());
        body->open(QIODevice::ReadOnly);
        send("POST", {{QByteArrayLiteral("uploadId"), m_uploadId}}, body,
             QCryptographicHash::hash(body->data(), QCryptographicHash::Sha256).toHex(),
             QByteArrayLiteral("application/xml"));
        return;
    }
    }
}

void S3MultipartUpload::hashNextChunk()
{
    if (m_done)
        return;
    if (m_partHash.isEmpty()) {
        const QByteArray chunk = m_hashFile->read(std::min(kHashChunk, m_hashLeft));
        if (chunk.isEmpty()) {
            m_hashFile.reset();
            fail(0, QStringLiteral("the output cannot be read"));
            return;
        }
        m_hash.addData(chunk);
        m_hashLeft -= chunk.size();
        if (m_hashLeft > 0) {
            QTimer::singleShot(0, this, &S3MultipartUpload::hashNextChunk);
            return;
        }
        m_hashFile.reset();
        m_partHash = m_hash.result().toHex();
    }
    const int number = int(m_etags.size()) + 1;
    const qint64 offset = qint64(m_etags.size()) * m_partSize;
    auto *body = new FileRangeDevice(m_path, offset, std::min(m_partSize, m_size - offset));
    if (!body->open(QIODevice::ReadOnly)) {
        delete body;
        fail(0, QStringLiteral("the output cannot be read"));
        return;
    }
    send("PUT", {{QByteArrayLiteral("partNumber"), QByteArray::number(number)}, {QByteArrayLiteral("uploadId"), m_uploadId}},
         body, m_partHash);
}

QUrl S3MultipartUpload::requestUrl(const QList<std::pair<QByteArray, QByteArray>> &query) const
{
    QUrl url = m_storage.objectUrl(m_key);
    // Sent in the form that is signed, so that the server computes the same canonical query.
    url.setQuery(QString::fromLatin1(SigV4::canonicalQuery(query)), QUrl::StrictMode);
    return url;
}

void S3MultipartUpload::send(const QByteArray &method, const QList<std::pair<QByteArray, QByteArray>> &query,
                             QIODevice *body, const QByteArray &payloadHash, const QByteArray &contentType)
{
    const QUrl url = requestUrl(query);
    QNetworkRequest request = pinnedRequest(url, m_address);
    if (!contentType.isEmpty())
        request.setRawHeader("Content-Type", contentType);
    request.setHeader(QNetworkRequest::ContentLengthHeader, body ? body->size() : 0);
    signStorageRequest(request, m_storage, method, url, request.rawHeader("Host"), payloadHash);

    m_reply = body ? m_network.sendCustomRequest(request, method, body) : m_network.sendCustomRequest(request, method);
    if (body)
        body->setParent(m_reply);   // read while the reply lives
    connect(m_reply, &QNetworkReply::uploadProgress, this, [this](qint64 sent, qint64) {
        m_attempts.alive();
        if (m_step == Step::Part)
            emit progress(qint64(m_etags.size()) * m_partSize + sent);
    });
    connect(m_reply, &QNetworkReply::readyRead, this, [this] {
        m_attempts.alive();
        // Only create's and complete's answers matter (a few hundred bytes); bounded regardless.
        const QByteArray data = m_reply->readAll();
        if (m_response.size() + data.size() > m_limits.maxResponseBytes) {
            const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            abandonReply(m_reply, this);
            attemptFailed(status, QStringLiteral("the answer is too long"));
            return;
        }
        m_response += data;
    });
    connect(m_reply, &QNetworkReply::finished, this, &S3MultipartUpload::onReplyFinished);
    m_attempts.alive();
}

void S3MultipartUpload::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_attempts.quiet();
    m_response += reply->readAll();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray etag = reply->rawHeader("ETag");
    const QString reason = reply->error() == QNetworkReply::NoError || status != 0 ? QString() : reply->errorString();
    abandonReply(m_reply, this);
    m_status = status;
    if (status < 200 || status >= 300) {
        const QString code = xmlElement(m_response, QLatin1StringView("Code"));
        attemptFailed(status, !reason.isEmpty() ? reason
                              : code.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                                               : QStringLiteral("HTTP %1 %2").arg(status).arg(code));
        return;
    }
    switch (m_step) {
    case Step::Create:
        m_uploadId = xmlElement(m_response, QLatin1StringView("UploadId")).toUtf8();
        if (m_uploadId.isEmpty()) {
            attemptFailed(status, QStringLiteral("the storage's answer has no UploadId"));
            return;
        }
        qCInfo(lcInput).noquote() << "multipart upload of" << m_storage.displayUrl(m_key) << "created:" << m_partCount
                                  << "part(s) of" << m_partSize << "bytes";
        m_step = Step::Part;
        break;
    case Step::Part:
        if (etag.isEmpty()) {
            attemptFailed(status, QStringLiteral("the storage's answer to a part has no ETag"));
            return;
        }
        m_etags.append(etag);
        m_partHash.clear();
        emit progress(std::min(m_size, qint64(m_etags.size()) * m_partSize));
        if (m_etags.size() == m_partCount)
            m_step = Step::Complete;
        break;
    case Step::Complete:
        // S3 may answer 200 and still report a failure in the body, which is then retried.
        if (rootElement(m_response) == QLatin1StringView("Error")) {
            attemptFailed(status, QStringLiteral("completing failed: %1").arg(xmlElement(m_response, QLatin1StringView("Code"))));
            return;
        }
        m_done = true;
        emit finished();
        return;
    }
    m_attempts.reset();
    startAttempt();
}

void S3MultipartUpload::attemptFailed(int status, const QString &reason)
{
    if (m_done)
        return;
    qCInfo(lcInput).noquote() << "multipart upload of" << m_storage.displayUrl(m_key) << "attempt" << m_attempts.attempt()
                              << "failed:" << reason;
    if (m_attempts.retryLater())
        return;
    fail(status, reason);
}

void S3MultipartUpload::fail(int status, const QString &reason)
{
    if (m_done)
        return;
    m_done = true;
    m_attempts.stop();
    const QString step = m_step == Step::Create ? QStringLiteral("create") : m_step == Step::Part ? QStringLiteral("part")
                                                                                              : QStringLiteral("complete");
    QJsonObject details{{QStringLiteral("http_status"), status},
                        {QStringLiteral("attempts"), m_attempts.attempt()},
                        {QStringLiteral("multipart"), step}};
    if (m_step == Step::Part)
        details.insert(QStringLiteral("part"), int(m_etags.size()) + 1);
    m_error = Error(ErrorCode::OutputUploadFailed, reason, details);
    sendAbort();
    emit finished();
}

void S3MultipartUpload::sendAbort()
{
    if (m_uploadId.isEmpty())
        return;
    // Sent once, not waited for: the job's end does not hang on it. The reply belongs to the
    // network manager and outlives this object.
    const QUrl url = requestUrl({{QByteArrayLiteral("uploadId"), m_uploadId}});
    QNetworkRequest request = pinnedRequest(url, m_address);
    request.setTransferTimeout(kAbortTimeoutMs);
    signStorageRequest(request, m_storage, "DELETE", url, request.rawHeader("Host"), SigV4::emptyPayloadHash());
    QNetworkReply *reply = m_network.sendCustomRequest(request, "DELETE");
    const QString shown = m_storage.displayUrl(m_key);
    connect(reply, &QNetworkReply::finished, reply, [reply, shown] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        // 204 is S3's answer; anything else leaves parts that a lifecycle rule has to clear.
        qCInfo(lcInput).noquote() << "multipart upload of" << shown << "aborted: HTTP" << status;
        reply->deleteLater();
    });
    m_uploadId.clear();
}

QByteArray S3MultipartUpload::completeBody() const
{
    QByteArray xml;
    QXmlStreamWriter writer(&xml);
    writer.writeStartDocument();
    writer.writeStartElement(QStringLiteral("CompleteMultipartUpload"));
    writer.writeDefaultNamespace(QStringLiteral("http://s3.amazonaws.com/doc/2006-03-01/"));
    for (qsizetype i = 0; i < m_etags.size(); ++i) {
        writer.writeStartElement(QStringLiteral("Part"));
        writer.writeTextElement(QStringLiteral("PartNumber"), QString::number(i + 1));
        writer.writeTextElement(QStringLiteral("ETag"), QString::fromLatin1(m_etags.at(i)));
        writer.writeEndElement();
    }
    writer.writeEndElement();
    writer.writeEndDocument();
    return xml;
}

} // namespace Mediaforge
