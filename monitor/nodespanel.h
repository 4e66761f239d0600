// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QPointer>
#include <QWidget>

class QAction;
class QLabel;
class QListWidget;

namespace Mediaforge::Monitor {

class ServiceSession;

// The cluster as the service's nodes table says (`list_nodes`): one row per node with its
// state, busy slots and heartbeat, and the ffmpeg version of a node whose ffmpeg differs from
// the connected node's. An admin (the monitor's only kind of user) drains the selected node or
// resumes it, from the buttons below the list or its context menu. Hidden while the service
// is a cluster of one, where the health block above already says everything.
class NodesPanel : public QWidget
{
    Q_OBJECT
public:
    explicit NodesPanel(ServiceSession *session, QWidget *parent = nullptr);

    QString titleText() const;
    int rows() const;
    QString rowText(int row) const;
    QString rowToolTip(int row) const;
    void selectRow(int row);
    QAction *drainAction() const { return m_drain; }
    QAction *resumeAction() const { return m_resume; }
    // The last refusal of a drain or resume, empty after a success.
    QString messageText() const;

    // One node's line, exposed for tests: "enc-2 · 3 of 4 busy · draining". `ownFfmpeg` is the
    // connected node's ffmpeg version: a node with another one says which.
    static QString describe(const QJsonObject &node, qint64 extraAgeMs, const QString &ownFfmpeg = QString());

private:
    void update();
    void updateActions();
    void setSelectedDraining(bool drain);
    QJsonObject selectedNode() const;

    QPointer<ServiceSession> m_session;
    QLabel *m_title;
    QListWidget *m_list;
    QAction *m_drain;
    QAction *m_resume;
    QLabel *m_message;
};

} // namespace Mediaforge::Monitor
