// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "input/urlguard.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QUrl>

#include <chrono>

class QSslSocket;
class QTimer;

namespace Mediaforge {

// One POST of one delivery: the URL guard (syntax, the resolved addresses checked and the
// first one pinned, no redirect followed), then an HTTP/1.1 request on a socket of its own
// (Connection: close). One timer bounds everything from the lookup to the status line; only the
// status line is wanted, read within the first `maxResponseBytes`, and the connection is closed
// right after it, so that a receiver that never answers or streams without end holds neither a
// dispatcher slot nor memory past the limits. A socket of its own rather than
// QNetworkAccessManager: its pooled connections kept reading an aborted reply's endless body
// into memory (Qt 6.4), which the test of this class caught.
class WebhookAttempt : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QUrl url;
        QByteArray body;
        QList<std::pair<QByteArray, QByteArray>> headers;
    };

    WebhookAttempt(HostResolver &resolver, const UrlPolicy &policy,
                   std::chrono::milliseconds timeout, qint64 maxResponseBytes, QObject *parent = nullptr);
    ~WebhookAttempt() override;

    void start(Request request);

    // After finished(): the HTTP status (0 when none came) and, without a 2xx, why.
    int status() const { return m_status; }
    const QString &error() const { return m_error; }
    bool succeeded() const { return m_status >= 200 && m_status < 300; }

signals:
    void finished();

private:
    void post(const QHostAddress &address);
    void onReadyRead();
    void finish(int status, const QString &error);

    HostResolver &m_resolver;
    UrlPolicy m_policy;
    qint64 m_maxResponseBytes;
    Request m_request;
    QSslSocket *m_socket = nullptr;
    QTimer *m_timer = nullptr;
    QByteArray m_answer;
    int m_status = 0;
    QString m_error;
    bool m_done = false;
};

} // namespace Mediaforge
