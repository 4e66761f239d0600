// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforge with --token against the real mediaforged, which is SIGKILLed and started again on
// the same port and data dir while the CLI uploads: the CLI reconnects, attaches to its job,
// resumes the upload from the service's received_bytes and finishes with the right result, and
// the service holds exactly one job for the run (the idempotency key of its start_job).
#include "clitestsupport.h"

#include <QDirIterator>
#include <QFileInfo>
#include <QUrl>

#include <csignal>

using namespace CliTest;

namespace {
const QString kToken = QStringLiteral("resume-token-0123456789abcdef");
}

class TestCliResume : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void uploadCutByAServiceRestartFinishesAfterReconnecting();

private:
    // Bytes of the first upload file in the service's job directory; -1 when none yet.
    qint64 uploadedBytes() const;

    Service m_service;
    QTemporaryDir m_dir;
    QStringList m_arguments;
    QString m_big;
};

void TestCliResume::initTestCase()
{
    QVERIFY2(!cliBinary().isEmpty() && QFileInfo(cliBinary()).isExecutable(), "MEDIAFORGE_CLI is not set");
    QVERIFY(m_dir.isValid());
    const QString tokens = m_dir.filePath(QStringLiteral("tokens"));
    QFile file(tokens);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("client " + kToken.toLatin1() + " resumer\n");
    file.close();
    m_arguments = {QStringLiteral("--tokens-file"), tokens};
    // Uncompressed video: large enough (~46 MB) that the upload is surely cut in the middle.
    m_big = m_dir.filePath(QStringLiteral("big.nut"));
    QProcess ffmpeg;
    ffmpeg.start(QStringLiteral("ffmpeg"),
                 {QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-f"), QStringLiteral("lavfi"), QStringLiteral("-i"),
                  QStringLiteral("testsrc2=size=640x480:rate=25"), QStringLiteral("-t"), QStringLiteral("4"),
                  QStringLiteral("-c:v"), QStringLiteral("rawvideo"), QStringLiteral("-pix_fmt"), QStringLiteral("yuv420p"), m_big});
    QVERIFY2(ffmpeg.waitForFinished(120000) && ffmpeg.exitCode() == 0, ffmpeg.readAllStandardError().constData());
    QVERIFY(QFileInfo(m_big).size() > 40 * 1000 * 1000);
}

void TestCliResume::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << "service log:\n" << m_service.log();
}

qint64 TestCliResume::uploadedBytes() const
{
    QDirIterator it(m_service.jobsDirectory(), {QStringLiteral("input-0")}, QDir::Files, QDirIterator::Subdirectories);
    return it.hasNext() ? QFileInfo(it.next()).size() : -1;
}

void TestCliResume::uploadCutByAServiceRestartFinishesAfterReconnecting()
{
    // A first start finds a free port; the service then always comes back on that one.
    QVERIFY2(m_service.start(m_arguments), qPrintable(m_service.log()));
    const int port = QUrl(m_service.wsUrl()).port();
    m_service.stop();
    QVERIFY2(m_service.start(m_arguments, port), qPrintable(m_service.log()));

    QProcess cli;
    prepare(cli,
            {QStringLiteral("probe"), m_big, QStringLiteral("--json"), QStringLiteral("--token"), kToken,
             QStringLiteral("--server"), m_service.wsUrl()},
            m_dir.path(), {});
    cli.start();
    QVERIFY(cli.waitForStarted(10000));

    // Frozen in the middle of the upload, so that what it holds cannot grow any more...
    QTRY_VERIFY_WITH_TIMEOUT(uploadedBytes() > 0, 60000);
    m_service.pause();
    const qint64 held = uploadedBytes();
    QVERIFY2(held > 0 && held < QFileInfo(m_big).size(), qPrintable(QString::number(held)));
    // ... then killed: the CLI's connection drops, and the service comes back on the same port.
    ::kill(pid_t(m_service.processId()), SIGKILL);
    m_service.stop();
    QVERIFY2(m_service.start(m_arguments, port), qPrintable(m_service.log()));

    QVERIFY2(cli.waitForFinished(180000), qPrintable(QString::fromUtf8(cli.readAllStandardError())));
    const QByteArray out = cli.readAllStandardOutput();
    const QByteArray err = cli.readAllStandardError();
    QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0, QByteArray(out + "\n" + err).constData());
    const QJsonObject result = QJsonDocument::fromJson(out).object();
    QCOMPARE(result.value(QStringLiteral("size")).toInteger(), QFileInfo(m_big).size());

    // One run, one job: no second job was made by a repeated start_job.
    const Result jobs = run({QStringLiteral("jobs"), QStringLiteral("--json"), QStringLiteral("--token"), kToken,
                             QStringLiteral("--server"), m_service.wsUrl()},
                            m_dir.path());
    QCOMPARE(jobs.exitCode, 0);
    QCOMPARE(QJsonDocument::fromJson(jobs.out).array().size(), 1);
    m_service.stop();
}

QTEST_GUILESS_MAIN(TestCliResume)
#include "tst_cli_resume.moc"
