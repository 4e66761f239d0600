// SPDX-License-Identifier: GPL-3.0-or-later
#include "batchprogress.h"

#include "format.h"
#include "protocol.h"

namespace Mediaforge::Monitor {

using namespace Protocol;

bool BatchProgress::apply(const QJsonObject &message)
{
    const QString type = message.value(Field::Type).toString();
    if (type != Type::BatchProgress && type != Type::BatchCompleted)
        return false;
    State state;
    state.id = message.value(Field::Id).toString();
    state.batchId = message.value(Field::BatchId).toString();
    if (state.batchId.isEmpty())
        return false;
    state.total = message.value(QLatin1StringView("total")).toInt();
    state.completed = message.value(QLatin1StringView("completed")).toInt();
    state.failed = message.value(QLatin1StringView("failed")).toInt();
    state.cancelled = message.value(QLatin1StringView("cancelled")).toInt();
    state.percentage = std::clamp(message.value(Field::Percentage).toDouble(), 0.0, 100.0);
    state.finished = type == Type::BatchCompleted || message.value(Field::Status).toString() == QLatin1StringView("finished");
    const auto it = m_states.find(state.batchId);
    if (it != m_states.end()) {
        // The same batch never goes back: a late batch_progress after its end changes nothing.
        if (it->id == state.id && it->finished && !state.finished)
            return false;
        *it = state;
        m_order.removeOne(state.batchId);
    } else {
        m_states.insert(state.batchId, state);
    }
    m_order.append(state.batchId);
    while (m_order.size() > kMaxBatches)
        m_states.remove(m_order.takeFirst());
    return true;
}

const BatchProgress::State *BatchProgress::find(const QString &batchId) const
{
    const auto it = m_states.constFind(batchId);
    return it == m_states.cend() ? nullptr : &*it;
}

void BatchProgress::clear()
{
    m_states.clear();
    m_order.clear();
}

QString BatchProgress::cellText(const QString &batchId) const
{
    const State *state = find(batchId);
    if (!state)
        return batchId;
    const int ended = state->completed + state->failed + state->cancelled;
    //: A job's batch: its name, how many of its jobs ended of how many, and its progress, e.g. "thumbs · 12/50 · 64 %"
    return tr("%1 \u00b7 %2/%3 \u00b7 %4").arg(batchId).arg(ended).arg(state->total).arg(Format::percent(state->percentage));
}

QString BatchProgress::toolTip(const QString &batchId) const
{
    const State *state = find(batchId);
    if (!state)
        return tr("Batch %1 (no progress heard yet)").arg(batchId);
    QString tip = tr("Batch %1 (id %2)").arg(batchId, state->id);
    tip += u'\n' + (state->finished ? tr("Finished") : tr("Running: %1").arg(Format::percent(state->percentage)));
    tip += u'\n' + tr("%1 of %2 jobs completed, %3 failed, %4 cancelled")
                           .arg(state->completed)
                           .arg(state->total)
                           .arg(state->failed)
                           .arg(state->cancelled);
    return tip;
}

} // namespace Mediaforge::Monitor
