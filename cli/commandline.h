// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "operations.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Mediaforge::Cli {

// The process exit status, documented in --help and docs/cli.md. Scripts depend on these.
enum class ExitCode {
    Success = 0,
    JobFailed = 1,     // the job (or the request) failed; the service's code is printed
    Usage = 2,         // bad arguments or options, rejected before anything was sent
    Unreachable = 3,   // cannot connect, or the connection was lost
    Auth = 4,          // token refused (close code 1008, UNAUTHORIZED) or not allowed (FORBIDDEN)
    Interrupted = 130, // Ctrl-C (SIGINT); 143 for SIGTERM
};

inline int toInt(ExitCode code)
{
    return static_cast<int>(code);
}

enum class Subcommand { Run, Probe, Jobs, Status, Cancel, Fetch, Health, Watch, Presets };

// Options that apply to every subcommand; accepted before or after it.
struct GlobalOptions
{
    QUrl server;
    QString token;
    QString lang;             // empty: follow the locale
    bool json = false;
    bool quiet = false;
};

// A fully parsed command line: everything typed, nothing left to interpret.
struct Command
{
    Subcommand subcommand = Subcommand::Run;
    QString shorthand;        // "compress", "trim", ... when a shorthand was used
    GlobalOptions global;

    // run (and probe, which runs the probe operation)
    Operation operation = Operation::Probe;
    QStringList inputs;       // local paths, http(s) URLs or storage://NAME/KEY, as given
    QJsonObject options;      // typed by the operation's schema, as the user gave them
    QString jobId;            // --job-id; empty: the service picks one
    QString priority;         // empty: the service's default (normal)
    bool detach = false;
    bool force = false;       // overwrite existing files
    QString output;           // -o: a file, or a folder for several outputs
    // `run PRESET` or `preset PRESET`: a preset of the service (list_presets) instead of an
    // operation; `operation` is then learnt from the service before the job starts.
    QString preset;

    // jobs
    QStringList states;
    int limit = 0;            // 0: the service's default
    QString before;           // --before: a next_before cursor from an earlier page
    bool allPages = false;    // --all: follow next_before to the end of the history

    // status, cancel, fetch
    QString job;              // a job_id or a service id
    int index = -1;           // fetch --index

    // health
    QUrl httpUrl;             // --http; empty: the welcome's http_url
};

// What main() does with the command line: run a command, print a text (help, version), or
// fail with a message and an exit code.
struct ParseOutcome
{
    enum class Action { Execute, Print, Fail };
    Action action = Action::Fail;
    Command command;
    QString text;             // Print: for stdout; Fail: one line for stderr
    int exitCode = toInt(ExitCode::Usage);
    QString code;             // Fail: USAGE, or the shared validation's VALIDATION_ERROR
    QJsonValue details;       // Fail: the validation's offending paths
};

class CommandLine
{
    Q_DECLARE_TR_FUNCTIONS(CommandLine)
public:
    static constexpr const char *kDefaultServer = "ws://127.0.0.1:8080/";

    // `arguments` without the program name. MEDIAFORGE_SERVER and MEDIAFORGE_TOKEN come from
    // `environment`; flags win over them.
    static ParseOutcome parse(const QStringList &arguments, const QProcessEnvironment &environment);

    // The start_job message for a run command (local inputs get their size from disk), checked
    // with the same code the service uses: VALIDATION_ERROR with the service's message.
    static Result<QJsonObject> startJobMessage(const Command &command);
    // Several inputs for an operation that takes one run as a batch (docs/cli.md).
    static bool isBatch(const Command &command);
    // The start_batch message for a batch of URLs and storage objects: the operation or preset
    // and options once, `inputs` in the order given.
    static QJsonObject startBatchMessage(const Command &command);
    // The start_job message of the batch's input `index` alone.
    static Result<QJsonObject> itemStartJobMessage(const Command &command, int index);

    // --lang from the arguments without parsing the rest, so that even the parse errors can be
    // translated.
    static QString languageFromArguments(const QStringList &arguments);

    static bool isUrl(const QString &input);
    // storage://NAME/KEY: an object of a storage the service's operator configured.
    static bool isStorage(const QString &input);
    // A URL or a storage object: the service fetches it, nothing is uploaded.
    static bool isRemote(const QString &input) { return isUrl(input) || isStorage(input); }
    // The input's file name as people know it (the URL's or key's last segment).
    static QString inputName(const QString &input);
    static constexpr int kMaxInputs = 1000;
    // "extract-audio" and "extract_audio" both name Operation::ExtractAudio.
    static std::optional<Operation> operationFromCommandName(const QString &name);
    static QString commandName(Operation operation);

    static QString mainHelp();
    static QString subcommandHelp(const QString &name);
};

} // namespace Mediaforge::Cli
