// SPDX-License-Identifier: GPL-3.0-or-later
#include "outputreceiver.h"

#include <QDir>
#include <QJsonObject>

namespace Mediaforge::Cli {

QList<OutputReceiver::Expected> OutputReceiver::fromOutputs(const QJsonArray &outputs)
{
    QList<Expected> list;
    for (qsizetype i = 0; i < outputs.size(); ++i) {
        const QJsonObject output = outputs.at(i).toObject();
        Expected expected;
        expected.index = int(i);
        expected.filename = output.value(QStringLiteral("filename")).toString();
        expected.size = output.contains(QStringLiteral("size_bytes")) ? qint64(output.value(QStringLiteral("size_bytes")).toDouble()) : -1;
        expected.sha256 = output.value(QStringLiteral("sha256")).toString();
        list.append(expected);
    }
    return list;
}

OutputReceiver::~OutputReceiver()
{
    abort();
}

void OutputReceiver::begin(const QList<Expected> &expected, const OutputPlan &plan, bool overwrite)
{
    abort();
    m_slots.clear();
    m_plan = plan;
    m_overwrite = overwrite;
    for (qsizetype i = 0; i < expected.size(); ++i) {
        auto slot = std::make_shared<Slot>();
        slot->expected = expected.at(i);
        slot->path = plan.paths.value(i);
        m_slots.append(slot);
    }
}

OutputReceiver::Slot *OutputReceiver::slotFor(int index)
{
    for (const auto &slot : std::as_const(m_slots)) {
        if (slot->expected.index == index)
            return slot.get();
    }
    return nullptr;
}

std::optional<Failure> OutputReceiver::chunk(int index, qint64 offset, bool final, QByteArrayView payload)
{
    Slot *slot = slotFor(index);
    if (!slot)
        return Failure{QStringLiteral("UNEXPECTED_OUTPUT"), tr("the service sent output %1, which was not announced").arg(index)};
    if (slot->done)
        return Failure{QStringLiteral("UNEXPECTED_OUTPUT"), tr("the service sent output %1 twice").arg(index)};
    if (!slot->writer) {
        slot->writer = std::make_unique<OutputWriter>();
        if (auto failure = slot->writer->open(slot->path, slot->expected.size, slot->expected.sha256, m_overwrite))
            return failure;
    }
    if (auto failure = slot->writer->write(offset, payload))
        return failure;
    if (final) {
        if (auto failure = slot->writer->commit())
            return failure;
        slot->done = true;
    }
    return std::nullopt;
}

std::optional<Failure> OutputReceiver::delivered(int index, const QString &sha256)
{
    Slot *slot = slotFor(index);
    if (!slot || !slot->done || sha256.isEmpty())
        return std::nullopt;
    if (slot->writer->sha256() != sha256.toLower()) {
        return Failure{QStringLiteral("CHECKSUM_MISMATCH"),
                       tr("%1: SHA-256 %2 differs from the %3 the service reports having sent")
                               .arg(slot->path, slot->writer->sha256(), sha256)};
    }
    return std::nullopt;
}

bool OutputReceiver::isComplete() const
{
    if (m_slots.isEmpty())
        return false;
    for (const auto &slot : m_slots) {
        if (!slot->done)
            return false;
    }
    return true;
}

void OutputReceiver::abort()
{
    for (const auto &slot : std::as_const(m_slots)) {
        if (slot->writer && !slot->done)
            slot->writer->abort();
    }
    if (m_plan.createdDirectory && !isComplete()) {
        QDir directory(m_plan.directory);
        if (directory.exists() && directory.isEmpty(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot))
            directory.removeRecursively();
    }
}

qint64 OutputReceiver::bytesReceived() const
{
    qint64 total = 0;
    for (const auto &slot : m_slots) {
        if (slot->writer)
            total += slot->writer->written();
    }
    return total;
}

qint64 OutputReceiver::totalBytes() const
{
    qint64 total = 0;
    for (const auto &slot : m_slots) {
        if (slot->expected.size < 0)
            return -1;
        total += slot->expected.size;
    }
    return total;
}

QStringList OutputReceiver::savedPaths() const
{
    QStringList paths;
    for (const auto &slot : m_slots) {
        if (slot->done)
            paths.append(slot->path);
    }
    return paths;
}

} // namespace Mediaforge::Cli
