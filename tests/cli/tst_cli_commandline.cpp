// SPDX-License-Identifier: GPL-3.0-or-later
// The command line of mediaforge: global options anywhere, shorthands turned into exactly the
// start_job the service expects, bad option values refused with the service's own words.
#include "commandline.h"
#include "preset.h"
#include "startbatch.h"
#include "startjob.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;
using namespace Mediaforge::Cli;

class TestCommandLine : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void jobsPagingFlags();

    void globalOptionsBeforeOrAfter_data();
    void globalOptionsBeforeOrAfter();
    void environmentDefaultsAndFlagsWin();

    void shorthandsBuildStartJob_data();
    void shorthandsBuildStartJob();

    void badOptionValuesUseTheServiceMessage_data();
    void badOptionValuesUseTheServiceMessage();

    void usageErrors_data();
    void usageErrors();

    void severalInputsAreABatchOfOneMessageOrOfOneJobEach();

    void jobSubcommands_data();
    void jobSubcommands();

    void presetsRunByName_data();
    void presetsRunByName();
    void presetsListsThePresets();

    void helpAndVersion_data();
    void helpAndVersion();
    void languageIsFoundBeforeParsing();

private:
    QStringList args(const QString &line) const;
    ParseOutcome parse(const QString &line, const QProcessEnvironment &environment = {}) const;

    QTemporaryDir m_dir;
};

void TestCommandLine::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Inputs of known sizes; their names are what start_job carries.
    const QList<std::pair<QString, int>> files{{QStringLiteral("in.mov"), 1234}, {QStringLiteral("in.mp4"), 2000},
                                               {QStringLiteral("a.mp4"), 10}, {QStringLiteral("b.mp4"), 20},
                                               {QStringLiteral("c.mp4"), 30}};
    for (const auto &[name, size] : files) {
        QFile file(m_dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(size, 'x'));
    }
}

// "@name" stands for the temporary file of that name, so rows stay readable. Arguments are
// separated by spaces, or by '|' in rows whose arguments contain spaces or quotes.
QStringList TestCommandLine::args(const QString &line) const
{
    QStringList list = line.split(line.contains(u'|') ? u'|' : u' ', Qt::SkipEmptyParts);
    for (QString &argument : list) {
        if (argument.startsWith(u'@'))
            argument = m_dir.filePath(argument.mid(1));
    }
    return list;
}

ParseOutcome TestCommandLine::parse(const QString &line, const QProcessEnvironment &environment) const
{
    return CommandLine::parse(args(line), environment);
}

void TestCommandLine::globalOptionsBeforeOrAfter_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("server");
    QTest::addColumn<QString>("token");
    QTest::addColumn<bool>("json");
    QTest::addColumn<bool>("quiet");
    QTest::addColumn<int>("subcommand");

    const QString defaultServer = QStringLiteral("ws://127.0.0.1:8080/");
    QTest::newRow("defaults") << "jobs" << defaultServer << "" << false << false << int(Subcommand::Jobs);
    QTest::newRow("server before") << "--server ws://10.0.0.5:9000/ jobs" << "ws://10.0.0.5:9000/" << "" << false << false
                                   << int(Subcommand::Jobs);
    QTest::newRow("server after") << "jobs --server ws://10.0.0.5:9000/" << "ws://10.0.0.5:9000/" << "" << false << false
                                  << int(Subcommand::Jobs);
    QTest::newRow("server=, host:port") << "status --server=example.org:9000 job-1" << "ws://example.org:9000" << "" << false
                                        << false << int(Subcommand::Status);
    QTest::newRow("-s wss") << "-s wss://media.example/ws health" << "wss://media.example/ws" << "" << false << false
                            << int(Subcommand::Health);
    QTest::newRow("token and json mixed") << "--json cancel job-7 --token secret-token-123" << defaultServer
                                          << "secret-token-123" << true << false << int(Subcommand::Cancel);
    QTest::newRow("quiet after shorthand") << "compress @in.mov -q" << defaultServer << "" << false << true
                                           << int(Subcommand::Run);
    QTest::newRow("everything before run") << "--quiet --json --token t run compress @in.mov" << defaultServer << "t"
                                           << true << true << int(Subcommand::Run);
    QTest::newRow("probe url with options around") << "--json probe https://example.org/a.mp4 --server ws://[::1]:8080/"
                                                   << "ws://[::1]:8080/" << "" << true << false << int(Subcommand::Probe);
}

void TestCommandLine::globalOptionsBeforeOrAfter()
{
    QFETCH(QString, line);
    const ParseOutcome outcome = parse(line);
    QCOMPARE(outcome.text, QString());
    QCOMPARE(int(outcome.action), int(ParseOutcome::Action::Execute));
    QFETCH(QString, server);
    QFETCH(QString, token);
    QFETCH(bool, json);
    QFETCH(bool, quiet);
    QFETCH(int, subcommand);
    QCOMPARE(outcome.command.global.server.toString(), server);
    QCOMPARE(outcome.command.global.token, token);
    QCOMPARE(outcome.command.global.json, json);
    QCOMPARE(outcome.command.global.quiet, quiet);
    QCOMPARE(int(outcome.command.subcommand), subcommand);
}

void TestCommandLine::environmentDefaultsAndFlagsWin()
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("MEDIAFORGE_SERVER"), QStringLiteral("ws://192.0.2.1:7000/"));
    environment.insert(QStringLiteral("MEDIAFORGE_TOKEN"), QStringLiteral("from-environment"));
    ParseOutcome outcome = parse(QStringLiteral("jobs"), environment);
    QCOMPARE(outcome.command.global.server.toString(), QStringLiteral("ws://192.0.2.1:7000/"));
    QCOMPARE(outcome.command.global.token, QStringLiteral("from-environment"));
    outcome = parse(QStringLiteral("jobs --server ws://127.0.0.1:1/ --token from-flag"), environment);
    QCOMPARE(outcome.command.global.server.toString(), QStringLiteral("ws://127.0.0.1:1/"));
    QCOMPARE(outcome.command.global.token, QStringLiteral("from-flag"));
}

void TestCommandLine::shorthandsBuildStartJob_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("expected");

    QTest::newRow("compress --preset high")
            << "compress @in.mov --preset high"
            << R"({"type":"start_job","operation":"compress","input":{"source":"upload","filename":"in.mov","size":1234},"options":{"preset":"high"}})";
    QTest::newRow("compress dashes name options")
            << "compress @in.mov --max-width 640 --crf 23 --format mkv"
            << R"({"type":"start_job","operation":"compress","input":{"source":"upload","filename":"in.mov","size":1234},"options":{"max_width":640,"crf":23,"target_format":"mkv"}})";
    QTest::newRow("thumbnail --at")
            << "thumbnail @in.mp4 --at 12.5"
            << R"({"type":"start_job","operation":"thumbnail","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"timestamp":12.5}})";
    QTest::newRow("thumbnail --count of a URL")
            << "thumbnail https://media.example/clip.mp4?x=1 --count 5"
            << R"({"type":"start_job","operation":"thumbnail","input":{"source":"url","url":"https://media.example/clip.mp4?x=1"},"options":{"count":5}})";
    QTest::newRow("thumbnail contact sheet")
            << "thumbnail @in.mp4 --count 6 --tile 3x2 --format jpg"
            << R"({"type":"start_job","operation":"thumbnail","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"count":6,"tile":{"columns":3,"rows":2},"format":"jpeg"}})";
    QTest::newRow("trim --from --to")
            << "trim @in.mp4 --from 10 --to 20"
            << R"({"type":"start_job","operation":"trim","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"start_time":10,"end_time":20}})";
    QTest::newRow("trim switch and =")
            << "trim @in.mp4 --from=1.5 --accurate"
            << R"({"type":"start_job","operation":"trim","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"start_time":1.5,"accurate":true}})";
    QTest::newRow("trim --no-accurate")
            << "trim @in.mp4 --no-accurate --end 4"
            << R"({"type":"start_job","operation":"trim","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"end_time":4,"accurate":false}})";
    QTest::newRow("convert --to webm")
            << "convert @in.mov --to webm"
            << R"({"type":"start_job","operation":"convert","input":{"source":"upload","filename":"in.mov","size":1234},"options":{"target_format":"webm"}})";
    QTest::newRow("convert codecs, bool value")
            << "convert @in.mov --to mkv --video-codec libx265 --stream-copy=false"
            << R"({"type":"start_job","operation":"convert","input":{"source":"upload","filename":"in.mov","size":1234},"options":{"target_format":"mkv","video_codec":"hevc","stream_copy":false}})";
    QTest::newRow("speed --factor")
            << "speed @in.mp4 --factor 2 --maintain-pitch"
            << R"({"type":"start_job","operation":"speed","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"speed_factor":2,"maintain_pitch":true}})";
    QTest::newRow("gif --duration")
            << "gif @in.mp4 --duration 3 --from 1 --fps 12"
            << R"({"type":"start_job","operation":"gif","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"duration":3,"start_time":1,"fps":12}})";
    QTest::newRow("extract-audio --format")
            << "extract-audio @in.mp4 --format mp3 --bitrate 192"
            << R"({"type":"start_job","operation":"extract_audio","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"format":"mp3","bitrate_kbps":192}})";
    QTest::newRow("remove-audio")
            << "remove-audio @in.mp4"
            << R"({"type":"start_job","operation":"remove_audio","input":{"source":"upload","filename":"in.mp4","size":2000}})";
    QTest::newRow("thumbnail of a storage object")
            << "thumbnail|storage://media/uploads/2026/clip 1.mp4|--at|2"
            << R"({"type":"start_job","operation":"thumbnail","input":{"source":"storage","storage":"media","key":"uploads/2026/clip 1.mp4"},"options":{"timestamp":2}})";
    QTest::newRow("concat uploads")
            << "concat @a.mp4 @b.mp4 @c.mp4 --to mkv"
            << R"({"type":"start_job","operation":"concat","input":{"source":"upload","filename":"a.mp4"},"options":{"target_format":"mkv","file_count":3}})";
    QTest::newRow("concat URLs")
            << "concat http://h.example/1.mp4 https://h.example/2.mp4"
            << R"({"type":"start_job","operation":"concat","inputs":[{"source":"url","url":"http://h.example/1.mp4"},{"source":"url","url":"https://h.example/2.mp4"}]})";
    QTest::newRow("filter list")
            << R"(filter|@in.mp4|--filter|grayscale|--filter|scale:width=320|--filter|{"type":"fps","fps":10})"
            << R"({"type":"start_job","operation":"filter","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"filters":[{"type":"grayscale"},{"type":"scale","width":320},{"type":"fps","fps":10}]}})";
    QTest::newRow("extract-subtitles --index")
            << "extract-subtitles @in.mp4 --index 1 --format vtt"
            << R"({"type":"start_job","operation":"extract_subtitles","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"subtitle_index":1,"format":"vtt"}})";
    QTest::newRow("run with --option")
            << "run convert @in.mov --option target_format=mp3 -O audio_codec=libmp3lame"
            << R"({"type":"start_job","operation":"convert","input":{"source":"upload","filename":"in.mov","size":1234},"options":{"target_format":"mp3","audio_codec":"mp3"}})";
    QTest::newRow("run underscore name, run flags")
            << "--detach run extract_audio @in.mp4 --priority high --job-id my-job.1"
            << R"({"type":"start_job","operation":"extract_audio","input":{"source":"upload","filename":"in.mp4","size":2000},"priority":"high","detach":true,"job_id":"my-job.1"})";
    QTest::newRow("probe")
            << "probe @in.mp4"
            << R"({"type":"start_job","operation":"probe","input":{"source":"upload","filename":"in.mp4","size":2000}})";
}

void TestCommandLine::shorthandsBuildStartJob()
{
    QFETCH(QString, line);
    QFETCH(QString, expected);
    const ParseOutcome outcome = parse(line);
    QCOMPARE(outcome.text, QString());
    QCOMPARE(int(outcome.action), int(ParseOutcome::Action::Execute));
    const Result<QJsonObject> message = CommandLine::startJobMessage(outcome.command);
    QVERIFY2(message.ok(), qPrintable(message.ok() ? QString() : message.error().message));
    // Compared as canonical JSON text: key order and 5 vs 5.0 do not matter on the wire.
    const QJsonObject expectedObject = QJsonDocument::fromJson(expected.toUtf8()).object();
    QVERIFY(!expectedObject.isEmpty());
    QCOMPARE(QString::fromUtf8(QJsonDocument(message.value()).toJson(QJsonDocument::Compact)),
             QString::fromUtf8(QJsonDocument(expectedObject).toJson(QJsonDocument::Compact)));
    // And the service accepts it.
    QVERIFY(StartJobRequest::fromJson(message.value()).ok());
}

void TestCommandLine::presetsRunByName_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("output");

    QTest::newRow("preset with -O")
            << "preset web-720p @in.mp4 -O crf=26"
            << R"({"type":"start_job","preset":"web-720p","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"crf":26}})"
            << "";
    QTest::newRow("run NAME that is no operation")
            << "run poster @in.mp4 --option timestamp=1.5 -o poster.jpg"
            << R"({"type":"start_job","preset":"poster","input":{"source":"upload","filename":"in.mp4","size":2000},"options":{"timestamp":1.5}})"
            << "poster.jpg";
    QTest::newRow("preset named like an operation")
            << "preset compress https://h.example/a.mov --priority low"
            << R"({"type":"start_job","preset":"compress","input":{"source":"url","url":"https://h.example/a.mov"},"priority":"low"})"
            << "";
    // --preset stays compress's own option.
    QTest::newRow("compress --preset is not a preset")
            << "compress @in.mov --preset low"
            << R"({"type":"start_job","operation":"compress","input":{"source":"upload","filename":"in.mov","size":1234},"options":{"preset":"low"}})"
            << "";
}

void TestCommandLine::presetsRunByName()
{
    QFETCH(QString, line);
    QFETCH(QString, expected);
    QFETCH(QString, output);
    const ParseOutcome outcome = parse(line);
    QCOMPARE(outcome.text, QString());
    QCOMPARE(int(outcome.action), int(ParseOutcome::Action::Execute));
    QCOMPARE(int(outcome.command.subcommand), int(Subcommand::Run));
    QCOMPARE(outcome.command.output, output);
    const Result<QJsonObject> message = CommandLine::startJobMessage(outcome.command);
    QVERIFY2(message.ok(), qPrintable(message.ok() ? QString() : message.error().message));
    const QJsonObject expectedObject = QJsonDocument::fromJson(expected.toUtf8()).object();
    QVERIFY(!expectedObject.isEmpty());
    QCOMPARE(QString::fromUtf8(QJsonDocument(message.value()).toJson(QJsonDocument::Compact)),
             QString::fromUtf8(QJsonDocument(expectedObject).toJson(QJsonDocument::Compact)));
}

void TestCommandLine::presetsListsThePresets()
{
    const ParseOutcome outcome = parse(QStringLiteral("presets --json"));
    QCOMPARE(outcome.text, QString());
    QCOMPARE(int(outcome.command.subcommand), int(Subcommand::Presets));
    QVERIFY(outcome.command.global.json);
    QCOMPARE(parse(QStringLiteral("presets extra")).exitCode, 2);
    QVERIFY(CommandLine::subcommandHelp(QStringLiteral("preset")).contains(QStringLiteral("-O KEY=VALUE")));
    QVERIFY(CommandLine::mainHelp().contains(QStringLiteral("presets")));
}

void TestCommandLine::badOptionValuesUseTheServiceMessage_data()
{
    QTest::addColumn<QString>("line");
    // The same request as the service would get it: its refusal must read exactly the same.
    QTest::addColumn<QString>("equivalent");
    QTest::addColumn<QString>("path");

    QTest::newRow("crf out of range")
            << "compress @in.mov --crf 99" << R"({"operation":"compress","input":{"source":"upload"},"options":{"crf":99}})"
            << "options.crf";
    QTest::newRow("preset unknown")
            << "compress @in.mov --preset ultra"
            << R"({"operation":"compress","input":{"source":"upload"},"options":{"preset":"ultra"}})" << "options.preset";
    QTest::newRow("count too high")
            << "thumbnail @in.mp4 --count 50" << R"({"operation":"thumbnail","input":{"source":"upload"},"options":{"count":50}})"
            << "options.count";
    QTest::newRow("speed factor out of range")
            << "speed @in.mp4 --factor 20"
            << R"({"operation":"speed","input":{"source":"upload"},"options":{"speed_factor":20}})" << "options.speed_factor";
    QTest::newRow("gif without duration")
            << "gif @in.mp4" << R"({"operation":"gif","input":{"source":"upload"}})" << "options.duration";
    QTest::newRow("timestamp and count")
            << "thumbnail @in.mp4 --at 5 --count 3"
            << R"({"operation":"thumbnail","input":{"source":"upload"},"options":{"timestamp":5,"count":3}})" << "options.count";
    QTest::newRow("end before start")
            << "trim @in.mp4 --from 20 --to 10"
            << R"({"operation":"trim","input":{"source":"upload"},"options":{"start_time":20,"end_time":10}})"
            << "options.end_time";
    QTest::newRow("format not for extract_audio")
            << "run extract-audio @in.mp4 -O format=webm"
            << R"({"operation":"extract_audio","input":{"source":"upload"},"options":{"format":"webm"}})" << "options.format";
    QTest::newRow("priority")
            << "compress @in.mov --priority urgent"
            << R"({"operation":"compress","input":{"source":"upload"},"priority":"urgent"})" << "priority";
    QTest::newRow("job id")
            << "compress @in.mov --job-id has/slash"
            << R"({"operation":"compress","input":{"source":"upload"},"job_id":"has/slash"})" << "job_id";
    QTest::newRow("url that is not one")
            << "compress|http://exa mple.org/a.mp4"
            << R"({"operation":"compress","input":{"source":"url","url":"http://exa mple.org/a.mp4"}})" << "input.url";
}

void TestCommandLine::badOptionValuesUseTheServiceMessage()
{
    QFETCH(QString, line);
    QFETCH(QString, equivalent);
    QFETCH(QString, path);
    const ParseOutcome outcome = parse(line);
    QCOMPARE(int(outcome.action), int(ParseOutcome::Action::Fail));
    QCOMPARE(outcome.exitCode, 2);
    QCOMPARE(outcome.code, QStringLiteral("VALIDATION_ERROR"));
    const Result<StartJobRequest> service = StartJobRequest::fromJson(QJsonDocument::fromJson(equivalent.toUtf8()).object());
    QVERIFY(!service.ok());
    QCOMPARE(outcome.text, QStringLiteral("error: VALIDATION_ERROR: ") + service.error().message);
    QVERIFY2(outcome.text.contains(path + QStringLiteral(": ")), qPrintable(outcome.text));
    QCOMPARE(outcome.details.toArray().first().toObject().value(QStringLiteral("path")).toString(), path);
}

void TestCommandLine::usageErrors_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("message");

    QTest::newRow("nothing") << "" << "mediaforge: a command is required (see 'mediaforge --help')";
    QTest::newRow("unknown command") << "frobnicate x" << "mediaforge: unknown command 'frobnicate' (see 'mediaforge --help')";
    // A word that could be a preset's name goes to the service as one (presetsRunByName).
    QTest::newRow("unknown operation")
            << "run Explode! @in.mp4"
            << "mediaforge: unknown operation 'Explode!'; operations are speed, compress, extract-audio, remove-audio, "
               "convert, thumbnail, trim, concat, gif, filter, extract-subtitles, burn-subtitles, probe (see 'mediaforge run --help')";
    QTest::newRow("unknown flag") << "jobs --verbose" << "mediaforge: unknown option --verbose (see 'mediaforge jobs --help')";
    QTest::newRow("flag of another command") << "jobs --detach" << "mediaforge: unknown option --detach (see 'mediaforge jobs --help')";
    QTest::newRow("shorthand flag of another operation")
            << "compress @in.mov --factor 2" << "mediaforge: unknown option --factor (see 'mediaforge compress --help')";
    QTest::newRow("missing input") << "compress" << "mediaforge: missing the input file or URL (see 'mediaforge compress --help')";
    QTest::newRow("two inputs to probe") << "probe @in.mp4 @a.mp4"
                                         << QStringLiteral("mediaforge: unexpected argument '%1' (see 'mediaforge probe --help')")
                                                    .arg(m_dir.filePath(QStringLiteral("a.mp4")));
    QTest::newRow("several inputs mixed")
            << "thumbnail @a.mp4 storage://media/b.mp4"
            << "mediaforge: several inputs are either all local files or all URLs and storage objects (see 'mediaforge thumbnail --help')";
    QTest::newRow("several inputs, one job id")
            << "thumbnail @a.mp4 @b.mp4 --job-id x"
            << "mediaforge: --job-id names one job; several inputs get one each (see 'mediaforge thumbnail --help')";
    QTest::newRow("several local inputs detached")
            << "thumbnail @a.mp4 @b.mp4 --detach"
            << "mediaforge: --detach needs URLs or storage objects when there are several inputs (local files are uploaded while mediaforge runs) (see 'mediaforge thumbnail --help')";
    QTest::newRow("several inputs into a file")
            << "thumbnail @a.mp4 @b.mp4 -o @in.mov"
            << QStringLiteral("mediaforge: -o must be a folder when there are several inputs; %1 is a file (see 'mediaforge thumbnail --help')")
                       .arg(m_dir.filePath(QStringLiteral("in.mov")));
    QTest::newRow("storage without key")
            << "thumbnail storage://media" << "mediaforge: a storage object is storage://NAME/KEY, not 'storage://media' (see 'mediaforge thumbnail --help')";
    QTest::newRow("no such file") << "compress /nonexistent/clip.mov" << "mediaforge: cannot read /nonexistent/clip.mov: no such file";
    QTest::newRow("not http") << "compress ftp://h.example/a.mp4"
                              << "mediaforge: only http://, https:// and storage:// URLs can be inputs, not 'ftp://h.example/a.mp4' (see 'mediaforge compress --help')";
    QTest::newRow("concat of one") << "concat @a.mp4" << "mediaforge: missing the input files or URLs (2 to 50) (see 'mediaforge concat --help')";
    QTest::newRow("concat mixed")
            << "concat @a.mp4 https://h.example/b.mp4" << "mediaforge: concat takes either local files or URLs, not both (see 'mediaforge concat --help')";
    QTest::newRow("value missing") << "trim @in.mp4 --from" << "mediaforge: option --from needs a value (see 'mediaforge trim --help')";
    QTest::newRow("bad server") << "jobs --server http://h.example/" << "mediaforge: --server needs a ws:// or wss:// URL, not 'http://h.example/' (see 'mediaforge jobs --help')";
    QTest::newRow("bad state")
            << "jobs --state running"
            << "mediaforge: unknown state 'running'; states are awaiting_upload, downloading, queued, processing, completed, failed, cancelled (see 'mediaforge jobs --help')";
    QTest::newRow("bad limit") << "jobs --limit 0" << "mediaforge: --limit must be a whole number from 1 to 1000 (see 'mediaforge jobs --help')";
    QTest::newRow("empty cursor") << "jobs --before=" << "mediaforge: --before takes the cursor a previous page printed (see 'mediaforge jobs --help')";
    QTest::newRow("status without job") << "status" << "mediaforge: missing the job (its job_id or id) (see 'mediaforge status --help')";
    QTest::newRow("switch with value") << "jobs --json=yes" << "mediaforge: option --json takes no value (see 'mediaforge jobs --help')";
    QTest::newRow("bad filter") << "filter @in.mp4 --filter scale:640" << "mediaforge: cannot read the filter 'scale:640'; write it as type or type:key=value,key=value (see 'mediaforge filter --help')";
}

void TestCommandLine::usageErrors()
{
    QFETCH(QString, line);
    QFETCH(QString, message);
    const ParseOutcome outcome = parse(line);
    QCOMPARE(int(outcome.action), int(ParseOutcome::Action::Fail));
    QCOMPARE(outcome.exitCode, 2);
    QCOMPARE(outcome.text, message);
}

void TestCommandLine::severalInputsAreABatchOfOneMessageOrOfOneJobEach()
{
    // URLs and storage objects: one start_batch, the operation and options once.
    ParseOutcome outcome = parse(QStringLiteral("thumbnail https://h.example/a.mp4 storage://media/in/b.mp4 --width 64 --priority high"));
    QCOMPARE(outcome.text, QString());
    QVERIFY(CommandLine::isBatch(outcome.command));
    const QJsonObject batch = CommandLine::startBatchMessage(outcome.command);
    const QJsonObject expected = QJsonDocument::fromJson(
            R"({"type":"start_batch","operation":"thumbnail","options":{"width":64},"priority":"high",
                "inputs":[{"source":"url","url":"https://h.example/a.mp4"},{"source":"storage","storage":"media","key":"in/b.mp4"}]})")
                                         .object();
    QCOMPARE(QString::fromUtf8(QJsonDocument(batch).toJson(QJsonDocument::Compact)),
             QString::fromUtf8(QJsonDocument(expected).toJson(QJsonDocument::Compact)));
    // And the service's own check of a start_batch accepts it, both items.
    const Result<StartBatchRequest> checked = StartBatchRequest::fromJson(batch, PresetCatalog::builtins(), 100);
    QVERIFY2(checked.ok(), qPrintable(checked.ok() ? QString() : checked.error().message));
    QCOMPARE(checked.value().items.size(), 2);
    QVERIFY(checked.value().items.at(1).inputs.constFirst().isStorage);

    // Local files: a start_job each, each with its own file's name and size.
    outcome = parse(QStringLiteral("compress @a.mp4 @b.mp4 @c.mp4 --crf 30"));
    QCOMPARE(outcome.text, QString());
    QVERIFY(CommandLine::isBatch(outcome.command));
    const Result<QJsonObject> second = CommandLine::itemStartJobMessage(outcome.command, 1);
    QVERIFY(second.ok());
    QCOMPARE(second.value().value(QStringLiteral("input")).toObject(),
             (QJsonObject{{QStringLiteral("source"), QStringLiteral("upload")}, {QStringLiteral("filename"), QStringLiteral("b.mp4")},
                          {QStringLiteral("size"), 20}}));
    QCOMPARE(second.value().value(QStringLiteral("options")).toObject().value(QStringLiteral("crf")).toInt(), 30);

    // An option one input would refuse refuses them all, before anything is sent.
    outcome = parse(QStringLiteral("thumbnail @a.mp4 @b.mp4 --width 1"));
    QCOMPARE(int(outcome.action), int(ParseOutcome::Action::Fail));
    QCOMPARE(outcome.code, QStringLiteral("VALIDATION_ERROR"));

    // Concat takes several inputs as one job, as always.
    QVERIFY(!CommandLine::isBatch(parse(QStringLiteral("concat @a.mp4 @b.mp4")).command));
    QVERIFY(!CommandLine::isBatch(parse(QStringLiteral("thumbnail @a.mp4")).command));
}

void TestCommandLine::jobSubcommands_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<int>("subcommand");
    QTest::addColumn<QString>("job");
    QTest::addColumn<QStringList>("states");
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("output");

    QTest::newRow("jobs filtered") << "jobs --state queued,processing --state queued --limit 5" << int(Subcommand::Jobs) << ""
                                   << QStringList{QStringLiteral("queued"), QStringLiteral("processing")} << 5 << -1 << "";
    QTest::newRow("status") << "status 5f3a0c" << int(Subcommand::Status) << "5f3a0c" << QStringList() << 0 << -1 << "";
    QTest::newRow("fetch") << "fetch job-1 -o out/ --index 2 --force" << int(Subcommand::Fetch) << "job-1" << QStringList() << 0
                           << 2 << "out/";
    QTest::newRow("cancel") << "cancel -- -odd-id" << int(Subcommand::Cancel) << "-odd-id" << QStringList() << 0 << -1 << "";
    QTest::newRow("watch") << "watch --json" << int(Subcommand::Watch) << "" << QStringList() << 0 << -1 << "";
}

void TestCommandLine::jobSubcommands()
{
    QFETCH(QString, line);
    const ParseOutcome outcome = parse(line);
    QCOMPARE(outcome.text, QString());
    QFETCH(int, subcommand);
    QFETCH(QString, job);
    QFETCH(QStringList, states);
    QFETCH(int, limit);
    QFETCH(int, index);
    QFETCH(QString, output);
    QCOMPARE(int(outcome.command.subcommand), subcommand);
    QCOMPARE(outcome.command.job, job);
    QCOMPARE(outcome.command.states, states);
    QCOMPARE(outcome.command.limit, limit);
    QCOMPARE(outcome.command.index, index);
    QCOMPARE(outcome.command.output, output);
    const ParseOutcome health = parse(QStringLiteral("health --http 127.0.0.1:8081"));
    QCOMPARE(health.command.httpUrl.toString(), QStringLiteral("http://127.0.0.1:8081"));
}

void TestCommandLine::jobsPagingFlags()
{
    const ParseOutcome page = parse(QStringLiteral("jobs --limit 20 --before 1780000040000.17"));
    QCOMPARE(page.text, QString());
    QCOMPARE(page.command.before, QStringLiteral("1780000040000.17"));
    QVERIFY(!page.command.allPages);
    const ParseOutcome all = parse(QStringLiteral("jobs --all --json"));
    QCOMPARE(all.text, QString());
    QVERIFY(all.command.allPages);
    QCOMPARE(all.command.before, QString());
}

void TestCommandLine::helpAndVersion_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QStringList>("contains");

    QTest::newRow("--help") << "--help" << QStringList{QStringLiteral("Usage: mediaforge [global options] COMMAND"),
                                                        QStringLiteral("Exit codes:"), QStringLiteral("  130  interrupted")};
    QTest::newRow("help jobs") << "help jobs" << QStringList{QStringLiteral("Usage: mediaforge jobs"), QStringLiteral("--state")};
    QTest::newRow("compress --help") << "compress --help"
                                     << QStringList{QStringLiteral("Usage: mediaforge compress INPUT"), QStringLiteral("crf"),
                                                    QStringLiteral("--format, --to FORMAT")};
    QTest::newRow("help despite errors") << "trim --bogus --help" << QStringList{QStringLiteral("Usage: mediaforge trim"),
                                                                                  QStringLiteral("--from, --start SECONDS")};
    QTest::newRow("run trim --help") << "run trim --help" << QStringList{QStringLiteral("Usage: mediaforge run trim"),
                                                                          QStringLiteral("end_time")};
    QTest::newRow("run --help") << "run --help" << QStringList{QStringLiteral("Usage: mediaforge run OPERATION"),
                                                                QStringLiteral("extract-subtitles")};
    QTest::newRow("fetch -h") << "fetch -h" << QStringList{QStringLiteral("Usage: mediaforge fetch JOB")};
    QTest::newRow("health") << "health --help" << QStringList{QStringLiteral("0 healthy, 1 degraded, 3 unreachable")};
    QTest::newRow("--version") << "--version" << QStringList{QStringLiteral("mediaforge ") + QStringLiteral(MEDIAFORGE_VERSION) + u'\n'};
}

void TestCommandLine::helpAndVersion()
{
    QFETCH(QString, line);
    QFETCH(QStringList, contains);
    const ParseOutcome outcome = parse(line);
    QCOMPARE(int(outcome.action), int(ParseOutcome::Action::Print));
    QCOMPARE(outcome.exitCode, 0);
    for (const QString &text : contains)
        QVERIFY2(outcome.text.contains(text), qPrintable(text + QStringLiteral(" not in:\n") + outcome.text));
}

void TestCommandLine::languageIsFoundBeforeParsing()
{
    QCOMPARE(CommandLine::languageFromArguments({QStringLiteral("--bogus"), QStringLiteral("--lang"), QStringLiteral("de")}),
             QStringLiteral("de"));
    QCOMPARE(CommandLine::languageFromArguments({QStringLiteral("jobs"), QStringLiteral("--lang=en")}), QStringLiteral("en"));
    QCOMPARE(CommandLine::languageFromArguments({QStringLiteral("--"), QStringLiteral("--lang=de")}), QString());
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_cli_commandline.moc"
