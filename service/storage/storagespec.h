// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sigv4.h"

#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

#include <optional>
#include <variant>

namespace Mediaforge {

// One S3-compatible storage the operator named with --storage NAME=s3://BUCKET?endpoint=…
// (docs/storage.md). Clients refer to it by name only; the endpoint, bucket and credentials
// never come from them and never go back to them.
struct StorageSpec
{
    QString name;             // [a-z][a-z0-9-]{0,31}
    QString bucket;
    QUrl endpoint;            // scheme://host[:port], no path
    QByteArray region = "us-east-1";
    bool pathStyle = true;    // https://endpoint/bucket/key; else https://bucket.endpoint/key
    SigV4::Credentials credentials;
    QString credentialsSource;   // where they came from, for --check-config (never the values)

    // The object's URL, its key percent-encoded as SigV4 encodes it (so what is sent is what
    // is signed). An empty key: the bucket itself.
    QUrl objectUrl(const QString &key) const;
    // "s3://bucket/key", how outputs and inputs are shown.
    QString displayUrl(const QString &key) const;

    // Parses "NAME=s3://BUCKET?endpoint=URL&region=R&style=path|virtual". The text of an error
    // says what is expected.
    static std::variant<StorageSpec, QString> parse(const QString &text);
    static bool isValidName(const QString &name);
    // MEDIAFORGE_STORAGE_<NAME>_ prefix of its environment variables.
    static QString environmentPrefix(const QString &name);
};

// Fills each storage's credentials: MEDIAFORGE_STORAGE_<NAME>_ACCESS_KEY_ID and
// _SECRET_ACCESS_KEY (and _SESSION_TOKEN), else the credentials file's [NAME] section
// (aws_access_key_id, aws_secret_access_key, aws_session_token), else AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. An error text when a storage has none or the file
// cannot be read.
std::optional<QString> loadStorageCredentials(QList<StorageSpec> &storages, const QString &credentialsFile,
                                              const QProcessEnvironment &environment);

// Object keys: 1 to 1024 bytes of UTF-8, no control characters, not starting with '/', no
// "." or ".." segment (some servers normalise them, so the signed path would not be the one
// they check).
std::optional<QString> checkObjectKey(const QString &key);

} // namespace Mediaforge
