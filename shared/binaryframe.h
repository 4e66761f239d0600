// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>

namespace Mediaforge {

// One binary WebSocket message, both directions:
//   [4 bytes: header length H <= 1024, big-endian][H bytes: UTF-8 JSON object][payload]
// The payload is a view into the message it was parsed from, so a 500 MiB level 0 upload is
// never copied on its way to disk.
struct BinaryFrame
{
    static constexpr int kMaxHeaderBytes = 1024;

    QJsonObject header;
    QByteArrayView payload;

    // INVALID_BINARY when the layout is wrong (short message, header too long, not a JSON
    // object).
    static Result<BinaryFrame> parse(QByteArrayView message);
    // Header and length prefix only: callers append the payload themselves so that a chunk
    // read from disk is written into the message buffer once.
    static QByteArray encodeHeader(const QJsonObject &header);
    static QByteArray encode(const QJsonObject &header, QByteArrayView payload);
};

} // namespace Mediaforge
