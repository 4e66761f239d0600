// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QFile;

namespace Mediaforge::Cli {

// Something mediaforge itself refused or failed at (as opposed to the service's errors):
// a code for scripts (OUTPUT_EXISTS, CHECKSUM_MISMATCH, ...) and a sentence for people.
struct Failure
{
    QString code;
    QString message;
};

// Saves one output file atomically: the bytes go to a hidden temporary file in the target's
// folder, are checked (size and SHA-256) and only then renamed to the target, so a reader
// never sees half a file and an interrupted transfer leaves nothing behind.
class OutputWriter
{
    Q_DECLARE_TR_FUNCTIONS(OutputWriter)
public:
    OutputWriter();
    ~OutputWriter();
    OutputWriter(const OutputWriter &) = delete;
    OutputWriter &operator=(const OutputWriter &) = delete;

    // expectedSha256: lowercase hex; empty skips the check. overwrite: replace an existing
    // target (otherwise the rename refuses to, even if the file appeared meanwhile).
    std::optional<Failure> open(const QString &target, qint64 expectedSize, const QString &expectedSha256, bool overwrite);
    // Bytes must continue exactly where the last chunk ended.
    std::optional<Failure> write(qint64 offset, QByteArrayView data);
    // Checks size and SHA-256 and renames; on any failure the temporary file is removed.
    std::optional<Failure> commit();
    // Removes the temporary file (nothing happens to an already committed target).
    void abort();

    QString target() const { return m_target; }
    QString temporaryPath() const;
    qint64 written() const { return m_written; }
    bool isOpen() const { return bool(m_file); }
    bool isCommitted() const { return m_committed; }
    QString sha256() const { return m_sha256; }

private:
    std::unique_ptr<QFile> m_file;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    QString m_target;
    QString m_expectedSha256;
    QString m_sha256;
    qint64 m_expectedSize = -1;
    qint64 m_written = 0;
    bool m_overwrite = false;
    bool m_committed = false;
};

// Where the outputs of a job go: -o as a file (one output) or a folder (several, or an
// existing folder, or a path ending in '/'); by default the service's file names in the
// current folder, or for several outputs a folder named after the input.
struct OutputPlan
{
    QString directory;       // created when missing
    QStringList paths;       // one per output, in the service's order
    bool createdDirectory = false;   // removed again if the transfer fails and it stays empty
};

class OutputPlanner
{
    Q_DECLARE_TR_FUNCTIONS(OutputPlanner)
public:
    // serviceNames: the outputs' file names from `completed`; only their last path component
    // is used. inputName: the input's file name (for the default folder).
    static std::optional<Failure> plan(const QStringList &serviceNames, const QString &outputOption,
                                       const QString &inputName, const QString &operation, bool force, OutputPlan &plan);
    // A file name from the service made safe to use as one: no folders, no leading dots.
    static QString safeFileName(const QString &name, int index);
};

} // namespace Mediaforge::Cli
