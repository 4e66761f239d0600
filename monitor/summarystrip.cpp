// SPDX-License-Identifier: GPL-3.0-or-later
#include "summarystrip.h"

#include "format.h"
#include "statusicons.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QStyle>
#include <QStyleOptionFocusRect>

#include <algorithm>

namespace Mediaforge::Monitor {

namespace {

// The order an operator scans: what is moving, what waits, then the outcome.
constexpr std::array kStripOrder{StatusGroup::Running,   StatusGroup::Queued, StatusGroup::Input,
                                 StatusGroup::Completed, StatusGroup::Failed, StatusGroup::Cancelled};

QFont countFont(const QFont &base)
{
    QFont font = base;
    font.setPointSizeF(base.pointSizeF() * 1.3);
    font.setBold(true);
    return font;
}

} // namespace

SummaryChip::SummaryChip(StatusGroup group, QWidget *parent) : QAbstractButton(parent), m_group(group)
{
    setCheckable(true);
    setFocusPolicy(Qt::TabFocus);
    setCursor(Qt::PointingHandCursor);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    updateTexts();
}

void SummaryChip::setCount(int count)
{
    if (count == m_count)
        return;
    m_count = count;
    updateTexts();
    updateGeometry();
    update();
}

void SummaryChip::setAsOf(const QDateTime &when)
{
    if (when == m_asOf)
        return;
    m_asOf = when;
    updateTexts();
    update();
}

void SummaryChip::updateTexts()
{
    setText(StatusText::group(m_group));
    //: Accessible name of a summary chip, e.g. "Running: 2 jobs"
    QString name = tr("%1: %n job(s)", nullptr, m_count).arg(StatusText::group(m_group));
    QString tip = tr("Show only jobs that are: %1 (click again to show all)").arg(StatusText::group(m_group).toLower());
    if (m_asOf.isValid()) {
        //: A count that is not current; %1 is "Running: 2 jobs", %2 the time it is from
        name = tr("%1, as of %2").arg(name, Format::time(m_asOf));
        //: Second line of a count's tooltip while the service is away; %1 is a time
        tip += u'\n' + tr("As of %1 (the service is away or not answering)").arg(Format::time(m_asOf));
    }
    setAccessibleName(name);
    setToolTip(tip);
}

void SummaryChip::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        updateTexts();
    QAbstractButton::changeEvent(event);
}

QSize SummaryChip::sizeHint() const
{
    const QFontMetrics label(font());
    const QFontMetrics number(countFont(font()));
    const int icon = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    const int pad = label.height() / 2;
    const QString digits = QLocale().toString(std::max(m_count, 88));
    const int width = pad + icon + pad / 2 + number.horizontalAdvance(digits) + pad / 2
            + label.horizontalAdvance(text()) + pad;
    return {width, number.height() + pad};
}

QSize SummaryChip::minimumSizeHint() const
{
    const QFontMetrics label(font());
    const QFontMetrics number(countFont(font()));
    const int icon = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    const int pad = label.height() / 2;
    return {pad + icon + pad / 2 + number.horizontalAdvance(QLocale().toString(std::max(m_count, 88))) + pad,
            number.height() + pad};
}

void SummaryChip::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor accent = Icons::groupColor(m_group);
    const QRectF frame = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    const qreal radius = frame.height() / 4;
    QColor fill = palette().color(QPalette::Base);
    QColor border = palette().color(QPalette::Mid);
    if (isChecked()) {
        fill = accent;
        fill.setAlphaF(0.18f);
        border = accent;
    } else if (underMouse()) {
        fill = palette().color(QPalette::AlternateBase);
    }
    painter.setPen(QPen(border, 1));
    painter.setBrush(fill);
    painter.drawRoundedRect(frame, radius, radius);
    // A bar in the status colour down the left edge; the icon and the words carry the meaning.
    QPainterPath clip;
    clip.addRoundedRect(frame, radius, radius);
    painter.setClipPath(clip);
    painter.fillRect(QRectF(frame.left(), frame.top(), std::max<qreal>(3, frame.height() / 10), frame.height()),
                     m_count > 0 || isChecked() ? accent : palette().color(QPalette::Mid));
    painter.setClipping(false);

    const QFontMetrics label(font());
    const int pad = label.height() / 2;
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    int x = pad;
    Icons::group(m_group).paint(&painter, QRect(x, (height() - iconSize) / 2, iconSize, iconSize), Qt::AlignCenter,
                                isEnabled() ? QIcon::Normal : QIcon::Disabled);
    x += iconSize + pad / 2;
    const QFont numberFont = countFont(font());
    painter.setFont(numberFont);
    // A count that is not current is greyed like the rows it counts.
    painter.setPen(palette().color(m_count > 0 && isCurrent() ? QPalette::Active : QPalette::Disabled, QPalette::WindowText));
    const QString number = QLocale().toString(m_count);
    painter.drawText(QRect(x, 0, width() - x, height()), Qt::AlignLeft | Qt::AlignVCenter, number);
    x += QFontMetrics(numberFont).horizontalAdvance(number) + pad / 2;
    painter.setFont(font());
    painter.setPen(palette().color(QPalette::Disabled, QPalette::WindowText).darker(m_count > 0 ? 130 : 100));
    const int room = width() - x - pad / 2;
    painter.drawText(QRect(x, 0, width() - x, height()), Qt::AlignLeft | Qt::AlignVCenter,
                     label.elidedText(text(), Qt::ElideRight, std::max(0, room)));

    if (hasFocus()) {
        QStyleOptionFocusRect focus;
        focus.initFrom(this);
        focus.rect = rect().adjusted(2, 2, -2, -2);
        style()->drawPrimitive(QStyle::PE_FrameFocusRect, &focus, &painter, this);
    }
}

SummaryStrip::SummaryStrip(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    for (StatusGroup group : kStripOrder) {
        auto *chip = new SummaryChip(group, this);
        m_chips[size_t(group)] = chip;
        layout->addWidget(chip);
        connect(chip, &SummaryChip::clicked, this, [this, chip](bool checked) {
            // A click on the only status shown shows all again; any other click shows just it.
            const bool othersDown = std::any_of(m_chips.cbegin(), m_chips.cend(),
                                                [chip](const SummaryChip *other) { return other != chip && other->isChecked(); });
            emit soloRequested(!checked && !othersDown ? std::nullopt : std::optional<StatusGroup>(chip->group()));
        });
    }
    layout->addStretch(1);
    setAccessibleName(tr("Job counts"));
}

void SummaryStrip::setCounts(const JobModel::Counts &counts)
{
    for (StatusGroup group : kStripOrder)
        m_chips.at(size_t(group))->setCount(counts.of(group));
}

void SummaryStrip::setShownGroups(const QList<StatusGroup> &groups)
{
    for (SummaryChip *chip : m_chips)
        chip->setChecked(groups.contains(chip->group()));
}

void SummaryStrip::setAsOf(const QDateTime &when)
{
    for (SummaryChip *chip : m_chips)
        chip->setAsOf(when);
}

QList<SummaryChip *> SummaryStrip::chipsInOrder() const
{
    QList<SummaryChip *> chips;
    for (StatusGroup group : kStripOrder)
        chips.append(m_chips.at(size_t(group)));
    return chips;
}

} // namespace Mediaforge::Monitor
