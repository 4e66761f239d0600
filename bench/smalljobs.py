#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""B2: small jobs per second through mediaforged against the same ffprobe/ffmpeg commands run
with `xargs -P2`, in the same run.

The jobs: probe, thumbnail and trim with stream copy of a 10 s 640x360 clip, in turn, from
--clients level 1 connections (each keeps --window jobs in flight) against a service with 2
worker slots. A job counts as done when its last output arrived (`output_delivered`; `completed`
for probe). The baseline runs the very commands the service ran, taken from its debug log in a
warm-up, once per job, two at a time (`xargs -P2`), so that it pays the same process starts but
no upload, no input probe, no output probe and no delivery. Target (issue 11): ratio >= 0.90.
The service runs without its result cache (off unless --cache-size is set), so every job does
its work; with --cache the service gets a cache, one job of each kind fills it before the clock
starts, and every thumbnail and trim is then a hit (probe jobs are never cached): the ratio to
the same xargs baseline is the figure of issue 13.

    /usr/bin/python3 bench/smalljobs.py                   # 60 jobs, 3 repetitions
    /usr/bin/python3 bench/smalljobs.py --cache           # the same jobs answered from the cache
    /usr/bin/python3 bench/smalljobs.py --jobs 300 --runs 5
    /usr/bin/python3 bench/smalljobs.py --prober ffprobe   # one ffprobe per probe, as before
"""

import argparse
import asyncio
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time

import common
from harness import FFMPEG, FFPROBE, Service, connect, frame, make_video, recv_any, request

JOBS = [
    ("probe", {}),
    ("thumbnail", {"timestamp": 2.0, "width": 320}),
    ("trim", {"start_time": 1.0, "end_time": 4.0}),
]


async def client(url, data, kinds, window, done_times, name):
    async with connect(url) as ws:
        welcome = await request(ws, {"type": "hello", "protocol": 1, "client": "bench-smalljobs/1"})
        assert welcome["type"] == "welcome", welcome
        chunk = welcome["limits"]["max_chunk_bytes"]
        waiting = {}   # job_id -> outputs still to arrive (None until completed)
        next_job = 0

        async def start_one():
            nonlocal next_job
            operation, options = JOBS[kinds[next_job] % len(JOBS)]
            job_id = f"{name}-{next_job}"
            next_job += 1
            waiting[job_id] = None
            await ws.send(json.dumps({"type": "start_job", "job_id": job_id, "operation": operation,
                                      "options": options,
                                      "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)}}))

        def done(job_id):
            del waiting[job_id]
            done_times.append(time.perf_counter())

        while next_job < min(window, len(kinds)):
            await start_one()
        while waiting or next_job < len(kinds):
            message = await recv_any(ws, 300)
            if not isinstance(message, dict):
                continue
            kind, job_id = message.get("type"), message.get("job_id")
            if kind == "ack":
                for offset in range(0, len(data), chunk):
                    await ws.send(frame({"job_id": job_id, "offset": offset, "final": offset + chunk >= len(data)},
                                        data[offset:offset + chunk]))
                continue
            if kind == "error":
                raise RuntimeError(f"job failed: {message}")
            if job_id not in waiting:
                continue
            if kind == "completed":
                if not message["outputs"]:
                    done(job_id)
                else:
                    waiting[job_id] = len(message["outputs"])
            elif kind == "output_delivered":
                waiting[job_id] -= 1
                if waiting[job_id] == 0:
                    done(job_id)
            else:
                continue
            if job_id not in waiting and next_job < len(kinds):
                await start_one()


def commands_from_log(log_text, clip, workdir):
    """The ffprobe (probe) and ffmpeg (thumbnail, trim) command lines of the warm-up, in order."""
    commands = []
    for line in log_text.splitlines():
        if "mediaforge.ffmpeg" in line and " starting " in line:
            commands.append(line.split(" starting ", 1)[1].split(" ")[1:])
    probe_lines = [line for line in log_text.splitlines() if "mediaforge.probe" in line and " running " in line]
    probe = probe_lines[0].split(" running ", 1)[1].split(" ")[1:]
    probe = [a for a in probe]
    probe[-1] = "file:" + clip

    def fix(args):
        return [a.replace("file:<job>/input-0", "file:" + clip).replace("<job>", workdir) for a in args]

    return [[FFPROBE, *probe], [FFMPEG, *fix(commands[0])], [FFMPEG, *fix(commands[1])]]


async def warm_up(clip, data):
    """Runs each kind once with debug logging, to learn the exact commands. With ffprobe as the
    prober, so that the log names the ffprobe command the baseline runs for a probe job."""
    with Service("--log-level", "debug", "--max-concurrent-jobs", "1", "--prober", "ffprobe") as service:
        times = []
        await client(service.ws_url, data, list(range(len(JOBS))), 1, times, "warm")
        with open(service.log_path, errors="replace") as f:
            return f.read()


async def through_service(data, jobs, clients, window, prober, nice, cache=False):
    with Service("--log-level", "warning", "--max-concurrent-jobs", "2", "--jobs-per-minute", "0",
                 "--max-queued-jobs", "100000", "--max-jobs-per-connection", "10000",
                 "--prober", prober, "--ffmpeg-nice", str(nice),
                 *(["--cache-size", "1G"] if cache else [])) as service:
        if cache:
            await client(service.ws_url, data, list(range(len(JOBS))), 1, [], "fill")
        done_times = []
        per_client = [list(range(i, jobs, clients)) for i in range(clients)]
        started = time.perf_counter()
        await asyncio.gather(*(client(service.ws_url, data, kinds, window, done_times, f"c{i}")
                               for i, kinds in enumerate(per_client) if kinds))
        return jobs / (max(done_times) - started), service.peak_rss_bytes()


def by_hand(commands, jobs, scratch):
    """The same commands, one process per job, two at a time."""
    lines = []
    for i in range(jobs):
        workdir = os.path.join(scratch, f"job-{i}")
        os.makedirs(workdir, exist_ok=True)
        command = [a.replace("<WORKDIR>", workdir) for a in commands[i % len(commands)]]
        lines.append(f"cd {shlex.quote(workdir)} && {shlex.join(command)} >/dev/null 2>&1 </dev/null")
    script = "\0".join(lines).encode()
    started = time.perf_counter()
    subprocess.run(["xargs", "-0", "-P2", "-n1", "sh", "-c"], input=script, check=True)
    return jobs / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--window", type=int, default=2, help="jobs in flight per client")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--prober", choices=["builtin", "ffprobe"], default="builtin",
                        help="how the service probes (its --prober); ffprobe measures the way before the prober")
    parser.add_argument("--ffmpeg-nice", type=int, default=10,
                        help="the service's --ffmpeg-nice (its default 10); the baseline runs at the caller's "
                             "priority, so on a machine busy with other work 0 compares like with like")
    parser.add_argument("--cache", action="store_true",
                        help="the service with a result cache filled before the clock starts (issue 13)")
    args = parser.parse_args()

    clip = make_video(seconds=10, size="640x360")
    with open(clip, "rb") as f:
        data = f.read()
    log_text = asyncio.run(warm_up(clip, data))
    commands = commands_from_log(log_text, clip, "<WORKDIR>")
    service_rates, hand_rates, peaks = [], [], []
    for run in range(args.runs):
        # Alternating, so that a change in the machine's load hits both sides alike.
        scratch = tempfile.mkdtemp(prefix="mediaforge-bench-small-", dir=common.SCRATCH)
        try:
            hand_rates.append(by_hand(commands, args.jobs, scratch))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        rate, peak = asyncio.run(through_service(data, args.jobs, args.clients, args.window, args.prober,
                                                    args.ffmpeg_nice, args.cache))
        service_rates.append(rate)
        peaks.append(peak)
        print(f"run {run + 1}: service {rate:6.1f} jobs/s   xargs -P2 {hand_rates[-1]:6.1f} jobs/s", flush=True)
    ratios = [s / h for s, h in zip(service_rates, hand_rates)]
    result = {
        "name": "B2", "what": f"{args.jobs} small jobs (probe, thumbnail, trim copy), {args.clients} clients, 2 slots",
        "service_jobs_per_s": common.median(service_rates), "baseline_jobs_per_s": common.median(hand_rates),
        "ratio": common.median(ratios), "ratio_min": min(ratios), "ratio_max": max(ratios),
        "target": ">= 0.90", "met": common.median(ratios) >= 0.90, "peak_rss_bytes": max(peaks), "runs": args.runs,
        "prober": args.prober, "ffmpeg_nice": args.ffmpeg_nice, "cache": args.cache,
    }
    print(f"B2 small jobs (--prober {args.prober}, --ffmpeg-nice {args.ffmpeg_nice}"
          f"{', cache hits' if args.cache else ''}): service {result['service_jobs_per_s']:.1f} jobs/s, xargs -P2 "
          f"{result['baseline_jobs_per_s']:.1f} jobs/s, ratio {result['ratio']:.2f} "
          f"({min(ratios):.2f}-{max(ratios):.2f}), target >= 0.90: {'met' if result['met'] else 'missed'}; "
          f"service peak RSS {max(peaks) / 2**20:.0f} MiB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
