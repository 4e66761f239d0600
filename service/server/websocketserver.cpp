// SPDX-License-Identifier: GPL-3.0-or-later
#include "websocketserver.h"

#include "acceptresumer.h"
#include "bytebudget.h"
#include "directtcpserver.h"
#include "config/config.h"
#include "logging/logging.h"
#include "peersocket.h"

#include <QFile>
#include <QPointer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <QWebSocket>
#include <QWebSocketCorsAuthenticator>
#include <QWebSocketServer>

namespace Mediaforge {

namespace {
constexpr int kCloseCodeTooManyConnections = 4029;
} // namespace

WebSocketServer::WebSocketServer(const SessionContext &context, QObject *parent)
    : QObject(parent), m_context(std::make_shared<SessionContext>(context))
{
    const Config &config = *m_context->config;
    m_receiveBudget = new ByteBudget(config.receiveBudgetBytes, this);
    m_outputBudget = new ByteBudget(config.level0OutputBudgetBytes, this);
    m_context->level0OutputBudget = m_outputBudget;
    // One clock for every session's keep-alive: a QTimer each cost about 0.5 KiB a connection
    // and 10,000 timers in the event dispatcher (docs/performance.md, B4).
    m_keepAliveClock = new QTimer(this);
    m_keepAliveClock->setInterval(std::chrono::seconds(1));
    connect(m_keepAliveClock, &QTimer::timeout, this, &WebSocketServer::keepAliveTick);
    m_keepAliveClock->start();
}

void WebSocketServer::keepAliveTick()
{
    // Each session's turn comes once per ping interval, in the second its id falls on, so
    // that 10,000 connections are not pinged in one burst.
    const quint64 interval = quint64(std::max(1, m_context->config->pingIntervalSeconds));
    const quint64 phase = m_keepAliveTicks++ % interval;
    QList<QPointer<Session>> due;
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it) {
        if (it.key() % interval == phase)
            due.append(it.value());
    }
    // Collected first: a silent peer is closed from keepAlive(), which leaves m_sessions.
    for (const QPointer<Session> &session : std::as_const(due)) {
        if (session)
            session->keepAlive();
    }
}

WebSocketServer::~WebSocketServer()
{
    closeAll();
    // Sockets still in their handshake carry a PeerSocket whose budget share points at
    // m_receiveBudget: they go before the budgets, which are older children and would be
    // destroyed first.
    delete m_server;
    m_server = nullptr;
    delete m_listener;
    m_listener = nullptr;
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
    const Config &config = *m_context->config;
    const bool secure = !config.tlsCertificate.isEmpty();
    m_scheme = secure ? QStringLiteral("wss") : QStringLiteral("ws");
    // Never listens itself: it upgrades the connections our listener hands it.
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
        auto *sslServer = new QSslServer(this);
        sslServer->setSslConfiguration(ssl);
        sslServer->setHandshakeTimeout(config.handshakeTimeoutSeconds * 1000);
        // Sockets become ours once their TLS handshake is done.
        connect(sslServer, &QTcpServer::pendingConnectionAvailable, this, &WebSocketServer::onTcpConnection);
        m_listener = sslServer;
    } else {
        // Small writes skip Qt's 32 KiB write block (see DirectWriteSocket); TLS keeps
        // QSslSocket, whose encryption needs its own buffers anyway.
        m_listener = new DirectTcpServer(this);
        connect(m_listener, &QTcpServer::newConnection, this, &WebSocketServer::onTcpConnection);
    }
    // Without it, one accept() failing for want of a file descriptor would close the port for good.
    m_acceptResumer = new AcceptResumer(m_listener, QStringLiteral("WebSocket"), std::chrono::milliseconds(500), this);
    m_listener->setMaxPendingConnections(128);
    m_server->setMaxPendingConnections(128);
    connect(m_server, &QWebSocketServer::originAuthenticationRequired, this,
            [this](QWebSocketCorsAuthenticator *authenticator) {
                const bool allowed = isOriginAllowed(authenticator->origin(), m_context->config->allowedOrigins);
                authenticator->setAllowed(allowed);
                if (!allowed) {
                    qCInfo(lcAuth).noquote() << Logging::Fields{{QStringLiteral("origin"), authenticator->origin()}}
                                             << "refused a browser origin not in --allowed-origins";
                }
            });
    connect(m_server, &QWebSocketServer::newConnection, this, &WebSocketServer::onUpgraded);
    const QHostAddress address = host == QLatin1StringView("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                        : QHostAddress(host);
    if (!m_listener->listen(address, port))
        return QStringLiteral("cannot listen on %1:%2: %3").arg(host).arg(port).arg(m_listener->errorString());
    return std::nullopt;
}

quint16 WebSocketServer::port() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

QString WebSocketServer::url() const
{
    QHostAddress address = m_listener->serverAddress();
    QString host = address.toString();
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    return m_scheme + QStringLiteral("://") + host + u':' + QString::number(port());
}

QString WebSocketServer::peerKey(const QHostAddress &address, quint16 port)
{
    return address.toString() + u'|' + QString::number(port);
}

void WebSocketServer::onTcpConnection()
{
    const Config &config = *m_context->config;
    while (QTcpSocket *tcp = m_listener->nextPendingConnection()) {
        m_acceptResumer->accepted(tcp->socketDescriptor());
        const QHostAddress address = tcp->peerAddress();
        const int fromAddress = m_unauthenticatedByAddress.value(address);
        // Without tokens on loopback every local peer is an admin the moment its handshake is
        // done; the caps are for services that anyone else can reach.
        const bool capped = m_context->authenticator->enabled() || !config.bindsLoopbackOnly();
        if (capped && (fromAddress >= config.maxUnauthenticatedPerAddress
                       || m_unauthenticated.size() >= config.maxUnauthenticated)) {
            const bool perAddress = fromAddress >= config.maxUnauthenticatedPerAddress;
            qCWarning(lcServer).noquote() << Logging::Fields{{QStringLiteral("peer"), address.toString()}}
                                          << (perAddress ? "too many unauthenticated connections from this address; refusing one"
                                                         : "too many unauthenticated connections; refusing one");
            // Before the WebSocket handshake the only answer a client understands is HTTP.
            tcp->write(QByteArrayLiteral("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
                                         "Content-Length: 0\r\nConnection: close\r\n\r\n"));
            tcp->disconnectFromHost();
            connect(tcp, &QAbstractSocket::disconnected, tcp, &QObject::deleteLater);
            QTimer::singleShot(std::chrono::seconds(2), tcp, [tcp] { tcp->abort(); tcp->deleteLater(); });
            continue;
        }
        PeerSocket::Limits limits;
        limits.anonymousBytes = config.maxMessageBytes;
        // A chunk, its header and a text message or two side by side, at rest.
        limits.baseBuffer = config.maxChunkBytes + 2 * config.maxMessageBytes;
        limits.maxMessage = std::max(config.maxBinaryMessageBytes, config.maxMessageBytes);
        auto *peer = new PeerSocket(tcp, limits, m_receiveBudget);
        m_unauthenticated.insert(peer, address);
        ++m_unauthenticatedByAddress[address];
        const QString key = peerKey(address, tcp->peerPort());
        m_handshaking.insert(key, peer);
        connect(peer, &PeerSocket::authenticated, this, [this, peer] { forgetUnauthenticated(peer); });
        connect(peer, &QObject::destroyed, this, [this, peer, key] {
            if (m_handshaking.value(key) == peer)
                m_handshaking.remove(key);
            forgetUnauthenticated(peer);
        });
        // QWebSocketServer only times out handshakes of the connections it accepted itself.
        QTimer::singleShot(std::chrono::seconds(config.handshakeTimeoutSeconds), peer, [peer] {
            if (peer->phase() == PeerSocket::Phase::Handshake)
                peer->tcp()->abort();
        });
        m_server->handleConnection(tcp);
    }
}

void WebSocketServer::forgetUnauthenticated(PeerSocket *peer)
{
    const auto it = m_unauthenticated.constFind(peer);
    if (it == m_unauthenticated.constEnd())
        return;
    const QHostAddress address = *it;
    m_unauthenticated.erase(it);
    if (--m_unauthenticatedByAddress[address] <= 0)
        m_unauthenticatedByAddress.remove(address);
}

void WebSocketServer::onUpgraded()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        PeerSocket *peer = m_handshaking.take(peerKey(socket->peerAddress(), socket->peerPort()));
        if (!peer) {
            qCWarning(lcServer) << "an upgraded connection that was not accepted here; dropping it";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        peer->upgraded(socket);
        if (m_sessions.size() >= m_context->config->maxConnections) {
            qCWarning(lcServer) << "connection limit reached; refusing a connection";
            // 4029 (application range; "too many", after HTTP 429): Qt refuses to send 1013.
            socket->close(QWebSocketProtocol::CloseCode(kCloseCodeTooManyConnections),
                          QStringLiteral("connection limit reached; try again later"));
            socket->deleteLater();
            continue;
        }
        const quint64 id = m_nextConnectionId++;
        auto *session = new Session(socket, peer, id, m_context, this);
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
    if (m_listener)
        m_listener->close();
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
