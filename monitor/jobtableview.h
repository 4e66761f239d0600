// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QTableView>

namespace Mediaforge::Monitor {

// The jobs table: column widths from the font (never pixels), elided input names, a progress
// bar delegate, and a sentence instead of a blank area when there is nothing to show.
class JobTableView : public QTableView
{
    Q_OBJECT
public:
    explicit JobTableView(QWidget *parent = nullptr);

    void setModel(QAbstractItemModel *model) override;
    // Shown when the model has no rows: a title and a hint below it.
    void setEmptyText(const QString &title, const QString &hint);
    QString emptyTitle() const { return m_emptyTitle; }
    // Service-wide ids of the selected rows, in view order.
    QStringList selectedIds() const;
    QString currentId() const;
    void applyDefaultColumnWidths();

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString m_emptyTitle;
    QString m_emptyHint;
};

} // namespace Mediaforge::Monitor
