// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace Mediaforge {

// The one list of error codes on the wire. Level 0 codes come first: clients of the services
// Mediaforge replaces match on these strings, so they never change.
enum class ErrorCode {
    InvalidJson,
    ValidationError,
    UnknownMessageType,
    SubmitFailed,
    JobFailed,
    JobCancelled,
    CancelFailed,
    InvalidBinary,
    BinaryError,
    OutputSendFailed,
    InternalError,
    // Added by Mediaforge.
    Unauthorized,
    Forbidden,
    NotFound,
    DuplicateJob,
    InvalidState,
    TooLarge,
    BadOffset,
    QueueFull,
    RateLimited,
    UnsupportedInput,
    DownloadFailed,
    UrlNotAllowed,
    FfmpegFailed,
    Timeout,
    ShuttingDown,
    ResourceLimit,   // ffmpeg/ffprobe stopped by its memory or CPU-time limit
    InsufficientStorage,   // the disk budget or the free-space floor refuses more input
    // Durability (job store, crash recovery).
    AttemptsExhausted,
    FilesLost,
    Interrupted,
    // Cluster: the only node holding a job's uploaded input is gone for good.
    NodeLost,
    // A quota of the owner's tokens-file line (docs/security.md): unfinished jobs, the largest
    // input, input bytes a day.
    QuotaExceeded,
    // An output could not be put to its `output_targets` URL (after every attempt).
    OutputUploadFailed,
};

QString errorCodeName(ErrorCode code);
std::optional<ErrorCode> errorCodeFromName(QStringView name);
// Every code, in declaration order; for tables in tests and documentation.
QList<ErrorCode> allErrorCodes();

// A typed failure: what went wrong (code), a sentence for people (message) and, where a
// program may act on it, structured details (offending option paths, HTTP status, ...).
struct Error
{
    Error() = default;
    Error(ErrorCode errorCode, QString text, QJsonValue extra = QJsonValue::Undefined)
        : code(errorCode), message(std::move(text)), details(std::move(extra))
    {
    }

    ErrorCode code = ErrorCode::InternalError;
    QString message;
    QJsonValue details = QJsonValue::Undefined;

    QJsonObject toJson() const;
};

// A value or the Error that prevented it. C++20 has no std::expected; this is the subset we use.
template<typename T>
class Result
{
public:
    Result(T value) : m_value(std::move(value)) { }
    Result(Error error) : m_value(std::move(error)) { }

    bool ok() const { return std::holds_alternative<T>(m_value); }
    explicit operator bool() const { return ok(); }
    const T &value() const & { return std::get<T>(m_value); }
    T &value() & { return std::get<T>(m_value); }
    T &&value() && { return std::get<T>(std::move(m_value)); }
    const T &operator*() const & { return value(); }
    const T *operator->() const { return &value(); }
    const Error &error() const { return std::get<Error>(m_value); }

private:
    std::variant<T, Error> m_value;
};

} // namespace Mediaforge
