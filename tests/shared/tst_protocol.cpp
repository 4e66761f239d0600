// SPDX-License-Identifier: GPL-3.0-or-later
// The wire basics every program shares: error code names, binary framing, start_job parsing.
#include "binaryframe.h"
#include "errorcode.h"
#include "startjob.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QtEndian>

using namespace Mediaforge;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

} // namespace

class TestProtocol : public QObject
{
    Q_OBJECT

private slots:
    void errorCodesRoundTripAndKeepTheirLevel0Names();
    void binaryFrameRoundTrip();
    void malformedBinaryFramesAreInvalidBinary_data();
    void malformedBinaryFramesAreInvalidBinary();
    void startJobAcceptsTheProtocolShapes();
    void startJobRefusalsNameTheField_data();
    void startJobRefusalsNameTheField();
    void requestIdRules();
};

void TestProtocol::errorCodesRoundTripAndKeepTheirLevel0Names()
{
    for (ErrorCode code : allErrorCodes())
        QCOMPARE(errorCodeFromName(errorCodeName(code)), code);
    QCOMPARE(allErrorCodes().size(), 34);
    QCOMPARE(errorCodeName(ErrorCode::OutputUploadFailed), QStringLiteral("OUTPUT_UPLOAD_FAILED"));
    QCOMPARE(errorCodeName(ErrorCode::NodeLost), QStringLiteral("NODE_LOST"));
    QCOMPARE(errorCodeName(ErrorCode::QuotaExceeded), QStringLiteral("QUOTA_EXCEEDED"));
    QCOMPARE(errorCodeName(ErrorCode::JobCancelled), QStringLiteral("JOB_CANCELLED"));
    QCOMPARE(errorCodeName(ErrorCode::InvalidJson), QStringLiteral("INVALID_JSON"));
    QCOMPARE(errorCodeName(ErrorCode::UrlNotAllowed), QStringLiteral("URL_NOT_ALLOWED"));
    QCOMPARE(errorCodeName(ErrorCode::InsufficientStorage), QStringLiteral("INSUFFICIENT_STORAGE"));
    QVERIFY(!errorCodeFromName(u"NOPE"));
}

void TestProtocol::binaryFrameRoundTrip()
{
    const QJsonObject header{{QStringLiteral("job_id"), QStringLiteral("j1")}, {QStringLiteral("offset"), 7}};
    const QByteArray payload("\x00\x01\x02payload", 10);
    const QByteArray message = BinaryFrame::encode(header, payload);
    const Result<BinaryFrame> parsed = BinaryFrame::parse(message);
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->header, header);
    QCOMPARE(parsed->payload.toByteArray(), payload);
    QCOMPARE(qFromBigEndian<quint32>(message.constData()), quint32(message.size() - 4 - payload.size()));
}

void TestProtocol::malformedBinaryFramesAreInvalidBinary_data()
{
    QTest::addColumn<QByteArray>("message");
    auto withLength = [](quint32 length, const QByteArray &rest) {
        const quint32 big = qToBigEndian(length);
        QByteArray message(reinterpret_cast<const char *>(&big), 4);
        message.append(rest);
        return message;
    };
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("three bytes") << QByteArray("\x00\x00\x01", 3);
    QTest::newRow("zero header") << withLength(0, "{}");
    QTest::newRow("header over 1024") << withLength(1025, QByteArray(1100, ' '));
    QTest::newRow("longer than message") << withLength(50, "{}");
    QTest::newRow("not json") << withLength(5, "hello");
    QTest::newRow("json array") << withLength(2, "[]");
}

void TestProtocol::malformedBinaryFramesAreInvalidBinary()
{
    QFETCH(QByteArray, message);
    const Result<BinaryFrame> parsed = BinaryFrame::parse(message);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, ErrorCode::InvalidBinary);
}

void TestProtocol::startJobAcceptsTheProtocolShapes()
{
    const auto upload = StartJobRequest::fromJson(json(
            R"({"type":"start_job","job_id":"a-1","operation":"trim","input":{"source":"upload","filename":"x.mp4","size":123}, "options":{"start_time":1,"end_time":2},"priority":"high","detach":true})"));
    QVERIFY2(upload.ok(), qPrintable(upload.ok() ? QString() : upload.error().message));
    QCOMPARE(upload->jobId, QStringLiteral("a-1"));
    QCOMPARE(upload->operation, Operation::Trim);
    QCOMPARE(upload->inputs.size(), 1);
    QCOMPARE(upload->inputs.first().size, 123);
    QCOMPARE(upload->priority, QStringLiteral("high"));
    QVERIFY(upload->detach);

    const auto url = StartJobRequest::fromJson(json(
            R"({"operation":"probe","input":{"source":"url","url":"https://media.example/clip.mp4"}})"));
    QVERIFY(url.ok());
    QVERIFY(url->inputs.first().isUrl);
    QVERIFY(url->jobId.isEmpty());

    const auto concatUploads = StartJobRequest::fromJson(json(
            R"({"operation":"concat","input":{"source":"upload"},"options":{"file_count":3}})"));
    QVERIFY2(concatUploads.ok(), qPrintable(concatUploads.ok() ? QString() : concatUploads.error().message));
    QCOMPARE(concatUploads->inputs.size(), 3);

    const auto concatUrls = StartJobRequest::fromJson(json(
            R"({"operation":"concat","inputs":[{"source":"url","url":"http://a.example/1.mp4"},{"source":"url","url":"http://a.example/2.mp4"}]})"));
    QVERIFY(concatUrls.ok());
    QCOMPARE(concatUrls->inputs.size(), 2);

    // One target per output: a thumbnail series of 2 takes 2, in order, headers kept as given.
    const auto targets = StartJobRequest::fromJson(json(
            R"({"operation":"thumbnail","input":{"source":"upload"},"options":{"count":2},"output_targets":[{"upload_url":"https://b.example/1.jpg?X-Amz-Signature=s","headers":{"Content-Type":"image/jpeg"}},{"upload_url":"http://b.example/2.jpg","method":"PUT"}]})"));
    QVERIFY2(targets.ok(), qPrintable(targets.ok() ? QString() : targets.error().message));
    QCOMPARE(targets->outputTargets.size(), 2);
    QCOMPARE(targets->outputTargets.at(0).url.query(), QStringLiteral("X-Amz-Signature=s"));
    QCOMPARE(targets->outputTargets.at(0).headers.size(), 1);
    QCOMPARE(targets->outputTargets.at(0).headers.at(0).first, QByteArray("Content-Type"));
    QCOMPARE(targets->outputTargets.at(1).method, QStringLiteral("PUT"));
    QCOMPARE(expectedOutputCount(Operation::Thumbnail, QJsonObject{{QStringLiteral("count"), 4}}), 4);
    QCOMPARE(expectedOutputCount(Operation::Thumbnail,
                                 QJsonObject{{QStringLiteral("count"), 4}, {QStringLiteral("tile"), QJsonObject()}}),
             1);
    QCOMPARE(expectedOutputCount(Operation::Probe, QJsonObject()), 0);
    QCOMPARE(expectedOutputCount(Operation::Compress, QJsonObject()), 1);
}

void TestProtocol::startJobRefusalsNameTheField_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QString>("path");
    QTest::newRow("bad job_id") << QByteArray(R"({"job_id":"has space","operation":"probe","input":{"source":"upload"}})") << QStringLiteral("job_id");
    QTest::newRow("long job_id") << QByteArray(R"({"job_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","operation":"probe","input":{"source":"upload"}})") << QStringLiteral("job_id");
    QTest::newRow("unknown operation") << QByteArray(R"({"operation":"transmogrify","input":{"source":"upload"}})") << QStringLiteral("operation");
    QTest::newRow("no input") << QByteArray(R"({"operation":"probe"})") << QStringLiteral("input");
    QTest::newRow("bad source") << QByteArray(R"({"operation":"probe","input":{"source":"disk"}})") << QStringLiteral("input.source");
    QTest::newRow("url not a string") << QByteArray(R"({"operation":"probe","input":{"source":"url","url":5}})") << QStringLiteral("input.url");
    QTest::newRow("relative url") << QByteArray(R"({"operation":"probe","input":{"source":"url","url":"clip.mp4"}})") << QStringLiteral("input.url");
    QTest::newRow("negative size") << QByteArray(R"({"operation":"probe","input":{"source":"upload","size":-1}})") << QStringLiteral("input.size");
    QTest::newRow("unknown input field") << QByteArray(R"({"operation":"probe","input":{"source":"upload","path":"/etc/passwd"}})") << QStringLiteral("input.path");
    QTest::newRow("bad priority") << QByteArray(R"({"operation":"probe","input":{"source":"upload"},"priority":"urgent"})") << QStringLiteral("priority");
    QTest::newRow("detach not bool") << QByteArray(R"({"operation":"probe","input":{"source":"upload"},"detach":"yes"})") << QStringLiteral("detach");
    QTest::newRow("inputs for non-concat") << QByteArray(R"({"operation":"trim","inputs":[{"source":"upload"},{"source":"upload"}]})") << QStringLiteral("inputs");
    QTest::newRow("one input in inputs") << QByteArray(R"({"operation":"concat","inputs":[{"source":"upload"}]})") << QStringLiteral("inputs");
    QTest::newRow("options not object") << QByteArray(R"({"operation":"probe","input":{"source":"upload"},"options":[1]})") << QStringLiteral("options");
    QTest::newRow("bad crf") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"options":{"crf":99}})") << QStringLiteral("options.crf");
    QTest::newRow("unknown option") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"options":{"ffmpeg_args":"-i /etc/passwd"}})") << QStringLiteral("options.ffmpeg_args");
    QTest::newRow("too few output targets") << QByteArray(R"({"operation":"thumbnail","input":{"source":"upload"},"options":{"count":2},"output_targets":[{"upload_url":"https://b.example/1"}]})") << QStringLiteral("output_targets");
    QTest::newRow("output targets for probe") << QByteArray(R"({"operation":"probe","input":{"source":"upload"},"output_targets":[{"upload_url":"https://b.example/1"}]})") << QStringLiteral("output_targets");
    QTest::newRow("target scheme") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"output_targets":[{"upload_url":"file:///etc/passwd"}]})") << QStringLiteral("output_targets[0].upload_url");
    QTest::newRow("target method") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"output_targets":[{"upload_url":"https://b.example/1","method":"POST"}]})") << QStringLiteral("output_targets[0].method");
    QTest::newRow("target Host header") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"output_targets":[{"upload_url":"https://b.example/1","headers":{"host":"a"}}]})") << QStringLiteral("output_targets[0].headers.host");
    QTest::newRow("target Content-Length") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"output_targets":[{"upload_url":"https://b.example/1","headers":{"Content-Length":"1"}}]})") << QStringLiteral("output_targets[0].headers.Content-Length");
    QTest::newRow("target CRLF value") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"output_targets":[{"upload_url":"https://b.example/1","headers":{"x-a":"1\r\nx-b: 2"}}]})") << QStringLiteral("output_targets[0].headers.x-a");
    QTest::newRow("target unknown field") << QByteArray(R"({"operation":"compress","input":{"source":"upload"},"output_targets":[{"upload_url":"https://b.example/1","acl":"public"}]})") << QStringLiteral("output_targets[0].acl");
    QTest::newRow("concat upload without count") << QByteArray(R"({"operation":"concat","input":{"source":"upload"}})") << QStringLiteral("options.file_count");
}

void TestProtocol::startJobRefusalsNameTheField()
{
    QFETCH(QByteArray, message);
    QFETCH(QString, path);
    const auto parsed = StartJobRequest::fromJson(QJsonDocument::fromJson(message).object());
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, ErrorCode::ValidationError);
    QStringList paths;
    const QJsonArray details = parsed.error().details.toArray();
    for (const QJsonValue &detail : details)
        paths.append(detail[QLatin1StringView("path")].toString());
    QVERIFY2(paths.contains(path), qPrintable(paths.join(u',') + QStringLiteral(" / ") + parsed.error().message));
}

void TestProtocol::requestIdRules()
{
    QVERIFY(isValidRequestId(QJsonValue(QStringLiteral("abc"))));
    QVERIFY(isValidRequestId(QJsonValue(QString(64, u'x'))));
    QVERIFY(!isValidRequestId(QJsonValue(QString(65, u'x'))));
    QVERIFY(!isValidRequestId(QJsonValue(12)));
}

QTEST_GUILESS_MAIN(TestProtocol)
#include "tst_protocol.moc"
