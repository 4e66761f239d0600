// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobfilterproxy.h"

#include "jobmodel.h"

namespace Mediaforge::Monitor {

namespace {
constexpr quint32 kAllGroups = (1u << kStatusGroupCount) - 1;
}

JobFilterProxy::JobFilterProxy(QObject *parent) : QSortFilterProxyModel(parent), m_visibleGroups(kAllGroups)
{
    setSortRole(JobModel::SortRole);
    setDynamicSortFilter(true);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void JobFilterProxy::setStatusVisible(StatusGroup group, bool visible)
{
    const quint32 mask = 1u << int(group);
    const quint32 groups = visible ? (m_visibleGroups | mask) : (m_visibleGroups & ~mask);
    if (groups == m_visibleGroups)
        return;
    m_visibleGroups = groups;
    applyFilter();
}

void JobFilterProxy::setVisibleGroups(const QList<StatusGroup> &groups)
{
    quint32 mask = groups.isEmpty() ? kAllGroups : 0;
    for (StatusGroup group : groups)
        mask |= 1u << int(group);
    if (mask == m_visibleGroups)
        return;
    m_visibleGroups = mask;
    applyFilter();
}

bool JobFilterProxy::showsAllGroups() const
{
    return m_visibleGroups == kAllGroups;
}

void JobFilterProxy::setSearchText(const QString &text)
{
    if (text == m_searchText)
        return;
    m_searchText = text;
    m_words = text.toLower().split(u' ', Qt::SkipEmptyParts);
    applyFilter();
}

void JobFilterProxy::applyFilter()
{
    invalidateRowsFilter();
    emit filterChanged();
}

bool JobFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const int group = index.data(JobModel::StatusGroupRole).toInt();
    if (!(m_visibleGroups & (1u << group)))
        return false;
    if (m_words.isEmpty())
        return true;
    const QString haystack = index.data(JobModel::SearchTextRole).toString();
    for (const QString &word : m_words) {
        if (!haystack.contains(word))
            return false;
    }
    return true;
}

} // namespace Mediaforge::Monitor
