// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>
#include <QPointer>

class QLabel;
class QPushButton;
class QTextBrowser;

namespace Mediaforge::Monitor {

class JobModel;
struct JobRecord;

// Everything the service knows about one job, kept current while it is open: identity, input,
// options, timings, the error with ffmpeg's own message, and the outputs with their metadata.
class JobDetailsDialog : public QDialog
{
    Q_OBJECT
public:
    JobDetailsDialog(JobModel *model, const QString &id, QWidget *parent = nullptr);

    QString id() const { return m_id; }
    // The document as plain text (tests, and "Copy").
    QString plainText() const;
    // The HTML the browser shows, built from a record; public so that it can be tested alone.
    static QString html(const JobRecord &record);

private:
    void refresh();

    QPointer<JobModel> m_model;
    QString m_id;
    QLabel *m_title;
    QTextBrowser *m_browser;
    QPushButton *m_copy;
};

} // namespace Mediaforge::Monitor
