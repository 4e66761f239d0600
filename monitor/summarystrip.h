// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobmodel.h"

#include <QAbstractButton>
#include <QDateTime>
#include <QWidget>

#include <array>

namespace Mediaforge::Monitor {

// One count of the summary strip: icon, number, label. Clicking it shows only that status.
class SummaryChip : public QAbstractButton
{
    Q_OBJECT
public:
    SummaryChip(StatusGroup group, QWidget *parent = nullptr);

    StatusGroup group() const { return m_group; }
    void setCount(int count);
    int count() const { return m_count; }
    // The count as of `when` (the service is away or not answering); invalid: it is current.
    void setAsOf(const QDateTime &when);
    bool isCurrent() const { return !m_asOf.isValid(); }
    QSize sizeHint() const override;
    // Icon and number: the word is elided first when the window is narrow.
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateTexts();

    StatusGroup m_group;
    int m_count = 0;
    QDateTime m_asOf;
};

// The counts an operator reads first: running, queued, receiving input, completed, failed,
// cancelled, each with its icon and words, never by colour alone.
class SummaryStrip : public QWidget
{
    Q_OBJECT
public:
    explicit SummaryStrip(QWidget *parent = nullptr);

    void setCounts(const JobModel::Counts &counts);
    // Reflects the status filter: the chips of the statuses shown are down; none when
    // `groups` is empty (everything shown).
    void setShownGroups(const QList<StatusGroup> &groups);
    // The counts are of the list as of `when`, greyed like it; invalid: they are current.
    void setAsOf(const QDateTime &when);
    SummaryChip *chip(StatusGroup group) const { return m_chips.at(size_t(group)); }
    // Left to right, as the keyboard reaches them.
    QList<SummaryChip *> chipsInOrder() const;

signals:
    // A chip was clicked: show only `group`, or everything again when it was the only one shown.
    void soloRequested(std::optional<Mediaforge::Monitor::StatusGroup> group);

private:
    std::array<SummaryChip *, kStatusGroupCount> m_chips{};
};

} // namespace Mediaforge::Monitor
