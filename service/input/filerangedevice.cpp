// SPDX-License-Identifier: GPL-3.0-or-later
#include "filerangedevice.h"

#include <algorithm>

namespace Mediaforge {

FileRangeDevice::FileRangeDevice(const QString &path, qint64 offset, qint64 length, QObject *parent)
    : QIODevice(parent), m_file(path), m_offset(offset), m_length(length)
{
}

bool FileRangeDevice::open(OpenMode mode)
{
    if ((mode & ~(ReadOnly | Unbuffered)) != NotOpen || !(mode & ReadOnly))
        return false;
    if (!m_file.open(QIODevice::ReadOnly) || m_file.size() < m_offset + m_length || !m_file.seek(m_offset)) {
        setErrorString(m_file.errorString());
        m_file.close();
        return false;
    }
    // Unbuffered: no read-ahead in QIODevice, so the file's position is always offset + pos().
    return QIODevice::open(mode | Unbuffered);
}

void FileRangeDevice::close()
{
    QIODevice::close();
    m_file.close();
}

bool FileRangeDevice::seek(qint64 position)
{
    if (position < 0 || position > m_length || !QIODevice::seek(position))
        return false;
    return m_file.seek(m_offset + position);
}

qint64 FileRangeDevice::readData(char *data, qint64 maxSize)
{
    const qint64 left = m_offset + m_length - m_file.pos();
    if (left <= 0)
        return 0;
    return m_file.read(data, std::min(maxSize, left));
}

qint64 FileRangeDevice::writeData(const char *, qint64)
{
    return -1;
}

} // namespace Mediaforge
