// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobrunner.h"

#include "logging/logging.h"
#include "media/ffmpegprocess.h"
#include "media/probe.h"
#include "media/proberpool.h"
#include "sha256.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QMimeDatabase>
#include <QRegularExpression>
#include <QThreadPool>
#include <QTimer>

namespace Mediaforge {

namespace {

// Suffix added to the input's name so that a user with several results can tell them apart.
QString operationSuffix(Operation operation)
{
    switch (operation) {
    case Operation::Speed: return QStringLiteral("speed");
    case Operation::Compress: return QStringLiteral("compressed");
    case Operation::ExtractAudio: return QStringLiteral("audio");
    case Operation::RemoveAudio: return QStringLiteral("noaudio");
    case Operation::Convert: return QStringLiteral("converted");
    case Operation::Thumbnail: return QStringLiteral("thumb");
    case Operation::Trim: return QStringLiteral("trimmed");
    case Operation::Concat: return QStringLiteral("joined");
    case Operation::Gif: return QStringLiteral("anim");
    case Operation::Filter: return QStringLiteral("filtered");
    case Operation::ExtractSubtitles: return QStringLiteral("subtitles");
    case Operation::BurnSubtitles: return QStringLiteral("subtitled");
    case Operation::Probe: return QStringLiteral("probe");
    }
    return QStringLiteral("output");
}

struct HashResult
{
    QString sha256;
    qint64 size = -1;
};

HashResult hashFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    Sha256 hash;
    const qint64 total = hash.addFrom(file);
    if (total < 0)
        return {};
    return {QString::fromLatin1(hash.result().toHex()), total};
}

} // namespace

JobRunner::JobRunner(Request request, const RunnerSettings &settings, QObject *parent)
    : QObject(parent), m_request(std::move(request)), m_settings(settings)
{
}

JobRunner::~JobRunner()
{
    abort();
}

QString JobRunner::downloadName(const QString &inputName, Operation operation, const QString &outputPath,
                                int index, int count)
{
    QString stem = QFileInfo(inputName).completeBaseName();
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._-]+"));
    stem.replace(unsafe, QStringLiteral("_"));
    while (stem.startsWith(u'.') || stem.startsWith(u'-'))
        stem.remove(0, 1);
    stem = stem.left(80);
    if (stem.isEmpty())
        stem = QStringLiteral("media");
    QString name = stem + u'_' + operationSuffix(operation);
    if (count > 1)
        name += QStringLiteral("_%1").arg(index + 1, 2, 10, QLatin1Char('0'));
    const QString extension = QFileInfo(outputPath).suffix();
    return extension.isEmpty() ? name : name + u'.' + extension;
}

void JobRunner::start()
{
    m_timeoutTimer = new QTimer(this);
    m_timeoutTimer->setSingleShot(true);
    connect(m_timeoutTimer, &QTimer::timeout, this, [this] {
        fail(Error(ErrorCode::Timeout,
                   QStringLiteral("job exceeded its time limit of %1 s").arg(double(m_settings.jobTimeout.count()) / 1000.0),
                   QJsonObject{{QStringLiteral("reason"), QStringLiteral("time_limit")}}));
    });
    m_timeoutTimer->start(m_settings.jobTimeout);
    probeNext();
}

void JobRunner::abortNow()
{
    m_done = true;
    if (m_probe) {
        m_probe->cancel();
        delete m_probe;
    }
    if (m_ffmpeg) {
        m_ffmpeg->disconnect(this);
        m_ffmpeg->killNow();
        delete m_ffmpeg;
        m_ffmpeg = nullptr;
    }
    if (m_timeoutTimer)
        m_timeoutTimer->stop();
}

void JobRunner::abort()
{
    m_done = true;
    if (m_probe) {
        m_probe->cancel();
        m_probe->deleteLater();
    }
    if (m_ffmpeg) {
        // The process object outlives the runner until the group is dead, so that SIGKILL
        // escalation still happens; it deletes itself when ffmpeg is gone. It moves to the
        // runner's owner (the job manager), so that a service stopping before ffmpeg has
        // exited still kills, reaps and frees it rather than leaving it to no one.
        FfmpegProcess *process = m_ffmpeg;
        m_ffmpeg = nullptr;
        process->disconnect(this);
        process->setParent(parent());
        if (process->isRunning()) {
            connect(process, &FfmpegProcess::finished, process, &QObject::deleteLater);
            process->stop(m_settings.killGrace);
        } else {
            process->deleteLater();
        }
    }
    if (m_timeoutTimer)
        m_timeoutTimer->stop();
    if (m_stallTimer)
        m_stallTimer->stop();
}

void JobRunner::probeNext()
{
    if (m_done)
        return;
    const qsizetype next = m_inputs.size();
    if (next == m_request.inputPaths.size()) {
        if (m_request.operation == Operation::Probe) {
            m_probeResult = m_inputs.constFirst().info.toJson();
            finish();
            return;
        }
        runFfmpeg();
        return;
    }
    auto *probe = new Probe(m_settings.ffprobePath, this);
    probe->setLimits(m_settings.limits.ffprobe);
    probe->setProberPool(m_settings.proberPool.get());
    m_probe = probe;
    connect(probe, &Probe::finished, this, [this, probe] {
        probe->deleteLater();
        if (m_done)
            return;
        const Result<MediaInfo> &result = probe->result();
        if (!result.ok()) {
            Error error = result.error();
            if (m_request.inputPaths.size() > 1)
                error.message = QStringLiteral("input %1: %2").arg(m_inputs.size() + 1).arg(error.message);
            fail(error);
            return;
        }
        m_inputs.append(CommandInput{m_request.inputPaths.at(m_inputs.size()), result.value()});
        probeNext();
    });
    probe->start(m_request.inputPaths.at(next));
}

void JobRunner::runFfmpeg()
{
    const Result<CommandPlan> plan = buildCommand(m_request.operation, m_request.options, m_inputs,
                                                  CommandContext{m_request.directory, m_settings.ffmpegThreads,
                                                                 m_settings.limits.maxOutputBytes});
    if (!plan.ok()) {
        fail(plan.error());
        return;
    }
    m_plan = plan.value();
    for (const AuxiliaryFile &aux : std::as_const(m_plan.auxiliaryFiles)) {
        QFile file(m_request.directory + u'/' + aux.fileName);
        if (!file.open(QIODevice::WriteOnly) || file.write(aux.contents) != aux.contents.size()) {
            fail(Error(ErrorCode::InternalError, QStringLiteral("cannot write the job's work files")));
            return;
        }
    }

    m_stallTimer = new QTimer(this);
    m_stallTimer->setSingleShot(true);
    connect(m_stallTimer, &QTimer::timeout, this, [this] {
        fail(Error(ErrorCode::Timeout,
                   QStringLiteral("ffmpeg made no progress for %1 s").arg(double(m_settings.stallTimeout.count()) / 1000.0),
                   QJsonObject{{QStringLiteral("reason"), QStringLiteral("stalled")}}));
    });
    m_stallTimer->start(m_settings.stallTimeout);

    m_ffmpeg = new FfmpegProcess(m_settings.ffmpegPath, this);
    connect(m_ffmpeg, &FfmpegProcess::progress, this, [this](const FfmpegProgress &progress) {
        // Only real advance of the output clock (or the final block) counts as progress: a
        // process that prints blocks without moving is exactly what the watchdog is for.
        const double outTime = progress.outTimeSeconds.value_or(m_lastOutTime);
        if (outTime > m_lastOutTime || progress.end) {
            m_lastOutTime = std::max(outTime, m_lastOutTime);
            m_stallTimer->start(m_settings.stallTimeout);
        }
        emit processingProgress(progress, m_plan.expectedDurationSeconds);
    });
    connect(m_ffmpeg, &FfmpegProcess::finished, this, &JobRunner::onFfmpegFinished);
    qCDebug(lcJobs).noquote() << Logging::Fields{{QStringLiteral("job"), m_request.id}} << "starting ffmpeg";
    m_ffmpeg->setLimits(m_settings.limits.ffmpeg, m_settings.limits.maxOutputBytes);
    m_ffmpeg->start(m_plan.steps(), m_request.directory);
    m_ffmpegCommand = m_ffmpeg->commandLine();
}

void JobRunner::onFfmpegFinished(bool success, const QString &errorTail)
{
    if (m_done)
        return;
    m_stallTimer->stop();
    const std::optional<Error> limitError = m_ffmpeg->limitError();
    m_ffmpeg->deleteLater();
    m_ffmpeg = nullptr;
    m_ffmpegStderr = errorTail;
    if (limitError) {
        fail(*limitError);
        return;
    }
    if (!success) {
        QString lastLine = errorTail.trimmed().section(u'\n', -1).trimmed();
        if (lastLine.isEmpty())
            lastLine = QStringLiteral("no error output");
        fail(Error(ErrorCode::FfmpegFailed, QStringLiteral("ffmpeg failed: ") + lastLine,
                   QJsonObject{{QStringLiteral("stderr"), errorTail}}));
        return;
    }
    emit finalizing();
    finalizeNext();
}

// Probes and hashes one output after another; hashing runs on the thread pool so that a large
// output does not stall every other connection's event handling.
void JobRunner::finalizeNext()
{
    if (m_done)
        return;
    const qsizetype next = m_outputs.size();
    if (next == m_plan.outputPaths.size()) {
        finish();
        return;
    }
    const QString path = m_plan.outputPaths.at(next);
    // ffmpeg exits 0 when the selected streams simply hold nothing (a subtitle track without
    // cues, a file whose frames all failed to decode): the job cannot give what was asked.
    if (!QFileInfo::exists(path) || QFileInfo(path).size() == 0) {
        fail(Error(ErrorCode::JobFailed,
                   QStringLiteral("the output is empty: the selected part of the input holds no data")));
        return;
    }
    auto *probe = new Probe(m_settings.ffprobePath, this);
    probe->setLimits(m_settings.limits.ffprobe);
    probe->setProberPool(m_settings.proberPool.get());
    m_probe = probe;
    connect(probe, &Probe::finished, this, [this, probe, path] {
        probe->deleteLater();
        if (m_done)
            return;
        JobOutput output;
        output.path = path;
        output.fileName = downloadName(m_request.inputDisplayName, m_request.operation, path,
                                       int(m_outputs.size()), int(m_plan.outputPaths.size()));
        output.mime = QMimeDatabase().mimeTypeForFile(path, QMimeDatabase::MatchExtension).name();
        // Subtitle files and some images are not "media" to the demuxer whitelist; their
        // metadata is then just the size.
        if (probe->result().ok())
            output.metadata = probe->result().value();
        // The result is posted to the application object, which outlives every runner; the
        // QPointer, read only on the main thread, tells whether this runner still waits.
        QPointer<JobRunner> self(this);
        QThreadPool::globalInstance()->start([self, path, output]() mutable {
            const HashResult hash = hashFile(path);
            QMetaObject::invokeMethod(
                    QCoreApplication::instance(),
                    [self, hash, output]() mutable {
                        if (!self || self->m_done)
                            return;
                        if (hash.size < 0) {
                            self->fail(Error(ErrorCode::InternalError, QStringLiteral("cannot read an output file")));
                            return;
                        }
                        output.sha256 = hash.sha256;
                        output.size = hash.size;
                        output.metadata.size = hash.size;
                        self->m_outputs.append(output);
                        self->finalizeNext();
                    },
                    Qt::QueuedConnection);
        });
    });
    probe->start(path, std::chrono::seconds(30), Probe::Origin::ServiceOutput);
}

void JobRunner::fail(Error error)
{
    if (m_done)
        return;
    m_error = std::move(error);
    // A timeout stops ffmpeg mid-run: what it said until then is what explains it.
    if (m_ffmpeg)
        m_ffmpegStderr = m_ffmpeg->errorTail();
    abort();
    emit finished();
}

void JobRunner::finish()
{
    if (m_done)
        return;
    m_done = true;
    m_timeoutTimer->stop();
    emit finished();
}

} // namespace Mediaforge
