// SPDX-License-Identifier: GPL-3.0-or-later
#include "probe.h"

#include "logging/logging.h"
#include "proberpool.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStringDecoder>
#include <QTimer>

#include <algorithm>
#include <csignal>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Mediaforge {

namespace {

// Every playlist and reference format announces itself in its first lines.
constexpr qint64 kSniffBytes = 4096;
// ffprobe's JSON for a sane file is a few KiB; thousands of streams or huge tags are an attack
// on our memory, not media we want to process.
constexpr qsizetype kMaxJsonBytes = 8 * 1024 * 1024;
constexpr qsizetype kStderrTailBytes = 4096;

struct Detected
{
    QString id;     // machine-readable, in details.detected
    QString name;   // for the message
};

QString decodeHead(QByteArray head)
{
    if (head.startsWith("\xEF\xBB\xBF"))
        return QString::fromUtf8(head.sliced(3));
    // Windows tools write ASX and M3U in UTF-16 now and then.
    if (head.startsWith("\xFF\xFE"))
        return QStringDecoder(QStringDecoder::Utf16LE).decode(head.sliced(2));
    if (head.startsWith("\xFE\xFF"))
        return QStringDecoder(QStringDecoder::Utf16BE).decode(head.sliced(2));
    return QString::fromUtf8(head);
}

// Text has no control characters besides line breaks and tabs; every binary container has
// some (NUL at least) in its first 4 KiB.
bool isText(QStringView text)
{
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 && u != u'\t' && u != u'\n' && u != u'\r' && u != u'\f')
            return false;
    }
    return true;
}

bool isComment(QStringView line)
{
    return line.startsWith(u'#');
}

std::optional<Detected> detect(const QByteArray &head)
{
    const QString text = decodeHead(head);
    const QStringView trimmed = QStringView(text).trimmed();

    // HLS is the one playlist ffmpeg follows by default; check it even in text that also
    // holds binary junk.
    if (trimmed.startsWith(QLatin1StringView("#EXTM3U"), Qt::CaseInsensitive)) {
        if (trimmed.contains(QLatin1StringView("#EXT-X-"), Qt::CaseInsensitive))
            return Detected{QStringLiteral("hls"), QStringLiteral("an HLS playlist (#EXTM3U)")};
        return Detected{QStringLiteral("m3u"), QStringLiteral("an M3U playlist (#EXTM3U)")};
    }
    if (!isText(text))
        return std::nullopt;

    if (trimmed.startsWith(u'<')) {
        const QString lower = trimmed.toString().toLower();
        if (lower.contains(QLatin1StringView("<mpd")))
            return Detected{QStringLiteral("dash"), QStringLiteral("a DASH manifest (MPD)")};
        if (lower.contains(QLatin1StringView("<smil")))
            return Detected{QStringLiteral("smil"), QStringLiteral("a SMIL presentation")};
        if (lower.contains(QLatin1StringView("<asx")))
            return Detected{QStringLiteral("asx"), QStringLiteral("an ASX playlist")};
        if (lower.contains(QLatin1StringView("<playlist")) && lower.contains(QLatin1StringView("xspf")))
            return Detected{QStringLiteral("xspf"), QStringLiteral("an XSPF playlist")};
        return std::nullopt;
    }

    // Up to a few dozen lines are enough: these formats state what they are at the top.
    static const QRegularExpression lineBreak(QStringLiteral("\r\n|\r|\n"));
    QStringList lines;
    for (const QString &line : text.split(lineBreak)) {
        const QString clean = line.trimmed();
        if (!clean.isEmpty())
            lines.append(clean);
    }
    if (lines.isEmpty())
        return std::nullopt;

    QStringList content;   // without # comments (M3U and concat lists both allow them)
    for (const QString &line : std::as_const(lines)) {
        if (line.startsWith(QLatin1StringView("#EXT-X-"), Qt::CaseInsensitive))
            return Detected{QStringLiteral("hls"), QStringLiteral("an HLS playlist (#EXT-X- tags)")};
        if (line.startsWith(QLatin1StringView("#EXTINF"), Qt::CaseInsensitive))
            return Detected{QStringLiteral("m3u"), QStringLiteral("an M3U playlist (#EXTINF)")};
        if (!isComment(line))
            content.append(line);
    }
    if (content.isEmpty())
        return std::nullopt;
    const QString &first = content.first();

    if (first.startsWith(QLatin1StringView("ffconcat version"), Qt::CaseInsensitive))
        return Detected{QStringLiteral("ffconcat"), QStringLiteral("an ffconcat list")};
    if (first.compare(QLatin1StringView("[playlist]"), Qt::CaseInsensitive) == 0)
        return Detected{QStringLiteral("pls"), QStringLiteral("a PLS playlist ([playlist])")};

    static const QRegularExpression sdpVersion(QStringLiteral("^v=\\d+$"));
    static const QRegularExpression sdpField(QStringLiteral("^[osmctai]="));
    if (sdpVersion.match(first).hasMatch() && content.size() > 1
        && sdpField.match(content.at(1)).hasMatch()) {
        return Detected{QStringLiteral("sdp"), QStringLiteral("an SDP session description")};
    }

    // The concat demuxer's directives; a list names its files with `file`.
    static const QRegularExpression concatDirective(QStringLiteral(
            "^(file|duration|inpoint|outpoint|option|stream|exact_stream_id|"
            "file_packet_meta|file_packet_metadata|chapter)\\s"));
    static const QRegularExpression concatFile(QStringLiteral("^file\\s+\\S"));
    if (concatDirective.match(first).hasMatch()) {
        for (const QString &line : std::as_const(content)) {
            if (concatFile.match(line).hasMatch())
                return Detected{QStringLiteral("concat"), QStringLiteral("an ffmpeg concat list (file '...' lines)")};
        }
    }

    // A bare list of addresses or paths is an M3U playlist without its header (or a text file
    // pointing at a live stream): ffmpeg must not be the one to follow it.
    static const QRegularExpression url(QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*://"));
    if (url.match(first).hasMatch()) {
        const QString scheme = first.left(first.indexOf(u':')).toLower();
        return Detected{QStringLiteral("url_list"),
                        QStringLiteral("a text file naming a %1:// address").arg(scheme)};
    }
    static const QRegularExpression path(QStringLiteral(
            "^(/|\\./|\\.\\./|~/|\\\\\\\\|[A-Za-z]:[\\\\/])"));
    // "clip01.mp4": no spaces, a name with a letter in it, an extension. Subtitle formats
    // start with a number, "WEBVTT", "[Script Info]" or "{1}{2}" and do not match.
    static const QRegularExpression fileName(QStringLiteral("^[^\\s]*[A-Za-z][^\\s]*\\.[A-Za-z0-9]{1,5}$"));
    if (path.match(first).hasMatch() || fileName.match(first).hasMatch())
        return Detected{QStringLiteral("m3u"), QStringLiteral("an M3U playlist (a list of file paths)")};
    return std::nullopt;
}

} // namespace

Probe::Probe(const QString &ffprobePath, QObject *parent)
    : QObject(parent), m_process(new QProcess(this)), m_timer(new QTimer(this))
{
    m_process->setProgram(ffprobePath);
    m_process->setStandardInputFile(QProcess::nullDevice());
    setLimits(ProcessLimits());
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        m_timedOut = true;
        if (m_prober) {
            qCInfo(lcProbe) << "mediaforge-prober exceeded the probe time limit; killing it";
            dropProber();
            onFinished(0, QProcess::CrashExit);
            return;
        }
        qCInfo(lcProbe) << "ffprobe exceeded the probe time limit; killing it";
        m_process->kill();
    });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &Probe::readStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &Probe::readStderr);
    connect(m_process, &QProcess::finished, this, &Probe::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;   // the other errors end in finished()
        m_timer->stop();
        m_result = Error{ErrorCode::InternalError, QStringLiteral("could not run ffprobe"),
                         QJsonObject{{QStringLiteral("reason"), m_process->errorString()}}};
        finishLater();
    });
}

Probe::~Probe()
{
    dropProber();
    disconnect(m_process, nullptr, this, nullptr);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

QStringList Probe::arguments(const QString &path, Origin origin)
{
    // image2 expands patterns in the file name; only names the service chose may meet it.
    const QString demuxers = origin == Origin::ServiceOutput ? allowedDemuxers() + QStringLiteral(",image2")
                                                             : allowedDemuxers();
    // The file: prefix keeps a name like "rtmp:x" or "concat:a|b" a plain path; the two
    // whitelists mean ffprobe opens no other file and no other protocol, whatever the input
    // says inside.
    return {QStringLiteral("-hide_banner"),
            QStringLiteral("-v"),
            QStringLiteral("error"),
            QStringLiteral("-of"),
            QStringLiteral("json"),
            QStringLiteral("-show_format"),
            QStringLiteral("-show_streams"),
            QStringLiteral("-protocol_whitelist"),
            QStringLiteral("file"),
            QStringLiteral("-format_whitelist"),
            demuxers,
            QStringLiteral("file:") + QFileInfo(path).absoluteFilePath()};
}

void Probe::start(const QString &path, std::chrono::milliseconds timeout, Origin origin)
{
    if (m_process->state() != QProcess::NotRunning || m_prober)
        cancel();
    ++m_generation;
    m_cancelled = false;
    m_timedOut = false;
    m_outputTooLarge = false;
    m_stdout.clear();
    m_stderrTail.clear();
    m_path = QFileInfo(path).absoluteFilePath();
    m_result = Error{ErrorCode::InternalError, QStringLiteral("probe not finished")};

    if (const std::optional<Error> refused = sniffReferenceFormat(m_path)) {
        qCInfo(lcProbe).noquote() << "refused" << redact(m_path) << refused->message;
        m_result = *refused;
        finishLater();
        return;
    }
    if (m_pool) {
        startBuiltin(origin);
        if (m_prober)   // else it failed to start, and finished() is on its way
            m_timer->start(timeout);
        return;
    }
    const QStringList args = arguments(m_path, origin);
    qCDebug(lcProbe).noquote() << "running" << m_process->program() << redact(args.join(u' '));
    m_process->setArguments(args);
    m_process->start(QIODevice::ReadOnly);
    m_timer->start(timeout);
}

void Probe::cancel()
{
    m_cancelled = true;
    ++m_generation;   // a refusal queued by start() is not delivered either
    m_timer->stop();
    m_result = Error{ErrorCode::InternalError, QStringLiteral("probe cancelled")};
    dropProber();
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        // Reap now: after cancel() no ffprobe of ours is left, not even a zombie.
        m_process->waitForFinished(2000);
    }
}

void Probe::setLimits(const ProcessLimits &limits)
{
    m_limits = limits;
    const pid_t parentPid = ::getpid();
    m_process->setChildProcessModifier([parentPid, limits] {
        // Between fork and exec: async-signal-safe only. ffprobe dies with the service (with
        // the thread that starts it, to be exact: keep Probe on a long-lived thread)...
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        // ...unless the service died before prctl() took effect.
        if (::getppid() != parentPid)
            ::_exit(127);
        limits.applyInChild();
    });
}

qint64 Probe::processId() const
{
    if (m_prober)
        return m_prober->processId();
    return m_process->state() == QProcess::NotRunning ? 0 : m_process->processId();
}

const Result<MediaInfo> &Probe::result() const
{
    return m_result;
}

std::optional<Error> Probe::sniffReferenceFormat(const QString &path)
{
    struct stat status {};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0)
        return Error{ErrorCode::InternalError, QStringLiteral("cannot read the input file")};
    // A FIFO or device would block us (and ffprobe) forever, and is never a job's input.
    if (!S_ISREG(status.st_mode))
        return Error{ErrorCode::UnsupportedInput, QStringLiteral("input is not a regular file")};
    if (status.st_size == 0)
        return Error{ErrorCode::UnsupportedInput, QStringLiteral("input file is empty"),
                     QJsonObject{{QStringLiteral("reason"), QStringLiteral("empty")}}};

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{ErrorCode::InternalError, QStringLiteral("cannot read the input file")};
    const QByteArray head = file.read(kSniffBytes);
    if (head.isEmpty())
        return Error{ErrorCode::UnsupportedInput, QStringLiteral("input file is empty"),
                     QJsonObject{{QStringLiteral("reason"), QStringLiteral("empty")}}};
    if (const std::optional<Detected> detected = detect(head)) {
        return Error{ErrorCode::UnsupportedInput,
                     QStringLiteral("input is %1; playlists and reference formats are not accepted")
                             .arg(detected->name),
                     QJsonObject{{QStringLiteral("detected"), detected->id}}};
    }
    return std::nullopt;
}

void Probe::readStdout()
{
    const QByteArray data = m_process->readAllStandardOutput();
    if (m_outputTooLarge)
        return;
    if (m_stdout.size() + data.size() > kMaxJsonBytes) {
        qCWarning(lcProbe) << "ffprobe output exceeds" << kMaxJsonBytes << "bytes; killing it";
        m_outputTooLarge = true;
        m_stdout.clear();
        m_stdout.squeeze();
        m_process->kill();
        return;
    }
    m_stdout.append(data);
}

void Probe::readStderr()
{
    m_stderrTail.append(m_process->readAllStandardError());
    if (m_stderrTail.size() > kStderrTailBytes)
        m_stderrTail.remove(0, m_stderrTail.size() - kStderrTailBytes);
}

void Probe::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_cancelled)
        return;
    m_timer->stop();
    if (m_process->isOpen()) {   // not when a prober, not ffprobe, ran
        readStdout();
        readStderr();
    }

    if (m_timedOut) {
        m_result = Error{ErrorCode::Timeout, QStringLiteral("probing the input took too long"),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("probe_time_limit")}}};
    } else if (m_outputTooLarge) {
        m_result = Error{ErrorCode::UnsupportedInput,
                         QStringLiteral("input has more metadata than the service accepts"),
                         QJsonObject{{QStringLiteral("reason"), QStringLiteral("probe_output_limit")}}};
    } else if (status != QProcess::NormalExit || exitCode != 0) {
        const QList<QByteArray> lines = m_stderrTail.trimmed().split('\n');
        const QString tail = redact(QString::fromUtf8(lines.mid(std::max<qsizetype>(0, lines.size() - 5)).join('\n')));
        if (auto limited = limitFailure(QStringLiteral("ffprobe"), m_limits, 0, ProcessExit{status, exitCode, false, tail}))
            m_result = *limited;
        else
            m_result = notMedia();
    } else {
        m_result = readDocument(m_stdout);
    }
    m_stdout.clear();
    if (m_result.ok())
        qCDebug(lcProbe).noquote() << "probed" << redact(m_path) << m_result->formatName;
    else
        qCInfo(lcProbe).noquote() << "probe of" << redact(m_path) << "failed:" << m_result.error().message;
    emit finished();
}

Result<MediaInfo> Probe::readDocument(const QByteArray &document) const
{
    Result<MediaInfo> parsed = MediaInfo::fromFfprobeJson(document);
    if (!parsed.ok())
        return notMedia();
    if (parsed->streams.isEmpty())
        return Error{ErrorCode::UnsupportedInput, QStringLiteral("input has no streams")};
    return parsed;
}

Error Probe::notMedia() const
{
    // ffprobe's last line names the reason ("Invalid data found when processing input").
    const QList<QByteArray> lines = m_stderrTail.trimmed().split('\n');
    const QString last = redact(QString::fromUtf8(lines.isEmpty() ? QByteArray() : lines.last().trimmed()));
    QJsonObject details;
    if (!last.isEmpty())
        details.insert(QStringLiteral("ffprobe"), last);
    return Error{ErrorCode::UnsupportedInput,
                 QStringLiteral("input is not a media file ffprobe can read"),
                 details.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(details)};
}

void Probe::finishLater()
{
    QMetaObject::invokeMethod(
            this,
            [this, generation = m_generation] {
                if (generation == m_generation && !m_cancelled)
                    emit finished();
            },
            Qt::QueuedConnection);
}

QString Probe::redact(const QString &text) const
{
    // The file lives in its job directory; clients and logs see only the job-relative part.
    QString result = text;
    const QString directory = QFileInfo(m_path).absolutePath();
    if (!directory.isEmpty() && directory != QLatin1StringView("/"))
        result.replace(directory, QStringLiteral("<job>"));
    return Logging::redactPaths(result);
}

} // namespace Mediaforge
