// SPDX-License-Identifier: GPL-3.0-or-later
// --storage and its credentials: what is accepted, what is refused with which message, and
// where the credentials come from.
#include "config/config.h"
#include "storage/storagespec.h"

#include <QTemporaryFile>
#include <QTest>

using namespace Mediaforge;

class TestStorageConfig : public QObject
{
    Q_OBJECT

private slots:
    void parseAcceptsEndpointRegionAndStyle();
    void parseRefuses_data();
    void parseRefuses();
    void objectUrlEncodesTheKeyOnceInBothStyles();
    void repeatedFlagsGiveSeveralStoragesAndDuplicatesAreRefused();
    void credentialsComeFromTheStorageVariablesThenTheFileThenAws();
    void missingCredentialsStopTheStart();
    void objectKeysAreChecked();
};

void TestStorageConfig::parseAcceptsEndpointRegionAndStyle()
{
    auto parsed = StorageSpec::parse(QStringLiteral("media=s3://media-bucket?endpoint=http://127.0.0.1:9000&region=eu-west-1&style=path"));
    QVERIFY(std::holds_alternative<StorageSpec>(parsed));
    const StorageSpec spec = std::get<StorageSpec>(parsed);
    QCOMPARE(spec.name, QStringLiteral("media"));
    QCOMPARE(spec.bucket, QStringLiteral("media-bucket"));
    QCOMPARE(spec.endpoint, QUrl(QStringLiteral("http://127.0.0.1:9000")));
    QCOMPARE(spec.region, QByteArray("eu-west-1"));
    QVERIFY(spec.pathStyle);

    parsed = StorageSpec::parse(QStringLiteral("aws=s3://my.bucket"));
    QVERIFY(std::holds_alternative<StorageSpec>(parsed));
    const StorageSpec aws = std::get<StorageSpec>(parsed);
    QCOMPARE(aws.endpoint, QUrl(QStringLiteral("https://s3.us-east-1.amazonaws.com")));
    QVERIFY(aws.pathStyle);   // a dotted bucket would not match the certificate as a host name
    parsed = StorageSpec::parse(QStringLiteral("aws=s3://mybucket?region=eu-central-1"));
    QVERIFY(std::holds_alternative<StorageSpec>(parsed));
    QVERIFY(!std::get<StorageSpec>(parsed).pathStyle);
    QCOMPARE(std::get<StorageSpec>(parsed).endpoint, QUrl(QStringLiteral("https://s3.eu-central-1.amazonaws.com")));
}

void TestStorageConfig::parseRefuses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("no name") << QStringLiteral("s3://bucket") << QStringLiteral("NAME=s3://BUCKET");
    QTest::newRow("upper-case name") << QStringLiteral("Media=s3://bucket") << QStringLiteral("storage name");
    QTest::newRow("other scheme") << QStringLiteral("m=https://bucket") << QStringLiteral("NAME=s3://BUCKET");
    QTest::newRow("credentials in url") << QStringLiteral("m=s3://key:secret@bucket") << QStringLiteral("credentials go in");
    QTest::newRow("bad bucket") << QStringLiteral("m=s3://B_") << QStringLiteral("bucket name");
    QTest::newRow("unknown parameter") << QStringLiteral("m=s3://bucket?secret=x") << QStringLiteral("not 'secret'");
    QTest::newRow("endpoint scheme") << QStringLiteral("m=s3://bucket?endpoint=ftp://host") << QStringLiteral("endpoint of the form");
    QTest::newRow("endpoint path") << QStringLiteral("m=s3://bucket?endpoint=http://host/base") << QStringLiteral("endpoint of the form");
    QTest::newRow("style") << QStringLiteral("m=s3://bucket?style=dns") << QStringLiteral("style=path or style=virtual");
    QTest::newRow("region") << QStringLiteral("m=s3://bucket?region=us%20east") << QStringLiteral("region such as");
    QTest::newRow("dotted virtual over https") << QStringLiteral("m=s3://a.b.c?endpoint=https://s3.example&style=virtual")
                                               << QStringLiteral("style=path for a bucket with dots");
}

void TestStorageConfig::parseRefuses()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    const auto parsed = StorageSpec::parse(text);
    QVERIFY(std::holds_alternative<QString>(parsed));
    QVERIFY2(std::get<QString>(parsed).contains(message), qPrintable(std::get<QString>(parsed)));
}

void TestStorageConfig::objectUrlEncodesTheKeyOnceInBothStyles()
{
    StorageSpec spec = std::get<StorageSpec>(StorageSpec::parse(QStringLiteral("m=s3://bucket?endpoint=http://127.0.0.1:9000")));
    QCOMPARE(spec.objectUrl(QStringLiteral("a b/ü%.mp4")).toString(QUrl::FullyEncoded),
             QStringLiteral("http://127.0.0.1:9000/bucket/a%20b/%C3%BC%25.mp4"));
    spec.pathStyle = false;
    QCOMPARE(spec.objectUrl(QStringLiteral("a b")).toString(QUrl::FullyEncoded), QStringLiteral("http://bucket.127.0.0.1:9000/a%20b"));
    QCOMPARE(spec.displayUrl(QStringLiteral("x/y.jpg")), QStringLiteral("s3://bucket/x/y.jpg"));
}

void TestStorageConfig::repeatedFlagsGiveSeveralStoragesAndDuplicatesAreRefused()
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKID"));
    environment.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("secret"));
    const ConfigOutcome two = ConfigLoader::load(
            {QStringLiteral("mediaforged"), QStringLiteral("--storage"), QStringLiteral("media=s3://one?endpoint=http://127.0.0.1:1"),
             QStringLiteral("--storage"), QStringLiteral("archive=s3://two?endpoint=http://127.0.0.1:2")},
            environment);
    QVERIFY2(two.action == ConfigOutcome::Action::Run, qPrintable(two.error));
    QCOMPARE(two.config.storages.size(), 2);
    QCOMPARE(two.config.storages.at(1).name, QStringLiteral("archive"));
    QCOMPARE(two.config.storages.at(1).credentials.accessKeyId, QByteArray("AKID"));

    environment.insert(QStringLiteral("MEDIAFORGE_STORAGE"), QStringLiteral("a=s3://one a=s3://two"));
    const ConfigOutcome duplicate = ConfigLoader::load({QStringLiteral("mediaforged")}, environment);
    QCOMPARE(duplicate.action, ConfigOutcome::Action::Exit);
    QVERIFY2(duplicate.error.contains(QStringLiteral("a is given twice")), qPrintable(duplicate.error));
}

void TestStorageConfig::credentialsComeFromTheStorageVariablesThenTheFileThenAws()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    file.write("[archive]\naws_access_key_id = FILEKEY\naws_secret_access_key = file/secret+x\n\n[other]\naws_access_key_id=X\n");
    file.close();
    QList<StorageSpec> storages;
    for (const QString &name : {QStringLiteral("media"), QStringLiteral("archive"), QStringLiteral("cold-store")}) {
        StorageSpec spec;
        spec.name = name;
        storages.append(spec);
    }
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("MEDIAFORGE_STORAGE_MEDIA_ACCESS_KEY_ID"), QStringLiteral("ENVKEY"));
    environment.insert(QStringLiteral("MEDIAFORGE_STORAGE_MEDIA_SECRET_ACCESS_KEY"), QStringLiteral("env-secret"));
    environment.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AWSKEY"));
    environment.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("aws-secret"));
    environment.insert(QStringLiteral("AWS_SESSION_TOKEN"), QStringLiteral("token"));
    QCOMPARE(loadStorageCredentials(storages, file.fileName(), environment), std::nullopt);
    QCOMPARE(storages.at(0).credentials.accessKeyId, QByteArray("ENVKEY"));
    QCOMPARE(storages.at(0).credentials.secretAccessKey, QByteArray("env-secret"));
    QCOMPARE(storages.at(1).credentials.accessKeyId, QByteArray("FILEKEY"));
    QCOMPARE(storages.at(1).credentials.secretAccessKey, QByteArray("file/secret+x"));
    QCOMPARE(storages.at(2).credentials.accessKeyId, QByteArray("AWSKEY"));
    QCOMPARE(storages.at(2).credentials.sessionToken, QByteArray("token"));
    // Where they came from is shown; the values never are.
    QVERIFY(!storages.at(1).credentialsSource.contains(QStringLiteral("secret")));
}

void TestStorageConfig::missingCredentialsStopTheStart()
{
    const ConfigOutcome outcome = ConfigLoader::load(
            {QStringLiteral("mediaforged"), QStringLiteral("--storage"), QStringLiteral("cold-store=s3://bucket")}, {});
    QCOMPARE(outcome.action, ConfigOutcome::Action::Exit);
    QVERIFY2(outcome.error.contains(QStringLiteral("MEDIAFORGE_STORAGE_COLD_STORE_ACCESS_KEY_ID")), qPrintable(outcome.error));

    QProcessEnvironment environment;
    environment.insert(QStringLiteral("MEDIAFORGE_STORAGE_M_ACCESS_KEY_ID"), QStringLiteral("KEY"));
    const ConfigOutcome half = ConfigLoader::load(
            {QStringLiteral("mediaforged"), QStringLiteral("--storage"), QStringLiteral("m=s3://bucket")}, environment);
    QCOMPARE(half.action, ConfigOutcome::Action::Exit);
    QVERIFY2(half.error.contains(QStringLiteral("is empty")), qPrintable(half.error));
}

void TestStorageConfig::objectKeysAreChecked()
{
    QCOMPARE(checkObjectKey(QStringLiteral("tenant-a/in put/ü.mp4")), std::nullopt);
    QVERIFY(checkObjectKey(QString()).has_value());
    QVERIFY(checkObjectKey(QStringLiteral("/abs")).has_value());
    QVERIFY(checkObjectKey(QStringLiteral("a/../b")).has_value());
    QVERIFY(checkObjectKey(QStringLiteral("a\nb")).has_value());
    QVERIFY(checkObjectKey(QString(1025, u'x')).has_value());
}

QTEST_GUILESS_MAIN(TestStorageConfig)
#include "tst_storageconfig.moc"
