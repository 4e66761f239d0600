// SPDX-License-Identifier: GPL-3.0-or-later
// ProgressParser against `-progress` output recorded from ffmpeg 5.1 (tests/media/data, each
// file the unedited stdout of one run; the command is in the table below) and against
// single-line cases for what the recordings do not happen to contain.
#include "media/progressparser.h"

#include <QFile>
#include <QTest>

#include <cmath>

using Mediaforge::FfmpegProgress;
using Mediaforge::ProgressParser;

namespace {

QString optionalText(const std::optional<double> &value)
{
    return value ? QString::number(*value, 'g', 12) : QStringLiteral("unset");
}

QString optionalText(const std::optional<qint64> &value)
{
    return value ? QString::number(*value) : QStringLiteral("unset");
}

// One line per block, so that QCOMPARE shows exactly which field differs.
QString describe(const FfmpegProgress &block)
{
    return QStringLiteral("out_time=%1 speed=%2 fps=%3 frame=%4 total_size=%5 end=%6")
            .arg(optionalText(block.outTimeSeconds), optionalText(block.speed), optionalText(block.fps),
                 optionalText(block.frame), optionalText(block.totalSize),
                 block.end ? QStringLiteral("yes") : QStringLiteral("no"));
}

QStringList describe(const QList<FfmpegProgress> &blocks)
{
    QStringList lines;
    for (const FfmpegProgress &block : blocks)
        lines.append(describe(block));
    return lines;
}

QByteArray recording(const QString &name)
{
    const QString path = QFINDTESTDATA(QStringLiteral("data/") + name);
    QFile file(path);
    if (path.isEmpty() || !file.open(QIODevice::ReadOnly))
        qFatal("missing test data %s", qPrintable(name));
    return file.readAll();
}

QList<FfmpegProgress> parseWhole(const QByteArray &data)
{
    ProgressParser parser;
    return parser.feed(data);
}

const QStringList kRecordings{
        // ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25:duration=20 -c:v libx264 -preset medium
        QStringLiteral("progress-x264-720p.txt"),
        // testsrc2 320x240 3 s + sine, libx264 ultrafast + aac: padded speeds "   0x", "  44x"
        QStringLiteral("progress-short-encode.txt"),
        // -ss 1.3 -i 6 s mp4 -c copy: "speed=N/A", then "speed=2.35e+03x"
        QStringLiteral("progress-stream-copy.txt"),
        // sine -af asetpts=PTS-5/TB -f null: negative out_time_us and out_time, total_size=N/A
        QStringLiteral("progress-negative-start.txt"),
        // -re sine -> libmp3lame: audio only, so no frame= or fps= lines at all
        QStringLiteral("progress-audio-realtime.txt"),
};

} // namespace

class TestProgressParser : public QObject
{
    Q_OBJECT

private slots:
    void recordedRuns_data();
    void recordedRuns();
    void recordedRunSplitAtEveryPosition_data();
    void recordedRunSplitAtEveryPosition();
    void recordedRunByteByByte_data();
    void recordedRunByteByByte();
    void recordedRunWithCrlf_data();
    void recordedRunWithCrlf();
    void singleBlock_data();
    void singleBlock();
    void blocksDoNotInheritFields();
    void overlongLineIsDroppedWhole();
    void overlongLineAcrossManyReadsIsDropped();
    void incompleteBlockIsNotEmitted();
};

void TestProgressParser::recordedRuns_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("blockCount");
    QTest::addColumn<QString>("firstBlock");
    QTest::addColumn<QString>("lastBlock");

    QTest::newRow("x264 720p, 12 blocks")
            << QStringLiteral("progress-x264-720p.txt") << 12
            << QStringLiteral("out_time=0 speed=unset fps=0 frame=1 total_size=48 end=no")
            << QStringLiteral("out_time=19.880078 speed=3.35 fps=84.21 frame=500 total_size=6602646 end=yes");
    QTest::newRow("padded speed values")
            << QStringLiteral("progress-short-encode.txt") << 2
            << QStringLiteral("out_time=0 speed=0 fps=0 frame=1 total_size=48 end=no")
            << QStringLiteral("out_time=3.018594 speed=44 fps=0 frame=75 total_size=294512 end=yes");
    QTest::newRow("stream copy: N/A and exponent speed")
            << QStringLiteral("progress-stream-copy.txt") << 2
            << QStringLiteral("out_time=0 speed=unset fps=0 frame=1 total_size=909 end=no")
            << QStringLiteral("out_time=4.714 speed=2350 fps=0 frame=150 total_size=610100 end=yes");
    QTest::newRow("negative out_time is unset")
            << QStringLiteral("progress-negative-start.txt") << 2
            << QStringLiteral("out_time=unset speed=unset fps=unset frame=unset total_size=unset end=no")
            << QStringLiteral("out_time=unset speed=unset fps=unset frame=unset total_size=unset end=yes");
    QTest::newRow("audio only, real time")
            << QStringLiteral("progress-audio-realtime.txt") << 5
            << QStringLiteral("out_time=0 speed=unset fps=unset frame=unset total_size=227 end=no")
            << QStringLiteral("out_time=1.620658 speed=1.01 fps=unset frame=unset total_size=13392 end=yes");
}

void TestProgressParser::recordedRuns()
{
    QFETCH(QString, file);
    QFETCH(int, blockCount);
    QFETCH(QString, firstBlock);
    QFETCH(QString, lastBlock);

    const QList<FfmpegProgress> blocks = parseWhole(recording(file));
    QCOMPARE(blocks.size(), blockCount);
    QCOMPARE(describe(blocks.first()), firstBlock);
    QCOMPARE(describe(blocks.last()), lastBlock);
    // Only the last block of a run says end, and time never runs backwards within a run.
    double previous = -1;
    for (qsizetype i = 0; i < blocks.size(); ++i) {
        QCOMPARE(blocks.at(i).end, i == blocks.size() - 1);
        if (blocks.at(i).outTimeSeconds) {
            QVERIFY2(*blocks.at(i).outTimeSeconds >= previous, qPrintable(describe(blocks.at(i))));
            previous = *blocks.at(i).outTimeSeconds;
        }
    }
}

void TestProgressParser::recordedRunSplitAtEveryPosition_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &file : kRecordings)
        QTest::newRow(qPrintable(file)) << file;
}

// A pipe read can end anywhere: inside a key, on the '=', between '\r' and '\n'.
void TestProgressParser::recordedRunSplitAtEveryPosition()
{
    QFETCH(QString, file);
    const QByteArray data = recording(file);
    const QStringList expected = describe(parseWhole(data));
    QVERIFY(!expected.isEmpty());
    for (qsizetype split = 0; split <= data.size(); ++split) {
        ProgressParser parser;
        QList<FfmpegProgress> blocks = parser.feed(QByteArrayView(data).first(split));
        blocks += parser.feed(QByteArrayView(data).sliced(split));
        if (describe(blocks) != expected)
            QFAIL(qPrintable(QStringLiteral("split at byte %1 gives a different result").arg(split)));
    }
}

void TestProgressParser::recordedRunByteByByte_data()
{
    recordedRunSplitAtEveryPosition_data();
}

void TestProgressParser::recordedRunByteByByte()
{
    QFETCH(QString, file);
    const QByteArray data = recording(file);
    ProgressParser parser;
    QList<FfmpegProgress> blocks;
    for (qsizetype i = 0; i < data.size(); ++i)
        blocks += parser.feed(QByteArrayView(data).sliced(i, 1));
    QCOMPARE(describe(blocks), describe(parseWhole(data)));
}

void TestProgressParser::recordedRunWithCrlf_data()
{
    recordedRunSplitAtEveryPosition_data();
}

void TestProgressParser::recordedRunWithCrlf()
{
    QFETCH(QString, file);
    const QByteArray data = recording(file);
    QByteArray crlf = data;
    crlf.replace("\n", "\r\n");
    QCOMPARE(describe(parseWhole(crlf)), describe(parseWhole(data)));
}

void TestProgressParser::singleBlock_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("expected");

    const QString unset = QStringLiteral("out_time=unset speed=unset fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("empty block") << QByteArray("progress=continue\n") << unset;
    QTest::newRow("progress=end") << QByteArray("progress=end\n")
                                  << QStringLiteral("out_time=unset speed=unset fps=unset frame=unset total_size=unset end=yes");
    // ffmpeg 5.1 prints this when no packet has a timestamp yet (print_report, pts == NOPTS).
    QTest::newRow("out_time N/A")
            << QByteArray("out_time_us=N/A\nout_time_ms=N/A\nout_time=N/A\nprogress=continue\n") << unset;
    QTest::newRow("out_time_us preferred over the others")
            << QByteArray("out_time_us=1000000\nout_time_ms=2000000\nout_time=00:00:03.000000\nprogress=continue\n")
            << QStringLiteral("out_time=1 speed=unset fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("out_time_us preferred whatever the order")
            << QByteArray("out_time=00:00:03.000000\nout_time_ms=2000000\nout_time_us=1000000\nprogress=continue\n")
            << QStringLiteral("out_time=1 speed=unset fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("out_time_ms is microseconds")
            << QByteArray("out_time_ms=1500000\nprogress=continue\n")
            << QStringLiteral("out_time=1.5 speed=unset fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("out_time clock only")
            << QByteArray("out_time=01:02:03.250000\nprogress=continue\n")
            << QStringLiteral("out_time=3723.25 speed=unset fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("out_time clock with long hours")
            << QByteArray("out_time=123:00:00.000000\nprogress=continue\n")
            << QStringLiteral("out_time=442800 speed=unset fps=unset frame=unset total_size=unset end=no");
    // Seen at the start of some inputs (timestamps before zero, or the NOPTS value formatted).
    QTest::newRow("huge negative clock") << QByteArray("out_time=-577014:32:22.77\nprogress=continue\n") << unset;
    QTest::newRow("negative out_time_us wins over a clock")
            << QByteArray("out_time_us=-5\nout_time=00:00:09.000000\nprogress=continue\n") << unset;
    QTest::newRow("N/A out_time_us does not fall back to a clock")
            << QByteArray("out_time_us=N/A\nout_time=00:00:09.000000\nprogress=continue\n") << unset;
    QTest::newRow("malformed clock") << QByteArray("out_time=12:99:00.0\nprogress=continue\n") << unset;
    QTest::newRow("padded speed")
            << QByteArray("speed=   2.5x\nprogress=continue\n")
            << QStringLiteral("out_time=unset speed=2.5 fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("speed N/A") << QByteArray("speed=N/A\nprogress=continue\n") << unset;
    QTest::newRow("speed garbage") << QByteArray("speed=fast\nprogress=continue\n") << unset;
    QTest::newRow("speed negative") << QByteArray("speed=-1x\nprogress=continue\n") << unset;
    QTest::newRow("speed with exponent")
            << QByteArray("speed=1.1e+04x\nprogress=continue\n")
            << QStringLiteral("out_time=unset speed=11000 fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("padded keys and integer values")
            << QByteArray("  frame =   12 \nfps= 25.84\ntotal_size= 4096\nprogress = continue \n")
            << QStringLiteral("out_time=unset speed=unset fps=25.84 frame=12 total_size=4096 end=no");
    QTest::newRow("total_size N/A") << QByteArray("total_size=N/A\nprogress=continue\n") << unset;
    QTest::newRow("fps garbage") << QByteArray("fps=nan\nframe=x\nprogress=continue\n") << unset;
    QTest::newRow("CRLF")
            << QByteArray("frame=3\r\nout_time_us=250000\r\nspeed=1.5x\r\nprogress=end\r\n")
            << QStringLiteral("out_time=0.25 speed=1.5 fps=unset frame=3 total_size=unset end=yes");
    QTest::newRow("garbage lines are ignored")
            << QByteArray("hello\n=5\n\n\r\nout_time_us\nnot a key=value\nout_time_us=2000000\nprogress=continue\n")
            << QStringLiteral("out_time=2 speed=unset fps=unset frame=unset total_size=unset end=no");
    QTest::newRow("unknown keys are ignored")
            << QByteArray("stream_0_0_q=28.0\nbitrate= 780.5kbits/s\ndup_frames=0\nprogress=continue\n") << unset;
}

void TestProgressParser::singleBlock()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, expected);
    const QList<FfmpegProgress> blocks = parseWhole(input);
    QCOMPARE(blocks.size(), 1);
    QCOMPARE(describe(blocks.first()), expected);
}

void TestProgressParser::blocksDoNotInheritFields()
{
    const QList<FfmpegProgress> blocks =
            parseWhole("frame=10\nfps=25\nout_time_us=400000\nspeed=2x\ntotal_size=100\nprogress=continue\n"
                       "out_time_us=N/A\nspeed=N/A\nprogress=continue\n");
    QCOMPARE(blocks.size(), 2);
    QCOMPARE(describe(blocks.at(0)), QStringLiteral("out_time=0.4 speed=2 fps=25 frame=10 total_size=100 end=no"));
    QCOMPARE(describe(blocks.at(1)),
             QStringLiteral("out_time=unset speed=unset fps=unset frame=unset total_size=unset end=no"));
}

void TestProgressParser::overlongLineIsDroppedWhole()
{
    // Padding is legal, so were the line kept it would read as out_time_us=7000000.
    const QByteArray longLine = "out_time_us=" + QByteArray(5000, ' ') + "7000000\n";
    const QList<FfmpegProgress> blocks =
            parseWhole(longLine + "progress=continue\nout_time_us=3000000\nprogress=end\n");
    QCOMPARE(blocks.size(), 2);
    QVERIFY(!blocks.at(0).outTimeSeconds.has_value());
    QCOMPARE(blocks.at(1).outTimeSeconds, std::optional<double>(3.0));
}

void TestProgressParser::overlongLineAcrossManyReadsIsDropped()
{
    // 64 MiB of padding without a newline, in 64 KiB reads, then a valid-looking end: the
    // whole line must go, not just the part read before the limit was hit (padding is
    // trimmed, so a kept tail would read as progress=end).
    ProgressParser parser;
    const QByteArray chunk(64 * 1024, ' ');
    for (int i = 0; i < 1024; ++i)
        QVERIFY(parser.feed(chunk).isEmpty());
    QVERIFY(parser.feed("progress=end\n").isEmpty());
    const QList<FfmpegProgress> blocks = parser.feed("out_time_us=1000000\nprogress=continue\n");
    QCOMPARE(blocks.size(), 1);
    QCOMPARE(blocks.first().outTimeSeconds, std::optional<double>(1.0));
}

void TestProgressParser::incompleteBlockIsNotEmitted()
{
    ProgressParser parser;
    QVERIFY(parser.feed("frame=1\nout_time_us=100\nprogress=continu").isEmpty());
    const QList<FfmpegProgress> blocks = parser.feed("e\n");
    QCOMPARE(blocks.size(), 1);
    QCOMPARE(blocks.first().frame, std::optional<qint64>(1));
}

QTEST_GUILESS_MAIN(TestProgressParser)
#include "tst_progressparser.moc"
