// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "job.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QString>

#include <optional>

namespace Mediaforge {

struct CacheSettings
{
    QString directory;         // empty: no cache
    qint64 maxBytes = 0;       // the cached outputs together; 0: no cache
    bool shared = false;       // one cache for every owner instead of one per owner name
    QString ffmpegVersion;     // part of the key; empty (ffmpeg not found): no cache
};

struct CacheStats
{
    qint64 hits = 0;
    qint64 misses = 0;
    qint64 bytesSaved = 0;     // output bytes served from the cache instead of made by ffmpeg
    qint64 bytes = 0;          // what the entries take now
    qint64 entries = 0;
};

// What checking one entry for a job needs, copied so that another thread can do it.
struct CacheCheck
{
    QString jobId;             // the service id of the job asking
    QString key;
    quint64 generation = 0;    // the entry checked: a newer entry under the same key is not it
    QString entryDir;
    QJsonArray outputs;        // the entry's record
    QString jobDirectory;
    QString inputName;         // the new job's, for the download names
    Operation operation = Operation::Probe;
};

struct CacheCheckResult
{
    enum class Outcome { Hit, Changed, Unusable };   // Unusable: the links could not be made
    Outcome outcome = Outcome::Unusable;
    QList<JobOutput> outputs;  // on a hit: linked into the job directory
    qint64 bytes = 0;
};

struct CacheAddition
{
    QString key;
    QString tempDir;
    QList<JobOutput> outputs;
    Operation operation = Operation::Probe;
    qint64 bytes = 0;
};

// Completed jobs' outputs, kept by what made them: the owner scope, the inputs' SHA-256, the
// operation, the normalised options, the ffmpeg version and kCommandBuilderVersion. A job
// that asks for the same again is answered with hard links to the kept files (copies where
// the file system has no hard links) and no ffmpeg runs.
//
// On disk, one directory per entry named by its key, holding the output files and an
// entry.json with their sizes and SHA-256; its modification time is the entry's last use
// (LRU across restarts). Nothing there is trusted: an entry whose record does not parse, names
// another key or lists a file of another size is removed at start-up, and a file whose SHA-256
// no longer matches is found out before it is served (the entry then goes, and the job runs).
// An entry is built in a temporary directory and renamed into place, so a crash leaves no half
// entry that could be served.
class ResultCache
{
public:
    explicit ResultCache(CacheSettings settings);

    bool enabled() const { return m_enabled; }
    // Creates the directory and reads the entries in it. A problem (unwritable directory)
    // disables the cache and is returned; the service runs on without it.
    std::optional<QString> initialize();

    // The key for `job` (hex SHA-256), or empty when the job cannot be cached: the cache is
    // off, the job opted out, is a probe, or an input's digest is unknown.
    QString key(const Job &job) const;
    // A lookup in three steps, so that reading and hashing what may be gigabytes of cached
    // files never blocks the event loop: begin (event loop; nullopt is a miss, counted), check
    // (any thread; touches nothing but the files named in the CacheCheck), finish (event loop;
    // counts the hit or miss, removes an entry found changed, records the use).
    std::optional<CacheCheck> beginLookup(const QString &key, const Job &job);
    static CacheCheckResult check(const CacheCheck &check);
    void finishLookup(const CacheCheck &check, const CacheCheckResult &result);

    // Adding a completed job's outputs (files still in the job directory) in the same three
    // steps: the links or copies are made off the event loop in a temporary directory, which
    // finishInsert renames into place before it evicts the least recently used entries until
    // the budget holds. nullopt: nothing to add (not cacheable, known, being added, or larger
    // than the whole budget).
    std::optional<CacheAddition> beginInsert(const QString &key, const Job &job);
    static bool build(const CacheAddition &addition);
    void finishInsert(const CacheAddition &addition, bool built);

    CacheStats stats() const;
    const QString &directory() const { return m_settings.directory; }

private:
    struct Entry
    {
        qint64 bytes = 0;
        qint64 lastUsedMs = 0;
        quint64 generation = 0;
    };

    void remove(const QString &key);
    void evict(const QString &keep);

    CacheSettings m_settings;
    bool m_enabled = false;
    QHash<QString, Entry> m_entries;
    QSet<QString> m_adding;    // keys whose entry is being built off the event loop
    quint64 m_generation = 0;
    qint64 m_bytes = 0;
    qint64 m_hits = 0;
    qint64 m_misses = 0;
    qint64 m_bytesSaved = 0;
};

} // namespace Mediaforge
