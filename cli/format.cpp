// SPDX-License-Identifier: GPL-3.0-or-later
#include "format.h"

#include <QLocale>

#include <cmath>

namespace Mediaforge::Cli {

QString Format::number(double value, int decimals)
{
    return QLocale().toString(value, 'f', decimals);
}

QString Format::bytes(qint64 bytes)
{
    if (bytes < 1024)
        return tr("%1 B").arg(bytes);
    static const char *const units[] = {QT_TRANSLATE_NOOP("Format", "%1 KiB"), QT_TRANSLATE_NOOP("Format", "%1 MiB"),
                                        QT_TRANSLATE_NOOP("Format", "%1 GiB"), QT_TRANSLATE_NOOP("Format", "%1 TiB")};
    double value = double(bytes) / 1024.0;
    int unit = 0;
    while (value >= 1024.0 && unit < 3) {
        value /= 1024.0;
        ++unit;
    }
    return tr(units[unit]).arg(number(value, 1));
}

QString Format::rate(double bytesPerSecond)
{
    return tr("%1/s").arg(bytes(qint64(std::llround(std::max(0.0, bytesPerSecond)))));
}

QString Format::clock(double seconds)
{
    const qint64 total = qint64(std::ceil(std::max(0.0, seconds)));
    const qint64 hours = total / 3600;
    const qint64 minutes = (total % 3600) / 60;
    const qint64 rest = total % 60;
    if (hours > 0)
        return QStringLiteral("%1:%2:%3").arg(hours).arg(minutes, 2, 10, QLatin1Char('0')).arg(rest, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(minutes).arg(rest, 2, 10, QLatin1Char('0'));
}

QString Format::seconds(double seconds)
{
    if (seconds < 60)
        return tr("%1 s").arg(number(seconds, 1));
    const qint64 total = std::llround(seconds);
    if (total < 3600)
        return tr("%1 min %2 s").arg(total / 60).arg(total % 60);
    return tr("%1 h %2 min").arg(total / 3600).arg((total % 3600) / 60);
}

QString Format::speed(double factor)
{
    return tr("%1x").arg(number(factor, 2));
}

TextTable::TextTable(QStringList header, QList<bool> numeric) : m_header(std::move(header)), m_numeric(std::move(numeric))
{
    while (m_numeric.size() < m_header.size())
        m_numeric.append(false);
}

void TextTable::addRow(QStringList cells)
{
    while (cells.size() < m_header.size())
        cells.append(QString());
    m_rows.append(cells);
}

QString TextTable::render() const
{
    QList<qsizetype> widths;
    for (const QString &cell : m_header)
        widths.append(cell.size());
    for (const QStringList &row : m_rows) {
        for (qsizetype i = 0; i < widths.size(); ++i)
            widths[i] = std::max(widths.at(i), row.at(i).size());
    }
    QString text;
    auto appendLine = [&](const QStringList &cells) {
        QString line;
        for (qsizetype i = 0; i < widths.size(); ++i) {
            if (i > 0)
                line.append(QLatin1StringView("  "));
            line.append(m_numeric.at(i) ? cells.at(i).rightJustified(widths.at(i)) : cells.at(i).leftJustified(widths.at(i)));
        }
        while (line.endsWith(u' '))
            line.chop(1);
        text.append(line);
        text.append(u'\n');
    };
    appendLine(m_header);
    for (const QStringList &row : m_rows)
        appendLine(row);
    return text;
}

} // namespace Mediaforge::Cli
