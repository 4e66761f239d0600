// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobdetailsdialog.h"

#include "format.h"
#include "jobmodel.h"
#include "servicesession.h"
#include "statusicons.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QStyle>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

namespace Mediaforge::Monitor {

namespace {

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString row(const QString &label, const QString &valueHtml)
{
    return QStringLiteral("<tr><td class=\"k\">%1</td><td>%2</td></tr>").arg(esc(label), valueHtml);
}

QString section(const QString &title, const QString &rows)
{
    if (rows.isEmpty())
        return {};
    return QStringLiteral("<h3>%1</h3><table cellspacing=\"0\" cellpadding=\"2\">%2</table>").arg(esc(title), rows);
}

QString jsonValueText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double number = value.toDouble();
        return number == std::floor(number) && std::abs(number) < 1e15 ? QString::number(qint64(number))
                                                                        : QString::number(number, 'g', 10);
    }
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    default:
        return QString();
    }
}

// A value of error details or output metadata, in words where the key says what it is.
QString fieldText(const QString &key, const QJsonValue &value)
{
    if (value.isDouble() && (key == QLatin1StringView("size_bytes") || key.endsWith(QLatin1StringView("_bytes"))))
        return Format::bytes(qint64(value.toDouble()));
    if (value.isDouble() && key.endsWith(QLatin1StringView("_seconds")))
        return Format::clock(value.toDouble());
    return StatusText::fieldValue(key, jsonValueText(value));
}

// While a delivery is pending (a receiver down, retried with back-off), how often the dialog
// asks again: the retries themselves are seconds to an hour apart.
constexpr int kDeliveryPollMs = 5000;
// The longest error of an attempt shown: the service's own are one line.
constexpr qsizetype kMaxDeliveryErrorChars = 200;

QDateTime timestamp(const QJsonObject &object, QLatin1StringView key)
{
    return QDateTime::fromString(object.value(key).toString(), Qt::ISODateWithMs);
}

QString seconds(const QJsonObject &object, QLatin1StringView key)
{
    const QJsonValue value = object.value(key);
    if (!value.isDouble())
        return Format::unknown();
    return QStringLiteral("%1 (%2 s)").arg(Format::clock(value.toDouble()), QLocale().toString(value.toDouble(), 'f', 1));
}

} // namespace

JobDetailsDialog::JobDetailsDialog(JobModel *model, const QString &id, QWidget *parent)
    : QDialog(parent), m_model(model), m_id(id)
{
    setAttribute(Qt::WA_DeleteOnClose);
    auto *layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    QFont title = m_title->font();
    title.setPointSizeF(title.pointSizeF() * 1.3);
    title.setBold(true);
    m_title->setFont(title);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    m_browser = new QTextBrowser(this);
    m_browser->setOpenLinks(false);
    m_browser->setAccessibleName(tr("Job details"));
    layout->addWidget(m_browser, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_copy = buttons->addButton(tr("Copy as JSON"), QDialogButtonBox::ActionRole);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        const JobRecord *record = m_model ? m_model->recordById(m_id) : nullptr;
        if (!record)
            return;
        QApplication::clipboard()->setText(QString::fromUtf8(QJsonDocument(record->snapshot).toJson(QJsonDocument::Indented)));
        // Copying shows nothing by itself: the button says it worked, for a moment.
        m_copy->setText(tr("Copied \u2713"));
        QTimer::singleShot(2500, m_copy, [this] { m_copy->setText(tr("Copy as JSON")); });
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    const int line = fontMetrics().height();
    resize(line * 36, line * 40);

    if (m_model) {
        connect(m_model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
            const int row = m_model->rowOfId(m_id);
            if (row >= topLeft.row() && row <= bottomRight.row() && !(topLeft.column() == JobModel::ElapsedColumn
                                                                       && bottomRight.column() == JobModel::ElapsedColumn))
                refresh();
        });
        connect(m_model, &QAbstractItemModel::rowsRemoved, this, &JobDetailsDialog::refresh);
    }
    refresh();
}

void JobDetailsDialog::followDeliveries(ServiceSession *session)
{
    m_session = session;
    if (!m_deliveryPoll) {
        m_deliveryPoll = new QTimer(this);
        m_deliveryPoll->setInterval(kDeliveryPollMs);
        connect(m_deliveryPoll, &QTimer::timeout, this, &JobDetailsDialog::fetchDeliveries);
    }
    fetchDeliveries();
}

void JobDetailsDialog::fetchDeliveries()
{
    const JobRecord *record = m_model ? m_model->recordById(m_id) : nullptr;
    if (!m_session || m_fetching || !record)
        return;
    m_fetchedState = int(record->state);
    const QPointer<JobDetailsDialog> self(this);
    m_fetching = m_session->getJob(m_id, [self](const QJsonObject &reply) {
        if (!self)
            return;
        self->m_fetching = false;
        // An error (the job expired meanwhile) keeps what was shown.
        if (reply.value(QLatin1StringView("type")).toString() != QLatin1StringView("job"))
            return;
        self->m_deliveries = reply.value(QLatin1StringView("deliveries"));
        bool pending = false;
        for (const QJsonValue &delivery : self->m_deliveries.toArray())
            pending = pending || delivery.toObject().value(QLatin1StringView("state")).toString() == QLatin1StringView("pending");
        if (pending)
            self->m_deliveryPoll->start();
        else
            self->m_deliveryPoll->stop();
        self->refresh();
    });
}

QString JobDetailsDialog::plainText() const
{
    return m_title->text() + u'\n' + m_browser->toPlainText();
}

void JobDetailsDialog::refresh()
{
    const JobRecord *record = m_model ? m_model->recordById(m_id) : nullptr;
    if (!record) {
        m_title->setText(tr("Job %1 is no longer listed").arg(m_id));
        return;
    }
    const QString name = record->jobId.isEmpty() ? record->id : record->jobId;
    setWindowTitle(tr("Job %1").arg(name));
    m_title->setText(tr("%1 \u2014 %2, %3").arg(name, StatusText::operation(record->operation),
                                                 StatusText::state(record->state).toLower()));
    setWindowIcon(Icons::status(record->state));
    // Keep the reader's place while a running job updates the page.
    const int scroll = m_browser->verticalScrollBar()->value();
    m_browser->setHtml(html(*record, m_deliveries));
    m_browser->verticalScrollBar()->setValue(scroll);
    // A new state may have made a delivery (notify_events): ask again.
    if (m_session && int(record->state) != m_fetchedState)
        fetchDeliveries();
}

QString JobDetailsDialog::html(const JobRecord &record, const QJsonValue &deliveries)
{
    const QJsonObject &snapshot = record.snapshot;
    const QString muted = QApplication::palette().color(QPalette::Disabled, QPalette::WindowText).name();
    QString page = QStringLiteral("<style>td.k{padding-right:12px;color:%1;} h3{margin-top:14px;margin-bottom:4px;}"
                                  " pre{margin:0;} td.d, th.d{padding-right:14px;}</style>")
                           .arg(muted);

    // The error first: when a job failed, that is what the operator opened the dialog for.
    if (record.state == JobState::Failed) {
        const QJsonObject error = snapshot.value(QLatin1StringView("error")).toObject();
        QString rows = row(tr("Code"), QStringLiteral("<b>%1</b>").arg(esc(record.errorCode)))
                + row(tr("Message"), esc(record.errorMessage));
        const QJsonValue details = error.value(QLatin1StringView("details"));
        const QJsonObject detailsObject = details.toObject();
        for (auto it = detailsObject.begin(); it != detailsObject.end(); ++it) {
            if (it.key() != QLatin1StringView("stderr"))
                rows += row(StatusText::fieldLabel(it.key()), esc(fieldText(it.key(), it.value())));
        }
        if (details.isArray())
            rows += row(tr("Details"), esc(jsonValueText(details)));
        page += section(tr("Error"), rows);
    }
    // What ffmpeg said and what it was told: the service sends both to admins (redacted), and
    // the error's own stderr to everyone when ffmpeg failed.
    QString stderrText = snapshot.value(QLatin1StringView("ffmpeg_stderr")).toString();
    if (stderrText.isEmpty() && record.state == JobState::Failed)
        stderrText = snapshot.value(QLatin1StringView("error")).toObject().value(QLatin1StringView("details")).toObject()
                             .value(QLatin1StringView("stderr")).toString();
    const QString command = snapshot.value(QLatin1StringView("ffmpeg_command")).toString();
    if (!stderrText.isEmpty()) {
        page += QStringLiteral("<h3>%1</h3><pre>%2</pre>").arg(esc(tr("ffmpeg said (last lines)")), esc(stderrText));
    } else if (record.state == JobState::Failed && !command.isEmpty()) {
        // ffmpeg ran (there is its command line) and wrote no warning or error: a job stopped at
        // its time limit usually ends so. Saying so beats a missing section that reads as
        // "not sent".
        page += QStringLiteral("<h3>%1</h3><p>%2</p>")
                        .arg(esc(tr("ffmpeg said (last lines)")),
                             esc(tr("Nothing: ffmpeg wrote no warning or error before it ended.")));
    }
    if (!command.isEmpty())
        page += QStringLiteral("<h3>%1</h3><pre>%2</pre>").arg(esc(tr("ffmpeg command line")), esc(command));

    QString job = row(tr("Job id"), esc(record.jobId)) + row(tr("Service id"), QStringLiteral("<code>%1</code>").arg(esc(record.id)))
            + row(tr("Owner"), esc(record.owner.isEmpty() ? Format::unknown() : record.owner))
            + row(tr("Operation"), esc(StatusText::operation(record.operation)) + QStringLiteral(" (<code>%1</code>)").arg(esc(record.operation)))
            + (record.preset.isEmpty() ? QString() : row(tr("Preset"), QStringLiteral("<code>%1</code>").arg(esc(record.preset))))
            + row(tr("Status"), esc(StatusText::state(record.state)))
            // A finished job has no stage; the service's last one ("finalizing") would mislead.
            + (record.finished() ? QString() : row(tr("Stage"), esc(StatusText::stage(record.stage))))
            + row(tr("Progress"), esc(Format::percent(record.state == JobState::Completed ? 100 : record.percentage)))
            + row(tr("Priority"), esc(StatusText::priority(record.priority)));
    if (record.queuePosition > 0)
        job += row(tr("Queue position"), QString::number(record.queuePosition));
    if (record.state == JobState::Processing) {
        job += row(tr("Speed"), esc(Format::speedFactor(record.speed)));
        if (record.fps > 0)
            job += row(tr("Frames per second"), esc(QLocale().toString(record.fps, 'f', 1)));
        job += row(tr("Time remaining"), esc(Format::clock(record.etaSeconds)));
    }
    job += row(tr("Detached"), snapshot.value(QLatin1StringView("detach")).toBool() ? tr("yes, runs on without its client")
                                                                                      : tr("no"));
    page += section(tr("Job"), job);

    const QJsonObject input = snapshot.value(QLatin1StringView("input")).toObject();
    QString inputRows = row(tr("Name"), esc(record.inputName.isEmpty() ? Format::unknown() : record.inputName))
            + row(tr("Source"), esc(record.inputSource == QLatin1StringView("url")        ? tr("URL download")
                                            : record.inputSource == QLatin1StringView("upload") ? tr("Upload")
                                                                                                : record.inputSource));
    if (input.contains(QLatin1StringView("count")))
        inputRows += row(tr("Files"), QString::number(input.value(QLatin1StringView("count")).toInt()));
    if (record.inputSize >= 0)
        inputRows += row(tr("Size"), esc(Format::bytes(record.inputSize)));
    if (record.bytes >= 0 && !record.finished())
        inputRows += row(tr("Received"), esc(tr("%1 of %2").arg(Format::bytes(record.bytes), Format::bytes(record.totalBytes))));
    page += section(tr("Input"), inputRows);

    const QJsonObject options = snapshot.value(QLatin1StringView("options")).toObject();
    QString optionRows;
    for (auto it = options.begin(); it != options.end(); ++it)
        optionRows += row(it.key(), QStringLiteral("<code>%1</code>").arg(esc(jsonValueText(it.value()))));
    page += options.isEmpty() ? QStringLiteral("<h3>%1</h3><p>%2</p>").arg(esc(tr("Options")), esc(tr("None")))
                              : section(tr("Options"), optionRows);

    QString timeRows = row(tr("Submitted"), esc(Format::dateTime(record.createdAt)));
    if (record.startedAt.isValid())
        timeRows += row(tr("Started"), esc(Format::dateTime(record.startedAt)));
    if (record.finishedAt.isValid())
        timeRows += row(tr("Finished"), esc(Format::dateTime(record.finishedAt)));
    const QJsonObject timings = snapshot.value(QLatin1StringView("timings")).toObject();
    if (!timings.isEmpty()) {
        timeRows += row(tr("Receiving input"), esc(seconds(timings, QLatin1StringView("input_seconds"))))
                + row(tr("Waiting in the queue"), esc(seconds(timings, QLatin1StringView("queued_seconds"))))
                + row(tr("Processing"), esc(seconds(timings, QLatin1StringView("processing_seconds"))))
                + row(tr("Total"), esc(seconds(timings, QLatin1StringView("total_seconds"))));
    }
    page += section(tr("Timings"), timeRows);

    const QJsonArray outputs = snapshot.value(QLatin1StringView("outputs")).toArray();
    for (qsizetype i = 0; i < outputs.size(); ++i) {
        const QJsonObject output = outputs.at(i).toObject();
        QString rows = row(tr("File"), esc(output.value(QLatin1StringView("filename")).toString()))
                + row(tr("Size"), esc(Format::bytes(qint64(output.value(QLatin1StringView("size_bytes")).toDouble(-1)))))
                + row(tr("Type"), esc(output.value(QLatin1StringView("mime")).toString()))
                + row(tr("SHA-256"), QStringLiteral("<code>%1</code>").arg(esc(output.value(QLatin1StringView("sha256")).toString())));
        const QJsonObject metadata = output.value(QLatin1StringView("metadata")).toObject();
        for (auto it = metadata.begin(); it != metadata.end(); ++it) {
            if (!it.value().isNull() && !(it.value().isString() && it.value().toString().isEmpty()))
                rows += row(StatusText::fieldLabel(it.key()), esc(fieldText(it.key(), it.value())));
        }
        page += section(outputs.size() == 1 ? tr("Output") : tr("Output %1 of %2").arg(i + 1).arg(outputs.size()), rows);
    }
    if (snapshot.contains(QLatin1StringView("outputs_available")) && !snapshot.value(QLatin1StringView("outputs_available")).toBool())
        page += QStringLiteral("<p>%1</p>").arg(esc(tr("The output files were delivered or have expired; the service no longer holds them.")));

    page += deliveriesHtml(deliveries);

    const QJsonObject result = snapshot.value(QLatin1StringView("result")).toObject();
    if (!result.isEmpty())
        page += QStringLiteral("<h3>%1</h3><pre>%2</pre>")
                        .arg(esc(tr("Probe result")), esc(QString::fromUtf8(QJsonDocument(result).toJson(QJsonDocument::Indented))));
    return page;
}

QString JobDetailsDialog::deliveriesHtml(const QJsonValue &deliveries)
{
    // Only a job started with a notify_url has the list (maybe empty yet).
    if (!deliveries.isArray())
        return {};
    const QJsonArray list = deliveries.toArray();
    const QString title = esc(tr("Webhook deliveries"));
    if (list.isEmpty()) {
        return QStringLiteral("<h3>%1</h3><p>%2</p>")
                .arg(title, esc(tr("None yet: the job has not reached a state its webhook is sent for.")));
    }
    //: Column headings of the webhook deliveries table
    QString rows = QStringLiteral("<tr><th class=\"d\" align=\"left\">%1</th><th class=\"d\" align=\"left\">%2</th>"
                                  "<th class=\"d\" align=\"right\">%3</th><th class=\"d\" align=\"left\">%4</th>"
                                  "<th align=\"left\">%5</th></tr>")
                           .arg(esc(tr("Time")), esc(tr("Event")), esc(tr("Attempts")), esc(tr("Result")), esc(tr("State")));
    for (const QJsonValue &value : list) {
        const QJsonObject delivery = value.toObject();
        const int attempts = delivery.value(QLatin1StringView("attempts")).toInt();
        // The last attempt's time once there was one; before that, when the state change made it.
        const QDateTime when = attempts > 0 ? timestamp(delivery, QLatin1StringView("last_attempt_at"))
                                            : timestamp(delivery, QLatin1StringView("created_at"));
        const QString eventName = delivery.value(QLatin1StringView("event")).toString();
        const std::optional<JobState> event = jobStateFromName(eventName);
        QString outcome = Format::unknown();
        if (const int code = delivery.value(QLatin1StringView("status_code")).toInt(); code > 0)
            //: The receiver's answer to a webhook delivery: an HTTP status code
            outcome = tr("HTTP %1").arg(code);
        else if (const QString error = delivery.value(QLatin1StringView("error")).toString(); !error.isEmpty())
            outcome = error.left(kMaxDeliveryErrorChars);
        const QString state = delivery.value(QLatin1StringView("state")).toString();
        QString stateText;
        QColor color;
        if (state == QLatin1StringView("delivered")) {
            stateText = tr("Delivered");
            color = Icons::groupColor(StatusGroup::Completed);
        } else if (state == QLatin1StringView("failed")) {
            stateText = tr("Failed, given up");
            color = Icons::groupColor(StatusGroup::Failed);
        } else {
            const QDateTime next = timestamp(delivery, QLatin1StringView("next_attempt_at"));
            //: A webhook delivery that waits for its next attempt; %1 is its time of day
            stateText = attempts > 0 && next.isValid() ? tr("Pending, next try %1").arg(Format::time(next)) : tr("Pending");
            color = attempts > 0 ? Icons::groupColor(StatusGroup::Failed) : Icons::groupColor(StatusGroup::Queued);
        }
        rows += QStringLiteral("<tr><td class=\"d\">%1</td><td class=\"d\">%2</td><td class=\"d\" align=\"right\">%3</td>"
                               "<td class=\"d\">%4</td><td><span style=\"color:%5\">\u25cf</span> %6</td></tr>")
                        .arg(esc(Format::dateTime(when)), esc(event ? StatusText::state(*event) : eventName),
                             QString::number(attempts), esc(outcome), color.name(), esc(stateText));
    }
    return QStringLiteral("<h3>%1</h3><table cellspacing=\"0\" cellpadding=\"3\">%2</table>").arg(title, rows);
}

} // namespace Mediaforge::Monitor
