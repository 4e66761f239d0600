// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "operations.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace Mediaforge {

// A `start_job` message, checked field by field. The service builds jobs from it; the CLI
// uses it to refuse locally what the service would refuse.
struct StartJobRequest
{
    struct Input
    {
        bool isUrl = false;
        QUrl url;
        // Level 1 `{"source": "storage", "storage": NAME, "key": KEY}`: an object of a storage
        // the operator configured. Whether the name exists is the service's business.
        bool isStorage = false;
        QString storage;
        QString key;
        QString filename;      // display name only
        qint64 size = -1;      // declared size of an upload
    };

    QString jobId;             // empty: the service generates one
    Operation operation = Operation::Probe;
    QList<Input> inputs;       // one per file; concat by upload gets options.file_count entries
    QJsonObject options;       // normalized (defaults filled in)
    QString priority = QStringLiteral("normal");
    bool detach = false;
    // false: neither answered from the service's result cache nor added to it.
    bool cache = true;
    // Level 1: a retry with the same key by the same owner returns the job the first request
    // made instead of a second one. Empty: none given.
    QString idempotencyKey;
    // Level 1: where each output goes instead of (or besides) the socket: one per output the
    // operation and options imply, in delivery order. The URL and headers are credentials
    // (presigned): never echoed beyond scheme://host/path.
    struct OutputTarget
    {
        QUrl url;
        QString method = QStringLiteral("PUT");
        QList<std::pair<QByteArray, QByteArray>> headers;
    };
    QList<OutputTarget> outputTargets;
    // Level 1: the outputs go to a storage the operator configured (--storage), each under
    // `prefix` + its file name. No credentials: the service signs with its own. Either this or
    // output_targets. Whether the storage exists and the prefix is acceptable as a key is the
    // service's check.
    struct OutputStorage
    {
        QString storage;
        QString prefix;
    };
    std::optional<OutputStorage> outputStorage;
    // Level 1 webhooks: where state changes are POSTed (http/https; the service checks the
    // address), and which: status names, empty for the final state only.
    QUrl notifyUrl;
    QStringList notifyEvents;
    // The preset the request named (PresetCatalog::expandStartJob filled in operation and
    // options from it). Empty: a free-form job.
    QString preset;

    // VALIDATION_ERROR (details: [{path, message}] for every offending field) or the request.
    // URL schemes are checked later by the service (URL_NOT_ALLOWED), not here.
    static Result<StartJobRequest> fromJson(const QJsonObject &message);
    static bool isValidJobId(const QString &jobId);
    static bool isValidIdempotencyKey(const QString &key);
    // Bounds of `output_targets` (docs/protocol.md).
    static constexpr int kMaxTargetHeaders = 32;
    static constexpr int kMaxTargetHeaderName = 128;
    static constexpr int kMaxTargetHeaderValue = 4096;
    static constexpr int kMaxTargetUrl = 8192;
    // Bytes of UTF-8 of `output_storage.prefix`: half of S3's longest key, so that prefix and
    // file name always fit.
    static constexpr int kMaxStoragePrefix = 512;
};

// A `request_id` is echoed on every direct reply; it must be a string of at most 64 characters.
bool isValidRequestId(const QJsonValue &value);

} // namespace Mediaforge
