// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFile>
#include <QNetworkReply>

namespace Mediaforge {

// An output of another node read straight from the shared dir both nodes mount (--shared-dir),
// dressed as the reply of that node's output route: the same status (200, 206, 416 or 404),
// Content-Length and Content-Range, so that the server streams it exactly as a remote one.
// Nothing is buffered: every read goes to the file, so memory does not grow with its size.
class SharedFileReply final : public QNetworkReply
{
    Q_OBJECT

public:
    // `range`: an HTTP Range value (one range), empty for the whole file.
    SharedFileReply(const QString &path, const QByteArray &range, QObject *parent = nullptr);

    void abort() override;
    qint64 bytesAvailable() const override;
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;

private:
    void answer(int status, const QByteArray &reason);

    QFile m_file;
    qint64 m_remaining = 0;
};

} // namespace Mediaforge
