// SPDX-License-Identifier: GPL-3.0-or-later
// Session: `list_nodes` (admin). The nodes that share this node's store, as the store's nodes
// table says: an operator's view of the cluster from any node. The list comes from the
// service (SessionContext::nodes), so that a session knows no store.
#include "session.h"

#include "protocol.h"

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

} // namespace Mediaforge
