#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What one idle connection costs: the service's RSS before and after a separate load process
opens --connections WebSocket connections (level 0 peers that send nothing after the
handshake, and one level 1 `hello` each with --hello; with --job each starts a `probe` that waits
for its upload, B4's situation) and holds them. Loopback only.

    /usr/bin/python3 bench/idle.py --connections 1000
    MEDIAFORGED=/path/to/mediaforged /usr/bin/python3 bench/idle.py   # another build
    /usr/bin/python3 bench/idle.py --heaptrack                         # the service under heaptrack

With --heaptrack the service runs under heaptrack (Debian's `heaptrack`) and the script prints
where its memory still in use at the end was allocated (heaptrack_print's peak consumers).
"""

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time

import common
from harness import Service, connect, request

BATCH = 500


def raise_descriptor_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def hold(url, count, hello, job):
    raise_descriptor_limit()
    sockets = []

    async def open_one():
        ws = await connect(url)
        if hello:
            await request(ws, {"type": "hello", "protocol": 1, "client": "bench-idle/1"})
        if job:
            reply = await request(ws, {"type": "start_job", "job_id": f"idle-{len(sockets)}", "operation": "probe",
                                       "input": {"source": "upload", "filename": "x.mp4", "size": 1000}})
            if reply.get("type") != "ack":
                raise RuntimeError(f"start_job: {reply}")
        sockets.append(ws)

    for start in range(0, count, BATCH):
        await asyncio.gather(*(open_one() for _ in range(start, min(count, start + BATCH))))
    print(json.dumps({"ready": len(sockets)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--hello", action="store_true", help="each connection says hello (level 1)")
    parser.add_argument("--job", action="store_true", help="each connection starts a job waiting for its upload")
    parser.add_argument("--heaptrack", action="store_true")
    parser.add_argument("--hold", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        asyncio.run(hold(args.hold[0], int(args.hold[1]), args.hello, args.job))
        return
    hard = raise_descriptor_limit()   # inherited by the service
    if hard < args.connections + 200:
        sys.exit(f"idle.py: the descriptor limit is {hard}; raise it (ulimit -Hn)")
    n = args.connections
    service = Service("--log-level", "warning", "--max-connections", str(n + 100), "--jobs-per-minute", "0",
                      "--max-queued-jobs", str(n + 1000), "--owner-queue-share", "100",
                      "--max-jobs-per-connection", "1000")
    if args.heaptrack:
        service.args = ["heaptrack", "-o", os.path.join(common.SCRATCH, "idle-heaptrack"), *service.args]
    with service:
        time.sleep(1)
        pid = service.pid
        if args.heaptrack:
            # heaptrack starts the service as its child.
            pid = int(subprocess.check_output(["pgrep", "-P", str(service.process.pid), "-x", "mediaforged"]).split()[0])
        base = common.proc_status(pid, "VmRSS")
        loader = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--hold", service.ws_url, str(n)]
                                  + (["--hello"] if args.hello else []) + (["--job"] if args.job else []),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        began = time.monotonic()
        try:
            for line in loader.stdout:
                if "ready" in json.loads(line):
                    break
            else:
                raise RuntimeError("the load process ended before all connections were open")
            opened = time.monotonic() - began
            time.sleep(2)
            rss = common.proc_status(pid, "VmRSS")
            if args.heaptrack:
                # Stopped while the connections are open, so that they are what it reports as
                # in use at the end; the wrapper script does not pass SIGTERM on.
                os.kill(pid, signal.SIGKILL)
                service.process.wait(120)
        finally:
            loader.stdin.close()
            loader.wait(120)
    per = (rss - base) / n
    print(f"{n} idle connections{' (hello)' if args.hello else ''}{' with a job each' if args.job else ''}: service RSS {base / 1e6:.1f} MB -> "
          f"{rss / 1e6:.1f} MB, {per / 1024:.1f} KiB a connection; opening them took {opened:.1f} s")
    if args.heaptrack:
        print("heaptrack data in", common.SCRATCH, "(heaptrack_print --print-peaks ...)")


if __name__ == "__main__":
    main()
