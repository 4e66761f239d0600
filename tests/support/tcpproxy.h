// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QThread>

class TcpProxyRelay;

// A loopback TCP relay between one peer and a real server, for cutting that peer off alone:
// a node whose store URL names the proxy's port loses its database when cut() is called,
// while every other node keeps reaching the server directly. Nothing is faked about the
// server or the peer; only the path between them can be broken. It relays on a thread of its
// own, since the test's thread blocks at times (starting a node, running psql).
class TcpProxy
{
public:
    TcpProxy();
    ~TcpProxy();
    TcpProxy(const TcpProxy &) = delete;
    TcpProxy &operator=(const TcpProxy &) = delete;

    // Listens on a free loopback port and relays each connection to 127.0.0.1:`targetPort`.
    bool listen(quint16 targetPort);
    quint16 port() const { return m_port; }

    // Drops every relayed connection at once (reset, as when the path dies) and, until
    // restore(), closes each new one on arrival.
    void cut();
    void restore();

private:
    QThread m_thread;
    TcpProxyRelay *m_relay = nullptr;
    quint16 m_port = 0;
};
