// SPDX-License-Identifier: GPL-3.0-or-later
// A start_batch message (docs/batches.md) through the protocol library's checks, with the
// built-in presets. Properties: nothing crashes; a refusal is one VALIDATION_ERROR whose every
// path names a batch field or an item; an accepted batch has 1 to maxItems items, a usable
// batch_id, and items whose job_ids are valid job_ids and whose inputs need no upload stream.

#include "fuzzcheck.h"
#include "preset.h"
#include "startbatch.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Mediaforge;

namespace {

constexpr int kMaxItems = 20;   // small, so that the limit itself is within the fuzzer's reach

bool isBatchPath(const QString &path)
{
    static const QStringList topLevel{QStringLiteral("batch_id"), QStringLiteral("items"), QStringLiteral("inputs"),
                                      QStringLiteral("operation"), QStringLiteral("preset"), QStringLiteral("options"),
                                      QStringLiteral("priority"), QStringLiteral("detach"), QStringLiteral("cache"),
                                      QStringLiteral("notify_url"), QStringLiteral("notify_events"),
                                      QStringLiteral("job_id"), QStringLiteral("idempotency_key"),
                                      QStringLiteral("output_targets"), QStringLiteral("input")};
    for (const QString &field : topLevel) {
        if (path == field || path.startsWith(field + u'.') || path.startsWith(field + u'['))
            return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)   // the service's text message limit
        return 0;
    static const PresetCatalog presets = PresetCatalog::builtins();
    const QJsonDocument document = QJsonDocument::fromJson(FuzzInput::bytes(data, size));
    if (!document.isObject())
        return 0;
    const auto batch = StartBatchRequest::fromJson(document.object(), presets, kMaxItems);
    if (!batch) {
        FUZZ_CHECK(batch.error().code == ErrorCode::ValidationError);
        FUZZ_CHECK(!batch.error().message.isEmpty());
        const QJsonArray details = batch.error().details.toArray();
        FUZZ_CHECK(!details.isEmpty());
        for (const QJsonValue &detail : details)
            FUZZ_CHECK(isBatchPath(detail.toObject().value(QStringLiteral("path")).toString()));
        return 0;
    }
    FUZZ_CHECK(!batch->items.isEmpty() && batch->items.size() <= kMaxItems);
    FUZZ_CHECK(batch->batchId.isEmpty() || StartBatchRequest::isValidBatchId(batch->batchId));
    const QString name = batch->batchId.isEmpty() ? QStringLiteral("batch-0123456789ab") : batch->batchId;
    for (qsizetype i = 0; i < batch->items.size(); ++i) {
        const StartJobRequest &item = batch->items.at(i);
        FUZZ_CHECK(StartJobRequest::isValidJobId(StartBatchRequest::itemJobId(name, int(i))));
        FUZZ_CHECK(!item.inputs.isEmpty());
        for (const StartJobRequest::Input &input : item.inputs)
            FUZZ_CHECK(input.isUrl || input.isStorage);
    }
    return 0;
}
