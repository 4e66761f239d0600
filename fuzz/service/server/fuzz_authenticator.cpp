// SPDX-License-Identifier: GPL-3.0-or-later
// The tokens file (operator-written, but a typo must never crash the service) and the token a
// peer presents. Input: the file's text, then optionally a NUL byte and what a peer sends as
// its Authorization header value. Properties: nothing crashes; a file that loads lets every
// token it lists in with that line's role and name; the peer's bytes never crash the lookup.

#include "server/authenticator.h"
#include "fuzzcheck.h"

#include <QRegularExpression>
#include <QStringList>

using namespace Mediaforge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    const QByteArray input = FuzzInput::bytes(data, size);
    const qsizetype nul = input.indexOf('\0');
    const QByteArray text = nul < 0 ? input : input.left(nul);
    const QByteArray presented = nul < 0 ? QByteArray() : input.mid(nul + 1);

    const auto authenticator = Authenticator::fromText(text);
    if (!authenticator) {
        FUZZ_CHECK(!authenticator.error().message.isEmpty());
        return 0;
    }
    FUZZ_CHECK(authenticator->enabled());
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    const QList<QByteArray> lines = text.split('\n');
    for (const QByteArray &raw : lines) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        const QStringList parts = line.split(whitespace);
        FUZZ_CHECK(parts.size() == 3);
        const auto identity = authenticator->authenticate(parts.at(1).toUtf8());
        FUZZ_CHECK(identity.has_value());
        FUZZ_CHECK(identity->name == parts.at(2));
        FUZZ_CHECK(roleName(identity->role) == parts.at(0));
    }
    const QByteArray token = Authenticator::tokenFromHeaders(presented, QString::fromUtf8(presented));
    authenticator->authenticate(token);
    authenticator->authenticate(presented);
    return 0;
}
