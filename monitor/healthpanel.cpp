// SPDX-License-Identifier: GPL-3.0-or-later
#include "healthpanel.h"

#include "format.h"
#include "jobrecord.h"
#include "servicesession.h"
#include "statusicons.h"
#include "throughputchart.h"

#include <QFormLayout>
#include <QJsonArray>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>

namespace Mediaforge::Monitor {

namespace {

QLabel *sectionTitle(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.1);
    label->setFont(font);
    return label;
}

qint64 integer(const QJsonObject &object, QLatin1StringView key)
{
    return qint64(object.value(key).toDouble(-1));
}

} // namespace

HealthPanel::HealthPanel(ServiceSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_clock(new QTimer(this))
{
    setAccessibleName(tr("Service health"));
    auto *layout = new QVBoxLayout(this);
    const int line = fontMetrics().height();
    layout->setSpacing(line / 3);

    layout->addWidget(sectionTitle(tr("Service"), this));
    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignLeft);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_status = addRow(form, tr("Health"));
    m_version = addRow(form, tr("Version"));
    m_uptime = addRow(form, tr("Uptime"));
    m_ffmpeg = addRow(form, tr("ffmpeg"));
    m_connections = addRow(form, tr("Connections"));
    layout->addLayout(form);

    layout->addSpacing(line / 2);
    m_workersTitle = sectionTitle(tr("Workers"), this);
    layout->addWidget(m_workersTitle);
    m_workers = new QListWidget(this);
    m_workers->setAccessibleName(tr("Workers"));
    m_workers->setFrameShape(QFrame::NoFrame);
    m_workers->setSelectionMode(QAbstractItemView::NoSelection);
    m_workers->setFocusPolicy(Qt::NoFocus);
    m_workers->setTextElideMode(Qt::ElideMiddle);
    const int smallIcon = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_workers->setIconSize(QSize(smallIcon, smallIcon));
    m_workers->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_workers->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    QPalette transparent = m_workers->palette();
    transparent.setColor(QPalette::Base, Qt::transparent);
    m_workers->setPalette(transparent);
    connect(m_workers, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const QString id = item->data(Qt::UserRole).toString();
        if (!id.isEmpty())
            emit jobActivated(id);
    });
    connect(m_workers, &QListWidget::itemClicked, m_workers, &QListWidget::itemActivated);
    layout->addWidget(m_workers);

    auto *queueForm = new QFormLayout;
    queueForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_queue = addRow(queueForm, tr("Queue"));
    m_totals = addRow(queueForm, tr("Finished"));
    layout->addLayout(queueForm);

    layout->addSpacing(line / 2);
    layout->addWidget(sectionTitle(tr("Throughput"), this));
    m_chart = new ThroughputChart(this);
    m_chart->setMaximumHeight(m_chart->sizeHint().height() * 3 / 2);
    layout->addWidget(m_chart, 1);
    layout->addStretch(0);

    if (m_session) {
        connect(m_session, &ServiceSession::healthChanged, this, &HealthPanel::updateHealth);
        connect(m_session, &ServiceSession::statsChanged, this, &HealthPanel::updateStats);
        connect(m_session, &ServiceSession::stateChanged, this, &HealthPanel::updateHealth);
    }
    // The uptime and the chart's "now" move on between messages.
    m_clock->setInterval(1000);
    connect(m_clock, &QTimer::timeout, this, [this] {
        updateHealth();
        updateChart();
    });
    m_clock->start();
    updateHealth();
    updateStats();
}

QLabel *HealthPanel::addRow(QFormLayout *form, const QString &label)
{
    auto *value = new QLabel(Format::unknown(), this);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setWordWrap(true);
    auto *name = new QLabel(label, this);
    QPalette muted = name->palette();
    muted.setColor(QPalette::WindowText, palette().color(QPalette::Disabled, QPalette::WindowText));
    name->setPalette(muted);
    name->setBuddy(value);
    value->setAccessibleName(label);
    form->addRow(name, value);
    return value;
}

QString HealthPanel::statusText() const
{
    return m_status->text();
}

QString HealthPanel::workersText() const
{
    return m_workersTitle->text();
}

int HealthPanel::workerRows() const
{
    return m_workers->count();
}

QString HealthPanel::workerRowText(int row) const
{
    const QListWidgetItem *item = m_workers->item(row);
    return item ? item->text() : QString();
}

void HealthPanel::updateHealth()
{
    if (!m_session)
        return;
    const QJsonObject health = m_session->health();
    const bool connected = m_session->state() == ServiceSession::State::Connected;
    if (health.isEmpty()) {
        m_status->setText(m_session->healthError().isEmpty()
                                  ? (m_session->httpUrl().isEmpty() && connected ? tr("No HTTP port announced")
                                                                                 : Format::unknown())
                                  : tr("Unreachable: %1").arg(m_session->healthError()));
    } else {
        const QString status = health.value(QLatin1StringView("status")).toString();
        const bool healthy = status == QLatin1StringView("healthy");
        const QColor color = healthy ? Icons::groupColor(StatusGroup::Completed) : Icons::groupColor(StatusGroup::Failed);
        QString text = healthy ? tr("Healthy") : status == QLatin1StringView("degraded") ? tr("Degraded") : status;
        if (health.value(QLatin1StringView("shutting_down")).toBool())
            text += QStringLiteral(" \u00b7 ") + tr("shutting down");
        if (!m_session->healthError().isEmpty())
            text += QStringLiteral(" \u00b7 ") + tr("last check failed");
        // The dot is decoration; the word says it.
        m_status->setText(QStringLiteral("<span style=\"color:%1\">\u25cf</span> %2").arg(color.name(), text.toHtmlEscaped()));
        m_version->setText(health.value(QLatin1StringView("version")).toString());
        const qint64 uptime = integer(health, QLatin1StringView("uptime_seconds"));
        const qint64 since = m_session->msecsSinceHealth();
        m_uptime->setText(uptime < 0 ? Format::unknown()
                                     : Format::uptime(uptime + (connected && since > 0 ? since / 1000 : 0)));
        const QString ffmpeg = health.value(QLatin1StringView("ffmpeg")).toObject().value(QLatin1StringView("version")).toString();
        m_ffmpeg->setText(ffmpeg.isEmpty() ? tr("not found") : ffmpeg);
    }
    if (health.isEmpty()) {
        const QJsonObject server = m_session->welcome().value(QLatin1StringView("server")).toObject();
        m_version->setText(server.isEmpty() ? Format::unknown() : server.value(QLatin1StringView("version")).toString());
    }
}

void HealthPanel::updateStats()
{
    if (!m_session)
        return;
    const QJsonObject stats = m_session->stats();
    const QLocale locale;
    const QJsonArray workers = stats.value(QLatin1StringView("workers")).toArray();
    const qint64 total = stats.contains(QLatin1StringView("max_concurrent")) ? integer(stats, QLatin1StringView("max_concurrent"))
                                                                             : workers.size();
    int busy = 0;
    for (const QJsonValue &worker : workers)
        busy += worker.toObject().value(QLatin1StringView("busy")).toBool() ? 1 : 0;
    m_workersTitle->setText(stats.isEmpty() ? tr("Workers") : tr("Workers: %1 of %2 busy").arg(busy).arg(total));
    while (m_workers->count() > workers.size())
        delete m_workers->takeItem(m_workers->count() - 1);
    while (m_workers->count() < workers.size())
        m_workers->addItem(new QListWidgetItem);
    for (qsizetype i = 0; i < workers.size(); ++i) {
        const QJsonObject worker = workers.at(i).toObject();
        QListWidgetItem *item = m_workers->item(int(i));
        const bool isBusy = worker.value(QLatin1StringView("busy")).toBool();
        QString text;
        if (isBusy) {
            const QString jobId = worker.value(QLatin1StringView("job_id")).toString();
            const QString operation = StatusText::operation(worker.value(QLatin1StringView("operation")).toString());
            //: A busy worker: its number, the job id, the operation and its progress
            text = tr("%1. %2 \u00b7 %3 \u00b7 %4")
                           .arg(i + 1)
                           .arg(jobId, operation, Format::percent(worker.value(QLatin1StringView("percentage")).toDouble()));
            item->setIcon(Icons::group(StatusGroup::Running));
        } else {
            //: An idle worker and its number
            text = tr("%1. idle").arg(i + 1);
            item->setIcon(QIcon());
        }
        item->setText(text);
        item->setToolTip(isBusy ? tr("Click to select the job") : QString());
        item->setData(Qt::UserRole, worker.value(QLatin1StringView("id")).toString());
        item->setForeground(palette().color(isBusy ? QPalette::Active : QPalette::Disabled, QPalette::WindowText));
    }
    const int rowHeight = std::max(m_workers->sizeHintForRow(0), fontMetrics().height() + 4);
    const int visible = std::clamp(int(workers.size()), 1, 8);
    m_workers->setFixedHeight(rowHeight * visible + 2 * m_workers->frameWidth() + 2);

    if (stats.isEmpty()) {
        m_queue->setText(Format::unknown());
        m_totals->setText(Format::unknown());
        m_connections->setText(Format::unknown());
    } else {
        const qint64 queued = integer(stats, QLatin1StringView("queued_jobs"));
        const qint64 input = integer(stats, QLatin1StringView("input_jobs"));
        QString queue = tr("%n waiting", nullptr, int(std::max<qint64>(0, queued)));
        if (input > 0)
            queue += QStringLiteral(" \u00b7 ") + tr("%n receiving input", nullptr, int(input));
        m_queue->setText(queue);
        m_totals->setText(tr("%1 completed \u00b7 %2 failed \u00b7 %3 cancelled")
                                  .arg(locale.toString(integer(stats, QLatin1StringView("completed_jobs"))),
                                       locale.toString(integer(stats, QLatin1StringView("failed_jobs"))),
                                       locale.toString(integer(stats, QLatin1StringView("cancelled_jobs")))));
        m_connections->setText(locale.toString(integer(stats, QLatin1StringView("connections"))));
    }
    updateChart();
}

void HealthPanel::updateChart()
{
    if (!m_session)
        return;
    const ThroughputHistory &history = m_session->history();
    m_chart->setBuckets(history.buckets(QDateTime::currentDateTimeUtc()), history.bucketSeconds());
}

} // namespace Mediaforge::Monitor
