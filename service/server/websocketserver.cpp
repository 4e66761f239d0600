// SPDX-License-Identifier: GPL-3.0-or-later
#include "websocketserver.h"

#include "config/config.h"
#include "logging/logging.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QUrl>
#include <QWebSocket>
#include <QWebSocketCorsAuthenticator>
#include <QWebSocketServer>

namespace Mediaforge {

namespace {
constexpr int kCloseCodeTooManyConnections = 4029;
} // namespace

WebSocketServer::WebSocketServer(const SessionContext &context, QObject *parent)
    : QObject(parent), m_context(context)
{
}

WebSocketServer::~WebSocketServer()
{
    closeAll();
}

bool WebSocketServer::isOriginAllowed(const QString &origin, const QStringList &allowed)
{
    if (origin.isEmpty())
        return true;
    if (allowed.contains(QStringLiteral("*")))
        return true;
    const QUrl url(origin);
    for (const QString &entry : allowed) {
        const QUrl candidate(entry);
        if (candidate.scheme().compare(url.scheme(), Qt::CaseInsensitive) == 0
            && candidate.host().compare(url.host(), Qt::CaseInsensitive) == 0
            && candidate.port(candidate.scheme() == QLatin1StringView("https") ? 443 : 80)
                    == url.port(url.scheme() == QLatin1StringView("https") ? 443 : 80))
            return true;
    }
    return false;
}

std::optional<QString> WebSocketServer::listen(const QString &host, quint16 port)
{
    const Config &config = *m_context.config;
    const bool secure = !config.tlsCertificate.isEmpty();
    m_scheme = secure ? QStringLiteral("wss") : QStringLiteral("ws");
    m_server = new QWebSocketServer(QStringLiteral("mediaforged/") + QStringLiteral(MEDIAFORGE_VERSION),
                                    secure ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode, this);
    if (secure) {
        QFile certificateFile(config.tlsCertificate);
        QFile keyFile(config.tlsKey);
        if (!certificateFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
            return QStringLiteral("cannot read --tls-cert or --tls-key");
        const QList<QSslCertificate> chain = QSslCertificate::fromData(certificateFile.readAll(), QSsl::Pem);
        const QByteArray keyPem = keyFile.readAll();
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (chain.isEmpty() || key.isNull())
            return QStringLiteral("--tls-cert or --tls-key is not a PEM certificate/key");
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setLocalCertificateChain(chain);
        ssl.setPrivateKey(key);
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_server->setSslConfiguration(ssl);
    }
    m_server->setHandshakeTimeout(std::chrono::seconds(config.handshakeTimeoutSeconds));
    m_server->setMaxPendingConnections(128);
    connect(m_server, &QWebSocketServer::originAuthenticationRequired, this,
            [this](QWebSocketCorsAuthenticator *authenticator) {
                const bool allowed = isOriginAllowed(authenticator->origin(), m_context.config->allowedOrigins);
                authenticator->setAllowed(allowed);
                if (!allowed) {
                    qCInfo(lcAuth).noquote() << Logging::Fields{{QStringLiteral("origin"), authenticator->origin()}}
                                             << "refused a browser origin not in --allowed-origins";
                }
            });
    connect(m_server, &QWebSocketServer::newConnection, this, &WebSocketServer::onNewConnection);
    const QHostAddress address = host == QLatin1StringView("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                        : QHostAddress(host);
    if (!m_server->listen(address, port))
        return QStringLiteral("cannot listen on %1:%2: %3").arg(host).arg(port).arg(m_server->errorString());
    return std::nullopt;
}

quint16 WebSocketServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

QString WebSocketServer::url() const
{
    QHostAddress address = m_server->serverAddress();
    QString host = address.toString();
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    return m_scheme + QStringLiteral("://") + host + u':' + QString::number(port());
}

void WebSocketServer::onNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        if (m_sessions.size() >= m_context.config->maxConnections) {
            qCWarning(lcServer) << "connection limit reached; refusing a connection";
            // 4029 (application range; "too many", after HTTP 429): Qt refuses to send 1013.
            socket->close(QWebSocketProtocol::CloseCode(kCloseCodeTooManyConnections),
                          QStringLiteral("connection limit reached; try again later"));
            socket->deleteLater();
            continue;
        }
        const quint64 id = m_nextConnectionId++;
        auto *session = new Session(socket, id, m_context, this);
        m_sessions.insert(id, session);
        connect(session, &Session::closed, this, [this](quint64 connectionId) {
            if (Session *closed = m_sessions.take(connectionId)) {
                closed->deleteLater();
                emit connectionCountChanged(int(m_sessions.size()));
            }
        });
        emit connectionCountChanged(int(m_sessions.size()));
    }
}

void WebSocketServer::stopListening()
{
    if (m_server)
        m_server->close();
}

void WebSocketServer::notifyAll(const Error &error)
{
    for (Session *session : std::as_const(m_sessions))
        session->sendError(error);
}

void WebSocketServer::closeAll()
{
    const QList<Session *> sessions = m_sessions.values();
    m_sessions.clear();
    for (Session *session : sessions)
        delete session;
}

} // namespace Mediaforge
