// SPDX-License-Identifier: GPL-3.0-or-later
#include "progressrenderer.h"

#include "console.h"
#include "format.h"

#include <QElapsedTimer>
#include <QJsonDocument>

#include <cmath>

namespace Mediaforge::Cli {

namespace {

constexpr int kMinBar = 10;
constexpr int kMaxBar = 30;
constexpr qint64 kRedrawIntervalMs = 100;
constexpr qint64 kJsonIntervalMs = 250;
constexpr qint64 kRateWindowMs = 3000;

// The service reports 0 for these stages until they end: a number there would only mislead.
bool showsPercentage(const QString &stage)
{
    return stage != QLatin1StringView("queued") && stage != QLatin1StringView("finalizing");
}

bool isTransfer(const QString &stage)
{
    return stage == QLatin1StringView("uploading") || stage == QLatin1StringView("downloading")
            || stage == QLatin1StringView("receiving");
}

// The details after the bar, in the order they are shown; `rank` says which go first when
// the line is too narrow (lowest first).
struct Detail
{
    QString text;
    int rank;
};

QList<Detail> detailsOf(const ProgressSnapshot &s)
{
    QList<Detail> details;
    if (isTransfer(s.stage)) {
        if (s.bytes >= 0) {
            details.append({s.totalBytes > 0 ? ProgressRenderer::tr("%1 of %2").arg(Format::bytes(s.bytes), Format::bytes(s.totalBytes))
                                             : Format::bytes(s.bytes),
                            0});
        }
        if (s.bytesPerSecond > 0)
            details.append({Format::rate(s.bytesPerSecond), 1});
    } else if (s.speed > 0) {
        details.append({Format::speed(s.speed), 1});
    }
    if (s.etaSeconds >= 0 && s.percentage < 100)
        details.append({ProgressRenderer::tr("ETA %1").arg(Format::clock(s.etaSeconds)), 3});
    if (s.queuePosition > 0)
        details.append({ProgressRenderer::tr("position %1").arg(s.queuePosition), 3});
    // What a batch is about: kept longest, the percentage alone says little about files.
    if (s.itemsTotal > 0) {
        QString counts = ProgressRenderer::tr("%1 of %2 done").arg(s.itemsCompleted + s.itemsFailed).arg(s.itemsTotal);
        if (s.itemsFailed > 0)
            counts += QStringLiteral(", ") + ProgressRenderer::tr("%n failed", nullptr, s.itemsFailed);
        details.append({counts, 4});
    }
    return details;
}

QString joined(const QList<Detail> &details, int minimumRank, const QString &separator)
{
    QStringList texts;
    for (const Detail &detail : details) {
        if (detail.rank >= minimumRank)
            texts.append(detail.text);
    }
    return texts.join(separator);
}

QString bar(double percentage, int width)
{
    const int filled = std::clamp(int(std::floor(percentage / 100.0 * width)), 0, width);
    if (filled >= width)
        return QString(width, u'=');
    return QString(filled, u'=') + u'>' + QString(width - filled - 1, u' ');
}

int labelWidth()
{
    static const char *const stages[] = {"uploading", "downloading", "queued", "processing", "finalizing", "receiving", "batch"};
    qsizetype width = 0;
    for (const char *stage : stages)
        width = std::max(width, ProgressRenderer::stageLabel(QString::fromLatin1(stage)).size());
    return int(width);
}

qint64 defaultClock()
{
    static QElapsedTimer timer;
    if (!timer.isValid())
        timer.start();
    return timer.elapsed();
}

} // namespace

QString ProgressRenderer::stageLabel(const QString &stage)
{
    if (stage == QLatin1StringView("uploading"))
        return tr("uploading");
    if (stage == QLatin1StringView("downloading"))
        return tr("downloading");
    if (stage == QLatin1StringView("queued"))
        return tr("queued");
    if (stage == QLatin1StringView("processing"))
        return tr("processing");
    if (stage == QLatin1StringView("finalizing"))
        return tr("finalizing");
    if (stage == QLatin1StringView("receiving"))
        return tr("receiving");
    if (stage == QLatin1StringView("batch"))
        return tr("batch");
    return stage;
}

QString ProgressRenderer::terminalLine(const ProgressSnapshot &snapshot, int width)
{
    const int limit = std::max(1, width - 1);
    const QString label = stageLabel(snapshot.stage).leftJustified(labelWidth());
    const bool hasPercentage = snapshot.percentage >= 0 && showsPercentage(snapshot.stage);
    const QString percentage = hasPercentage ? QString(Format::number(snapshot.percentage, 1) + u'%').rightJustified(6) : QString();
    const QString head = hasPercentage ? label + u' ' + percentage : label;
    const QList<Detail> details = detailsOf(snapshot);

    auto compose = [&](int barWidth, int minimumRank) {
        QString line = head;
        if (barWidth > 0)
            line += QStringLiteral(" [") + bar(snapshot.percentage, barWidth) + u']';
        const QString rest = joined(details, minimumRank, QStringLiteral("  "));
        if (!rest.isEmpty())
            line += QStringLiteral("  ") + rest;
        while (line.endsWith(u' '))
            line.chop(1);
        return line;
    };
    // With a bar: shrink it, then drop byte counts, then rate or speed.
    if (hasPercentage) {
        for (int minimumRank : {0, 1, 2}) {
            const qsizetype used = compose(0, minimumRank).size() + 3;
            const int available = int(limit - used);
            if (available >= kMinBar)
                return compose(std::min(available, kMaxBar), minimumRank);
        }
    }
    // Without it: the ETA or queue position last.
    for (int minimumRank : {0, 1, 2, 3, 4}) {
        const QString line = compose(0, minimumRank);
        if (line.size() <= limit)
            return line;
    }
    QString line = head.trimmed();
    return line.left(limit);
}

QString ProgressRenderer::plainLine(const ProgressSnapshot &snapshot)
{
    QString line = stageLabel(snapshot.stage);
    if (snapshot.percentage >= 0 && showsPercentage(snapshot.stage))
        line += u' ' + Format::number(snapshot.percentage, 1) + u'%';
    const QString details = joined(detailsOf(snapshot), 0, QStringLiteral(", "));
    if (!details.isEmpty())
        line += QStringLiteral(" (") + details + u')';
    return line;
}

QJsonObject ProgressRenderer::jsonEvent(const ProgressSnapshot &s, const QString &jobId)
{
    QJsonObject event{{QStringLiteral("event"), QStringLiteral("progress")}};
    if (!jobId.isEmpty())
        event.insert(QStringLiteral("job_id"), jobId);
    event.insert(QStringLiteral("stage"), s.stage);
    if (s.percentage >= 0)
        event.insert(QStringLiteral("percentage"), std::round(s.percentage * 10.0) / 10.0);
    if (s.bytes >= 0)
        event.insert(QStringLiteral("bytes"), s.bytes);
    if (s.totalBytes >= 0)
        event.insert(QStringLiteral("total_bytes"), s.totalBytes);
    if (s.bytesPerSecond >= 0)
        event.insert(QStringLiteral("bytes_per_second"), std::round(s.bytesPerSecond));
    if (s.speed >= 0)
        event.insert(QStringLiteral("speed"), s.speed);
    if (s.etaSeconds >= 0)
        event.insert(QStringLiteral("eta_seconds"), std::round(s.etaSeconds * 10.0) / 10.0);
    if (s.queuePosition > 0)
        event.insert(QStringLiteral("queue_position"), s.queuePosition);
    if (s.itemsTotal > 0) {
        event.insert(QStringLiteral("total"), s.itemsTotal);
        event.insert(QStringLiteral("completed"), s.itemsCompleted);
        event.insert(QStringLiteral("failed"), s.itemsFailed);
    }
    return event;
}

ProgressReporter::ProgressReporter(Console &console, Mode mode, Clock clock)
    : m_console(console), m_mode(mode), m_clock(clock ? std::move(clock) : Clock(defaultClock))
{
}

ProgressReporter::Mode ProgressReporter::modeFor(const Console &console, bool json, bool quiet)
{
    if (json)
        return Mode::Json;
    if (quiet)
        return Mode::Quiet;
    return console.errIsTerminal() ? Mode::Terminal : Mode::Plain;
}

void ProgressReporter::update(ProgressSnapshot snapshot)
{
    if (m_mode == Mode::Quiet)
        return;
    const qint64 now = m_clock();
    const bool stageChanged = snapshot.stage != m_stage;
    // For programs every stage that began also ends, at 100: the service leaves queued and
    // finalizing at 0 until the next stage starts.
    if (stageChanged && m_mode == Mode::Json && !m_stage.isEmpty())
        completeStage();
    if (stageChanged) {
        m_stage = snapshot.stage;
        m_samples.clear();
        m_lastPlainDecile = -1;
        m_lastJsonPercentage = -1;
    }
    const auto highest = m_highest.constFind(snapshot.stage);
    if (highest != m_highest.constEnd() && snapshot.percentage < *highest)
        snapshot.percentage = *highest;
    if (snapshot.percentage >= 0)
        m_highest.insert(snapshot.stage, snapshot.percentage);

    if (snapshot.bytes >= 0 && snapshot.bytesPerSecond < 0) {
        if (m_samples.isEmpty() || m_samples.constLast().bytes != snapshot.bytes)
            m_samples.append({now, snapshot.bytes});
        while (m_samples.size() > 2 && now - m_samples.constFirst().time > kRateWindowMs)
            m_samples.removeFirst();
        if (m_samples.size() >= 2) {
            const qint64 span = m_samples.constLast().time - m_samples.constFirst().time;
            if (span >= 200)
                snapshot.bytesPerSecond = double(m_samples.constLast().bytes - m_samples.constFirst().bytes) * 1000.0 / double(span);
        }
    }
    m_last = snapshot;

    switch (m_mode) {
    case Mode::Terminal:
        emitTerminal(snapshot, stageChanged);
        break;
    case Mode::Plain:
        emitPlain(snapshot, stageChanged);
        break;
    case Mode::Json:
        emitJson(snapshot, stageChanged);
        break;
    case Mode::Quiet:
        break;
    }
}

void ProgressReporter::completeStage()
{
    if (m_stage.isEmpty() || m_highest.value(m_stage, -1) >= 100)
        return;
    ProgressSnapshot snapshot;
    snapshot.stage = m_stage;
    snapshot.percentage = 100;
    snapshot.etaSeconds = 0;
    update(snapshot);
}

void ProgressReporter::finish()
{
    if (m_mode == Mode::Terminal)
        m_console.clearStatus();
}

void ProgressReporter::emitTerminal(const ProgressSnapshot &snapshot, bool force)
{
    const qint64 now = m_clock();
    if (!force && snapshot.percentage < 100 && m_lastDraw >= 0 && now - m_lastDraw < kRedrawIntervalMs)
        return;
    m_lastDraw = now;
    m_console.showStatus(ProgressRenderer::terminalLine(snapshot, m_console.errWidth()));
}

void ProgressReporter::emitPlain(const ProgressSnapshot &snapshot, bool stageChanged)
{
    const int decile = snapshot.percentage >= 0 && showsPercentage(snapshot.stage) ? int(std::floor(snapshot.percentage / 10.0)) : -1;
    const int ended = snapshot.itemsCompleted + snapshot.itemsFailed;
    // For a batch only the files that end are news: per decile too, lines would come in pairs.
    const bool news = snapshot.itemsTotal > 0 ? ended > m_lastPlainEnded : decile > m_lastPlainDecile;
    if (!stageChanged && !news)
        return;
    m_lastPlainDecile = std::max(decile, m_lastPlainDecile);
    m_lastPlainEnded = std::max(ended, m_lastPlainEnded);
    m_console.errLine(ProgressRenderer::plainLine(snapshot));
}

void ProgressReporter::emitJson(const ProgressSnapshot &snapshot, bool stageChanged)
{
    const qint64 now = m_clock();
    if (!stageChanged) {
        if (snapshot.percentage == m_lastJsonPercentage)
            return;
        if (snapshot.percentage < 100 && now - m_lastJsonTime < kJsonIntervalMs)
            return;
    }
    m_lastJsonPercentage = snapshot.percentage;
    m_lastJsonTime = now;
    m_console.out(QString::fromUtf8(QJsonDocument(ProgressRenderer::jsonEvent(snapshot, m_jobId)).toJson(QJsonDocument::Compact))
                  + u'\n');
}

} // namespace Mediaforge::Cli
