// SPDX-License-Identifier: GPL-3.0-or-later
#include "operations.h"

#include "validationissues.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <utility>

namespace Mediaforge {

namespace {

// ---------------------------------------------------------------------------------------------
// Operation names

struct OperationName
{
    Operation operation;
    QLatin1StringView name;
};

constexpr std::array kOperationNames{
    OperationName{Operation::Speed, QLatin1StringView("speed")},
    OperationName{Operation::Compress, QLatin1StringView("compress")},
    OperationName{Operation::ExtractAudio, QLatin1StringView("extract_audio")},
    OperationName{Operation::RemoveAudio, QLatin1StringView("remove_audio")},
    OperationName{Operation::Convert, QLatin1StringView("convert")},
    OperationName{Operation::Thumbnail, QLatin1StringView("thumbnail")},
    OperationName{Operation::Trim, QLatin1StringView("trim")},
    OperationName{Operation::Concat, QLatin1StringView("concat")},
    OperationName{Operation::Gif, QLatin1StringView("gif")},
    OperationName{Operation::Filter, QLatin1StringView("filter")},
    OperationName{Operation::ExtractSubtitles, QLatin1StringView("extract_subtitles")},
    OperationName{Operation::BurnSubtitles, QLatin1StringView("burn_subtitles")},
    OperationName{Operation::Probe, QLatin1StringView("probe")},
};
static_assert(kOperationNames.size() == static_cast<size_t>(Operation::Probe) + 1,
              "every Operation needs its wire name");

// ---------------------------------------------------------------------------------------------
// Codec and format tables

struct CodecEntry
{
    QString codec;
    CodecKind kind;
    QStringList aliases;   // encoder names and common spellings clients send
};

const QList<CodecEntry> &codecTable()
{
    static const QList<CodecEntry> table{
        {QStringLiteral("h264"), CodecKind::Video, {QStringLiteral("libx264"), QStringLiteral("avc"), QStringLiteral("x264")}},
        {QStringLiteral("hevc"), CodecKind::Video, {QStringLiteral("libx265"), QStringLiteral("h265"), QStringLiteral("x265")}},
        {QStringLiteral("vp8"), CodecKind::Video, {QStringLiteral("libvpx")}},
        {QStringLiteral("vp9"), CodecKind::Video, {QStringLiteral("libvpx-vp9")}},
        {QStringLiteral("av1"), CodecKind::Video, {QStringLiteral("libsvtav1"), QStringLiteral("libaom-av1")}},
        {QStringLiteral("mpeg4"), CodecKind::Video, {QStringLiteral("libxvid")}},
        {QStringLiteral("aac"), CodecKind::Audio, {}},
        {QStringLiteral("mp3"), CodecKind::Audio, {QStringLiteral("libmp3lame")}},
        {QStringLiteral("opus"), CodecKind::Audio, {QStringLiteral("libopus")}},
        {QStringLiteral("vorbis"), CodecKind::Audio, {QStringLiteral("libvorbis")}},
        {QStringLiteral("flac"), CodecKind::Audio, {}},
        {QStringLiteral("alac"), CodecKind::Audio, {}},
        {QStringLiteral("pcm_s16le"), CodecKind::Audio, {QStringLiteral("pcm")}},
    };
    return table;
}

struct FormatEntry
{
    QString name;
    bool audioOnly;
    QString defaultVideo;
    QString defaultAudio;
    // Codecs the muxer takes. Matroska takes nearly everything, so it lists what it refuses.
    QStringList accepts;
    QStringList refuses;
};

const QList<FormatEntry> &formatTable()
{
    // Lists only what the muxers of ffmpeg 5.1 write without -strict and what players read:
    // flac in mp4 is still experimental there, vorbis in mp4 plays almost nowhere. Defaults are
    // H.264 + AAC everywhere but webm, which only takes the open codecs.
    static const QString any = QStringLiteral("*");
    static const QList<FormatEntry> table{
        {QStringLiteral("mp4"), false, QStringLiteral("h264"), QStringLiteral("aac"),
         {QStringLiteral("h264"), QStringLiteral("hevc"), QStringLiteral("av1"), QStringLiteral("vp9"),
          QStringLiteral("mpeg4"), QStringLiteral("mjpeg"), QStringLiteral("aac"), QStringLiteral("mp3"),
          QStringLiteral("opus"), QStringLiteral("alac"), QStringLiteral("ac3"), QStringLiteral("eac3"),
          QStringLiteral("mov_text")},
         {}},
        {QStringLiteral("mov"), false, QStringLiteral("h264"), QStringLiteral("aac"),
         {QStringLiteral("h264"), QStringLiteral("hevc"), QStringLiteral("mpeg4"), QStringLiteral("mjpeg"),
          QStringLiteral("prores"), QStringLiteral("aac"), QStringLiteral("mp3"), QStringLiteral("alac"),
          QStringLiteral("ac3"), QStringLiteral("pcm_s16le"), QStringLiteral("pcm_s24le"),
          QStringLiteral("mov_text")},
         {}},
        {QStringLiteral("mkv"), false, QStringLiteral("h264"), QStringLiteral("aac"), {any},
         {QStringLiteral("mov_text"), QStringLiteral("gif"), QStringLiteral("eia_608")}},
        {QStringLiteral("webm"), false, QStringLiteral("vp9"), QStringLiteral("opus"),
         {QStringLiteral("vp8"), QStringLiteral("vp9"), QStringLiteral("av1"), QStringLiteral("opus"),
          QStringLiteral("vorbis"), QStringLiteral("webvtt")},
         {}},
        {QStringLiteral("avi"), false, QStringLiteral("h264"), QStringLiteral("aac"),
         {QStringLiteral("h264"), QStringLiteral("mpeg4"), QStringLiteral("mjpeg"), QStringLiteral("mp3"),
          QStringLiteral("aac"), QStringLiteral("ac3"), QStringLiteral("pcm_s16le")},
         {}},
        {QStringLiteral("flv"), false, QStringLiteral("h264"), QStringLiteral("aac"),
         {QStringLiteral("h264"), QStringLiteral("aac"), QStringLiteral("mp3")},
         {}},
        {QStringLiteral("gif"), false, QStringLiteral("gif"), QString(), {QStringLiteral("gif")}, {}},
        {QStringLiteral("mp3"), true, QString(), QStringLiteral("mp3"), {QStringLiteral("mp3")}, {}},
        {QStringLiteral("aac"), true, QString(), QStringLiteral("aac"), {QStringLiteral("aac")}, {}},
        {QStringLiteral("m4a"), true, QString(), QStringLiteral("aac"),
         {QStringLiteral("aac"), QStringLiteral("alac")},
         {}},
        {QStringLiteral("wav"), true, QString(), QStringLiteral("pcm_s16le"),
         {QStringLiteral("pcm_s16le"), QStringLiteral("pcm_s24le"), QStringLiteral("pcm_s32le"),
          QStringLiteral("pcm_f32le"), QStringLiteral("pcm_u8")},
         {}},
        {QStringLiteral("opus"), true, QString(), QStringLiteral("opus"), {QStringLiteral("opus")}, {}},
        {QStringLiteral("flac"), true, QString(), QStringLiteral("flac"), {QStringLiteral("flac")}, {}},
        {QStringLiteral("ogg"), true, QString(), QStringLiteral("vorbis"),
         {QStringLiteral("vorbis"), QStringLiteral("opus"), QStringLiteral("flac")},
         {}},
    };
    return table;
}

const FormatEntry *findFormat(QStringView name)
{
    for (const FormatEntry &entry : formatTable()) {
        if (entry.name == name)
            return &entry;
    }
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Schema

struct Choice
{
    QString value;
    QStringList aliases;
};

QList<Choice> plainChoices(const QStringList &values)
{
    QList<Choice> choices;
    for (const QString &value : values)
        choices.append({value, {}});
    return choices;
}

struct Field
{
    QString name;
    OptionType type = OptionType::Number;
    double minimum = 0;
    double maximum = 0;
    bool exclusiveMinimum = false;
    bool even = false;
    bool required = false;
    QJsonValue defaultValue = QJsonValue::Undefined;
    QList<Choice> choices;
    QList<int> allowedIntegers;
    QList<Field> children;
    QString description;

    Field &&withDefault(QJsonValue value) &&
    {
        defaultValue = std::move(value);
        return std::move(*this);
    }
    Field &&mandatory() &&
    {
        required = true;
        return std::move(*this);
    }
    Field &&evenOnly() &&
    {
        even = true;
        return std::move(*this);
    }
    Field &&aboveMinimum() &&
    {
        exclusiveMinimum = true;
        return std::move(*this);
    }
    Field &&onlyValues(QList<int> values) &&
    {
        allowedIntegers = std::move(values);
        return std::move(*this);
    }
};

// Bounds the protocol leaves open, chosen as a production service would: 8K is the largest
// frame any of our encoders is asked for, a day is the longest input we accept a timestamp in.
constexpr double kMinDimension = 16;
constexpr double kMaxDimension = 7680;
constexpr double kMaxSeconds = 86400;
constexpr double kMinBitrate = 8;
constexpr double kMaxVideoBitrate = 200000;
// No audio encoder we use goes beyond 512 kbit/s for stereo.
constexpr double kMaxAudioBitrate = 512;
constexpr int kMaxFilters = 20;
constexpr int kMaxSubtitleIndex = 99;

Field integer(const QString &name, double minimum, double maximum, const QString &description)
{
    Field field;
    field.name = name;
    field.type = OptionType::Integer;
    field.minimum = minimum;
    field.maximum = maximum;
    field.description = description;
    return field;
}

Field number(const QString &name, double minimum, double maximum, const QString &description)
{
    Field field = integer(name, minimum, maximum, description);
    field.type = OptionType::Number;
    return field;
}

Field boolean(const QString &name, bool defaultValue, const QString &description)
{
    Field field;
    field.name = name;
    field.type = OptionType::Boolean;
    field.defaultValue = defaultValue;
    field.description = description;
    return field;
}

Field choice(const QString &name, QList<Choice> choices, const QString &description)
{
    Field field;
    field.name = name;
    field.type = OptionType::Choice;
    field.choices = std::move(choices);
    field.description = description;
    return field;
}

Field object(const QString &name, QList<Field> children, const QString &description)
{
    Field field;
    field.name = name;
    field.type = OptionType::Object;
    field.children = std::move(children);
    field.description = description;
    return field;
}

Field filterList(const QString &name, const QString &description)
{
    Field field;
    field.name = name;
    field.type = OptionType::FilterList;
    field.minimum = 1;
    field.maximum = kMaxFilters;
    field.description = description;
    return field;
}


QList<Choice> codecChoices(CodecKind kind)
{
    QList<Choice> choices;
    for (const CodecEntry &entry : codecTable()) {
        if (entry.kind == kind)
            choices.append({entry.codec, entry.aliases});
    }
    return choices;
}

QStringList videoContainers()
{
    return {QStringLiteral("mp4"), QStringLiteral("mov"), QStringLiteral("mkv"),
            QStringLiteral("webm"), QStringLiteral("avi"), QStringLiteral("flv")};
}

QStringList audioFormats()
{
    return {QStringLiteral("mp3"), QStringLiteral("aac"), QStringLiteral("wav"), QStringLiteral("opus"),
            QStringLiteral("m4a"), QStringLiteral("flac"), QStringLiteral("ogg")};
}

Field dimension(const QString &name, const QString &description)
{
    return integer(name, kMinDimension, kMaxDimension, description);
}

using Problems = ValidationIssues;

QString megapixels(qint64 pixels)
{
    return QLocale::c().toString(double(pixels) / 1e6, 'f', 1) + QStringLiteral(" Mpx");
}

// The bounds of one picture the options fully decide; problems name the limit.
void checkPicture(qint64 width, qint64 height, qint64 maxPixels, const QString &path, const QString &what,
                  Problems &problems)
{
    if (width * height > maxPixels)
        problems.add(path, QStringLiteral("%1 would be %2x%3 pixels (%4); the limit is %5")
                                   .arg(what).arg(width).arg(height).arg(megapixels(width * height), pixelLimitText(maxPixels)));
}


// normalized holds only the fields that passed on their own; raw is what the client sent.
using CrossRule = std::function<void(const QJsonObject &normalized, const QJsonObject &raw, const QString &prefix,
                                     Problems &)>;

struct Schema
{
    QList<Field> fields;
    CrossRule rules;   // checks between fields
};

QString formatNumber(double value)
{
    return QLocale::c().toString(value, 'g', 10);
}

QString rangeText(const Field &field)
{
    const QString low = formatNumber(field.minimum);
    const QString high = formatNumber(field.maximum);
    return field.exclusiveMinimum ? QStringLiteral("greater than %1 and at most %2").arg(low, high)
                                  : QStringLiteral("from %1 to %2").arg(low, high);
}

QString joinChoices(const QList<Choice> &choices)
{
    QStringList values;
    for (const Choice &entry : choices)
        values.append(entry.value);
    return values.join(QStringLiteral(", "));
}

QString joinIntegers(const QList<int> &values)
{
    QStringList texts;
    for (int value : values)
        texts.append(QString::number(value));
    return texts.join(QStringLiteral(", "));
}

std::optional<QString> matchChoice(const QList<Choice> &choices, const QString &text)
{
    // Case does not matter to people typing "MP4" or "H264"; the canonical value is lowercase.
    for (const Choice &entry : choices) {
        if (entry.value.compare(text, Qt::CaseInsensitive) == 0)
            return entry.value;
        for (const QString &alias : entry.aliases) {
            if (alias.compare(text, Qt::CaseInsensitive) == 0)
                return entry.value;
        }
    }
    return std::nullopt;
}

std::optional<QJsonValue> checkField(const Field &field, const QJsonValue &value, const QString &path,
                                     Problems &problems);

QJsonObject checkObject(const QList<Field> &fields, const QJsonObject &input, const QString &prefix,
                        Problems &problems)
{
    QJsonObject normalized;
    for (auto it = input.begin(); it != input.end(); ++it) {
        const bool known = std::any_of(fields.begin(), fields.end(),
                                       [&](const Field &field) { return field.name == it.key(); });
        if (!known)
            problems.add(prefix + u'.' + it.key(), QStringLiteral("unknown option"));
    }
    for (const Field &field : fields) {
        const QString path = prefix + u'.' + field.name;
        const QJsonValue value = input.value(field.name);
        // A JSON null is how some clients say "not set"; treat it as absent.
        if (value.isUndefined() || value.isNull()) {
            if (field.required)
                problems.add(path, QStringLiteral("is required"));
            else if (!field.defaultValue.isUndefined())
                normalized.insert(field.name, field.defaultValue);
            continue;
        }
        if (const auto checked = checkField(field, value, path, problems))
            normalized.insert(field.name, *checked);
    }
    return normalized;
}

std::optional<QJsonValue> checkNumber(const Field &field, const QJsonValue &value, const QString &path,
                                      Problems &problems)
{
    const bool isInteger = field.type == OptionType::Integer;
    const QString kind = isInteger ? (field.even ? QStringLiteral("an even integer") : QStringLiteral("an integer"))
                                   : QStringLiteral("a number");
    if (!field.allowedIntegers.isEmpty()) {
        const double number = value.toDouble();
        const bool inRange = value.isDouble() && number >= field.minimum && number <= field.maximum;
        if (!inRange || number != std::floor(number) || !field.allowedIntegers.contains(int(number))) {
            problems.add(path, QStringLiteral("must be one of %1").arg(joinIntegers(field.allowedIntegers)));
            return std::nullopt;
        }
        return QJsonValue(int(number));
    }
    const double number = value.toDouble();
    const bool typeOk = value.isDouble() && std::isfinite(number) && (!isInteger || number == std::floor(number));
    const bool lowOk = field.exclusiveMinimum ? number > field.minimum : number >= field.minimum;
    const bool evenOk = !field.even || std::fmod(number, 2.0) == 0.0;
    if (!typeOk || !lowOk || number > field.maximum || !evenOk) {
        problems.add(path, QStringLiteral("must be %1 %2").arg(kind, rangeText(field)));
        return std::nullopt;
    }
    return isInteger ? QJsonValue(int(number)) : QJsonValue(number);
}

std::optional<QJsonValue> checkFilterList(const Field &field, const QJsonValue &value, const QString &path,
                                          Problems &problems);

std::optional<QJsonValue> checkField(const Field &field, const QJsonValue &value, const QString &path,
                                     Problems &problems)
{
    switch (field.type) {
    case OptionType::Integer:
    case OptionType::Number:
        return checkNumber(field, value, path, problems);
    case OptionType::Boolean:
        if (!value.isBool()) {
            problems.add(path, QStringLiteral("must be true or false"));
            return std::nullopt;
        }
        return value;
    case OptionType::Choice:
        if (const auto canonical = value.isString() ? matchChoice(field.choices, value.toString()) : std::nullopt)
            return QJsonValue(*canonical);
        problems.add(path, QStringLiteral("must be one of %1").arg(joinChoices(field.choices)));
        return std::nullopt;
    case OptionType::Object: {
        if (!value.isObject()) {
            problems.add(path, QStringLiteral("must be an object"));
            return std::nullopt;
        }
        const qsizetype before = problems.count();
        const QJsonObject normalized = checkObject(field.children, value.toObject(), path, problems);
        if (problems.count() != before)
            return std::nullopt;
        return normalized;
    }
    case OptionType::FilterList:
        return checkFilterList(field, value, path, problems);
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Filter entries of the filter operation

struct FilterSchema
{
    QString type;
    QString description;
    Schema schema;
};

// Decided on what the client sent, so that an out-of-range value is not also called missing.
void requireOneOf(const QJsonObject &raw, const QString &prefix, const QString &first, const QString &second,
                  bool exactlyOne, Problems &problems)
{
    const bool hasFirst = raw.contains(first);
    const bool hasSecond = raw.contains(second);
    if (!hasFirst && !hasSecond)
        problems.add(prefix, QStringLiteral("needs %1 or %2").arg(first, second));
    else if (exactlyOne && hasFirst && hasSecond)
        problems.add(prefix + u'.' + second, QStringLiteral("give %1 or %2, not both").arg(first, second));
}

const QList<FilterSchema> &filterSchemas()
{
    static const QList<FilterSchema> table{
        {QStringLiteral("scale"), QStringLiteral("resize; with one side given the other keeps the aspect ratio"),
         {{dimension(QStringLiteral("width"), QStringLiteral("output width in pixels")).evenOnly(),
           dimension(QStringLiteral("height"), QStringLiteral("output height in pixels")).evenOnly()},
          [](const QJsonObject &n, const QJsonObject &raw, const QString &prefix, Problems &p) {
              requireOneOf(raw, prefix, QStringLiteral("width"), QStringLiteral("height"), false, p);
              checkPicture(n.value(QLatin1StringView("width")).toInt(), n.value(QLatin1StringView("height")).toInt(),
                           kMaxFramePixels, prefix, QStringLiteral("the frame"), p);
          }}},
        {QStringLiteral("rotate"),
         QStringLiteral("rotate by angle degrees clockwise; multiples of 90 turn the frame, others rotate within it"),
         {{number(QStringLiteral("angle"), -360, 360, QStringLiteral("degrees, clockwise")).mandatory()}, {}}},
        {QStringLiteral("crop"), QStringLiteral("cut a width x height window at x,y (centred by default)"),
         {{dimension(QStringLiteral("width"), QStringLiteral("window width")).evenOnly().mandatory(),
           dimension(QStringLiteral("height"), QStringLiteral("window height")).evenOnly().mandatory(),
           integer(QStringLiteral("x"), 0, kMaxDimension, QStringLiteral("left edge; centred when absent")),
           integer(QStringLiteral("y"), 0, kMaxDimension, QStringLiteral("top edge; centred when absent"))},
          {}}},
        {QStringLiteral("fps"), QStringLiteral("change the frame rate"),
         {{number(QStringLiteral("fps"), 1, 240, QStringLiteral("frames per second")).mandatory()}, {}}},
        {QStringLiteral("volume"), QStringLiteral("change the loudness by a factor or in dB"),
         {{number(QStringLiteral("volume"), 0, 20, QStringLiteral("factor, 1 keeps the level")),
           number(QStringLiteral("gain_db"), -60, 30, QStringLiteral("gain in dB"))},
          [](const QJsonObject &, const QJsonObject &raw, const QString &prefix, Problems &p) {
              requireOneOf(raw, prefix, QStringLiteral("volume"), QStringLiteral("gain_db"), true, p);
          }}},
        {QStringLiteral("normalize"), QStringLiteral("EBU R128 loudness normalization"), {{}, {}}},
        {QStringLiteral("flip"), QStringLiteral("mirror the picture"),
         {{choice(QStringLiteral("direction"),
                  {{QStringLiteral("h"), {QStringLiteral("horizontal")}}, {QStringLiteral("v"), {QStringLiteral("vertical")}}},
                  QStringLiteral("h mirrors left-right, v upside down"))
                   .withDefault(QStringLiteral("h"))},
          {}}},
        {QStringLiteral("grayscale"), QStringLiteral("remove the colour"), {{}, {}}},
        {QStringLiteral("fade"), QStringLiteral("fade picture and sound in from and out to black and silence"),
         {{number(QStringLiteral("in_seconds"), 0, 3600, QStringLiteral("fade-in length")).withDefault(0),
           number(QStringLiteral("out_seconds"), 0, 3600, QStringLiteral("fade-out length")).withDefault(0)},
          [](const QJsonObject &n, const QJsonObject &, const QString &prefix, Problems &p) {
              if (n.contains(QLatin1StringView("in_seconds")) && n.contains(QLatin1StringView("out_seconds"))
                  && n.value(QLatin1StringView("in_seconds")).toDouble() <= 0
                  && n.value(QLatin1StringView("out_seconds")).toDouble() <= 0)
                  p.add(prefix, QStringLiteral("needs in_seconds or out_seconds above 0"));
          }}},
        {QStringLiteral("denoise"), QStringLiteral("reduce video noise (hqdn3d)"), {{}, {}}},
        {QStringLiteral("sharpen"), QStringLiteral("sharpen the picture (unsharp mask)"), {{}, {}}},
    };
    return table;
}

const FilterSchema *findFilter(QStringView type)
{
    for (const FilterSchema &entry : filterSchemas()) {
        if (entry.type == type)
            return &entry;
    }
    return nullptr;
}

std::optional<QJsonValue> checkFilterEntry(const QJsonValue &value, const QString &path, Problems &problems)
{
    if (!value.isObject()) {
        problems.add(path, QStringLiteral("must be an object with a type"));
        return std::nullopt;
    }
    QJsonObject entry = value.toObject();
    const QJsonValue type = entry.take(QLatin1StringView("type"));
    if (type.isUndefined() || type.isNull()) {
        problems.add(path + QStringLiteral(".type"), QStringLiteral("is required"));
        return std::nullopt;
    }
    const FilterSchema *schema = type.isString() ? findFilter(type.toString()) : nullptr;
    if (!schema) {
        problems.add(path + QStringLiteral(".type"),
                     QStringLiteral("must be one of %1").arg(filterTypes().join(QStringLiteral(", "))));
        return std::nullopt;
    }
    const qsizetype before = problems.count();
    QJsonObject normalized = checkObject(schema->schema.fields, entry, path, problems);
    if (schema->schema.rules)
        schema->schema.rules(normalized, entry, path, problems);
    if (problems.count() != before)
        return std::nullopt;
    normalized.insert(QStringLiteral("type"), schema->type);
    return normalized;
}

std::optional<QJsonValue> checkFilterList(const Field &field, const QJsonValue &value, const QString &path,
                                          Problems &problems)
{
    const QJsonArray entries = value.toArray();
    if (!value.isArray() || entries.size() < field.minimum || entries.size() > field.maximum) {
        problems.add(path, QStringLiteral("must be an array of %1 to %2 filters")
                                   .arg(formatNumber(field.minimum), formatNumber(field.maximum)));
        return std::nullopt;
    }
    QJsonArray normalized;
    bool ok = true;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const auto entry = checkFilterEntry(entries.at(i), path + QStringLiteral("[%1]").arg(i), problems);
        ok = ok && entry.has_value();
        if (entry)
            normalized.append(*entry);
    }
    if (!ok)
        return std::nullopt;
    return normalized;
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules of the operations

QString text(const QJsonObject &object, QLatin1StringView key)
{
    return object.value(key).toString();
}

QString codecNamesFor(const QString &format, CodecKind kind);

void checkCodecFitsFormat(const QJsonObject &normalized, const QString &prefix, QLatin1StringView key,
                          CodecKind kind, Problems &problems)
{
    if (!normalized.contains(key) || !normalized.contains(QLatin1StringView("target_format")))
        return;
    const QString format = text(normalized, QLatin1StringView("target_format"));
    const QString codec = text(normalized, key);
    const QString path = prefix + u'.' + key;
    if (format == QLatin1StringView("gif")) {
        problems.add(path, QStringLiteral("gif output has its own codec; leave %1 out").arg(key));
    } else if (kind == CodecKind::Video && isAudioOnlyFormat(format)) {
        problems.add(path, QStringLiteral("%1 output has no video").arg(format));
    } else if (!formatAcceptsCodec(format, codec)) {
        problems.add(path, QStringLiteral("%1 cannot go into %2 (%2 takes %3)")
                                   .arg(codec, format, codecNamesFor(format, kind)));
    }
}

void convertRules(const QJsonObject &normalized, const QJsonObject &, const QString &prefix, Problems &problems)
{
    checkCodecFitsFormat(normalized, prefix, QLatin1StringView("video_codec"), CodecKind::Video, problems);
    checkCodecFitsFormat(normalized, prefix, QLatin1StringView("audio_codec"), CodecKind::Audio, problems);
}

void extractAudioRules(const QJsonObject &normalized, const QJsonObject &, const QString &prefix, Problems &problems)
{
    const QString format = text(normalized, QLatin1StringView("format"));
    // Lossless formats have no bitrate to choose; accepting one would silently ignore it.
    if (normalized.contains(QLatin1StringView("bitrate_kbps"))
        && (format == QLatin1StringView("wav") || format == QLatin1StringView("flac")))
        problems.add(prefix + QStringLiteral(".bitrate_kbps"), QStringLiteral("%1 is lossless and has no bitrate").arg(format));
    if (!normalized.contains(QLatin1StringView("sample_rate")))
        return;
    const int rate = normalized.value(QLatin1StringView("sample_rate")).toInt();
    // The encoders refuse other rates: MPEG audio stops at 48 kHz, Opus runs at 8/12/16/24/48 kHz.
    if (format == QLatin1StringView("mp3") && rate > 48000)
        problems.add(prefix + QStringLiteral(".sample_rate"), QStringLiteral("mp3 supports at most 48000 Hz"));
    if (format == QLatin1StringView("opus") && rate != 8000 && rate != 16000 && rate != 48000)
        problems.add(prefix + QStringLiteral(".sample_rate"), QStringLiteral("opus supports 8000, 16000 or 48000 Hz"));
}

void thumbnailPictureRules(const QJsonObject &normalized, const QString &prefix, Problems &problems)
{
    const int width = normalized.value(QLatin1StringView("width")).toInt();
    const int height = normalized.value(QLatin1StringView("height")).toInt();
    if (!normalized.contains(QLatin1StringView("tile"))) {
        if (width > 0 && height > 0)
            checkPicture(width, height, kMaxFramePixels, prefix + QStringLiteral(".height"), QStringLiteral("the image"), problems);
        return;
    }
    // A sheet is columns x rows cells of width x height; a side not given follows the input's
    // aspect ratio, which the command builder checks once it is known.
    const QJsonObject tile = normalized.value(QLatin1StringView("tile")).toObject();
    const qint64 columns = tile.value(QLatin1StringView("columns")).toInt();
    const qint64 rows = tile.value(QLatin1StringView("rows")).toInt();
    const qint64 sheetWidth = columns * width;
    const qint64 sheetHeight = rows * height;
    if (sheetWidth > kMaxSheetSide)
        problems.add(prefix + QStringLiteral(".width"),
                     QStringLiteral("the contact sheet would be %1 pixels wide (%2 columns of %3); the limit is %4")
                             .arg(sheetWidth).arg(columns).arg(width).arg(kMaxSheetSide));
    if (sheetHeight > kMaxSheetSide)
        problems.add(prefix + QStringLiteral(".height"),
                     QStringLiteral("the contact sheet would be %1 pixels high (%2 rows of %3); the limit is %4")
                             .arg(sheetHeight).arg(rows).arg(height).arg(kMaxSheetSide));
    if (sheetWidth > 0 && sheetHeight > 0 && sheetWidth <= kMaxSheetSide && sheetHeight <= kMaxSheetSide)
        checkPicture(sheetWidth, sheetHeight, kMaxSheetPixels, prefix + QStringLiteral(".tile"),
                     QStringLiteral("the contact sheet"), problems);
}

void thumbnailRules(const QJsonObject &normalized, const QJsonObject &, const QString &prefix, Problems &problems)
{
    const bool hasTimestamp = normalized.contains(QLatin1StringView("timestamp"));
    const bool hasCount = normalized.contains(QLatin1StringView("count"));
    const bool hasTile = normalized.contains(QLatin1StringView("tile"));
    if (hasTimestamp && hasCount)
        problems.add(prefix + QStringLiteral(".count"), QStringLiteral("give timestamp or count, not both"));
    if (hasTile && hasTimestamp)
        problems.add(prefix + QStringLiteral(".tile"), QStringLiteral("a contact sheet takes count, not timestamp"));
    if (hasTile && hasCount) {
        const QJsonObject tile = normalized.value(QLatin1StringView("tile")).toObject();
        const int cells = tile.value(QLatin1StringView("columns")).toInt() * tile.value(QLatin1StringView("rows")).toInt();
        if (normalized.value(QLatin1StringView("count")).toInt() > cells)
            problems.add(prefix + QStringLiteral(".count"),
                         QStringLiteral("the %1-cell contact sheet cannot hold that many frames").arg(cells));
    }
    thumbnailPictureRules(normalized, prefix, problems);
}

void trimRules(const QJsonObject &normalized, const QJsonObject &, const QString &prefix, Problems &problems)
{
    if (normalized.contains(QLatin1StringView("end_time")) && normalized.contains(QLatin1StringView("start_time"))
        && normalized.value(QLatin1StringView("end_time")).toDouble()
                <= normalized.value(QLatin1StringView("start_time")).toDouble())
        problems.add(prefix + QStringLiteral(".end_time"), QStringLiteral("must be greater than start_time"));
}

// Picture filters on a sound-only output would be dropped without a word.
void filterRules(const QJsonObject &normalized, const QJsonObject &, const QString &prefix, Problems &problems)
{
    const QString format = text(normalized, QLatin1StringView("target_format"));
    if (!isAudioOnlyFormat(format))
        return;
    const QJsonArray filters = normalized.value(QLatin1StringView("filters")).toArray();
    for (qsizetype i = 0; i < filters.size(); ++i) {
        const QString type = filters.at(i).toObject().value(QLatin1StringView("type")).toString();
        if (type != QLatin1StringView("volume") && type != QLatin1StringView("normalize") && type != QLatin1StringView("fade"))
            problems.add(prefix + QStringLiteral(".filters[%1].type").arg(i),
                         QStringLiteral("%1 changes the picture and %2 output has none").arg(type, format));
    }
}

QString codecNamesFor(const QString &format, CodecKind kind)
{
    QStringList names;
    for (const CodecEntry &entry : codecTable()) {
        if (entry.kind == kind && formatAcceptsCodec(format, entry.codec))
            names.append(entry.codec);
    }
    return names.join(QStringLiteral(", "));
}

const Schema &schemaOf(Operation operation)
{
    static const QList<Choice> videoFormats = plainChoices(videoContainers());
    static const QList<Choice> convertTargets = plainChoices(videoContainers() + audioFormats() + QStringList{QStringLiteral("gif")});
    static const QList<Choice> concatTargets = plainChoices(videoContainers() + audioFormats());
    static const std::array<Schema, kOperationNames.size()> schemas{
        // Speed
        Schema{{number(QStringLiteral("speed_factor"), 0.25, 10, QStringLiteral("playback speed multiplier")).mandatory(),
                boolean(QStringLiteral("maintain_pitch"), false, QStringLiteral("keep the audio pitch (atempo) instead of shifting it"))},
               {}},
        // Compress
        Schema{{choice(QStringLiteral("preset"),
                       plainChoices({QStringLiteral("low"), QStringLiteral("medium"), QStringLiteral("high"), QStringLiteral("custom")}),
                       QStringLiteral("output quality: low is smallest, high keeps most detail; custom uses crf and bitrates"))
                        .withDefault(QStringLiteral("medium")),
                integer(QStringLiteral("crf"), 0, 51, QStringLiteral("constant rate factor, lower is better quality; overrides the preset")),
                integer(QStringLiteral("video_bitrate_kbps"), kMinBitrate, kMaxVideoBitrate,
                        QStringLiteral("video bitrate; with crf it caps the rate")),
                integer(QStringLiteral("audio_bitrate_kbps"), kMinBitrate, kMaxAudioBitrate, QStringLiteral("audio bitrate")),
                dimension(QStringLiteral("max_width"), QStringLiteral("scale down to at most this width, keeping the aspect ratio")),
                dimension(QStringLiteral("max_height"), QStringLiteral("scale down to at most this height, keeping the aspect ratio")),
                choice(QStringLiteral("target_format"), videoFormats,
                       QStringLiteral("output container; default: the input's when it is one of these, else mp4"))},
               {}},
        // ExtractAudio
        Schema{{choice(QStringLiteral("format"), plainChoices(audioFormats()), QStringLiteral("output audio format"))
                        .withDefault(QStringLiteral("mp3")),
                integer(QStringLiteral("bitrate_kbps"), kMinBitrate, kMaxAudioBitrate, QStringLiteral("audio bitrate (lossy formats)")),
                integer(QStringLiteral("sample_rate"), 8000, 96000, QStringLiteral("output sample rate in Hz"))
                        .onlyValues({8000, 16000, 22050, 44100, 48000, 96000})},
               extractAudioRules},
        // RemoveAudio
        Schema{{boolean(QStringLiteral("keep_video_quality"), true, QStringLiteral("copy the video stream instead of re-encoding it"))}, {}},
        // Convert
        Schema{{choice(QStringLiteral("target_format"), convertTargets, QStringLiteral("output format")).mandatory(),
                boolean(QStringLiteral("stream_copy"), true, QStringLiteral("copy every stream the target container accepts")),
                choice(QStringLiteral("video_codec"), codecChoices(CodecKind::Video), QStringLiteral("encode the video with this codec")),
                choice(QStringLiteral("audio_codec"), codecChoices(CodecKind::Audio), QStringLiteral("encode the audio with this codec"))},
               convertRules},
        // Thumbnail
        Schema{{number(QStringLiteral("timestamp"), 0, kMaxSeconds, QStringLiteral("seconds into the video of the single frame")),
                integer(QStringLiteral("count"), 1, 20, QStringLiteral("evenly spaced frames, one output each")),
                choice(QStringLiteral("format"),
                       {{QStringLiteral("png"), {}}, {QStringLiteral("jpeg"), {QStringLiteral("jpg")}}, {QStringLiteral("webp"), {}}},
                       QStringLiteral("image format"))
                        .withDefault(QStringLiteral("png")),
                dimension(QStringLiteral("width"), QStringLiteral("image width; alone, the height keeps the aspect ratio")),
                dimension(QStringLiteral("height"), QStringLiteral("image height; alone, the width keeps the aspect ratio")),
                object(QStringLiteral("tile"),
                       {integer(QStringLiteral("columns"), 1, 10, QStringLiteral("frames across")).mandatory(),
                        integer(QStringLiteral("rows"), 1, 10, QStringLiteral("frames down")).mandatory()},
                       QStringLiteral("one contact sheet of columns x rows frames instead of separate images"))},
               thumbnailRules},
        // Trim
        Schema{{number(QStringLiteral("start_time"), 0, kMaxSeconds, QStringLiteral("seconds")).withDefault(0),
                number(QStringLiteral("end_time"), 0, kMaxSeconds, QStringLiteral("seconds; default: the end of the input")).aboveMinimum(),
                boolean(QStringLiteral("accurate"), false, QStringLiteral("re-encode for frame-accurate cuts instead of copying from keyframes"))},
               trimRules},
        // Concat
        Schema{{integer(QStringLiteral("file_count"), 2, 50, QStringLiteral("number of uploads to join")),
                choice(QStringLiteral("target_format"), concatTargets,
                       QStringLiteral("output format; default: the first input's when it is one of these, else mp4"))},
               {}},
        // Gif
        Schema{{number(QStringLiteral("start_time"), 0, kMaxSeconds, QStringLiteral("seconds")).withDefault(0),
                number(QStringLiteral("duration"), 0, 30, QStringLiteral("seconds of video to turn into the gif")).aboveMinimum().mandatory(),
                integer(QStringLiteral("fps"), 1, 30, QStringLiteral("frames per second")).withDefault(10),
                integer(QStringLiteral("width"), kMinDimension, kMaxGifWidth,
                        QStringLiteral("width; the height keeps the aspect ratio (default: up to 480)")),
                boolean(QStringLiteral("optimize"), true, QStringLiteral("generate a palette for the clip (better colours, smaller file)"))},
               {}},
        // Filter
        Schema{{filterList(QStringLiteral("filters"), QStringLiteral("ordered list of {\"type\": ...} filters")).mandatory(),
                choice(QStringLiteral("target_format"), concatTargets,
                       QStringLiteral("output format; default: the input's when it is a known one, else mp4"))},
               filterRules},
        // ExtractSubtitles
        Schema{{integer(QStringLiteral("subtitle_index"), 0, kMaxSubtitleIndex, QStringLiteral("which subtitle stream, counting from 0"))
                        .withDefault(0),
                choice(QStringLiteral("format"),
                       {{QStringLiteral("srt"), {QStringLiteral("subrip")}},
                        {QStringLiteral("vtt"), {QStringLiteral("webvtt")}},
                        {QStringLiteral("ass"), {QStringLiteral("ssa")}}},
                       QStringLiteral("subtitle file format"))
                        .withDefault(QStringLiteral("srt"))},
               {}},
        // BurnSubtitles
        Schema{{integer(QStringLiteral("subtitle_index"), 0, kMaxSubtitleIndex,
                        QStringLiteral("which of the input's subtitle streams, counting from 0"))
                        .withDefault(0)},
               {}},
        // Probe
        Schema{{}, {}},
    };
    return schemas.at(static_cast<size_t>(operation));
}

const Field *findField(const QList<Field> &fields, QStringView name)
{
    for (const Field &field : fields) {
        if (field.name == name)
            return &field;
    }
    return nullptr;
}

OptionSpec toSpec(const Field &field)
{
    OptionSpec spec;
    spec.name = field.name;
    spec.type = field.type;
    spec.required = field.required;
    spec.defaultValue = field.defaultValue;
    spec.minimum = field.minimum;
    spec.maximum = field.maximum;
    for (const Choice &entry : field.choices)
        spec.choices.append(entry.value);
    for (int value : field.allowedIntegers)
        spec.choices.append(QString::number(value));
    for (const Field &child : field.children)
        spec.fields.append(toSpec(child));
    spec.description = field.description;
    return spec;
}

QString typeText(const OptionSpec &spec)
{
    switch (spec.type) {
    case OptionType::Integer:
        if (!spec.choices.isEmpty())
            return QStringLiteral("integer ") + spec.choices.join(u'|');
        return QStringLiteral("integer %1-%2").arg(formatNumber(spec.minimum), formatNumber(spec.maximum));
    case OptionType::Number:
        return QStringLiteral("number %1-%2").arg(formatNumber(spec.minimum), formatNumber(spec.maximum));
    case OptionType::Boolean:
        return QStringLiteral("boolean");
    case OptionType::Choice:
        return spec.choices.join(u'|');
    case OptionType::Object: {
        QStringList members;
        for (const OptionSpec &member : spec.fields)
            members.append(member.name + u' ' + typeText(member));
        return QStringLiteral("{") + members.join(QStringLiteral(", ")) + u'}';
    }
    case OptionType::FilterList:
        return QStringLiteral("array of {type: %1}").arg(filterTypes().join(u'|'));
    }
    return QString();
}

QString defaultText(const QJsonValue &value)
{
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isDouble())
        return formatNumber(value.toDouble());
    return value.toString();
}

std::optional<bool> parseBoolean(const QString &text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == QLatin1StringView("true") || lower == QLatin1StringView("yes") || lower == QLatin1StringView("on")
        || lower == QLatin1StringView("1"))
        return true;
    if (lower == QLatin1StringView("false") || lower == QLatin1StringView("no") || lower == QLatin1StringView("off")
        || lower == QLatin1StringView("0"))
        return false;
    return std::nullopt;
}

// "3x2" for a tile is what people type; JSON works too.
std::optional<QJsonValue> parseTileShorthand(const QString &text)
{
    const QStringList parts = text.trimmed().toLower().split(u'x');
    bool columnsOk = false;
    bool rowsOk = false;
    if (parts.size() != 2)
        return std::nullopt;
    const int columns = parts.at(0).toInt(&columnsOk);
    const int rows = parts.at(1).toInt(&rowsOk);
    if (!columnsOk || !rowsOk)
        return std::nullopt;
    return QJsonObject{{QStringLiteral("columns"), columns}, {QStringLiteral("rows"), rows}};
}

std::optional<QJsonValue> parseTyped(const Field &field, const QString &text)
{
    switch (field.type) {
    case OptionType::Integer:
    case OptionType::Number: {
        // "1,5" is a typo, not fifteen.
        QLocale c = QLocale::c();
        c.setNumberOptions(QLocale::RejectGroupSeparator);
        bool ok = false;
        const double value = c.toDouble(text.trimmed(), &ok);
        if (!ok)
            return std::nullopt;
        return QJsonValue(value);
    }
    case OptionType::Boolean:
        if (const auto value = parseBoolean(text))
            return QJsonValue(*value);
        return std::nullopt;
    case OptionType::Choice:
        return QJsonValue(text.trimmed());
    case OptionType::Object: {
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
        if (document.isObject())
            return document.object();
        return parseTileShorthand(text);
    }
    case OptionType::FilterList: {
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
        if (document.isArray())
            return document.array();
        return std::nullopt;
    }
    }
    return std::nullopt;
}

QString expectedText(OptionType type)
{
    switch (type) {
    case OptionType::Integer:
        return QStringLiteral("an integer");
    case OptionType::Number:
        return QStringLiteral("a number");
    case OptionType::Boolean:
        return QStringLiteral("true or false");
    case OptionType::Choice:
        return QStringLiteral("a name");
    case OptionType::Object:
        return QStringLiteral("a JSON object");
    case OptionType::FilterList:
        return QStringLiteral("a JSON array");
    }
    return QString();
}

} // namespace

QString pixelLimitText(qint64 pixels)
{
    QString text = megapixels(pixels);
    if (pixels == kMaxFramePixels)
        text += QStringLiteral(" (7680x4320)");
    else if (pixels == kMaxGifFramePixels)
        text += QStringLiteral(" (1920x1080)");
    return text;
}

QString operationName(Operation operation)
{
    return kOperationNames.at(static_cast<size_t>(operation)).name;
}

std::optional<Operation> operationFromName(QStringView name)
{
    for (const OperationName &entry : kOperationNames) {
        if (name == entry.name)
            return entry.operation;
    }
    return std::nullopt;
}

QList<Operation> allOperations()
{
    QList<Operation> operations;
    for (const OperationName &entry : kOperationNames)
        operations.append(entry.operation);
    return operations;
}

int expectedOutputCount(Operation operation, const QJsonObject &options)
{
    if (operation == Operation::Probe)
        return 0;
    if (operation == Operation::Thumbnail && options.contains(QStringLiteral("count"))
        && !options.contains(QStringLiteral("tile")))
        return options.value(QStringLiteral("count")).toInt(1);
    return 1;
}

Result<QJsonObject> validateOptions(Operation operation, const QJsonObject &options)
{
    const Schema &schema = schemaOf(operation);
    const QString prefix = QStringLiteral("options");
    Problems problems;
    const QJsonObject normalized = checkObject(schema.fields, options, prefix, problems);
    if (schema.rules)
        schema.rules(normalized, options, prefix, problems);
    if (!problems.isEmpty())
        return problems.toError();
    return normalized;
}

Result<QJsonValue> parseOptionValue(Operation operation, const QString &key, const QString &text)
{
    const QString path = QStringLiteral("options.") + key;
    const Field *field = findField(schemaOf(operation).fields, key);
    Problems problems;
    if (!field) {
        problems.add(path, QStringLiteral("unknown option for %1").arg(operationName(operation)));
        return problems.toError();
    }
    const auto typed = parseTyped(*field, text);
    if (!typed) {
        problems.add(path, QStringLiteral("must be %1").arg(expectedText(field->type)));
        return problems.toError();
    }
    const auto checked = checkField(*field, *typed, path, problems);
    if (!checked)
        return problems.toError();
    return *checked;
}

QStringList describeOptions(Operation operation)
{
    QStringList lines;
    for (const OptionSpec &spec : optionSpecs(operation)) {
        QString line = spec.name + QStringLiteral("  ") + typeText(spec);
        if (spec.required)
            line += QStringLiteral(" (required)");
        else if (!spec.defaultValue.isUndefined())
            line += QStringLiteral(" (default ") + defaultText(spec.defaultValue) + u')';
        lines.append(line + QStringLiteral("  ") + spec.description);
    }
    return lines;
}

QList<OptionSpec> optionSpecs(Operation operation)
{
    QList<OptionSpec> specs;
    for (const Field &field : schemaOf(operation).fields)
        specs.append(toSpec(field));
    return specs;
}

QStringList filterTypes()
{
    QStringList types;
    for (const FilterSchema &entry : filterSchemas())
        types.append(entry.type);
    return types;
}

QList<OptionSpec> filterOptionSpecs(QStringView type)
{
    QList<OptionSpec> specs;
    if (const FilterSchema *schema = findFilter(type)) {
        for (const Field &field : schema->schema.fields)
            specs.append(toSpec(field));
    }
    return specs;
}

std::optional<QString> canonicalCodecName(QStringView name, CodecKind kind)
{
    const QString text = name.toString();
    return matchChoice(codecChoices(kind), text);
}

QStringList codecNames(CodecKind kind)
{
    QStringList names;
    for (const CodecEntry &entry : codecTable()) {
        if (entry.kind == kind)
            names.append(entry.codec);
    }
    return names;
}

QStringList outputFormats()
{
    QStringList names;
    for (const FormatEntry &entry : formatTable())
        names.append(entry.name);
    return names;
}

bool isAudioOnlyFormat(QStringView format)
{
    const FormatEntry *entry = findFormat(format);
    return entry && entry->audioOnly;
}

bool formatAcceptsCodec(QStringView format, QStringView codec)
{
    const FormatEntry *entry = findFormat(format);
    if (!entry || codec.isEmpty() || entry->refuses.contains(codec))
        return false;
    return entry->accepts.contains(codec) || entry->accepts.contains(QStringLiteral("*"));
}

QString defaultCodec(QStringView format, CodecKind kind)
{
    const FormatEntry *entry = findFormat(format);
    if (!entry)
        return QString();
    return kind == CodecKind::Video ? entry->defaultVideo : entry->defaultAudio;
}

} // namespace Mediaforge
