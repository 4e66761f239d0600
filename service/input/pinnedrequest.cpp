// SPDX-License-Identifier: GPL-3.0-or-later
#include "pinnedrequest.h"

#include "downloader.h"
#include "urlguard.h"

#include <QNetworkReply>
#include <QTimer>

namespace Mediaforge {

QNetworkRequest pinnedRequest(const QUrl &url, const QHostAddress &address)
{
    const auto literal = hostLiteralAddress(url.host());
    QUrl pinned = url;
    pinned.setUserInfo({});
    pinned.setFragment({});
    pinned.setHost(address.toString());
    QNetworkRequest request(pinned);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::AuthenticationReuseAttribute, QNetworkRequest::Manual);
    request.setRawHeader("Host", hostHeader(url, literal));
    if (!literal && url.scheme() == u"https")
        request.setPeerVerifyName(QString::fromLatin1(QUrl::toAce(url.host())));
    return request;
}

void abandonReply(QPointer<QNetworkReply> &reply, QObject *receiver)
{
    if (!reply)
        return;
    QNetworkReply *dropped = reply;
    reply = nullptr;
    dropped->disconnect(receiver);
    dropped->abort();
    dropped->deleteLater();
}

RequestAttempts::RequestAttempts(QObject *owner, const OutputUploadLimits &limits, std::function<void()> silent,
                                 std::function<void()> retry)
    : m_limits(limits),
      m_silence(new QTimer(owner)),
      m_retry(new QTimer(owner))
{
    m_silence->setSingleShot(true);
    m_silence->setInterval(m_limits.timeout);
    QObject::connect(m_silence, &QTimer::timeout, owner, std::move(silent));
    m_retry->setSingleShot(true);
    QObject::connect(m_retry, &QTimer::timeout, owner, std::move(retry));
}

void RequestAttempts::alive()
{
    m_silence->start();
}

void RequestAttempts::quiet()
{
    m_silence->stop();
}

void RequestAttempts::stop()
{
    m_silence->stop();
    m_retry->stop();
}

bool RequestAttempts::retryLater()
{
    if (m_attempt >= m_limits.attempts)
        return false;
    m_retry->start(m_limits.backoff * (1 << (std::max(m_attempt, 1) - 1)));
    return true;
}

QString RequestAttempts::silenceReason() const
{
    return QStringLiteral("no answer for %1 s").arg(double(m_limits.timeout.count()) / 1000.0);
}

} // namespace Mediaforge
