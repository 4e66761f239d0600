// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitorapplication.h"

int main(int argc, char **argv)
{
    return Mediaforge::Monitor::runMonitor(argc, argv);
}
