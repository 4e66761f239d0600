// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>

namespace Mediaforge {

struct Config;

// RLIMIT_NOFILE at start-up: every connection, upload, output being sent and ffmpeg pipe is a
// file descriptor, and running out of them makes accept() fail for everyone at once.
namespace DescriptorLimit {

// Descriptors the configuration may need at once: two per WebSocket connection (its socket and
// the file it uploads or downloads), two per HTTP connection (its socket and an output file it
// sends), sixteen per worker slot (ffmpeg's and ffprobe's pipes, the
// inputs and outputs they open in the service), and a reserve for the listening sockets, the
// HTTP port, downloads, logs and the store.
qint64 needed(const Config &config);

// Raises the soft limit to the hard one. Returns one line for stderr when even the hard limit
// cannot carry needed(config), else nullopt; `soft` receives the limit now in force.
std::optional<QString> raise(const Config &config, qint64 *soft = nullptr);

} // namespace DescriptorLimit

} // namespace Mediaforge
