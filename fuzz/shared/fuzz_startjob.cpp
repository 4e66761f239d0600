// SPDX-License-Identifier: GPL-3.0-or-later
// Any client message as the service receives it (a JSON text message) through the checks the
// protocol library makes on it: start_job with every operation's options, job ids, request ids.
// Properties: nothing crashes; an accepted start_job names a known operation, has valid job
// and input fields, and its normalized options are accepted again unchanged (normalizing is
// idempotent, so a client that echoes them back is never refused).

#include "fuzzcheck.h"
#include "operations.h"
#include "startjob.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Mediaforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)   // the service's text message limit
        return 0;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(FuzzInput::bytes(data, size), &parseError);
    if (!document.isObject())
        return 0;
    const QJsonObject message = document.object();
    isValidRequestId(message.value(QStringLiteral("request_id")));
    StartJobRequest::isValidJobId(message.value(QStringLiteral("job_id")).toString());
    const auto request = StartJobRequest::fromJson(message);
    if (!request) {
        FUZZ_CHECK(request.error().code == ErrorCode::ValidationError);
        FUZZ_CHECK(!request.error().message.isEmpty());
        return 0;
    }
    FUZZ_CHECK(operationFromName(operationName(request->operation)) == request->operation);
    FUZZ_CHECK(request->jobId.isEmpty() || StartJobRequest::isValidJobId(request->jobId));
    FUZZ_CHECK(!request->inputs.isEmpty());
    const auto again = validateOptions(request->operation, request->options);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == request->options);
    return 0;
}
