// SPDX-License-Identifier: GPL-3.0-or-later
#include "storagespec.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>
#include <QUrlQuery>

namespace Mediaforge {

namespace {

constexpr qsizetype kMaxKeyBytes = 1024;

bool isValidBucket(const QString &bucket)
{
    // S3's rules, which the other implementations follow: 3-63 characters, lower-case letters,
    // digits, dots and hyphens, starting and ending with a letter or digit.
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"));
    return pattern.match(bucket).hasMatch() && !bucket.contains(QLatin1StringView(".."));
}

} // namespace

bool StorageSpec::isValidName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z][a-z0-9-]{0,31}$"));
    return pattern.match(name).hasMatch();
}

QString StorageSpec::environmentPrefix(const QString &name)
{
    return QStringLiteral("MEDIAFORGE_STORAGE_") + name.toUpper().replace(u'-', u'_') + u'_';
}

QUrl StorageSpec::objectUrl(const QString &key) const
{
    QUrl url = endpoint;
    const QByteArray encodedKey = SigV4::uriEncodePath(key);
    QByteArray path;
    if (pathStyle) {
        path = '/' + bucket.toLatin1();
        if (!key.isEmpty())
            path += '/' + encodedKey;
    } else {
        url.setHost(bucket + u'.' + endpoint.host());
        path = '/' + encodedKey;
    }
    url.setPath(QString::fromLatin1(path), QUrl::StrictMode);
    return url;
}

QString StorageSpec::displayUrl(const QString &key) const
{
    return QStringLiteral("s3://") + bucket + u'/' + key;
}

std::variant<StorageSpec, QString> StorageSpec::parse(const QString &text)
{
    const QString expected = QStringLiteral(
            "NAME=s3://BUCKET?endpoint=http(s)://HOST[:PORT]&region=REGION&style=path|virtual");
    const qsizetype equals = text.indexOf(u'=');
    if (equals < 0)
        return expected;
    StorageSpec spec;
    spec.name = text.left(equals).trimmed();
    if (!isValidName(spec.name))
        return QStringLiteral("a storage name of 1-32 lower-case letters, digits and hyphens, starting with a letter, in ") + expected;
    const QUrl url(text.mid(equals + 1).trimmed(), QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1StringView("s3") || !url.path().isEmpty()
        || !url.userInfo().isEmpty() || url.port() != -1 || url.hasFragment())
        return expected + QStringLiteral(" (credentials go in the environment or --storage-credentials-file)");
    spec.bucket = url.host(QUrl::FullyDecoded);
    if (!isValidBucket(spec.bucket))
        return QStringLiteral("a bucket name of 3-63 lower-case letters, digits, dots and hyphens in ") + expected;
    const QUrlQuery query(url);
    const QStringList known{QStringLiteral("endpoint"), QStringLiteral("region"), QStringLiteral("style")};
    for (const auto &[key, value] : query.queryItems()) {
        if (!known.contains(key))
            return QStringLiteral("only endpoint, region and style after '?', not '%1', in ").arg(key) + expected;
    }
    const QString region = query.queryItemValue(QStringLiteral("region"), QUrl::FullyDecoded);
    if (!region.isEmpty()) {
        static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9-_]{1,64}$"));
        if (!pattern.match(region).hasMatch())
            return QStringLiteral("a region such as us-east-1 in ") + expected;
        spec.region = region.toLatin1();
    }
    const QString endpoint = query.queryItemValue(QStringLiteral("endpoint"), QUrl::FullyDecoded);
    if (endpoint.isEmpty()) {
        // Amazon S3 itself, virtual-host style as it prefers, unless the bucket's dots would
        // break the wildcard certificate.
        spec.endpoint = QUrl(QStringLiteral("https://s3.%1.amazonaws.com").arg(QString::fromLatin1(spec.region)));
        spec.pathStyle = spec.bucket.contains(u'.');
    } else {
        spec.endpoint = QUrl(endpoint, QUrl::StrictMode);
        if (!spec.endpoint.isValid() || (spec.endpoint.scheme() != QLatin1StringView("http")
                                         && spec.endpoint.scheme() != QLatin1StringView("https"))
            || spec.endpoint.host().isEmpty() || !spec.endpoint.userInfo().isEmpty()
            || (!spec.endpoint.path().isEmpty() && spec.endpoint.path() != QLatin1StringView("/"))
            || spec.endpoint.hasQuery() || spec.endpoint.hasFragment())
            return QStringLiteral("an endpoint of the form http(s)://HOST[:PORT] (URL-encoded) in ") + expected;
        spec.endpoint.setPath({});
    }
    const QString style = query.queryItemValue(QStringLiteral("style"));
    if (style == QLatin1StringView("virtual")) {
        spec.pathStyle = false;
    } else if (style == QLatin1StringView("path")) {
        spec.pathStyle = true;
    } else if (!style.isEmpty()) {
        return QStringLiteral("style=path or style=virtual in ") + expected;
    }
    if (!spec.pathStyle && spec.bucket.contains(u'.') && spec.endpoint.scheme() == QLatin1StringView("https"))
        return QStringLiteral("style=path for a bucket with dots over https (its name would not match the certificate)");
    return spec;
}

std::optional<QString> loadStorageCredentials(QList<StorageSpec> &storages, const QString &credentialsFile,
                                              const QProcessEnvironment &environment)
{
    std::optional<QSettings> file;
    if (!credentialsFile.isEmpty()) {
        if (!QFileInfo(credentialsFile).isReadable())
            return QStringLiteral("cannot read --storage-credentials-file %1").arg(credentialsFile);
        file.emplace(credentialsFile, QSettings::IniFormat);
        if (file->status() != QSettings::NoError)
            return QStringLiteral("--storage-credentials-file %1 is not an INI file like ~/.aws/credentials").arg(credentialsFile);
    }
    for (StorageSpec &spec : storages) {
        const QString prefix = StorageSpec::environmentPrefix(spec.name);
        SigV4::Credentials credentials;
        if (environment.contains(prefix + QStringLiteral("ACCESS_KEY_ID"))
            || environment.contains(prefix + QStringLiteral("SECRET_ACCESS_KEY"))) {
            credentials.accessKeyId = environment.value(prefix + QStringLiteral("ACCESS_KEY_ID")).trimmed().toUtf8();
            credentials.secretAccessKey = environment.value(prefix + QStringLiteral("SECRET_ACCESS_KEY")).trimmed().toUtf8();
            credentials.sessionToken = environment.value(prefix + QStringLiteral("SESSION_TOKEN")).trimmed().toUtf8();
            spec.credentialsSource = prefix + QStringLiteral("*");
        } else if (file && file->childGroups().contains(spec.name)) {
            file->beginGroup(spec.name);
            credentials.accessKeyId = file->value(QStringLiteral("aws_access_key_id")).toString().trimmed().toUtf8();
            credentials.secretAccessKey = file->value(QStringLiteral("aws_secret_access_key")).toString().trimmed().toUtf8();
            credentials.sessionToken = file->value(QStringLiteral("aws_session_token")).toString().trimmed().toUtf8();
            file->endGroup();
            spec.credentialsSource = QStringLiteral("[%1] of %2").arg(spec.name, credentialsFile);
        } else if (environment.contains(QStringLiteral("AWS_ACCESS_KEY_ID"))) {
            credentials.accessKeyId = environment.value(QStringLiteral("AWS_ACCESS_KEY_ID")).trimmed().toUtf8();
            credentials.secretAccessKey = environment.value(QStringLiteral("AWS_SECRET_ACCESS_KEY")).trimmed().toUtf8();
            credentials.sessionToken = environment.value(QStringLiteral("AWS_SESSION_TOKEN")).trimmed().toUtf8();
            spec.credentialsSource = QStringLiteral("AWS_*");
        } else {
            return QStringLiteral("storage %1 has no credentials: set %2ACCESS_KEY_ID and %2SECRET_ACCESS_KEY, a [%1] "
                                  "section in --storage-credentials-file, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
                    .arg(spec.name, prefix);
        }
        if (credentials.accessKeyId.isEmpty() || credentials.secretAccessKey.isEmpty())
            return QStringLiteral("storage %1: the access key id or the secret access key in %2 is empty")
                    .arg(spec.name, spec.credentialsSource);
        spec.credentials = credentials;
    }
    return std::nullopt;
}

std::optional<QString> checkObjectKey(const QString &key)
{
    const QByteArray utf8 = key.toUtf8();
    if (utf8.isEmpty() || utf8.size() > kMaxKeyBytes)
        return QStringLiteral("must be 1 to %1 bytes of UTF-8").arg(kMaxKeyBytes);
    if (key.startsWith(u'/'))
        return QStringLiteral("must not start with '/'");
    for (const QChar c : key) {
        if (c.category() == QChar::Other_Control || c.isNonCharacter())
            return QStringLiteral("must not contain control characters");
    }
    const QStringList segments = key.split(u'/');
    for (const QString &segment : segments) {
        if (segment == QLatin1StringView(".") || segment == QLatin1StringView(".."))
            return QStringLiteral("must not contain '.' or '..' segments");
    }
    return std::nullopt;
}

} // namespace Mediaforge
