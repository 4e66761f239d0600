// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"

#include <QJsonArray>
#include <QList>
#include <QString>

namespace Mediaforge {

// Collects every offending field of a request, so that one VALIDATION_ERROR names them all:
// `details` is [{"path": "options.crf", "message": "..."}], the message names the first.
class ValidationIssues
{
public:
    void add(const QString &path, const QString &message) { m_list.append({path, message}); }
    void addAll(const QJsonArray &details)
    {
        for (const QJsonValue &detail : details)
            add(detail[QLatin1StringView("path")].toString(), detail[QLatin1StringView("message")].toString());
    }
    bool isEmpty() const { return m_list.isEmpty(); }
    qsizetype count() const { return m_list.size(); }

    Error toError() const
    {
        QJsonArray details;
        for (const auto &[path, message] : m_list)
            details.append(QJsonObject{{QStringLiteral("path"), path}, {QStringLiteral("message"), message}});
        QString text = m_list.first().first + QStringLiteral(": ") + m_list.first().second;
        if (m_list.size() > 1)
            text += QStringLiteral(" (and %1 more)").arg(m_list.size() - 1);
        return Error(ErrorCode::ValidationError, text, details);
    }

    static Error single(const QString &path, const QString &message)
    {
        ValidationIssues issues;
        issues.add(path, message);
        return issues.toError();
    }

private:
    QList<std::pair<QString, QString>> m_list;
};

} // namespace Mediaforge
