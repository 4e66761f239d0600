#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`./dev bench`: the issue 11 suite, B1..B6, each against its baseline in the same run, short by
default (bounded in count and time, loopback only), --full for the issue's sizes. Prints one
table (median, min-max, ratio, target, met or missed, the service's peak RSS) and writes every
figure to bench/results.json (git-ignored), the previous run kept as results.previous.json so
that a change can be compared with the last run.

    ./dev bench                 # short: about 5 minutes on 2 idle cores
    ./dev bench --full          # 5 repetitions, 300 small jobs, 10,000 connections, 200 MiB
    ./dev bench --only B2,B4    # some of them
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results.json")


def scripts(full):
    runs = "5" if full else "2"
    return {
        "B1": ["engine.py", "--runs", runs, "--preset", "medium", "--cancels", "5" if full else "2"],
        "B2": ["smalljobs.py", "--jobs", "300" if full else "60", "--runs", "5" if full else "3"],
        "B3": ["nodews.py", "--mib", "1024" if full else "256", "--runs", runs] if node_ws_available() else None,
        "B4": ["connections.py", "--connections", "10000" if full else "1000"],
        "B6": ["level0.py", "--mib", "200" if full else "50"],
    }


def run_one(name, command, scratch):
    out = os.path.join(scratch, name + ".json")
    began = time.monotonic()
    completed = subprocess.run([sys.executable, os.path.join(HERE, command[0]), *command[1:], "--json", out],
                               cwd=HERE)
    seconds = time.monotonic() - began
    if completed.returncode != 0 or not os.path.exists(out):
        return {"name": name, "error": f"{command[0]} exited with {completed.returncode}", "seconds": seconds}
    with open(out) as f:
        result = json.load(f)
    result["seconds"] = seconds
    return result


def node_ws_available():
    """B3 needs a Node.js `ws` peer in bench/node_modules (git-ignored): installed with npm on
    first use when node and npm are there (Debian: apt-get install nodejs npm)."""
    if not shutil.which("node"):
        return False
    if not os.path.isdir(os.path.join(HERE, "node_modules", "ws")) and shutil.which("npm"):
        subprocess.run(["npm", "install", "--prefix", HERE, "--no-save", "--no-audit", "--no-fund", "ws"],
                       stdout=subprocess.DEVNULL, check=False, timeout=300)
    return os.path.isdir(os.path.join(HERE, "node_modules", "ws"))


def mib(value):
    return f"{value / 2**20:.0f} MiB" if value else "-"


def table(results):
    rows = []
    b1, b2, b4, b6 = (results.get(k, {}) for k in ("B1", "B2", "B4", "B6"))
    if "ratio" in b1:
        rows.append(("B1 compress, service / by hand", f"{b1['service_seconds']:.2f} s / {b1['baseline_seconds']:.2f} s",
                     f"{b1['ratio']:.3f} ({b1['ratio_min']:.3f}-{b1['ratio_max']:.3f})", "<= 1.02",
                     "met" if b1["met"] else "missed", mib(b1.get("peak_rss_bytes"))))
    if "ratio" in b2:
        rows.append(("B2 small jobs/s, service / xargs -P2",
                     f"{b2['service_jobs_per_s']:.1f} / {b2['baseline_jobs_per_s']:.1f}",
                     f"{b2['ratio']:.2f} ({b2['ratio_min']:.2f}-{b2['ratio_max']:.2f})", ">= 0.90",
                     "met" if b2["met"] else "missed", mib(b2.get("peak_rss_bytes"))))
    b3 = results.get("B3", {})
    if "note" in b3:
        rows.append(("B3 level 1 vs Node.js ws", b3["note"], "-", ">= 1.0", "-", "-"))
    for way, label in (("up", "upload"), ("down", "download")):
        if way in b3:
            r = b3[way]
            rows.append((f"B3 level 1 {label} MB/s, service / Node.js ws",
                         f"{r['service_mb_s']:.0f} / {r['baseline_mb_s']:.0f}",
                         f"{r['ratio']:.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})", ">= 1.0",
                         "met" if r["ratio"] >= 1.0 else "missed", mib(b3["peak_rss_bytes"])))
    # Its own line: a slow direction is no reason to call the memory target missed, nor the reverse.
    if "peak_rss_bytes" in b3:
        rows.append(("B3 service peak RSS", mib(b3["peak_rss_bytes"]), "-", "<= 100 MB",
                     "met" if b3["peak_rss_bytes"] <= 100e6 else "missed", mib(b3["peak_rss_bytes"])))
    if "rss_bytes" in b4:
        n = b4["connections"]
        at = b4.get("rss_at_10000_bytes", b4["rss_bytes"])
        rows.append((f"B4 {n} connections + {b4['jobs_live']} live jobs, RSS", mib(b4["rss_bytes"]),
                     f"{b4['rss_per_connection_bytes'] / 1024:.1f} KiB each; at 10,000 {at / 1e6:.0f} MB"
                     + ("" if b4.get("rss_at_10000_measured") else " (extrapolated)"),
                     "<= 250 MB at 10,000", "met" if at <= 250e6 else "missed", mib(b4.get("peak_rss_bytes"))))
        last_first = b4.get("connect_last_over_first")
        if last_first is not None:
            rows.append(("B4 connecting, last batch / first", "-", f"{last_first:.2f}", "linear (~1)",
                         "met" if last_first <= 1.5 else "missed", "-"))
        for key in ("get_stats", "health", "ack"):
            p = b4[key]
            rows.append((f"B4/B5 {key} latency", f"p50 {p['p50_ms']:.2f} ms", f"p99 {p['p99_ms']:.2f} ms", "p99 <= 5 ms",
                         "met" if p["p99_ms"] <= 5 else "missed", "-"))
        rows.append(("B5 processing start -> first progress", f"median {b4['first_progress_ms']:.0f} ms",
                     f"max {b4['first_progress_max_ms']:.0f} ms", "<= 500 ms",
                     "met" if b4["first_progress_max_ms"] <= 500 else "missed", "-"))
        if "first_output_time_ms" in b4:
            rows.append(("B5 ... first progress with an output time", f"median {b4['first_output_time_ms']:.0f} ms",
                         "-", "(encoder lookahead)", "-", "-"))
        rows.append(("B5 cancel_job -> ffmpeg gone", f"median {b4['cancel_to_gone_ms']:.0f} ms",
                     f"max {b4['cancel_to_gone_max_ms']:.0f} ms", "<= 1000 ms",
                     "met" if b4["cancel_to_gone_max_ms"] <= 1000 else "missed", "-"))
    if "peak_rss_bytes" in b6:
        rows.append((f"B6 level 0 {mib(b6['file_bytes'])} up + down, peak RSS", mib(b6["peak_rss_bytes"]),
                     f"{b6['peak_over_file']:.2f} x file", "reported", "-", mib(b6["peak_rss_bytes"])))
    for name, result in results.items():
        if "error" in result:
            rows.append((name, result["error"], "-", "-", "failed", "-"))
    header = ("what", "figure", "ratio / spread", "target", "", "peak RSS")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(header, widths)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def main():
    # The scripts run from bench/: a relative MEDIAFORGED (./dev passes build/...) must not move.
    if os.environ.get("MEDIAFORGED"):
        os.environ["MEDIAFORGED"] = os.path.abspath(os.environ["MEDIAFORGED"])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--only", default="B1,B2,B3,B4,B5,B6")
    args = parser.parse_args()
    wanted = set(args.only.upper().split(","))
    if "B5" in wanted:
        wanted.add("B4")   # B5 is measured on B4's service
    results = {}
    scratch = tempfile.mkdtemp(prefix="mediaforge-bench-")
    began = time.monotonic()
    try:
        for name, command in scripts(args.full).items():
            if name not in wanted:
                continue
            print(f"== {name}", flush=True)
            if command is None:
                note = "not run: needs node, and npm to install ws into bench/node_modules"
                results[name] = {"name": name, "note": note}
                print(f"{name}: {note}")
                continue
            results[name] = run_one(name, command, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    record = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "mode": "full" if args.full else "short", "seconds": time.monotonic() - began,
              "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                          "load_average_at_end": os.getloadavg()},
              "results": results}
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            previous = json.load(f)
        # A partial run (--only) keeps the other figures of the last run, marked with its time.
        if args.only != parser.get_default("only"):
            for name, result in previous.get("results", {}).items():
                if name not in results:
                    results[name] = {**result, "from_run": result.get("from_run", previous.get("when"))}
        os.replace(RESULTS, os.path.join(HERE, "results.previous.json"))
    with open(RESULTS, "w") as f:
        json.dump(record, f, indent=2)
    print()
    print(f"./dev bench ({record['mode']}, {record['seconds']:.0f} s, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the end)")
    print(table(results))
    print(f"figures: {RESULTS}")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
