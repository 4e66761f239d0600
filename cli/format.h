// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QStringList>

namespace Mediaforge::Cli {

// Numbers as people read them, in the current locale (QLocale's default, which --lang sets).
class Format
{
    Q_DECLARE_TR_FUNCTIONS(Format)
public:
    static QString bytes(qint64 bytes);              // "512 B", "1.5 MiB"
    static QString rate(double bytesPerSecond);      // "2.0 MiB/s"
    static QString clock(double seconds);            // ETA style: "0:07", "12:03", "1:02:03"
    static QString seconds(double seconds);          // "2.0 s", "1 min 5 s"
    static QString number(double value, int decimals);
    static QString speed(double factor);             // "2.41x"
};

// A plain text table: a header row and columns padded to their widest cell. Columns marked
// numeric are right-aligned.
class TextTable
{
public:
    explicit TextTable(QStringList header, QList<bool> numeric = {});
    void addRow(QStringList cells);
    qsizetype rowCount() const { return m_rows.size(); }
    // Lines end with '\n'; trailing spaces are trimmed.
    QString render() const;

private:
    QStringList m_header;
    QList<bool> m_numeric;
    QList<QStringList> m_rows;
};

} // namespace Mediaforge::Cli
