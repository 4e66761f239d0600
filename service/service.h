// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

namespace Mediaforge {

// Owns and wires the parts of mediaforged: job manager, WebSocket server, HTTP server, signal
// handling. main() only loads the Config and calls run().
class Service
{
public:
    // Runs the event loop until SIGTERM/SIGINT drained the service. Returns the exit code.
    static int run(const Config &config);
};

} // namespace Mediaforge
