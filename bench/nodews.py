#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""B3: level 1 upload and download through mediaforged against a plain Node.js `ws` server,
the same Node.js `ws` client (bench/wspeer.mjs) driving both, runs alternating.

The server baseline stores the upload on disk and sends it back in 1 MiB frames; the service
gets the same frames as a level 1 upload (until the job is queued) and sends the output of a
stream-copy job (first chunk to `output_delivered`). Needs Node.js and `ws` in
bench/node_modules (`npm install --prefix bench --no-save ws`). Target: ratio >= 1.0 each way,
service RSS <= 100 MB.

    /usr/bin/python3 bench/nodews.py [--mib 256] [--runs 3]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import common
from harness import Service
from transfer import make_input

PEER = os.path.join(common.HERE, "wspeer.mjs")


def node_client(url, path, mode):
    out = subprocess.run(["node", PEER, "client", url, path, mode], capture_output=True, text=True, timeout=900,
                         cwd=common.HERE)
    if out.returncode != 0:
        raise RuntimeError(f"wspeer client ({mode}) failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    if not shutil.which("node") or not os.path.isdir(os.path.join(common.HERE, "node_modules", "ws")):
        sys.exit("nodews.py: needs node and bench/node_modules/ws (npm install --prefix bench --no-save ws)")
    path = make_input(args.mib)
    base = {"up": [], "down": []}
    service_rates = {"up": [], "down": []}
    peaks = []
    for _ in range(args.runs):
        store = tempfile.mkdtemp(prefix="mediaforge-bench-ws-", dir=common.SCRATCH)
        server = subprocess.Popen(["node", PEER, "server", store], stdout=subprocess.PIPE, text=True, cwd=common.HERE)
        try:
            port = json.loads(server.stdout.readline())["port"]
            rates = node_client(f"ws://127.0.0.1:{port}", path, "baseline")
        finally:
            server.terminate()
            server.wait(10)
            shutil.rmtree(store, ignore_errors=True)
        base["up"].append(rates["upload_mb_s"])
        base["down"].append(rates["download_mb_s"])
        with Service("--log-level", "warning", "--max-file-size", "4G") as service:
            rates = node_client(service.ws_url, path, "service")
            peaks.append(service.peak_rss_bytes())
        service_rates["up"].append(rates["upload_mb_s"])
        service_rates["down"].append(rates["download_mb_s"])
    result = {"name": "B3", "what": f"{os.path.getsize(path) / 2**20:.0f} MiB level 1 upload and download, Node.js ws client",
              "runs": args.runs, "peak_rss_bytes": max(peaks)}
    for way in ("up", "down"):
        ratios = sorted(s / b for s, b in zip(service_rates[way], base[way]))
        result[way] = {"service_mb_s": common.median(service_rates[way]), "baseline_mb_s": common.median(base[way]),
                       "ratio": common.median(ratios), "ratio_min": ratios[0], "ratio_max": ratios[-1]}
    result["met"] = (result["up"]["ratio"] >= 1.0 and result["down"]["ratio"] >= 1.0
                     and max(peaks) <= 100 * 1000 * 1000)
    for way, label in (("up", "upload"), ("down", "download")):
        r = result[way]
        print(f"B3 {label:8s} service {r['service_mb_s']:7.0f} MB/s   Node.js ws server {r['baseline_mb_s']:7.0f} MB/s"
              f"   ratio {r['ratio']:.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f})   target >= 1.0")
    print(f"   service peak RSS {max(peaks) / 1e6:.0f} MB (target <= 100 MB): {'met' if max(peaks) <= 100e6 else 'missed'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
