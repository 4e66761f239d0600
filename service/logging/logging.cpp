// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QRegularExpression>

#include <cstdio>

Q_LOGGING_CATEGORY(lcConfig, "mediaforge.config", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "mediaforge.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSession, "mediaforge.session", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "mediaforge.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcJobs, "mediaforge.jobs", QtInfoMsg)
Q_LOGGING_CATEGORY(lcInput, "mediaforge.input", QtInfoMsg)
Q_LOGGING_CATEGORY(lcFfmpeg, "mediaforge.ffmpeg", QtInfoMsg)
Q_LOGGING_CATEGORY(lcProbe, "mediaforge.probe", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAuth, "mediaforge.auth", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCluster, "mediaforge.cluster", QtInfoMsg)

namespace Mediaforge::Logging {

namespace {

// Fields travel inside the message text between two markers, so that they survive QDebug's
// formatting and the handler can split them off again without thread-local state.
constexpr QChar kFieldsBegin(0x1E);
constexpr QChar kFieldsEnd(0x1F);
constexpr QChar kFieldSeparator(0x1D);

Format g_format = Format::Text;
QString g_tempDirectory;
QMutex g_outputMutex;

QString levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg: return QStringLiteral("debug");
    case QtInfoMsg: return QStringLiteral("info");
    case QtWarningMsg: return QStringLiteral("warning");
    case QtCriticalMsg: return QStringLiteral("error");
    case QtFatalMsg: return QStringLiteral("fatal");
    }
    return QStringLiteral("info");
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &raw)
{
    QString message = raw;
    QList<std::pair<QString, QString>> fields;
    // A message may carry several field blocks (one per streamed Fields).
    for (qsizetype begin = message.indexOf(kFieldsBegin); begin >= 0; begin = message.indexOf(kFieldsBegin)) {
        const qsizetype end = message.indexOf(kFieldsEnd, begin + 1);
        if (end < 0)
            break;
        const QStringList parts = message.mid(begin + 1, end - begin - 1).split(kFieldSeparator);
        for (qsizetype i = 0; i + 1 < parts.size(); i += 2)
            fields.append({parts.at(i), parts.at(i + 1)});
        message.remove(begin, end - begin + 1);
    }
    message = message.trimmed();
    message = redactPaths(message);
    const QString timestamp = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    const QString category = QString::fromLatin1(context.category ? context.category : "default");

    QByteArray line;
    if (g_format == Format::Json) {
        QJsonObject object{{QStringLiteral("ts"), timestamp},
                           {QStringLiteral("level"), levelName(type)},
                           {QStringLiteral("category"), category},
                           {QStringLiteral("msg"), message}};
        for (const auto &[key, value] : fields)
            object.insert(key, redactPaths(value));
        line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    } else {
        QString text = timestamp + u' ' + levelName(type).leftJustified(7) + category + u' ';
        for (const auto &[key, value] : fields) {
            const QString clean = redactPaths(value);
            text += key + u'=' + (clean.contains(u' ') ? u'"' + clean + u'"' : clean) + u' ';
        }
        line = (text + message).toUtf8();
    }
    line.append('\n');
    QMutexLocker locker(&g_outputMutex);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

void install(Format format, const QString &level)
{
    g_format = format;
    // The level becomes category filter rules rather than a check in the handler, so that
    // QT_LOGGING_RULES (applied after these by Qt) can still open up one module.
    QString rules;
    if (level == QLatin1StringView("debug"))
        rules = QStringLiteral("mediaforge.*.debug=true");
    else if (level == QLatin1StringView("warning"))
        rules = QStringLiteral("*.debug=false\n*.info=false");
    else if (level == QLatin1StringView("error"))
        rules = QStringLiteral("*.debug=false\n*.info=false\n*.warning=false");
    else
        rules = QStringLiteral("*.debug=false");
    QLoggingCategory::setFilterRules(rules);
    qInstallMessageHandler(handler);
}

void setTempDirectory(const QString &path)
{
    g_tempDirectory = path;
}

QDebug operator<<(QDebug debug, const Fields &fields)
{
    // One string with the markers inside: QDebug escapes a lone control character, but passes
    // a string through untouched when it is not quoting.
    QString encoded = kFieldsBegin;
    for (qsizetype i = 0; i < fields.items.size(); ++i) {
        if (i > 0)
            encoded += kFieldSeparator;
        encoded += fields.items.at(i).first + kFieldSeparator + fields.items.at(i).second;
    }
    encoded += kFieldsEnd;
    QDebugStateSaver saver(debug);
    debug.noquote() << encoded;
    return debug;
}

QString redactUrl(const QUrl &url)
{
    QUrl copy = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
    QString text = copy.toString(QUrl::FullyEncoded);
    if (url.hasQuery())
        text += QStringLiteral("?<redacted>");
    return text;
}

QString redactPaths(const QString &text)
{
    if (g_tempDirectory.isEmpty() || !text.contains(g_tempDirectory))
        return text;
    QString result = text;
    result.replace(g_tempDirectory, QStringLiteral("<tmp>"));
    return result;
}

} // namespace Mediaforge::Logging
