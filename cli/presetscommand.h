// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "task.h"

namespace Mediaforge::Cli {

// `presets`: list_presets as a list of names, operations and what each lets you set, or the
// service's array with --json.
class PresetsCommand : public Task
{
    Q_OBJECT
public:
    using Task::Task;
    void start() override;

    // The human listing of a `presets` reply's array.
    static QString describe(const QJsonArray &presets);
};

} // namespace Mediaforge::Cli
