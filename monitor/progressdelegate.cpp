// SPDX-License-Identifier: GPL-3.0-or-later
#include "progressdelegate.h"

#include "jobmodel.h"
#include "statusicons.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

#include <cmath>

namespace Mediaforge::Monitor {

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    // The cell background (selection, alternating rows) the usual way, without text.
    QStyleOptionViewItem cell = option;
    initStyleOption(&cell, index);
    cell.text.clear();
    QStyle *style = cell.widget ? cell.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &cell, painter, cell.widget);

    const auto state = JobState(index.data(JobModel::StateRole).toInt());
    const double percentage = index.data(JobModel::ProgressRole).toDouble();
    const QString text = index.data(Qt::DisplayRole).toString();

    // Inset so that bars of adjacent rows never touch: a third of a text line, whatever the DPI.
    const int margin = std::max(2, option.fontMetrics.height() / 5);
    QStyleOptionProgressBar bar;
    bar.initFrom(cell.widget ? cell.widget : nullptr);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.rect = option.rect.adjusted(margin, margin, -margin, -margin);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = int(std::lround(std::clamp(percentage, 0.0, 100.0) * 10));
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.text = text;
    bar.palette = option.palette;
    // Selection must not recolour the bar's label.
    bar.state &= ~QStyle::State_Selected;
    // A stale row (the service is away) is drawn disabled, like its text.
    if (index.data(Qt::ForegroundRole).isValid())
        bar.state &= ~QStyle::State_Enabled;
    if (state == JobState::Queued) {
        // Nothing to measure yet: an empty bar that says why.
        bar.progress = 0;
        bar.text = StatusText::stage(QStringLiteral("queued"));
    }
    // One line, shortened if it must be: a wrapped label in a bar is unreadable.
    const int textRoom = bar.rect.width() - 2 * option.fontMetrics.horizontalAdvance(QLatin1Char('0'));
    bar.text = option.fontMetrics.elidedText(bar.text, Qt::ElideRight, std::max(0, textRoom));
    const StatusGroup group = statusGroupOf(state);
    if (!(bar.state & QStyle::State_Enabled)) {
        bar.palette.setCurrentColorGroup(QPalette::Disabled);
        // Greyed, but legible: the style's disabled fill is as dark as its disabled label, so
        // the fill goes pale and the label over it keeps the disabled text colour.
        const QColor base = option.palette.color(QPalette::Base);
        const QColor fill = option.palette.color(QPalette::Disabled, QPalette::Highlight);
        bar.palette.setColor(QPalette::Disabled, QPalette::Highlight,
                             QColor::fromRgbF((fill.redF() + 2 * base.redF()) / 3, (fill.greenF() + 2 * base.greenF()) / 3,
                                              (fill.blueF() + 2 * base.blueF()) / 3));
        bar.palette.setColor(QPalette::Disabled, QPalette::HighlightedText, option.palette.color(QPalette::Disabled, QPalette::Text));
    }
    else if (group != StatusGroup::Running)
        bar.palette.setColor(QPalette::Highlight, Icons::groupColor(group));
    if (group == StatusGroup::Cancelled || group == StatusGroup::Queued)
        bar.palette.setColor(QPalette::Text, option.palette.color(QPalette::Disabled, QPalette::Text));
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, cell.widget);
}

QSize ProgressDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(std::max(size.width(), option.fontMetrics.horizontalAdvance(QLatin1Char('0')) * 16));
    return size;
}

} // namespace Mediaforge::Monitor
