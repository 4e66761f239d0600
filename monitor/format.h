// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QString>

namespace Mediaforge::Monitor {

// How the monitor writes numbers for people: one place, so that the table, the details
// dialog, the health panel and the tray say "1:02:03" and "12.5 MiB" the same way, in the
// user's locale.
class Format
{
    Q_DECLARE_TR_FUNCTIONS(Format)
public:
    // "0:07", "12:07", "1:02:03"; an em dash for a negative (unknown) value.
    static QString clock(double seconds);
    // "3 d 4 h", "4 h 12 min", "12 min", "40 s".
    static QString uptime(qint64 seconds);
    static QString bytes(qint64 bytes);
    static QString byteRate(double bytesPerSecond);
    // ffmpeg's speed as a multiple of real time: "1.8×".
    static QString speedFactor(double factor);
    static QString percent(double percentage);
    // Date and time with seconds, in the user's locale ("29.11.26 18:03:07").
    static QString dateTime(const QDateTime &when);
    // The time of day with seconds: "18:03:07".
    static QString time(const QDateTime &when);
    static QString unknown();
};

} // namespace Mediaforge::Monitor
