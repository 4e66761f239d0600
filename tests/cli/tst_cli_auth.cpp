// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforge against a mediaforged with tokens: a wrong or missing token is exit 4, a client
// may not watch, the same token reaches its jobs by job_id from any connection; and the
// messages follow the language (LANG, --lang).
#include "clitestsupport.h"
#include "testmedia.h"

#include <QFileInfo>

using namespace CliTest;

namespace {
const QString kAdminToken = QStringLiteral("admin-token-0123456789abcdef");
const QString kClientToken = QStringLiteral("client-token-0123456789abcdef");
}

class TestCliAuth : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void wrongOrMissingTokenIsExit4_data();
    void wrongOrMissingTokenIsExit4();
    void clientRunsJobsAndFindsThemByJobId();
    void onlyAdminsWatch();
    void germanFollowsTheLocaleOrLang();

private:
    Result cli(QStringList arguments, const QProcessEnvironment &extra = {})
    {
        arguments << QStringLiteral("--server") << m_service.wsUrl();
        return run(arguments, m_work->path(), extra);
    }

    Service m_service;
    QTemporaryDir m_media;
    QString m_clip;
    std::unique_ptr<QTemporaryDir> m_work;
};

void TestCliAuth::initTestCase()
{
    QVERIFY2(!cliBinary().isEmpty() && QFileInfo(cliBinary()).isExecutable(), "MEDIAFORGE_CLI is not set");
    QVERIFY(m_media.isValid());
    const QString tokens = m_media.filePath(QStringLiteral("tokens"));
    {
        QFile file(tokens);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("admin %1 ops\nclient %2 alice\n").arg(kAdminToken, kClientToken).toUtf8());
    }
    QVERIFY2(m_service.start({QStringLiteral("--tokens-file"), tokens}), qPrintable(m_service.log()));
    TestMedia::VideoSpec spec;
    spec.seconds = 1.0;
    m_clip = TestMedia::makeVideo(m_media.path(), spec);
}

void TestCliAuth::init()
{
    m_work = std::make_unique<QTemporaryDir>();
    QVERIFY(m_work->isValid());
}

void TestCliAuth::cleanup()
{
    if (QTest::currentTestFailed())
        qWarning().noquote() << "service log:\n" << m_service.log();
}

void TestCliAuth::wrongOrMissingTokenIsExit4_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("environmentToken");

    QTest::newRow("wrong token, jobs") << QStringList{QStringLiteral("jobs"), QStringLiteral("--token"), QStringLiteral("not-the-right-token-at-all")}
                                       << QString();
    QTest::newRow("wrong token, run") << QStringList{QStringLiteral("remove-audio"), QStringLiteral("@clip"), QStringLiteral("--token"),
                                                     QStringLiteral("not-the-right-token-at-all")}
                                      << QString();
    QTest::newRow("wrong token from the environment") << QStringList{QStringLiteral("health")} << QStringLiteral("wrong-wrong-wrong-wrong");
    QTest::newRow("no token") << QStringList{QStringLiteral("jobs")} << QString();
}

void TestCliAuth::wrongOrMissingTokenIsExit4()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, environmentToken);
    arguments.replaceInStrings(QStringLiteral("@clip"), m_clip);
    QProcessEnvironment environment;
    if (!environmentToken.isEmpty())
        environment.insert(QStringLiteral("MEDIAFORGE_TOKEN"), environmentToken);
    const Result result = cli(arguments, environment);
    QCOMPARE(result.exitCode, 4);
    QCOMPARE(result.errText().count(u'\n'), 1);
    QVERIFY2(result.errText().startsWith(QStringLiteral("error: UNAUTHORIZED: authentication required: ")), qPrintable(result.describe()));
    QCOMPARE(filesIn(m_work->path()), QStringList());
}

void TestCliAuth::clientRunsJobsAndFindsThemByJobId()
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("MEDIAFORGE_TOKEN"), kClientToken);
    Result result = cli({QStringLiteral("remove-audio"), m_clip, QStringLiteral("--detach"), QStringLiteral("--job-id"),
                         QStringLiteral("alice-1")},
                        environment);
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    // The token is the owner: a new connection names the job by its job_id.
    result = cli({QStringLiteral("status"), QStringLiteral("alice-1"), QStringLiteral("--json")}, environment);
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(QJsonDocument::fromJson(result.out).object().value(QStringLiteral("job_id")).toString(), QStringLiteral("alice-1"));
    result = cli({QStringLiteral("fetch"), QStringLiteral("alice-1")}, environment);
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QCOMPARE(filesIn(m_work->path()).size(), 1);

    // The admin sees it with its owner.
    result = cli({QStringLiteral("jobs"), QStringLiteral("--token"), kAdminToken});
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY(result.outText().contains(QRegularExpression(QStringLiteral("alice-1\\s+remove_audio\\s+completed.*alice\\n"))));
}

void TestCliAuth::onlyAdminsWatch()
{
    const Result result = cli({QStringLiteral("watch"), QStringLiteral("--token"), kClientToken});
    QCOMPARE(result.exitCode, 4);
    QVERIFY2(result.errText().startsWith(QStringLiteral("error: FORBIDDEN: ")), qPrintable(result.describe()));
}

void TestCliAuth::germanFollowsTheLocaleOrLang()
{
    QProcessEnvironment german;
    german.insert(QStringLiteral("LANG"), QStringLiteral("de_DE.UTF-8"));
    german.insert(QStringLiteral("LC_ALL"), QStringLiteral("de_DE.UTF-8"));
    Result result = run({QStringLiteral("--help")}, m_work->path(), german);
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.outText().startsWith(QStringLiteral("Aufruf: mediaforge")), qPrintable(result.describe()));
    QVERIFY(result.outText().contains(QStringLiteral("Rückgabewerte:")));

    // --lang wins over the locale, both ways.
    result = run({QStringLiteral("--help"), QStringLiteral("--lang"), QStringLiteral("en")}, m_work->path(), german);
    QVERIFY(result.outText().startsWith(QStringLiteral("Usage: mediaforge")));
    result = run({QStringLiteral("jobs"), QStringLiteral("--lang=de"), QStringLiteral("--limit"), QStringLiteral("0")}, m_work->path());
    QCOMPARE(result.exitCode, 2);
    QCOMPARE(result.errText(), QStringLiteral("mediaforge: --limit muss eine ganze Zahl von 1 bis 1000 sein (siehe 'mediaforge jobs --help')\n"));

    // A job's messages too; the service's own words stay as they are.
    result = cli({QStringLiteral("remove-audio"), m_clip, QStringLiteral("--token"), kClientToken, QStringLiteral("-o"),
                  QStringLiteral("stumm.mp4")},
                 german);
    QVERIFY2(result.exitCode == 0, qPrintable(result.describe()));
    QVERIFY2(result.outText().startsWith(QStringLiteral("gespeichert: stumm.mp4 (")), qPrintable(result.describe()));
    QVERIFY2(result.errText().contains(QStringLiteral("\nVerarbeitung ")), qPrintable(result.describe()));
}

QTEST_GUILESS_MAIN(TestCliAuth)
#include "tst_cli_auth.moc"
