// SPDX-License-Identifier: GPL-3.0-or-later
#include "descriptorlimit.h"

#include "config.h"

#include <limits>

#include <sys/resource.h>

namespace Mediaforge::DescriptorLimit {

namespace {
constexpr qint64 kPerConnection = 2;
constexpr qint64 kPerHttpConnection = 2;   // the socket and an output file it sends
constexpr qint64 kPerWorker = 16;
constexpr qint64 kReserve = 128;
} // namespace

qint64 needed(const Config &config)
{
    return kPerConnection * config.maxConnections + kPerHttpConnection * config.httpMaxConnections
            + kPerWorker * config.maxConcurrentJobs + kReserve;
}

std::optional<QString> raise(const Config &config, qint64 *soft)
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return QStringLiteral("mediaforged: cannot read the open-file limit (RLIMIT_NOFILE)");
    // The soft limit is often 1024 for compatibility with select(); Qt uses poll(), so the
    // hard limit is the one that counts.
    if (limit.rlim_cur != limit.rlim_max) {
        rlimit raised{limit.rlim_max, limit.rlim_max};
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    const qint64 current = limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<qint64>::max() : qint64(limit.rlim_cur);
    if (soft)
        *soft = current;
    const qint64 wanted = needed(config);
    if (current < wanted) {
        return QStringLiteral("mediaforged: --max-connections %1 and --http-max-connections %2 with %3 workers need "
                              "about %4 open files, but the limit (ulimit -n) is %5; lower --max-connections or "
                              "--http-max-connections, or raise the limit")
                .arg(config.maxConnections)
                .arg(config.httpMaxConnections)
                .arg(config.maxConcurrentJobs)
                .arg(wanted)
                .arg(current);
    }
    return std::nullopt;
}

} // namespace Mediaforge::DescriptorLimit
