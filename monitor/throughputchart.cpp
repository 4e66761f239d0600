// SPDX-License-Identifier: GPL-3.0-or-later
#include "throughputchart.h"

#include "format.h"
#include "statusicons.h"

#include <QLocale>
#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace Mediaforge::Monitor {

namespace {

const QColor kBytesIn(0x8e, 0x6c, 0xd8);
const QColor kBytesOut(0x1f, 0x7a, 0xe0);

// 1, 2, 5, 10, 20, 50, ... at or above `value`, so that the axis label is a round number.
double niceCeiling(double value)
{
    if (value <= 0)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : {1.0, 2.0, 5.0, 10.0}) {
        if (value <= step * magnitude)
            return step * magnitude;
    }
    return 10 * magnitude;
}

// The same for byte counts, in binary units, so that the axis says "500 MiB", not "476.8 MiB".
double niceByteCeiling(double bytes)
{
    double unit = 1;
    while (bytes >= unit * 1024)
        unit *= 1024;
    return niceCeiling(bytes / unit) * unit;
}

} // namespace

ThroughputChart::ThroughputChart(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setAccessibleName(tr("Throughput history"));
}

QSize ThroughputChart::sizeHint() const
{
    const int line = fontMetrics().height();
    return {line * 16, line * 14};
}

QSize ThroughputChart::minimumSizeHint() const
{
    const int line = fontMetrics().height();
    return {line * 10, line * 9};
}

void ThroughputChart::setBuckets(const QList<ThroughputHistory::Bucket> &buckets, int bucketSeconds)
{
    m_buckets = buckets;
    m_bucketSeconds = std::max(1, bucketSeconds);
    const QString text = summary();
    setAccessibleDescription(text);
    setToolTip(text);
    update();
}

QString ThroughputChart::summary() const
{
    qint64 completed = 0;
    qint64 failed = 0;
    qint64 in = 0;
    qint64 out = 0;
    for (const auto &bucket : m_buckets) {
        completed += bucket.completed;
        failed += bucket.failed;
        in += bucket.bytesIn;
        out += bucket.bytesOut;
    }
    const int minutes = int(m_buckets.size()) * m_bucketSeconds / 60;
    return tr("Last %n minute(s): %1 completed, %2 failed; %3 received, %4 sent", nullptr, minutes)
            .arg(completed)
            .arg(failed)
            .arg(Format::bytes(in), Format::bytes(out));
}

void ThroughputChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const int line = fontMetrics().height();
    const QRect area = rect().adjusted(0, 0, -1, -1);
    // Two panes sharing the time axis at the bottom.
    const int axis = line + line / 4;
    const int paneHeight = (area.height() - axis - line / 2) / 2;
    paintPane(painter, QRect(area.left(), area.top(), area.width(), paneHeight), true);
    paintPane(painter, QRect(area.left(), area.top() + paneHeight + line / 2, area.width(), paneHeight), false);

    painter.setPen(palette().color(QPalette::Disabled, QPalette::WindowText));
    const QRect labels(area.left(), area.bottom() - axis + line / 4, area.width(), line);
    const int minutes = int(m_buckets.size()) * m_bucketSeconds / 60;
    //: Left end of the chart's time axis, e.g. "−15 min"
    painter.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter, tr("\u2212%1 min").arg(minutes));
    //: Right end of the chart's time axis
    painter.drawText(labels, Qt::AlignRight | Qt::AlignVCenter, tr("now"));
}

void ThroughputChart::paintPane(QPainter &painter, const QRect &area, bool jobs) const
{
    const QFontMetrics metrics = fontMetrics();
    const int line = metrics.height();
    const QColor muted = palette().color(QPalette::Disabled, QPalette::WindowText);
    const QColor text = palette().color(QPalette::WindowText);

    // Title on the left, legend on the right, one line; where both do not fit (German titles
    // in a narrow panel) the legend goes on a line of its own below the title.
    const QString title = jobs ? tr("Jobs finished") : tr("Data transferred");
    const QString firstLabel = jobs ? tr("completed") : tr("in");
    const QString secondLabel = jobs ? tr("failed") : tr("out");
    const int swatch = line / 2;
    QFont bold = font();
    bold.setBold(true);
    const int legendWidth = 2 * (swatch + line / 4) + line / 2 + metrics.horizontalAdvance(firstLabel)
            + metrics.horizontalAdvance(secondLabel);
    const bool twoLines = QFontMetrics(bold).horizontalAdvance(title) + line + legendWidth > area.width();
    QRect header(area.left(), area.top(), area.width(), line);
    painter.setPen(text);
    painter.setFont(bold);
    painter.drawText(header, Qt::AlignLeft | Qt::AlignVCenter, title);
    painter.setFont(font());
    if (twoLines)
        header.translate(0, line);
    const QColor first = jobs ? Icons::groupColor(StatusGroup::Completed) : kBytesIn;
    const QColor second = jobs ? Icons::groupColor(StatusGroup::Failed) : kBytesOut;
    int x = header.right() - metrics.horizontalAdvance(secondLabel);
    painter.setPen(muted);
    painter.drawText(QRect(x, header.top(), header.right() - x + 1, line), Qt::AlignLeft | Qt::AlignVCenter, secondLabel);
    x -= swatch + line / 4;
    painter.fillRect(QRect(x, header.center().y() - swatch / 2, swatch, swatch), second);
    x -= line / 2 + metrics.horizontalAdvance(firstLabel);
    painter.drawText(QRect(x, header.top(), metrics.horizontalAdvance(firstLabel) + 1, line), Qt::AlignLeft | Qt::AlignVCenter,
                     firstLabel);
    x -= swatch + line / 4;
    painter.fillRect(QRect(x, header.center().y() - swatch / 2, swatch, swatch), first);

    // The plot, with the scale written in its top-left corner.
    const QRect plot = area.adjusted(0, header.bottom() - area.top() + 1 + line / 4, 0, 0);
    double peak = 0;
    for (const auto &bucket : m_buckets)
        peak = std::max(peak, jobs ? double(bucket.finished()) : double(std::max(bucket.bytesIn, bucket.bytesOut)));
    const double scale = jobs ? niceCeiling(peak) : niceByteCeiling(peak);
    QColor grid = muted;
    grid.setAlphaF(0.35f);
    painter.setPen(QPen(grid, 1, Qt::DotLine));
    painter.drawLine(plot.topLeft(), plot.topRight());
    painter.drawLine(QPointF(plot.left(), plot.center().y()), QPointF(plot.right(), plot.center().y()));
    painter.setPen(QPen(grid, 1));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.setPen(muted);
    const QString perInterval = m_bucketSeconds == 60 ? tr("/min") : tr("/%1 s").arg(m_bucketSeconds);
    // An idle pane has no scale to speak of: "1 bytes/min" would read as a measurement.
    if (peak > 0) {
        const QString scaleText = (jobs ? QLocale().toString(qint64(scale)) : QLocale().formattedDataSize(qint64(scale), 0))
                + perInterval;
        painter.drawText(plot.adjusted(line / 4, 0, 0, 0), Qt::AlignLeft | Qt::AlignTop, scaleText);
    }

    if (m_buckets.isEmpty())
        return;
    const double slot = double(plot.width()) / double(m_buckets.size());
    const double barWidth = std::max(2.0, slot * 0.62);
    auto yOf = [&](double value) { return plot.bottom() - (value / scale) * (plot.height() - line); };
    if (jobs) {
        for (qsizetype i = 0; i < m_buckets.size(); ++i) {
            const auto &bucket = m_buckets.at(i);
            const double left = plot.left() + i * slot + (slot - barWidth) / 2;
            if (!bucket.observed) {
                // No data: a thin dashed stub on the axis, distinct from a real zero.
                painter.setPen(QPen(grid, 1, Qt::DashLine));
                painter.drawLine(QPointF(left, plot.bottom() - 2), QPointF(left + barWidth, plot.bottom() - 2));
                continue;
            }
            const double completedTop = yOf(double(bucket.completed));
            const double failedTop = yOf(double(bucket.finished()));
            painter.fillRect(QRectF(left, completedTop, barWidth, plot.bottom() - completedTop), first);
            painter.fillRect(QRectF(left, failedTop, barWidth, completedTop - failedTop), second);
        }
        return;
    }
    // Bytes: one line per direction through the middle of each interval, broken at gaps.
    for (int series = 0; series < 2; ++series) {
        const QColor color = series == 0 ? first : second;
        QPainterPath path;
        bool drawing = false;
        for (qsizetype i = 0; i < m_buckets.size(); ++i) {
            const auto &bucket = m_buckets.at(i);
            if (!bucket.observed) {
                drawing = false;
                continue;
            }
            const QPointF point(plot.left() + (i + 0.5) * slot, yOf(double(series == 0 ? bucket.bytesIn : bucket.bytesOut)));
            if (drawing)
                path.lineTo(point);
            else
                path.moveTo(point);
            drawing = true;
        }
        painter.setPen(QPen(color, std::max(1.5, line / 8.0), Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        painter.setBrush(Qt::NoBrush);
        painter.drawPath(path);
        painter.setBrush(color);
        const double dot = std::max(2.0, line / 7.0);
        for (qsizetype i = 0; i < m_buckets.size(); ++i) {
            const auto &bucket = m_buckets.at(i);
            if (bucket.observed)
                painter.drawEllipse(QPointF(plot.left() + (i + 0.5) * slot,
                                            yOf(double(series == 0 ? bucket.bytesIn : bucket.bytesOut))),
                                    dot, dot);
        }
    }
}

} // namespace Mediaforge::Monitor
