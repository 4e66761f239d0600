// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace Mediaforge {

// The 13 operations of PROTOCOL.md. Option schemas, validation and the key=value parsing the
// CLI does all live here so that the service and its clients reject the same things with the
// same words.
enum class Operation {
    Speed,
    Compress,
    ExtractAudio,
    RemoveAudio,
    Convert,
    Thumbnail,
    Trim,
    Concat,
    Gif,
    Filter,
    ExtractSubtitles,
    BurnSubtitles,
    Probe,
};

// Bounds on the pictures an operation may produce (docs/security-ffmpeg.md): a frame costs
// memory in every filter and encoder it passes, and a GIF or a contact sheet is one picture of
// many. Validation checks what the options alone decide; the command builder checks again with
// the input's real size.
constexpr int kMaxOutputSide = 7680;                           // any frame, either side
constexpr qint64 kMaxFramePixels = qint64(7680) * 4320;        // 8K UHD: 33.2 Mpx
constexpr int kMaxSheetSide = 7680;                            // a thumbnail contact sheet
constexpr qint64 kMaxSheetPixels = kMaxFramePixels;
constexpr int kMaxGifWidth = 1920;
constexpr qint64 kMaxGifFramePixels = qint64(1920) * 1080;     // 2.1 Mpx per GIF frame

// "33.2 Mpx (e.g. 7680x4320)" style text for the messages that name these bounds.
QString pixelLimitText(qint64 pixels);

QString operationName(Operation operation);
std::optional<Operation> operationFromName(QStringView name);
QList<Operation> allOperations();

// Checks `options` (the `options` object of start_job) against the operation's schema: types,
// ranges, enumerations, required fields, cross-field rules, no unknown keys. On success the
// result is the normalized object: every default filled in, aliases resolved (jpg -> jpeg,
// libvpx-vp9 -> vp9), numbers in their canonical type. On failure: VALIDATION_ERROR whose
// `details` is an array of {"path": "options.crf", "message": "..."}, one per offending field,
// and whose message names the first of them.
Result<QJsonObject> validateOptions(Operation operation, const QJsonObject &options);
// How many output files a job of `operation` with these (normalized) options delivers: 0 for
// probe, `count` for a thumbnail series without a contact sheet, 1 otherwise. `output_targets`
// must name exactly that many.
int expectedOutputCount(Operation operation, const QJsonObject &options);

// For the CLI's `--option key=value`: turns the text into the JSON type the schema wants
// (number, bool, string, or JSON for objects/arrays), or VALIDATION_ERROR naming the path.
Result<QJsonValue> parseOptionValue(Operation operation, const QString &key, const QString &text);

// One line of help per option, e.g. "crf  integer 0-51  constant rate factor".
QStringList describeOptions(Operation operation);

// The schema itself, for the CLI (completion, help) and documentation.
enum class OptionType { Integer, Number, Boolean, Choice, Object, FilterList };

struct OptionSpec
{
    QString name;
    OptionType type = OptionType::Number;
    bool required = false;
    QJsonValue defaultValue = QJsonValue::Undefined;   // Undefined: none, or it depends on the input
    double minimum = 0;        // Integer and Number
    double maximum = 0;
    QStringList choices;       // Choice: canonical values (aliases are accepted too); Integer: allowed set
    QList<OptionSpec> fields;  // Object: its members
    QString description;
};

QList<OptionSpec> optionSpecs(Operation operation);
// The `type`s of the filter operation's `filters` entries, and the fields of each.
QStringList filterTypes();
QList<OptionSpec> filterOptionSpecs(QStringView type);

// Codec and container tables, shared by validation and the command builder. Codec names are
// ffprobe's codec_name values ("h264", "vp9", "pcm_s16le").
enum class CodecKind { Video, Audio };

// Resolves a whitelisted codec or encoder name ("libvpx-vp9", "VP9") to its codec name ("vp9");
// nullopt when it is not on the whitelist for that kind.
std::optional<QString> canonicalCodecName(QStringView name, CodecKind kind);
// The whitelisted codec names of a kind, canonical spelling.
QStringList codecNames(CodecKind kind);
// Every output format name (mp4 ... gif), and the ones that carry audio only.
QStringList outputFormats();
bool isAudioOnlyFormat(QStringView format);
// Whether the format's muxer takes a stream of that codec (stream copy or encode).
bool formatAcceptsCodec(QStringView format, QStringView codec);
// The codec an output of that format gets when nothing else is asked; empty when the format
// carries no stream of that kind (video in mp3, audio in gif).
QString defaultCodec(QStringView format, CodecKind kind);

} // namespace Mediaforge
