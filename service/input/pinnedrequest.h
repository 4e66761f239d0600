// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QNetworkRequest>
#include <QPointer>

#include <chrono>
#include <functional>

class QNetworkReply;
class QObject;
class QTimer;

namespace Mediaforge {

// A request for `url` that goes to `address` (one the URL guard allowed) and nowhere else: no
// second lookup that a rebinding DNS server could answer differently, no redirects followed, no
// HTTP/2 (it would take :authority from the pinned URL), no cache, cookies or reused
// credentials from the network manager that every job shares. Host, SNI and the certificate
// check still use the URL's name.
QNetworkRequest pinnedRequest(const QUrl &url, const QHostAddress &address);

// Stops a reply that is no longer wanted without its signals reaching `receiver` again.
void abandonReply(QPointer<QNetworkReply> &reply, QObject *receiver);

struct OutputUploadLimits
{
    int attempts = 3;
    std::chrono::milliseconds timeout = std::chrono::seconds(60);   // silence (no bytes accepted, no answer)
    std::chrono::milliseconds backoff = std::chrono::seconds(1);    // before the 2nd try; doubles after
    qint64 maxResponseBytes = 64 * 1024;                            // of a target's answer, read and dropped
};

// The attempts of one request against a remote that may be slow or down: a silence timer that
// any sign of life restarts, and retries with doubling back-off up to the limit.
class RequestAttempts
{
public:
    // `silent` runs when the silence timer fires (the caller drops its reply and reports a
    // failed attempt); `retry` runs when a scheduled retry is due. Both timers belong to `owner`.
    RequestAttempts(QObject *owner, const OutputUploadLimits &limits, std::function<void()> silent,
                    std::function<void()> retry);

    void begin() { ++m_attempt; }
    void reset() { m_attempt = 0; }
    int attempt() const { return m_attempt; }

    void alive();   // (re)starts the silence timer
    void quiet();   // stops it: the answer is in, or nothing is in flight
    void stop();    // stops both timers
    // After a failed attempt: schedules the next one and returns true, or false when none is left.
    bool retryLater();
    QString silenceReason() const;

private:
    OutputUploadLimits m_limits;
    QTimer *m_silence;
    QTimer *m_retry;
    int m_attempt = 0;
};

} // namespace Mediaforge
