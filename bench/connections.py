#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""B4 and B5: many connected clients, and the latencies a client feels meanwhile.

B4: a separate load process (this script with --hold) opens --connections WebSocket connections
to a fresh mediaforged, 500 at a time, and each starts one job that waits for its upload, so
that the service holds as many live jobs as connections; it reports how long each batch took to
open (connecting should be linear: the last batch no slower than the first). With all of them
connected: the service's RSS, then `get_stats`, `/health` and start_job -> `ack` latencies
(p50/p99 of 200 each) from one more client.
B5, same service: processing start -> first `progress` of a compress job, and `cancel_job` ->
ffmpeg gone (3 each).

    /usr/bin/python3 bench/connections.py                       # 1,000 connections
    /usr/bin/python3 bench/connections.py --connections 10000   # the issue's figure
"""

import argparse
import asyncio
import http.client
import json
import os
import resource
import subprocess
import sys
import time
import urllib.parse

import common
from harness import Service, connect, frame, make_video, recv_json, request

BATCH = 500
TARGET_CONNECTIONS = 10000   # the figure


def raise_descriptor_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def fitting_connections(limit):
    """How many connections the service agrees to take under this descriptor limit: it refuses a
    --max-connections it cannot carry (service/config/descriptorlimit.cpp: 2 a connection, 2 an
    HTTP connection (64), 16 a worker, 128 kept), and this script asks for 100 more than it opens."""
    workers = os.cpu_count() or 1
    return max(0, (limit - 2 * 64 - 16 * workers - 128 - 64) // 2 - 100)


def wait_for_free_ports(n, limit_seconds=90):
    """A run before this one left its client ports in TIME_WAIT for a minute: with 10,000
    connections two runs in a row exhaust the ephemeral range (32768-60999) and the load
    process's connects fail. Waits until n ports are free, at most limit_seconds."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(v) for v in f.read().split())
    except OSError:
        return
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        used = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    used += sum(1 for line in f if line.split()[3:4] == ["06"])   # TIME_WAIT
            except OSError:
                pass
        if high - low + 1 - used >= n + 1000:
            return
        print(f"connections.py: {used} ports still in TIME_WAIT from an earlier run; waiting", flush=True)
        time.sleep(10)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]


async def hold(url, count):
    """The load process: open, start one waiting job each, report, then idle until stdin closes."""
    raise_descriptor_limit()
    sockets = []

    async def open_one(index):
        ws = await connect(url)
        await ws.send(json.dumps({"type": "start_job", "job_id": f"idle-{index}", "operation": "probe",
                                  "input": {"source": "upload", "filename": "x.mp4", "size": 1000}}))
        reply = await recv_json(ws, 120)
        if reply.get("type") != "ack":
            raise RuntimeError(f"connection {index}: {reply}")
        sockets.append(ws)

    for start in range(0, count, BATCH):
        began = time.perf_counter()
        await asyncio.gather(*(open_one(i) for i in range(start, min(count, start + BATCH))))
        print(json.dumps({"batch": start // BATCH, "seconds": time.perf_counter() - began}), flush=True)
    print(json.dumps({"ready": len(sockets)}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def latencies(service):
    async with connect(service.ws_url) as ws:
        await request(ws, {"type": "hello", "protocol": 1, "client": "bench-connections/1"})
        stats, acks = [], []
        for _ in range(200):
            began = time.perf_counter()
            reply = await request(ws, {"type": "get_stats"})
            stats.append(time.perf_counter() - began)
            assert reply["type"] == "stats", reply
        for i in range(200):
            began = time.perf_counter()
            reply = await request(ws, {"type": "start_job", "job_id": f"a{i}", "operation": "probe",
                                       "input": {"source": "upload", "filename": "x.mp4", "size": 1000}})
            acks.append(time.perf_counter() - began)
            assert reply["type"] == "ack", reply
            await request(ws, {"type": "cancel_job", "job_id": f"a{i}"})
    url = urllib.parse.urlparse(service.http_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    health = []
    for _ in range(200):
        began = time.perf_counter()
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
        health.append(time.perf_counter() - began)
    connection.close()
    return {name: {"p50_ms": 1000 * percentile(values, 0.5), "p99_ms": 1000 * percentile(values, 0.99)}
            for name, values in (("get_stats", stats), ("health", health), ("ack", acks))}


async def first_progress_and_cancel(service, data):
    first, first_output, gone = [], [], []
    async with connect(service.ws_url) as ws:
        for i in range(3):
            await request(ws, {"type": "start_job", "job_id": f"p{i}", "operation": "compress",
                               "options": {"preset": "high"}, "input": {"source": "upload"}})
            await ws.send(frame({"job_id": f"p{i}", "filename": "in.mp4"}, data))
            began = None
            while True:
                message = await recv_json(ws, 120)
                if message.get("stage") != "processing":
                    continue
                if began is None:
                    began = time.perf_counter()   # the stage change to processing
                    continue
                if len(first) == i:
                    first.append(time.perf_counter() - began)   # ffmpeg's first progress block
                if message.get("out_time_seconds", 0) > 0:
                    # The encoder's first output: later by its lookahead (x264: tens of frames).
                    first_output.append(time.perf_counter() - began)
                    break
            pids = service.ffmpeg_children()
            began = time.perf_counter()
            await ws.send(json.dumps({"type": "cancel_job", "job_id": f"p{i}"}))
            while (await recv_json(ws)).get("code") != "JOB_CANCELLED":
                pass
            while any(os.path.exists(f"/proc/{pid}") for pid in pids):
                await asyncio.sleep(0.002)
            gone.append(time.perf_counter() - began)
    return {"first_progress_ms": 1000 * common.median(first), "first_progress_max_ms": 1000 * max(first),
            "first_output_time_ms": 1000 * common.median(first_output),
            "cancel_to_gone_ms": 1000 * common.median(gone), "cancel_to_gone_max_ms": 1000 * max(gone)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--hold", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        asyncio.run(hold(args.hold[0], int(args.hold[1])))
        return

    wanted = args.connections
    limit = raise_descriptor_limit()   # inherited by the service
    n = min(wanted, fitting_connections(limit))
    if n < wanted:
        print(f"connections.py: the descriptor limit ({limit}, ulimit -Hn) carries {n} connections, not {wanted}; "
              f"the RSS at {wanted} is extrapolated from the RSS a connection at {n}", flush=True)
    wait_for_free_ports(n)
    clip = make_video(seconds=10, size="640x360")
    with open(clip, "rb") as f:
        data = f.read()
    with Service("--log-level", "warning", "--max-connections", str(n + 100), "--jobs-per-minute", "0",
                 "--max-queued-jobs", str(n + 1000), "--owner-queue-share", "100",
                 "--max-jobs-per-connection", "1000") as service:
        base_rss = service.rss_bytes()
        loader = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--hold", service.ws_url, str(n)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        batches = []
        try:
            for line in loader.stdout:
                message = json.loads(line)
                if "batch" in message:
                    batches.append(message["seconds"])
                if "ready" in message:
                    break
            else:
                raise RuntimeError("the load process ended before all connections were open")
            rss = service.rss_bytes()
            measured = asyncio.run(latencies(service))
            measured.update(asyncio.run(first_progress_and_cancel(service, data)))
        finally:
            loader.stdin.close()
            loader.wait(60)
        peak = service.peak_rss_bytes()
    per_connection = (rss - base_rss) / n
    # Counted from the fresh service, so the fixed costs of the first connection (the TLS
    # libraries QtWebSockets loads, the store's cache) are in per_connection: an upper bound.
    rss_at_target = rss + (TARGET_CONNECTIONS - n) * per_connection if n < TARGET_CONNECTIONS else rss
    result = {"name": "B4+B5", "connections": n, "jobs_live": n, "rss_bytes": rss, "peak_rss_bytes": peak,
              "rss_per_connection_bytes": per_connection, "rss_at_10000_bytes": rss_at_target,
              "rss_at_10000_measured": n >= TARGET_CONNECTIONS, "connect_batch_seconds": batches,
              "connect_last_over_first": batches[-1] / batches[0] if batches[0] > 0 else None, **measured}
    print(f"B4 {n} connections, each with a job waiting for its upload: service RSS {rss / 1e6:.0f} MB "
          f"({per_connection / 1024:.1f} KiB a connection above the idle service), peak {peak / 1e6:.0f} MB; "
          f"at {TARGET_CONNECTIONS}: {rss_at_target / 1e6:.0f} MB{'' if n >= TARGET_CONNECTIONS else ' (extrapolated)'}, "
          f"target <= 250 MB: {'met' if rss_at_target <= 250e6 else 'missed'}; "
          f"opening {min(BATCH, n)} took {batches[0]:.2f} s first, {batches[-1]:.2f} s last")
    for name in ("get_stats", "health", "ack"):
        print(f"   {name:9s} p50 {measured[name]['p50_ms']:6.2f} ms   p99 {measured[name]['p99_ms']:6.2f} ms"
              f"   target p99 <= 5 ms: {'met' if measured[name]['p99_ms'] <= 5 else 'missed'}")
    print(f"B5 processing start -> first progress median {measured['first_progress_ms']:.0f} ms "
          f"(max {measured['first_progress_max_ms']:.0f}; target <= 500 ms; the first with an output time: "
          f"{measured['first_output_time_ms']:.0f} ms); cancel_job -> ffmpeg gone median "
          f"{measured['cancel_to_gone_ms']:.0f} ms (max {measured['cancel_to_gone_max_ms']:.0f}; target <= 1000 ms)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
