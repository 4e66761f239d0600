// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <vector>

namespace Mediaforge {

class JobManager;

// Counters and the job-duration histogram behind GET /metrics, fed by JobManager's signals and
// by the servers (connections, bytes sent). Rendered in the Prometheus text format 0.0.4.
class Metrics : public QObject
{
    Q_OBJECT
public:
    explicit Metrics(JobManager &manager, QObject *parent = nullptr);

    void setConnections(int connections) { m_connections = connections; }
    int connections() const { return m_connections; }
    void addBytesSent(qint64 bytes) { m_bytesSent += bytes; }
    qint64 bytesSent() const { return m_bytesSent; }
    void setHttpConnections(int connections) { m_httpConnections = connections; }
    void addHttpClosed(const QByteArray &reason) { ++m_httpClosed[reason]; }
    // This node's name (--node-name) for mediaforge_node_info: the series of several nodes keep
    // their names, and a join on the target's labels tells which node each one came from.
    void setNode(const QString &name) { m_node = name; }

    QByteArray render() const;
    // Metrics of parts the server does not own (the webhook dispatcher), appended as they are.
    void addSection(std::function<QByteArray()> section) { m_sections.push_back(std::move(section)); }

    // From /proc/self; 0 where unavailable.
    static qint64 residentMemoryBytes();
    static double cpuSeconds();

private:
    void onJobFinished(const QString &id);

    struct Histogram
    {
        QList<quint64> buckets;   // cumulative counts per upper bound
        quint64 count = 0;
        double sum = 0;
    };

    JobManager &m_manager;
    QString m_node;
    std::map<std::pair<QString, QString>, quint64> m_jobsTotal;   // (operation, outcome)
    std::map<QString, Histogram> m_durations;                    // by operation
    int m_connections = 0;
    qint64 m_bytesSent = 0;
    int m_httpConnections = 0;
    std::map<QByteArray, quint64> m_httpClosed;   // by reason
    std::vector<std::function<QByteArray()>> m_sections;
};

} // namespace Mediaforge
