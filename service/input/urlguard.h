// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

namespace Mediaforge {

// Which addresses a URL download may reach. Everything that is not a public unicast address is
// refused unless configuration allows private targets (tests, intranet deployments).
class AddressClassifier
{
public:
    enum class Category {
        Public,
        Loopback,        // 127/8, ::1
        Private,         // 10/8, 172.16/12, 192.168/16, fc00::/7
        LinkLocal,       // 169.254/16, fe80::/10
        SharedAddress,   // 100.64/10 (carrier-grade NAT)
        Multicast,       // 224/4, ff00::/8
        Unspecified,     // 0.0.0.0/8, ::
        Reserved,        // 240/4, broadcast, documentation, benchmarking, 192.0.0/24, 64:ff9b::/96 ...
    };

    // IPv4-mapped and IPv4-compatible IPv6 addresses are classified as the IPv4 they carry.
    static Category classify(const QHostAddress &address);
    static QString categoryName(Category category);
};

// Looks host names up. Injected so that tests can make a name resolve to whatever they need
// (e.g. a redirect target that "resolves" to 10.0.0.1) without any real DNS or traffic.
class HostResolver
{
public:
    virtual ~HostResolver() = default;
    // Calls `done` exactly once, on the caller's thread, with the addresses (empty on
    // failure) and an error string.
    virtual void lookup(const QString &host, QObject *context,
                        std::function<void(QList<QHostAddress>, QString)> done) = 0;
};

// QHostInfo-based resolver used by the service.
class SystemHostResolver : public HostResolver
{
public:
    void lookup(const QString &host, QObject *context,
                std::function<void(QList<QHostAddress>, QString)> done) override;
};

struct UrlPolicy
{
    bool allowPrivate = false;   // --allow-private-urls: every category but Unspecified allowed
    // Explicit exceptions (address, prefix length), e.g. one intranet subnet, or 127.0.0.0/8 for
    // a test whose server is on loopback while other private targets stay refused.
    QList<std::pair<QHostAddress, int>> allowedSubnets;
};

// Static checks on a URL before any lookup: scheme http/https, a host, no user info tricks.
// URL_NOT_ALLOWED names what is wrong.
std::optional<Error> checkUrlSyntax(const QUrl &url);
// The address an IP-literal host stands for, read the way the C library would connect to it
// (IPv6, or IPv4 in inet_aton forms: 1 to 4 parts, decimal, octal "0177", hex "0x7f", one
// trailing dot), so that such hosts are checked without any DNS. nullopt for a host name and
// for a malformed numeric host (which checkUrlSyntax refuses).
std::optional<QHostAddress> hostLiteralAddress(const QString &host);
// A redirect from `from` to `to`: checkUrlSyntax(to), and no https -> http downgrade.
std::optional<Error> checkRedirect(const QUrl &from, const QUrl &to);
// Checks resolved addresses; every address must be allowed (a name that resolves to one public
// and one private address is refused).
std::optional<Error> checkAddresses(const QUrl &url, const QList<QHostAddress> &addresses,
                                    const UrlPolicy &policy);

} // namespace Mediaforge
