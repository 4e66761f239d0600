// SPDX-License-Identifier: GPL-3.0-or-later
#include "acceptresumer.h"

#include "logging/logging.h"

#include <QDir>
#include <QTcpServer>
#include <QTimer>

#include <algorithm>
#include <limits>

#include <sys/resource.h>

namespace Mediaforge {

namespace {

qint64 descriptorLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return std::numeric_limits<qint64>::max();
    return qint64(limit.rlim_cur);
}

// Descriptors kept free for what the service opens besides connections (uploads, ffmpeg's
// pipes, the store): an eighth of the limit, within bounds.
qint64 reserveFor(qint64 limit)
{
    return std::clamp<qint64>(limit / 8, 4, 64);
}

qint64 descriptorsInUse()
{
    return QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot).size();
}

} // namespace

AcceptResumer::AcceptResumer(QTcpServer *server, QString what, std::chrono::milliseconds retry, QObject *parent)
    : QObject(parent), m_server(server), m_what(std::move(what))
{
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    m_retry->setInterval(retry);
    connect(m_retry, &QTimer::timeout, this, &AcceptResumer::tryResume);
    connect(server, &QTcpServer::acceptError, this, &AcceptResumer::onAcceptError);
}

void AcceptResumer::accepted(qintptr descriptor)
{
    const qint64 limit = descriptorLimit();
    if (!m_paused && descriptor >= limit - reserveFor(limit))
        pause(QStringLiteral("%1 of %2 file descriptors in use").arg(descriptor + 1).arg(limit));
}

void AcceptResumer::onAcceptError(QAbstractSocket::SocketError error)
{
    // QTcpServer has paused itself already; it stays paused until tryResume finds room.
    pause(QStringLiteral("%1 (%2)").arg(m_server->errorString()).arg(int(error)));
}

void AcceptResumer::pause(const QString &why)
{
    // Qt 6.4's pause/resumeAccepting dereference the listening socket without a check: on a
    // server that has stopped listening (shutdown began) they crash.
    if (!m_server->isListening())
        return;
    m_server->pauseAccepting();
    if (!m_paused) {
        m_paused = true;
        if (!m_sinceWarning.isValid() || m_sinceWarning.elapsed() >= 60000) {
            m_warned = true;
            m_sinceWarning.start();
            qCWarning(lcServer).noquote() << "not accepting" << m_what << "connections for now:" << why
                                          << QStringLiteral("- retrying every %1 ms").arg(m_retry->interval());
        }
    }
    m_retry->start();
}

void AcceptResumer::tryResume()
{
    const qint64 limit = descriptorLimit();
    if (descriptorsInUse() >= limit - reserveFor(limit)) {
        m_retry->start();
        return;
    }
    m_paused = false;
    if (!m_server->isListening())
        return;   // closed meanwhile (shutdown): nothing to resume
    m_server->resumeAccepting();
    if (m_warned) {
        m_warned = false;
        qCInfo(lcServer).noquote() << "accepting" << m_what << "connections again";
    }
}

} // namespace Mediaforge
