// SPDX-License-Identifier: GPL-3.0-or-later
// The signed requests between nodes (cluster/clustersigner.*): what any peer puts into the
// three X-Mediaforge-* fields and the request line of the node-to-node route. Input: method,
// path, node, expiry, signature and a clock reading, separated by NUL bytes.
// Properties: nothing crashes; bytes from outside are never Valid (the fuzzer does not know
// the secret); a request this node signs is Valid for itself and for another node with the
// same secret, for the same method and path only, and stops being Valid after its lifetime.

#include "cluster/clustersigner.h"
#include "fuzzcheck.h"

#include <QList>

using namespace Mediaforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16 * 1024)   // the HTTP port's bound on a request head
        return 0;
    const QList<QByteArray> fields = FuzzInput::bytes(data, size).split('\0');
    const auto field = [&fields](int i) { return i < fields.size() ? fields.at(i) : QByteArray(); };
    const QByteArray method = field(0);
    const QString path = QString::fromUtf8(field(1));
    const qint64 now = field(5).toLongLong() % (qint64(1) << 40);

    static const ClusterSigner node(QByteArray("fuzz-cluster-secret-0123456789abcdef"), QStringLiteral("node-a"));
    static const ClusterSigner peer(QByteArray("fuzz-cluster-secret-0123456789abcdef"), QStringLiteral("node-b"));
    static const ClusterSigner stranger(QByteArray("another-secret-0123456789abcdefghij"), QStringLiteral("node-c"));

    const ClusterSigner::Verdict outside = node.verify(method, path, field(2), field(3), field(4), now);
    FUZZ_CHECK(outside != ClusterSigner::Verdict::Valid);
    FUZZ_CHECK(ClusterSigner::verdictName(outside) != nullptr);

    if (method.contains('\n') || path.contains(u'\n'))
        return 0;   // refused as Malformed above whatever they carry; nothing to sign
    const qint64 lifetime = field(3).size() % (ClusterSigner::kMaxLifetimeSeconds + 10);
    const auto headers = peer.sign(method, path, now, lifetime);
    FUZZ_CHECK(headers.size() == 3);
    const QByteArray &name = headers.at(0).second;
    const QByteArray &expires = headers.at(1).second;
    const QByteArray &signature = headers.at(2).second;
    FUZZ_CHECK(node.verify(method, path, name, expires, signature, now) == ClusterSigner::Verdict::Valid);
    FUZZ_CHECK(stranger.verify(method, path, name, expires, signature, now) != ClusterSigner::Verdict::Valid);
    if (method != "PUT")
        FUZZ_CHECK(node.verify("PUT", path, name, expires, signature, now) != ClusterSigner::Verdict::Valid);
    const QString otherPath = path + QStringLiteral("x");
    FUZZ_CHECK(node.verify(method, otherPath, name, expires, signature, now) != ClusterSigner::Verdict::Valid);
    const qint64 after = now + ClusterSigner::kMaxLifetimeSeconds + ClusterSigner::kSkewSeconds + 1;
    FUZZ_CHECK(node.verify(method, path, name, expires, signature, after) == ClusterSigner::Verdict::Expired);
    return 0;
}
