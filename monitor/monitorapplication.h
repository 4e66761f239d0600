// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLocale>
#include <QString>

class QCoreApplication;

namespace Mediaforge::Monitor {

// Installs the monitor's translation (embedded, :/i18n) and Qt's own for `language`, or for
// the system locale when it is empty, and makes that locale the default for number and date
// formatting. Returns whether a monitor translation was loaded (none is needed for English).
bool installTranslators(QCoreApplication &application, const QString &language);

// The whole program; main() only calls this.
int runMonitor(int &argc, char **argv);

} // namespace Mediaforge::Monitor
