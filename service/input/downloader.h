// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "urlguard.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <chrono>
#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;
class QTimer;

namespace Mediaforge {

// The Host header of a request pinned to a checked address: the URL's own host (a literal as
// the C library reads it), and its port. Shared with OutputUploader.
QByteArray hostHeader(const QUrl &url, const std::optional<QHostAddress> &literal);

struct DownloadLimits
{
    qint64 maxBytes = qint64(2) * 1024 * 1024 * 1024;
    int maxRedirects = 5;
    std::chrono::milliseconds stallTimeout = std::chrono::seconds(120);  // no byte for this long
    std::chrono::milliseconds totalTimeout = std::chrono::seconds(600);
    // Asked before bytes are stored: with the size a server announces (`announced`, `more` is
    // the Content-Length), then before each chunk is written (`received` so far, `more` about
    // to be written). An error fails the download with it. The job's input total and the disk
    // are the caller's business, not this class's.
    std::function<std::optional<Error>(qint64 received, qint64 more, bool announced)> admit;
};

// Streams one http(s) URL to a file. Every hop (the first request and each redirect) is
// checked: scheme, then the resolved addresses against UrlPolicy. Redirects are followed by
// hand for that reason. The size limit is enforced on Content-Length and on the bytes
// actually received; the file is removed on any failure.
class Downloader : public QObject
{
    Q_OBJECT
public:
    Downloader(QNetworkAccessManager &network, HostResolver &resolver, UrlPolicy policy,
               DownloadLimits limits, QObject *parent = nullptr);
    ~Downloader() override;

    // Called for every request just before it is sent, with the URL as meant (not the pinned
    // one) and the Host header sent: a configured storage's SigV4 signature goes in here.
    using RequestSigner = std::function<void(QNetworkRequest &request, const QUrl &url, const QByteArray &host)>;
    void setRequestSigner(RequestSigner signer) { m_signer = std::move(signer); }

    void start(const QUrl &url, const QString &destinationPath);
    // Header fields sent with every request (a node-to-node signature); before start().
    void setHeaders(QList<std::pair<QByteArray, QByteArray>> headers) { m_headers = std::move(headers); }
    void cancel();   // aborts, removes the file; finished() is not emitted afterwards

    // After finished(): nullopt on success, else URL_NOT_ALLOWED, DOWNLOAD_FAILED (details:
    // {"status": 404} or {"network_error": "..."}), TOO_LARGE or TIMEOUT (details
    // {"reason": "stalled"|"time_limit"}).
    const std::optional<Error> &error() const { return m_error; }
    qint64 bytesReceived() const { return m_received; }
    // SHA-256 (hex) of the bytes written, hashed as they arrived (the result cache's key).
    QString sha256() const { return QString::fromLatin1(m_hash.result().toHex()); }
    qint64 totalBytes() const { return m_total; }   // -1 when unknown
    // A display name: the last path segment of the final URL, or Content-Disposition's.
    QString suggestedFileName() const { return m_suggestedName; }
    QUrl finalUrl() const { return m_currentUrl; }

signals:
    void progress(qint64 bytesReceived, qint64 totalBytes);
    void finished();

private:
    void requestHop(const QUrl &url);
    void connectChecked(const QUrl &url, const QList<QHostAddress> &addresses);
    void sendRequest(const QUrl &url, const QHostAddress &address);
    void onMetaDataChanged();
    void onReadyRead();
    void onReplyFinished();
    void followRedirect(int status);
    bool openDestination();
    void fail(Error error);
    void succeed();
    void releaseReply();
    void cleanUp();
    void finishLater();

    QNetworkAccessManager &m_network;
    HostResolver &m_resolver;
    UrlPolicy m_policy;
    DownloadLimits m_limits;
    RequestSigner m_signer;
    QPointer<QNetworkReply> m_reply;
    QFile m_file;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    QTimer *m_stallTimer = nullptr;
    QTimer *m_totalTimer = nullptr;
    QElapsedTimer m_elapsed;
    QUrl m_currentUrl;
    QList<std::pair<QByteArray, QByteArray>> m_headers;
    QString m_destinationPath;
    QString m_suggestedName;
    std::optional<Error> m_error;
    qint64 m_received = 0;
    qint64 m_total = -1;
    int m_redirects = 0;
    quint64 m_hop = 0;              // a lookup answer for an earlier hop is dropped
    bool m_started = false;
    bool m_headersHandled = false;  // the current reply's status and headers were accepted
    bool m_fileCreated = false;
    bool m_cancelled = false;
    bool m_finishEmitted = false;
    bool m_done = false;
};

} // namespace Mediaforge
