// SPDX-License-Identifier: GPL-3.0-or-later
#include "errorcode.h"

#include <array>

namespace Mediaforge {

namespace {
struct CodeName
{
    ErrorCode code;
    const char *name;
};

constexpr std::array kCodeNames{
    CodeName{ErrorCode::InvalidJson, "INVALID_JSON"},
    CodeName{ErrorCode::ValidationError, "VALIDATION_ERROR"},
    CodeName{ErrorCode::UnknownMessageType, "UNKNOWN_MESSAGE_TYPE"},
    CodeName{ErrorCode::SubmitFailed, "SUBMIT_FAILED"},
    CodeName{ErrorCode::JobFailed, "JOB_FAILED"},
    CodeName{ErrorCode::JobCancelled, "JOB_CANCELLED"},
    CodeName{ErrorCode::CancelFailed, "CANCEL_FAILED"},
    CodeName{ErrorCode::InvalidBinary, "INVALID_BINARY"},
    CodeName{ErrorCode::BinaryError, "BINARY_ERROR"},
    CodeName{ErrorCode::OutputSendFailed, "OUTPUT_SEND_FAILED"},
    CodeName{ErrorCode::InternalError, "INTERNAL_ERROR"},
    CodeName{ErrorCode::Unauthorized, "UNAUTHORIZED"},
    CodeName{ErrorCode::Forbidden, "FORBIDDEN"},
    CodeName{ErrorCode::NotFound, "NOT_FOUND"},
    CodeName{ErrorCode::DuplicateJob, "DUPLICATE_JOB"},
    CodeName{ErrorCode::InvalidState, "INVALID_STATE"},
    CodeName{ErrorCode::TooLarge, "TOO_LARGE"},
    CodeName{ErrorCode::BadOffset, "BAD_OFFSET"},
    CodeName{ErrorCode::QueueFull, "QUEUE_FULL"},
    CodeName{ErrorCode::RateLimited, "RATE_LIMITED"},
    CodeName{ErrorCode::UnsupportedInput, "UNSUPPORTED_INPUT"},
    CodeName{ErrorCode::DownloadFailed, "DOWNLOAD_FAILED"},
    CodeName{ErrorCode::UrlNotAllowed, "URL_NOT_ALLOWED"},
    CodeName{ErrorCode::FfmpegFailed, "FFMPEG_FAILED"},
    CodeName{ErrorCode::Timeout, "TIMEOUT"},
    CodeName{ErrorCode::ShuttingDown, "SHUTTING_DOWN"},
    CodeName{ErrorCode::ResourceLimit, "RESOURCE_LIMIT"},
    CodeName{ErrorCode::InsufficientStorage, "INSUFFICIENT_STORAGE"},
    CodeName{ErrorCode::AttemptsExhausted, "ATTEMPTS_EXHAUSTED"},
    CodeName{ErrorCode::FilesLost, "FILES_LOST"},
    CodeName{ErrorCode::Interrupted, "INTERRUPTED"},
    CodeName{ErrorCode::NodeLost, "NODE_LOST"},
    CodeName{ErrorCode::QuotaExceeded, "QUOTA_EXCEEDED"},
    CodeName{ErrorCode::OutputUploadFailed, "OUTPUT_UPLOAD_FAILED"},
};
static_assert(kCodeNames.size() == static_cast<size_t>(ErrorCode::OutputUploadFailed) + 1,
              "every ErrorCode needs its wire name");
} // namespace

QString errorCodeName(ErrorCode code)
{
    return QString::fromLatin1(kCodeNames.at(static_cast<size_t>(code)).name);
}

std::optional<ErrorCode> errorCodeFromName(QStringView name)
{
    for (const auto &entry : kCodeNames) {
        if (name == QLatin1StringView(entry.name))
            return entry.code;
    }
    return std::nullopt;
}

QList<ErrorCode> allErrorCodes()
{
    QList<ErrorCode> codes;
    for (const auto &entry : kCodeNames)
        codes.append(entry.code);
    return codes;
}

QJsonObject Error::toJson() const
{
    QJsonObject object{{QStringLiteral("code"), errorCodeName(code)},
                       {QStringLiteral("message"), message}};
    if (!details.isUndefined() && !details.isNull())
        object.insert(QStringLiteral("details"), details);
    return object;
}

} // namespace Mediaforge
