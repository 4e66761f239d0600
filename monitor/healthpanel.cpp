// SPDX-License-Identifier: GPL-3.0-or-later
#include "healthpanel.h"

#include "format.h"
#include "jobmodel.h"
#include "jobrecord.h"
#include "nodespanel.h"
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
    // "Worker: 1 von 3 belegt (Stand 00:34:28)" is wider than a narrow panel: it wraps rather
    // than widen the panel past its scroll area, which cut off every line on the right.
    label->setWordWrap(true);
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

    m_queueForm = new QFormLayout;
    m_queueForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_queue = addRow(m_queueForm, tr("Queue"));
    m_totals = addRow(m_queueForm, tr("Finished"));
    // Shown once the service sends webhook figures (get_stats `webhooks`).
    m_webhooks = addRow(m_queueForm, tr("Webhooks"));
    m_queueForm->setRowVisible(m_webhooks, false);
    layout->addLayout(m_queueForm);

    // Shown only for a cluster of more than one node; it brings its own space above.
    m_nodes = new NodesPanel(m_session, this);
    layout->addWidget(m_nodes);

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
        // The drain's time left, in step with the tab.
        connect(m_session, &ServiceSession::countdownChanged, this, &HealthPanel::updateHealth);
        connect(m_session, &ServiceSession::liveChanged, this, [this] {
            updateHealth();
            updateStats();
        });
        // The queue and the totals are the job list's, the same numbers as the summary strip.
        connect(m_session->model(), &JobModel::countsChanged, this, &HealthPanel::updateStats);
        connect(m_session->model(), &JobModel::batchApplied, this, &HealthPanel::updateStats);
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

QString HealthPanel::webhooksText() const
{
    return m_webhooks->isVisibleTo(this) ? m_webhooks->text() : QString();
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
    using State = ServiceSession::State;
    const QJsonObject health = m_session->health();
    const State state = m_session->state();
    const bool live = m_session->isLive();
    const QString muted = palette().color(QPalette::Disabled, QPalette::WindowText).name();
    // The dot is decoration; the words say it.
    auto dot = [](const QColor &color, const QString &text) {
        return QStringLiteral("<span style=\"color:%1\">\u25cf</span> %2").arg(color.name(), text.toHtmlEscaped());
    };

    QString word;
    QColor color;
    if (!health.isEmpty()) {
        const QString status = health.value(QLatin1StringView("status")).toString();
        const bool healthy = status == QLatin1StringView("healthy");
        color = healthy ? Icons::groupColor(StatusGroup::Completed) : Icons::groupColor(StatusGroup::Failed);
        word = healthy ? tr("Healthy") : status == QLatin1StringView("degraded") ? tr("Degraded") : status;
        m_version->setText(health.value(QLatin1StringView("version")).toString());
        const qint64 uptime = integer(health, QLatin1StringView("uptime_seconds"));
        const qint64 since = m_session->msecsSinceHealth();
        // Counted on while the service is heard from, and stopped when it was last heard.
        qint64 counted = since > 0 ? since : 0;
        if (!live && m_session->lastContact().isValid())
            counted = std::max<qint64>(0, counted - m_session->lastContact().msecsTo(QDateTime::currentDateTime()));
        m_uptime->setText(uptime < 0 ? Format::unknown() : Format::uptime(uptime + counted / 1000));
        const QString ffmpeg = health.value(QLatin1StringView("ffmpeg")).toObject().value(QLatin1StringView("version")).toString();
        m_ffmpeg->setText(ffmpeg.isEmpty() ? tr("not found") : ffmpeg);
    } else {
        const QJsonObject server = m_session->welcome().value(QLatin1StringView("server")).toObject();
        m_version->setText(server.isEmpty() ? Format::unknown() : server.value(QLatin1StringView("version")).toString());
    }
    //: After "Not answering since …": what /health said when it last answered
    const QString lastKnown = word.isEmpty() ? QString()
                                             : QStringLiteral("<br><span style=\"color:%1\">%2</span>")
                                                       .arg(muted, tr("last known: %1").arg(word).toHtmlEscaped());
    QString line;
    if (state == State::Stopping) {
        line = dot(Icons::groupColor(StatusGroup::Queued), m_session->stateText());
    } else if (state == State::AuthFailed || state == State::NotAdmin) {
        // Reached, and it refused the token: "unreachable" would send the operator to the network.
        line = dot(Icons::groupColor(StatusGroup::Failed), m_session->stateText());
    } else if (state == State::Unresponsive) {
        line = dot(Icons::groupColor(StatusGroup::Failed), m_session->stateText()) + lastKnown;
    } else if (!m_session->isUp() && m_session->lastContact().isValid()) {
        //: The health of a service the monitor lost; %1 is the time it was last heard from
        line = dot(Icons::groupColor(StatusGroup::Failed), tr("Unreachable since %1").arg(Format::time(m_session->lastContact())))
                + lastKnown;
    } else if (health.isEmpty()) {
        line = (m_session->healthError().isEmpty()
                        ? (m_session->httpUrl().isEmpty() && live ? tr("No HTTP port announced") : Format::unknown())
                        : tr("Unreachable: %1").arg(m_session->healthError()))
                       .toHtmlEscaped();
    } else if (!m_session->healthError().isEmpty()) {
        const qint64 age = m_session->msecsSinceHealth();
        //: /health did not answer this time; %1 is when it last did
        const QString asOf = tr("as of %1, the last check failed").arg(Format::time(QDateTime::currentDateTime().addMSecs(-std::max<qint64>(0, age))));
        line = QStringLiteral("<span style=\"color:%1\">\u25cf %2</span>").arg(muted, QString(word + QStringLiteral(" \u00b7 ") + asOf).toHtmlEscaped());
    } else {
        QString text = word;
        if (health.value(QLatin1StringView("shutting_down")).toBool())
            text += QStringLiteral(" \u00b7 ") + tr("shutting down");
        line = dot(color, text);
    }
    m_status->setText(line);
    // What /health said is as old as the last word from the service: it looks so.
    for (QLabel *label : {m_version, m_uptime, m_ffmpeg})
        shade(label, live);
}

void HealthPanel::shade(QLabel *label, bool live) const
{
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, this->palette().color(live ? QPalette::Active : QPalette::Disabled, QPalette::WindowText));
    label->setPalette(palette);
}

void HealthPanel::updateStats()
{
    if (!m_session)
        return;
    const QJsonObject stats = m_session->stats();
    const JobModel *model = m_session->model();
    const bool live = m_session->isLive();
    const QLocale locale;
    const QJsonArray workers = stats.value(QLatin1StringView("workers")).toArray();
    const qint64 total = stats.contains(QLatin1StringView("max_concurrent")) ? integer(stats, QLatin1StringView("max_concurrent"))
                                                                             : workers.size();
    // A worker is busy with a job the job list does not show finished: the statistics and the
    // events are separate messages, and the list is what the table and the strip show.
    auto busyWith = [model](const QJsonObject &worker) {
        if (!worker.value(QLatin1StringView("busy")).toBool())
            return false;
        const JobRecord *record = model->recordById(worker.value(QLatin1StringView("id")).toString());
        return !record || !record->finished();
    };
    int busy = 0;
    for (const QJsonValue &worker : workers)
        busy += busyWith(worker.toObject()) ? 1 : 0;
    QString title = stats.isEmpty() ? tr("Workers") : tr("Workers: %1 of %2 busy").arg(busy).arg(total);
    if (!live && !stats.isEmpty() && m_session->lastContact().isValid())
        //: The workers block of a service that is not answering: %1 is "Workers: 1 of 2 busy", %2 the time
        title = tr("%1 (as of %2)").arg(title, Format::time(m_session->lastContact()));
    m_workersTitle->setText(title);
    while (m_workers->count() > workers.size())
        delete m_workers->takeItem(m_workers->count() - 1);
    while (m_workers->count() < workers.size())
        m_workers->addItem(new QListWidgetItem);
    for (qsizetype i = 0; i < workers.size(); ++i) {
        const QJsonObject worker = workers.at(i).toObject();
        QListWidgetItem *item = m_workers->item(int(i));
        const bool isBusy = busyWith(worker);
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
        item->setData(Qt::UserRole, isBusy ? worker.value(QLatin1StringView("id")).toString() : QString());
        item->setForeground(palette().color(isBusy && live ? QPalette::Active : QPalette::Disabled, QPalette::WindowText));
    }
    const int rowHeight = std::max(m_workers->sizeHintForRow(0), fontMetrics().height() + 4);
    const int visible = std::clamp(int(workers.size()), 1, 8);
    m_workers->setFixedHeight(rowHeight * visible + 2 * m_workers->frameWidth() + 2);

    // Queue and totals: the job list's counts, the strip's numbers.
    const JobModel::Counts counts = model->counts();
    QString queue = tr("%n waiting", nullptr, counts.of(StatusGroup::Queued));
    if (counts.of(StatusGroup::Input) > 0)
        queue += QStringLiteral(" \u00b7 ") + tr("%n receiving input", nullptr, counts.of(StatusGroup::Input));
    m_queue->setText(queue);
    m_totals->setText(tr("%1 completed \u00b7 %2 failed \u00b7 %3 cancelled")
                              .arg(locale.toString(counts.of(StatusGroup::Completed)),
                                   locale.toString(counts.of(StatusGroup::Failed)),
                                   locale.toString(counts.of(StatusGroup::Cancelled))));
    m_connections->setText(stats.isEmpty() ? Format::unknown() : locale.toString(integer(stats, QLatin1StringView("connections"))));
    updateWebhooks(stats.value(QLatin1StringView("webhooks")));
    for (QLabel *label : {m_queue, m_totals, m_connections})
        shade(label, live);
    updateChart();
}

void HealthPanel::updateWebhooks(const QJsonValue &value)
{
    // A service from before webhooks, or none heard from yet: no line rather than a dash.
    if (!value.isObject()) {
        m_queueForm->setRowVisible(m_webhooks, false);
        return;
    }
    const QJsonObject webhooks = value.toObject();
    const qint64 failing = integer(webhooks, QLatin1StringView("failing_endpoints"));
    const qint64 pending = integer(webhooks, QLatin1StringView("pending"));
    const qint64 givenUp = integer(webhooks, QLatin1StringView("failed"));
    QStringList parts;
    //: Notify URLs whose last webhook attempt failed (receivers down or refusing)
    if (failing > 0)
        parts.append(tr("%n endpoint(s) failing", nullptr, int(failing)));
    parts.append(pending > 0 ? tr("%n pending", nullptr, int(pending)) : tr("none pending"));
    //: Webhook deliveries given up after the retry window, since the service started
    if (givenUp > 0)
        parts.append(tr("%n given up", nullptr, int(givenUp)));
    QString text = parts.join(QStringLiteral(" \u00b7 ")).toHtmlEscaped();
    // Red when a receiver is failing: that is what the operator is to act on.
    if (failing > 0 || givenUp > 0)
        text = QStringLiteral("<span style=\"color:%1\">\u25cf</span> ").arg(Icons::groupColor(StatusGroup::Failed).name()) + text;
    m_webhooks->setText(text);
    m_webhooks->setToolTip(tr("Since the service started: %1 delivered, %2 retried, %3 given up; %4 requests open now")
                                   .arg(integer(webhooks, QLatin1StringView("delivered")))
                                   .arg(integer(webhooks, QLatin1StringView("retried")))
                                   .arg(givenUp)
                                   .arg(integer(webhooks, QLatin1StringView("in_flight"))));
    m_queueForm->setRowVisible(m_webhooks, true);
    shade(m_webhooks, m_session && m_session->isLive());
}

void HealthPanel::updateChart()
{
    if (!m_session)
        return;
    const ThroughputHistory &history = m_session->history();
    m_chart->setBuckets(history.buckets(QDateTime::currentDateTimeUtc()), history.bucketSeconds());
}

} // namespace Mediaforge::Monitor
