// SPDX-License-Identifier: GPL-3.0-or-later
#include "urlguard.h"

#include "logging/logging.h"

#include <QHostInfo>
#include <QJsonObject>
#include <QTimer>

#include <array>

namespace Mediaforge {

namespace {

using Category = AddressClassifier::Category;

// Longer URLs are no media link; refusing them early keeps logs and errors bounded.
constexpr qsizetype kMaxUrlLength = 8192;

struct Ipv4Range
{
    quint32 network;
    int prefix;
    Category category;
};

constexpr quint32 ipv4(quint32 a, quint32 b, quint32 c, quint32 d)
{
    return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA special-purpose registry and RFC 1918/6598/5737/2544. 255.255.255.255 is inside 240/4.
constexpr std::array kIpv4Ranges{
    Ipv4Range{ipv4(0, 0, 0, 0), 8, Category::Unspecified},
    Ipv4Range{ipv4(10, 0, 0, 0), 8, Category::Private},
    Ipv4Range{ipv4(100, 64, 0, 0), 10, Category::SharedAddress},
    Ipv4Range{ipv4(127, 0, 0, 0), 8, Category::Loopback},
    Ipv4Range{ipv4(169, 254, 0, 0), 16, Category::LinkLocal},
    Ipv4Range{ipv4(172, 16, 0, 0), 12, Category::Private},
    Ipv4Range{ipv4(192, 0, 0, 0), 24, Category::Reserved},
    Ipv4Range{ipv4(192, 0, 2, 0), 24, Category::Reserved},
    Ipv4Range{ipv4(192, 88, 99, 0), 24, Category::Reserved},
    Ipv4Range{ipv4(192, 168, 0, 0), 16, Category::Private},
    Ipv4Range{ipv4(198, 18, 0, 0), 15, Category::Reserved},
    Ipv4Range{ipv4(198, 51, 100, 0), 24, Category::Reserved},
    Ipv4Range{ipv4(203, 0, 113, 0), 24, Category::Reserved},
    Ipv4Range{ipv4(224, 0, 0, 0), 4, Category::Multicast},
    Ipv4Range{ipv4(240, 0, 0, 0), 4, Category::Reserved},
};

Category classifyIpv4(quint32 address)
{
    for (const Ipv4Range &range : kIpv4Ranges) {
        const quint32 mask = range.prefix == 0 ? 0 : ~quint32(0) << (32 - range.prefix);
        if ((address & mask) == range.network)
            return range.category;
    }
    return Category::Public;
}

// An IPv6 range either has a category of its own or carries an IPv4 address at a byte offset
// that decides (mapped, compatible, NAT64 and 6to4 all end up at that IPv4 host).
struct Ipv6Range
{
    std::array<quint8, 16> network;
    int prefix;
    Category category;
    int embeddedIpv4At = -1;
};

constexpr std::array<quint8, 16> v6(std::initializer_list<quint16> groups)
{
    std::array<quint8, 16> bytes{};
    int i = 0;
    for (quint16 group : groups) {
        bytes[size_t(i)] = quint8(group >> 8);
        bytes[size_t(i + 1)] = quint8(group & 0xff);
        i += 2;
    }
    return bytes;
}

// Ordered: the first match wins, so the narrower ranges inside ::/96 come before it.
constexpr std::array kIpv6Ranges{
    Ipv6Range{v6({0, 0, 0, 0, 0, 0, 0, 0}), 128, Category::Unspecified},
    Ipv6Range{v6({0, 0, 0, 0, 0, 0, 0, 1}), 128, Category::Loopback},
    Ipv6Range{v6({0, 0, 0, 0, 0, 0xffff, 0, 0}), 96, Category::Public, 12},   // IPv4-mapped
    Ipv6Range{v6({0, 0, 0, 0, 0, 0, 0, 0}), 96, Category::Public, 12},        // IPv4-compatible
    Ipv6Range{v6({0x64, 0xff9b, 0, 0, 0, 0, 0, 0}), 96, Category::Public, 12},   // NAT64
    // Local-use NAT64 (RFC 8215): the translator is someone's private one.
    Ipv6Range{v6({0x64, 0xff9b, 1, 0, 0, 0, 0, 0}), 48, Category::Reserved},
    Ipv6Range{v6({0x100, 0, 0, 0, 0, 0, 0, 0}), 64, Category::Reserved},      // discard-only
    Ipv6Range{v6({0x2001, 0, 0, 0, 0, 0, 0, 0}), 23, Category::Reserved},     // IETF (Teredo, ...)
    Ipv6Range{v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0}), 32, Category::Reserved}, // documentation
    Ipv6Range{v6({0x2002, 0, 0, 0, 0, 0, 0, 0}), 16, Category::Public, 2},    // 6to4
    Ipv6Range{v6({0x3fff, 0, 0, 0, 0, 0, 0, 0}), 20, Category::Reserved},     // documentation
    Ipv6Range{v6({0x5f00, 0, 0, 0, 0, 0, 0, 0}), 16, Category::Reserved},     // SRv6 SIDs
    Ipv6Range{v6({0xfc00, 0, 0, 0, 0, 0, 0, 0}), 7, Category::Private},       // unique local
    Ipv6Range{v6({0xfe80, 0, 0, 0, 0, 0, 0, 0}), 10, Category::LinkLocal},
    // Deprecated site-local: the private range of its day, still routed inside some sites.
    Ipv6Range{v6({0xfec0, 0, 0, 0, 0, 0, 0, 0}), 10, Category::Private},
    Ipv6Range{v6({0xff00, 0, 0, 0, 0, 0, 0, 0}), 8, Category::Multicast},
};

bool matchesPrefix(const Q_IPV6ADDR &address, const std::array<quint8, 16> &network, int prefix)
{
    int bits = prefix;
    for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
        const quint8 mask = bits >= 8 ? quint8(0xff) : quint8(0xff << (8 - bits));
        if ((address[int(i)] & mask) != network[i])
            return false;
    }
    return true;
}

quint32 ipv4At(const Q_IPV6ADDR &address, int offset)
{
    return (quint32(address[offset]) << 24) | (quint32(address[offset + 1]) << 16)
            | (quint32(address[offset + 2]) << 8) | quint32(address[offset + 3]);
}

Category classifyIpv6(const Q_IPV6ADDR &address)
{
    for (const Ipv6Range &range : kIpv6Ranges) {
        if (!matchesPrefix(address, range.network, range.prefix))
            continue;
        if (range.embeddedIpv4At >= 0)
            return classifyIpv4(ipv4At(address, range.embeddedIpv4At));
        return range.category;
    }
    // Outside 2000::/3 nothing is allocated as global unicast: no public server lives there.
    if ((address[0] & 0xe0) != 0x20)
        return Category::Reserved;
    return Category::Public;
}

// ::ffff:a.b.c.d reaches the IPv4 host a.b.c.d, so subnet exceptions apply to that host.
QHostAddress unmapped(const QHostAddress &address)
{
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address;
    bool isIpv4 = false;
    const quint32 ip4 = address.toIPv4Address(&isIpv4);
    return isIpv4 ? QHostAddress(ip4) : address;
}

bool inAllowedSubnet(const QHostAddress &address, const UrlPolicy &policy)
{
    const QHostAddress plain = unmapped(address);
    for (const auto &[network, prefix] : policy.allowedSubnets) {
        if (address.isInSubnet(network, prefix) || plain.isInSubnet(network, prefix))
            return true;
    }
    return false;
}

Error notAllowed(const QString &message, QJsonObject details)
{
    return Error(ErrorCode::UrlNotAllowed, message, details);
}

// One inet_aton part: decimal, octal with a leading 0, hex with 0x. nullopt when malformed.
std::optional<quint64> parseIpv4Part(QStringView part)
{
    if (part.isEmpty() || part.size() > 40)
        return std::nullopt;
    int base = 10;
    if (part.size() > 1 && part.front() == u'0' && (part[1] == u'x' || part[1] == u'X')) {
        base = 16;
        part = part.mid(2);
        if (part.isEmpty())
            return std::nullopt;
    } else if (part.size() > 1 && part.front() == u'0') {
        base = 8;
        part = part.mid(1);
    }
    quint64 value = 0;
    for (QChar c : part) {
        int digit = -1;
        if (c >= u'0' && c <= u'9')
            digit = c.unicode() - u'0';
        else if (base == 16 && c >= u'a' && c <= u'f')
            digit = c.unicode() - u'a' + 10;
        else if (base == 16 && c >= u'A' && c <= u'F')
            digit = c.unicode() - u'A' + 10;
        if (digit < 0 || digit >= base)
            return std::nullopt;
        value = value * quint64(base) + quint64(digit);
        if (value > 0xffffffffULL)
            return std::nullopt;
    }
    return value;
}

// WHATWG's rule: a host whose last label is a number is an IPv4 address or nothing. Such a host
// must never reach a resolver, which could read it differently from the check.
bool endsInNumber(QString host)
{
    if (host.endsWith(u'.'))
        host.chop(1);
    const QStringView last = QStringView(host).mid(host.lastIndexOf(u'.') + 1);
    if (last.isEmpty())
        return false;
    if (last.startsWith(u"0x") || last.startsWith(u"0X"))
        return true;
    for (QChar c : last) {
        if (!c.isDigit() || c.unicode() > 0x7f)
            return false;
    }
    return true;
}

} // namespace

AddressClassifier::Category AddressClassifier::classify(const QHostAddress &address)
{
    switch (address.protocol()) {
    case QAbstractSocket::IPv4Protocol:
        return classifyIpv4(address.toIPv4Address());
    case QAbstractSocket::IPv6Protocol:
        return classifyIpv6(address.toIPv6Address());
    default:
        // A null address connects nowhere useful; treat it like 0.0.0.0.
        return Category::Unspecified;
    }
}

QString AddressClassifier::categoryName(Category category)
{
    switch (category) {
    case Category::Public:
        return QStringLiteral("public");
    case Category::Loopback:
        return QStringLiteral("loopback");
    case Category::Private:
        return QStringLiteral("private");
    case Category::LinkLocal:
        return QStringLiteral("link-local");
    case Category::SharedAddress:
        return QStringLiteral("shared");
    case Category::Multicast:
        return QStringLiteral("multicast");
    case Category::Unspecified:
        return QStringLiteral("unspecified");
    case Category::Reserved:
        return QStringLiteral("reserved");
    }
    return QStringLiteral("reserved");
}

void SystemHostResolver::lookup(const QString &host, QObject *context,
                                std::function<void(QList<QHostAddress>, QString)> done)
{
    // Literals never go to QHostInfo: it would do a reverse (PTR) lookup on them.
    if (const auto literal = hostLiteralAddress(host)) {
        const QList<QHostAddress> addresses{*literal};
        QTimer::singleShot(0, context, [done = std::move(done), addresses] { done(addresses, {}); });
        return;
    }
    QHostInfo::lookupHost(host, context, [done = std::move(done)](const QHostInfo &info) {
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            done({}, info.errorString());
            return;
        }
        done(info.addresses(), {});
    });
}

std::optional<QHostAddress> hostLiteralAddress(const QString &host)
{
    if (host.isEmpty())
        return std::nullopt;
    QString text = host;
    if (text.startsWith(u'[') && text.endsWith(u']'))
        text = text.mid(1, text.size() - 2);
    if (text.contains(u':')) {
        QHostAddress address;
        if (address.setAddress(text) && address.protocol() == QAbstractSocket::IPv6Protocol)
            return address;
        return std::nullopt;
    }
    if (text.endsWith(u'.'))
        text.chop(1);
    const QStringList parts = text.split(u'.');
    if (parts.size() > 4)
        return std::nullopt;
    quint64 value = 0;
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const auto part = parseIpv4Part(parts.at(i));
        if (!part)
            return std::nullopt;
        const bool last = i == parts.size() - 1;
        if (!last) {
            if (*part > 255)
                return std::nullopt;
            value |= *part << (8 * (3 - i));
        } else {
            // The last part fills every byte the earlier parts left: 127.1 is 127.0.0.1.
            const int freeBytes = int(4 - i);
            const quint64 limit = freeBytes == 4 ? 0xffffffffULL : (quint64(1) << (8 * freeBytes)) - 1;
            if (*part > limit)
                return std::nullopt;
            value |= *part;
        }
    }
    return QHostAddress(quint32(value));
}

std::optional<Error> checkUrlSyntax(const QUrl &url)
{
    if (!url.isValid() || url.isRelative())
        return notAllowed(QStringLiteral("URL not allowed: not a valid absolute URL"),
                          {{QStringLiteral("reason"), QStringLiteral("invalid_url")}});
    const QString scheme = url.scheme().toLower();
    if (scheme != u"http" && scheme != u"https") {
        return notAllowed(QStringLiteral("URL not allowed: only http and https URLs can be downloaded"),
                          {{QStringLiteral("reason"), QStringLiteral("scheme")},
                           {QStringLiteral("scheme"), scheme.left(32)}});
    }
    if (url.toEncoded().size() > kMaxUrlLength)
        return notAllowed(QStringLiteral("URL not allowed: longer than %1 characters").arg(kMaxUrlLength),
                          {{QStringLiteral("reason"), QStringLiteral("too_long")}});
    const QString host = url.host();
    if (host.isEmpty())
        return notAllowed(QStringLiteral("URL not allowed: no host"),
                          {{QStringLiteral("reason"), QStringLiteral("no_host")}});
    if (url.port() == 0)
        return notAllowed(QStringLiteral("URL not allowed: port 0"),
                          {{QStringLiteral("reason"), QStringLiteral("port")}});
    // User info is allowed (some media hosts take basic auth in the URL); it is sent only to
    // this URL's origin and Logging::redactUrl keeps it out of every log line.
    if (!host.contains(u':') && endsInNumber(host) && !hostLiteralAddress(host))
        return notAllowed(QStringLiteral("URL not allowed: malformed numeric host"),
                          {{QStringLiteral("reason"), QStringLiteral("invalid_ip_literal")}});
    return std::nullopt;
}

std::optional<Error> checkRedirect(const QUrl &from, const QUrl &to)
{
    if (auto error = checkUrlSyntax(to))
        return error;
    // A client that asked for https expects the bytes to be what that server sent; following a
    // downgrade would let anyone on the path substitute the media.
    if (from.scheme().compare(u"https", Qt::CaseInsensitive) == 0
        && to.scheme().compare(u"http", Qt::CaseInsensitive) == 0) {
        return notAllowed(QStringLiteral("URL not allowed: redirect from https to plain http"),
                          {{QStringLiteral("reason"), QStringLiteral("https_downgrade")}});
    }
    return std::nullopt;
}

std::optional<Error> checkAddresses(const QUrl &url, const QList<QHostAddress> &addresses,
                                    const UrlPolicy &policy)
{
    if (addresses.isEmpty())
        return notAllowed(QStringLiteral("URL not allowed: the host has no address"),
                          {{QStringLiteral("reason"), QStringLiteral("no_address")}});
    for (const QHostAddress &address : addresses) {
        const Category category = AddressClassifier::classify(address);
        // 0.0.0.0 and :: reach the local host on Linux; no setting opens them.
        bool allowed = category != Category::Unspecified
                && (category == Category::Public || policy.allowPrivate
                    || inAllowedSubnet(address, policy));
        if (allowed)
            continue;
        const QString name = AddressClassifier::categoryName(category);
        // The address stays in the log: telling a client what an internal name resolves to
        // would make the service a DNS oracle for the inside.
        qCInfo(lcInput).noquote() << "refused" << Logging::redactUrl(url) << "address"
                                  << address.toString() << "is" << name;
        return notAllowed(QStringLiteral("URL not allowed: %1 resolves to a non-public address (%2)")
                                  .arg(url.host(), name),
                          {{QStringLiteral("reason"), QStringLiteral("address")},
                           {QStringLiteral("category"), name}});
    }
    return std::nullopt;
}

} // namespace Mediaforge
