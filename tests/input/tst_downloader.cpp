// SPDX-License-Identifier: GPL-3.0-or-later
// The downloader against a real HTTP server on loopback. Names that must "resolve" go through
// FakeResolver; GuardedNetworkAccessManager records every request and refuses, without sending
// anything, any that is not addressed to a loopback IP literal, so no test can reach beyond
// this machine and every test sees where requests were really addressed.
#include "input/downloader.h"
#include "testhttpserver.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkCookieJar>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Mediaforge;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(TestHttpServer::Response::Framing)

namespace {

using Framing = TestHttpServer::Response::Framing;

class FakeResolver : public HostResolver
{
public:
    QHash<QString, QList<QHostAddress>> answers;
    QStringList lookups;
    bool synchronous = false;

    void lookup(const QString &host, QObject *context,
                std::function<void(QList<QHostAddress>, QString)> done) override
    {
        lookups.append(host);
        const QList<QHostAddress> addresses = answers.value(host.toLower());
        const QString error = addresses.isEmpty() ? u"Host not found (fake resolver)"_s : QString();
        if (synchronous) {
            done(addresses, error);
            return;
        }
        QTimer::singleShot(0, context, [done = std::move(done), addresses, error] {
            done(addresses, error);
        });
    }
};

class GuardedNetworkAccessManager : public QNetworkAccessManager
{
public:
    QList<QUrl> requested;
    QList<QUrl> blocked;

protected:
    QNetworkReply *createRequest(Operation operation, const QNetworkRequest &request,
                                 QIODevice *data) override
    {
        requested.append(request.url());
        const QHostAddress host(request.url().host());
        if (host.isNull() || !host.isLoopback()) {
            blocked.append(request.url());
            return QNetworkAccessManager::createRequest(
                    operation, QNetworkRequest(QUrl(u"blocked:"_s)), data);
        }
        return QNetworkAccessManager::createRequest(operation, request, data);
    }
};

UrlPolicy loopbackException()
{
    UrlPolicy policy;
    policy.allowedSubnets.append({QHostAddress(u"127.0.0.0"_s), 8});
    return policy;
}

UrlPolicy allowPrivate()
{
    UrlPolicy policy;
    policy.allowPrivate = true;
    return policy;
}

DownloadLimits testLimits()
{
    DownloadLimits limits;
    limits.maxBytes = 64 * 1024 * 1024;
    limits.maxRedirects = 5;
    limits.stallTimeout = 5s;
    limits.totalTimeout = 20s;
    return limits;
}

QByteArray sha256Of(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

QString detail(const std::optional<Error> &error, const QString &key)
{
    if (!error)
        return {};
    const QJsonValue value = error->details.toObject().value(key);
    return value.isDouble() ? QString::number(value.toInteger()) : value.toString();
}

QStringList *g_capturedLog = nullptr;
QtMessageHandler g_previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_capturedLog)
        g_capturedLog->append(message);
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

struct Outcome
{
    bool finished = false;
    std::optional<Error> error;
    QList<std::pair<qint64, qint64>> progress;
    qint64 received = 0;
    qint64 total = -1;
    QString suggestedName;
    QString sha256;       // the downloader's own, hashed while the bytes arrived
    QUrl finalUrl;
    qint64 elapsedMs = 0;
};

} // namespace

class TestDownloader : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void downloadsFileByteExact_data();
    void downloadsFileByteExact();
    void allowPrivateReachesLoopback_data();
    void allowPrivateReachesLoopback();
    void httpErrorStatus_data();
    void httpErrorStatus();
    void contentLengthAboveLimitRefusedBeforeBody();
    void bodyBeyondLimitWithoutLength_data();
    void bodyBeyondLimitWithoutLength();
    void sizeLimitBoundary_data();
    void sizeLimitBoundary();
    void lyingContentLength_data();
    void lyingContentLength();
    void contentEncodingIsNotDecoded();
    void redirectChainWithinLimit_data();
    void redirectChainWithinLimit();
    void redirectRelativeToCurrentPath();
    void redirectCountLimit_data();
    void redirectCountLimit();
    void redirectLoopFails();
    void redirectToNonHttpScheme_data();
    void redirectToNonHttpScheme();
    void redirectToPrivateNameRefusedBeforeConnecting();
    void redirectToLoopbackWhenOnlyPublicAllowed_data();
    void redirectToLoopbackWhenOnlyPublicAllowed();
    void loopbackRefusedWithoutException_data();
    void loopbackRefusedWithoutException();
    void stallTimesOut_data();
    void stallTimesOut();
    void totalTimeLimit();
    void cancelMidTransferRemovesFileAndEmitsNothing();
    void cancelDuringLookupSendsNothing();
    void cancelBeforeStartMakesStartANoOp();
    void dnsFailureIsDownloadFailed();
    void connectionRefusedIsDownloadFailed();
    void pinnedToCheckedAddress_data();
    void pinnedToCheckedAddress();
    void userInfoGoesOnlyToItsOriginAndIsNeverLogged();
    void cookiesAreNeitherStoredNorSent();
    void suggestedFileName_data();
    void suggestedFileName();
    void httpsVerifiesCertificateAgainstPinnedName();
    void httpsCertificateForAnotherNameFails();
    void httpsToHttpDowngradeRefused();

private:
    QString nextDestination();
    Outcome run(const QUrl &url, const UrlPolicy &policy, const DownloadLimits &limits = testLimits(),
                int timeoutMs = 15000);
    bool makeCertificates();

    QTemporaryDir m_dir;
    QString m_bigFile;
    QByteArray m_bigSha;
    qint64 m_bigSize = 0;
    QString m_destination;
    int m_counter = 0;
    std::unique_ptr<GuardedNetworkAccessManager> m_network;
    std::unique_ptr<FakeResolver> m_resolver;
    // TLS material for the https cases, made with the openssl tool at test time.
    bool m_tlsReady = false;
    QSslCertificate m_serverCertificate;
    QSslKey m_serverKey;
};

void TestDownloader::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // 3 MiB + a bit of random data: several read buffers, not a round number.
    m_bigSize = 3 * 1024 * 1024 + 12345;
    m_bigFile = m_dir.filePath(u"source.bin"_s);
    QFile file(m_bigFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QByteArray block(64 * 1024, Qt::Uninitialized);
    for (qint64 written = 0; written < m_bigSize;) {
        QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(block.data()),
                                              block.size() / 4);
        const qint64 count = std::min<qint64>(block.size(), m_bigSize - written);
        QCOMPARE(file.write(block.constData(), count), count);
        written += count;
    }
    file.close();
    m_bigSha = sha256Of(m_bigFile);
    m_tlsReady = makeCertificates();
}

void TestDownloader::init()
{
    m_network = std::make_unique<GuardedNetworkAccessManager>();
    m_resolver = std::make_unique<FakeResolver>();
    m_destination = nextDestination();
}

void TestDownloader::cleanup()
{
    QVERIFY2(m_network->blocked.isEmpty(), "a request was addressed beyond loopback");
    m_network.reset();
    m_resolver.reset();
}

QString TestDownloader::nextDestination()
{
    return m_dir.filePath(u"download-%1.bin"_s.arg(++m_counter));
}

Outcome TestDownloader::run(const QUrl &url, const UrlPolicy &policy, const DownloadLimits &limits,
                            int timeoutMs)
{
    Outcome outcome;
    Downloader downloader(*m_network, *m_resolver, policy, limits);
    QSignalSpy finished(&downloader, &Downloader::finished);
    connect(&downloader, &Downloader::progress, this, [&outcome](qint64 received, qint64 total) {
        outcome.progress.append({received, total});
    });
    QElapsedTimer clock;
    clock.start();
    downloader.start(url, m_destination);
    outcome.finished = finished.wait(timeoutMs);
    outcome.elapsedMs = clock.elapsed();
    // Exactly once, even if the event loop runs on.
    QTest::qWait(20);
    if (finished.size() > 1)
        outcome.finished = false;
    outcome.error = downloader.error();
    outcome.received = downloader.bytesReceived();
    outcome.total = downloader.totalBytes();
    outcome.suggestedName = downloader.suggestedFileName();
    outcome.sha256 = downloader.sha256();
    outcome.finalUrl = downloader.finalUrl();
    return outcome;
}

bool TestDownloader::makeCertificates()
{
    const QString openssl = QStandardPaths::findExecutable(u"openssl"_s);
    if (openssl.isEmpty())
        return false;
    const QString dir = m_dir.filePath(u"tls"_s);
    QDir().mkpath(dir);
    const auto path = [&dir](const char *name) -> QString { return dir + u'/' + QLatin1StringView(name); };
    QFile extensions(path("server.ext"));
    if (!extensions.open(QIODevice::WriteOnly))
        return false;
    extensions.write("subjectAltName=DNS:pinned.test\nbasicConstraints=CA:FALSE\n"
                     "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
    extensions.close();
    const QList<QStringList> steps{
        {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:prime256v1"_s,
         u"-nodes"_s, u"-keyout"_s, path("ca.key"), u"-out"_s, path("ca.crt"), u"-days"_s, u"2"_s,
         u"-subj"_s, u"/CN=Mediaforge test CA"_s, u"-addext"_s, u"basicConstraints=critical,CA:TRUE"_s,
         u"-addext"_s, u"keyUsage=critical,keyCertSign,cRLSign"_s},
        {u"req"_s, u"-new"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:prime256v1"_s,
         u"-nodes"_s, u"-keyout"_s, path("server.key"), u"-out"_s, path("server.csr"), u"-subj"_s,
         u"/CN=pinned.test"_s},
        {u"x509"_s, u"-req"_s, u"-in"_s, path("server.csr"), u"-CA"_s, path("ca.crt"), u"-CAkey"_s,
         path("ca.key"), u"-CAcreateserial"_s, u"-out"_s, path("server.crt"), u"-days"_s, u"2"_s,
         u"-extfile"_s, path("server.ext")},
    };
    for (const QStringList &arguments : steps) {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(openssl, arguments);
        if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit
            || process.exitCode() != 0) {
            qWarning("openssl failed: %s", process.readAll().constData());
            return false;
        }
    }
    const auto read = [](const QString &file) {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const QSslCertificate ca(read(path("ca.crt")), QSsl::Pem);
    m_serverCertificate = QSslCertificate(read(path("server.crt")), QSsl::Pem);
    m_serverKey = QSslKey(read(path("server.key")), QSsl::Ec, QSsl::Pem);
    if (ca.isNull() || m_serverCertificate.isNull() || m_serverKey.isNull())
        return false;
    // Trusted by this test process only.
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.addCaCertificate(ca);
    QSslConfiguration::setDefaultConfiguration(configuration);
    return true;
}

// --- success ---------------------------------------------------------------------------------

void TestDownloader::downloadsFileByteExact_data()
{
    QTest::addColumn<Framing>("framing");
    QTest::newRow("content-length") << Framing::ContentLength;
    QTest::newRow("chunked") << Framing::Chunked;
    QTest::newRow("close-delimited") << Framing::CloseDelimited;
}

void TestDownloader::downloadsFileByteExact()
{
    QFETCH(Framing, framing);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/media/clip.mp4"_s,
                    TestHttpServer::Response::file(m_bigFile, "video/mp4").withFraming(framing));

    const Outcome outcome = run(server.url(u"/media/clip.mp4?token=abc"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(sha256Of(m_destination), m_bigSha);
    // The digest the result cache keys on, computed while streaming, is the file's.
    QCOMPARE(outcome.sha256.toLatin1(), m_bigSha);
    QCOMPARE(outcome.received, m_bigSize);
    const qint64 expectedTotal = framing == Framing::ContentLength ? m_bigSize : -1;
    QCOMPARE(outcome.total, expectedTotal);
    QCOMPARE(outcome.suggestedName, u"clip.mp4"_s);

    // Progress: several steps, growing, ending at the whole file.
    QVERIFY(outcome.progress.size() >= 2);
    for (qsizetype i = 1; i < outcome.progress.size(); ++i)
        QVERIFY(outcome.progress.at(i).first > outcome.progress.at(i - 1).first);
    QCOMPARE(outcome.progress.last(), std::make_pair(m_bigSize, expectedTotal));

    QCOMPARE(server.requestCount(u"/media/clip.mp4"_s), 1);
    const TestHttpServer::Request request = server.lastRequest();
    QCOMPARE(request.method, "GET");
    QCOMPARE(request.target, "/media/clip.mp4?token=abc");
    QCOMPARE(request.header("User-Agent"), QByteArray("mediaforge/" MEDIAFORGE_VERSION));
    QCOMPARE(request.header("Accept-Encoding"), "identity");
    QCOMPARE(request.header("Host"), server.authority().toLatin1());
    QVERIFY(!request.hasHeader("Authorization"));
}

void TestDownloader::allowPrivateReachesLoopback_data()
{
    QTest::addColumn<QString>("address");
    QTest::newRow("ipv4") << u"127.0.0.1"_s;
    QTest::newRow("ipv6") << u"::1"_s;
}

void TestDownloader::allowPrivateReachesLoopback()
{
    QFETCH(QString, address);
    TestHttpServer server;
    if (!server.listen(QHostAddress(address)))
        QSKIP("this loopback address is not available here");
    server.setRoute(u"/a"_s, TestHttpServer::Response::data("hello"));
    const Outcome outcome = run(server.url(u"/a"_s), allowPrivate());
    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(server.lastRequest().header("Host"), server.authority().toLatin1());
    QFile file(m_destination);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), "hello");
}

// --- failures --------------------------------------------------------------------------------

void TestDownloader::httpErrorStatus_data()
{
    QTest::addColumn<int>("status");
    for (int status : {400, 401, 403, 404, 410, 500, 502, 503, 300, 304})
        QTest::newRow(QByteArray::number(status).constData()) << status;
}

void TestDownloader::httpErrorStatus()
{
    QFETCH(int, status);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/x"_s, TestHttpServer::Response::statusPage(status, "an error page body"));
    const Outcome outcome = run(server.url(u"/x"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::DownloadFailed);
    QCOMPARE(outcome.error->details.toObject().value(u"status"_s).toInt(), status);
    QVERIFY(!QFile::exists(m_destination));
    QCOMPARE(outcome.received, 0);
}

void TestDownloader::contentLengthAboveLimitRefusedBeforeBody()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/big"_s, TestHttpServer::Response::file(m_bigFile));
    DownloadLimits limits = testLimits();
    limits.maxBytes = 1024 * 1024;
    const Outcome outcome = run(server.url(u"/big"_s), loopbackException(), limits);
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::TooLarge);
    QCOMPARE(detail(outcome.error, u"max_bytes"_s), QString::number(limits.maxBytes));
    QCOMPARE(detail(outcome.error, u"content_length"_s), QString::number(m_bigSize));
    QCOMPARE(outcome.received, 0);
    QVERIFY(outcome.progress.isEmpty());
    QVERIFY(!QFile::exists(m_destination));
}

void TestDownloader::bodyBeyondLimitWithoutLength_data()
{
    QTest::addColumn<Framing>("framing");
    QTest::newRow("chunked") << Framing::Chunked;
    QTest::newRow("close-delimited") << Framing::CloseDelimited;
}

void TestDownloader::bodyBeyondLimitWithoutLength()
{
    QFETCH(Framing, framing);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/big"_s, TestHttpServer::Response::file(m_bigFile).withFraming(framing));
    DownloadLimits limits = testLimits();
    limits.maxBytes = 256 * 1024;
    const Outcome outcome = run(server.url(u"/big"_s), loopbackException(), limits);
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::TooLarge);
    QCOMPARE(detail(outcome.error, u"max_bytes"_s), QString::number(limits.maxBytes));
    QVERIFY(outcome.received <= limits.maxBytes);
    QVERIFY(!QFile::exists(m_destination));
}

void TestDownloader::sizeLimitBoundary_data()
{
    QTest::addColumn<Framing>("framing");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("allowed");
    const qint64 limit = 100000;
    QTest::newRow("length: at limit") << Framing::ContentLength << limit << true;
    QTest::newRow("length: one over") << Framing::ContentLength << limit + 1 << false;
    QTest::newRow("chunked: at limit") << Framing::Chunked << limit << true;
    QTest::newRow("chunked: one over") << Framing::Chunked << limit + 1 << false;
    QTest::newRow("close: at limit") << Framing::CloseDelimited << limit << true;
    QTest::newRow("close: one over") << Framing::CloseDelimited << limit + 1 << false;
}

void TestDownloader::sizeLimitBoundary()
{
    QFETCH(Framing, framing);
    QFETCH(qint64, size);
    QFETCH(bool, allowed);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/b"_s, TestHttpServer::Response::data(QByteArray(size, 'x')).withFraming(framing));
    DownloadLimits limits = testLimits();
    limits.maxBytes = 100000;
    const Outcome outcome = run(server.url(u"/b"_s), loopbackException(), limits);
    QVERIFY(outcome.finished);
    if (allowed) {
        QVERIFY(!outcome.error);
        QCOMPARE(QFileInfo(m_destination).size(), size);
    } else {
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code, ErrorCode::TooLarge);
        QVERIFY(!QFile::exists(m_destination));
    }
}

void TestDownloader::lyingContentLength_data()
{
    QTest::addColumn<qint64>("declared");
    QTest::addColumn<qint64>("sent");
    QTest::addColumn<qint64>("stored");   // -1: the download fails
    QTest::newRow("fewer bytes than declared") << qint64(50000) << qint64(20000) << qint64(-1);
    // HTTP framing ends the body at the declared length; the rest is not part of the response.
    QTest::newRow("more bytes than declared") << qint64(1000) << qint64(500000) << qint64(1000);
}

void TestDownloader::lyingContentLength()
{
    QFETCH(qint64, declared);
    QFETCH(qint64, sent);
    QFETCH(qint64, stored);
    TestHttpServer server;
    QVERIFY(server.listen());
    QByteArray body(sent, Qt::Uninitialized);
    for (qint64 i = 0; i < sent; ++i)
        body[i] = char('a' + i % 26);
    server.setRoute(u"/lie"_s, TestHttpServer::Response::data(body).withDeclaredLength(declared));
    const Outcome outcome = run(server.url(u"/lie"_s), loopbackException());
    QVERIFY(outcome.finished);
    if (stored < 0) {
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code, ErrorCode::DownloadFailed);
        QVERIFY(!detail(outcome.error, u"network_error"_s).isEmpty());
        QVERIFY(!QFile::exists(m_destination));
        return;
    }
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QFile file(m_destination);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), body.left(stored));
}

void TestDownloader::contentEncodingIsNotDecoded()
{
    // We ask for identity; a server that compresses anyway gets its bytes stored as sent, so
    // the size limit always counts what is written to disk.
    TestHttpServer server;
    QVERIFY(server.listen());
    const QByteArray body("these bytes are not gzip at all");
    server.setRoute(u"/z"_s, TestHttpServer::Response::data(body).withHeader("Content-Encoding", "gzip"));
    const Outcome outcome = run(server.url(u"/z"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QFile file(m_destination);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), body);
}

// --- redirects -------------------------------------------------------------------------------

void TestDownloader::redirectChainWithinLimit_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("absolute");
    for (int status : {301, 302, 303, 307, 308}) {
        QTest::addRow("%d relative", status) << status << false;
        QTest::addRow("%d absolute", status) << status << true;
    }
}

void TestDownloader::redirectChainWithinLimit()
{
    QFETCH(int, status);
    QFETCH(bool, absolute);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/media/clip.mp4"_s, TestHttpServer::Response::data("final bytes"));
    const QByteArray target = absolute ? server.url(u"/media/clip.mp4"_s).toEncoded()
                                       : QByteArray("/media/clip.mp4");
    const QString first = server.addRedirectChain(u"/hop"_s, 3, target, status);
    const Outcome outcome = run(server.url(first), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(outcome.finalUrl, server.url(u"/media/clip.mp4"_s));
    QCOMPARE(outcome.suggestedName, u"clip.mp4"_s);
    for (const QString &path : {u"/hop/1"_s, u"/hop/2"_s, u"/hop/3"_s, u"/media/clip.mp4"_s})
        QCOMPARE(server.requestCount(path), 1);
    QFile file(m_destination);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), "final bytes");
}

void TestDownloader::redirectRelativeToCurrentPath()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/a/b/start"_s, TestHttpServer::Response::redirect(302, "../c/clip.mkv?x=1"));
    server.setRoute(u"/a/c/clip.mkv"_s, TestHttpServer::Response::data("mkv"));
    const Outcome outcome = run(server.url(u"/a/b/start"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(!outcome.error);
    QCOMPARE(server.lastRequest().target, "/a/c/clip.mkv?x=1");
    QCOMPARE(outcome.suggestedName, u"clip.mkv"_s);
}

void TestDownloader::redirectCountLimit_data()
{
    QTest::addColumn<int>("hops");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("exactly maxRedirects") << 5 << true;
    QTest::newRow("one more than maxRedirects") << 6 << false;
}

void TestDownloader::redirectCountLimit()
{
    QFETCH(int, hops);
    QFETCH(bool, allowed);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/end"_s, TestHttpServer::Response::data("end"));
    const QString first = server.addRedirectChain(u"/r"_s, hops, "/end");
    const Outcome outcome = run(server.url(first), loopbackException());
    QVERIFY(outcome.finished);
    if (allowed) {
        QVERIFY(!outcome.error);
        QCOMPARE(server.requestCount(u"/end"_s), 1);
        return;
    }
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::DownloadFailed);
    QCOMPARE(detail(outcome.error, u"reason"_s), u"too_many_redirects"_s);
    QCOMPARE(detail(outcome.error, u"max_redirects"_s), u"5"_s);
    QCOMPARE(server.requestCount(u"/end"_s), 0);
    QVERIFY(!QFile::exists(m_destination));
}

void TestDownloader::redirectLoopFails()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/loop"_s, TestHttpServer::Response::redirect(302, "/loop"));
    const Outcome outcome = run(server.url(u"/loop"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::DownloadFailed);
    QCOMPARE(detail(outcome.error, u"reason"_s), u"too_many_redirects"_s);
    QCOMPARE(server.requestCount(u"/loop"_s), testLimits().maxRedirects + 1);
}

void TestDownloader::redirectToNonHttpScheme_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::newRow("file") << QByteArray("file:///etc/passwd");
    QTest::newRow("ftp") << QByteArray("ftp://127.0.0.1/clip.mp4");
    QTest::newRow("gopher") << QByteArray("gopher://127.0.0.1:11211/_stats");
    QTest::newRow("data") << QByteArray("data:text/plain,hello");
    QTest::newRow("javascript") << QByteArray("javascript:alert(1)");
}

void TestDownloader::redirectToNonHttpScheme()
{
    QFETCH(QByteArray, location);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/go"_s, TestHttpServer::Response::redirect(302, location));
    const Outcome outcome = run(server.url(u"/go"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(detail(outcome.error, u"reason"_s), u"scheme"_s);
    QCOMPARE(m_network->requested.size(), 1);
    QVERIFY(!QFile::exists(m_destination));
}

void TestDownloader::redirectToPrivateNameRefusedBeforeConnecting()
{
    // media.test is (fake-)resolved to loopback, which the policy allows as an exception; the
    // redirect target internal.test (fake-)resolves to 10.0.0.1, which nothing allows. The
    // refusal must come from the check, before any connection: no request is created for it.
    TestHttpServer server;
    QVERIFY(server.listen());
    m_resolver->answers.insert(u"media.test"_s, {QHostAddress(u"127.0.0.1"_s)});
    m_resolver->answers.insert(u"internal.test"_s, {QHostAddress(u"10.0.0.1"_s)});
    const QByteArray internal = server.urlWithHost(u"internal.test"_s, u"/secret"_s).toEncoded();
    server.setRoute(u"/start"_s, TestHttpServer::Response::redirect(302, internal));
    server.setRoute(u"/secret"_s, TestHttpServer::Response::data("secret"));

    const Outcome outcome = run(server.urlWithHost(u"media.test"_s, u"/start"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(detail(outcome.error, u"category"_s), u"private"_s);
    QCOMPARE(m_resolver->lookups, (QStringList{u"media.test"_s, u"internal.test"_s}));
    QCOMPARE(m_network->requested.size(), 1);   // the first hop only
    QCOMPARE(m_network->requested.first().host(), u"127.0.0.1"_s);
    QCOMPARE(server.requestCount(u"/start"_s), 1);
    QCOMPARE(server.requestCount(u"/secret"_s), 0);
    QCOMPARE(server.lastRequest(u"/start"_s).header("Host"),
             "media.test:" + QByteArray::number(server.port()));
}

void TestDownloader::redirectToLoopbackWhenOnlyPublicAllowed_data()
{
    QTest::addColumn<QString>("location");   // %1: the port of the loopback target
    QTest::newRow("127.0.0.1") << u"http://127.0.0.1:%1/file"_s;
    QTest::newRow("decimal") << u"http://2130706433:%1/file"_s;
    QTest::newRow("hex dotted") << u"http://0x7f.1:%1/file"_s;
    QTest::newRow("short") << u"http://127.1:%1/file"_s;
    QTest::newRow("trailing dot") << u"http://127.0.0.1.:%1/file"_s;
    QTest::newRow("mapped") << u"http://[::ffff:127.0.0.1]:%1/file"_s;
    QTest::newRow("name") << u"http://loopback.test:%1/file"_s;
}

void TestDownloader::redirectToLoopbackWhenOnlyPublicAllowed()
{
    // The first server is the "public" one: on 127.0.0.2, the only address the policy excepts.
    // The redirect goes to another loopback address, which nothing allows.
    QFETCH(QString, location);
    TestHttpServer target;
    QVERIFY(target.listen());
    target.setRoute(u"/file"_s, TestHttpServer::Response::data("internal"));
    TestHttpServer origin;
    QVERIFY(origin.listen(QHostAddress(u"127.0.0.2"_s)));
    origin.setRoute(u"/start"_s,
                    TestHttpServer::Response::redirect(302, location.arg(target.port()).toUtf8()));
    m_resolver->answers.insert(u"loopback.test"_s, {QHostAddress(u"127.0.0.1"_s)});
    UrlPolicy policy;
    policy.allowedSubnets.append({QHostAddress(u"127.0.0.2"_s), 32});

    const Outcome outcome = run(origin.url(u"/start"_s), policy);
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(detail(outcome.error, u"category"_s), u"loopback"_s);
    QCOMPARE(origin.requestCount(u"/start"_s), 1);
    QCOMPARE(target.requestCount(), 0);
    QCOMPARE(target.connectionCount(), 0);
    QCOMPARE(m_network->requested.size(), 1);
}

void TestDownloader::loopbackRefusedWithoutException_data()
{
    QTest::addColumn<QString>("url");   // %1: the server's port
    QTest::addColumn<bool>("allowPrivate");
    QTest::addColumn<QString>("category");
    QTest::newRow("127.0.0.1") << u"http://127.0.0.1:%1/file"_s << false << u"loopback"_s;
    QTest::newRow("decimal") << u"http://2130706433:%1/file"_s << false << u"loopback"_s;
    QTest::newRow("hex") << u"http://0x7f000001:%1/file"_s << false << u"loopback"_s;
    QTest::newRow("hex dotted") << u"http://0x7f.1:%1/file"_s << false << u"loopback"_s;
    QTest::newRow("short") << u"http://127.1:%1/file"_s << false << u"loopback"_s;
    QTest::newRow("mapped") << u"http://[::ffff:127.0.0.1]:%1/file"_s << false << u"loopback"_s;
    QTest::newRow("::1") << u"http://[::1]:%1/file"_s << false << u"loopback"_s;
    QTest::newRow("0.0.0.0") << u"http://0.0.0.0:%1/file"_s << false << u"unspecified"_s;
    QTest::newRow("0.0.0.0 with allowPrivate") << u"http://0.0.0.0:%1/file"_s << true << u"unspecified"_s;
    QTest::newRow("0 with allowPrivate") << u"http://0:%1/file"_s << true << u"unspecified"_s;
}

void TestDownloader::loopbackRefusedWithoutException()
{
    QFETCH(QString, url);
    QFETCH(bool, allowPrivate);
    QFETCH(QString, category);
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/file"_s, TestHttpServer::Response::data("x"));
    UrlPolicy policy;
    policy.allowPrivate = allowPrivate;
    const Outcome outcome = run(QUrl(url.arg(server.port())), policy);
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(detail(outcome.error, u"category"_s), category);
    QCOMPARE(server.requestCount(), 0);
    QCOMPARE(server.connectionCount(), 0);
    QVERIFY(m_network->requested.isEmpty());
    QVERIFY(m_resolver->lookups.isEmpty());
}

// --- time limits and cancel ------------------------------------------------------------------

void TestDownloader::stallTimesOut_data()
{
    QTest::addColumn<bool>("afterHeaders");
    QTest::newRow("after some bytes") << true;
    QTest::newRow("before the headers") << false;
}

void TestDownloader::stallTimesOut()
{
    QFETCH(bool, afterHeaders);
    TestHttpServer server;
    QVERIFY(server.listen());
    TestHttpServer::Response response = TestHttpServer::Response::file(m_bigFile);
    if (afterHeaders)
        response.stallingAfter(1000);
    else
        response.neverResponding();
    server.setRoute(u"/stall"_s, response);
    DownloadLimits limits = testLimits();
    limits.stallTimeout = 300ms;
    const Outcome outcome = run(server.url(u"/stall"_s), loopbackException(), limits);
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::Timeout);
    QCOMPARE(detail(outcome.error, u"reason"_s), u"stalled"_s);
    QCOMPARE(outcome.received, afterHeaders ? 1000 : 0);
    QVERIFY2(outcome.elapsedMs < 3000, qPrintable(QString::number(outcome.elapsedMs)));
    QVERIFY(!QFile::exists(m_destination));
}

void TestDownloader::totalTimeLimit()
{
    // Bytes keep coming (no stall), but too slowly to finish in time.
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/slow"_s, TestHttpServer::Response::file(m_bigFile).drippingAt(64 * 1024));
    DownloadLimits limits = testLimits();
    limits.stallTimeout = 5s;
    limits.totalTimeout = 600ms;
    const Outcome outcome = run(server.url(u"/slow"_s), loopbackException(), limits);
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::Timeout);
    QCOMPARE(detail(outcome.error, u"reason"_s), u"time_limit"_s);
    QVERIFY(outcome.received > 0);
    QVERIFY(outcome.elapsedMs < 3000);
    QVERIFY(!QFile::exists(m_destination));
}

void TestDownloader::cancelMidTransferRemovesFileAndEmitsNothing()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/slow"_s, TestHttpServer::Response::file(m_bigFile).drippingAt(256 * 1024));
    Downloader downloader(*m_network, *m_resolver, loopbackException(), testLimits());
    QSignalSpy finished(&downloader, &Downloader::finished);
    QSignalSpy progress(&downloader, &Downloader::progress);
    downloader.start(server.url(u"/slow"_s), m_destination);
    QVERIFY(progress.wait(5000));
    QVERIFY(QFile::exists(m_destination));
    downloader.cancel();
    QVERIFY(!QFile::exists(m_destination));
    const qsizetype progressAtCancel = progress.size();
    QTest::qWait(400);
    QCOMPARE(finished.size(), 0);
    QCOMPARE(progress.size(), progressAtCancel);
    QVERIFY(!QFile::exists(m_destination));
    QVERIFY(downloader.error());
    QCOMPARE(downloader.error()->code, ErrorCode::JobCancelled);
}

void TestDownloader::cancelDuringLookupSendsNothing()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/a"_s, TestHttpServer::Response::data("a"));
    m_resolver->answers.insert(u"media.test"_s, {QHostAddress(u"127.0.0.1"_s)});
    Downloader downloader(*m_network, *m_resolver, loopbackException(), testLimits());
    QSignalSpy finished(&downloader, &Downloader::finished);
    downloader.start(server.urlWithHost(u"media.test"_s, u"/a"_s), m_destination);
    downloader.cancel();   // the (asynchronous) answer is still on its way
    QTest::qWait(200);
    QCOMPARE(m_resolver->lookups, QStringList{u"media.test"_s});
    QCOMPARE(finished.size(), 0);
    QVERIFY(m_network->requested.isEmpty());
    QCOMPARE(server.requestCount(), 0);
}

void TestDownloader::cancelBeforeStartMakesStartANoOp()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/a"_s, TestHttpServer::Response::data("a"));
    Downloader downloader(*m_network, *m_resolver, loopbackException(), testLimits());
    QSignalSpy finished(&downloader, &Downloader::finished);
    downloader.cancel();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"start after start or cancel"_s));
    downloader.start(server.url(u"/a"_s), m_destination);
    QTest::qWait(100);
    QCOMPARE(finished.size(), 0);
    QVERIFY(m_network->requested.isEmpty());
    QVERIFY(!QFile::exists(m_destination));
}

void TestDownloader::dnsFailureIsDownloadFailed()
{
    const Outcome outcome = run(QUrl(u"http://nowhere.test/clip.mp4"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::DownloadFailed);
    QVERIFY(!detail(outcome.error, u"network_error"_s).isEmpty());
    QCOMPARE(m_resolver->lookups, QStringList{u"nowhere.test"_s});
    QVERIFY(m_network->requested.isEmpty());
}

void TestDownloader::connectionRefusedIsDownloadFailed()
{
    quint16 port = 0;
    {
        TestHttpServer server;
        QVERIFY(server.listen());
        port = server.port();
    }   // closed: nothing listens on the port now
    const Outcome outcome = run(QUrl(u"http://127.0.0.1:%1/x"_s.arg(port)), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::DownloadFailed);
    QCOMPARE(detail(outcome.error, u"network_error_code"_s), u"ConnectionRefusedError"_s);
    QVERIFY(!detail(outcome.error, u"network_error"_s).isEmpty());
}

// --- pinning and request hygiene -------------------------------------------------------------

void TestDownloader::pinnedToCheckedAddress_data()
{
    QTest::addColumn<bool>("synchronousResolver");
    QTest::newRow("asynchronous answer") << false;
    QTest::newRow("synchronous answer") << true;
}

void TestDownloader::pinnedToCheckedAddress()
{
    // There is no DNS for pinned.test: the download can only work if the request goes to the
    // address the fake resolver gave (and was checked), with the name only in the Host header.
    QFETCH(bool, synchronousResolver);
    m_resolver->synchronous = synchronousResolver;
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/media/clip.mp4"_s, TestHttpServer::Response::file(m_bigFile));
    m_resolver->answers.insert(u"pinned.test"_s, {QHostAddress(u"127.0.0.1"_s)});

    const Outcome outcome = run(server.urlWithHost(u"pinned.test"_s, u"/media/clip.mp4"_s),
                                loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(sha256Of(m_destination), m_bigSha);
    QCOMPARE(m_resolver->lookups, QStringList{u"pinned.test"_s});
    QCOMPARE(server.lastRequest().header("Host"), "pinned.test:" + QByteArray::number(server.port()));
    QCOMPARE(m_network->requested, QList<QUrl>{server.url(u"/media/clip.mp4"_s)});
    QCOMPARE(outcome.finalUrl.host(), u"pinned.test"_s);
}

void TestDownloader::userInfoGoesOnlyToItsOriginAndIsNeverLogged()
{
    TestHttpServer other;
    QVERIFY(other.listen());
    other.setRoute(u"/clip.mp4"_s, TestHttpServer::Response::data("clip"));
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/start"_s,
                    TestHttpServer::Response::redirect(302, other.url(u"/clip.mp4"_s).toEncoded()));

    QStringList log;
    g_capturedLog = &log;
    g_previousHandler = qInstallMessageHandler(captureMessage);
    QLoggingCategory::setFilterRules(u"mediaforge.*.debug=true"_s);
    QUrl url = server.url(u"/start?sig=topsecret"_s);
    url.setUserName(u"alice"_s);
    url.setPassword(u"s3cret pw"_s);
    const Outcome outcome = run(url, loopbackException());
    QLoggingCategory::setFilterRules(QString());
    qInstallMessageHandler(g_previousHandler);
    g_capturedLog = nullptr;

    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(server.lastRequest(u"/start"_s).header("Authorization"),
             "Basic " + QByteArray("alice:s3cret pw").toBase64());
    QVERIFY(!other.lastRequest(u"/clip.mp4"_s).hasHeader("Authorization"));
    QVERIFY(!log.isEmpty());
    for (const QString &line : std::as_const(log)) {
        QVERIFY2(!line.contains(u"s3cret"), qPrintable(line));
        QVERIFY2(!line.contains(u"alice"), qPrintable(line));
        QVERIFY2(!line.contains(u"topsecret"), qPrintable(line));
    }
}

void TestDownloader::cookiesAreNeitherStoredNorSent()
{
    // The manager is shared by all jobs: a cookie one server sets must not reach anyone.
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setRoute(u"/set"_s, TestHttpServer::Response::redirect(302, "/get")
                                       .withHeader("Set-Cookie", "session=abc; Path=/"));
    server.setRoute(u"/get"_s, TestHttpServer::Response::data("x")
                                       .withHeader("Set-Cookie", "other=def; Path=/"));
    QVERIFY(!run(server.url(u"/set"_s), loopbackException()).error);
    m_destination = nextDestination();
    QVERIFY(!run(server.url(u"/get"_s), loopbackException()).error);
    for (const TestHttpServer::Request &request : server.requests())
        QVERIFY2(!request.hasHeader("Cookie"), request.target.constData());
    QVERIFY(m_network->cookieJar()->cookiesForUrl(server.url(u"/get"_s)).isEmpty());
}

void TestDownloader::suggestedFileName_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("disposition");
    QTest::addColumn<QString>("expected");   // "<long>": bounded, extension kept

    QTest::newRow("url segment") << u"/media/clip.mp4"_s << QByteArray() << u"clip.mp4"_s;
    QTest::newRow("url segment encoded") << u"/media/My%20Clip.mp4"_s << QByteArray() << u"My Clip.mp4"_s;
    QTest::newRow("url directory") << u"/media/"_s << QByteArray() << u"download"_s;
    QTest::newRow("quoted") << u"/x"_s << QByteArray("attachment; filename=\"holiday.mov\"")
                            << u"holiday.mov"_s;
    QTest::newRow("token") << u"/x"_s << QByteArray("attachment; filename=plain.mkv") << u"plain.mkv"_s;
    QTest::newRow("extended wins") << u"/x"_s
                                   << QByteArray("attachment; filename=\"fallback.mp4\"; "
                                                 "filename*=UTF-8''%E4%B8%AD%E6%96%87.mp4")
                                   << u"中文.mp4"_s;
    QTest::newRow("path traversal") << u"/x"_s << QByteArray("attachment; filename=\"../../etc/passwd\"")
                                    << u"passwd"_s;
    QTest::newRow("windows path") << u"/x"_s
                                  << QByteArray("attachment; filename=\"..\\\\..\\\\boot.ini\"")
                                  << u"boot.ini"_s;
    QTest::newRow("bidi override") << u"/x"_s
                                   << QByteArray("attachment; filename*=UTF-8''evil%E2%80%AEvom.exe")
                                   << u"evilvom.exe"_s;
    QTest::newRow("control characters") << u"/x"_s
                                        << QByteArray("attachment; filename*=UTF-8''a%01b%0Ac%7F.mp4")
                                        << u"abc.mp4"_s;
    QTest::newRow("dots only") << u"/y.webm"_s << QByteArray("attachment; filename=\"..\"")
                               << u"y.webm"_s;
    QTest::newRow("too long") << u"/x"_s
                              << QByteArray("attachment; filename=\"" + QByteArray(300, 'n') + ".mp4\"")
                              << u"<long>"_s;
}

void TestDownloader::suggestedFileName()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, disposition);
    QFETCH(QString, expected);
    TestHttpServer server;
    QVERIFY(server.listen());
    TestHttpServer::Response response = TestHttpServer::Response::data("x");
    if (!disposition.isEmpty())
        response.withContentDisposition(disposition);
    server.setRoute(QUrl(path).path(QUrl::FullyEncoded), response);
    const Outcome outcome = run(server.url(path), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    if (expected == u"<long>") {
        QVERIFY(outcome.suggestedName.toUtf8().size() <= 200);
        QVERIFY(outcome.suggestedName.size() > 100);
        QVERIFY(outcome.suggestedName.endsWith(u".mp4"));
        return;
    }
    QCOMPARE(outcome.suggestedName, expected);
}

// --- https -----------------------------------------------------------------------------------

void TestDownloader::httpsVerifiesCertificateAgainstPinnedName()
{
    // The socket goes to 127.0.0.1, the certificate is for pinned.test only: success proves
    // that verification (and SNI) use the name given by setPeerVerifyName.
    // openssl is in ./dev's package list: a missing tool is a broken setup, not a reason to skip.
    QVERIFY2(m_tlsReady, "the openssl tool is needed to make a test certificate");
    TestHttpServer server;
    QVERIFY(server.listenTls(m_serverCertificate, m_serverKey));
    server.setRoute(u"/clip.mp4"_s, TestHttpServer::Response::data("over tls"));
    m_resolver->answers.insert(u"pinned.test"_s, {QHostAddress(u"127.0.0.1"_s)});
    const Outcome outcome = run(server.urlWithHost(u"pinned.test"_s, u"/clip.mp4"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY2(!outcome.error, qPrintable(outcome.error ? outcome.error->message : QString()));
    QCOMPARE(server.lastRequest().header("Host"), "pinned.test:" + QByteArray::number(server.port()));
    QCOMPARE(m_network->requested.first().host(), u"127.0.0.1"_s);
    QCOMPARE(m_network->requested.first().scheme(), u"https"_s);
}

void TestDownloader::httpsCertificateForAnotherNameFails()
{
    // openssl is in ./dev's package list: a missing tool is a broken setup, not a reason to skip.
    QVERIFY2(m_tlsReady, "the openssl tool is needed to make a test certificate");
    TestHttpServer server;
    QVERIFY(server.listenTls(m_serverCertificate, m_serverKey));
    server.setRoute(u"/clip.mp4"_s, TestHttpServer::Response::data("over tls"));
    m_resolver->answers.insert(u"other.test"_s, {QHostAddress(u"127.0.0.1"_s)});
    const Outcome outcome = run(server.urlWithHost(u"other.test"_s, u"/clip.mp4"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::DownloadFailed);
    QCOMPARE(detail(outcome.error, u"network_error_code"_s), u"SslHandshakeFailedError"_s);
    QCOMPARE(server.requestCount(), 0);
}

void TestDownloader::httpsToHttpDowngradeRefused()
{
    // openssl is in ./dev's package list: a missing tool is a broken setup, not a reason to skip.
    QVERIFY2(m_tlsReady, "the openssl tool is needed to make a test certificate");
    TestHttpServer plain;
    QVERIFY(plain.listen());
    plain.setRoute(u"/clip.mp4"_s, TestHttpServer::Response::data("plain"));
    TestHttpServer server;
    QVERIFY(server.listenTls(m_serverCertificate, m_serverKey));
    server.setRoute(u"/start"_s,
                    TestHttpServer::Response::redirect(302, plain.url(u"/clip.mp4"_s).toEncoded()));
    m_resolver->answers.insert(u"pinned.test"_s, {QHostAddress(u"127.0.0.1"_s)});
    const Outcome outcome = run(server.urlWithHost(u"pinned.test"_s, u"/start"_s), loopbackException());
    QVERIFY(outcome.finished);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code, ErrorCode::UrlNotAllowed);
    QCOMPARE(detail(outcome.error, u"reason"_s), u"https_downgrade"_s);
    QCOMPARE(server.requestCount(u"/start"_s), 1);
    QCOMPARE(plain.requestCount(), 0);
}

QTEST_GUILESS_MAIN(TestDownloader)
#include "tst_downloader.moc"
