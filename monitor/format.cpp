// SPDX-License-Identifier: GPL-3.0-or-later
#include "format.h"

#include <QLocale>

#include <cmath>

namespace Mediaforge::Monitor {

QString Format::unknown()
{
    return QStringLiteral("\u2014");
}

QString Format::clock(double seconds)
{
    if (seconds < 0 || !std::isfinite(seconds))
        return unknown();
    const qint64 total = qint64(std::llround(seconds));
    const qint64 hours = total / 3600;
    const qint64 minutes = (total / 60) % 60;
    const qint64 secs = total % 60;
    const QLatin1Char zero('0');
    if (hours > 0)
        return QStringLiteral("%1:%2:%3").arg(hours).arg(minutes, 2, 10, zero).arg(secs, 2, 10, zero);
    return QStringLiteral("%1:%2").arg(minutes).arg(secs, 2, 10, zero);
}

QString Format::uptime(qint64 seconds)
{
    if (seconds < 0)
        return unknown();
    const qint64 days = seconds / 86400;
    const qint64 hours = (seconds / 3600) % 24;
    const qint64 minutes = (seconds / 60) % 60;
    if (days > 0)
        return tr("%1 d %2 h").arg(days).arg(hours);
    if (hours > 0)
        return tr("%1 h %2 min").arg(hours).arg(minutes);
    if (minutes > 0)
        return tr("%1 min").arg(minutes);
    return tr("%1 s").arg(seconds);
}

QString Format::bytes(qint64 bytes)
{
    if (bytes < 0)
        return unknown();
    return QLocale().formattedDataSize(bytes, bytes < 1024 ? 0 : 1);
}

QString Format::byteRate(double bytesPerSecond)
{
    if (bytesPerSecond < 0 || !std::isfinite(bytesPerSecond))
        return unknown();
    //: A transfer rate, e.g. "12.5 MiB/s"
    return tr("%1/s").arg(bytes(qint64(std::llround(bytesPerSecond))));
}

QString Format::speedFactor(double factor)
{
    if (factor <= 0 || !std::isfinite(factor))
        return unknown();
    //: ffmpeg's processing speed as a multiple of real time, e.g. "1.8×"
    return tr("%1\u00d7").arg(QLocale().toString(factor, 'f', factor < 10 ? 1 : 0));
}

QString Format::percent(double percentage)
{
    //: A percentage, e.g. "42 %"
    return tr("%1 %").arg(QLocale().toString(std::floor(std::clamp(percentage, 0.0, 100.0)), 'f', 0));
}

namespace {

// The locale's long time format without its time zone: the short one drops the seconds (in
// German, for one), and an operator comparing events needs them.
QString timeFormat(const QLocale &locale)
{
    QString format = locale.timeFormat(QLocale::LongFormat);
    format.remove(u't');
    return format.trimmed();
}

} // namespace

QString Format::dateTime(const QDateTime &when)
{
    if (!when.isValid())
        return unknown();
    const QLocale locale;
    const QDateTime local = when.toLocalTime();
    return locale.toString(local.date(), QLocale::ShortFormat) + u' ' + locale.toString(local.time(), timeFormat(locale));
}

QString Format::time(const QDateTime &when)
{
    if (!when.isValid())
        return unknown();
    const QLocale locale;
    return locale.toString(when.toLocalTime().time(), timeFormat(locale));
}

} // namespace Mediaforge::Monitor
