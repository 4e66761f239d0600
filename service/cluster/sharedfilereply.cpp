// SPDX-License-Identifier: GPL-3.0-or-later
#include "sharedfilereply.h"

#include <QRegularExpression>

#include <algorithm>
#include <QTimer>

namespace Mediaforge {

SharedFileReply::SharedFileReply(const QString &path, const QByteArray &range, QObject *parent)
    : QNetworkReply(parent), m_file(path)
{
    setOperation(QNetworkAccessManager::GetOperation);
    QNetworkReply::open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    if (!m_file.open(QIODevice::ReadOnly)) {
        // As the route answers for an output its node no longer has (delivered or expired).
        setError(ContentNotFoundError, QStringLiteral("the output is no longer in the shared dir"));
        answer(404, "Not Found");
        return;
    }
    const qint64 size = m_file.size();
    qint64 first = 0;
    qint64 last = size - 1;
    int status = 200;
    if (!range.isEmpty()) {
        // One range, as the route takes it: "bytes=a-b", "bytes=a-" or "bytes=-n".
        static const QRegularExpression one(QStringLiteral("^bytes=(\\d*)-(\\d*)$"));
        const QRegularExpressionMatch match = one.match(QString::fromLatin1(range.trimmed()));
        bool fits = match.hasMatch() && !(match.captured(1).isEmpty() && match.captured(2).isEmpty());
        if (fits && match.captured(1).isEmpty()) {
            const qint64 suffix = match.captured(2).toLongLong();
            first = std::max<qint64>(0, size - suffix);
            fits = suffix > 0;
        } else if (fits) {
            first = match.captured(1).toLongLong();
            if (!match.captured(2).isEmpty())
                last = std::min(last, match.captured(2).toLongLong());
            fits = first < size && first <= last;
        }
        if (!fits) {
            setRawHeader("Content-Range", "bytes */" + QByteArray::number(size));
            setHeader(QNetworkRequest::ContentLengthHeader, 0);
            setError(UnknownContentError, QStringLiteral("range not satisfiable"));
            answer(416, "Range Not Satisfiable");
            return;
        }
        status = 206;
        setRawHeader("Content-Range",
                     "bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + '/' + QByteArray::number(size));
    }
    m_file.seek(first);
    m_remaining = size == 0 ? 0 : last - first + 1;
    setHeader(QNetworkRequest::ContentLengthHeader, m_remaining);
    answer(status, status == 200 ? "OK" : "Partial Content");
}

void SharedFileReply::answer(int status, const QByteArray &reason)
{
    setAttribute(QNetworkRequest::HttpStatusCodeAttribute, status);
    setAttribute(QNetworkRequest::HttpReasonPhraseAttribute, reason);
    setFinished(true);
    // Later: whoever opened the reply connects to its signals after the constructor returns.
    QTimer::singleShot(0, this, [this] {
        emit metaDataChanged();
        if (error() != NoError)
            emit errorOccurred(error());
        if (m_remaining > 0)
            emit readyRead();
        emit finished();
    });
}

void SharedFileReply::abort()
{
    m_file.close();
    m_remaining = 0;
    setError(OperationCanceledError, QStringLiteral("aborted"));
}

qint64 SharedFileReply::bytesAvailable() const
{
    return m_remaining + QNetworkReply::bytesAvailable();
}

qint64 SharedFileReply::readData(char *data, qint64 maxSize)
{
    if (m_remaining <= 0)
        return -1;
    const qint64 read = m_file.read(data, std::min(maxSize, m_remaining));
    if (read <= 0) {
        // The file shrank under us: the reader sees fewer bytes than announced and fails.
        m_remaining = 0;
        return -1;
    }
    m_remaining -= read;
    return read;
}

} // namespace Mediaforge
