// SPDX-License-Identifier: GPL-3.0-or-later
#include "healthcommand.h"

#include "clientconnection.h"
#include "console.h"
#include "format.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace Mediaforge::Cli {

namespace {
constexpr int kTimeoutMs = 10000;
}

HealthCommand::HealthCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent)
    : Task(command, connection, console, parent), m_network(new QNetworkAccessManager(this))
{
}

void HealthCommand::start()
{
    QUrl base = m_command.httpUrl;
    if (base.isEmpty()) {
        base = QUrl(m_connection.welcome().value(QStringLiteral("http_url")).toString());
        if (!base.isValid() || base.isEmpty()) {
            fail(Failure{QStringLiteral("NO_HTTP_URL"), tr("the service did not say where its HTTP port is; give it with --http URL")},
                 toInt(ExitCode::Unreachable));
            return;
        }
    }
    QUrl url = base;
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + QStringLiteral("/health"));
    get(url);
}

void HealthCommand::get(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(kTimeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    QNetworkReply *reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply, url] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        const QJsonObject health = QJsonDocument::fromJson(body).object();
        const QString urlText = url.toString(QUrl::RemoveUserInfo);
        if (status == 0) {
            fail(Failure{QStringLiteral("UNREACHABLE"), tr("cannot reach %1: %2").arg(urlText, reply->errorString())},
                 toInt(ExitCode::Unreachable));
            return;
        }
        if ((status != 200 && status != 503) || health.isEmpty()) {
            fail(Failure{QStringLiteral("BAD_RESPONSE"), tr("%1 answered HTTP %2, not a health report").arg(urlText).arg(status)},
                 toInt(ExitCode::Unreachable));
            return;
        }
        const bool healthy = status == 200 && health.value(QStringLiteral("status")).toString() == QLatin1StringView("healthy");
        if (jsonMode())
            printJsonDocument(health);
        else
            m_console.out(describe(health));
        done(healthy ? toInt(ExitCode::Success) : toInt(ExitCode::JobFailed));
    });
}

QString HealthCommand::describe(const QJsonObject &health)
{
    const QString status = health.value(QStringLiteral("status")).toString();
    const QString statusText = status == QLatin1StringView("healthy") ? tr("healthy")
            : status == QLatin1StringView("degraded")                 ? tr("degraded")
                                                                      : status;
    QString text = tr("%1: mediaforged %2, ffmpeg %3, up %4")
                           .arg(statusText, health.value(QStringLiteral("version")).toString(),
                                health.value(QStringLiteral("ffmpeg")).toObject().value(QStringLiteral("version")).toString(tr("missing")),
                                Format::seconds(health.value(QStringLiteral("uptime_seconds")).toDouble()))
            + u'\n';
    const QJsonObject stats = health.value(QStringLiteral("stats")).toObject();
    auto count = [&stats](const char *key) { return stats.value(QLatin1StringView(key)).toInt(); };
    text += tr("jobs: %1 active, %2 queued, %3 completed, %4 failed, %5 cancelled; workers: %6; connections: %7")
                    .arg(count("active_jobs"))
                    .arg(count("queued_jobs"))
                    .arg(count("completed_jobs"))
                    .arg(count("failed_jobs"))
                    .arg(count("cancelled_jobs"))
                    .arg(count("max_concurrent"))
                    .arg(count("connections"))
            + u'\n';
    return text;
}

} // namespace Mediaforge::Cli
