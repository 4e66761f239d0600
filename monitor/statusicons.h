// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobrecord.h"

#include <QColor>
#include <QIcon>

namespace Mediaforge::Monitor {

// The monitor's icons. Every status has its own shape as well as its own colour, so that the
// table reads the same for colour-blind operators and in grey-scale screenshots.
namespace Icons {
QIcon status(JobState state);
QIcon group(StatusGroup group);
QIcon application();
// Connection states in the tab bar.
QIcon connection(bool connected, bool failed);
// The accent colour of a status group, for charts and chips; always paired with text.
QColor groupColor(StatusGroup group);
} // namespace Icons

} // namespace Mediaforge::Monitor
