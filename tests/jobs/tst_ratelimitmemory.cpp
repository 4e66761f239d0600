// SPDX-License-Identifier: GPL-3.0-or-later
// The per-owner rate limit forgets owners that stopped submitting: without tokens every
// connection is an owner of its own, and the table must not grow with every connection made.
#include "jobs/jobmanager.h"
#include "input/urlguard.h"
#include "operations.h"

#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

using namespace Mediaforge;

class TestRateLimitMemory : public QObject
{
    Q_OBJECT

private slots:
    void ownersWithoutRecentSubmitsAreForgotten()
    {
        QTemporaryDir work;
        QNetworkAccessManager network;
        SystemHostResolver resolver;
        JobManagerSettings settings;
        settings.tempDir = work.path() + QStringLiteral("/jobs");
        settings.jobsPerMinute = 100;
        settings.rateWindow = std::chrono::seconds(1);   // the "minute", shortened for the test
        JobManager manager(settings, network, resolver);
        QVERIFY(!manager.initialize());

        for (int n = 0; n < 5; ++n) {
            SubmitRequest request;
            request.owner = QStringLiteral("connection:%1").arg(n);
            request.connectionId = quint64(n + 1);
            request.operation = Operation::Probe;
            request.inputs.append(JobInput{});
            const Result<QString> id = manager.submit(request);
            QVERIFY2(id.ok(), qPrintable(id.ok() ? QString() : id.error().message));
            manager.cancel(id.value());
        }
        QCOMPARE(manager.rateLimitedOwners(), 5);
        // Pruned by the manager's once-a-second timer once the window has passed.
        QTRY_COMPARE_WITH_TIMEOUT(manager.rateLimitedOwners(), 0, 30000);
    }
};

QTEST_GUILESS_MAIN(TestRateLimitMemory)
#include "tst_ratelimitmemory.moc"
