// SPDX-License-Identifier: GPL-3.0-or-later
// Probe's other path: the request goes to a long-lived mediaforge-prober (proberpool.h) instead
// of a new ffprobe. Every way it can end maps to the result the ffprobe path gives for the same
// ending, so that clients and the job runner cannot tell which one ran.
#include "probe.h"

#include "logging/logging.h"
#include "proberpool.h"
#include "proberrequest.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

namespace Mediaforge {

namespace {

// As for ffprobe's JSON (probe.cpp): a sane file's answer is a few KiB.
constexpr qsizetype kMaxAnswerBytes = 8 * 1024 * 1024;
constexpr qsizetype kStderrTailBytes = 4096;
const QString kProgram = QStringLiteral("mediaforge-prober");

} // namespace

void Probe::setProberPool(ProberPool *pool)
{
    m_pool = pool;
}

void Probe::startBuiltin(Origin origin)
{
    // The very whitelist ffprobe gets for this origin (arguments() holds the one definition).
    const QStringList ffprobeArguments = arguments(m_path, origin);
    const qsizetype formats = ffprobeArguments.indexOf(QStringLiteral("-format_whitelist")) + 1;
    const Prober::Request request{m_path, ffprobeArguments.at(formats)};

    m_prober = m_pool->acquire();
    QProcess *prober = m_prober;
    prober->readAllStandardError();   // what an earlier request left behind is not ours
    connect(prober, &QProcess::readyReadStandardOutput, this, &Probe::readProberStdout);
    connect(prober, &QProcess::readyReadStandardError, this, [this, prober] {
        m_stderrTail.append(prober->readAllStandardError());
        if (m_stderrTail.size() > kStderrTailBytes)
            m_stderrTail.remove(0, m_stderrTail.size() - kStderrTailBytes);
    });
    connect(prober, &QProcess::finished, this, &Probe::onProberDied);
    const auto failedToStart = [this] {
        const QString reason = m_prober->errorString();
        m_timer->stop();
        dropProber();
        m_result = Error{ErrorCode::InternalError, QStringLiteral("could not run mediaforge-prober"),
                         QJsonObject{{QStringLiteral("reason"), reason}}};
        finishLater();
    };
    // Qt reports some start failures inside start() itself, before anyone could connect.
    if (prober->state() == QProcess::NotRunning && prober->error() == QProcess::FailedToStart) {
        failedToStart();
        return;
    }
    connect(prober, &QProcess::errorOccurred, this, [this, failedToStart](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart && m_prober)
            failedToStart();
    });
    qCDebug(lcProbe).noquote() << "asking" << kProgram << prober->processId() << redact(m_path);
    // Written before the process has started is fine: QProcess buffers it until then.
    prober->write(request.toLine());
}

void Probe::readProberStdout()
{
    if (!m_prober)
        return;
    m_stdout.append(m_prober->readAllStandardOutput());
    const qsizetype end = m_stdout.indexOf('\n');
    if (end < 0) {
        if (m_stdout.size() > kMaxAnswerBytes) {
            qCWarning(lcProbe) << kProgram << "answer exceeds" << kMaxAnswerBytes << "bytes; killing it";
            m_outputTooLarge = true;
            m_stdout.clear();
            m_stdout.squeeze();
            dropProber();
            onFinished(0, QProcess::CrashExit);
        }
        return;
    }
    const QByteArray line = m_stdout.first(end);
    m_stdout.clear();
    m_timer->stop();
    // Answered: the process is fit for the next request (one line per request, nothing else).
    QProcess *prober = m_prober;
    prober->disconnect(this);
    m_prober = nullptr;
    m_pool->release(prober);
    onProberAnswer(line);
}

void Probe::onProberAnswer(const QByteArray &line)
{
    // {"ok":true,"ffprobe":{...}}: the ffprobe document is read by the one reader ffprobe's
    // output goes through.
    static const QByteArray successPrefix = QByteArrayLiteral("{\"ok\":true,\"ffprobe\":");
    if (line.startsWith(successPrefix) && line.endsWith('}')) {
        m_result = readDocument(line.sliced(successPrefix.size(), line.size() - successPrefix.size() - 1));
    } else {
        // A failure line holds what ffprobe prints last on the same failure; like ffprobe's
        // exit code 1, it is first checked for a limit (an allocation failing under RLIMIT_AS).
        const QJsonObject answer = QJsonDocument::fromJson(line).object();
        const QString message = answer.value(QLatin1StringView("error")).toString(
                QStringLiteral("unreadable answer from mediaforge-prober"));
        m_stderrTail.append('\n' + message.toUtf8());
        const QList<QByteArray> lines = m_stderrTail.trimmed().split('\n');
        const QString tail = redact(QString::fromUtf8(lines.mid(std::max<qsizetype>(0, lines.size() - 5)).join('\n')));
        if (auto limited = limitFailure(kProgram, m_limits, 0, ProcessExit{QProcess::NormalExit, 1, false, tail}))
            m_result = *limited;
        else
            m_result = notMedia();
    }
    if (m_result.ok())
        qCDebug(lcProbe).noquote() << "probed" << redact(m_path) << m_result->formatName;
    else
        qCInfo(lcProbe).noquote() << "probe of" << redact(m_path) << "failed:" << m_result.error().message;
    emit finished();
}

void Probe::onProberDied(int exitCode, QProcess::ExitStatus status)
{
    if (!m_prober)
        return;
    // Crashed, killed or out of a limit mid-request: that is this probe's failure (ffprobe's
    // ending the same way gives the same error); the pool starts a fresh prober next time.
    m_stderrTail.append(m_prober->readAllStandardError());
    qCInfo(lcProbe).noquote() << kProgram << "ended during a request:"
                              << (status == QProcess::CrashExit ? QStringLiteral("signal") : QStringLiteral("exit code"))
                              << exitCode;
    m_timer->stop();
    dropProber();
    const QList<QByteArray> lines = m_stderrTail.trimmed().split('\n');
    const QString tail = redact(QString::fromUtf8(lines.mid(std::max<qsizetype>(0, lines.size() - 5)).join('\n')));
    if (auto limited = limitFailure(kProgram, m_limits, 0, ProcessExit{status, exitCode, false, tail}))
        m_result = *limited;
    else
        m_result = notMedia();
    qCInfo(lcProbe).noquote() << "probe of" << redact(m_path) << "failed:" << m_result.error().message;
    emit finished();
}

void Probe::dropProber()
{
    if (!m_prober)
        return;
    QProcess *prober = m_prober;
    m_prober = nullptr;
    prober->disconnect(this);
    if (m_pool)
        m_pool->discard(prober);
    else
        delete prober;
}

} // namespace Mediaforge
