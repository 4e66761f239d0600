// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"

#include "preset.h"
#include "protocol.h"
#include "startjob.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <optional>

namespace Mediaforge::Cli {

using namespace Protocol;

namespace {

// A flag of a shorthand that names an option differently from the wire (people say
// "--from 10", the schema says start_time).
struct Alias
{
    const char *flag;
    const char *key;
};

struct Shorthand
{
    const char *name;
    Operation operation;
    QList<Alias> aliases;
};

const QList<Shorthand> &shorthands()
{
    static const QList<Shorthand> list{
        {"compress", Operation::Compress, {{"format", "target_format"}, {"to", "target_format"}}},
        {"convert", Operation::Convert, {{"to", "target_format"}, {"format", "target_format"}}},
        {"thumbnail", Operation::Thumbnail, {{"at", "timestamp"}}},
        {"trim", Operation::Trim, {{"from", "start_time"}, {"to", "end_time"}, {"start", "start_time"}, {"end", "end_time"}}},
        {"speed", Operation::Speed, {{"factor", "speed_factor"}}},
        {"gif", Operation::Gif, {{"from", "start_time"}, {"start", "start_time"}}},
        {"extract-audio", Operation::ExtractAudio, {{"bitrate", "bitrate_kbps"}}},
        {"remove-audio", Operation::RemoveAudio, {}},
        {"concat", Operation::Concat, {{"to", "target_format"}, {"format", "target_format"}}},
        {"filter", Operation::Filter, {{"to", "target_format"}, {"format", "target_format"}}},
        {"extract-subtitles", Operation::ExtractSubtitles, {{"index", "subtitle_index"}, {"stream", "subtitle_index"}}},
        {"burn-subtitles", Operation::BurnSubtitles, {{"index", "subtitle_index"}, {"stream", "subtitle_index"}}},
    };
    return list;
}

const Shorthand *findShorthand(const QString &name)
{
    for (const Shorthand &entry : shorthands()) {
        if (name == QLatin1StringView(entry.name))
            return &entry;
    }
    return nullptr;
}

QString aliasKey(Operation operation, const QString &flag)
{
    for (const Shorthand &entry : shorthands()) {
        if (entry.operation != operation)
            continue;
        for (const Alias &alias : entry.aliases) {
            if (flag == QLatin1StringView(alias.flag))
                return QString::fromLatin1(alias.key);
        }
    }
    return QString();
}

std::optional<Subcommand> subcommandFromName(const QString &name)
{
    static const std::pair<const char *, Subcommand> names[] = {
        {"run", Subcommand::Run},       {"probe", Subcommand::Probe},   {"jobs", Subcommand::Jobs},
        {"status", Subcommand::Status}, {"cancel", Subcommand::Cancel}, {"fetch", Subcommand::Fetch},
        {"health", Subcommand::Health}, {"watch", Subcommand::Watch},   {"presets", Subcommand::Presets},
    };
    for (const auto &[text, subcommand] : names) {
        if (name == QLatin1StringView(text))
            return subcommand;
    }
    return std::nullopt;
}

// Options every subcommand takes.
enum class Global { None, Server, Token, Json, Quiet, Lang, Help, Version };

Global globalFlag(const QString &flag)
{
    if (flag == QLatin1StringView("--server") || flag == QLatin1StringView("-s"))
        return Global::Server;
    if (flag == QLatin1StringView("--token"))
        return Global::Token;
    if (flag == QLatin1StringView("--json"))
        return Global::Json;
    if (flag == QLatin1StringView("--quiet") || flag == QLatin1StringView("-q"))
        return Global::Quiet;
    if (flag == QLatin1StringView("--lang"))
        return Global::Lang;
    if (flag == QLatin1StringView("--help") || flag == QLatin1StringView("-h"))
        return Global::Help;
    if (flag == QLatin1StringView("--version") || flag == QLatin1StringView("-V"))
        return Global::Version;
    return Global::None;
}

bool takesValue(Global flag)
{
    return flag == Global::Server || flag == Global::Token || flag == Global::Lang;
}

// "3" -> 3, "2.5" -> 2.5, "true" -> true, anything else stays text; the schema decides later.
QJsonValue guessScalar(const QString &text)
{
    bool ok = false;
    const double number = QLocale::c().toDouble(text, &ok);
    if (ok)
        return number;
    if (text == QLatin1StringView("true"))
        return true;
    if (text == QLatin1StringView("false"))
        return false;
    return text;
}

// --filter grayscale, --filter scale:width=320,height=240, or --filter '{"type":"fps","fps":10}'
std::optional<QJsonObject> parseFilterSpec(const QString &spec)
{
    const QString text = spec.trimmed();
    if (text.startsWith(u'{')) {
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
        if (!document.isObject())
            return std::nullopt;
        return document.object();
    }
    const qsizetype colon = text.indexOf(u':');
    const QString type = colon < 0 ? text : text.left(colon);
    if (type.isEmpty())
        return std::nullopt;
    QJsonObject filter{{QStringLiteral("type"), type}};
    if (colon >= 0) {
        const QStringList pairs = text.mid(colon + 1).split(u',', Qt::SkipEmptyParts);
        for (const QString &pair : pairs) {
            const qsizetype equals = pair.indexOf(u'=');
            if (equals <= 0)
                return std::nullopt;
            filter.insert(pair.left(equals).trimmed(), guessScalar(pair.mid(equals + 1).trimmed()));
        }
    }
    return filter;
}

QString usageLine(const QString &problem, const QString &helpName)
{
    return CommandLine::tr("mediaforge: %1 (see '%2')")
            .arg(problem, helpName.isEmpty() ? QStringLiteral("mediaforge --help")
                                             : QStringLiteral("mediaforge %1 --help").arg(helpName));
}

QString validationLine(const Error &error)
{
    return CommandLine::tr("error: %1: %2").arg(errorCodeName(error.code), error.message);
}

// The state of one left-to-right pass over the arguments.
class Parser
{
public:
    Parser(const QStringList &arguments, const QProcessEnvironment &environment)
        : m_arguments(arguments), m_environment(environment)
    {
    }

    ParseOutcome parse();

private:
    bool takeValue(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue, QString &value);
    bool handleCommonFlag(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue);
    bool commonFlagsApply();
    bool handleSubcommandFlag(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue);
    bool handleOperationFlag(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue);
    bool setOption(const QString &key, const QString &text);
    void positional(const QString &argument);
    void fail(const QString &line, const QString &code = QStringLiteral("USAGE"), const QJsonValue &details = {});
    QString helpName() const;
    bool operationKnown() const { return m_operationKnown; }

    const QStringList &m_arguments;
    const QProcessEnvironment &m_environment;
    Command m_command;
    std::optional<Subcommand> m_subcommand;
    QString m_subcommandName;
    bool m_operationKnown = false;
    bool m_presetNext = false;      // "preset NAME": the next word is a preset, whatever it is called
    bool m_help = false;
    bool m_version = false;
    bool m_helpCommand = false;     // "mediaforge help [topic]"
    QString m_helpTopic;
    QJsonArray m_filters;
    QStringList m_positionals;
    QStringList m_commonFlags;      // -o, --force, --detach, ... as given, checked against the subcommand
    std::optional<ParseOutcome> m_failure;
};

void Parser::fail(const QString &line, const QString &code, const QJsonValue &details)
{
    if (m_failure)
        return;
    ParseOutcome outcome;
    outcome.action = ParseOutcome::Action::Fail;
    outcome.text = line;
    outcome.exitCode = toInt(ExitCode::Usage);
    outcome.code = code;
    outcome.details = details;
    m_failure = outcome;
}

QString Parser::helpName() const
{
    if (!m_command.shorthand.isEmpty())
        return m_command.shorthand;
    return m_subcommandName;
}

bool Parser::takeValue(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue, QString &value)
{
    if (inlineValue) {
        value = *inlineValue;
        return true;
    }
    if (i + 1 >= m_arguments.size()) {
        fail(usageLine(CommandLine::tr("option %1 needs a value").arg(flag), helpName()));
        return false;
    }
    value = m_arguments.at(++i);
    return true;
}

bool Parser::setOption(const QString &key, const QString &text)
{
    const Result<QJsonValue> value = parseOptionValue(m_command.operation, key, text);
    if (!value.ok()) {
        fail(validationLine(value.error()), errorCodeName(value.error().code), value.error().details);
        return false;
    }
    m_command.options.insert(key, value.value());
    return true;
}

bool Parser::handleOperationFlag(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue)
{
    const Operation operation = m_command.operation;
    if (flag == QLatin1StringView("--option") || flag == QLatin1StringView("-O")) {
        QString pair;
        if (!takeValue(i, flag, inlineValue, pair))
            return true;
        const qsizetype equals = pair.indexOf(u'=');
        if (equals <= 0) {
            fail(usageLine(CommandLine::tr("option %1 takes key=value, not '%2'").arg(flag, pair), helpName()));
            return true;
        }
        setOption(pair.left(equals).trimmed(), pair.mid(equals + 1));
        return true;
    }
    if (operation == Operation::Filter && flag == QLatin1StringView("--filter")) {
        QString spec;
        if (!takeValue(i, flag, inlineValue, spec))
            return true;
        const auto filter = parseFilterSpec(spec);
        if (!filter) {
            fail(usageLine(CommandLine::tr("cannot read the filter '%1'; write it as type or type:key=value,key=value")
                                   .arg(spec),
                           helpName()));
            return true;
        }
        m_filters.append(*filter);
        return true;
    }
    if (!flag.startsWith(QLatin1StringView("--")) || flag.size() < 3)
        return false;
    QString name = flag.mid(2);
    bool negated = false;
    QString key = aliasKey(operation, name);
    if (key.isEmpty() && name.startsWith(QLatin1StringView("no-"))) {
        negated = true;
        name = name.mid(3);
        key = aliasKey(operation, name);
    }
    if (key.isEmpty())
        key = QString(name).replace(u'-', u'_');
    // Booleans are switches: --accurate, --no-accurate, or --accurate=false.
    const Result<QJsonValue> probe = parseOptionValue(operation, key, QStringLiteral("true"));
    const bool isSwitch = probe.ok() && probe.value().isBool();
    if (negated && !isSwitch)
        return false;
    if (isSwitch && !inlineValue) {
        m_command.options.insert(key, !negated);
        return true;
    }
    if (negated) {
        fail(usageLine(CommandLine::tr("option --no-%1 takes no value").arg(name), helpName()));
        return true;
    }
    // Only a name of the schema is an option; anything else is an unknown flag.
    if (!probe.ok()) {
        const QJsonArray details = probe.error().details.toArray();
        const QString message = details.isEmpty() ? QString() : details.first().toObject().value(QStringLiteral("message")).toString();
        if (message.startsWith(QLatin1StringView("unknown option")))
            return false;
    }
    QString text;
    if (!takeValue(i, flag, inlineValue, text))
        return true;
    setOption(key, text);
    return true;
}

bool Parser::handleCommonFlag(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue)
{
    // Accepted before the subcommand too; whether they apply is checked once it is known.
    QString value;
    if (flag == QLatin1StringView("-o") || flag == QLatin1StringView("--output")) {
        if (takeValue(i, flag, inlineValue, value))
            m_command.output = value;
    } else if (flag == QLatin1StringView("--force") || flag == QLatin1StringView("-f")) {
        m_command.force = true;
    } else if (flag == QLatin1StringView("--detach")) {
        m_command.detach = true;
    } else if (flag == QLatin1StringView("--priority")) {
        if (takeValue(i, flag, inlineValue, value))
            m_command.priority = value;
    } else if (flag == QLatin1StringView("--job-id")) {
        if (takeValue(i, flag, inlineValue, value))
            m_command.jobId = value;
    } else {
        return false;
    }
    if ((flag == QLatin1StringView("--force") || flag == QLatin1StringView("-f") || flag == QLatin1StringView("--detach"))
        && inlineValue) {
        fail(usageLine(CommandLine::tr("option %1 takes no value").arg(flag), helpName()));
    }
    if (!m_commonFlags.contains(flag))
        m_commonFlags.append(flag);
    return true;
}

bool Parser::commonFlagsApply()
{
    const Subcommand subcommand = *m_subcommand;
    for (const QString &flag : std::as_const(m_commonFlags)) {
        const bool writes = flag == QLatin1StringView("-o") || flag == QLatin1StringView("--output")
                || flag == QLatin1StringView("--force") || flag == QLatin1StringView("-f");
        const bool applies = subcommand == Subcommand::Run || (writes && subcommand == Subcommand::Fetch);
        if (!applies) {
            fail(usageLine(CommandLine::tr("unknown option %1").arg(flag), helpName()));
            return false;
        }
    }
    return true;
}

bool Parser::handleSubcommandFlag(qsizetype &i, const QString &flag, const std::optional<QString> &inlineValue)
{
    const Subcommand subcommand = *m_subcommand;
    const bool running = subcommand == Subcommand::Run;
    QString value;
    if (subcommand == Subcommand::Jobs && flag == QLatin1StringView("--state")) {
        if (!takeValue(i, flag, inlineValue, value))
            return true;
        static const QStringList known{QStringLiteral("awaiting_upload"), QStringLiteral("downloading"),
                                       QStringLiteral("queued"),          QStringLiteral("processing"),
                                       QStringLiteral("completed"),       QStringLiteral("failed"),
                                       QStringLiteral("cancelled")};
        const QStringList states = value.split(u',', Qt::SkipEmptyParts);
        for (const QString &state : states) {
            const QString trimmed = state.trimmed();
            if (!known.contains(trimmed)) {
                fail(usageLine(CommandLine::tr("unknown state '%1'; states are %2").arg(trimmed, known.join(QStringLiteral(", "))),
                               helpName()));
                return true;
            }
            if (!m_command.states.contains(trimmed))
                m_command.states.append(trimmed);
        }
        return true;
    }
    if (subcommand == Subcommand::Jobs && flag == QLatin1StringView("--limit")) {
        if (!takeValue(i, flag, inlineValue, value))
            return true;
        bool ok = false;
        const int limit = value.toInt(&ok);
        if (!ok || limit < 1 || limit > 1000) {
            fail(usageLine(CommandLine::tr("--limit must be a whole number from 1 to 1000"), helpName()));
            return true;
        }
        m_command.limit = limit;
        return true;
    }
    if (subcommand == Subcommand::Jobs && flag == QLatin1StringView("--before")) {
        if (!takeValue(i, flag, inlineValue, value))
            return true;
        if (value.isEmpty() || value.size() > 64) {
            fail(usageLine(CommandLine::tr("--before takes the cursor a previous page printed"), helpName()));
            return true;
        }
        m_command.before = value;
        return true;
    }
    if (subcommand == Subcommand::Jobs && flag == QLatin1StringView("--all")) {
        m_command.allPages = true;
        return true;
    }
    if (subcommand == Subcommand::Fetch && flag == QLatin1StringView("--index")) {
        if (!takeValue(i, flag, inlineValue, value))
            return true;
        bool ok = false;
        const int index = value.toInt(&ok);
        if (!ok || index < 0) {
            fail(usageLine(CommandLine::tr("--index must be a whole number from 0"), helpName()));
            return true;
        }
        m_command.index = index;
        return true;
    }
    if (subcommand == Subcommand::Health && flag == QLatin1StringView("--http")) {
        if (!takeValue(i, flag, inlineValue, value))
            return true;
        const QUrl url(value.contains(QLatin1StringView("://")) ? value : QStringLiteral("http://") + value);
        if (!url.isValid() || url.host().isEmpty()
            || (url.scheme() != QLatin1StringView("http") && url.scheme() != QLatin1StringView("https"))) {
            fail(usageLine(CommandLine::tr("--http needs an http:// or https:// URL, not '%1'").arg(value), helpName()));
            return true;
        }
        m_command.httpUrl = url;
        return true;
    }
    if (running && !m_command.preset.isEmpty() && (flag == QLatin1StringView("--option") || flag == QLatin1StringView("-O"))) {
        // The preset's schema lives on the service, which checks the values; typed by their look.
        QString pair;
        if (!takeValue(i, flag, inlineValue, pair))
            return true;
        const qsizetype equals = pair.indexOf(u'=');
        if (equals <= 0) {
            fail(usageLine(CommandLine::tr("option %1 takes key=value, not '%2'").arg(flag, pair), helpName()));
            return true;
        }
        m_command.options.insert(pair.left(equals).trimmed(), guessScalar(pair.mid(equals + 1)));
        return true;
    }
    if (running && operationKnown())
        return handleOperationFlag(i, flag, inlineValue);
    return false;
}

void Parser::positional(const QString &argument)
{
    if (m_helpCommand) {
        if (m_helpTopic.isEmpty())
            m_helpTopic = argument;
        return;
    }
    if (!m_subcommand) {
        if (argument == QLatin1StringView("help")) {
            m_helpCommand = true;
            return;
        }
        if (argument == QLatin1StringView("preset")) {
            m_subcommand = Subcommand::Run;
            m_subcommandName = QStringLiteral("preset");
            m_presetNext = true;
            return;
        }
        if (const Shorthand *shorthand = findShorthand(argument)) {
            m_subcommand = Subcommand::Run;
            m_subcommandName = QStringLiteral("run");
            m_command.shorthand = argument;
            m_command.operation = shorthand->operation;
            m_operationKnown = true;
            return;
        }
        if (const auto subcommand = subcommandFromName(argument)) {
            m_subcommand = subcommand;
            m_subcommandName = argument;
            if (*subcommand == Subcommand::Probe) {
                m_command.operation = Operation::Probe;
                m_operationKnown = true;
            }
            return;
        }
        fail(usageLine(CommandLine::tr("unknown command '%1'").arg(argument), QString()));
        return;
    }
    if (*m_subcommand == Subcommand::Run && !m_operationKnown && m_command.preset.isEmpty()) {
        const auto operation = m_presetNext ? std::nullopt : CommandLine::operationFromCommandName(argument);
        // Not an operation: a preset's name (the service knows its presets; see `presets`).
        if (!operation && Preset::isValidName(argument)) {
            m_command.preset = argument;
            return;
        }
        if (!operation) {
            QStringList names;
            for (Operation each : allOperations())
                names.append(CommandLine::commandName(each));
            fail(usageLine(CommandLine::tr("unknown operation '%1'; operations are %2").arg(argument, names.join(QStringLiteral(", "))),
                           QStringLiteral("run")));
            return;
        }
        m_command.operation = *operation;
        m_operationKnown = true;
        return;
    }
    m_positionals.append(argument);
}

ParseOutcome Parser::parse()
{
    m_command.global.server = QUrl(QString::fromLatin1(CommandLine::kDefaultServer));
    QString server = m_environment.value(QStringLiteral("MEDIAFORGE_SERVER"));
    m_command.global.token = m_environment.value(QStringLiteral("MEDIAFORGE_TOKEN"));

    bool optionsEnded = false;
    for (qsizetype i = 0; i < m_arguments.size(); ++i) {
        const QString &argument = m_arguments.at(i);
        if (optionsEnded || argument == QLatin1StringView("-") || !argument.startsWith(u'-')) {
            positional(argument);
            continue;
        }
        if (argument == QLatin1StringView("--")) {
            optionsEnded = true;
            continue;
        }
        QString flag = argument;
        std::optional<QString> inlineValue;
        if (argument.startsWith(QLatin1StringView("--"))) {
            const qsizetype equals = argument.indexOf(u'=');
            if (equals > 0) {
                flag = argument.left(equals);
                inlineValue = argument.mid(equals + 1);
            }
        }
        const Global global = globalFlag(flag);
        if (global != Global::None) {
            QString value;
            if (takesValue(global)) {
                if (!takeValue(i, flag, inlineValue, value))
                    continue;
            } else if (inlineValue) {
                fail(usageLine(CommandLine::tr("option %1 takes no value").arg(flag), helpName()));
                continue;
            }
            switch (global) {
            case Global::Server:
                server = value;
                break;
            case Global::Token:
                m_command.global.token = value;
                break;
            case Global::Json:
                m_command.global.json = true;
                break;
            case Global::Quiet:
                m_command.global.quiet = true;
                break;
            case Global::Lang:
                m_command.global.lang = value;
                break;
            case Global::Help:
                m_help = true;
                break;
            case Global::Version:
                m_version = true;
                break;
            case Global::None:
                break;
            }
            continue;
        }
        if (handleCommonFlag(i, flag, inlineValue))
            continue;
        if (m_subcommand && handleSubcommandFlag(i, flag, inlineValue))
            continue;
        if (m_helpCommand)
            continue;
        fail(usageLine(CommandLine::tr("unknown option %1").arg(flag), helpName()));
    }

    if (m_help || m_helpCommand) {
        ParseOutcome outcome;
        outcome.action = ParseOutcome::Action::Print;
        outcome.exitCode = toInt(ExitCode::Success);
        QString topic = m_helpCommand ? m_helpTopic : helpName();
        if (!m_helpCommand && m_subcommand == Subcommand::Run && m_command.shorthand.isEmpty() && m_operationKnown)
            topic = QStringLiteral("run ") + CommandLine::commandName(m_command.operation);
        outcome.text = topic.isEmpty() ? CommandLine::mainHelp() : CommandLine::subcommandHelp(topic);
        if (outcome.text.isEmpty()) {
            outcome.action = ParseOutcome::Action::Fail;
            outcome.exitCode = toInt(ExitCode::Usage);
            outcome.text = usageLine(CommandLine::tr("unknown command '%1'").arg(topic), QString());
            outcome.code = QStringLiteral("USAGE");
        }
        return outcome;
    }
    if (m_version) {
        ParseOutcome outcome;
        outcome.action = ParseOutcome::Action::Print;
        outcome.exitCode = toInt(ExitCode::Success);
        outcome.text = QStringLiteral("mediaforge %1\n").arg(QStringLiteral(MEDIAFORGE_VERSION));
        return outcome;
    }
    if (m_failure)
        return *m_failure;

    if (!server.isEmpty()) {
        const QUrl url(server.contains(QLatin1StringView("://")) ? server : QStringLiteral("ws://") + server);
        if (!url.isValid() || url.host().isEmpty()
            || (url.scheme() != QLatin1StringView("ws") && url.scheme() != QLatin1StringView("wss"))) {
            fail(usageLine(CommandLine::tr("--server needs a ws:// or wss:// URL, not '%1'").arg(server), helpName()));
            return *m_failure;
        }
        m_command.global.server = url;
    }

    if (!m_subcommand) {
        fail(usageLine(CommandLine::tr("a command is required"), QString()));
        return *m_failure;
    }
    m_command.subcommand = *m_subcommand;
    if (!commonFlagsApply())
        return *m_failure;

    auto expectPositionals = [this](qsizetype minimum, qsizetype maximum, const QString &what) {
        if (m_positionals.size() < minimum) {
            fail(usageLine(CommandLine::tr("missing %1").arg(what), helpName()));
            return false;
        }
        if (m_positionals.size() > maximum) {
            fail(usageLine(CommandLine::tr("unexpected argument '%1'").arg(m_positionals.at(maximum)), helpName()));
            return false;
        }
        return true;
    };

    switch (m_command.subcommand) {
    case Subcommand::Run:
    case Subcommand::Probe: {
        if (!m_operationKnown && m_command.preset.isEmpty()) {
            fail(usageLine(CommandLine::tr("missing the operation"), QStringLiteral("run")));
            return *m_failure;
        }
        const bool concat = m_command.operation == Operation::Concat;
        // Several inputs for a one-input operation are a batch (run only; probe takes one).
        const qsizetype maxInputs = concat ? 50 : m_command.subcommand == Subcommand::Run ? CommandLine::kMaxInputs : 1;
        if (!expectPositionals(concat ? 2 : 1, maxInputs,
                               concat ? CommandLine::tr("the input files or URLs (2 to 50)") : CommandLine::tr("the input file or URL")))
            return *m_failure;
        m_command.inputs = m_positionals;
        if (!m_filters.isEmpty())
            m_command.options.insert(QStringLiteral("filters"), m_filters);
        const bool batch = CommandLine::isBatch(m_command);
        if (concat || batch) {
            // A batch of URLs runs on the service, local files as jobs here: one or the other.
            const bool firstIsRemote = CommandLine::isRemote(m_command.inputs.constFirst());
            for (const QString &input : std::as_const(m_command.inputs)) {
                if (CommandLine::isRemote(input) != firstIsRemote) {
                    fail(usageLine(concat ? CommandLine::tr("concat takes either local files or URLs, not both")
                                          : CommandLine::tr("several inputs are either all local files or all URLs and storage objects"),
                                   helpName()));
                    return *m_failure;
                }
            }
            if (batch && !m_command.jobId.isEmpty()) {
                fail(usageLine(CommandLine::tr("--job-id names one job; several inputs get one each"), helpName()));
                return *m_failure;
            }
            if (batch && m_command.detach && !firstIsRemote) {
                fail(usageLine(CommandLine::tr("--detach needs URLs or storage objects when there are several inputs (local files are uploaded while mediaforge runs)"),
                               helpName()));
                return *m_failure;
            }
            if (batch && !m_command.output.isEmpty() && QFileInfo(m_command.output).exists() && !QFileInfo(m_command.output).isDir()) {
                fail(usageLine(CommandLine::tr("-o must be a folder when there are several inputs; %1 is a file").arg(m_command.output),
                               helpName()));
                return *m_failure;
            }
        }
        for (const QString &input : std::as_const(m_command.inputs)) {
            if (CommandLine::isUrl(input))
                continue;
            if (CommandLine::isStorage(input)) {
                if (input.section(u'/', 2, 2).isEmpty() || input.section(u'/', 3).isEmpty()) {
                    fail(usageLine(CommandLine::tr("a storage object is storage://NAME/KEY, not '%1'").arg(input), helpName()));
                    return *m_failure;
                }
                continue;
            }
            if (input.contains(QLatin1StringView("://"))) {
                fail(usageLine(CommandLine::tr("only http://, https:// and storage:// URLs can be inputs, not '%1'").arg(input), helpName()));
                return *m_failure;
            }
            const QFileInfo info(input);
            if (!info.exists()) {
                fail(CommandLine::tr("mediaforge: cannot read %1: no such file").arg(input), QStringLiteral("USAGE"));
                return *m_failure;
            }
            if (!info.isFile() || !info.isReadable()) {
                fail(CommandLine::tr("mediaforge: cannot read %1: not a readable file").arg(input), QStringLiteral("USAGE"));
                return *m_failure;
            }
        }
        // Each input of a batch is checked as the job it becomes.
        for (int i = 0; i < (batch ? int(m_command.inputs.size()) : 1); ++i) {
            const Result<QJsonObject> message =
                    batch ? CommandLine::itemStartJobMessage(m_command, i) : CommandLine::startJobMessage(m_command);
            if (!message.ok()) {
                fail(validationLine(message.error()), errorCodeName(message.error().code), message.error().details);
                return *m_failure;
            }
        }
        break;
    }
    case Subcommand::Status:
    case Subcommand::Cancel:
    case Subcommand::Fetch:
        if (!expectPositionals(1, 1, CommandLine::tr("the job (its job_id or id)")))
            return *m_failure;
        m_command.job = m_positionals.constFirst();
        break;
    case Subcommand::Jobs:
    case Subcommand::Health:
    case Subcommand::Watch:
    case Subcommand::Presets:
        if (!expectPositionals(0, 0, QString()))
            return *m_failure;
        break;
    }

    ParseOutcome outcome;
    outcome.action = ParseOutcome::Action::Execute;
    outcome.exitCode = toInt(ExitCode::Success);
    outcome.command = m_command;
    return outcome;
}

} // namespace

ParseOutcome CommandLine::parse(const QStringList &arguments, const QProcessEnvironment &environment)
{
    Parser parser(arguments, environment);
    ParseOutcome outcome = parser.parse();
    // Even a failed parse knows whether the caller wanted JSON.
    if (outcome.action == ParseOutcome::Action::Fail)
        outcome.command.global.json = arguments.contains(QStringLiteral("--json"));
    return outcome;
}

QString CommandLine::languageFromArguments(const QStringList &arguments)
{
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1StringView("--"))
            break;
        if (argument == QLatin1StringView("--lang") && i + 1 < arguments.size())
            return arguments.at(i + 1);
        if (argument.startsWith(QLatin1StringView("--lang=")))
            return argument.mid(7);
    }
    return QString();
}

bool CommandLine::isUrl(const QString &input)
{
    return input.startsWith(QLatin1StringView("http://"), Qt::CaseInsensitive)
            || input.startsWith(QLatin1StringView("https://"), Qt::CaseInsensitive);
}

bool CommandLine::isStorage(const QString &input)
{
    return input.startsWith(QLatin1StringView("storage://"), Qt::CaseInsensitive);
}

QString CommandLine::inputName(const QString &input)
{
    if (isUrl(input))
        return QUrl(input).fileName();
    if (isStorage(input))
        return input.section(u'/', -1);
    return QFileInfo(input).fileName();
}

bool CommandLine::isBatch(const Command &command)
{
    return command.subcommand == Subcommand::Run && command.operation != Operation::Concat && command.inputs.size() > 1;
}

Result<QJsonObject> CommandLine::itemStartJobMessage(const Command &command, int index)
{
    Command single = command;
    single.inputs = QStringList{command.inputs.value(index)};
    return startJobMessage(single);
}

QJsonObject CommandLine::startBatchMessage(const Command &command)
{
    QJsonObject message{{QString(Field::Type), QString(Type::StartBatch)}};
    QJsonArray inputs;
    for (int i = 0; i < command.inputs.size(); ++i) {
        const Result<QJsonObject> item = itemStartJobMessage(command, i);
        const QJsonObject job = item.ok() ? item.value() : QJsonObject();
        inputs.append(job.value(Field::Input));
        if (i == 0) {
            // What start_job would send besides the input is the batch's, once.
            for (const QLatin1StringView shared : {Field::Operation, Field::Preset, Field::Options, Field::Priority, Field::Detach}) {
                if (job.contains(shared))
                    message.insert(QString(shared), job.value(shared));
            }
        }
    }
    message.insert(QString(Field::Inputs), inputs);
    return message;
}

std::optional<Operation> CommandLine::operationFromCommandName(const QString &name)
{
    return operationFromName(QString(name).replace(u'-', u'_'));
}

QString CommandLine::commandName(Operation operation)
{
    return operationName(operation).replace(u'_', u'-');
}

Result<QJsonObject> CommandLine::startJobMessage(const Command &command)
{
    QJsonObject message{{QString(Field::Type), QString(Type::StartJob)}};
    // A preset names its operation; what the preset allows is the service's to check.
    if (command.preset.isEmpty())
        message.insert(QString(Field::Operation), operationName(command.operation));
    else
        message.insert(QString(Field::Preset), command.preset);
    if (!command.jobId.isEmpty())
        message.insert(QString(Field::JobId), command.jobId);
    auto inputObject = [](const QString &input, bool withSize) {
        if (isUrl(input))
            return QJsonObject{{QString(Field::Source), QStringLiteral("url")}, {QString(Field::Url), input}};
        if (isStorage(input)) {
            // storage://NAME/KEY: the key is everything after the name, slashes and all.
            return QJsonObject{{QString(Field::Source), QStringLiteral("storage")},
                               {QStringLiteral("storage"), input.section(u'/', 2, 2)},
                               {QStringLiteral("key"), input.section(u'/', 3)}};
        }
        const QFileInfo info(input);
        QJsonObject object{{QString(Field::Source), QStringLiteral("upload")}, {QString(Field::Filename), info.fileName()}};
        if (withSize)
            object.insert(QString(Field::Size), info.size());
        return object;
    };
    QJsonObject options = command.options;
    if (command.operation == Operation::Concat && !command.inputs.isEmpty() && !isRemote(command.inputs.constFirst())) {
        // Concat by upload: one input stands for file_count uploads, sent in order.
        message.insert(QString(Field::Input), inputObject(command.inputs.constFirst(), false));
        options.insert(QString(Field::FileCount), int(command.inputs.size()));
    } else if (command.operation == Operation::Concat) {
        QJsonArray inputs;
        for (const QString &input : command.inputs)
            inputs.append(inputObject(input, true));
        message.insert(QString(Field::Inputs), inputs);
    } else if (!command.inputs.isEmpty()) {
        message.insert(QString(Field::Input), inputObject(command.inputs.constFirst(), true));
    }
    if (!options.isEmpty())
        message.insert(QString(Field::Options), options);
    if (!command.priority.isEmpty())
        message.insert(QString(Field::Priority), command.priority);
    if (command.detach)
        message.insert(QString(Field::Detach), true);

    if (!command.preset.isEmpty())
        return message;
    const Result<StartJobRequest> checked = StartJobRequest::fromJson(message);
    if (!checked.ok())
        return checked.error();
    return message;
}

} // namespace Mediaforge::Cli
