// SPDX-License-Identifier: GPL-3.0-or-later
#include "binaryframe.h"

#include <QJsonDocument>
#include <QtEndian>

namespace Mediaforge {

Result<BinaryFrame> BinaryFrame::parse(QByteArrayView message)
{
    if (message.size() < 4) {
        return Error{ErrorCode::InvalidBinary,
                     QStringLiteral("binary message shorter than its 4-byte header length")};
    }
    const quint32 headerLength = qFromBigEndian<quint32>(message.data());
    if (headerLength == 0 || headerLength > quint32(kMaxHeaderBytes)) {
        return Error{ErrorCode::InvalidBinary,
                     QStringLiteral("binary header length %1 is outside 1..%2")
                             .arg(headerLength)
                             .arg(kMaxHeaderBytes)};
    }
    if (qsizetype(headerLength) > message.size() - 4) {
        return Error{ErrorCode::InvalidBinary,
                     QStringLiteral("binary header length %1 exceeds the message").arg(headerLength)};
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(
            message.sliced(4, headerLength).toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        return Error{ErrorCode::InvalidBinary,
                     QStringLiteral("binary header is not a JSON object")};
    }
    return BinaryFrame{document.object(), message.sliced(4 + headerLength)};
}

QByteArray BinaryFrame::encodeHeader(const QJsonObject &header)
{
    const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    QByteArray out(4, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(json.size()), out.data());
    out.append(json);
    return out;
}

QByteArray BinaryFrame::encode(const QJsonObject &header, QByteArrayView payload)
{
    QByteArray out = encodeHeader(header);
    out.reserve(out.size() + payload.size());
    out.append(payload);
    return out;
}

} // namespace Mediaforge
