// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QPointer>
#include <QWidget>

class QLabel;
class QListWidget;

namespace Mediaforge::Monitor {

class ServiceSession;

// The cluster as the service's nodes table says (`list_nodes`): one row per node with its
// state, busy slots and heartbeat. Hidden while the service is a cluster of one, where the
// health block above already says everything.
class NodesPanel : public QWidget
{
    Q_OBJECT
public:
    explicit NodesPanel(ServiceSession *session, QWidget *parent = nullptr);

    QString titleText() const;
    int rows() const;
    QString rowText(int row) const;
    QString rowToolTip(int row) const;

    // One node's line, exposed for tests: "enc-2 · 3 of 4 busy · draining".
    static QString describe(const QJsonObject &node, qint64 extraAgeMs);

private:
    void update();

    QPointer<ServiceSession> m_session;
    QLabel *m_title;
    QListWidget *m_list;
};

} // namespace Mediaforge::Monitor
