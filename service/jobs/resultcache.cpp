// SPDX-License-Identifier: GPL-3.0-or-later
#include "resultcache.h"

#include "jobrunner.h"
#include "logging/logging.h"
#include "sha256.h"
#include "media/commandbuilder.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>

#include <unistd.h>

#include <algorithm>

namespace Mediaforge {

namespace {

// An entry written by another layout is foreign: removed, never read as if it were ours.
const QString kFormat = QStringLiteral("mediaforge-result-cache-1");
const QString kRecord = QStringLiteral("entry.json");
const QString kTempPrefix = QStringLiteral(".tmp-");
// Entries larger than this record are not ours: a bound on what start-up reads.
constexpr qint64 kMaxRecordBytes = 1024 * 1024;

bool isKey(const QString &name)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    return hex.match(name).hasMatch();
}

// Output files keep the service-made name they had in the job directory ("output.mp4"):
// nothing else may appear in a record.
bool isFileName(const QString &name)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"));
    return plain.match(name).hasMatch() && name != kRecord;
}

QString sha256Of(const QString &path, qint64 *size)
{
    // A FIFO or a device put into the cache dir would block or never end the read.
    if (!QFileInfo(path).isFile())
        return QString();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QString();
    Sha256 hash;
    const qint64 total = hash.addFrom(file);
    if (total < 0)
        return QString();
    *size = total;
    return QString::fromLatin1(hash.result().toHex());
}

// A hard link shares the bytes (no copy, no extra space); across file systems, or where links
// are not allowed, a copy.
bool linkOrCopy(const QString &from, const QString &to)
{
    if (::link(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) == 0)
        return true;
    return QFile::copy(from, to);
}

std::optional<QJsonObject> readRecord(const QString &entryDir)
{
    QFile file(QDir(entryDir).filePath(kRecord));
    if (!file.open(QIODevice::ReadOnly) || file.size() > kMaxRecordBytes)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

} // namespace

ResultCache::ResultCache(CacheSettings settings) : m_settings(std::move(settings)) {}

std::optional<QString> ResultCache::initialize()
{
    m_enabled = false;
    if (m_settings.directory.isEmpty() || m_settings.maxBytes <= 0)
        return std::nullopt;
    if (m_settings.ffmpegVersion.isEmpty())
        return QStringLiteral("the ffmpeg version is unknown, so cached outputs could not be told apart by it");
    QDir root(m_settings.directory);
    if (!root.mkpath(QStringLiteral(".")))
        return QStringLiteral("cannot create the cache dir %1").arg(m_settings.directory);
    if (!QFileInfo(m_settings.directory).isWritable())
        return QStringLiteral("the cache dir %1 is not writable").arg(m_settings.directory);

    const QFileInfoList dirs = root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
    int dropped = 0;
    for (const QFileInfo &info : dirs) {
        const QString name = info.fileName();
        if (name.startsWith(kTempPrefix)) {
            // An entry a crash left half-built.
            QDir(info.filePath()).removeRecursively();
            continue;
        }
        if (!isKey(name))
            continue;   // not ours: left alone, never served
        const auto record = readRecord(info.filePath());
        bool sound = record && record->value(QStringLiteral("format")).toString() == kFormat
                && record->value(QStringLiteral("key")).toString() == name;
        qint64 bytes = 0;
        QSet<QString> listed{kRecord};
        const QJsonArray outputs = sound ? record->value(QStringLiteral("outputs")).toArray() : QJsonArray();
        sound = sound && !outputs.isEmpty();
        for (const QJsonValue &value : outputs) {
            const QJsonObject output = value.toObject();
            const QString file = output.value(QStringLiteral("file")).toString();
            const qint64 size = output.value(QStringLiteral("size_bytes")).toInteger(-1);
            const QFileInfo stored(QDir(info.filePath()).filePath(file));
            if (!isFileName(file) || !stored.isFile() || stored.size() != size) {
                sound = false;
                break;
            }
            listed.insert(file);
            bytes += size;
        }
        // Files the record does not name were not put there by the cache.
        if (sound && QDir(info.filePath()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).size() != listed.size())
            sound = false;
        if (!sound) {
            ++dropped;
            QDir(info.filePath()).removeRecursively();
            continue;
        }
        const QDateTime used = QFileInfo(QDir(info.filePath()).filePath(kRecord)).lastModified();
        m_entries.insert(name, Entry{bytes, used.toMSecsSinceEpoch(), ++m_generation});
        m_bytes += bytes;
    }
    m_enabled = true;
    evict(QString());
    qCInfo(lcJobs).noquote() << "result cache" << m_settings.directory << "holds" << m_entries.size() << "entries,"
                             << m_bytes << "bytes; removed" << dropped << "unusable ones";
    return std::nullopt;
}

QString ResultCache::key(const Job &job) const
{
    if (!m_enabled || !job.useCache || job.operation == Operation::Probe || job.inputs.isEmpty())
        return QString();
    QJsonArray digests;
    for (const JobInput &input : job.inputs) {
        if (input.sha256.size() != 64)
            return QString();
        digests.append(input.sha256);
    }
    // Without tokens every local client is one owner (the connection is no lasting name).
    const QString scope = m_settings.shared ? QStringLiteral("*")
            : job.tokenOwner                ? QStringLiteral("token:") + job.owner
                                            : QStringLiteral("local");
    // QJsonObject keeps its keys sorted, nested objects too: the compact form is canonical.
    const QJsonObject material{{QStringLiteral("format"), kFormat},
                               {QStringLiteral("scope"), scope},
                               {QStringLiteral("inputs"), digests},
                               {QStringLiteral("operation"), operationName(job.operation)},
                               {QStringLiteral("options"), job.options},
                               {QStringLiteral("ffmpeg"), m_settings.ffmpegVersion},
                               {QStringLiteral("command_builder"), kCommandBuilderVersion}};
    const QByteArray canonical = QJsonDocument(material).toJson(QJsonDocument::Compact);
    return QString::fromLatin1(QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex());
}

std::optional<CacheCheck> ResultCache::beginLookup(const QString &key, const Job &job)
{
    if (key.isEmpty())
        return std::nullopt;
    const auto entry = m_entries.constFind(key);
    if (entry == m_entries.cend()) {
        ++m_misses;
        return std::nullopt;
    }
    CacheCheck check;
    check.jobId = job.id;
    check.key = key;
    check.generation = entry->generation;
    check.entryDir = QDir(m_settings.directory).filePath(key);
    const auto record = readRecord(check.entryDir);   // at most kMaxRecordBytes
    check.outputs = record ? record->value(QStringLiteral("outputs")).toArray() : QJsonArray();
    check.jobDirectory = job.directory;
    check.inputName = job.inputs.constFirst().displayName;
    check.operation = job.operation;
    return check;
}

CacheCheckResult ResultCache::check(const CacheCheck &check)
{
    CacheCheckResult result;
    result.outcome = check.outputs.isEmpty() ? CacheCheckResult::Outcome::Changed : CacheCheckResult::Outcome::Hit;
    for (qsizetype i = 0; result.outcome == CacheCheckResult::Outcome::Hit && i < check.outputs.size(); ++i) {
        const QJsonObject output = check.outputs.at(i).toObject();
        const QString file = output.value(QStringLiteral("file")).toString();
        qint64 size = -1;
        // Read in full before it is served: a file changed since it was added is never sent.
        const QString digest = isFileName(file) ? sha256Of(QDir(check.entryDir).filePath(file), &size) : QString();
        if (digest.isEmpty() || digest != output.value(QStringLiteral("sha256")).toString()
            || size != output.value(QStringLiteral("size_bytes")).toInteger(-1)) {
            result.outcome = CacheCheckResult::Outcome::Changed;
            break;
        }
        JobOutput out;
        out.path = QDir(check.jobDirectory).filePath(file);
        out.fileName = JobRunner::downloadName(check.inputName, check.operation, out.path, int(i), int(check.outputs.size()));
        out.size = size;
        out.mime = output.value(QStringLiteral("mime")).toString();
        out.sha256 = digest;
        out.metadata = MediaInfo::fromOutputMetadata(output.value(QStringLiteral("metadata")).toObject());
        out.metadata.size = size;
        result.outputs.append(out);
        result.bytes += size;
    }
    if (result.outcome != CacheCheckResult::Outcome::Hit) {
        result.outputs.clear();
        return result;
    }
    for (qsizetype i = 0; i < result.outputs.size(); ++i) {
        const QString target = result.outputs.at(i).path;
        QFile::remove(target);
        // A job cancelled meanwhile has no directory any more: the link fails, nothing is left.
        if (!linkOrCopy(QDir(check.entryDir).filePath(QFileInfo(target).fileName()), target)) {
            for (qsizetype j = 0; j <= i; ++j)
                QFile::remove(result.outputs.at(j).path);
            result.outcome = CacheCheckResult::Outcome::Unusable;
            result.outputs.clear();
            return result;
        }
    }
    return result;
}

void ResultCache::finishLookup(const CacheCheck &check, const CacheCheckResult &result)
{
    const auto entry = m_entries.constFind(check.key);
    const bool same = entry != m_entries.cend() && entry->generation == check.generation;
    switch (result.outcome) {
    case CacheCheckResult::Outcome::Hit:
        break;
    case CacheCheckResult::Outcome::Changed:
        // An entry evicted while it was read looks changed too; only the one checked goes.
        if (same) {
            qCWarning(lcJobs).noquote() << "result cache entry" << check.key << "no longer matches its record; removed";
            remove(check.key);
        }
        ++m_misses;
        return;
    case CacheCheckResult::Outcome::Unusable:
        if (QFileInfo::exists(check.jobDirectory))   // else the job ended (cancelled) meanwhile
            qCWarning(lcJobs).noquote() << "cannot link a cached output into" << Logging::redactPaths(check.jobDirectory);
        ++m_misses;
        return;
    }
    ++m_hits;
    m_bytesSaved += result.bytes;
    if (!same)
        return;     // served from the files it held; its record went with it
    // The record's modification time is the last use, which survives a restart.
    QFile touched(QDir(check.entryDir).filePath(kRecord));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (touched.open(QIODevice::ReadWrite))
        touched.setFileTime(now, QFileDevice::FileModificationTime);
    m_entries[check.key].lastUsedMs = now.toMSecsSinceEpoch();
}

std::optional<CacheAddition> ResultCache::beginInsert(const QString &key, const Job &job)
{
    if (key.isEmpty() || job.outputs.isEmpty() || m_entries.contains(key) || m_adding.contains(key))
        return std::nullopt;
    CacheAddition addition;
    addition.key = key;
    addition.outputs = job.outputs;
    addition.operation = job.operation;
    for (const JobOutput &output : job.outputs) {
        if (!isFileName(QFileInfo(output.path).fileName()))
            return std::nullopt;
        addition.bytes += output.size;
    }
    if (addition.bytes > m_settings.maxBytes)
        return std::nullopt;
    addition.tempDir = QDir(m_settings.directory)
                               .filePath(kTempPrefix + QString::number(QRandomGenerator::global()->generate64(), 16));
    m_adding.insert(key);
    return addition;
}

bool ResultCache::build(const CacheAddition &addition)
{
    QJsonArray outputs;
    if (!QDir().mkpath(addition.tempDir))
        return false;
    for (const JobOutput &output : addition.outputs) {
        const QString file = QFileInfo(output.path).fileName();
        if (!linkOrCopy(output.path, QDir(addition.tempDir).filePath(file)))
            return false;
        outputs.append(QJsonObject{{QStringLiteral("file"), file},
                                   {QStringLiteral("size_bytes"), output.size},
                                   {QStringLiteral("sha256"), output.sha256},
                                   {QStringLiteral("mime"), output.mime},
                                   {QStringLiteral("metadata"), output.metadata.toOutputMetadata()}});
    }
    QSaveFile record(QDir(addition.tempDir).filePath(kRecord));
    const QJsonObject object{{QStringLiteral("format"), kFormat},
                             {QStringLiteral("key"), addition.key},
                             {QStringLiteral("operation"), operationName(addition.operation)},
                             {QStringLiteral("outputs"), outputs}};
    return record.open(QIODevice::WriteOnly) && record.write(QJsonDocument(object).toJson()) >= 0 && record.commit();
}

void ResultCache::finishInsert(const CacheAddition &addition, bool built)
{
    m_adding.remove(addition.key);
    QDir root(m_settings.directory);
    // The rename makes the entry appear whole or not at all.
    if (!built || m_entries.contains(addition.key) || !root.rename(QFileInfo(addition.tempDir).fileName(), addition.key)) {
        if (!built)
            qCWarning(lcJobs).noquote() << "cannot add to the result cache in" << m_settings.directory;
        QDir(addition.tempDir).removeRecursively();
        return;
    }
    m_entries.insert(addition.key, Entry{addition.bytes, QDateTime::currentMSecsSinceEpoch(), ++m_generation});
    m_bytes += addition.bytes;
    evict(addition.key);
}

void ResultCache::remove(const QString &key)
{
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return;
    m_bytes -= it->bytes;
    m_entries.erase(it);
    QDir(QDir(m_settings.directory).filePath(key)).removeRecursively();
}

void ResultCache::evict(const QString &keep)
{
    while (m_bytes > m_settings.maxBytes && !m_entries.isEmpty()) {
        // Linear in the entries: evictions are rare next to ffmpeg runs, and entries number
        // thousands at most for any sensible budget.
        QString oldest;
        qint64 oldestMs = 0;
        for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
            if (it.key() != keep && (oldest.isEmpty() || it->lastUsedMs < oldestMs)) {
                oldest = it.key();
                oldestMs = it->lastUsedMs;
            }
        }
        if (oldest.isEmpty())
            oldest = keep;
        qCDebug(lcJobs).noquote() << "result cache: evicting" << oldest;
        remove(oldest);
    }
}

CacheStats ResultCache::stats() const
{
    return CacheStats{m_hits, m_misses, m_bytesSaved, m_bytes, qint64(m_entries.size())};
}

} // namespace Mediaforge
