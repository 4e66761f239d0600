// SPDX-License-Identifier: GPL-3.0-or-later
#include "proberrequest.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Mediaforge::Prober {

namespace {

constexpr qsizetype kMaxPathBytes = 4096;
constexpr qsizetype kMaxFormatsBytes = 2048;

std::optional<Request> refuse(QString *error, const QString &why)
{
    if (error)
        *error = why;
    return std::nullopt;
}

} // namespace

QByteArray Request::toLine() const
{
    QByteArray line = QJsonDocument(QJsonObject{{QStringLiteral("path"), path},
                                                {QStringLiteral("formats"), formats}})
                              .toJson(QJsonDocument::Compact);
    line.append('\n');
    return line;
}

std::optional<Request> Request::fromLine(const QByteArray &line, QString *error)
{
    if (line.size() > kMaxRequestBytes)
        return refuse(error, QStringLiteral("request too long"));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(line.trimmed(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return refuse(error, QStringLiteral("request is not a JSON object"));
    const QJsonObject object = document.object();
    if (object.size() != 2 || !object.value(QLatin1StringView("path")).isString()
        || !object.value(QLatin1StringView("formats")).isString())
        return refuse(error, QStringLiteral("request needs exactly the strings path and formats"));

    Request request;
    request.path = object.value(QLatin1StringView("path")).toString();
    request.formats = object.value(QLatin1StringView("formats")).toString();
    // Absolute, no NUL (the C API would cut the name there) and no line breaks (the error line
    // names the path): only the names the service itself makes.
    if (!request.path.startsWith(u'/') || request.path.toUtf8().size() > kMaxPathBytes
        || request.path.contains(QChar(0)) || request.path.contains(u'\n') || request.path.contains(u'\r'))
        return refuse(error, QStringLiteral("path must be an absolute file name"));
    static const QRegularExpression formatList(QStringLiteral("^[a-z0-9_]+(,[a-z0-9_]+)*$"));
    if (request.formats.size() > kMaxFormatsBytes || !formatList.match(request.formats).hasMatch())
        return refuse(error, QStringLiteral("formats must be a comma-separated list of demuxer names"));
    return request;
}

QByteArray successLine(const QByteArray &ffprobeJson)
{
    QByteArray line = "{\"ok\":true,\"ffprobe\":" + ffprobeJson + "}\n";
    return line;
}

QByteArray failureLine(const QString &message)
{
    QByteArray line = QJsonDocument(QJsonObject{{QStringLiteral("ok"), false}, {QStringLiteral("error"), message}})
                              .toJson(QJsonDocument::Compact);
    line.append('\n');
    return line;
}

} // namespace Mediaforge::Prober
