// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

namespace Mediaforge::Monitor {
Q_LOGGING_CATEGORY(lcMonitor, "mediaforge.monitor", QtInfoMsg)
}
