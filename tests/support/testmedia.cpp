// SPDX-License-Identifier: GPL-3.0-or-later
#include "testmedia.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>

namespace TestMedia {

namespace {

QString run(const QString &program, const QStringList &arguments, bool *ok = nullptr)
{
    QProcess process;
    process.start(program, arguments);
    const bool finished = process.waitForFinished(120000);
    const bool success = finished && process.exitStatus() == QProcess::NormalExit
            && process.exitCode() == 0;
    if (ok)
        *ok = success;
    if (!success) {
        qWarning("%s failed: %s", qPrintable(program),
                 process.readAllStandardError().right(2000).constData());
    }
    return QString::fromUtf8(process.readAllStandardOutput());
}

QString cachedName(const QString &directory, const QString &key, const QString &extension)
{
    const QByteArray hash = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha1).toHex().left(12);
    return QDir(directory).filePath(QStringLiteral("media-") + QString::fromLatin1(hash) + u'.' + extension);
}

void generate(const QString &path, const QStringList &arguments)
{
    if (QFileInfo::exists(path))
        return;
    bool ok = false;
    const QString partial = path + QStringLiteral(".part");
    QStringList full{QStringLiteral("-hide_banner"), QStringLiteral("-loglevel"), QStringLiteral("error"),
                     QStringLiteral("-nostdin"), QStringLiteral("-y")};
    full += arguments;
    // The extension tells ffmpeg the muxer; write under the final name in a sibling folder so
    // that a failed run never leaves a half file under the cached name.
    QDir().mkpath(partial);
    const QString temporary = QDir(partial).filePath(QFileInfo(path).fileName());
    full.append(temporary);
    run(ffmpegPath(), full, &ok);
    if (!ok || !QFile::rename(temporary, path))
        qFatal("could not generate test media %s", qPrintable(path));
    QDir(partial).removeRecursively();
}

} // namespace

QString ffmpegPath()
{
    const QString configured = qEnvironmentVariable("MEDIAFORGE_FFMPEG");
    return configured.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("ffmpeg")) : configured;
}

QString ffprobePath()
{
    const QString configured = qEnvironmentVariable("MEDIAFORGE_FFPROBE");
    return configured.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("ffprobe")) : configured;
}

QString makeVideo(const QString &directory, const VideoSpec &spec)
{
    const QString key = QStringLiteral("%1|%2|%3|%4|%5|%6|%7|%8|%9|%10")
                                .arg(spec.seconds)
                                .arg(spec.width)
                                .arg(spec.height)
                                .arg(spec.fps)
                                .arg(spec.audio)
                                .arg(spec.subtitles)
                                .arg(spec.videoCodec, spec.audioCodec, spec.container)
                                .arg(spec.sampleRate);
    const QString path = cachedName(directory, key, spec.container);
    QStringList arguments{QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                          QStringLiteral("testsrc2=size=%1x%2:rate=%3:duration=%4")
                                  .arg(spec.width)
                                  .arg(spec.height)
                                  .arg(spec.fps)
                                  .arg(spec.seconds)};
    if (spec.audio) {
        arguments += {QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                      QStringLiteral("sine=frequency=440:sample_rate=%1:duration=%2")
                              .arg(spec.sampleRate)
                              .arg(spec.seconds)};
    }
    QString srt;
    if (spec.subtitles) {
        srt = makeSrt(directory, qMax(1, int(spec.seconds)));
        arguments += {QStringLiteral("-i"), srt};
    }
    arguments += {QStringLiteral("-map"), QStringLiteral("0:v")};
    if (spec.audio)
        arguments += {QStringLiteral("-map"), QStringLiteral("1:a")};
    if (spec.subtitles)
        arguments += {QStringLiteral("-map"), QStringLiteral("%1:s").arg(spec.audio ? 2 : 1)};
    arguments += {QStringLiteral("-c:v"), spec.videoCodec, QStringLiteral("-pix_fmt"), QStringLiteral("yuv420p")};
    if (spec.videoCodec == QLatin1StringView("libx264"))
        arguments += {QStringLiteral("-preset"), QStringLiteral("ultrafast")};
    if (spec.videoCodec == QLatin1StringView("libvpx-vp9") || spec.videoCodec == QLatin1StringView("libvpx"))
        arguments += {QStringLiteral("-deadline"), QStringLiteral("realtime"), QStringLiteral("-cpu-used"), QStringLiteral("8")};
    if (spec.audio)
        arguments += {QStringLiteral("-c:a"), spec.audioCodec};
    if (spec.subtitles)
        arguments += {QStringLiteral("-c:s"), spec.container == QLatin1StringView("mp4") ? QStringLiteral("mov_text") : QStringLiteral("srt")};
    generate(path, arguments);
    return path;
}

QString makeAudio(const QString &directory, double seconds, const QString &codec, const QString &container)
{
    const QString path = cachedName(directory, QStringLiteral("audio|%1|%2").arg(seconds).arg(codec), container);
    generate(path, {QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                    QStringLiteral("sine=frequency=330:sample_rate=44100:duration=%1").arg(seconds),
                    QStringLiteral("-c:a"), codec});
    return path;
}

QString makeSrt(const QString &directory, int cues)
{
    const QString path = QDir(directory).filePath(QStringLiteral("cues-%1.srt").arg(cues));
    if (QFileInfo::exists(path))
        return path;
    QString text;
    for (int i = 0; i < cues; ++i) {
        text += QStringLiteral("%1\n00:00:%2,100 --> 00:00:%2,900\nCue number %1\n\n")
                        .arg(i + 1)
                        .arg(i, 2, 10, QLatin1Char('0'));
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0)
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

QJsonObject probe(const QString &path)
{
    bool ok = false;
    const QString out = run(ffprobePath(), {QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-of"),
                                            QStringLiteral("json"), QStringLiteral("-show_format"),
                                            QStringLiteral("-show_streams"), path},
                            &ok);
    return ok ? QJsonDocument::fromJson(out.toUtf8()).object() : QJsonObject();
}

double durationOf(const QString &path)
{
    return probe(path).value(QLatin1StringView("format")).toObject().value(QLatin1StringView("duration")).toString().toDouble();
}

QStringList codecsOf(const QString &path, const QString &codecType)
{
    QStringList codecs;
    const QJsonArray streams = probe(path).value(QLatin1StringView("streams")).toArray();
    for (const QJsonValue &stream : streams) {
        if (stream[QLatin1StringView("codec_type")].toString() == codecType)
            codecs.append(stream[QLatin1StringView("codec_name")].toString());
    }
    return codecs;
}

int streamCount(const QString &path, const QString &codecType)
{
    return int(codecsOf(path, codecType).size());
}

QString formatOf(const QString &path)
{
    return probe(path).value(QLatin1StringView("format")).toObject().value(QLatin1StringView("format_name")).toString();
}

int countFrames(const QString &path)
{
    bool ok = false;
    const QString out = run(ffprobePath(), {QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-count_frames"),
                                            QStringLiteral("-select_streams"), QStringLiteral("v:0"),
                                            QStringLiteral("-show_entries"), QStringLiteral("stream=nb_read_frames"),
                                            QStringLiteral("-of"), QStringLiteral("csv=p=0"), path},
                            &ok);
    return ok ? out.trimmed().toInt() : -1;
}

} // namespace TestMedia
