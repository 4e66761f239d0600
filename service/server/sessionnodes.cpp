// SPDX-License-Identifier: GPL-3.0-or-later
// Session: `list_nodes`, `drain_node` and `resume_node` (admin). The nodes that share this
// node's store, as the store's nodes table says: an operator's view of the cluster from any
// node, and the switch that stops one from claiming. Both go through the service
// (SessionContext::nodes, setNodeState), so that a session knows no store.
#include "session.h"

#include "logging/logging.h"
#include "protocol.h"

#include <QRegularExpression>

namespace Mediaforge {

using namespace Protocol;

void Session::handleListNodes(const QJsonValue &requestId)
{
    if (m_identity.role != Role::Admin) {
        sendError(Error(ErrorCode::Forbidden, QStringLiteral("only admins may list the nodes")), QString(), requestId);
        return;
    }
    QJsonObject reply{{QString(Field::Type), QString(Type::Nodes)}};
    reply.insert(QString(Field::Nodes), m_context.nodes ? m_context.nodes() : QJsonArray());
    send(reply, requestId);
}

void Session::handleNodeState(const QJsonObject &message, bool drain, const QJsonValue &requestId)
{
    if (m_identity.role != Role::Admin) {
        sendError(Error(ErrorCode::Forbidden, QStringLiteral("only admins may drain or resume a node")), QString(), requestId);
        return;
    }
    const QJsonValue node = message.value(QString(Field::Node));
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9._-]{1,63}$"));
    if (!node.isString() || !name.match(node.toString()).hasMatch()) {
        sendError(Error(ErrorCode::ValidationError,
                        QStringLiteral("\"node\" must be a node's name (letters, digits, '.', '_', '-'; at most 63)")),
                  QString(), requestId);
        return;
    }
    if (!m_context.setNodeState) {
        sendError(Error(ErrorCode::InternalError, QStringLiteral("this service has no nodes")), QString(), requestId);
        return;
    }
    if (const std::optional<Error> refused = m_context.setNodeState(node.toString(), drain)) {
        sendError(*refused, QString(), requestId);
        return;
    }
    qCInfo(lcSession).noquote() << Logging::Fields{{QStringLiteral("peer"), m_peer}} << "admin" << m_identity.name
                                << (drain ? "drained" : "resumed") << "node" << node.toString();
    // The answer is the list as it is now, with the node's new state.
    handleListNodes(requestId);
}

} // namespace Mediaforge
