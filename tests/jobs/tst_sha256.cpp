// SPDX-License-Identifier: GPL-3.0-or-later
// Sha256 (OpenSSL's libcrypto) gives the digest Qt's QCryptographicHash gives, for the sizes
// around SHA-256's 64-byte blocks and its padding, whole or fed in pieces as an upload is.
#include "jobs/sha256.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>

using namespace Mediaforge;

class TestSha256 : public QObject
{
    Q_OBJECT

private slots:
    void matchesQtsDigest_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("piece");
        for (int size : {0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 1024 * 1024 + 3})
            for (int piece : {1, 7, 64, 4096, 1024 * 1024 + 3}) {
                if (size > 100000 && piece < 4096)
                    continue;
                QTest::addRow("%d bytes in pieces of %d", size, piece) << size << piece;
            }
    }

    void matchesQtsDigest()
    {
        QFETCH(int, size);
        QFETCH(int, piece);
        QByteArray data(size, Qt::Uninitialized);
        QRandomGenerator generator(quint32(size) * 7919u + 1u);
        for (char &byte : data)
            byte = char(generator.bounded(256));
        Sha256 sha;
        for (qsizetype at = 0; at < data.size(); at += piece)
            sha.addData(QByteArrayView(data.constData() + at, std::min<qsizetype>(piece, data.size() - at)));
        const QByteArray expected = QCryptographicHash::hash(data, QCryptographicHash::Sha256);
        QCOMPARE(sha.result().toHex(), expected.toHex());
        QCOMPARE(Sha256::hash(data).toHex(), expected.toHex());
    }

    void knownVector()
    {
        // FIPS 180-2, appendix B.1.
        QCOMPARE(Sha256::hash("abc").toHex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }
};

QTEST_GUILESS_MAIN(TestSha256)
#include "tst_sha256.moc"
