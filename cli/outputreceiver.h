// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "outputwriter.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QList>

#include <memory>
#include <optional>

namespace Mediaforge::Cli {

// The outputs of one job arriving as level 1 chunks: one OutputWriter per output, opened at
// its first chunk and committed (size and SHA-256 checked, renamed) at its final one.
class OutputReceiver
{
    Q_DECLARE_TR_FUNCTIONS(OutputReceiver)
public:
    struct Expected
    {
        int index = 0;          // the service's output index
        QString filename;
        qint64 size = -1;
        QString sha256;
    };

    // The `outputs` array of `completed` or of a job snapshot.
    static QList<Expected> fromOutputs(const QJsonArray &outputs);

    ~OutputReceiver();

    // `expected` and `plan.paths` correspond one to one.
    void begin(const QList<Expected> &expected, const OutputPlan &plan, bool overwrite);
    std::optional<Failure> chunk(int index, qint64 offset, bool final, QByteArrayView payload);
    // output_delivered: the service's word on what it sent; must match what was saved.
    std::optional<Failure> delivered(int index, const QString &sha256);
    bool isComplete() const;
    // Removes every temporary file and, if it was created for this job and is empty, the folder.
    void abort();

    qint64 bytesReceived() const;
    qint64 totalBytes() const;
    QStringList savedPaths() const;
    bool isActive() const { return !m_slots.isEmpty(); }

private:
    struct Slot
    {
        Expected expected;
        QString path;
        std::unique_ptr<OutputWriter> writer;
        bool done = false;
    };
    Slot *slotFor(int index);

    QList<std::shared_ptr<Slot>> m_slots;
    OutputPlan m_plan;
    bool m_overwrite = false;
};

} // namespace Mediaforge::Cli
