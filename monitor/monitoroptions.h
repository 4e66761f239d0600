// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QSize>
#include <QStringList>
#include <QUrl>

namespace Mediaforge::Monitor {

// The monitor's command line. `--server` (repeatable) and `--token` (or MEDIAFORGE_TOKEN)
// connect at start-up without the dialog, for kiosks and scripts.
struct MonitorOptions
{
    Q_DECLARE_TR_FUNCTIONS(MonitorOptions)
public:
    QList<QUrl> servers;
    QString token;
    QString language;           // empty: the system locale
    QString screenshotPath;     // grab the window after screenshotDelayMs and quit
    int screenshotDelayMs = 4000;
    QSize windowSize;           // invalid: the saved or default size
    bool help = false;
    bool version = false;
    QString error;              // a bad argument, for stderr
    QString helpText;

    // `arguments` includes the program name.
    static MonitorOptions parse(const QStringList &arguments, const QProcessEnvironment &environment);
};

} // namespace Mediaforge::Monitor
