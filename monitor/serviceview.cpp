// SPDX-License-Identifier: GPL-3.0-or-later
#include "serviceview.h"

#include "format.h"
#include "healthpanel.h"
#include "jobdetailsdialog.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobtableview.h"
#include "servicesession.h"
#include "statusicons.h"
#include "summarystrip.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QStyleOptionFrame>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace Mediaforge::Monitor {

ServiceView::ServiceView(ServiceSession *session, QWidget *parent) : QWidget(parent), m_session(session)
{
    const int line = fontMetrics().height();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(line / 2, line / 2, line / 2, line / 4);
    layout->setSpacing(line / 2);

    // Shown while the connection is not up: what happened and what the monitor does about it.
    m_banner = new QFrame(this);
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setAutoFillBackground(true);
    QPalette bannerPalette = m_banner->palette();
    QColor tint = Icons::groupColor(StatusGroup::Queued);
    tint.setAlphaF(0.16f);
    const QColor window = bannerPalette.color(QPalette::Window);
    bannerPalette.setColor(QPalette::Window,
                           QColor::fromRgbF(window.redF() * (1 - tint.alphaF()) + tint.redF() * tint.alphaF(),
                                            window.greenF() * (1 - tint.alphaF()) + tint.greenF() * tint.alphaF(),
                                            window.blueF() * (1 - tint.alphaF()) + tint.blueF() * tint.alphaF()));
    m_banner->setPalette(bannerPalette);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    m_bannerIcon = new QLabel(m_banner);
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_reconnect = new QPushButton(tr("Reconnect now"), m_banner);
    connect(m_reconnect, &QPushButton::clicked, m_session, &ServiceSession::reconnectNow);
    m_changeToken = new QPushButton(tr("Change token\u2026"), m_banner);
    connect(m_changeToken, &QPushButton::clicked, this, [this] { emit tokenChangeRequested(m_session->url()); });
    bannerLayout->addWidget(m_bannerIcon);
    bannerLayout->addWidget(m_bannerText, 1);
    bannerLayout->addWidget(m_changeToken);
    bannerLayout->addWidget(m_reconnect);
    layout->addWidget(m_banner);

    auto *strip = new QHBoxLayout;
    m_summary = new SummaryStrip(this);
    strip->addWidget(m_summary, 1);
    m_filter = new QLineEdit(this);
    m_filter->setClearButtonEnabled(true);
    m_filter->setPlaceholderText(tr("Filter jobs (Ctrl+F)"));
    m_filter->setAccessibleName(tr("Filter jobs"));
    m_filter->setToolTip(tr("Shows jobs whose id, owner, operation, input, status or error code contain every word"));
    // Room for the whole placeholder ("Aufträge filtern (Strg+F)" was cut even in a wide
    // window): the counts beside it shorten their words first.
    QStyleOptionFrame frame;
    frame.initFrom(m_filter);
    const int clearButton = m_filter->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, m_filter);
    const int placeholder = m_filter->fontMetrics().horizontalAdvance(m_filter->placeholderText()) + clearButton
            + fontMetrics().horizontalAdvance(QLatin1Char('x')) * 2;
    m_filter->setMinimumWidth(
            m_filter->style()->sizeFromContents(QStyle::CT_LineEdit, &frame, QSize(placeholder, m_filter->fontMetrics().height()), m_filter).width());
    m_filter->setSizePolicy(QSizePolicy::Minimum, QSizePolicy::Fixed);
    auto *clearFilter = new QAction(m_filter);
    clearFilter->setShortcut(Qt::Key_Escape);
    clearFilter->setShortcutContext(Qt::WidgetShortcut);
    connect(clearFilter, &QAction::triggered, m_filter, &QLineEdit::clear);
    m_filter->addAction(clearFilter);
    strip->addWidget(m_filter);
    m_statusButton = new QToolButton(this);
    m_statusButton->setText(tr("Statuses"));
    m_statusButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_statusButton->setPopupMode(QToolButton::InstantPopup);
    m_statusButton->setAccessibleName(tr("Status filter"));
    auto *menu = new QMenu(m_statusButton);
    for (StatusGroup group : kAllStatusGroups) {
        // No icon: styles draw a ticked action with an icon as a faint frame around the icon,
        // where a check mark is what tells ticked from not ticked.
        QAction *action = menu->addAction(StatusText::group(group));
        action->setCheckable(true);
        action->setChecked(true);
        action->setData(int(group));
        connect(action, &QAction::toggled, this, [this, group](bool on) { m_proxy->setStatusVisible(group, on); });
        m_statusActions.append(action);
    }
    menu->addSeparator();
    connect(menu->addAction(tr("Show all")), &QAction::triggered, this, [this] { applySolo(std::nullopt); });
    m_statusButton->setMenu(menu);
    strip->addWidget(m_statusButton);
    layout->addLayout(strip);

    m_proxy = new JobFilterProxy(this);
    m_proxy->setSourceModel(m_session->model());
    m_table = new JobTableView(this);
    m_table->setModel(m_proxy);
    m_table->sortByColumn(JobModel::StatusColumn, Qt::AscendingOrder);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    // Which node runs a job is worth a column only on a cluster of several.
    connect(m_session, &ServiceSession::nodesChanged, m_table,
            [this] { m_table->setColumnApplicable(JobModel::NodeColumn, m_session->nodes().size() > 1); });

    m_health = new HealthPanel(m_session, this);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_health);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(line * 19);
    m_healthScroll = scroll;
    m_splitter = new QSplitter(Qt::Horizontal, this);
    // The table lists the live jobs and the newest history; the rest is a page away, asked for
    // from right under the table.
    auto *tableSide = new QWidget(this);
    auto *tableLayout = new QVBoxLayout(tableSide);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->setSpacing(line / 4);
    tableLayout->addWidget(m_table, 1);
    m_olderButton = new QPushButton(tr("Load older jobs"), tableSide);
    m_olderButton->setToolTip(tr("Adds the next page of finished jobs the service keeps (--history-days)"));
    connect(m_olderButton, &QPushButton::clicked, m_session, &ServiceSession::loadOlderJobs);
    auto *historyRow = new QHBoxLayout;
    historyRow->addWidget(m_olderButton);
    historyRow->addStretch(1);
    tableLayout->addLayout(historyRow);
    m_splitter->addWidget(tableSide);
    m_splitter->addWidget(scroll);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 0);
    // The table stays; the side panel may be dragged away in a small window.
    m_splitter->setCollapsible(0, false);
    m_splitter->setCollapsible(1, true);
    m_splitter->setSizes({line * 70, line * 22});
    layout->addWidget(m_splitter, 1);

    // Tab leaves the table (it would walk its cells otherwise) and reaches the counts.
    m_table->setTabKeyNavigation(false);
    setTabOrder(m_filter, m_statusButton);
    setTabOrder(m_statusButton, m_table);
    QWidget *previous = m_table;
    for (SummaryChip *chip : m_summary->chipsInOrder()) {
        setTabOrder(previous, chip);
        previous = chip;
    }
    setTabOrder(previous, m_olderButton);

    connect(m_summary, &SummaryStrip::soloRequested, this, &ServiceView::applySolo);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &JobFilterProxy::setSearchText);
    connect(m_filter, &QLineEdit::returnPressed, this, &ServiceView::selectFirstMatch);
    connect(m_proxy, &JobFilterProxy::filterChanged, this, [this] {
        updateStatusMenu();
        updateEmptyText();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ServiceView::selectionChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this, &ServiceView::selectionChanged);
    connect(m_table, &QAbstractItemView::doubleClicked, this, &ServiceView::showDetails);
    connect(m_health, &HealthPanel::jobActivated, this, &ServiceView::selectJob);

    JobModel *model = m_session->model();
    connect(model, &JobModel::countsChanged, this, [this, model] {
        m_summary->setCounts(model->counts());
        updateEmptyText();
    });
    // Cancellable-ness of the selection changes with the jobs' states.
    connect(model, &JobModel::batchApplied, this, &ServiceView::selectionChanged);
    connect(m_session, &ServiceSession::stateChanged, this, &ServiceView::updateBanner);
    connect(m_session, &ServiceSession::countdownChanged, this, &ServiceView::updateBanner);
    connect(m_session, &ServiceSession::liveChanged, this, &ServiceView::updateBanner);
    connect(m_session, &ServiceSession::liveChanged, this, [this] { m_summary->setAsOf(m_session->staleSince()); });
    connect(m_session, &ServiceSession::historyChanged, this, &ServiceView::updateHistory);
    connect(m_session, &ServiceSession::stateChanged, this, &ServiceView::updateHistory);
    updateHistory();
    m_summary->setCounts(model->counts());
    updateBanner();
    updateEmptyText();
}

void ServiceView::updateHistory()
{
    m_olderButton->setVisible(m_session->hasOlderJobs() || m_session->isLoadingOlderJobs());
    m_olderButton->setEnabled(m_session->isUp() && !m_session->isLoadingOlderJobs());
    m_olderButton->setText(m_session->isLoadingOlderJobs() ? tr("Loading older jobs\u2026") : tr("Load older jobs"));
}

QWidget *ServiceView::banner() const
{
    return m_banner;
}

QString ServiceView::bannerText() const
{
    return m_bannerText->text();
}

void ServiceView::updateBanner()
{
    using State = ServiceSession::State;
    const State state = m_session->state();
    const bool up = state == State::Connected;
    m_banner->setVisible(!up);
    updateEmptyText();
    if (up)
        return;
    QString text = QStringLiteral("<b>%1</b>").arg(m_session->stateText().toHtmlEscaped());
    if (state == State::Stopping) {
        text += QStringLiteral(" \u2014 ")
                + tr("The service is shutting down: running jobs may still finish, queued ones are cancelled, new ones "
                     "are refused. The monitor reconnects when it is back.")
                          .toHtmlEscaped();
    } else if (!m_session->lastError().isEmpty()) {
        text += QStringLiteral(" \u2014 ") + m_session->lastError().toHtmlEscaped();
    }
    if (state == State::AuthFailed)
        text += QStringLiteral("<br>") + tr("Enter another token with “Change token…”.").toHtmlEscaped();
    else if (state == State::NotAdmin)
        text += QStringLiteral("<br>") + tr("Connect with a token of role admin (“Change token…”).").toHtmlEscaped();
    if (!m_session->isLive() && m_session->model()->rowCount() > 0 && m_session->lastContact().isValid())
        text += QStringLiteral("<br>")
                + tr("The list shows the state of %1 and catches up after reconnecting.")
                          .arg(Format::time(m_session->lastContact()))
                          .toHtmlEscaped();
    // The service's own words, in its language, as a detail under the monitor's sentence.
    if (!m_session->serviceText().isEmpty() && state != State::Connecting)
        //: %1 is the service's own (English) message
        text += QStringLiteral("<br><small>%1</small>")
                        .arg(tr("The service said: \u201c%1\u201d").arg(m_session->serviceText()).toHtmlEscaped());
    m_bannerText->setText(text);
    const bool failed = state == State::AuthFailed || state == State::NotAdmin;
    const int icon = style()->pixelMetric(QStyle::PM_LargeIconSize, nullptr, this);
    m_bannerIcon->setPixmap(Icons::connection(false, failed).pixmap(icon, icon));
    m_reconnect->setVisible(state != State::Connecting && state != State::Stopping);
    m_changeToken->setVisible(failed);
}

void ServiceView::updateEmptyText()
{
    if (m_session->model()->rowCount() > 0) {
        m_table->setEmptyText(tr("No job matches the filter"),
                              tr("Press Esc in the filter field, or choose \u201cShow all\u201d under Statuses."));
    } else if (m_session->isUp()) {
        m_table->setEmptyText(tr("No jobs yet"), tr("Jobs appear here the moment a client submits one."));
    } else {
        m_table->setEmptyText(tr("Not connected"), m_session->stateText());
    }
}

void ServiceView::updateStatusMenu()
{
    int visible = 0;
    for (QAction *action : std::as_const(m_statusActions)) {
        const auto group = StatusGroup(action->data().toInt());
        const QSignalBlocker blocker(action);
        action->setChecked(m_proxy->isStatusVisible(group));
        if (action->isChecked())
            ++visible;
    }
    QList<StatusGroup> shown;
    if (!m_proxy->showsAllGroups()) {
        for (StatusGroup group : kAllStatusGroups) {
            if (m_proxy->isStatusVisible(group))
                shown.append(group);
        }
    }
    m_summary->setShownGroups(shown);
    m_statusButton->setText(m_proxy->showsAllGroups() ? tr("Statuses") : tr("Statuses (%1 of %2)").arg(visible).arg(kStatusGroupCount));
}

void ServiceView::applySolo(std::optional<StatusGroup> group)
{
    m_proxy->setVisibleGroups(group ? QList<StatusGroup>{*group} : QList<StatusGroup>{});
}

void ServiceView::setHealthPanelVisible(bool visible)
{
    if (visible == isHealthPanelVisible())
        return;
    // The table gets its width back exactly as it was, not whatever the splitter guesses.
    if (!visible)
        m_splitterSizes = m_splitter->sizes();
    m_healthScroll->setVisible(visible);
    if (visible && m_splitterSizes.size() == 2 && m_splitterSizes.at(1) > 0)
        m_splitter->setSizes(m_splitterSizes);
}

bool ServiceView::isHealthPanelVisible() const
{
    return !m_healthScroll->isHidden();
}

void ServiceView::selectFirstMatch()
{
    if (m_proxy->rowCount() == 0)
        return;
    QModelIndex first = m_table->currentIndex();
    if (!first.isValid())
        first = m_proxy->index(m_table->verticalHeader()->logicalIndex(0), 0);
    m_table->selectionModel()->setCurrentIndex(first, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(first);
    m_table->setFocus(Qt::TabFocusReason);
}

bool ServiceView::hasSelection() const
{
    return m_table->selectionModel() && m_table->selectionModel()->hasSelection();
}

QStringList ServiceView::cancellableSelection() const
{
    QStringList ids;
    const QStringList selected = m_table->selectedIds();
    for (const QString &id : selected) {
        const JobRecord *record = m_session->model()->recordById(id);
        if (record && !record->finished())
            ids.append(id);
    }
    return ids;
}

QMessageBox *ServiceView::pendingConfirmation() const
{
    return m_confirmation;
}

void ServiceView::cancelSelected()
{
    const QStringList ids = cancellableSelection();
    if (ids.isEmpty() || m_confirmation)
        return;
    JobModel *model = m_session->model();
    QString question;
    QStringList names;
    bool running = false;
    bool receiving = false;
    bool waiting = false;
    for (const QString &id : ids) {
        const JobRecord *record = model->recordById(id);
        if (!record)
            continue;
        names.append(record->jobId.isEmpty() ? record->id : record->jobId);
        running = running || record->state == JobState::Processing;
        receiving = receiving || record->group() == StatusGroup::Input;
        waiting = waiting || record->state == JobState::Queued;
    }
    if (ids.size() == 1) {
        const JobRecord *record = model->recordById(ids.first());
        question = tr("Cancel job \u201c%1\u201d (%2 of %3, submitted by %4)?")
                           .arg(record->jobId, StatusText::operation(record->operation),
                                record->inputName.isEmpty() ? tr("an unnamed input") : record->inputName,
                                record->owner.isEmpty() ? tr("an unknown client") : record->owner);
    } else {
        // Name them: "Cancel 3 jobs?" alone does not say whether the right ones are selected.
        constexpr int kNamed = 8;
        QString list = names.mid(0, kNamed).join(QStringLiteral(", "));
        if (names.size() > kNamed)
            //: After a list of job ids in the cancel question: how many more are selected
            list += u' ' + tr("and %n more", nullptr, int(names.size() - kNamed));
        question = tr("Cancel %n jobs: %1?", nullptr, int(ids.size())).arg(list);
    }
    // Say what happens to these jobs, not to jobs in general.
    QStringList effects;
    if (running)
        effects.append(tr("ffmpeg is stopped."));
    if (receiving)
        effects.append(tr("The upload or download stops."));
    if (waiting)
        effects.append(tr("Queued jobs leave the queue without running."));
    effects.append(tr("The job's files are removed and its client is told that it was cancelled. This cannot be undone."));
    m_confirmation = new QMessageBox(QMessageBox::Question, tr("Cancel job"), question, QMessageBox::Yes | QMessageBox::No, this);
    m_confirmation->setInformativeText(effects.join(u' '));
    QAbstractButton *cancelButton = m_confirmation->button(QMessageBox::Yes);
    QAbstractButton *keepButton = m_confirmation->button(QMessageBox::No);
    cancelButton->setText(ids.size() == 1 ? tr("Cancel job") : tr("Cancel jobs"));
    // The style's Yes/No icons would put a green tick on the destructive choice: the stop icon
    // goes there, and keeping the job needs none.
    cancelButton->setIcon(QIcon(QStringLiteral(":/icons/cancel.svg")));
    keepButton->setText(tr("Keep running"));
    keepButton->setIcon(QIcon());
    m_confirmation->setDefaultButton(QMessageBox::No);
    m_confirmation->setWindowModality(Qt::WindowModal);
    m_confirmation->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_confirmation, &QMessageBox::finished, this, [this, ids](int result) {
        m_confirmation = nullptr;
        if (result != QMessageBox::Yes)
            return;
        for (const QString &id : ids) {
            const JobRecord *record = m_session->model()->recordById(id);
            const QString name = record ? record->jobId : id;
            emit statusMessage(tr("Cancelling %1\u2026").arg(name));
            m_session->cancelJob(id, [this, name](bool ok, const QString &message) {
                emit statusMessage(ok ? tr("Cancelled %1").arg(name) : tr("Could not cancel %1: %2").arg(name, message));
            });
        }
    });
    m_confirmation->open();
}

void ServiceView::copySelectedJobIds()
{
    QStringList jobIds;
    for (const QString &id : m_table->selectedIds()) {
        if (const JobRecord *record = m_session->model()->recordById(id))
            jobIds.append(record->jobId);
    }
    if (jobIds.isEmpty())
        return;
    QApplication::clipboard()->setText(jobIds.join(u'\n'));
    emit statusMessage(tr("Copied %n job id(s)", nullptr, int(jobIds.size())));
}

void ServiceView::copySelectedServiceIds()
{
    const QStringList ids = m_table->selectedIds();
    if (ids.isEmpty())
        return;
    QApplication::clipboard()->setText(ids.join(u'\n'));
    if (ids.size() == 1)
        emit statusMessage(tr("Copied the service-wide id %1").arg(ids.first()));
    else
        emit statusMessage(tr("Copied %n service-wide ids", nullptr, int(ids.size())));
}

void ServiceView::showDetails()
{
    const QString id = m_table->currentId();
    if (id.isEmpty())
        return;
    // One dialog per job: a second request raises the open one.
    for (JobDetailsDialog *dialog : findChildren<JobDetailsDialog *>()) {
        if (dialog->id() == id) {
            dialog->raise();
            dialog->activateWindow();
            return;
        }
    }
    auto *dialog = new JobDetailsDialog(m_session->model(), id, this);
    dialog->followDeliveries(m_session);
    dialog->show();
}

void ServiceView::focusFilter()
{
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

void ServiceView::selectJob(const QString &id)
{
    const int row = m_session->model()->rowOfId(id);
    if (row < 0)
        return;
    QModelIndex index = m_proxy->mapFromSource(m_session->model()->index(row, 0));
    if (!index.isValid()) {
        // Hidden by the filter: show everything rather than select nothing.
        m_filter->clear();
        applySolo(std::nullopt);
        index = m_proxy->mapFromSource(m_session->model()->index(row, 0));
    }
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
    m_table->setFocus();
}

} // namespace Mediaforge::Monitor
