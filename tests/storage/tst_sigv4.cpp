// SPDX-License-Identifier: GPL-3.0-or-later
// The service's SigV4 signer against an independent one: botocore's S3SigV4Auth (Debian's
// python3-botocore), run as a child process on a few hundred generated requests. A missing
// python3 or botocore fails the test.
#include "storage/sigv4.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTest>

using namespace Mediaforge;

namespace {

struct Generated
{
    SigV4::Request request;
    SigV4::Credentials credentials;
    QByteArray region;
    QDateTime time;
    QByteArray body;
    bool unsignedPayload = false;
    QString url;
};

QString toString(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes);
}

} // namespace

class TestSigV4 : public QObject
{
    Q_OBJECT

private slots:
    void uriEncodeKeepsOnlyUnreservedCharacters();
    void knownAnswerFromAwsDocumentation();
    void signaturesAgreeWithBotocore();
};

void TestSigV4::uriEncodeKeepsOnlyUnreservedCharacters()
{
    QCOMPARE(SigV4::uriEncodePath(QStringLiteral("a b/c~d_e-f.g")), QByteArray("a%20b/c~d_e-f.g"));
    QCOMPARE(SigV4::uriEncode("a/b+c=d", false), QByteArray("a%2Fb%2Bc%3Dd"));
    QCOMPARE(SigV4::uriEncodePath(QStringLiteral("ü")), QByteArray("%C3%BC"));
    QCOMPARE(SigV4::canonicalQuery({{"uploads", ""}, {"a", "x y"}}), QByteArray("a=x%20y&uploads="));
}

// The GET Object example of the S3 SigV4 documentation ("Example: GET Object", range header):
// a fixed answer that does not come from botocore.
void TestSigV4::knownAnswerFromAwsDocumentation()
{
    SigV4::Request request;
    request.method = "GET";
    request.host = "examplebucket.s3.amazonaws.com";
    request.encodedPath = "/test.txt";
    request.headers = {{"Range", "bytes=0-9"}};
    request.payloadHash = SigV4::emptyPayloadHash();
    const SigV4::Credentials credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", {}};
    const auto headers = SigV4::sign(request, credentials, "us-east-1", "s3",
                                     QDateTime(QDate(2013, 5, 24), QTime(0, 0), Qt::UTC));
    QCOMPARE(headers.first().first, QByteArray("Authorization"));
    QCOMPARE(headers.first().second,
             QByteArray("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

void TestSigV4::signaturesAgreeWithBotocore()
{
    QRandomGenerator random(20261130);
    const QList<QByteArray> methods{"GET", "PUT", "HEAD", "DELETE", "POST"};
    const QStringList keys{
        QStringLiteral("clip.mp4"),
        QStringLiteral("folder/with space/a b.mov"),
        QStringLiteral("ünïcødé/ファイル 📼.mkv"),
        QStringLiteral("special !'()*&$@=;:+,?#[]%~_-.txt"),
        QStringLiteral("double//slash/"),
        QStringLiteral("tenant-a/2026/11/30/upload.webm"),
        QStringLiteral("percent%20literal%2Fkey"),
    };
    const QList<QList<SigV4::Header>> queries{
        {},
        {{"uploads", ""}},
        {{"partNumber", "3"}, {"uploadId", "abc/def+=="}},
        {{"list-type", "2"}, {"prefix", "a b/ü"}, {"delimiter", "/"}},
        {{"uploadId", "Zx~y_z-1.2"}},
    };
    const QList<QList<SigV4::Header>> headerSets{
        {},
        {{"Content-Type", "video/mp4"}},
        {{"x-amz-meta-title", "  spaced    value  "}, {"Content-Type", "application/octet-stream"}},
        {{"Range", "bytes=0-1023"}},
    };
    const QList<QByteArray> regions{"us-east-1", "eu-central-1", "auto", "garage"};

    QList<Generated> generated;
    QJsonArray requests;
    for (int i = 0; i < 400; ++i) {
        Generated item;
        const bool virtualHost = random.bounded(2) == 1;
        const bool https = random.bounded(2) == 1;
        item.unsignedPayload = https && random.bounded(3) == 0;
        const QByteArray bucket = "media-" + QByteArray::number(random.bounded(100));
        const QString key = keys.at(random.bounded(keys.size()));
        item.request.method = methods.at(random.bounded(methods.size()));
        item.request.host = virtualHost ? QByteArray(bucket + ".s3.example.com")
                                        : QByteArray("127.0.0.1:" + QByteArray::number(9000 + i));
        item.request.encodedPath = virtualHost ? QByteArray('/' + SigV4::uriEncodePath(key))
                                               : QByteArray('/' + bucket + '/' + SigV4::uriEncodePath(key));
        item.request.query = queries.at(random.bounded(queries.size()));
        item.request.headers = headerSets.at(random.bounded(headerSets.size()));
        const int bodySize = random.bounded(3) == 0 ? 0 : int(random.bounded(1, 5000));
        for (int b = 0; b < bodySize; ++b)
            item.body += char(random.bounded(256));
        QJsonObject extra;
        if (item.unsignedPayload) {
            const QByteArray md5 = QCryptographicHash::hash(item.body, QCryptographicHash::Md5).toBase64();
            item.request.headers.append({"Content-MD5", md5});
            item.request.payloadHash = SigV4::kUnsignedPayload;
        } else {
            item.request.payloadHash = QCryptographicHash::hash(item.body, QCryptographicHash::Sha256).toHex();
        }
        item.credentials.accessKeyId = "AKID" + QByteArray::number(random.bounded(1000000));
        item.credentials.secretAccessKey = QByteArray::number(random.generate64(), 36) + "/+Secret";
        if (random.bounded(4) == 0)
            item.credentials.sessionToken = "token/" + QByteArray::number(random.generate(), 16) + "==";
        item.region = regions.at(random.bounded(regions.size()));
        item.time = QDateTime(QDate(2020 + int(random.bounded(10)), 1 + int(random.bounded(12)), 1 + int(random.bounded(28))),
                              QTime(int(random.bounded(24)), int(random.bounded(60)), int(random.bounded(60))), Qt::UTC);
        item.url = QString::fromLatin1((https ? "https://" : "http://") + item.request.host + item.request.encodedPath);

        QJsonObject headers;
        for (const auto &[name, value] : item.request.headers)
            headers.insert(toString(name), toString(value));
        QJsonArray query;
        for (const auto &[name, value] : item.request.query)
            query.append(QJsonArray{toString(name), toString(value)});
        QJsonObject json{{QStringLiteral("method"), toString(item.request.method)},
                         {QStringLiteral("url"), item.url},
                         {QStringLiteral("host"), toString(item.request.host)},
                         {QStringLiteral("headers"), headers},
                         {QStringLiteral("query"), query},
                         {QStringLiteral("body"), toString(item.body.toBase64())},
                         {QStringLiteral("unsigned"), item.unsignedPayload},
                         {QStringLiteral("access_key"), toString(item.credentials.accessKeyId)},
                         {QStringLiteral("secret_key"), toString(item.credentials.secretAccessKey)},
                         {QStringLiteral("token"), toString(item.credentials.sessionToken)},
                         {QStringLiteral("region"), toString(item.region)},
                         {QStringLiteral("time"), item.time.toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"))}};
        if (item.unsignedPayload)
            json.insert(QStringLiteral("content_md5"), toString(item.request.headers.last().second));
        requests.append(json);
        generated.append(item);
    }

    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral(MEDIAFORGE_SIGV4_BOTOCORE_SCRIPT)});
    QVERIFY2(python.waitForStarted(), "python3 did not start");
    python.write(QJsonDocument(requests).toJson(QJsonDocument::Compact));
    python.closeWriteChannel();
    QVERIFY(python.waitForFinished(120000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    const QJsonArray answers = QJsonDocument::fromJson(python.readAllStandardOutput()).array();
    QCOMPARE(answers.size(), generated.size());

    int unsignedCount = 0;
    int tokenCount = 0;
    for (qsizetype i = 0; i < generated.size(); ++i) {
        const Generated &item = generated.at(i);
        const auto added = SigV4::sign(item.request, item.credentials, item.region, "s3", item.time);
        QByteArray authorization, date, contentSha, token;
        for (const auto &[name, value] : added) {
            if (name == "Authorization")
                authorization = value;
            else if (name == "x-amz-date")
                date = value;
            else if (name == "x-amz-content-sha256")
                contentSha = value;
            else if (name == "x-amz-security-token")
                token = value;
        }
        const QJsonObject answer = answers.at(i).toObject();
        const QByteArray context = item.request.method + ' ' + item.url.toUtf8() + " query " + SigV4::canonicalQuery(item.request.query);
        const QByteArray theirs = answer.value(QStringLiteral("authorization")).toString().toUtf8();
        QList<SigV4::Header> signedHeaders{{"host", item.request.host}};
        signedHeaders += item.request.headers;
        signedHeaders += added.mid(1);
        const QByteArray explanation = context + "\n ours: " + authorization + "\n botocore: " + theirs
                + "\n our canonical request:\n" + SigV4::canonicalRequest(item.request, signedHeaders, nullptr);
        if (authorization != theirs)
            qWarning().noquote() << explanation;
        QVERIFY2(authorization == theirs, "the signatures differ (the canonical requests are printed above)");
        QCOMPARE(date, answer.value(QStringLiteral("date")).toString().toUtf8());
        QCOMPARE(contentSha, answer.value(QStringLiteral("content_sha256")).toString().toUtf8());
        QCOMPARE(token, answer.value(QStringLiteral("security_token")).toString().toUtf8());
        unsignedCount += item.unsignedPayload ? 1 : 0;
        tokenCount += token.isEmpty() ? 0 : 1;
    }
    // The generator really covered both payload forms and temporary credentials.
    QVERIFY(unsignedCount > 20);
    QVERIFY(tokenCount > 20);
}

QTEST_GUILESS_MAIN(TestSigV4)
#include "tst_sigv4.moc"
