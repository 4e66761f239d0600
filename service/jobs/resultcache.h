// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "job.h"

#include <QHash>
#include <QJsonObject>
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
    // A hit: the outputs are linked into `directory` and come back with paths there; their
    // download names are the new job's (`inputName`). nullopt: a miss (counted).
    std::optional<QList<JobOutput>> lookup(const QString &key, const Job &job);
    // Adds a completed job's outputs (files still in the job directory), then evicts the least
    // recently used entries until the budget holds. An output larger than the budget alone
    // is not added.
    void insert(const QString &key, const Job &job);

    CacheStats stats() const;
    const QString &directory() const { return m_settings.directory; }

private:
    struct Entry
    {
        qint64 bytes = 0;
        qint64 lastUsedMs = 0;
    };

    void remove(const QString &key);
    void evict(const QString &keep);

    CacheSettings m_settings;
    bool m_enabled = false;
    QHash<QString, Entry> m_entries;
    qint64 m_bytes = 0;
    qint64 m_hits = 0;
    qint64 m_misses = 0;
    qint64 m_bytesSaved = 0;
};

} // namespace Mediaforge
