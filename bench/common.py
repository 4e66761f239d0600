# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the benchmarks: the service and client helpers of the end-to-end tests."""

import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

if not os.environ.get("MEDIAFORGED"):
    os.environ["MEDIAFORGED"] = os.path.join(ROOT, os.environ.get("MEDIAFORGE_BUILD_DIR", "build"), "service",
                                             "mediaforged")

import harness  # noqa: E402,F401

harness.MEDIAFORGED = os.environ["MEDIAFORGED"]

SCRATCH = os.environ.get("MEDIAFORGE_BENCH_DIR", os.path.join(ROOT, "bench", "results"))
os.makedirs(SCRATCH, exist_ok=True)


def median(values):
    return statistics.median(values)


def proc_status(pid, key):
    """A field of /proc/PID/status in bytes (VmHWM, VmRSS), or 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
