// SPDX-License-Identifier: GPL-3.0-or-later
#include "sha256.h"

#include <QIODevice>

#include <openssl/evp.h>

#include <algorithm>

#include <cstdlib>

namespace Mediaforge {

void Sha256::Free::operator()(evp_md_ctx_st *context) const
{
    EVP_MD_CTX_free(context);
}

Sha256::Sha256() : m_context(EVP_MD_CTX_new())
{
    // Only an allocation can fail here, and a service out of memory cannot go on meaningfully.
    if (!m_context || EVP_DigestInit_ex(m_context.get(), EVP_sha256(), nullptr) != 1)
        std::abort();
}

Sha256::~Sha256() = default;

void Sha256::addData(QByteArrayView data)
{
    if (!data.isEmpty())
        EVP_DigestUpdate(m_context.get(), data.data(), size_t(data.size()));
}

qint64 Sha256::addFrom(QIODevice &device, qint64 limit)
{
    QByteArray buffer(1024 * 1024, Qt::Uninitialized);
    qint64 total = 0;
    while (limit < 0 || total < limit) {
        const qint64 wanted = limit < 0 ? buffer.size() : std::min<qint64>(buffer.size(), limit - total);
        const qint64 read = device.read(buffer.data(), wanted);
        if (read < 0)
            return -1;
        if (read == 0)
            return limit < 0 ? total : -1;
        addData(QByteArrayView(buffer.constData(), read));
        total += read;
    }
    return total;
}

QByteArray Sha256::result()
{
    QByteArray digest(EVP_MAX_MD_SIZE, Qt::Uninitialized);
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context.get(), reinterpret_cast<unsigned char *>(digest.data()), &length);
    digest.resize(qsizetype(length));
    return digest;
}

QByteArray Sha256::hash(QByteArrayView data)
{
    Sha256 sha;
    sha.addData(data);
    return sha.result();
}

} // namespace Mediaforge
