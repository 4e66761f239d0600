// SPDX-License-Identifier: GPL-3.0-or-later
// mediaforge-prober: answers probe requests from mediaforged, one JSON line in, one JSON line
// out, until stdin closes. Started and restarted by the service (service/media/proberpool.*)
// under the same resource limits as ffprobe; it trusts no file it opens, so everything that
// can crash on hostile media lives in this process, not in the service.
#include "probeengine.h"
#include "proberrequest.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
#include <libavformat/version.h>
#include <libavutil/log.h>
}

using namespace Mediaforge::Prober;

int main(int argc, char **argv)
{
    int cpuSeconds = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--cpu-seconds") == 0 && i + 1 < argc) {
            cpuSeconds = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--version") == 0) {
            std::puts("mediaforge-prober " LIBAVFORMAT_IDENT);
            return 0;
        } else {
            std::fprintf(stderr, "usage: mediaforge-prober [--cpu-seconds N] (requests on stdin)\n");
            return 2;
        }
    }
    // As `ffprobe -v error`: errors only, on stderr, which the service keeps a tail of.
    av_log_set_level(AV_LOG_ERROR);

    QByteArray line;
    for (;;) {
        line.clear();
        int c = 0;
        while ((c = std::fgetc(stdin)) != EOF && c != '\n') {
            if (line.size() > kMaxRequestBytes)
                break;
            line.append(char(c));
        }
        if (c == EOF && line.isEmpty())
            return 0;
        QByteArray answer;
        QString error;
        const std::optional<Request> request = Request::fromLine(line, &error);
        if (!request) {
            // Not the service speaking: say why once, and stop serving this stream.
            answer = failureLine(QStringLiteral("bad request: ") + error);
            std::fwrite(answer.constData(), 1, size_t(answer.size()), stdout);
            std::fflush(stdout);
            return 2;
        }
        limitCpuForNextRequest(cpuSeconds);
        QByteArray json;
        answer = probeFile(*request, &json, &error) ? successLine(json) : failureLine(error);
        if (std::fwrite(answer.constData(), 1, size_t(answer.size()), stdout) != size_t(answer.size())
            || std::fflush(stdout) != 0)
            return 1;
    }
}
