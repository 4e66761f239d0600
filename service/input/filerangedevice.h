// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFile>
#include <QIODevice>

namespace Mediaforge {

// A read-only window [offset, offset + length) of a file, as a random-access device: the body
// of one part of a multipart upload. QNetworkAccessManager reads it in small chunks (and seeks
// back to its start to resend), so a part of any size costs no more memory than a whole-file
// body does.
class FileRangeDevice : public QIODevice
{
    Q_OBJECT

public:
    FileRangeDevice(const QString &path, qint64 offset, qint64 length, QObject *parent = nullptr);

    bool open(OpenMode mode) override;   // ReadOnly only
    void close() override;
    qint64 size() const override { return m_length; }
    bool isSequential() const override { return false; }
    bool seek(qint64 position) override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    QFile m_file;
    qint64 m_offset;
    qint64 m_length;
};

} // namespace Mediaforge
