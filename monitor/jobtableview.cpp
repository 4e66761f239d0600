// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobtableview.h"

#include "jobmodel.h"
#include "progressdelegate.h"

#include <QDataStream>
#include <QHeaderView>
#include <QMenu>
#include <QPainter>
#include <QResizeEvent>
#include <QStyle>

namespace Mediaforge::Monitor {

JobTableView::JobTableView(QWidget *parent) : QTableView(parent)
{
    // Until the service says it is a cluster of several nodes.
    m_notApplicable.insert(JobModel::NodeColumn);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setAlternatingRowColors(true);
    setSortingEnabled(true);
    setShowGrid(false);
    setWordWrap(false);
    setTextElideMode(Qt::ElideMiddle);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setItemDelegateForColumn(JobModel::ProgressColumn, new ProgressDelegate(this));
    verticalHeader()->hide();
    // Uniform rows: the view never asks the model for size hints, which keeps thousands of rows
    // cheap, and a little air around the text reads better than a spreadsheet.
    verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() * 17 / 10 + 2);
    horizontalHeader()->setHighlightSections(false);
    horizontalHeader()->setSectionsMovable(true);
    horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(horizontalHeader(), &QHeaderView::customContextMenuRequested, this, &JobTableView::showHeaderMenu);
    // A column the user widened may push another out, one narrowed may bring one back.
    connect(horizontalHeader(), &QHeaderView::sectionResized, this, [this](int column, int, int size) {
        if (m_fitting || column == JobModel::InputColumn || size == 0)
            return;
        m_widths[column] = size;
        fitColumns();
    });
    setAccessibleName(tr("Jobs"));
    setAccessibleDescription(tr("All jobs of the service. Enter shows details, Delete cancels, Ctrl+C copies the job id."));
}

void JobTableView::setModel(QAbstractItemModel *model)
{
    QTableView::setModel(model);
    applyDefaultColumnWidths();
    if (model) {
        auto update = [this] { viewport()->update(); };
        connect(model, &QAbstractItemModel::rowsInserted, this, update);
        connect(model, &QAbstractItemModel::rowsRemoved, this, update);
        connect(model, &QAbstractItemModel::modelReset, this, update);
        connect(model, &QAbstractItemModel::layoutChanged, this, update);
    }
}

void JobTableView::applyDefaultColumnWidths()
{
    if (!model())
        return;
    // In characters of the current font, so that a high-DPI screen or a larger font keeps the
    // proportions.
    const int ch = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const int icon = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    QHeaderView *header = horizontalHeader();
    header->setMinimumSectionSize(ch * 5);
    // Never narrower than the column's title in the current language ("Geschwindigkeit").
    const QFontMetrics headerMetrics(header->font());
    const int sortArrow = style()->pixelMetric(QStyle::PM_HeaderMarkSize, nullptr, header)
            + 2 * style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, header) + ch;
    auto width = [&](int column, int chars) {
        const QString title = model()->headerData(column, Qt::Horizontal).toString();
        header->resizeSection(column, std::max(ch * chars, headerMetrics.horizontalAdvance(title) + sortArrow + ch));
    };
    width(JobModel::JobColumn, 18);
    // An address and port ("127.0.0.1:59762") fits whole.
    width(JobModel::OwnerColumn, 16);
    width(JobModel::OperationColumn, 15);
    width(JobModel::InputColumn, 22);
    // Every status whole in the current language ("Wird hochgeladen" was cut to "Wird h…eladen").
    int status = std::max(ch * 14, headerMetrics.horizontalAdvance(model()->headerData(JobModel::StatusColumn, Qt::Horizontal).toString())
                                           + sortArrow);
    for (JobState state : {JobState::AwaitingUpload, JobState::Downloading, JobState::Processing, JobState::Completed,
                           JobState::Failed, JobState::Cancelled})
        status = std::max(status, fontMetrics().horizontalAdvance(StatusText::state(state)) + 2 * ch);
    status = std::max(status, fontMetrics().horizontalAdvance(JobModel::tr("Queued (#%1)").arg(88)) + 2 * ch);
    header->resizeSection(JobModel::StatusColumn, status + icon);
    width(JobModel::ProgressColumn, 21);
    width(JobModel::SpeedColumn, 11);
    width(JobModel::EtaColumn, 8);
    width(JobModel::ElapsedColumn, 9);
    width(JobModel::PriorityColumn, 9);
    width(JobModel::BatchColumn, 20);
    width(JobModel::NodeColumn, 12);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(JobModel::InputColumn, QHeaderView::Stretch);
    fitColumns();
}

namespace {

// The order in which columns give way when the table is narrow: what an operator needs least
// goes first. Job, Input, Status and Progress are never given up.
// Batch before Node: it is the widest of the optional columns and blank for single jobs, and
// the filter still finds a batch's jobs by its batch_id.
constexpr int kGiveUpOrder[] = {JobModel::BatchColumn,     JobModel::NodeColumn,     JobModel::PriorityColumn,
                                JobModel::ElapsedColumn,   JobModel::OwnerColumn,    JobModel::OperationColumn,
                                JobModel::EtaColumn,       JobModel::SpeedColumn};

} // namespace

int JobTableView::preferredWidth() const
{
    const int ch = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    int width = 2 * frameWidth() + style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this) + ch * 22;
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        if (column != JobModel::InputColumn && !m_userHidden.contains(column) && !m_notApplicable.contains(column))
            width += m_widths.value(column, horizontalHeader()->sectionSize(column));
    }
    return width;
}

void JobTableView::resizeEvent(QResizeEvent *event)
{
    QTableView::resizeEvent(event);
    if (event->size().width() != event->oldSize().width())
        fitColumns();
}

void JobTableView::fitColumns()
{
    if (!model() || m_fitting)
        return;
    m_fitting = true;
    QHeaderView *header = horizontalHeader();
    const int ch = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    // Hidden sections report no width; the last one they had is kept.
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        if (!header->isSectionHidden(column) && column != JobModel::InputColumn)
            m_widths[column] = header->sectionSize(column);
    }
    QSet<int> hide = m_userHidden;
    hide.unite(m_notApplicable);
    // The stretched Input column keeps room for a readable name ("produ…r.mp4" is not): the
    // speed and the rest give way before it.
    int needed = ch * 18;
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        if (column != JobModel::InputColumn && !hide.contains(column))
            needed += m_widths.value(column);
    }
    const int available = viewport()->width();
    for (int column : kGiveUpOrder) {
        if (needed <= available)
            break;
        if (hide.contains(column))
            continue;
        needed -= m_widths.value(column);
        hide.insert(column);
    }
    // Only what changes, so that the header does not lay itself out again for nothing.
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        if (header->isSectionHidden(column) != hide.contains(column))
            header->setSectionHidden(column, hide.contains(column));
    }
    m_fitting = false;
}

void JobTableView::setColumnHiddenByUser(int column, bool hidden)
{
    if (hidden)
        m_userHidden.insert(column);
    else
        m_userHidden.remove(column);
    fitColumns();
}

void JobTableView::setColumnApplicable(int column, bool applicable)
{
    if (applicable == isColumnApplicable(column))
        return;
    if (applicable)
        m_notApplicable.remove(column);
    else
        m_notApplicable.insert(column);
    fitColumns();
}

void JobTableView::showHeaderMenu(const QPoint &position)
{
    if (!model())
        return;
    QMenu menu(this);
    for (int column = 0; column < JobModel::ColumnCount; ++column) {
        if (m_notApplicable.contains(column))
            continue;
        QAction *action = menu.addAction(model()->headerData(column, Qt::Horizontal).toString());
        action->setCheckable(true);
        action->setChecked(!m_userHidden.contains(column));
        // The columns an operator cannot do without stay.
        action->setEnabled(column != JobModel::JobColumn && column != JobModel::StatusColumn
                           && column != JobModel::ProgressColumn && column != JobModel::InputColumn);
        connect(action, &QAction::toggled, this, [this, column](bool on) { setColumnHiddenByUser(column, !on); });
    }
    menu.exec(horizontalHeader()->mapToGlobal(position));
}

QByteArray JobTableView::saveLayout() const
{
    QByteArray state;
    QDataStream out(&state, QIODevice::WriteOnly);
    const QHeaderView *header = horizontalHeader();
    QList<int> order;
    QList<int> widths;
    for (int visual = 0; visual < header->count(); ++visual)
        order.append(header->logicalIndex(visual));
    for (int column = 0; column < header->count(); ++column)
        widths.append(header->sectionSize(column));
    out << qint32(1) << order << widths << QList<int>(m_userHidden.cbegin(), m_userHidden.cend())
        << qint32(header->sortIndicatorSection()) << qint32(header->sortIndicatorOrder());
    return state;
}

bool JobTableView::restoreLayout(const QByteArray &state)
{
    if (state.isEmpty() || !model())
        return false;
    QDataStream in(state);
    qint32 version = 0;
    QList<int> order;
    QList<int> widths;
    QList<int> hidden;
    qint32 sortColumn = 0;
    qint32 sortOrder = 0;
    in >> version >> order >> widths >> hidden >> sortColumn >> sortOrder;
    QHeaderView *header = horizontalHeader();
    if (in.status() != QDataStream::Ok || version != 1 || order.size() != widths.size() || order.size() > header->count())
        return false;
    // A layout saved before a column was added (Node) lacks it: it goes at the end, at its
    // default width.
    for (int column = int(order.size()); column < header->count(); ++column) {
        order.append(column);
        widths.append(header->sectionSize(column));
    }
    for (int visual = 0; visual < order.size(); ++visual) {
        const int column = order.at(visual);
        if (column < 0 || column >= header->count())
            return false;
        header->moveSection(header->visualIndex(column), visual);
    }
    const int ch = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    for (int column = 0; column < widths.size(); ++column) {
        if (column != JobModel::InputColumn)
            header->resizeSection(column, std::clamp(widths.at(column), ch * 4, ch * 80));
    }
    m_userHidden = QSet<int>(hidden.cbegin(), hidden.cend());
    for (int column : {int(JobModel::JobColumn), int(JobModel::StatusColumn), int(JobModel::ProgressColumn), int(JobModel::InputColumn)})
        m_userHidden.remove(column);
    if (sortColumn >= 0 && sortColumn < header->count())
        sortByColumn(sortColumn, sortOrder == Qt::DescendingOrder ? Qt::DescendingOrder : Qt::AscendingOrder);
    fitColumns();
    return true;
}

void JobTableView::setEmptyText(const QString &title, const QString &hint)
{
    m_emptyTitle = title;
    m_emptyHint = hint;
    viewport()->update();
}

QStringList JobTableView::selectedIds() const
{
    QStringList ids;
    if (!selectionModel())
        return ids;
    QModelIndexList rows = selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const QModelIndex &row : std::as_const(rows))
        ids.append(row.data(JobModel::IdRole).toString());
    return ids;
}

QString JobTableView::currentId() const
{
    const QModelIndex current = currentIndex();
    return current.isValid() ? current.siblingAtColumn(0).data(JobModel::IdRole).toString() : QString();
}

void JobTableView::paintEvent(QPaintEvent *event)
{
    QTableView::paintEvent(event);
    if (!model() || model()->rowCount() > 0 || m_emptyTitle.isEmpty())
        return;
    QPainter painter(viewport());
    const QRect area = viewport()->rect().adjusted(fontMetrics().height(), 0, -fontMetrics().height(), 0);
    QFont title = font();
    title.setPointSizeF(title.pointSizeF() * 1.35);
    title.setBold(true);
    const QFontMetrics titleMetrics(title);
    const QFontMetrics hintMetrics(font());
    const int hintHeight = hintMetrics.boundingRect(area, Qt::AlignHCenter | Qt::TextWordWrap, m_emptyHint).height();
    const int total = titleMetrics.height() + hintMetrics.height() / 2 + hintHeight;
    int y = area.top() + std::max(0, (area.height() - total) / 3);
    painter.setPen(palette().color(QPalette::Disabled, QPalette::WindowText));
    painter.setFont(title);
    painter.drawText(QRect(area.left(), y, area.width(), titleMetrics.height()), Qt::AlignHCenter, m_emptyTitle);
    y += titleMetrics.height() + hintMetrics.height() / 2;
    painter.setFont(font());
    painter.drawText(QRect(area.left(), y, area.width(), hintHeight), Qt::AlignHCenter | Qt::TextWordWrap, m_emptyHint);
}

} // namespace Mediaforge::Monitor
