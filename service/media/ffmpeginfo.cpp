// SPDX-License-Identifier: GPL-3.0-or-later
#include "ffmpeginfo.h"

#include <QProcess>
#include <QRegularExpression>

#include <algorithm>
#include <optional>

namespace Mediaforge {

namespace {

// A bounded run of the trusted, configured program; its stdout, or nothing when it fails.
std::optional<QByteArray> run(const QString &program, const QString &argument)
{
    QProcess process;
    process.start(program, {QStringLiteral("-hide_banner"), argument});
    if (!process.waitForFinished(10000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        process.kill();
        process.waitForFinished(1000);
        return std::nullopt;
    }
    return process.readAllStandardOutput();
}

} // namespace

FfmpegInfo FfmpegInfo::detect(const QString &program)
{
    FfmpegInfo info;
    // "ffmpeg version 5.1.6-0+deb12u1 Copyright ..." -> "5.1.6-0+deb12u1"
    if (const auto version = run(program, QStringLiteral("-version")))
        info.version = QString::fromUtf8(*version).section(u'\n', 0, 0).section(u' ', 2, 2);
    if (info.version.isEmpty())
        return info;
    if (const auto encoders = run(program, QStringLiteral("-encoders")))
        info.encoders = parseEncoders(*encoders);
    return info;
}

QStringList FfmpegInfo::parseEncoders(const QByteArray &output)
{
    // " V....D libx264              libx264 H.264 / AVC ..." : six flag characters (the first
    // the kind: V, A or S), then the name. The legend above the "------" line has the same
    // shape with '=' as the name, which the name pattern refuses.
    static const QRegularExpression line(QStringLiteral("^\\s*[VAS][.A-Z]{5}\\s+([A-Za-z0-9_.-]{1,64})\\s"));
    QStringList names;
    for (const QByteArray &raw : output.split('\n')) {
        const QRegularExpressionMatch match = line.match(QString::fromLatin1(raw));
        if (!match.hasMatch())
            continue;
        names.append(match.captured(1));
        if (names.size() >= kMaxEncoders)
            break;
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

} // namespace Mediaforge
