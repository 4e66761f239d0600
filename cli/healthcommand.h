// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "task.h"

#include <QUrl>

class QNetworkAccessManager;

namespace Mediaforge::Cli {

// `health`: GET /health on the service's HTTP port, whose address the WebSocket welcome
// gives (http_url) unless --http names it. Exit 0 healthy, 1 degraded, 3 unreachable.
class HealthCommand : public Task
{
    Q_OBJECT
public:
    HealthCommand(const Command &command, ClientConnection &connection, Console &console, QObject *parent = nullptr);

    bool needsConnection() const override { return m_command.httpUrl.isEmpty(); }
    void start() override;

    // The human summary of a /health body.
    static QString describe(const QJsonObject &health);

private:
    void get(const QUrl &url);

    QNetworkAccessManager *m_network = nullptr;
};

} // namespace Mediaforge::Cli
