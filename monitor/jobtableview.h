// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QSet>
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
    // The width that shows every column the user did not hide, each as wide as it last was
    // (a column the table gave up counts too), Input at its default width.
    int preferredWidth() const;

    // Columns the user hid (header context menu). Others are hidden only while the table is too
    // narrow for them, least important first; Job, Input, Status and Progress always stay.
    void setColumnHiddenByUser(int column, bool hidden);
    bool isColumnHiddenByUser(int column) const { return m_userHidden.contains(column); }
    // A column that means nothing for this service (Node, unless it is a cluster) is hidden
    // and left out of the header menu, whatever the user chose; Node starts so.
    void setColumnApplicable(int column, bool applicable);
    bool isColumnApplicable(int column) const { return !m_notApplicable.contains(column); }
    // Column order, widths, the user's hidden columns and the sort, for QSettings.
    QByteArray saveLayout() const;
    bool restoreLayout(const QByteArray &state);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void fitColumns();
    void showHeaderMenu(const QPoint &position);

    QSet<int> m_userHidden;
    QSet<int> m_notApplicable;
    QHash<int, int> m_widths;
    bool m_fitting = false;
    QString m_emptyTitle;
    QString m_emptyHint;
};

} // namespace Mediaforge::Monitor
