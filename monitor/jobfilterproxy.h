// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobrecord.h"

#include <QSortFilterProxyModel>

namespace Mediaforge::Monitor {

// Sorting and filtering of the jobs table: by status group (any set of them) and by text
// (every word must appear in the job id, service id, owner, operation, input name, status or
// error code). Sorting uses JobModel::SortRole, so numbers sort as numbers.
class JobFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit JobFilterProxy(QObject *parent = nullptr);

    void setStatusVisible(StatusGroup group, bool visible);
    bool isStatusVisible(StatusGroup group) const { return m_visibleGroups & (1u << int(group)); }
    // Shows exactly these groups; an empty list shows everything.
    void setVisibleGroups(const QList<StatusGroup> &groups);
    bool showsAllGroups() const;
    void setSearchText(const QString &text);
    QString searchText() const { return m_searchText; }
    bool isFiltering() const { return !showsAllGroups() || !m_words.isEmpty(); }

signals:
    void filterChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    void applyFilter();

    quint32 m_visibleGroups;
    QString m_searchText;
    QStringList m_words;
};

} // namespace Mediaforge::Monitor
