// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobview.h"

#include "format.h"
#include "protocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace Mediaforge::Cli {

using namespace Protocol;

QString JobView::statusLabel(const QString &status)
{
    if (status == QLatin1StringView("awaiting_upload"))
        return tr("awaiting upload");
    if (status == QLatin1StringView("downloading"))
        return tr("downloading");
    if (status == QLatin1StringView("queued"))
        return tr("queued");
    if (status == QLatin1StringView("processing"))
        return tr("processing");
    if (status == QLatin1StringView("completed"))
        return tr("completed");
    if (status == QLatin1StringView("failed"))
        return tr("failed");
    if (status == QLatin1StringView("cancelled"))
        return tr("cancelled");
    return status;
}

bool JobView::isFinished(const QString &status)
{
    return status == QLatin1StringView("completed") || status == QLatin1StringView("failed")
            || status == QLatin1StringView("cancelled");
}

ProgressSnapshot JobView::progressOf(const QJsonObject &job)
{
    ProgressSnapshot snapshot;
    snapshot.stage = job.value(Field::Stage).toString();
    snapshot.percentage = job.value(Field::Percentage).toDouble(-1);
    if (job.contains(Field::Bytes))
        snapshot.bytes = qint64(job.value(Field::Bytes).toDouble());
    if (job.contains(Field::TotalBytes))
        snapshot.totalBytes = qint64(job.value(Field::TotalBytes).toDouble());
    snapshot.speed = job.value(Field::Speed).toDouble(-1);
    snapshot.etaSeconds = job.value(Field::EtaSeconds).toDouble(-1);
    snapshot.queuePosition = job.value(Field::QueuePosition).toInt();
    return snapshot;
}

QString JobView::timeText(const QString &isoTime, bool compact)
{
    const QDateTime time = QDateTime::fromString(isoTime, Qt::ISODateWithMs).toLocalTime();
    if (!time.isValid())
        return QString();
    if (compact && time.date() == QDate::currentDate())
        return time.toString(QStringLiteral("HH:mm:ss"));
    return time.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString JobView::table(const QList<QJsonObject> &jobs, bool withOwner)
{
    QStringList header{tr("ID"), tr("JOB ID"), tr("OPERATION"), tr("STATUS"), tr("PROGRESS"), tr("PRIORITY"), tr("INPUT"), tr("CREATED")};
    QList<bool> numeric{false, false, false, false, true, false, false, false};
    if (withOwner) {
        header.append(tr("OWNER"));
        numeric.append(false);
    }
    TextTable table(header, numeric);
    for (const QJsonObject &job : jobs) {
        const QString status = job.value(Field::Status).toString();
        QString progress;
        if (!isFinished(status) || status == QLatin1StringView("completed"))
            progress = Format::number(job.value(Field::Percentage).toDouble(), 1) + u'%';
        QStringList row{job.value(Field::Id).toString(),
                        job.value(Field::JobId).toString(),
                        job.value(Field::Operation).toString(),
                        statusLabel(status),
                        progress,
                        job.value(Field::Priority).toString(),
                        job.value(Field::Input).toObject().value(QStringLiteral("name")).toString(),
                        timeText(job.value(QStringLiteral("created_at")).toString(), true)};
        if (withOwner)
            row.append(job.value(QStringLiteral("owner")).toString());
        table.addRow(row);
    }
    return table.render();
}

QString JobView::details(const QJsonObject &job)
{
    TextTable table({QString(), QString()});
    const QString status = job.value(Field::Status).toString();
    table.addRow({tr("job"), job.value(Field::JobId).toString()});
    table.addRow({tr("id"), job.value(Field::Id).toString()});
    table.addRow({tr("operation"), job.value(Field::Operation).toString()});
    // A running job says where it is, as the progress display would.
    table.addRow({tr("status"), isFinished(status) ? statusLabel(status) : ProgressRenderer::plainLine(progressOf(job))});
    table.addRow({tr("priority"), job.value(Field::Priority).toString()});
    if (job.value(Field::Detach).toBool())
        table.addRow({tr("detached"), tr("yes")});
    const QJsonObject input = job.value(Field::Input).toObject();
    QString inputText = input.value(QStringLiteral("name")).toString();
    QStringList inputDetails{input.value(Field::Source).toString()};
    if (input.contains(Field::Count))
        inputDetails.append(tr("%1 files").arg(input.value(Field::Count).toInt()));
    if (input.contains(Field::Size))
        inputDetails.append(Format::bytes(qint64(input.value(Field::Size).toDouble())));
    inputText += QStringLiteral(" (") + inputDetails.join(QStringLiteral(", ")) + u')';
    table.addRow({tr("input"), inputText.trimmed()});
    const QJsonObject options = job.value(Field::Options).toObject();
    if (!options.isEmpty()) {
        QStringList pairs;
        for (auto it = options.begin(); it != options.end(); ++it) {
            const QJsonValue value = it.value();
            QString text;
            if (value.isBool())
                text = value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
            else if (value.isDouble())
                text = QString::number(value.toDouble());
            else if (value.isString())
                text = value.toString();
            else
                text = QString::fromUtf8(QJsonDocument(value.isArray() ? QJsonDocument(value.toArray())
                                                                       : QJsonDocument(value.toObject()))
                                                 .toJson(QJsonDocument::Compact));
            pairs.append(it.key() + u'=' + text);
        }
        table.addRow({tr("options"), pairs.join(QStringLiteral(" "))});
    }
    for (const char *key : {"created_at", "started_at", "finished_at"}) {
        const QString time = job.value(QLatin1StringView(key)).toString();
        if (time.isEmpty())
            continue;
        const QString label = QLatin1StringView(key) == QLatin1StringView("created_at") ? tr("created")
                : QLatin1StringView(key) == QLatin1StringView("started_at")             ? tr("started")
                                                                                           : tr("finished");
        table.addRow({label, timeText(time, false)});
    }
    if (job.contains(QStringLiteral("owner")))
        table.addRow({tr("owner"), job.value(QStringLiteral("owner")).toString()});
    const QJsonArray outputs = job.value(Field::Outputs).toArray();
    const bool available = job.value(QStringLiteral("outputs_available")).toBool(true);
    for (qsizetype i = 0; i < outputs.size(); ++i) {
        const QJsonObject output = outputs.at(i).toObject();
        QString text = output.value(Field::Filename).toString() + QStringLiteral(" (")
                + Format::bytes(qint64(output.value(QStringLiteral("size_bytes")).toDouble())) + u')';
        if (!available)
            text += u' ' + tr("[no longer available]");
        table.addRow({i == 0 ? tr("outputs") : QString(), text});
    }
    if (job.contains(Field::Error)) {
        const QJsonObject error = job.value(Field::Error).toObject();
        table.addRow({tr("error"), error.value(Field::Code).toString() + QStringLiteral(": ") + error.value(Field::Message).toString()});
    }
    return table.render().section(u'\n', 1);
}

} // namespace Mediaforge::Cli
