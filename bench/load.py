#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Load run (issue 8): C clients x J small mixed jobs against a fresh mediaforged, with random
cancels and random disconnects, bounded in time.

Checks at the end (exit 1 and a list of problems if one fails):
- every accepted job whose owner stayed connected got exactly one terminal message
  (`completed` with all its outputs delivered, or `error`), and none got two;
- no accepted job is lost: the service's /metrics `mediaforge_jobs_total` over all outcomes
  equals the jobs accepted, and no job is left queued, receiving input or active;
- afterwards the temp dir holds no job directory, no ffmpeg/ffprobe runs, and the service's
  RSS is back near where it started.

    /usr/bin/python3 bench/load.py                       # 100 clients x 20 jobs (2,000)
    /usr/bin/python3 bench/load.py --clients 10 --jobs 5 # a short run
    ./dev load [--clients N --jobs M ...]

Half the clients speak level 0 (one binary message each way), half level 1 (hello, chunked
upload, chunked outputs with output_delivered). The media is a 1 s 160x120 clip made with
lavfi, so the run measures the service, not the encoders.
"""

import argparse
import asyncio
import collections
import json
import random
import sys
import time

import common  # noqa: F401  (puts tests/e2e on the path and finds the built mediaforged)
from harness import Service, connect, frame, make_video, rss_growth_limit, unframe
from hostile_support import MIB, jobs_total, metrics, wait_for


JOBS = [
    ("probe", {}),
    ("thumbnail", {"width": 64}),
    ("extract_audio", {"format": "mp3", "bitrate_kbps": 32}),
    ("remove_audio", {}),
    ("trim", {"end_time": 0.5}),
    ("convert", {"target_format": "mkv"}),
    ("gif", {"duration": 0.5, "width": 64, "fps": 5}),
    ("compress", {"preset": "low", "max_width": 64}),
]


class Tally:
    def __init__(self):
        self.started = 0
        self.accepted = 0
        self.refused = collections.Counter()        # start_job errors (no job created)
        self.outcomes = collections.Counter()       # completed / error code, per accepted job
        self.abandoned = 0                          # accepted, then the client dropped the connection
        self.cancels_sent = 0
        self.problems = []

    def problem(self, text):
        if len(self.problems) < 50:
            self.problems.append(text)


class Client:
    def __init__(self, service, index, jobs, clip, tally, rng, cancel_rate, disconnect_rate):
        self.service, self.index, self.jobs, self.clip = service, index, jobs, clip
        self.tally, self.rng = tally, rng
        self.cancel_rate, self.disconnect_rate = cancel_rate, disconnect_rate
        self.level1 = index % 2 == 1
        self.ws = None
        self.finished = set()      # job_ids that had their terminal message

    async def open(self):
        self.ws = await connect(self.service.ws_url, max_queue=64)
        if self.level1:
            await self.ws.send(json.dumps({"type": "hello", "protocol": 1, "request_id": "h"}))
            welcome = await self.next_text(30)
            assert welcome["type"] == "welcome", welcome

    async def next_text(self, timeout):
        while True:
            message = await asyncio.wait_for(self.ws.recv(), timeout)
            if isinstance(message, str):
                return json.loads(message)

    async def run(self):
        await self.open()
        for n in range(self.jobs):
            job_id = f"c{self.index}-j{n}"
            operation, options = JOBS[self.rng.randrange(len(JOBS))]
            await self.one_job(job_id, operation, options)
        # Anything late (a second terminal message for an earlier job) shows up before pong.
        await self.ws.send(json.dumps({"type": "ping", "request_id": "last"}))
        while True:
            message = await self.receive(60)
            if isinstance(message, dict) and message.get("request_id") == "last":
                break
        await self.ws.close()

    async def receive(self, timeout):
        message = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(message, bytes):
            return message
        message = json.loads(message)
        job_id = message.get("job_id")
        terminal = message.get("type") == "completed" or (
            message.get("type") == "error" and message.get("code") != "CANCEL_FAILED" and "id" in message)
        if terminal and job_id in self.finished:
            self.tally.problem(f"{job_id}: a second terminal message {message.get('type')} {message.get('code')}")
        return message

    async def one_job(self, job_id, operation, options):
        start = {"type": "start_job", "job_id": job_id, "operation": operation, "options": options,
                 "input": {"source": "upload", "filename": "clip.mp4"}}
        if self.level1:
            start["input"]["size"] = len(self.clip)
        self.tally.started += 1
        await self.ws.send(json.dumps(start))
        if not self.level1:
            await self.ws.send(frame({"job_id": job_id, "filename": "clip.mp4"}, self.clip))
        # Wait for the ack (or the refusal) first.
        while True:
            message = await self.receive(120)
            if isinstance(message, dict) and message.get("job_id") == job_id and message["type"] in ("ack", "error"):
                break
        if message["type"] == "error":
            self.tally.refused[message["code"]] += 1
            return
        self.tally.accepted += 1
        if self.level1:
            half = len(self.clip) // 2
            await self.ws.send(frame({"job_id": job_id, "offset": 0, "final": False}, self.clip[:half]))
            await self.ws.send(frame({"job_id": job_id, "offset": half, "final": True}, self.clip[half:]))
        roll = self.rng.random()
        if roll < self.disconnect_rate:
            # Vanish at a random moment of the job, then come back for the next one.
            await asyncio.sleep(self.rng.random() * 0.5)
            self.ws.transport.abort()
            self.tally.abandoned += 1
            await self.open()
            return
        cancel_at = None
        if roll < self.disconnect_rate + self.cancel_rate:
            cancel_at = time.monotonic() + self.rng.random() * 0.5
        outputs_left, terminal = None, None
        cancel_reply_pending = False
        while outputs_left != 0 or cancel_reply_pending:
            if cancel_at and time.monotonic() >= cancel_at and terminal is None:
                cancel_at = None
                self.tally.cancels_sent += 1
                await self.ws.send(json.dumps({"type": "cancel_job", "job_id": job_id, "request_id": "x" + job_id}))
                cancel_reply_pending = True
            timeout = max(0.05, cancel_at - time.monotonic()) if cancel_at else 180
            try:
                message = await self.receive(timeout)
            except asyncio.TimeoutError:
                if cancel_at:
                    continue
                self.tally.problem(f"{job_id}: nothing for 180 s (terminal {terminal}, outputs left {outputs_left})")
                return
            if isinstance(message, bytes):
                header, _ = unframe(message)
                if header.get("job_id") != job_id:
                    self.tally.problem(f"{job_id}: an output of {header.get('job_id')} arrived")
                elif not self.level1:
                    outputs_left -= 1
                continue
            if message.get("type") == "output_delivered" and message.get("job_id") == job_id:
                outputs_left -= 1
                continue
            if message.get("request_id") == "x" + job_id:
                cancel_reply_pending = False
                if message.get("code") == "JOB_CANCELLED":
                    terminal = "JOB_CANCELLED"
                    outputs_left = 0
                elif message.get("code") != "CANCEL_FAILED":
                    self.tally.problem(f"{job_id}: cancel answered {message}")
                continue
            if message.get("job_id") != job_id:
                continue
            if message["type"] == "completed":
                terminal = "completed"
                outputs_left = len(message.get("outputs", []))
            elif message["type"] == "error":
                terminal = message["code"]
                outputs_left = 0
        self.finished.add(job_id)
        self.tally.outcomes[terminal] += 1
        if terminal not in ("completed", "JOB_CANCELLED"):
            self.tally.problem(f"{job_id} ({self.level1 and 'level 1' or 'level 0'}): {terminal}")


async def load(service, clients, jobs, seed=1, cancel_rate=0.1, disconnect_rate=0.05, time_limit=3600):
    """Runs the load against a started Service and returns (tally, figures)."""
    with open(make_video(seconds=1.0, size="160x120"), "rb") as f:
        clip = f.read()
    tally = Tally()
    rng = random.Random(seed)
    rss_start = service.rss_bytes()
    began = time.monotonic()
    runners = [Client(service, i, jobs, clip, tally, random.Random(rng.random()), cancel_rate, disconnect_rate)
               for i in range(clients)]
    results = await asyncio.wait_for(asyncio.gather(*(c.run() for c in runners), return_exceptions=True), time_limit)
    for client, result in zip(runners, results):
        if isinstance(result, BaseException):
            tally.problem(f"client {client.index}: {type(result).__name__}: {result}")
    elapsed = time.monotonic() - began
    peak = service.peak_rss_bytes()
    settled = await wait_for(lambda: not service.job_dirs() and not service.ffmpeg_children(), 120, 0.2)
    if not settled:
        tally.problem(f"left behind: {service.job_dirs()[:5]} ffmpeg {service.ffmpeg_children()}")

    def quiet():
        values = metrics(service)
        return (values.get("mediaforge_queue_depth") == 0 and values.get("mediaforge_input_jobs") == 0
                and values.get("mediaforge_active_jobs") == 0 and jobs_total(values) >= tally.accepted)

    await wait_for(quiet, 60, 0.2)
    values = metrics(service)
    finished = jobs_total(values)
    if finished != tally.accepted:
        tally.problem(f"/metrics counts {finished:.0f} finished jobs, {tally.accepted} were accepted")
    for gauge in ("mediaforge_queue_depth", "mediaforge_input_jobs", "mediaforge_active_jobs"):
        if values.get(gauge) != 0:
            tally.problem(f"{gauge} is {values.get(gauge)} after the run")
    observed = sum(tally.outcomes.values()) + tally.abandoned
    if observed != tally.accepted:
        tally.problem(f"{tally.accepted} accepted, {observed} ended or abandoned: "
                      f"{tally.accepted - observed} without a terminal message")
    if jobs_total(values, "completed") < tally.outcomes["completed"]:
        tally.problem("/metrics counts fewer completed jobs than the clients received")
    if jobs_total(values, "cancelled") < tally.outcomes["JOB_CANCELLED"]:
        tally.problem("/metrics counts fewer cancelled jobs than the clients were told about")
    await asyncio.sleep(2)     # let the event loop of the service return what it freed
    rss_end = service.rss_bytes()
    if rss_end > rss_start + rss_growth_limit(64 * MIB):
        tally.problem(f"RSS {rss_start / MIB:.0f} MiB before, {rss_end / MIB:.0f} MiB after")
    figures = {
        "clients": clients, "jobs_per_client": jobs, "started": tally.started, "accepted": tally.accepted,
        "refused": dict(tally.refused), "outcomes": dict(tally.outcomes), "abandoned": tally.abandoned,
        "cancels_sent": tally.cancels_sent, "metrics_finished": finished,
        "metrics_completed": jobs_total(values, "completed"), "metrics_failed": jobs_total(values, "failed"),
        "metrics_cancelled": jobs_total(values, "cancelled"), "lost": tally.accepted - observed,
        "seconds": round(elapsed, 1), "rss_start_mib": round(rss_start / MIB, 1),
        "rss_peak_mib": round(peak / MIB, 1), "rss_end_mib": round(rss_end / MIB, 1),
    }
    return tally, figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=20, help="jobs per client")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cancel-rate", type=float, default=0.1)
    parser.add_argument("--disconnect-rate", type=float, default=0.05)
    parser.add_argument("--time-limit", type=float, default=3600, help="seconds before the run counts as failed")
    parser.add_argument("--workers", type=int, default=2, help="--max-concurrent-jobs of the service")
    args = parser.parse_args()

    async def run():
        with Service("--jobs-per-minute", "0", "--max-concurrent-jobs", str(args.workers), "--retention", "5",
                     "--max-connections", str(args.clients * 2 + 50)) as service:
            tally, figures = await load(service, args.clients, args.jobs, args.seed, args.cancel_rate,
                                        args.disconnect_rate, args.time_limit)
            print(json.dumps(figures, indent=2))
            for problem in tally.problems:
                print("PROBLEM:", problem, file=sys.stderr)
            return 1 if tally.problems else 0

    try:
        sys.exit(asyncio.run(run()))
    except asyncio.TimeoutError:
        sys.exit(f"load: not finished within {args.time_limit} s")


if __name__ == "__main__":
    main()
