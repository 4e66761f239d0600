// SPDX-License-Identifier: GPL-3.0-or-later
// Session: `list_presets`, and what an owner's tokens-file keys allow it to start (presets
// only, certain presets, certain operations). Quotas on amounts (jobs a minute, bytes a day)
// are the engine's (JobManager), since they count jobs; these rules only read the request.
#include "session.h"

#include "preset.h"
#include "protocol.h"
#include "startjob.h"

#include <QJsonArray>

namespace Mediaforge {

using namespace Protocol;

const PresetCatalog &Session::presets() const
{
    static const PresetCatalog builtins = PresetCatalog::builtins();
    return m_context.presets ? *m_context.presets : builtins;
}

void Session::handleListPresets(const QJsonValue &requestId)
{
    const OwnerSettings settings = m_context.authenticator->ownerSettings(m_owner);
    QJsonArray list;
    for (const Preset &preset : presets().all()) {
        // A token limited to some presets sees those; the others are no business of its UI.
        if (!settings.presets.isEmpty() && !settings.presets.contains(preset.name))
            continue;
        if (!settings.operations.isEmpty() && !settings.operations.contains(operationName(preset.operation)))
            continue;
        list.append(preset.toJson());
    }
    QJsonObject reply{{QString(Field::Type), QString(Type::Presets)}};
    reply.insert(QString(Field::Presets), list);
    send(reply, requestId);
}

std::optional<Error> Session::checkOwnerAllows(const StartJobRequest &request) const
{
    if (!m_context.authenticator->enabled())
        return std::nullopt;
    const OwnerSettings settings = m_context.authenticator->ownerSettings(m_owner);
    if (settings.presetsOnly && request.preset.isEmpty()) {
        return Error(ErrorCode::Forbidden, QStringLiteral("this token may start jobs by preset only (list_presets)"),
                     QJsonObject{{QStringLiteral("reason"), QStringLiteral("presets_only")}});
    }
    if (!settings.presets.isEmpty() && !settings.presets.contains(request.preset)) {
        return Error(ErrorCode::Forbidden, QStringLiteral("this token may not use the preset %1").arg(request.preset),
                     QJsonObject{{QStringLiteral("reason"), QStringLiteral("preset_not_allowed")},
                                 {QStringLiteral("allowed"), QJsonArray::fromStringList(settings.presets)}});
    }
    const QString operation = operationName(request.operation);
    if (!settings.operations.isEmpty() && !settings.operations.contains(operation)) {
        return Error(ErrorCode::Forbidden, QStringLiteral("this token may not run %1").arg(operation),
                     QJsonObject{{QStringLiteral("reason"), QStringLiteral("operation_not_allowed")},
                                 {QStringLiteral("allowed"), QJsonArray::fromStringList(settings.operations)}});
    }
    for (const StartJobRequest::Input &input : request.inputs) {
        if (!input.isStorage)
            continue;
        if (!settings.storages.isEmpty() && !settings.storages.contains(input.storage)) {
            return Error(ErrorCode::Forbidden, QStringLiteral("this token may not use the storage %1").arg(input.storage),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("storage_not_allowed")},
                                     {QStringLiteral("allowed"), QJsonArray::fromStringList(settings.storages)}});
        }
        if (!settings.storagePrefix.isEmpty() && !input.key.startsWith(settings.storagePrefix)) {
            return Error(ErrorCode::Forbidden,
                         QStringLiteral("this token may only read keys under %1").arg(settings.storagePrefix),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("storage_prefix")},
                                     {QStringLiteral("prefix"), settings.storagePrefix}});
        }
    }
    // Outputs: the same storages, and every key written starts with the prefix (a key is the
    // request's prefix + a file name the service makes, so checking the prefix is enough).
    if (const auto &output = request.outputStorage) {
        if (!settings.storages.isEmpty() && !settings.storages.contains(output->storage)) {
            return Error(ErrorCode::Forbidden, QStringLiteral("this token may not use the storage %1").arg(output->storage),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("storage_not_allowed")},
                                     {QStringLiteral("allowed"), QJsonArray::fromStringList(settings.storages)}});
        }
        if (!settings.storagePrefix.isEmpty() && !output->prefix.startsWith(settings.storagePrefix)) {
            return Error(ErrorCode::Forbidden,
                         QStringLiteral("this token may only write keys under %1").arg(settings.storagePrefix),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("storage_prefix")},
                                     {QStringLiteral("prefix"), settings.storagePrefix}});
        }
    }
    return std::nullopt;
}

} // namespace Mediaforge
