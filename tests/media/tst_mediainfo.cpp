// SPDX-License-Identifier: GPL-3.0-or-later
// MediaInfo::fromFfprobeJson on what a crafted file can make ffprobe print: numbers far outside
// what their fields hold are read as unknown, not converted (undefined behaviour that
// fuzz/service/media/fuzz_mediainfo found; its corpus keeps the input too).

#include "media/mediainfo.h"

#include <QTest>

#include <cmath>

using namespace Mediaforge;

class TestMediaInfo : public QObject
{
    Q_OBJECT
private slots:
    void outOfRangeNumbersReadAsUnknown_data();
    void outOfRangeNumbersReadAsUnknown();
    void ordinaryNumbersAreKept();
};

void TestMediaInfo::outOfRangeNumbersReadAsUnknown_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("bitRate");
    QTest::addColumn<int>("rotation");
    // The input fuzz_mediainfo reported (float-cast-overflow in toInt64).
    QTest::newRow("fuzz: huge size and bit rate")
            << QByteArray(R"({"streams":[{"codec_type":"audio","sample_rate":"1e400","channels":1e300,)"
                          R"("bit_rate":"99999999999999999999"}],"format":{"format_name":"x","duration":1e308,)"
                          R"("size":1e300,"bit_rate":-1e300}})")
            << qint64(0) << qint64(0) << 0;
    QTest::newRow("just past qint64") << QByteArray(R"({"format":{"format_name":"x","size":9.3e18,"bit_rate":-9.3e18}})")
                                      << qint64(0) << qint64(0) << 0;
    QTest::newRow("huge rotation")
            << QByteArray(R"({"streams":[{"codec_type":"video","side_data_list":[{"rotation":1e300}]}],)"
                          R"("format":{"format_name":"x","size":10}})")
            << qint64(10) << qint64(0) << int(std::fmod(1e300, 360.0));
}

void TestMediaInfo::outOfRangeNumbersReadAsUnknown()
{
    QFETCH(QByteArray, json);
    QFETCH(qint64, size);
    QFETCH(qint64, bitRate);
    QFETCH(int, rotation);
    const auto info = MediaInfo::fromFfprobeJson(json);
    QVERIFY(info.ok());
    QCOMPARE(info->size, size);
    QCOMPARE(info->bitRate, bitRate);
    if (!info->streams.isEmpty()) {
        QCOMPARE(info->streams.first().rotation, rotation);
        QVERIFY(info->streams.first().rotation > -360 && info->streams.first().rotation < 360);
    }
    info->toJson();
    info->toOutputMetadata();
}

void TestMediaInfo::ordinaryNumbersAreKept()
{
    const auto info = MediaInfo::fromFfprobeJson(
            R"({"streams":[{"codec_type":"video","side_data_list":[{"rotation":-90}]}],)"
            R"("format":{"format_name":"mov","size":123456,"bit_rate":493824.0}})");
    QVERIFY(info.ok());
    QCOMPARE(info->size, qint64(123456));
    QCOMPARE(info->bitRate, qint64(493824));
    QCOMPARE(info->streams.first().rotation, -90);
}

QTEST_GUILESS_MAIN(TestMediaInfo)
#include "tst_mediainfo.moc"
