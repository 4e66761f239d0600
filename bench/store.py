#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small jobs per second and ack latency with the SQLite job store, against the in-memory
store (same service, `--store memory`), in the same run.

Each round starts mediaforged with one store, lets --clients level 1 connections submit
--jobs `probe` jobs of a tiny uploaded clip as fast as their acks come back (each client keeps
--window jobs in flight), and measures:
  - jobs/s: completed jobs over the wall time from the first start_job to the last `completed`;
  - ack latency: start_job sent -> ack received, p50 and p99;
  - the service's own figure of how long store writes held its event loop (get_stats).
Rounds alternate between the stores (--rounds each) so that drifts in machine load hit both.
The issue's bar: SQLite may cost at most 5 % of jobs/s.

    /usr/bin/python3 bench/store.py                # defaults: 3 rounds x 400 jobs each
    /usr/bin/python3 bench/store.py --jobs 10 --rounds 1   # a smoke run
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import tempfile
import time

import common  # noqa: F401  (sets MEDIAFORGED, the harness import path)
from harness import Service, connect, frame, make_video, recv_any, request


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]


async def client(url, data, jobs, window, acks, done_times, name):
    async with connect(url) as ws:
        reply = await request(ws, {"type": "hello", "protocol": 1, "client": "bench-store/1"})
        assert reply["type"] == "welcome", reply
        sent = {}
        pending = set()
        finished = 0
        next_job = 0

        async def start_one():
            nonlocal next_job
            job_id = f"{name}-{next_job}"
            next_job += 1
            sent[job_id] = time.perf_counter()
            await ws.send(json.dumps({"type": "start_job", "job_id": job_id, "operation": "probe",
                                      "input": {"source": "upload", "filename": "t.mp4", "size": len(data)}}))
            pending.add(job_id)

        while next_job < min(window, jobs):
            await start_one()
        while finished < jobs:
            message = await recv_any(ws, 120)
            if not isinstance(message, dict):
                continue
            kind, job_id = message.get("type"), message.get("job_id")
            if kind == "ack":
                acks.append(time.perf_counter() - sent[job_id])
                await ws.send(frame({"job_id": job_id, "offset": 0, "final": True}, data))
            elif kind in ("completed", "error") and job_id in pending:
                if kind == "error":
                    raise RuntimeError(f"job failed: {message}")
                pending.discard(job_id)
                finished += 1
                done_times.append(time.perf_counter())
                if next_job < jobs:
                    await start_one()


async def round_once(store, args, data):
    data_dir = tempfile.mkdtemp(prefix="mediaforge-bench-store-", dir=common.SCRATCH)
    try:
        # A PostgreSQL store needs the cluster secret (docs/scaling.md); this run is one node.
        secret = {"MEDIAFORGE_CLUSTER_SECRET": os.urandom(32).hex()} if store.startswith("postgres") else None
        with Service("--store", store, "--data-dir", data_dir, "--jobs-per-minute", "0",
                     "--max-queued-jobs", "100000", "--max-jobs-per-connection", "10000",
                     "--log-level", "warning", env=secret) as service:
            acks, done_times = [], []
            per_client = [args.jobs // args.clients + (1 if i < args.jobs % args.clients else 0)
                          for i in range(args.clients)]
            started = time.perf_counter()
            await asyncio.gather(*(client(service.ws_url, data, n, args.window, acks, done_times, f"c{i}")
                                   for i, n in enumerate(per_client) if n))
            elapsed = max(done_times) - started
            async with connect(service.ws_url) as ws:
                await request(ws, {"type": "hello", "protocol": 1})
                stats = (await request(ws, {"type": "get_stats"}))["stats"]
        return {"jobs_per_s": args.jobs / elapsed, "ack_p50_ms": 1000 * percentile(acks, 0.5),
                "ack_p99_ms": 1000 * percentile(acks, 0.99), "store": stats.get("store", {})}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=400, help="jobs per round")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--window", type=int, default=4, help="jobs in flight per client")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per store")
    args = parser.parse_args()
    with open(make_video(seconds=0.2, size="64x48", audio=False), "rb") as f:
        data = f.read()
    results = {"memory": [], "sqlite": []}
    for _ in range(args.rounds):
        for store in ("memory", "sqlite"):
            result = await round_once(store, args, data)
            results[store].append(result)
            print(f"{store:7s} {result['jobs_per_s']:8.1f} jobs/s  ack p50 {result['ack_p50_ms']:7.2f} ms"
                  f"  p99 {result['ack_p99_ms']:7.2f} ms  store writes {result['store'].get('writes', 0)}"
                  f" p50 {result['store'].get('write_p50_ms', 0):.3f} ms p99 {result['store'].get('write_p99_ms', 0):.3f} ms",
                  flush=True)
    memory = statistics.median(r["jobs_per_s"] for r in results["memory"])
    sqlite = statistics.median(r["jobs_per_s"] for r in results["sqlite"])
    print(f"\nmedian jobs/s: memory {memory:.1f}, sqlite {sqlite:.1f}: sqlite costs {100 * (1 - sqlite / memory):.1f} % "
          f"(bar: at most 5 %)")
    for store in ("memory", "sqlite"):
        print(f"median ack {store}: p50 {statistics.median(r['ack_p50_ms'] for r in results[store]):.2f} ms, "
              f"p99 {statistics.median(r['ack_p99_ms'] for r in results[store]):.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
