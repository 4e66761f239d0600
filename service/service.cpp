// SPDX-License-Identifier: GPL-3.0-or-later
#include "service.h"

#include "logging/logging.h"

#include <cstdio>

namespace Mediaforge {

int Service::run(const Config &config)
{
    Logging::install(config.logFormat == Config::LogFormat::Json ? Logging::Format::Json : Logging::Format::Text,
                     config.logLevel);
    std::fprintf(stderr, "mediaforged: the service is being assembled\n");
    return 1;
}

} // namespace Mediaforge
