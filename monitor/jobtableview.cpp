// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobtableview.h"

#include "jobmodel.h"
#include "progressdelegate.h"

#include <QHeaderView>
#include <QPainter>

namespace Mediaforge::Monitor {

JobTableView::JobTableView(QWidget *parent) : QTableView(parent)
{
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
    header->resizeSection(JobModel::JobColumn, ch * 18);
    header->resizeSection(JobModel::OwnerColumn, ch * 13);
    header->resizeSection(JobModel::OperationColumn, ch * 15);
    header->resizeSection(JobModel::InputColumn, ch * 22);
    header->resizeSection(JobModel::StatusColumn, ch * 14 + icon);
    header->resizeSection(JobModel::ProgressColumn, ch * 21);
    header->resizeSection(JobModel::SpeedColumn, ch * 11);
    header->resizeSection(JobModel::EtaColumn, ch * 8);
    header->resizeSection(JobModel::ElapsedColumn, ch * 9);
    header->resizeSection(JobModel::PriorityColumn, ch * 9);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(JobModel::InputColumn, QHeaderView::Stretch);
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
