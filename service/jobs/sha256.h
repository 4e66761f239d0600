// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

class QIODevice;

#include <memory>

struct evp_md_ctx_st;

namespace Mediaforge {

// SHA-256 of the bytes the service receives and produces (uploads as they arrive, outputs when a
// run ends, cache entries), through OpenSSL's libcrypto. Qt 6.4's QCryptographicHash computes it
// in portable C; libcrypto uses the CPU's SHA extensions where it has them, which made an upload
// hashed on the event loop about four times cheaper (docs/performance.md). The digest is the same.
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(QByteArrayView data);
    // Reads `device` to its end, or `limit` bytes of it when not negative, in 1 MiB pieces (so
    // that a file of any size costs that much memory). The bytes read, or -1 when a read
    // failed or the device ended before `limit`.
    qint64 addFrom(QIODevice &device, qint64 limit = -1);
    // The 32-byte digest; the hash is finished (addData() must not follow).
    QByteArray result();

    static QByteArray hash(QByteArrayView data);

private:
    struct Free
    {
        void operator()(evp_md_ctx_st *context) const;
    };
    std::unique_ptr<evp_md_ctx_st, Free> m_context;
};

} // namespace Mediaforge
