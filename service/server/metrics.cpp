// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics.h"

#include "jobs/jobmanager.h"

#include <QFile>

#include <array>
#include <unistd.h>

namespace Mediaforge {

namespace {

// Seconds: media jobs range from a probe (sub-second) to long transcodes.
constexpr std::array kBuckets{0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0};

QByteArray number(double value)
{
    return QByteArray::number(value, 'g', 12);
}

QString escapeLabel(QString value)
{
    value.replace(u'\\', QStringLiteral("\\\\"));
    value.replace(u'"', QStringLiteral("\\\""));
    value.replace(u'\n', QStringLiteral("\\n"));
    return value;
}

} // namespace

Metrics::Metrics(JobManager &manager, QObject *parent) : QObject(parent), m_manager(manager)
{
    connect(&manager, &JobManager::jobFinished, this, &Metrics::onJobFinished);
}

void Metrics::onJobFinished(const QString &id)
{
    const Job *job = m_manager.job(id);
    if (!job)
        return;
    const QString operation = operationName(job->operation);
    const QString outcome = jobStatusName(job->status);
    ++m_jobsTotal[{operation, outcome}];
    Histogram &histogram = m_durations[operation];
    if (histogram.buckets.isEmpty())
        histogram.buckets.resize(kBuckets.size());
    const double seconds = job->createdAt.msecsTo(job->finishedAt) / 1000.0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
        if (seconds <= kBuckets[i])
            ++histogram.buckets[qsizetype(i)];
    }
    ++histogram.count;
    histogram.sum += seconds;
}

qint64 Metrics::residentMemoryBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}

double Metrics::cpuSeconds()
{
    QFile stat(QStringLiteral("/proc/self/stat"));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = stat.readAll();
    // The command name may contain spaces; fields are counted after its closing parenthesis.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / ticks;
}

QByteArray Metrics::render() const
{
    const JobStats stats = m_manager.stats();
    QByteArray out;
    out.reserve(4096);
    auto header = [&out](const char *name, const char *type, const char *help) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    };

    header("mediaforge_jobs_total", "counter", "Jobs finished, by operation and outcome.");
    for (const auto &[key, count] : m_jobsTotal) {
        out += "mediaforge_jobs_total{operation=\"" + escapeLabel(key.first).toUtf8() + "\",outcome=\""
                + escapeLabel(key.second).toUtf8() + "\"} " + QByteArray::number(count) + '\n';
    }
    header("mediaforge_job_duration_seconds", "histogram", "Job duration from start_job to its end, by operation.");
    for (const auto &[operation, histogram] : m_durations) {
        const QByteArray label = "operation=\"" + escapeLabel(operation).toUtf8() + '"';
        for (size_t i = 0; i < kBuckets.size(); ++i) {
            out += "mediaforge_job_duration_seconds_bucket{" + label + ",le=\"" + number(kBuckets[i]) + "\"} "
                    + QByteArray::number(histogram.buckets.at(qsizetype(i))) + '\n';
        }
        out += "mediaforge_job_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + QByteArray::number(histogram.count) + '\n';
        out += "mediaforge_job_duration_seconds_sum{" + label + "} " + number(histogram.sum) + '\n';
        out += "mediaforge_job_duration_seconds_count{" + label + "} " + QByteArray::number(histogram.count) + '\n';
    }
    header("mediaforge_queue_depth", "gauge", "Jobs waiting for a worker.");
    out += "mediaforge_queue_depth " + QByteArray::number(stats.queuedJobs) + '\n';
    header("mediaforge_input_jobs", "gauge", "Jobs receiving their input (upload or download).");
    out += "mediaforge_input_jobs " + QByteArray::number(stats.inputJobs) + '\n';
    header("mediaforge_active_jobs", "gauge", "Jobs holding a worker.");
    out += "mediaforge_active_jobs " + QByteArray::number(stats.activeJobs) + '\n';
    header("mediaforge_workers", "gauge", "Worker slots (max concurrent jobs).");
    out += "mediaforge_workers " + QByteArray::number(stats.maxConcurrent) + '\n';
    header("mediaforge_connections", "gauge", "Open WebSocket connections.");
    out += "mediaforge_connections " + QByteArray::number(m_connections) + '\n';
    header("mediaforge_http_connections", "gauge", "Open connections of the HTTP port.");
    out += "mediaforge_http_connections " + QByteArray::number(m_httpConnections) + '\n';
    header("mediaforge_http_closed_total", "counter", "HTTP connections the service closed because of a limit, by reason.");
    for (const auto &[reason, count] : m_httpClosed)
        out += "mediaforge_http_closed_total{reason=\"" + reason + "\"} " + QByteArray::number(count) + '\n';
    header("mediaforge_bytes_received_total", "counter", "Input bytes received (uploads and downloads).");
    out += "mediaforge_bytes_received_total " + QByteArray::number(m_manager.bytesReceived()) + '\n';
    header("mediaforge_bytes_sent_total", "counter", "Output bytes sent (WebSocket and HTTP).");
    out += "mediaforge_bytes_sent_total " + QByteArray::number(m_bytesSent) + '\n';
    const CacheStats cache = m_manager.cacheStats();
    header("mediaforge_cache_hits_total", "counter", "Jobs answered from the result cache without running ffmpeg.");
    out += "mediaforge_cache_hits_total " + QByteArray::number(cache.hits) + '\n';
    header("mediaforge_cache_misses_total", "counter", "Cacheable jobs the result cache could not answer (they ran ffmpeg).");
    out += "mediaforge_cache_misses_total " + QByteArray::number(cache.misses) + '\n';
    header("mediaforge_cache_bytes_saved_total", "counter", "Output bytes served from the result cache instead of made again.");
    out += "mediaforge_cache_bytes_saved_total " + QByteArray::number(cache.bytesSaved) + '\n';
    header("mediaforge_cache_bytes", "gauge", "Bytes the result cache's entries take now.");
    out += "mediaforge_cache_bytes " + QByteArray::number(cache.bytes) + '\n';
    header("mediaforge_node_info", "gauge", "This node: its name (--node-name) and version; always 1.");
    out += "mediaforge_node_info{node=\"" + escapeLabel(m_node).toUtf8() + "\",version=\"" MEDIAFORGE_VERSION "\"} 1\n";
    header("mediaforge_store_reachable", "gauge", "Whether the job store answers (0 while its connection is lost).");
    out += "mediaforge_store_reachable " + QByteArray(m_manager.storeReachable() ? "1" : "0") + '\n';
    header("mediaforge_store_unstored_jobs", "gauge", "State changes waiting for the job store to return.");
    out += "mediaforge_store_unstored_jobs " + QByteArray::number(m_manager.unstoredJobs()) + '\n';
    header("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    out += "process_resident_memory_bytes " + QByteArray::number(residentMemoryBytes()) + '\n';
    header("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
    out += "process_cpu_seconds_total " + number(cpuSeconds()) + '\n';
    for (const auto &section : m_sections)
        out += section();
    return out;
}

} // namespace Mediaforge
