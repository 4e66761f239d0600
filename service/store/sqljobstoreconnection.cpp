// SPDX-License-Identifier: GPL-3.0-or-later
// SqlJobStore, continued: a connection that goes away. Qt's drivers do not reopen a connection
// by themselves, so a PostgreSQL server that restarted would leave the node unable to claim,
// renew or write until it was restarted too. Here the first call that finds the connection
// lost starts an outage: it is logged once (not once per write), the calls that follow fail at
// once without a round trip, and newQuery() reopens the connection after a back-off that
// doubles up to a bound. The engine asks reachable() to tell clients to retry and /health to
// say degraded.
#include "sqljobstore.h"

#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace Mediaforge {

namespace {

constexpr qint64 kFirstBackoffMs = 500;

} // namespace

void SqlJobStore::enableReconnect(std::chrono::milliseconds maxBackoff)
{
    m_reconnects = true;
    m_maxBackoffMs = std::max<qint64>(kFirstBackoffMs, maxBackoff.count());
    m_backoffMs = kFirstBackoffMs;
}

std::chrono::milliseconds SqlJobStore::retryAfter() const
{
    if (!m_outage.isValid())
        return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(std::max<qint64>(0, m_backoffMs - m_lastAttempt.elapsed()));
}

bool SqlJobStore::ready(const char *what)
{
    if (m_outage.isValid() && m_lastAttempt.elapsed() >= m_backoffMs)
        reconnect();
    if (!m_outage.isValid())
        return true;
    m_lastError = QStringLiteral("%1: the job store is unreachable (%2)").arg(QString::fromLatin1(what), m_outageReason);
    return false;
}

bool SqlJobStore::begun(bool ok, const char *what)
{
    if (ok)
        return true;
    const QSqlError error = m_database.lastError();
    if (m_reconnects && connectionLost(error)) {
        beginOutage(error.text().simplified());
        m_lastError = QStringLiteral("%1: the job store is unreachable (%2)").arg(QString::fromLatin1(what), m_outageReason);
        return false;
    }
    m_lastError = QStringLiteral("%1: begin: %2").arg(QString::fromLatin1(what), error.text());
    qCWarning(lcStore).noquote() << "job store" << m_lastError;
    return false;
}

bool SqlJobStore::connectionLost(const QSqlError &error) const
{
    // An error the server raised about the statement carries its SQLSTATE; a lost connection
    // carries none (libpq had no result to read it from), class 08 (connection exception), or
    // 57P01..57P03 (the server is shutting down or restarting).
    const QString state = error.nativeErrorCode();
    return !m_database.isOpen() || error.type() == QSqlError::ConnectionError || state.isEmpty()
            || state.startsWith(QLatin1StringView("08")) || state.startsWith(QLatin1StringView("57P"));
}

void SqlJobStore::beginOutage(const QString &reason)
{
    m_outage.start();
    m_lastAttempt.start();
    m_connected.invalidate();
    m_backoffMs = kFirstBackoffMs;
    m_attempts = 0;
    m_outageReason = reason.isEmpty() ? QStringLiteral("the connection was lost") : reason;
    qCWarning(lcStore).noquote() << "job store unreachable:" << m_outageReason
                                 << "- claims and writes wait; reconnecting with back-off (at most every"
                                 << m_maxBackoffMs / 1000.0 << "s)";
}

void SqlJobStore::reconnect()
{
    ++m_attempts;
    m_lastAttempt.restart();
    // close() drops the dead connection's socket; open() makes a new one with the same
    // parameters (URI options, password) and waits at most libpq's connect_timeout.
    dropPrepared();
    m_database.close();
    if (!m_database.open()) {
        m_outageReason = m_database.lastError().text().simplified();
        m_backoffMs = std::min(m_backoffMs * 2, m_maxBackoffMs);
        return;
    }
    qCInfo(lcStore).noquote() << "job store reachable again after" << m_outage.elapsed() / 1000.0 << "s and" << m_attempts
                              << (m_attempts == 1 ? "attempt" : "attempts");
    m_outage.invalidate();
    m_outageReason.clear();
    m_backoffMs = kFirstBackoffMs;
    m_connected.start();
}

QSqlQuery SqlJobStore::newQuery()
{
    if (m_outage.isValid() && m_lastAttempt.elapsed() >= m_backoffMs)
        reconnect();
    return QSqlQuery(m_database);
}

QSqlQuery &SqlJobStore::prepared(const QString &sql, bool forwardOnly)
{
    if (m_outage.isValid() && m_lastAttempt.elapsed() >= m_backoffMs)
        reconnect();   // as newQuery(); drops the old connection's statements
    // Kept for the life of the connection on both stores. On PostgreSQL, Qt's driver sends an
    // SQL PREPARE and later a DEALLOCATE for each prepared query, each a round trip of its own;
    // a kept statement costs only its EXECUTE. PREPARE and DEALLOCATE do not take part in
    // transactions, so a rollback leaves a kept statement valid; reconnect() drops them all.
    if (m_prepared.size() >= 64 && m_prepared.find(sql) == m_prepared.end())
        m_prepared.clear();
    Prepared &entry = m_prepared[sql];
    if (entry.ok && entry.query->isForwardOnly() == forwardOnly)
        return *entry.query;
    entry.query = std::make_unique<QSqlQuery>(m_database);
    entry.query->setForwardOnly(forwardOnly);
    entry.ok = entry.query->prepare(sql);   // when not, exec() reports the error
    return *entry.query;
}

} // namespace Mediaforge
