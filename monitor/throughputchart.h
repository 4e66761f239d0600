// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "throughputhistory.h"

#include <QWidget>

namespace Mediaforge::Monitor {

// The last minutes of a service at a glance, painted with QPainter: jobs finished per interval
// (completed and failed stacked) above, bytes received and sent per interval below. Intervals
// without data (the monitor was not connected) are drawn as gaps, not as zeros.
class ThroughputChart : public QWidget
{
    Q_OBJECT
public:
    explicit ThroughputChart(QWidget *parent = nullptr);

    void setBuckets(const QList<ThroughputHistory::Bucket> &buckets, int bucketSeconds);
    const QList<ThroughputHistory::Bucket> &buckets() const { return m_buckets; }
    // The same content in words, for screen readers and the tooltip.
    QString summary() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    void paintPane(QPainter &painter, const QRect &area, bool jobs) const;

    QList<ThroughputHistory::Bucket> m_buckets;
    int m_bucketSeconds = 60;
};

} // namespace Mediaforge::Monitor
