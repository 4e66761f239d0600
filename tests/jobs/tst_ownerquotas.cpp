// SPDX-License-Identifier: GPL-3.0-or-later
// Quotas per owner (issue 12, the tokens file's keys): each one reached with its typed error
// and reset again — a job finishing, the rate window passing, the UTC day changing — and the
// daily input count kept across a restart on a real SQLite job store. The day change moves the
// quota's injected clock (JobManagerSettings::quotaClock) rather than waiting for midnight;
// everything else is the real JobManager with real uploads into its temp dir.
#include "jobs/jobmanager.h"
#include "input/urlguard.h"
#include "sqlitejobstore.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;

class TestOwnerQuotas : public QObject
{
    Q_OBJECT

private:
    QNetworkAccessManager m_network;
    SystemHostResolver m_resolver;
    QTemporaryDir m_dir;
    int m_run = 0;

    JobManagerSettings settings(const QString &name)
    {
        JobManagerSettings s;
        s.tempDir = m_dir.filePath(name + QStringLiteral("-jobs"));
        s.maxConcurrentJobs = 1;
        s.maxJobsPerConnection = 100;
        s.jobsPerMinute = 100;
        return s;
    }

    static SubmitRequest request(const QString &owner, qint64 declaredSize = -1, quint64 connection = 1)
    {
        SubmitRequest r;
        r.owner = owner;
        r.connectionId = connection;
        r.operation = Operation::Probe;
        r.tokenOwner = true;
        JobInput input;
        input.declaredSize = declaredSize;
        r.inputs = {input};
        return r;
    }

    // get_stats' `quota` entry of the owner "web": one field of one quota.
    static QJsonValue usage(JobManager &manager, const char *quota, const char *field)
    {
        return manager.quotaUsage(QStringLiteral("web"))
                .value(QLatin1StringView(quota))
                .toObject()
                .value(QLatin1StringView(field));
    }

    static QJsonObject detailsOf(const Result<QString> &result)
    {
        return result.ok() ? QJsonObject() : result.error().details.toObject();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
    }

    void unfinishedJobsQuotaIsReachedAndFreedWhenAJobEnds()
    {
        JobManager manager(settings(QStringLiteral("unfinished")), m_network, m_resolver);
        QVERIFY(!manager.initialize());
        manager.setOwnerQuotas({{QStringLiteral("web"), OwnerQuota{0, 2, 0, 0}}});
        const Result<QString> first = manager.submit(request(QStringLiteral("web")));
        QVERIFY(first.ok());
        QVERIFY(manager.submit(request(QStringLiteral("web"))).ok());
        const Result<QString> third = manager.submit(request(QStringLiteral("web")));
        QVERIFY(!third.ok());
        QCOMPARE(third.error().code, ErrorCode::QuotaExceeded);
        QCOMPARE(detailsOf(third).value(QStringLiteral("quota")).toString(), QStringLiteral("unfinished_jobs"));
        QCOMPARE(detailsOf(third).value(QStringLiteral("limit")).toInt(), 2);
        QCOMPARE(detailsOf(third).value(QStringLiteral("used")).toInt(), 2);
        QCOMPARE(usage(manager, "unfinished_jobs", "used").toInt(), 2);
        // Another owner has no such quota.
        for (int i = 0; i < 3; ++i)
            QVERIFY(manager.submit(request(QStringLiteral("other"))).ok());
        // One ends: room for one more.
        QVERIFY(!manager.cancel(first.value()));
        QVERIFY(manager.submit(request(QStringLiteral("web"))).ok());
        QCOMPARE(manager.submit(request(QStringLiteral("web"))).error().code, ErrorCode::QuotaExceeded);
    }

    void jobsPerMinuteQuotaReplacesTheServiceRateAndResetsAfterTheWindow()
    {
        JobManagerSettings s = settings(QStringLiteral("rate"));
        s.rateWindow = std::chrono::seconds(3);
        JobManager manager(s, m_network, m_resolver);
        QVERIFY(!manager.initialize());
        manager.setOwnerQuotas({{QStringLiteral("web"), OwnerQuota{2, 0, 0, 0}}});
        for (int i = 0; i < 2; ++i) {
            const Result<QString> ok = manager.submit(request(QStringLiteral("web")));
            QVERIFY(ok.ok());
            QVERIFY(!manager.cancel(ok.value()));
        }
        const Result<QString> refused = manager.submit(request(QStringLiteral("web")));
        QCOMPARE(refused.error().code, ErrorCode::RateLimited);
        QCOMPARE(detailsOf(refused).value(QStringLiteral("limit")).toInt(), 2);
        const int retryAfter = detailsOf(refused).value(QStringLiteral("retry_after_seconds")).toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 3, qPrintable(QString::number(retryAfter)));
        QCOMPARE(usage(manager, "jobs_per_minute", "used").toInt(), 2);
        QVERIFY(usage(manager, "jobs_per_minute", "resets_in_seconds").toInt() >= 1);
        // The service's own rate (100) still applies to an owner without the key.
        for (int i = 0; i < 5; ++i) {
            const Result<QString> ok = manager.submit(request(QStringLiteral("other")));
            QVERIFY(ok.ok());
            QVERIFY(!manager.cancel(ok.value()));
        }
        // Once the window has passed, the owner may start again (a generous bound for a busy machine).
        // QTRY_ evaluates its expression again after it held: one start is all this proves.
        bool started = false;
        const auto startsAgain = [&] {
            if (!started) {
                const Result<QString> again = manager.submit(request(QStringLiteral("web")));
                if (again.ok())
                    manager.cancel(again.value());
                started = again.ok();
            }
            return started;
        };
        QTRY_VERIFY_WITH_TIMEOUT(startsAgain(), 30000);
    }

    void maxInputBytesQuotaRefusesALargerDeclaredInputAndAnUploadPastIt()
    {
        JobManager manager(settings(QStringLiteral("largest")), m_network, m_resolver);
        QVERIFY(!manager.initialize());
        manager.setOwnerQuotas({{QStringLiteral("web"), OwnerQuota{0, 0, 1000, 0}}});
        const Result<QString> declared = manager.submit(request(QStringLiteral("web"), 2000));
        QCOMPARE(declared.error().code, ErrorCode::QuotaExceeded);
        QCOMPARE(detailsOf(declared).value(QStringLiteral("quota")).toString(), QStringLiteral("max_input_bytes"));
        QCOMPARE(detailsOf(declared).value(QStringLiteral("limit")).toInteger(), qint64(1000));
        QVERIFY(manager.submit(request(QStringLiteral("web"), 1000)).ok());
        // Undeclared: the upload fails the job as it passes the quota, before the bytes are stored.
        const Result<QString> undeclared = manager.submit(request(QStringLiteral("web")));
        QVERIFY(undeclared.ok());
        QVERIFY(!manager.writeUpload(undeclared.value(), 1, 0, 0, QByteArray(600, 'x'), false));
        QVERIFY(!manager.writeUpload(undeclared.value(), 1, 0, 600, QByteArray(600, 'x'), false));
        const Job *job = manager.job(undeclared.value());
        QVERIFY(job);
        QCOMPARE(job->status, JobStatus::Failed);
        QCOMPARE(job->error->code, ErrorCode::QuotaExceeded);
        QCOMPARE(job->error->details[QLatin1StringView("quota")].toString(), QStringLiteral("max_input_bytes"));
    }

    void inputBytesPerDayQuotaCountsUploadsSurvivesARestartAndResetsAtMidnight()
    {
        // The quota's clock starts as the real one (the jobs' created_at is real), then jumps.
        QDateTime now = QDateTime::currentDateTimeUtc();
        const QDateTime midnight(now.date().addDays(1), QTime(0, 0), Qt::UTC);
        JobManagerSettings s = settings(QStringLiteral("daily"));
        s.quotaClock = [&now] { return now; };
        const QString storePath = m_dir.filePath(QStringLiteral("daily.db"));
        const QHash<QString, OwnerQuota> quotas{{QStringLiteral("web"), OwnerQuota{0, 0, 0, 3000}}};
        QString problem;
        {
            auto store = SqliteJobStore::open(storePath, &problem);
            QVERIFY2(store, qPrintable(problem));
            JobManager manager(s, m_network, m_resolver, *store);
            QVERIFY(!manager.initialize());
            manager.setOwnerQuotas(quotas);
            const Result<QString> first = manager.submit(request(QStringLiteral("web")));
            QVERIFY(first.ok());
            QVERIFY(!manager.writeUpload(first.value(), 1, 0, 0, QByteArray(2000, 'x'), false));
            QVERIFY(!manager.cancel(first.value()));
            QCOMPARE(usage(manager, "input_bytes_per_day", "used").toInteger(), qint64(2000));
            // 2000 + 1500 declared > 3000: refused at once, with when the day ends.
            const Result<QString> declared = manager.submit(request(QStringLiteral("web"), 1500));
            QCOMPARE(declared.error().code, ErrorCode::QuotaExceeded);
            const QJsonObject details = detailsOf(declared);
            QCOMPARE(details.value(QStringLiteral("quota")).toString(), QStringLiteral("input_bytes_per_day"));
            QCOMPARE(details.value(QStringLiteral("used")).toInteger(), qint64(2000));
            QCOMPARE(details.value(QStringLiteral("resets_at")).toString(), midnight.toString(Qt::ISODateWithMs));
            QCOMPARE(details.value(QStringLiteral("retry_after_seconds")).toInteger(), std::max<qint64>(1, now.secsTo(midnight)));
            // Undeclared: the upload that would pass the day's total fails its job.
            const Result<QString> undeclared = manager.submit(request(QStringLiteral("web")));
            QVERIFY(undeclared.ok());
            QVERIFY(!manager.writeUpload(undeclared.value(), 1, 0, 0, QByteArray(1500, 'x'), false));
            QCOMPARE(manager.job(undeclared.value())->error->code, ErrorCode::QuotaExceeded);
            // Other owners are not counted.
            QVERIFY(manager.submit(request(QStringLiteral("other"), 100000)).ok());
        }
        {
            // A restart (the same store and temp dir) does not give the day back.
            auto store = SqliteJobStore::open(storePath, &problem);
            QVERIFY2(store, qPrintable(problem));
            JobManager manager(s, m_network, m_resolver, *store);
            QVERIFY(!manager.initialize());
            manager.setOwnerQuotas(quotas);
            QCOMPARE(usage(manager, "input_bytes_per_day", "used").toInteger(), qint64(2000));
            QCOMPARE(manager.submit(request(QStringLiteral("web"), 1500)).error().code, ErrorCode::QuotaExceeded);
            QVERIFY(manager.submit(request(QStringLiteral("web"), 1000)).ok());
            // The next UTC day starts from nothing.
            now = midnight.addSecs(5);
            QCOMPARE(usage(manager, "input_bytes_per_day", "used").toInteger(), qint64(0));
            QVERIFY(manager.submit(request(QStringLiteral("web"), 2500)).ok());
        }
    }
};

QTEST_GUILESS_MAIN(TestOwnerQuotas)
#include "tst_ownerquotas.moc"
