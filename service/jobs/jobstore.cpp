// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobstore.h"

namespace Mediaforge {

QString HistoryCursor::encode() const
{
    return QString::number(finishedMs) + u'.' + QString::number(sequence);
}

std::optional<HistoryCursor> HistoryCursor::decode(const QString &text)
{
    const qsizetype dot = text.indexOf(u'.');
    if (text.size() > 48 || dot <= 0)
        return std::nullopt;
    bool timeOk = false;
    bool sequenceOk = false;
    HistoryCursor cursor;
    cursor.finishedMs = text.left(dot).toLongLong(&timeOk);
    cursor.sequence = text.mid(dot + 1).toULongLong(&sequenceOk);
    if (!timeOk || !sequenceOk || cursor.finishedMs < 0)
        return std::nullopt;
    return cursor;
}

} // namespace Mediaforge
