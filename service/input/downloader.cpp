// SPDX-License-Identifier: GPL-3.0-or-later
#include "downloader.h"

#include "logging/logging.h"
#include "pinnedrequest.h"

#include <QJsonObject>
#include <QMetaEnum>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace Mediaforge {

namespace {

// What the reply may buffer when the disk is slower than the network; Qt stops reading the
// socket beyond it, so memory stays bounded whatever the file size.
constexpr qint64 kReadBufferSize = 1024 * 1024;
// Bytes moved from the reply to the file per read call.
constexpr qint64 kCopyChunk = 64 * 1024;
// Suggested names are for display and download names only; keep them short.
constexpr qsizetype kMaxFileNameUtf8 = 200;
constexpr qsizetype kMaxExtension = 16;

bool isFollowedRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

QString utf8Truncated(const QString &text, qsizetype maxBytes)
{
    QString result;
    qsizetype bytes = 0;
    for (const char32_t codePoint : text.toUcs4()) {
        const QString piece = QString::fromUcs4(&codePoint, 1);
        const qsizetype size = piece.toUtf8().size();
        if (bytes + size > maxBytes)
            break;
        bytes += size;
        result += piece;
    }
    return result;
}

// A display name from something a server or URL said: one path component, no control or
// formatting characters (bidi overrides make "exe.mp4" look like "mp4.exe"), bounded length.
QString sanitizeFileName(const QString &raw)
{
    QString name = raw;
    const qsizetype cut = std::max(name.lastIndexOf(u'/'), name.lastIndexOf(u'\\'));
    name = name.mid(cut + 1);
    QString clean;
    for (const char32_t codePoint : name.toUcs4()) {
        const QChar::Category category = QChar::category(codePoint);
        if (category == QChar::Other_Control || category == QChar::Other_Format
            || category == QChar::Other_Surrogate || category == QChar::Other_NotAssigned
            || category == QChar::Separator_Line || category == QChar::Separator_Paragraph) {
            continue;
        }
        clean += QString::fromUcs4(&codePoint, 1);
    }
    clean = clean.trimmed();
    // Leading dots: no ".", "..", or hidden files.
    while (clean.startsWith(u'.'))
        clean.remove(0, 1);
    clean = clean.trimmed();
    if (clean.toUtf8().size() > kMaxFileNameUtf8) {
        const qsizetype dot = clean.lastIndexOf(u'.');
        const QString extension = dot > 0 && clean.size() - dot - 1 <= kMaxExtension
                ? clean.mid(dot)
                : QString();
        const QString base = extension.isEmpty() ? clean : clean.left(dot);
        clean = utf8Truncated(base, kMaxFileNameUtf8 - extension.toUtf8().size()).trimmed()
                + extension;
    }
    return clean;
}

// Content-Disposition parameters (RFC 6266): filename* (RFC 8187 ext-value) wins over filename.
QString fileNameFromContentDisposition(const QByteArray &header)
{
    QString plain;
    QString extended;
    qsizetype i = header.indexOf(';');
    while (i >= 0 && i < header.size()) {
        ++i;   // past ';'
        while (i < header.size() && (header[i] == ' ' || header[i] == '\t'))
            ++i;
        const qsizetype equals = header.indexOf('=', i);
        if (equals < 0)
            break;
        const QByteArray name = header.mid(i, equals - i).trimmed().toLower();
        i = equals + 1;
        while (i < header.size() && (header[i] == ' ' || header[i] == '\t'))
            ++i;
        QByteArray value;
        if (i < header.size() && header[i] == '"') {
            ++i;
            while (i < header.size() && header[i] != '"') {
                if (header[i] == '\\' && i + 1 < header.size())
                    ++i;
                value += header[i];
                ++i;
            }
            i = header.indexOf(';', i);
        } else {
            const qsizetype end = header.indexOf(';', i);
            value = header.mid(i, end < 0 ? -1 : end - i).trimmed();
            i = end;
        }
        if (name == "filename") {
            plain = QString::fromUtf8(value);
        } else if (name == "filename*") {
            const qsizetype first = value.indexOf('\'');
            const qsizetype second = first < 0 ? -1 : value.indexOf('\'', first + 1);
            if (second < 0)
                continue;
            const QByteArray charset = value.left(first).toLower();
            const QByteArray decoded = QByteArray::fromPercentEncoding(value.mid(second + 1));
            if (charset == "utf-8")
                extended = QString::fromUtf8(decoded);
            else if (charset == "iso-8859-1")
                extended = QString::fromLatin1(decoded);
        }
    }
    return extended.isEmpty() ? plain : extended;
}

} // namespace

QByteArray hostHeader(const QUrl &url, const std::optional<QHostAddress> &literal)
{
    QByteArray host;
    if (literal) {
        QHostAddress address = *literal;
        address.setScopeId({});
        host = address.protocol() == QAbstractSocket::IPv6Protocol
                ? '[' + address.toString().toLatin1() + ']'
                : address.toString().toLatin1();
    } else {
        host = QUrl::toAce(url.host());
    }
    if (url.port() != -1)
        host += ':' + QByteArray::number(url.port());
    return host;
}

namespace {

QString networkErrorName(QNetworkReply::NetworkError error)
{
    const QMetaEnum metaEnum = QMetaEnum::fromType<QNetworkReply::NetworkError>();
    const char *key = metaEnum.valueToKey(error);
    return key ? QString::fromLatin1(key) : QString::number(int(error));
}

} // namespace

Downloader::Downloader(QNetworkAccessManager &network, HostResolver &resolver, UrlPolicy policy,
                       DownloadLimits limits, QObject *parent)
    : QObject(parent),
      m_network(network),
      m_resolver(resolver),
      m_policy(std::move(policy)),
      m_limits(limits),
      m_stallTimer(new QTimer(this)),
      m_totalTimer(new QTimer(this))
{
    // A proxy would connect to the target by name, after our check: it must never be used.
    // QNetworkRequest has no per-request proxy, so this is set on the (service-owned) manager.
    m_network.setProxy(QNetworkProxy(QNetworkProxy::NoProxy));

    m_stallTimer->setSingleShot(true);
    m_stallTimer->setInterval(m_limits.stallTimeout);
    connect(m_stallTimer, &QTimer::timeout, this, [this] {
        fail(Error(ErrorCode::Timeout,
                   QStringLiteral("download stalled: no data for %1 ms").arg(m_limits.stallTimeout.count()),
                   QJsonObject{{QStringLiteral("reason"), QStringLiteral("stalled")},
                               {QStringLiteral("stall_ms"), qint64(m_limits.stallTimeout.count())}}));
    });
    m_totalTimer->setSingleShot(true);
    m_totalTimer->setInterval(m_limits.totalTimeout);
    connect(m_totalTimer, &QTimer::timeout, this, [this] {
        fail(Error(ErrorCode::Timeout,
                   QStringLiteral("download took longer than %1 ms").arg(m_limits.totalTimeout.count()),
                   QJsonObject{{QStringLiteral("reason"), QStringLiteral("time_limit")},
                               {QStringLiteral("limit_ms"), qint64(m_limits.totalTimeout.count())}}));
    });
}

Downloader::~Downloader()
{
    // Destroyed mid-transfer: nothing half-written may stay behind.
    if (!m_done)
        cleanUp();
    else
        releaseReply();
}

void Downloader::start(const QUrl &url, const QString &destinationPath)
{
    if (m_started || m_cancelled) {
        qCWarning(lcInput) << "Downloader::start after start or cancel; a Downloader is for one download";
        return;
    }
    m_started = true;
    m_destinationPath = destinationPath;
    m_elapsed.start();
    m_totalTimer->start();
    m_stallTimer->start();
    qCInfo(lcInput).noquote() << "download" << Logging::redactUrl(url);
    requestHop(url);
}

void Downloader::cancel()
{
    if (m_cancelled || m_finishEmitted)
        return;
    m_cancelled = true;
    if (!m_started)
        return;
    if (!m_done) {
        m_done = true;
        m_error = Error(ErrorCode::JobCancelled, QStringLiteral("download cancelled"));
    }
    // Also after a success whose finished() is still queued: the caller gave the file up.
    cleanUp();
    qCInfo(lcInput).noquote() << "download cancelled" << Logging::redactUrl(m_currentUrl);
}

void Downloader::requestHop(const QUrl &url)
{
    m_currentUrl = url;
    m_headersHandled = false;
    if (auto error = checkUrlSyntax(url)) {
        fail(*error);
        return;
    }
    // IP literals (in any inet_aton spelling) are checked as the address they are: no lookup.
    if (const auto literal = hostLiteralAddress(url.host())) {
        connectChecked(url, {*literal});
        return;
    }
    const quint64 hop = ++m_hop;
    const QString host = url.host();
    m_resolver.lookup(host, this, [this, hop, url](QList<QHostAddress> addresses, QString error) {
        if (m_done || hop != m_hop)
            return;
        if (addresses.isEmpty()) {
            qCInfo(lcInput).noquote() << "lookup failed for" << Logging::redactUrl(url) << error;
            fail(Error(ErrorCode::DownloadFailed,
                       QStringLiteral("download failed: could not resolve %1").arg(url.host()),
                       QJsonObject{{QStringLiteral("network_error"),
                                    error.isEmpty() ? QStringLiteral("host not found") : error},
                                   {QStringLiteral("network_error_code"),
                                    QStringLiteral("HostNotFoundError")}}));
            return;
        }
        connectChecked(url, addresses);
    });
}

void Downloader::connectChecked(const QUrl &url, const QList<QHostAddress> &addresses)
{
    if (auto error = checkAddresses(url, addresses, m_policy)) {
        fail(*error);
        return;
    }
    // Every address was allowed; the first one is the one we connect to, and only that one.
    sendRequest(url, addresses.first());
}

void Downloader::sendRequest(const QUrl &url, const QHostAddress &address)
{
    // Pinning: the request goes to the checked IP itself, so no second lookup (which a
    // rebinding DNS server could answer differently) ever happens.
    QNetworkRequest request = pinnedRequest(url, address);
    request.setRawHeader("User-Agent", QByteArrayLiteral("mediaforge/" MEDIAFORGE_VERSION));
    // With our own Accept-Encoding Qt does not decompress: the size limit counts real bytes.
    request.setRawHeader("Accept-Encoding", "identity");
    for (const auto &[name, value] : std::as_const(m_headers))
        request.setRawHeader(name, value);
    if (!url.userName().isEmpty()) {
        // Credentials from the URL go to this URL's origin only (a redirect elsewhere has none).
        const QByteArray credentials = url.userName(QUrl::FullyDecoded).toUtf8() + ':'
                + url.password(QUrl::FullyDecoded).toUtf8();
        request.setRawHeader("Authorization", "Basic " + credentials.toBase64());
    }
    if (m_signer)
        m_signer(request, url, request.rawHeader("Host"));

    qCDebug(lcInput).noquote() << "request" << Logging::redactUrl(url) << "via" << address.toString();
    m_reply = m_network.get(request);
    m_reply->setReadBufferSize(kReadBufferSize);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &Downloader::onMetaDataChanged);
    connect(m_reply, &QNetworkReply::readyRead, this, &Downloader::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &Downloader::onReplyFinished);
    m_stallTimer->start();
}

void Downloader::onMetaDataChanged()
{
    if (!m_reply || m_done || m_headersHandled)
        return;
    const QVariant statusValue = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusValue.isValid())
        return;
    m_stallTimer->start();
    const int status = statusValue.toInt();
    if (isFollowedRedirect(status)) {
        followRedirect(status);
        return;
    }
    if (status < 200 || status >= 300) {
        // Not aborted: Qt's own error for this status is already on its way from the network
        // thread and would hit an aborted reply (a warning). Deleting the reply closes its
        // connection just as well.
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        reply->deleteLater();
        fail(Error(ErrorCode::DownloadFailed,
                   QStringLiteral("download failed: the server answered HTTP %1").arg(status),
                   QJsonObject{{QStringLiteral("status"), status}}));
        return;
    }
    const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
    m_total = length.isValid() ? length.toLongLong() : -1;
    if (m_total > m_limits.maxBytes) {
        fail(Error(ErrorCode::TooLarge,
                   QStringLiteral("download refused: %1 bytes announced, the limit is %2")
                           .arg(m_total)
                           .arg(m_limits.maxBytes),
                   QJsonObject{{QStringLiteral("max_bytes"), m_limits.maxBytes},
                               {QStringLiteral("content_length"), m_total}}));
        return;
    }
    if (m_total > 0 && m_limits.admit) {
        if (auto refused = m_limits.admit(0, m_total, true)) {
            fail(*refused);
            return;
        }
    }
    QString name = sanitizeFileName(
            fileNameFromContentDisposition(m_reply->rawHeader("Content-Disposition")));
    if (name.isEmpty())
        name = sanitizeFileName(m_currentUrl.fileName(QUrl::FullyDecoded));
    m_suggestedName = name.isEmpty() ? QStringLiteral("download") : name;
    if (!openDestination())
        return;
    m_headersHandled = true;
}

void Downloader::followRedirect(int status)
{
    const QByteArray location = m_reply->rawHeader("Location");
    if (location.isEmpty()) {
        fail(Error(ErrorCode::DownloadFailed,
                   QStringLiteral("download failed: HTTP %1 without a Location").arg(status),
                   QJsonObject{{QStringLiteral("status"), status},
                               {QStringLiteral("reason"), QStringLiteral("redirect_without_location")}}));
        return;
    }
    if (m_redirects >= m_limits.maxRedirects) {
        fail(Error(ErrorCode::DownloadFailed,
                   QStringLiteral("download failed: too many redirects (more than %1)")
                           .arg(m_limits.maxRedirects),
                   QJsonObject{{QStringLiteral("reason"), QStringLiteral("too_many_redirects")},
                               {QStringLiteral("max_redirects"), m_limits.maxRedirects},
                               {QStringLiteral("status"), status}}));
        return;
    }
    // Relative references resolve against the URL the client sees (with its host name), not
    // against the pinned one.
    const QUrl next = m_currentUrl.resolved(QUrl::fromEncoded(location, QUrl::TolerantMode));
    if (auto error = checkRedirect(m_currentUrl, next)) {
        fail(*error);
        return;
    }
    ++m_redirects;
    qCInfo(lcInput).noquote() << "redirect" << status << Logging::redactUrl(m_currentUrl) << "->"
                              << Logging::redactUrl(next);
    // The redirect's own body is of no interest; dropping the reply closes its connection.
    releaseReply();
    requestHop(next);
}

bool Downloader::openDestination()
{
    m_file.setFileName(m_destinationPath);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        qCWarning(lcInput).noquote() << "cannot write download file" << Logging::redactPaths(m_destinationPath)
                                     << m_file.errorString();
        fail(Error(ErrorCode::InternalError, QStringLiteral("cannot store the download")));
        return false;
    }
    m_fileCreated = true;
    m_hash.reset();
    return true;
}

void Downloader::onReadyRead()
{
    if (!m_reply || m_done)
        return;
    if (!m_headersHandled) {
        onMetaDataChanged();
        if (!m_reply || m_done || !m_headersHandled)
            return;
    }
    QByteArray buffer(kCopyChunk, Qt::Uninitialized);
    bool gotBytes = false;
    while (m_reply->bytesAvailable() > 0) {
        const qint64 count = m_reply->read(buffer.data(), buffer.size());
        if (count <= 0)
            break;
        if (count > m_limits.maxBytes - m_received) {
            fail(Error(ErrorCode::TooLarge,
                       QStringLiteral("download aborted: more than %1 bytes").arg(m_limits.maxBytes),
                       QJsonObject{{QStringLiteral("max_bytes"), m_limits.maxBytes}}));
            return;
        }
        if (m_limits.admit) {
            if (auto refused = m_limits.admit(m_received, count, false)) {
                fail(*refused);
                return;
            }
        }
        if (m_file.write(buffer.constData(), count) != count) {
            qCWarning(lcInput).noquote() << "writing the download failed:" << m_file.errorString();
            fail(Error(ErrorCode::InternalError, QStringLiteral("cannot store the download")));
            return;
        }
        m_hash.addData(QByteArrayView(buffer.constData(), count));
        m_received += count;
        gotBytes = true;
    }
    if (gotBytes) {
        m_stallTimer->start();
        emit progress(m_received, m_total);
    }
}

void Downloader::onReplyFinished()
{
    if (!m_reply || m_done)
        return;
    QNetworkReply *reply = m_reply;
    // A status line may arrive together with the end of the reply; judge it before the error
    // Qt derives from it (e.g. ContentNotFoundError for 404).
    if (!m_headersHandled) {
        onMetaDataChanged();
        if (m_done || m_reply != reply)
            return;
    }
    if (reply->error() != QNetworkReply::NoError) {
        const QString text = reply->errorString().replace(reply->url().toString(),
                                                          Logging::redactUrl(m_currentUrl));
        qCInfo(lcInput).noquote() << "download failed:" << Logging::redactUrl(m_currentUrl) << text;
        fail(Error(ErrorCode::DownloadFailed, QStringLiteral("download failed: %1").arg(text),
                   QJsonObject{{QStringLiteral("network_error"), text},
                               {QStringLiteral("network_error_code"), networkErrorName(reply->error())}}));
        return;
    }
    if (!m_headersHandled) {
        fail(Error(ErrorCode::DownloadFailed, QStringLiteral("download failed: no HTTP response"),
                   QJsonObject{{QStringLiteral("network_error"), QStringLiteral("no HTTP response")}}));
        return;
    }
    onReadyRead();
    if (m_done)
        return;
    if (m_total >= 0 && m_received != m_total) {
        fail(Error(ErrorCode::DownloadFailed,
                   QStringLiteral("download failed: %1 of %2 bytes received").arg(m_received).arg(m_total),
                   QJsonObject{{QStringLiteral("network_error"), QStringLiteral("body shorter than Content-Length")}}));
        return;
    }
    succeed();
}

void Downloader::fail(Error error)
{
    if (m_done)
        return;
    m_done = true;
    qCInfo(lcInput).noquote() << "download failed" << Logging::redactUrl(m_currentUrl)
                              << errorCodeName(error.code) << error.message;
    m_error = std::move(error);
    cleanUp();
    finishLater();
}

void Downloader::succeed()
{
    if (!m_file.flush()) {
        qCWarning(lcInput).noquote() << "writing the download failed:" << m_file.errorString();
        fail(Error(ErrorCode::InternalError, QStringLiteral("cannot store the download")));
        return;
    }
    m_done = true;
    m_stallTimer->stop();
    m_totalTimer->stop();
    releaseReply();
    m_file.close();
    qCInfo(lcInput).noquote() << "downloaded" << m_received << "bytes from"
                              << Logging::redactUrl(m_currentUrl) << "in" << m_elapsed.elapsed() << "ms";
    finishLater();
}

void Downloader::releaseReply()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    // Disconnect first: abort() emits finished() synchronously.
    reply->disconnect(this);
    if (reply->isRunning())
        reply->abort();
    reply->deleteLater();
}

void Downloader::cleanUp()
{
    m_stallTimer->stop();
    m_totalTimer->stop();
    releaseReply();
    if (m_file.isOpen())
        m_file.close();
    if (m_fileCreated) {
        QFile::remove(m_destinationPath);
        m_fileCreated = false;
    }
}

void Downloader::finishLater()
{
    // Queued, so that a caller never sees finished() from inside start() or from inside one of
    // its own slots, and so that cancel() can still withdraw it.
    QMetaObject::invokeMethod(
            this,
            [this] {
                if (m_cancelled || m_finishEmitted)
                    return;
                m_finishEmitted = true;
                emit finished();
            },
            Qt::QueuedConnection);
}

} // namespace Mediaforge

// moc output in this object file (as Qt's own modules do): a program that links Downloader
// then needs nothing from the library's shared moc unit.
#include "moc_downloader.cpp"
