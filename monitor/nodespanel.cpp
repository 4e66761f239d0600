// SPDX-License-Identifier: GPL-3.0-or-later
#include "nodespanel.h"

#include "format.h"
#include "servicesession.h"
#include "statusicons.h"

#include <QAction>
#include <QDateTime>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace Mediaforge::Monitor {

namespace {

QString field(const QJsonObject &node, QLatin1StringView key)
{
    return node.value(key).toString();
}

qint64 number(const QJsonObject &node, QLatin1StringView key)
{
    return qint64(node.value(key).toDouble(-1));
}

bool isGone(const QJsonObject &node)
{
    return node.value(QLatin1StringView("gone")).toBool();
}

bool isDraining(const QJsonObject &node)
{
    return node.value(QLatin1StringView("state")).toString() == QLatin1StringView("draining");
}

// The ffmpeg of the node the monitor is connected to: the one the others are compared with.
QString ownFfmpegOf(const QJsonArray &nodes)
{
    for (const QJsonValue &value : nodes) {
        if (value.toObject().value(QLatin1StringView("self")).toBool())
            return field(value.toObject(), QLatin1StringView("ffmpeg_version"));
    }
    return QString();
}

} // namespace

NodesPanel::NodesPanel(ServiceSession *session, QWidget *parent) : QWidget(parent), m_session(session)
{
    setAccessibleName(tr("Nodes"));
    // Its rows have a fixed height: a tall panel's spare room goes to the chart below.
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    auto *layout = new QVBoxLayout(this);
    const int line = fontMetrics().height();
    // The space that sets it apart from the block above goes and comes with it.
    layout->setContentsMargins(0, line / 2, 0, 0);
    layout->setSpacing(line / 3);
    m_title = new QLabel(tr("Nodes"), this);
    m_title->setWordWrap(true);
    QFont font = m_title->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.1);
    m_title->setFont(font);
    layout->addWidget(m_title);
    m_list = new QListWidget(this);
    m_list->setAccessibleName(tr("Nodes"));
    m_list->setFrameShape(QFrame::NoFrame);
    // One node at a time is drained or resumed: the selected one.
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setTextElideMode(Qt::ElideMiddle);
    const int smallIcon = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_list->setIconSize(QSize(smallIcon, smallIcon));
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    QPalette transparent = m_list->palette();
    transparent.setColor(QPalette::Base, Qt::transparent);
    m_list->setPalette(transparent);
    layout->addWidget(m_list);

    //: Action on the selected node of a cluster: it finishes its running jobs and claims no new ones
    m_drain = new QAction(tr("Drain"), this);
    m_drain->setToolTip(tr("The selected node finishes what it runs and takes no new jobs; the other nodes take its queue"));
    //: Action on a drained node of a cluster: it claims jobs again
    m_resume = new QAction(tr("Resume"), this);
    m_resume->setToolTip(tr("The selected node takes jobs again"));
    connect(m_drain, &QAction::triggered, this, [this] { setSelectedDraining(true); });
    connect(m_resume, &QAction::triggered, this, [this] { setSelectedDraining(false); });
    m_list->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_list->addAction(m_drain);
    m_list->addAction(m_resume);
    connect(m_list, &QListWidget::itemSelectionChanged, this, &NodesPanel::updateActions);
    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    for (QAction *action : {m_drain, m_resume}) {
        auto *button = new QToolButton(this);
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        buttons->addWidget(button);
    }
    buttons->addStretch(1);
    layout->addLayout(buttons);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    layout->addWidget(m_message);

    if (m_session) {
        connect(m_session, &ServiceSession::nodesChanged, this, &NodesPanel::update);
        connect(m_session, &ServiceSession::liveChanged, this, &NodesPanel::update);
    }
    update();
}

QString NodesPanel::titleText() const
{
    return m_title->text();
}

int NodesPanel::rows() const
{
    return m_list->count();
}

QString NodesPanel::rowText(int row) const
{
    const QListWidgetItem *item = m_list->item(row);
    return item ? item->text() : QString();
}

QString NodesPanel::rowToolTip(int row) const
{
    const QListWidgetItem *item = m_list->item(row);
    return item ? item->toolTip() : QString();
}

void NodesPanel::selectRow(int row)
{
    m_list->setCurrentRow(row);
}

QString NodesPanel::messageText() const
{
    return m_message->text();
}

QJsonObject NodesPanel::selectedNode() const
{
    const QList<QListWidgetItem *> selected = m_list->selectedItems();
    if (!m_session || selected.isEmpty())
        return {};
    const QString name = selected.first()->data(Qt::UserRole).toString();
    for (const QJsonValue &value : m_session->nodes()) {
        if (field(value.toObject(), QLatin1StringView("name")) == name)
            return value.toObject();
    }
    return {};
}

void NodesPanel::updateActions()
{
    const QJsonObject node = selectedNode();
    const bool usable = !node.isEmpty() && m_session && m_session->isUp() && !isGone(node);
    m_drain->setEnabled(usable && !isDraining(node));
    m_resume->setEnabled(usable && isDraining(node));
}

void NodesPanel::setSelectedDraining(bool drain)
{
    const QJsonObject node = selectedNode();
    if (node.isEmpty() || !m_session)
        return;
    const QString name = field(node, QLatin1StringView("name"));
    // One request at a time: the reply's list enables them again.
    m_drain->setEnabled(false);
    m_resume->setEnabled(false);
    m_session->setNodeDraining(name, drain, [this, panel = QPointer<NodesPanel>(this), name, drain](bool ok, const QString &message) {
        if (!panel)
            return;
        m_message->setText(ok ? QString()
                           : drain ? tr("Could not drain %1: %2").arg(name, message)
                                   : tr("Could not resume %1: %2").arg(name, message));
        m_message->setVisible(!ok);
        updateActions();
    });
}

QString NodesPanel::describe(const QJsonObject &node, qint64 extraAgeMs, const QString &ownFfmpeg)
{
    QString name = field(node, QLatin1StringView("name"));
    if (node.value(QLatin1StringView("self")).toBool())
        //: The node the monitor is connected to, in the list of a cluster's nodes
        name = tr("%1 (this one)").arg(name);
    const qint64 slotCount = number(node, QLatin1StringView("slots"));
    const qint64 running = number(node, QLatin1StringView("running_jobs"));
    //: A node's worker slots: %1 busy of %2
    QString text = name + QStringLiteral(" \u00b7 ") + tr("%1 of %2 busy").arg(QLocale().toString(running), QLocale().toString(slotCount));
    const QString state = field(node, QLatin1StringView("state"));
    if (isGone(node)) {
        const qint64 age = number(node, QLatin1StringView("heartbeat_age_ms"));
        //: A node that stopped sending heartbeats; %1 is how long ago its last one was ("4 min")
        text += QStringLiteral(" \u00b7 ") + tr("gone, silent for %1").arg(Format::uptime(std::max<qint64>(0, age + extraAgeMs) / 1000));
    } else if (state == QLatin1StringView("draining")) {
        //: A node that finishes its running jobs and takes no new ones
        text += QStringLiteral(" \u00b7 ") + tr("draining");
    } else if (state != QLatin1StringView("active") && !state.isEmpty()) {
        text += QStringLiteral(" \u00b7 ") + state;
    }
    // Another ffmpeg still claims jobs, but its outputs may differ: worth a word on the row.
    const QString ffmpeg = field(node, QLatin1StringView("ffmpeg_version"));
    if (!ownFfmpeg.isEmpty() && !ffmpeg.isEmpty() && ffmpeg != ownFfmpeg)
        //: A node whose ffmpeg version differs from the connected node's; %1 is its version
        text += QStringLiteral(" \u00b7 ") + tr("ffmpeg %1").arg(ffmpeg);
    return text;
}

void NodesPanel::update()
{
    if (!m_session)
        return;
    const QJsonArray nodes = m_session->nodes();
    // A cluster of one is the service itself: the health block says it all.
    setVisible(nodes.size() > 1);
    const bool live = m_session->isLive();
    int gone = 0;
    int draining = 0;
    for (const QJsonValue &value : nodes) {
        const QJsonObject node = value.toObject();
        gone += isGone(node) ? 1 : 0;
        draining += !isGone(node) && field(node, QLatin1StringView("state")) == QLatin1StringView("draining") ? 1 : 0;
    }
    //: Title of the cluster's node list; %n nodes
    QString title = tr("Nodes: %n", nullptr, int(nodes.size()));
    if (draining > 0)
        title += QStringLiteral(" \u00b7 ") + tr("%n draining", nullptr, draining);
    if (gone > 0)
        title += QStringLiteral(" \u00b7 ") + tr("%n gone", nullptr, gone);
    m_title->setText(title);

    while (m_list->count() > nodes.size())
        delete m_list->takeItem(m_list->count() - 1);
    while (m_list->count() < nodes.size())
        m_list->addItem(new QListWidgetItem);
    // Ages were the database's when the list came; they grow until the next one.
    const qint64 extra = std::max<qint64>(0, m_session->msecsSinceNodes());
    const QString ownFfmpeg = ownFfmpegOf(nodes);
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QJsonObject node = nodes.at(i).toObject();
        QListWidgetItem *item = m_list->item(int(i));
        item->setData(Qt::UserRole, field(node, QLatin1StringView("name")));
        item->setText(describe(node, extra, ownFfmpeg));
        const bool nodeGone = isGone(node);
        const bool nodeDraining = field(node, QLatin1StringView("state")) == QLatin1StringView("draining");
        item->setIcon(Icons::connection(!nodeDraining, nodeGone));
        const QDateTime started = QDateTime::fromString(field(node, QLatin1StringView("started_at")), Qt::ISODateWithMs);
        const qint64 heartbeat = number(node, QLatin1StringView("heartbeat_age_ms"));
        QStringList tip;
        tip << tr("Address for other nodes: %1").arg(field(node, QLatin1StringView("url")))
            << tr("Version: %1").arg(field(node, QLatin1StringView("version")))
            << tr("Started: %1").arg(started.isValid() ? Format::dateTime(started.toLocalTime()) : Format::unknown())
            //: How long ago the node last renewed its leases, by the database's clock
            << tr("Last heartbeat: %1 ago").arg(heartbeat < 0 ? Format::unknown() : Format::uptime((heartbeat + extra) / 1000));
        const QString ffmpeg = field(node, QLatin1StringView("ffmpeg_version"));
        tip << tr("ffmpeg: %1").arg(ffmpeg.isEmpty() ? Format::unknown() : ffmpeg);
        const int encoders = int(node.value(QLatin1StringView("encoders")).toArray().size());
        if (encoders > 0)
            //: How many encoders the node's ffmpeg has
            tip << tr("%n encoders", nullptr, encoders);
        item->setToolTip(tip.join(u'\n'));
        const QPalette::ColorGroup group = live && !nodeGone ? QPalette::Active : QPalette::Disabled;
        item->setForeground(palette().color(group, QPalette::WindowText));
    }
    updateActions();
    const int rowHeight = std::max(m_list->sizeHintForRow(0), fontMetrics().height() + 4);
    m_list->setFixedHeight(rowHeight * std::clamp(int(nodes.size()), 1, 8) + 2 * m_list->frameWidth() + 2);
}

} // namespace Mediaforge::Monitor
