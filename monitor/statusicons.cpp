// SPDX-License-Identifier: GPL-3.0-or-later
#include "statusicons.h"

#include <QHash>

namespace Mediaforge::Monitor::Icons {

namespace {

QIcon cached(const QString &name)
{
    static QHash<QString, QIcon> icons;
    auto it = icons.constFind(name);
    if (it == icons.constEnd())
        it = icons.insert(name, QIcon(QStringLiteral(":/icons/") + name + QStringLiteral(".svg")));
    return *it;
}

} // namespace

QIcon group(StatusGroup group)
{
    switch (group) {
    case StatusGroup::Input:
        return cached(QStringLiteral("status-input"));
    case StatusGroup::Queued:
        return cached(QStringLiteral("status-queued"));
    case StatusGroup::Running:
        return cached(QStringLiteral("status-running"));
    case StatusGroup::Completed:
        return cached(QStringLiteral("status-completed"));
    case StatusGroup::Failed:
        return cached(QStringLiteral("status-failed"));
    case StatusGroup::Cancelled:
        return cached(QStringLiteral("status-cancelled"));
    }
    return {};
}

QIcon status(JobState state)
{
    return group(statusGroupOf(state));
}

QIcon application()
{
    return cached(QStringLiteral("mediaforge-monitor"));
}

QIcon connection(bool connected, bool failed)
{
    if (failed)
        return cached(QStringLiteral("connection-failed"));
    return cached(connected ? QStringLiteral("connection-up") : QStringLiteral("connection-waiting"));
}

QColor groupColor(StatusGroup group)
{
    // Mid-tone hues that keep their contrast on light and dark palettes alike.
    switch (group) {
    case StatusGroup::Input:
        return QColor(0x8e, 0x6c, 0xd8);
    case StatusGroup::Queued:
        return QColor(0xc8, 0x8a, 0x12);
    case StatusGroup::Running:
        return QColor(0x1f, 0x7a, 0xe0);
    case StatusGroup::Completed:
        return QColor(0x2e, 0x9b, 0x4f);
    case StatusGroup::Failed:
        return QColor(0xd6, 0x3b, 0x3b);
    case StatusGroup::Cancelled:
        return QColor(0x80, 0x86, 0x8e);
    }
    return {};
}

} // namespace Mediaforge::Monitor::Icons
