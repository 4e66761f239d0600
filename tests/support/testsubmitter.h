// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clientconnection.h"

#include <QJsonObject>
#include <QString>
#include <QUrl>

// A level 1 client of a test's service, as the test's own second opinion: submits jobs with
// uploads and asks the service directly what became of them. Every call waits on the service's
// answer with a generous bound.
class TestSubmitter
{
public:
    bool open(const QUrl &url, const QString &token = {});
    // start_job with an upload of `path`; returns the service-wide id from the ack (empty when
    // refused or unanswered).
    // `extra` fields go into start_job as they are (detach, priority, ...).
    QString start(const QString &jobId, const QString &operation, const QJsonObject &options, const QString &path,
                  const QJsonObject &extra = {});
    QJsonObject ask(const QJsonObject &message);
    // The job's `status` as get_job reports it.
    QString statusOf(const QString &id);

    Mediaforge::ClientConnection connection;
};
