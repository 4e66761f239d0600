// SPDX-License-Identifier: GPL-3.0-or-later
// The URL guard decides what a download may reach. Every address here is only classified:
// nothing in this test sends a packet, and the resolver is exercised with literals only.
#include "input/urlguard.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace Mediaforge;
using namespace Qt::StringLiterals;
using Category = AddressClassifier::Category;

Q_DECLARE_METATYPE(Category)

namespace {

UrlPolicy policyWith(bool allowPrivate, const QStringList &subnets)
{
    UrlPolicy policy;
    policy.allowPrivate = allowPrivate;
    for (const QString &subnet : subnets)
        policy.allowedSubnets.append(QHostAddress::parseSubnet(subnet));
    return policy;
}

QList<QHostAddress> addressesOf(const QStringList &texts)
{
    QList<QHostAddress> addresses;
    for (const QString &text : texts)
        addresses.append(QHostAddress(text));
    return addresses;
}

QString reasonOf(const Error &error)
{
    return error.details.toObject().value(QStringLiteral("reason")).toString();
}

// The static part of the downloader's decision for one hop: syntax, then an IP literal is
// checked as an address; a host name would go to the resolver ("lookup").
QString staticDecision(const QUrl &url, const UrlPolicy &policy)
{
    if (const auto error = checkUrlSyntax(url))
        return u"refused:" + reasonOf(*error);
    const auto literal = hostLiteralAddress(url.host());
    if (!literal)
        return QStringLiteral("lookup");
    if (const auto error = Mediaforge::checkAddresses(url, {*literal}, policy))
        return u"refused:" + error->details.toObject().value(QStringLiteral("category")).toString();
    return QStringLiteral("allowed");
}

} // namespace

class TestUrlGuard : public QObject
{
    Q_OBJECT

private slots:
    void classify_data();
    void classify();
    void categoryNamesAreDistinct();
    void hostLiteralAddress_data();
    void hostLiteralAddress();
    void checkUrlSyntax_data();
    void checkUrlSyntax();
    void urlDecision_data();
    void urlDecision();
    void nameResolvingToLoopbackIsRefused();
    void checkAddresses_data();
    void checkAddresses();
    void refusalNamesTheCategoryNotTheAddress();
    void checkRedirect_data();
    void checkRedirect();
    void systemResolverAnswersLiteralsWithoutLookup_data();
    void systemResolverAnswersLiteralsWithoutLookup();
};

void TestUrlGuard::classify_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<Category>("category");

    const auto row = [](const char *address, Category category) {
        QTest::newRow(address) << QString::fromLatin1(address) << category;
    };
    // IPv4: each range with its first and last address and the neighbours just outside.
    row("0.0.0.0", Category::Unspecified);
    row("0.255.255.255", Category::Unspecified);
    row("1.0.0.0", Category::Public);
    row("9.255.255.255", Category::Public);
    row("10.0.0.0", Category::Private);
    row("10.255.255.255", Category::Private);
    row("11.0.0.0", Category::Public);
    row("100.63.255.255", Category::Public);
    row("100.64.0.0", Category::SharedAddress);
    row("100.127.255.255", Category::SharedAddress);
    row("100.128.0.0", Category::Public);
    row("126.255.255.255", Category::Public);
    row("127.0.0.0", Category::Loopback);
    row("127.0.0.1", Category::Loopback);
    row("127.1.2.3", Category::Loopback);
    row("127.255.255.255", Category::Loopback);
    row("128.0.0.0", Category::Public);
    row("169.253.255.255", Category::Public);
    row("169.254.0.0", Category::LinkLocal);
    row("169.254.169.254", Category::LinkLocal);   // cloud metadata
    row("169.254.255.255", Category::LinkLocal);
    row("169.255.0.0", Category::Public);
    row("172.15.255.255", Category::Public);
    row("172.16.0.0", Category::Private);
    row("172.31.255.255", Category::Private);
    row("172.32.0.0", Category::Public);
    row("191.255.255.255", Category::Public);
    row("192.0.0.0", Category::Reserved);
    row("192.0.0.255", Category::Reserved);
    row("192.0.1.0", Category::Public);
    row("192.0.2.0", Category::Reserved);
    row("192.0.2.255", Category::Reserved);
    row("192.0.3.0", Category::Public);
    row("192.88.98.255", Category::Public);
    row("192.88.99.0", Category::Reserved);
    row("192.88.99.255", Category::Reserved);
    row("192.88.100.0", Category::Public);
    row("192.167.255.255", Category::Public);
    row("192.168.0.0", Category::Private);
    row("192.168.255.255", Category::Private);
    row("192.169.0.0", Category::Public);
    row("198.17.255.255", Category::Public);
    row("198.18.0.0", Category::Reserved);
    row("198.19.255.255", Category::Reserved);
    row("198.20.0.0", Category::Public);
    row("198.51.99.255", Category::Public);
    row("198.51.100.0", Category::Reserved);
    row("198.51.100.255", Category::Reserved);
    row("198.51.101.0", Category::Public);
    row("203.0.112.255", Category::Public);
    row("203.0.113.0", Category::Reserved);
    row("203.0.113.255", Category::Reserved);
    row("203.0.114.0", Category::Public);
    row("223.255.255.255", Category::Public);
    row("224.0.0.0", Category::Multicast);
    row("224.0.0.251", Category::Multicast);
    row("239.255.255.255", Category::Multicast);
    row("240.0.0.0", Category::Reserved);
    row("255.255.255.254", Category::Reserved);
    row("255.255.255.255", Category::Reserved);
    row("8.8.8.8", Category::Public);
    row("1.1.1.1", Category::Public);

    // IPv6.
    row("::", Category::Unspecified);
    row("::1", Category::Loopback);
    row("::2", Category::Unspecified);   // IPv4-compatible 0.0.0.2
    row("::ffff:127.0.0.1", Category::Loopback);
    row("::ffff:10.0.0.1", Category::Private);
    row("::ffff:169.254.169.254", Category::LinkLocal);
    row("::ffff:0.0.0.0", Category::Unspecified);
    row("::ffff:224.0.0.1", Category::Multicast);
    row("::ffff:8.8.8.8", Category::Public);
    row("::127.0.0.1", Category::Loopback);        // IPv4-compatible
    row("::192.168.1.1", Category::Private);
    row("64:ff9b::127.0.0.1", Category::Loopback);  // NAT64 well-known prefix
    row("64:ff9b::10.0.0.1", Category::Private);
    row("64:ff9b::8.8.8.8", Category::Public);
    row("64:ff9b:1::1", Category::Reserved);        // local-use NAT64
    row("100::", Category::Reserved);
    row("100::ffff:ffff:ffff:ffff", Category::Reserved);
    row("2001::", Category::Reserved);              // Teredo, in 2001::/23
    row("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Reserved);
    row("2001:200::", Category::Public);
    row("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", Category::Public);
    row("2001:db8::", Category::Reserved);
    row("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", Category::Reserved);
    row("2001:db9::", Category::Public);
    row("2002:7f00:1::", Category::Loopback);       // 6to4 of 127.0.0.1
    row("2002:a00:1::1", Category::Private);        // 6to4 of 10.0.0.1
    row("2002:808:808::1", Category::Public);       // 6to4 of 8.8.8.8
    row("3fff::1", Category::Reserved);
    row("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Reserved);
    row("3fff:1000::", Category::Public);
    row("5f00::1", Category::Reserved);
    row("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Reserved);   // below 2000::/3
    row("4000::1", Category::Reserved);                                   // above it
    row("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Reserved);
    row("fc00::", Category::Private);
    row("fd12:3456::1", Category::Private);
    row("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Private);
    row("fe00::", Category::Reserved);
    row("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Reserved);
    row("fe80::", Category::LinkLocal);
    row("fe80::1%1", Category::LinkLocal);
    row("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Category::LinkLocal);
    row("fec0::", Category::Private);
    row("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Private);
    row("ff00::", Category::Multicast);
    row("ff02::1", Category::Multicast);
    row("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Category::Multicast);
    row("2606:4700::1", Category::Public);
    row("2a00:1450:4001::1", Category::Public);
}

void TestUrlGuard::classify()
{
    QFETCH(QString, address);
    QFETCH(Category, category);
    const QHostAddress parsed(address);
    QVERIFY2(!parsed.isNull(), qPrintable(address));
    QCOMPARE(AddressClassifier::classify(parsed), category);
}

void TestUrlGuard::categoryNamesAreDistinct()
{
    const QList<Category> all{Category::Public,        Category::Loopback,  Category::Private,
                              Category::LinkLocal,     Category::SharedAddress,
                              Category::Multicast,     Category::Unspecified, Category::Reserved};
    QSet<QString> names;
    for (Category category : all)
        names.insert(AddressClassifier::categoryName(category));
    QCOMPARE(names.size(), all.size());
    QCOMPARE(AddressClassifier::categoryName(Category::LinkLocal), QStringLiteral("link-local"));
    QCOMPARE(AddressClassifier::classify(QHostAddress()), Category::Unspecified);
}

void TestUrlGuard::hostLiteralAddress_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("expected");   // empty: not a literal

    QTest::newRow("dotted") << u"127.0.0.1"_s << u"127.0.0.1"_s;
    QTest::newRow("decimal") << u"2130706433"_s << u"127.0.0.1"_s;
    QTest::newRow("hex") << u"0x7f000001"_s << u"127.0.0.1"_s;
    QTest::newRow("hex two parts") << u"0x7f.1"_s << u"127.0.0.1"_s;
    QTest::newRow("two parts") << u"127.1"_s << u"127.0.0.1"_s;
    QTest::newRow("three parts") << u"192.168.257"_s << u"192.168.1.1"_s;
    QTest::newRow("octal") << u"0177.0.0.1"_s << u"127.0.0.1"_s;
    QTest::newRow("mixed") << u"0x7F.0.0.01"_s << u"127.0.0.1"_s;
    QTest::newRow("trailing dot") << u"127.0.0.1."_s << u"127.0.0.1"_s;
    QTest::newRow("zero") << u"0"_s << u"0.0.0.0"_s;
    QTest::newRow("max") << u"4294967295"_s << u"255.255.255.255"_s;
    QTest::newRow("ipv6") << u"::1"_s << u"::1"_s;
    QTest::newRow("ipv6 bracketed") << u"[::1]"_s << u"::1"_s;
    QTest::newRow("ipv6 mapped") << u"::ffff:127.0.0.1"_s << u"::ffff:127.0.0.1"_s;
    QTest::newRow("too big") << u"4294967296"_s << QString();
    QTest::newRow("octet over 255") << u"1.2.3.256"_s << QString();
    QTest::newRow("first over 255") << u"256.1.1.1"_s << QString();
    QTest::newRow("five parts") << u"1.2.3.4.5"_s << QString();
    QTest::newRow("bad octal") << u"08.0.0.1"_s << QString();
    QTest::newRow("bare 0x") << u"0x"_s << QString();
    QTest::newRow("empty part") << u"1..1"_s << QString();
    QTest::newRow("name") << u"example.com"_s << QString();
    QTest::newRow("hex-like name") << u"cafe"_s << QString();
    QTest::newRow("empty") << QString() << QString();
}

void TestUrlGuard::hostLiteralAddress()
{
    QFETCH(QString, host);
    QFETCH(QString, expected);
    const auto address = Mediaforge::hostLiteralAddress(host);
    if (expected.isEmpty()) {
        QVERIFY2(!address, qPrintable(address ? address->toString() : QString()));
    } else {
        QVERIFY(address);
        QCOMPARE(*address, QHostAddress(expected));
    }
}

void TestUrlGuard::checkUrlSyntax_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("reason");   // empty: allowed

    QTest::newRow("http") << u"http://example.com/a.mp4"_s << QString();
    QTest::newRow("https") << u"https://example.com/a.mp4?sig=1"_s << QString();
    QTest::newRow("upper case") << u"HTTPS://EXAMPLE.COM/"_s << QString();
    QTest::newRow("user info") << u"http://user:secret@example.com/a.mp4"_s << QString();
    QTest::newRow("ip literal (checked later)") << u"http://127.0.0.1/"_s << QString();
    QTest::newRow("file") << u"file:///etc/passwd"_s << u"scheme"_s;
    QTest::newRow("ftp") << u"ftp://example.com/a.mp4"_s << u"scheme"_s;
    QTest::newRow("gopher") << u"gopher://example.com/1"_s << u"scheme"_s;
    QTest::newRow("data") << u"data:text/plain,hello"_s << u"scheme"_s;
    QTest::newRow("javascript") << u"javascript:alert(1)"_s << u"scheme"_s;
    QTest::newRow("ws") << u"ws://example.com/"_s << u"scheme"_s;
    QTest::newRow("no host") << u"http://"_s << u"no_host"_s;
    QTest::newRow("empty authority") << u"http:///etc/passwd"_s << u"no_host"_s;
    QTest::newRow("port only") << u"http://:80/"_s << u"no_host"_s;
    QTest::newRow("opaque") << u"http:example.com"_s << u"no_host"_s;
    QTest::newRow("relative") << u"/relative/path"_s << u"invalid_url"_s;
    QTest::newRow("space in host") << u"http://exa mple.com/"_s << u"invalid_url"_s;
    QTest::newRow("port 0") << u"http://example.com:0/"_s << u"port"_s;
    QTest::newRow("bad octet") << u"http://1.2.3.256/"_s << u"invalid_ip_literal"_s;
    QTest::newRow("numeric tld") << u"http://example.99/"_s << u"invalid_ip_literal"_s;
    QTest::newRow("too long") << (u"http://example.com/"_s + QString(9000, u'a')) << u"too_long"_s;
}

void TestUrlGuard::checkUrlSyntax()
{
    QFETCH(QString, url);
    QFETCH(QString, reason);
    const auto error = Mediaforge::checkUrlSyntax(QUrl(url));
    if (reason.isEmpty()) {
        QVERIFY2(!error, qPrintable(error ? error->message : QString()));
        return;
    }
    QVERIFY(error);
    QCOMPARE(error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(reasonOf(*error), reason);
    QVERIFY(!error->message.contains(u"secret"));
}

void TestUrlGuard::urlDecision_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("decision");

    QTest::newRow("file") << u"file:///etc/passwd"_s << u"refused:scheme"_s;
    QTest::newRow("ftp") << u"ftp://127.0.0.1/x"_s << u"refused:scheme"_s;
    QTest::newRow("gopher") << u"gopher://127.0.0.1:11211/_stats"_s << u"refused:scheme"_s;
    QTest::newRow("data") << u"data:video/mp4;base64,AAAA"_s << u"refused:scheme"_s;
    QTest::newRow("javascript") << u"javascript:alert(1)"_s << u"refused:scheme"_s;
    QTest::newRow("no host") << u"http://"_s << u"refused:no_host"_s;
    QTest::newRow("127.0.0.1") << u"http://127.0.0.1/"_s << u"refused:loopback"_s;
    QTest::newRow("127.1.2.3") << u"http://127.1.2.3/"_s << u"refused:loopback"_s;
    QTest::newRow("[::1]") << u"http://[::1]/"_s << u"refused:loopback"_s;
    QTest::newRow("0.0.0.0") << u"http://0.0.0.0/"_s << u"refused:unspecified"_s;
    QTest::newRow("[::]") << u"http://[::]/"_s << u"refused:unspecified"_s;
    QTest::newRow("decimal") << u"http://2130706433/"_s << u"refused:loopback"_s;
    QTest::newRow("hex") << u"http://0x7f000001/"_s << u"refused:loopback"_s;
    QTest::newRow("hex dotted") << u"http://0x7f.1/"_s << u"refused:loopback"_s;
    QTest::newRow("short") << u"http://127.1/"_s << u"refused:loopback"_s;
    QTest::newRow("octal") << u"http://0177.0.0.1/"_s << u"refused:loopback"_s;
    QTest::newRow("percent-encoded") << u"http://%31%32%37.0.0.1/"_s << u"refused:loopback"_s;
    QTest::newRow("trailing dot") << u"http://127.0.0.1./"_s << u"refused:loopback"_s;
    QTest::newRow("mapped loopback") << u"http://[::ffff:127.0.0.1]/"_s << u"refused:loopback"_s;
    QTest::newRow("mapped private") << u"http://[::ffff:10.0.0.1]/"_s << u"refused:private"_s;
    QTest::newRow("metadata") << u"http://169.254.169.254/latest/"_s << u"refused:link-local"_s;
    QTest::newRow("link-local v6") << u"http://[fe80::1%25lo]/"_s << u"refused:link-local"_s;
    QTest::newRow("private with port") << u"http://10.0.0.1:8080/"_s << u"refused:private"_s;
    QTest::newRow("user info trick") << u"http://8.8.8.8@127.0.0.1/"_s << u"refused:loopback"_s;
    QTest::newRow("public v4") << u"http://8.8.8.8/a.mp4"_s << u"allowed"_s;
    QTest::newRow("public v6") << u"https://[2606:4700::1]/a.mp4"_s << u"allowed"_s;
    QTest::newRow("localhost") << u"http://localhost/"_s << u"lookup"_s;
    QTest::newRow("name") << u"https://example.com/a.mp4"_s << u"lookup"_s;
}

void TestUrlGuard::urlDecision()
{
    QFETCH(QString, url);
    QFETCH(QString, decision);
    QCOMPARE(staticDecision(QUrl(url), UrlPolicy{}), decision);
}

void TestUrlGuard::nameResolvingToLoopbackIsRefused()
{
    // What the downloader does with "localhost" after the lookup (faked here).
    const QUrl url(QStringLiteral("http://localhost:8080/"));
    const auto error = Mediaforge::checkAddresses(url, addressesOf({u"127.0.0.1"_s, u"::1"_s}), UrlPolicy{});
    QVERIFY(error);
    QCOMPARE(error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(error->details.toObject().value(u"category"_s).toString(), u"loopback"_s);
}

void TestUrlGuard::checkAddresses_data()
{
    QTest::addColumn<QStringList>("addresses");
    QTest::addColumn<bool>("allowPrivate");
    QTest::addColumn<QStringList>("subnets");
    QTest::addColumn<QString>("refusedAs");   // empty: allowed; else category (or reason)

    const QStringList none;
    QTest::newRow("public") << QStringList{u"8.8.8.8"_s} << false << none << QString();
    QTest::newRow("public both families")
            << QStringList{u"8.8.8.8"_s, u"2606:4700::1"_s} << false << none << QString();
    QTest::newRow("public + private") << QStringList{u"8.8.8.8"_s, u"10.0.0.1"_s} << false << none
                                      << u"private"_s;
    QTest::newRow("private + public") << QStringList{u"10.0.0.1"_s, u"8.8.8.8"_s} << false << none
                                      << u"private"_s;
    QTest::newRow("public + ::1") << QStringList{u"93.184.216.34"_s, u"::1"_s} << false << none
                                  << u"loopback"_s;
    QTest::newRow("public + metadata")
            << QStringList{u"8.8.8.8"_s, u"169.254.169.254"_s} << false << none << u"link-local"_s;
    QTest::newRow("no address") << QStringList{} << false << none << u"no_address"_s;
    QTest::newRow("shared") << QStringList{u"100.64.0.1"_s} << false << none << u"shared"_s;
    QTest::newRow("multicast") << QStringList{u"ff02::1"_s} << false << none << u"multicast"_s;
    QTest::newRow("documentation") << QStringList{u"192.0.2.1"_s} << false << none << u"reserved"_s;

    QTest::newRow("allowPrivate: private") << QStringList{u"10.0.0.1"_s} << true << none << QString();
    QTest::newRow("allowPrivate: loopback") << QStringList{u"127.0.0.1"_s, u"::1"_s} << true << none
                                            << QString();
    QTest::newRow("allowPrivate: link-local") << QStringList{u"169.254.1.1"_s} << true << none
                                              << QString();
    QTest::newRow("allowPrivate: mixed") << QStringList{u"8.8.8.8"_s, u"192.168.1.1"_s} << true
                                         << none << QString();
    QTest::newRow("allowPrivate: 0.0.0.0") << QStringList{u"0.0.0.0"_s} << true << none
                                           << u"unspecified"_s;
    QTest::newRow("allowPrivate: ::") << QStringList{u"::"_s} << true << none << u"unspecified"_s;

    const QStringList loopback8{u"127.0.0.0/8"_s};
    QTest::newRow("subnet: inside") << QStringList{u"127.0.0.1"_s} << false << loopback8 << QString();
    QTest::newRow("subnet: inside edge") << QStringList{u"127.255.255.255"_s} << false << loopback8
                                         << QString();
    QTest::newRow("subnet: mapped inside") << QStringList{u"::ffff:127.0.0.1"_s} << false
                                           << loopback8 << QString();
    QTest::newRow("subnet: other private") << QStringList{u"10.0.0.1"_s} << false << loopback8
                                           << u"private"_s;
    QTest::newRow("subnet: ::1 is not 127/8") << QStringList{u"::1"_s} << false << loopback8
                                              << u"loopback"_s;
    QTest::newRow("subnet: one outside") << QStringList{u"127.0.0.1"_s, u"10.0.0.1"_s} << false
                                         << loopback8 << u"private"_s;
    QTest::newRow("subnet: never unspecified")
            << QStringList{u"0.0.0.0"_s} << false << QStringList{u"0.0.0.0/0"_s} << u"unspecified"_s;
    const QStringList intranet{u"10.1.0.0/16"_s};
    QTest::newRow("subnet /16 inside") << QStringList{u"10.1.2.3"_s} << false << intranet << QString();
    QTest::newRow("subnet /16 outside") << QStringList{u"10.2.0.1"_s} << false << intranet
                                        << u"private"_s;
    QTest::newRow("subnet /16 + other") << QStringList{u"10.1.2.3"_s, u"192.168.0.1"_s} << false
                                        << intranet << u"private"_s;
    QTest::newRow("subnet v6 inside") << QStringList{u"fd12::1"_s} << false
                                      << QStringList{u"fd00::/8"_s} << QString();
    QTest::newRow("subnet v6 outside") << QStringList{u"fc00::1"_s} << false
                                       << QStringList{u"fd00::/8"_s} << u"private"_s;
}

void TestUrlGuard::checkAddresses()
{
    QFETCH(QStringList, addresses);
    QFETCH(bool, allowPrivate);
    QFETCH(QStringList, subnets);
    QFETCH(QString, refusedAs);

    const QUrl url(QStringLiteral("http://media.test/clip.mp4"));
    const auto error =
            Mediaforge::checkAddresses(url, addressesOf(addresses), policyWith(allowPrivate, subnets));
    if (refusedAs.isEmpty()) {
        QVERIFY2(!error, qPrintable(error ? error->message : QString()));
        return;
    }
    QVERIFY(error);
    QCOMPARE(error->code, ErrorCode::UrlNotAllowed);
    const QJsonObject details = error->details.toObject();
    const QString got = details.value(u"category"_s).toString(details.value(u"reason"_s).toString());
    QCOMPARE(got, refusedAs);
}

void TestUrlGuard::refusalNamesTheCategoryNotTheAddress()
{
    // A client must not learn what an internal name resolves to.
    const auto error = Mediaforge::checkAddresses(QUrl(QStringLiteral("http://intranet.test/")),
                                      addressesOf({u"10.20.30.40"_s}), UrlPolicy{});
    QVERIFY(error);
    const QByteArray details = QJsonDocument(error->details.toObject()).toJson();
    QVERIFY(!details.contains("10.20.30.40"));
    QVERIFY(!error->message.contains(u"10.20.30.40"));
    QCOMPARE(error->details.toObject().value(u"category"_s).toString(), u"private"_s);
}

void TestUrlGuard::checkRedirect_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("reason");   // empty: allowed

    QTest::newRow("http to https") << u"http://a.test/x"_s << u"https://b.test/y"_s << QString();
    QTest::newRow("https to https") << u"https://a.test/x"_s << u"https://b.test/y"_s << QString();
    QTest::newRow("http to http") << u"http://a.test/x"_s << u"http://b.test/y"_s << QString();
    QTest::newRow("https to http") << u"https://a.test/x"_s << u"http://a.test/x"_s
                                   << u"https_downgrade"_s;
    QTest::newRow("to file") << u"http://a.test/x"_s << u"file:///etc/passwd"_s << u"scheme"_s;
    QTest::newRow("to ftp") << u"https://a.test/x"_s << u"ftp://a.test/x"_s << u"scheme"_s;
    QTest::newRow("to no host") << u"http://a.test/x"_s << u"http:///x"_s << u"no_host"_s;
}

void TestUrlGuard::checkRedirect()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, reason);
    const auto error = Mediaforge::checkRedirect(QUrl(from), QUrl(to));
    if (reason.isEmpty()) {
        QVERIFY2(!error, qPrintable(error ? error->message : QString()));
        return;
    }
    QVERIFY(error);
    QCOMPARE(error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(reasonOf(*error), reason);
}

void TestUrlGuard::systemResolverAnswersLiteralsWithoutLookup_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("expected");
    QTest::newRow("dotted") << u"127.0.0.1"_s << u"127.0.0.1"_s;
    QTest::newRow("decimal") << u"2130706433"_s << u"127.0.0.1"_s;
    QTest::newRow("ipv6") << u"::1"_s << u"::1"_s;
}

void TestUrlGuard::systemResolverAnswersLiteralsWithoutLookup()
{
    // Only literals: a name would make the C library ask the configured DNS server.
    QFETCH(QString, host);
    QFETCH(QString, expected);
    SystemHostResolver resolver;
    QObject context;
    bool called = false;
    QList<QHostAddress> answer;
    resolver.lookup(host, &context, [&](QList<QHostAddress> addresses, QString) {
        called = true;
        answer = addresses;
    });
    QVERIFY2(!called, "the answer arrives asynchronously, like a real lookup");
    QTRY_VERIFY_WITH_TIMEOUT(called, 2000);
    QCOMPARE(answer, QList<QHostAddress>{QHostAddress(expected)});
}

QTEST_GUILESS_MAIN(TestUrlGuard)
#include "tst_urlguard.moc"
