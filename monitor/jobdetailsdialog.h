// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>
#include <QJsonArray>
#include <QPointer>

class QLabel;
class QPushButton;
class QTextBrowser;
class QTimer;

namespace Mediaforge::Monitor {

class JobModel;
class ServiceSession;
struct JobRecord;

// Everything the service knows about one job, kept current while it is open: identity, input,
// options, timings, the error with ffmpeg's own message, the outputs with their metadata, and
// its webhook deliveries.
class JobDetailsDialog : public QDialog
{
    Q_OBJECT
public:
    JobDetailsDialog(JobModel *model, const QString &id, QWidget *parent = nullptr);

    QString id() const { return m_id; }
    // The job's webhook deliveries are not in the event feed's snapshots: they are asked for
    // with get_job from `session`, when the dialog opens, when the job changes state and while
    // one of them is pending.
    void followDeliveries(ServiceSession *session);
    // The document as plain text (tests, and "Copy").
    QString plainText() const;
    // The HTML the browser shows, built from a record and the job's deliveries as get_job lists
    // them (undefined: the job has none or they are not known); public so that it can be tested alone.
    static QString html(const JobRecord &record, const QJsonValue &deliveries = QJsonValue::Undefined);

private:
    static QString deliveriesHtml(const QJsonValue &deliveries);
    void refresh();
    void fetchDeliveries();

    QPointer<JobModel> m_model;
    QPointer<ServiceSession> m_session;
    QString m_id;
    QJsonValue m_deliveries = QJsonValue::Undefined;
    bool m_fetching = false;
    int m_fetchedState = -1;       // the job state the last fetch saw
    QTimer *m_deliveryPoll = nullptr;
    QLabel *m_title;
    QTextBrowser *m_browser;
    QPushButton *m_copy;
};

} // namespace Mediaforge::Monitor
