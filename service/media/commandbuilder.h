// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "mediainfo.h"
#include "operations.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace Mediaforge {

// Part of the result cache's key (service/jobs/resultcache.h): bump it in the same commit as
// any change to command building that changes what an output holds, so that outputs made by
// the old commands are never served for the new ones.
inline constexpr int kCommandBuilderVersion = 1;

struct CommandInput
{
    QString path;        // absolute, inside the job directory; never client text
    MediaInfo info;      // the probe of that file
};

struct CommandContext
{
    QString workDirectory;   // the job directory: outputs and auxiliary files go here
    int threads = 0;         // ffmpeg -threads; 0 leaves ffmpeg's default
    qint64 maxOutputBytes = 0;   // -fs before every output file; 0: none
};

// One ffmpeg run: its arguments (after the global options) and the files it writes.
struct CommandStep
{
    QStringList arguments;
    QStringList outputPaths;
};

// A file the runner writes into the work directory before starting ffmpeg (the concat
// demuxer's list).
struct AuxiliaryFile
{
    QString fileName;
    QByteArray contents;
};

struct CommandPlan
{
    // Runs that prepare the main one, each to completion before the next: burn_subtitles first
    // extracts the subtitle stream into a file of its own, so that the filter that draws it
    // reads only that file (never the client's input, which a filter opens without whitelists).
    QList<CommandStep> preparation;
    // ffmpeg's arguments after the program name and the global options FfmpegProcess adds
    // (-hide_banner -nostdin -y -nostats -progress pipe:1 ...). Each input is preceded by
    // `-protocol_whitelist file` and a demuxer whitelist and given as `file:` + path; outputs
    // are `-fs <limit>` (when set) ... `file:` + path.
    QStringList arguments;
    QList<AuxiliaryFile> auxiliaryFiles;
    QStringList outputPaths;          // absolute, in delivery order
    double expectedDurationSeconds = 0;  // of the output: the progress denominator

    // The preparation, then the main run.
    QList<CommandStep> steps() const
    {
        return preparation + QList<CommandStep>{CommandStep{arguments, outputPaths}};
    }
};

// A pure function: (operation, validated options, probed inputs, paths) -> ffmpeg arguments.
// `options` must be the normalized result of validateOptions(). Errors are about the media, not
// the option syntax: e.g. UNSUPPORTED_INPUT for remove_audio on a file without video, or
// VALIDATION_ERROR when a timestamp lies beyond the input's duration.
Result<CommandPlan> buildCommand(Operation operation, const QJsonObject &options,
                                 const QList<CommandInput> &inputs, const CommandContext &context);

// Escapes text to be one option value of one filter inside a filtergraph: first for the
// filter's option parser (\ ' :), then for the graph parser (\ ' [ ] , ;). What comes out
// reads back as exactly `value`, whatever characters the path holds.
QString escapeFilterValue(const QString &value);

// The format an operation without `target_format` writes for this input: its own container
// when it is one we write (mov and mp4 told apart by the brand, webm by its codecs), else mp4
// for video and m4a for audio.
QString defaultOutputFormat(const MediaInfo &info);

} // namespace Mediaforge
