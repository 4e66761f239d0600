// SPDX-License-Identifier: GPL-3.0-or-later
// The signatures of node-to-node requests: a request signed with the cluster secret passes
// within its lifetime; any changed field, another secret, an expiry past or too far ahead,
// and unreadable fields are refused with the reason the routes log and answer.
#include "cluster/clustersigner.h"

#include <QTest>

using namespace Mediaforge;

namespace {

const QByteArray kSecret = "0123456789abcdef0123456789abcdef-test";
constexpr qint64 kNow = 1'800'000'000;
const QString kPath = QStringLiteral("/cluster/v1/jobs/0a1b2c/inputs/0");

QByteArray field(const QList<std::pair<QByteArray, QByteArray>> &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.toLower() == name)
            return value;
    }
    return {};
}

} // namespace

Q_DECLARE_METATYPE(ClusterSigner::Verdict)

class TestClusterSigner : public QObject
{
    Q_OBJECT

private slots:
    void verify_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("node");
        QTest::addColumn<qint64>("expiresShift");     // added to the signed expiry
        QTest::addColumn<QByteArray>("secret");       // of the verifier
        QTest::addColumn<qint64>("verifiedAt");
        QTest::addColumn<ClusterSigner::Verdict>("verdict");

        const QByteArray node = "node-a";
        QTest::newRow("as signed") << QByteArray("GET") << kPath << node << qint64(0) << kSecret << kNow
                                   << ClusterSigner::Verdict::Valid;
        QTest::newRow("just before expiry") << QByteArray("GET") << kPath << node << qint64(0) << kSecret << kNow + 30
                                            << ClusterSigner::Verdict::Valid;
        QTest::newRow("verifier clock behind within skew")
                << QByteArray("GET") << kPath << node << qint64(0) << kSecret << kNow - 5 << ClusterSigner::Verdict::Valid;
        QTest::newRow("expired beyond skew") << QByteArray("GET") << kPath << node << qint64(0) << kSecret << kNow + 36
                                             << ClusterSigner::Verdict::Expired;
        QTest::newRow("another method") << QByteArray("HEAD") << kPath << node << qint64(0) << kSecret << kNow
                                        << ClusterSigner::Verdict::Forged;
        QTest::newRow("another job") << QByteArray("GET") << QStringLiteral("/cluster/v1/jobs/0a1b2d/inputs/0") << node
                                     << qint64(0) << kSecret << kNow << ClusterSigner::Verdict::Forged;
        QTest::newRow("another file") << QByteArray("GET") << QStringLiteral("/cluster/v1/jobs/0a1b2c/outputs/0") << node
                                      << qint64(0) << kSecret << kNow << ClusterSigner::Verdict::Forged;
        QTest::newRow("another node") << QByteArray("GET") << kPath << QByteArray("node-b") << qint64(0) << kSecret << kNow
                                      << ClusterSigner::Verdict::Forged;
        QTest::newRow("expiry moved later") << QByteArray("GET") << kPath << node << qint64(20) << kSecret << kNow
                                            << ClusterSigner::Verdict::Forged;
        QTest::newRow("another secret") << QByteArray("GET") << kPath << node << qint64(0)
                                        << QByteArray("another-secret-of-another-cluster-0000") << kNow
                                        << ClusterSigner::Verdict::Forged;
        QTest::newRow("node name with a line end") << QByteArray("GET") << kPath << QByteArray("node-a\nx") << qint64(0)
                                                   << kSecret << kNow << ClusterSigner::Verdict::Malformed;
        QTest::newRow("no secret here") << QByteArray("GET") << kPath << node << qint64(0) << QByteArray() << kNow
                                        << ClusterSigner::Verdict::Malformed;
    }
    void verify()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, node);
        QFETCH(qint64, expiresShift);
        QFETCH(QByteArray, secret);
        QFETCH(qint64, verifiedAt);
        QFETCH(ClusterSigner::Verdict, verdict);
        const ClusterSigner signer(kSecret, QStringLiteral("node-a"));
        const auto headers = signer.sign("GET", kPath, kNow, 30);
        const QByteArray expires = QByteArray::number(field(headers, "x-mediaforge-expires").toLongLong() + expiresShift);
        const ClusterSigner verifier(secret, QStringLiteral("node-b"));
        const ClusterSigner::Verdict got =
                verifier.verify(method, path, node, expires, field(headers, "x-mediaforge-signature"), verifiedAt);
        QCOMPARE(ClusterSigner::verdictName(got), ClusterSigner::verdictName(verdict));
    }

    void aSignatureNamesItsNodeAndLivesAtMostSixtySeconds()
    {
        const ClusterSigner signer(kSecret, QStringLiteral("node-a"));
        const auto headers = signer.sign("GET", kPath, kNow, 3600);
        QCOMPARE(field(headers, "x-mediaforge-node"), QByteArray("node-a"));
        QCOMPARE(field(headers, "x-mediaforge-expires").toLongLong(), kNow + ClusterSigner::kMaxLifetimeSeconds);
        QCOMPARE(field(headers, "x-mediaforge-signature").size(), 64);   // hex of 32 bytes
        QVERIFY(!field(headers, "x-mediaforge-signature").contains(kSecret.toHex()));
    }

    void anExpiryFurtherAheadThanTheLifetimeIsRefusedEvenWhenSignedWithTheSecret()
    {
        // A node whose clock runs far ahead (or a leaked signature made to last) is not trusted
        // for longer than the lifetime and skew allow.
        const ClusterSigner signer(kSecret, QStringLiteral("node-a"));
        const auto headers = signer.sign("GET", kPath, kNow + 600, 60);
        QCOMPARE(signer.verify("GET", kPath, "node-a", field(headers, "x-mediaforge-expires"),
                               field(headers, "x-mediaforge-signature"), kNow),
                 ClusterSigner::Verdict::TooFarAhead);
    }

    void missingAndUnreadableFieldsAreTold()
    {
        const ClusterSigner signer(kSecret, QStringLiteral("node-a"));
        QCOMPARE(signer.verify("GET", kPath, {}, {}, {}, kNow), ClusterSigner::Verdict::Missing);
        const auto headers = signer.sign("GET", kPath, kNow);
        const QByteArray signature = field(headers, "x-mediaforge-signature");
        QCOMPARE(signer.verify("GET", kPath, "node-a", "soon", signature, kNow), ClusterSigner::Verdict::Malformed);
        QCOMPARE(signer.verify("GET", kPath, "node-a", field(headers, "x-mediaforge-expires"), signature.left(63), kNow),
                 ClusterSigner::Verdict::Malformed);
        QCOMPARE(signer.verify("GET", kPath, "node-a", field(headers, "x-mediaforge-expires"), signature.toUpper(), kNow),
                 ClusterSigner::Verdict::Malformed);
        QCOMPARE(signer.verify("GET", kPath, "node-a", field(headers, "x-mediaforge-expires"), {}, kNow),
                 ClusterSigner::Verdict::Malformed);
    }
};

QTEST_GUILESS_MAIN(TestClusterSigner)
#include "tst_clustersigner.moc"
