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

struct CommandInput
{
    QString path;        // absolute, inside the job directory; never client text
    MediaInfo info;      // the probe of that file
};

struct CommandContext
{
    QString workDirectory;   // the job directory: outputs and auxiliary files go here
    int threads = 0;         // ffmpeg -threads; 0 leaves ffmpeg's default
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
    // ffmpeg's arguments after the program name and the global options FfmpegProcess adds
    // (-hide_banner -nostdin -y -nostats -progress pipe:1 ...). Each input is preceded by
    // `-protocol_whitelist file,pipe` and given as `file:` + path; outputs are `file:` + path.
    QStringList arguments;
    QList<AuxiliaryFile> auxiliaryFiles;
    QStringList outputPaths;          // absolute, in delivery order
    double expectedDurationSeconds = 0;  // of the output: the progress denominator
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
