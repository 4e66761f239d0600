// SPDX-License-Identifier: GPL-3.0-or-later
// Inputs read from the S3-compatible storages the operator configured (--storage).
#include "jobmanager_p.h"

#include "storage/s3signer.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkRequest>

namespace Mediaforge {

using namespace JobManagerDetail;

const StorageSpec *JobManager::storage(const QString &name) const
{
    for (const StorageSpec &spec : m_settings.storages) {
        if (spec.name == name)
            return &spec;
    }
    return nullptr;
}

std::optional<Error> JobManager::checkStorageInputs(QList<JobInput> &inputs) const
{
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        JobInput &input = inputs[i];
        if (input.source != JobInput::Source::Storage)
            continue;
        const QString path = inputs.size() > 1 ? QStringLiteral("inputs[%1]").arg(i) : QStringLiteral("input");
        if (!storage(input.storage)) {
            // The configured names are not secret (an operator hands them to clients), but
            // listing them to anyone who guesses wrong is not needed either.
            return Error(ErrorCode::ValidationError, QStringLiteral("unknown storage '%1'").arg(input.storage),
                         QJsonArray{QJsonObject{{QStringLiteral("path"), QString(path + QStringLiteral(".storage"))},
                                                {QStringLiteral("message"), QStringLiteral("is not a configured storage")}}});
        }
        if (const auto problem = checkObjectKey(input.key)) {
            return Error(ErrorCode::ValidationError, QStringLiteral("the object key %1").arg(*problem),
                         QJsonArray{QJsonObject{{QStringLiteral("path"), QString(path + QStringLiteral(".key"))},
                                                {QStringLiteral("message"), *problem}}});
        }
        if (input.displayName.isEmpty())
            input.displayName = input.key.section(u'/', -1);
    }
    return std::nullopt;
}

std::optional<Error> JobManager::checkOutputStorage(const JobOutputStorage &output) const
{
    if (!output.isSet())
        return std::nullopt;
    const auto refused = [](const QString &field, const QString &problem) {
        return Error(ErrorCode::ValidationError, QStringLiteral("output_storage.%1 %2").arg(field, problem),
                     QJsonArray{QJsonObject{{QStringLiteral("path"), QString(QStringLiteral("output_storage.") + field)},
                                            {QStringLiteral("message"), problem}}});
    };
    if (!storage(output.storage))
        return refused(QStringLiteral("storage"), QStringLiteral("is not a configured storage"));
    // Checked as the start of a key: with any file name after it, it must stay a valid key
    // (no leading '/', no '.' or '..' segment, no control characters).
    if (const auto problem = checkObjectKey(output.prefix + QStringLiteral("x")))
        return refused(QStringLiteral("prefix"), *problem);
    return std::nullopt;
}

Downloader *JobManager::makeDownloader(const JobInput &input, DownloadLimits limits)
{
    if (input.source != JobInput::Source::Storage)
        return new Downloader(m_network, m_resolver, m_settings.urlPolicy, limits, this);
    // The endpoint is the operator's choice, not a client's (clients name a storage and a key,
    // and the key only ever becomes the path): the private-address guard, which keeps clients
    // from reaching internal hosts, does not apply to it. A MinIO on the private network or on
    // the same host is the usual case.
    UrlPolicy policy;
    policy.allowPrivate = true;
    // A signed GET is answered, or refused; a redirect (a wrong region) would need a new
    // signature for another host and is reported as the failure it is.
    limits.maxRedirects = 0;
    auto *downloader = new Downloader(m_network, m_resolver, policy, limits, this);
    const StorageSpec *spec = storage(input.storage);
    if (spec) {
        const StorageSpec copy = *spec;
        downloader->setRequestSigner([copy](QNetworkRequest &request, const QUrl &url, const QByteArray &host) {
            signStorageRequest(request, copy, QByteArrayLiteral("GET"), url, host, SigV4::emptyPayloadHash());
        });
    }
    return downloader;
}

Error JobManager::storageDownloadError(const JobInput &input, Error error)
{
    if (input.source != JobInput::Source::Storage)
        return error;
    QJsonObject details = error.details.toObject();
    details.insert(QStringLiteral("storage"), input.storage);
    details.insert(QStringLiteral("key"), input.key);
    const int status = details.value(QStringLiteral("status")).toInt();
    if (error.code == ErrorCode::DownloadFailed && status == 404) {
        error.message = QStringLiteral("storage %1 has no object '%2'").arg(input.storage, input.key);
        details.insert(QStringLiteral("reason"), QStringLiteral("no_such_key"));
    } else if (error.code == ErrorCode::DownloadFailed && status == 403) {
        // Wrong or expired credentials, a signature the server does not accept, or a policy
        // that denies the read: the operator's to fix, the client can only report it.
        error.message = QStringLiteral("storage %1 refused to read '%2' (HTTP 403: check the service's credentials "
                                       "and permissions for this storage)").arg(input.storage, input.key);
        details.insert(QStringLiteral("reason"), QStringLiteral("access_denied"));
    } else {
        error.message = QStringLiteral("storage %1: %2").arg(input.storage, error.message);
    }
    error.details = details;
    return error;
}

} // namespace Mediaforge
