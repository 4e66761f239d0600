// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QLoggingCategory>

#include <chrono>

namespace Mediaforge {

Q_DECLARE_LOGGING_CATEGORY(lcWebhooks)

namespace WebhookSigner {

// The Mediaforge-Signature header value: "t=<unix seconds>,v1=<hex HMAC-SHA256>" where the
// HMAC is keyed by `secret` over "<t>.<body>" (the raw body bytes as sent). The time inside the
// signed text lets a receiver refuse replays older than its tolerance.
QByteArray signature(const QByteArray &secret, qint64 unixSeconds, const QByteArray &body);

// Whether `header` (as signature() makes it) is valid for `body` under `secret` and no further
// than `tolerance` from `nowSeconds`: what a receiver does, here for the tests and the docs.
bool verify(const QByteArray &secret, const QByteArray &header, const QByteArray &body, qint64 nowSeconds,
            std::chrono::seconds tolerance);

} // namespace WebhookSigner

} // namespace Mediaforge
