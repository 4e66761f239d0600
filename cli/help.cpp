// SPDX-License-Identifier: GPL-3.0-or-later
// The --help texts of CommandLine. Kept apart from the parser because they are mostly prose
// for translators.
#include "commandline.h"
#include "format.h"

namespace Mediaforge::Cli {

namespace {

struct OperationHelp
{
    Operation operation;
    const char *synopsis;    // after "mediaforge NAME "
    const char *summary;
    const char *flags;       // the shorthand's own flags, one per line
};

const QList<OperationHelp> &operationHelp()
{
    static const QList<OperationHelp> list{
        {Operation::Compress, QT_TRANSLATE_NOOP("CommandLine", "INPUT [--preset low|medium|high] [--crf N]"),
         QT_TRANSLATE_NOOP("CommandLine", "make a video smaller"),
         QT_TRANSLATE_NOOP("CommandLine", "  --format, --to FORMAT   output container (target_format)\n")},
        {Operation::Convert, QT_TRANSLATE_NOOP("CommandLine", "INPUT --to FORMAT"), QT_TRANSLATE_NOOP("CommandLine", "change the format or the codecs"),
         QT_TRANSLATE_NOOP("CommandLine", "  --to, --format FORMAT   output format (target_format)\n")},
        {Operation::Thumbnail, QT_TRANSLATE_NOOP("CommandLine", "INPUT [--at SECONDS | --count N]"),
         QT_TRANSLATE_NOOP("CommandLine", "still images from a video (several go to a folder)"),
         QT_TRANSLATE_NOOP("CommandLine", "  --at SECONDS            the frame at this time (timestamp)\n")},
        {Operation::Trim, QT_TRANSLATE_NOOP("CommandLine", "INPUT [--from SECONDS] [--to SECONDS]"), QT_TRANSLATE_NOOP("CommandLine", "cut a part out"),
         QT_TRANSLATE_NOOP("CommandLine", "  --from, --start SECONDS start (start_time)\n"
                                          "  --to, --end SECONDS     end (end_time)\n")},
        {Operation::Speed, QT_TRANSLATE_NOOP("CommandLine", "INPUT --factor X"), QT_TRANSLATE_NOOP("CommandLine", "play faster or slower"),
         QT_TRANSLATE_NOOP("CommandLine", "  --factor X              speed factor, 0.25 to 10 (speed_factor)\n")},
        {Operation::Gif, QT_TRANSLATE_NOOP("CommandLine", "INPUT --duration SECONDS"), QT_TRANSLATE_NOOP("CommandLine", "an animated GIF"),
         QT_TRANSLATE_NOOP("CommandLine", "  --from, --start SECONDS where the GIF starts (start_time)\n")},
        {Operation::ExtractAudio, QT_TRANSLATE_NOOP("CommandLine", "INPUT [--format mp3|aac|wav|opus|m4a|flac|ogg]"),
         QT_TRANSLATE_NOOP("CommandLine", "the audio track as a file"),
         QT_TRANSLATE_NOOP("CommandLine", "  --bitrate KBPS          audio bitrate (bitrate_kbps)\n")},
        {Operation::RemoveAudio, QT_TRANSLATE_NOOP("CommandLine", "INPUT"), QT_TRANSLATE_NOOP("CommandLine", "the video without its sound"), ""},
        {Operation::Concat, QT_TRANSLATE_NOOP("CommandLine", "INPUT INPUT... [--to FORMAT]"),
         QT_TRANSLATE_NOOP("CommandLine", "join 2 to 50 files (all local or all URLs)"),
         QT_TRANSLATE_NOOP("CommandLine", "  --to, --format FORMAT   output format (target_format)\n")},
        {Operation::Filter, QT_TRANSLATE_NOOP("CommandLine", "INPUT --filter TYPE[:KEY=VALUE,...]..."),
         QT_TRANSLATE_NOOP("CommandLine", "apply filters in order (scale, rotate, crop, fps, volume, ...)"),
         QT_TRANSLATE_NOOP("CommandLine",
                           "  --filter SPEC           one filter, repeatable: grayscale, scale:width=640,\n"
                           "                          rotate:angle=90, or JSON such as '{\"type\":\"fps\",\"fps\":10}'\n"
                           "  --to, --format FORMAT   output format (target_format)\n")},
        {Operation::ExtractSubtitles, QT_TRANSLATE_NOOP("CommandLine", "INPUT [--format srt|vtt|ass]"),
         QT_TRANSLATE_NOOP("CommandLine", "a subtitle track as a file"),
         QT_TRANSLATE_NOOP("CommandLine", "  --index, --stream N     which subtitle stream, from 0 (subtitle_index)\n")},
        {Operation::BurnSubtitles, QT_TRANSLATE_NOOP("CommandLine", "INPUT"), QT_TRANSLATE_NOOP("CommandLine", "draw the input's subtitles into the picture"),
         QT_TRANSLATE_NOOP("CommandLine", "  --index, --stream N     which subtitle stream, from 0 (subtitle_index)\n")},
        {Operation::Probe, QT_TRANSLATE_NOOP("CommandLine", "INPUT"), QT_TRANSLATE_NOOP("CommandLine", "show the format and the streams"), ""},
    };
    return list;
}

const OperationHelp *helpOf(Operation operation)
{
    for (const OperationHelp &entry : operationHelp()) {
        if (entry.operation == operation)
            return &entry;
    }
    return nullptr;
}

QString globalOptions()
{
    return CommandLine::tr("Global options (before or after the command):\n"
                           "  -s, --server URL        the service (default ws://127.0.0.1:8080/ or MEDIAFORGE_SERVER)\n"
                           "  --token TOKEN           access token (default MEDIAFORGE_TOKEN)\n"
                           "  --json                  one JSON object per event on stdout\n"
                           "  -q, --quiet             no progress and no summary, only errors\n"
                           "  --lang LANGUAGE         language of the messages, e.g. de or en (default: the locale)\n"
                           "  -h, --help              this help; mediaforge COMMAND --help for one command\n"
                           "  -V, --version           the version\n");
}

QString exitCodes()
{
    return CommandLine::tr("Exit codes:\n"
                           "  0    success\n"
                           "  1    the job or the request failed (the service's error code is printed)\n"
                           "  2    usage: bad arguments or option values, nothing was sent\n"
                           "  3    cannot connect to the service, or the connection was lost\n"
                           "  4    token refused or not allowed (UNAUTHORIZED, FORBIDDEN)\n"
                           "  130  interrupted with Ctrl-C (the job was cancelled unless detached)\n");
}

QString runOptions()
{
    return CommandLine::tr("Options:\n"
                           "  -O, --option KEY=VALUE  an option of the operation, repeatable\n"
                           "  --KEY VALUE             the same with the option's name (--max-width 640);\n"
                           "                          true/false options are switches (--accurate, --no-accurate)\n"
                           "  -o, --output PATH       where to save; a folder when there are several outputs or inputs\n"
                           "                          (default: the service's file name in the current folder,\n"
                           "                          several outputs in a folder named after the input)\n"
                           "  -f, --force             overwrite existing files\n"
                           "  --detach                the job runs on without mediaforge; prints its id for\n"
                           "                          'mediaforge fetch' once the service has the input\n"
                           "  --priority PRIORITY     low, normal or high\n"
                           "  --job-id ID             the job's job_id (default: chosen by the service)\n");
}

QString operationOptions(Operation operation)
{
    const QStringList lines = describeOptions(operation);
    if (lines.isEmpty())
        return QString();
    QString text = CommandLine::tr("Options of %1 (the service's schema):\n").arg(CommandLine::commandName(operation));
    // The schema's lines are "name  type  description": shown as aligned columns.
    TextTable table({QString(), QString(), QString()});
    for (const QString &line : lines) {
        const QStringList parts = line.split(QStringLiteral("  "), Qt::SkipEmptyParts);
        table.addRow({QStringLiteral("  ") + parts.value(0), parts.value(1), parts.mid(2).join(QStringLiteral("  "))});
    }
    text += table.render().section(u'\n', 1);
    return text;
}

QString operationHelpText(Operation operation, bool shorthand)
{
    const OperationHelp *help = helpOf(operation);
    const QString name = CommandLine::commandName(operation);
    QString text;
    if (shorthand) {
        text += CommandLine::tr("Usage: mediaforge %1 %2 [options]\n").arg(name, CommandLine::tr(help->synopsis));
        text += CommandLine::tr("       (the same as: mediaforge run %1 ...)\n").arg(name);
    } else {
        text += CommandLine::tr("Usage: mediaforge run %1 %2 [options]\n").arg(name, CommandLine::tr(help->synopsis));
    }
    QString summary = CommandLine::tr(help->summary);
    if (!summary.isEmpty())
        summary[0] = summary.at(0).toUpper();
    text += u'\n' + summary + QStringLiteral(".\n\n");
    text += CommandLine::tr("INPUT is a local file (uploaded), an http(s) URL or storage://NAME/KEY (fetched by the service);\n"
                            "several INPUTs run once each (URLs and storage objects as one batch of the service).\n\n");
    if (help->flags[0] != '\0')
        text += CommandLine::tr("Shorthand flags:\n") + CommandLine::tr(help->flags) + u'\n';
    const QString options = operationOptions(operation);
    if (!options.isEmpty())
        text += options + u'\n';
    text += runOptions() + u'\n' + globalOptions() + u'\n' + exitCodes();
    return text;
}

} // namespace

QString CommandLine::mainHelp()
{
    QString text = tr("Usage: mediaforge [global options] COMMAND [arguments] [options]\n"
                      "\n"
                      "Sends media jobs to a Mediaforge service (mediaforged), shows their progress and saves\n"
                      "the results.\n"
                      "\n"
                      "Jobs:\n"
                      "  run OPERATION INPUT...  any operation, with --option KEY=VALUE\n");
    for (const OperationHelp &entry : operationHelp()) {
        if (entry.operation == Operation::Probe)
            continue;
        const QString name = commandName(entry.operation);
        text += QStringLiteral("  %1  %2\n").arg(name.leftJustified(22), tr(entry.summary));
    }
    text += tr("  preset NAME INPUT       a preset of the service (see presets), with -O KEY=VALUE\n");
    text += tr("  probe INPUT             the format and streams of a file or URL\n"
               "\n"
               "The service:\n"
               "  jobs                    list jobs (--state, --limit, --before, --all)\n"
               "  status JOB              one job's state\n"
               "  cancel JOB              cancel a job\n"
               "  fetch JOB               save the outputs of a detached job (waits for it)\n"
               "  health                  the service's health (HTTP /health)\n"
               "  watch                   live view of every job (admin)\n"
               "  help COMMAND            help for one command\n"
               "\n"
               "INPUT is a local file (uploaded), an http(s) URL or storage://NAME/KEY (fetched by the service);\n"
               "several INPUTs run once each (URLs and storage objects as one batch of the service).\n"
               "JOB is a job_id or the id the service gave the job.\n"
               "\n");
    text += tr("Presets:\n"
               "  presets                 the presets the service offers you, with what each lets you set\n"
               "\n");
    text += globalOptions() + u'\n' + exitCodes();
    text += tr("\nExamples:\n"
               "  mediaforge compress clip.mov --preset high\n"
               "  mediaforge thumbnail clip.mp4 --count 5 -o frames/\n"
               "  mediaforge thumbnail *.mp4 -o thumbs/\n"
               "  mediaforge trim https://example.com/talk.mp4 --from 10 --to 20\n"
               "  mediaforge run convert clip.mov --option target_format=webm\n");
    return text;
}

QString CommandLine::subcommandHelp(const QString &name)
{
    const QString topic = name.trimmed();
    if (topic.startsWith(QLatin1StringView("run "))) {
        if (const auto operation = operationFromCommandName(topic.mid(4).trimmed()))
            return operationHelpText(*operation, false);
        return QString();
    }
    if (topic == QLatin1StringView("run")) {
        QStringList names;
        for (Operation operation : allOperations())
            names.append(commandName(operation));
        return tr("Usage: mediaforge run OPERATION INPUT... [options]\n"
                  "\n"
                  "Runs OPERATION on INPUT, shows the progress and saves the result.\n"
                  "Operations: %1\n"
                  "Options of one operation: mediaforge run OPERATION --help\n"
                  "\n"
                  "INPUT is a local file (uploaded), an http(s) URL or storage://NAME/KEY (fetched by the service);\n"
               "several INPUTs run once each (URLs and storage objects as one batch of the service).\n"
                  "\n")
                       .arg(names.join(QStringLiteral(", ")))
                + runOptions() + u'\n' + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("probe")) {
        return tr("Usage: mediaforge probe INPUT [--json]\n"
                  "\n"
                  "Shows the container format and every stream of a local file (uploaded) or an http(s)\n"
                  "URL (downloaded by the service). --json prints the service's result as it is.\n"
                  "\n")
                + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("jobs")) {
        return tr("Usage: mediaforge jobs [--state STATE[,STATE...]] [--limit N] [--before CURSOR | --all] [--json]\n"
                  "\n"
                  "Lists jobs, newest first: yours, or every job for an admin.\n"
                  "\n"
                  "Options:\n"
                  "  --state STATES          only these: awaiting_upload, downloading, queued, processing,\n"
                  "                          completed, failed, cancelled (repeatable or comma-separated)\n"
                  "  --limit N               at most N jobs, 1 to 1000 (default 100); with --all, per page\n"
                  "  --before CURSOR         the next older page: the cursor the previous page printed\n"
                  "  --all                   every page, down to the oldest job the service keeps\n"
                  "\n"
                  "Unfinished jobs come first, then finished ones from the service's history\n"
                  "(--history-days). When older jobs remain, the command says how to list them.\n"
                  "\n")
                + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("status")) {
        return tr("Usage: mediaforge status JOB [--json]\n"
                  "\n"
                  "Shows one job: its state, progress, input, outputs and error. JOB is its job_id or the\n"
                  "id the service gave it (which also reaches jobs of other connections).\n"
                  "\n")
                + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("cancel")) {
        return tr("Usage: mediaforge cancel JOB\n"
                  "\n"
                  "Cancels a job that has not finished. JOB is its job_id or its id.\n"
                  "\n")
                + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("fetch")) {
        return tr("Usage: mediaforge fetch JOB [-o PATH] [--index N] [--force]\n"
                  "\n"
                  "Saves the outputs of a detached job (see run --detach), checking each file's SHA-256.\n"
                  "Waits, showing the progress, while the job is still running.\n"
                  "\n"
                  "Options:\n"
                  "  -o, --output PATH       where to save; a folder when there are several outputs\n"
                  "  --index N               only output N (from 0)\n"
                  "  -f, --force             overwrite existing files\n"
                  "\n")
                + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("health")) {
        return tr("Usage: mediaforge health [--http URL] [--json]\n"
                  "\n"
                  "Asks the service's HTTP endpoint /health (its address comes from the WebSocket\n"
                  "welcome, or from --http) and prints the status.\n"
                  "\n"
                  "Options:\n"
                  "  --http URL              the HTTP address, e.g. http://127.0.0.1:8081\n"
                  "\n"
                  "Exit codes: 0 healthy, 1 degraded, 3 unreachable.\n"
                  "\n")
                + globalOptions();
    }
    if (topic == QLatin1StringView("watch")) {
        return tr("Usage: mediaforge watch [--json]\n"
                  "\n"
                  "Shows every job of the service live (admins only): a table redrawn in place on a\n"
                  "terminal, one line per event otherwise, the service's messages with --json.\n"
                  "Stops with Ctrl-C (exit code 0).\n"
                  "\n")
                + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("presets")) {
        return tr("Usage: mediaforge presets [--json]\n"
                  "\n"
                  "Lists the presets of the service that your token may use: each name, its operation,\n"
                  "what it is for, and the options you may set with -O (range or choices, default).\n"
                  "\n")
                + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("preset")) {
        return tr("Usage: mediaforge preset NAME INPUT [-O KEY=VALUE]... [options]\n"
                  "       mediaforge run NAME INPUT ... (when NAME is not also an operation)\n"
                  "\n"
                  "Runs the service's preset NAME on INPUT, shows the progress and saves the result.\n"
                  "The preset fixes the operation and its options; -O sets one of those it lets you\n"
                  "set (mediaforge presets lists them). The service checks the values.\n"
                  "\n")
                + runOptions() + u'\n' + globalOptions() + u'\n' + exitCodes();
    }
    if (topic == QLatin1StringView("help"))
        return mainHelp();
    if (const auto operation = operationFromCommandName(topic)) {
        if (*operation == Operation::Probe)
            return subcommandHelp(QStringLiteral("probe"));
        return operationHelpText(*operation, true);
    }
    return QString();
}

} // namespace Mediaforge::Cli
