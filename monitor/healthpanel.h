// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPointer>
#include <QWidget>

class QFormLayout;
class QJsonValue;
class QLabel;
class QListWidget;
class QTimer;

namespace Mediaforge::Monitor {

class NodesPanel;
class ServiceSession;
class ThroughputChart;

// What the service says about itself: health (HTTP /health), workers and queue (the `stats`
// stream), totals, the cluster's nodes, and the throughput chart.
class HealthPanel : public QWidget
{
    Q_OBJECT
public:
    explicit HealthPanel(ServiceSession *session, QWidget *parent = nullptr);

    QString statusText() const;
    QString workersText() const;
    int workerRows() const;
    QString workerRowText(int row) const;
    // The webhooks line (empty while the service sent no webhook figures).
    QString webhooksText() const;
    ThroughputChart *chart() const { return m_chart; }
    NodesPanel *nodes() const { return m_nodes; }

signals:
    // A busy worker's row was activated: select its job.
    void jobActivated(const QString &id);

private:
    void updateHealth();
    void updateStats();
    void updateChart();
    void updateWebhooks(const QJsonValue &webhooks);
    QLabel *addRow(QFormLayout *form, const QString &label);
    // Greys a value that is not current (the service is away or not answering).
    void shade(QLabel *label, bool live) const;

    QPointer<ServiceSession> m_session;
    QLabel *m_status;
    QLabel *m_version;
    QLabel *m_uptime;
    QLabel *m_ffmpeg;
    QLabel *m_connections;
    QLabel *m_workersTitle;
    QListWidget *m_workers;
    QLabel *m_queue;
    QLabel *m_totals;
    QFormLayout *m_queueForm;
    QLabel *m_webhooks;
    NodesPanel *m_nodes;
    ThroughputChart *m_chart;
    QTimer *m_clock;
};

} // namespace Mediaforge::Monitor
