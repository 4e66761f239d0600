// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace Mediaforge::Monitor {

// Where each batch stands (docs/batches.md), from the `batch_progress` and `batch_completed`
// messages an admin's event feed carries. Job snapshots name their batch by `batch_id` only,
// so that is the key: two owners running batches of the same name at once share a line here
// (the ids differ, and the tooltip says which one was heard last). Bounded: the oldest batches
// give way beyond kMaxBatches.
class BatchProgress
{
    Q_DECLARE_TR_FUNCTIONS(BatchProgress)
public:
    struct State
    {
        QString id;          // the batch's service id
        QString batchId;
        int total = 0;
        int completed = 0;
        int failed = 0;
        int cancelled = 0;
        double percentage = 0;
        bool finished = false;
    };
    static constexpr int kMaxBatches = 1000;

    // A batch_progress or batch_completed message (the batch snapshot, flat). False when it
    // is not one or changes nothing.
    bool apply(const QJsonObject &message);
    const State *find(const QString &batchId) const;
    void clear();
    int size() const { return int(m_states.size()); }

    // The cell of a job in a batch: "thumbs · 12/50 · 64 %", or the batch_id alone while its
    // progress has not been heard.
    QString cellText(const QString &batchId) const;
    QString toolTip(const QString &batchId) const;

private:
    QHash<QString, State> m_states;
    QList<QString> m_order;   // oldest first, for the bound
};

} // namespace Mediaforge::Monitor
