// SPDX-License-Identifier: GPL-3.0-or-later
#include "webhookattempt.h"

#include "webhooksigner.h"

#include <QNetworkProxy>
#include <QRegularExpression>
#include <QSslSocket>
#include <QTimer>

#include <algorithm>

namespace Mediaforge {

WebhookAttempt::WebhookAttempt(HostResolver &resolver, const UrlPolicy &policy, std::chrono::milliseconds timeout,
                               qint64 maxResponseBytes, QObject *parent)
    : QObject(parent), m_resolver(resolver), m_policy(policy), m_maxResponseBytes(std::max<qint64>(maxResponseBytes, 256))
{
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(timeout);
    connect(m_timer, &QTimer::timeout, this, [this] {
        finish(0, QStringLiteral("timeout: no answer within %1 ms").arg(m_timer->interval()));
    });
}

WebhookAttempt::~WebhookAttempt()
{
    if (m_socket)
        m_socket->abort();
}

void WebhookAttempt::start(Request request)
{
    m_request = std::move(request);
    m_timer->start();
    if (const auto refused = checkUrlSyntax(m_request.url)) {
        finish(0, refused->message);
        return;
    }
    // IP literals (in any inet_aton spelling) are checked as the address they are: no lookup.
    if (const auto literal = hostLiteralAddress(m_request.url.host())) {
        if (const auto refused = checkAddresses(m_request.url, {*literal}, m_policy))
            finish(0, refused->message);
        else
            post(*literal);
        return;
    }
    m_resolver.lookup(m_request.url.host(), this, [this](QList<QHostAddress> addresses, QString error) {
        if (m_done)
            return;
        if (addresses.isEmpty()) {
            finish(0, QStringLiteral("could not resolve %1: %2")
                              .arg(m_request.url.host(), error.isEmpty() ? QStringLiteral("host not found") : error));
            return;
        }
        if (const auto refused = checkAddresses(m_request.url, addresses, m_policy)) {
            finish(0, refused->message);
            return;
        }
        post(addresses.first());
    });
}

void WebhookAttempt::post(const QHostAddress &address)
{
    const QUrl &url = m_request.url;
    const bool https = url.scheme() == u"https";
    const auto literal = hostLiteralAddress(url.host());
    const quint16 port = quint16(url.port(https ? 443 : 80));
    QByteArray host = literal ? url.host(QUrl::FullyEncoded).toLatin1() : QUrl::toAce(url.host());
    if (literal && literal->protocol() == QAbstractSocket::IPv6Protocol && !host.startsWith('['))
        host = '[' + host + ']';
    if (url.port() != -1)
        host += ':' + QByteArray::number(url.port());
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();

    QByteArray head = "POST " + target + " HTTP/1.1\r\nHost: " + host
            + "\r\nUser-Agent: mediaforge-webhooks/" MEDIAFORGE_VERSION
              "\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(m_request.body.size()) + "\r\nConnection: close\r\n";
    for (const auto &[name, value] : std::as_const(m_request.headers))
        head += name + ": " + value + "\r\n";
    head += "\r\n";

    m_socket = new QSslSocket(this);
    // Straight to the checked address: a proxy would connect elsewhere.
    m_socket->setProxy(QNetworkProxy::NoProxy);
    // The socket stops reading once this much waits: an endless answer is never buffered.
    m_socket->setReadBufferSize(m_maxResponseBytes);
    connect(m_socket, &QSslSocket::readyRead, this, &WebhookAttempt::onReadyRead);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this] {
        finish(0, m_socket->errorString());
    });
    connect(m_socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        finish(0, errors.isEmpty() ? QStringLiteral("TLS error") : errors.constFirst().errorString());
    });
    connect(m_socket, &QAbstractSocket::disconnected, this, [this] {
        finish(0, QStringLiteral("the receiver closed the connection without an answer"));
    });
    const QByteArray request = head + m_request.body;
    if (https) {
        // Pinned: the socket goes to the checked address; the certificate is checked (and SNI
        // sent) for the name in the URL.
        connect(m_socket, &QSslSocket::encrypted, this, [this, request] { m_socket->write(request); });
        m_socket->connectToHostEncrypted(address.toString(), port,
                                         literal ? address.toString() : QString::fromLatin1(QUrl::toAce(url.host())));
    } else {
        connect(m_socket, &QAbstractSocket::connected, this, [this, request] { m_socket->write(request); });
        m_socket->connectToHost(address, port);
    }
}

void WebhookAttempt::onReadyRead()
{
    if (!m_socket || m_done)
        return;
    m_answer += m_socket->read(m_maxResponseBytes - m_answer.size());
    // Only the status line is wanted: "HTTP/1.1 204 No Content".
    const qsizetype end = m_answer.indexOf("\r\n");
    if (end < 0) {
        if (m_answer.size() >= m_maxResponseBytes)
            finish(0, QStringLiteral("no HTTP status line in the first %1 bytes of the answer").arg(m_maxResponseBytes));
        return;
    }
    static const QRegularExpression statusLine(QStringLiteral("^HTTP/1\\.[01] ([1-5][0-9][0-9])(?: |$)"));
    const QRegularExpressionMatch match = statusLine.match(QString::fromLatin1(m_answer.left(end)));
    if (!match.hasMatch()) {
        finish(0, QStringLiteral("the answer is not HTTP/1.x"));
        return;
    }
    const int status = match.captured(1).toInt();
    finish(status, QStringLiteral("HTTP %1").arg(status));
}

void WebhookAttempt::finish(int status, const QString &error)
{
    if (m_done)
        return;
    m_done = true;
    m_timer->stop();
    m_status = status;
    m_error = status >= 200 && status < 300 ? QString() : error;
    if (m_socket) {
        // Whatever the receiver still sends is not read: the connection ends here.
        m_socket->disconnect(this);
        m_socket->abort();
    }
    QMetaObject::invokeMethod(this, &WebhookAttempt::finished, Qt::QueuedConnection);
}

} // namespace Mediaforge
