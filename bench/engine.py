#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A 30 s 720p `compress` through mediaforged against the same ffmpeg command run by hand.

Runs each side several times, alternating, and prints medians and ratios: wall time and peak
memory; then how long a cancel takes (reply, and until ffmpeg is gone). The ffmpeg command is
the exact one the service ran, taken from its debug log, so both sides do the same work.

    /usr/bin/python3 bench/engine.py [--runs 3]
"""

import argparse
import asyncio
import json
import os
import re
import subprocess
import threading
import time

from common import SCRATCH, median, proc_status
from harness import FFMPEG, Service, connect, frame, recv_any, recv_json, request


def make_input():
    path = os.path.join(SCRATCH, "input-720p-30s.mp4")
    if not os.path.exists(path):
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=30",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=30",
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "192k", path], check=True)
    return path


class PeakWatcher(threading.Thread):
    """Polls the VmHWM of the service's ffmpeg children while they run."""

    def __init__(self, service):
        super().__init__(daemon=True)
        self.service = service
        self.peak = 0
        self.running = True

    def run(self):
        while self.running:
            for pid in self.service.ffmpeg_children():
                self.peak = max(self.peak, proc_status(pid, "VmHWM"))
            time.sleep(0.05)


async def run_job(service, data, options):
    async with connect(service.ws_url) as ws:
        welcome = await request(ws, {"type": "hello", "protocol": 1, "client": "bench"})
        chunk = welcome["limits"]["max_chunk_bytes"]
        started = time.monotonic()
        await request(ws, {"type": "start_job", "job_id": "bench", "operation": "compress", "options": options,
                           "input": {"source": "upload", "filename": "in.mp4", "size": len(data)}})
        for offset in range(0, len(data), chunk):
            await ws.send(frame({"job_id": "bench", "offset": offset, "final": offset + chunk >= len(data)},
                                data[offset:offset + chunk]))
        completed = None
        while True:
            message = await recv_any(ws, timeout=600)
            if isinstance(message, bytes):
                continue
            if message.get("type") == "error":
                raise RuntimeError(message)
            if message.get("type") == "completed":
                completed = message
            if message.get("type") == "output_delivered":
                return time.monotonic() - started, completed


def ffmpeg_arguments(log_text, job_index):
    lines = [l for l in log_text.splitlines() if "mediaforge.ffmpeg" in l and " starting " in l]
    line = lines[job_index]
    command = line.split(" starting ", 1)[1]
    return command.split(" ")[1:]   # drop the program


def run_by_hand(arguments, source, workdir):
    os.makedirs(workdir, exist_ok=True)
    args = [a.replace("file:<job>/input-0", "file:" + source).replace("<job>", workdir) for a in arguments]
    started = time.monotonic()
    process = subprocess.Popen([FFMPEG, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, proc_status(process.pid, "VmHWM"))
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"ffmpeg by hand failed: {' '.join(args)}")
    return elapsed, peak


async def cancel_once(service, data):
    async with connect(service.ws_url) as ws:
        await request(ws, {"type": "start_job", "job_id": "c", "operation": "compress", "options": {"preset": "high"},
                           "input": {"source": "upload"}})
        await ws.send(frame({"job_id": "c", "filename": "in.mp4"}, data))
        while True:
            message = await recv_json(ws)
            if message.get("stage") == "processing" and message.get("percentage", 0) > 0:
                break
        pids = service.ffmpeg_children()
        started = time.monotonic()
        await ws.send(json.dumps({"type": "cancel_job", "job_id": "c"}))
        while (await recv_json(ws)).get("code") != "JOB_CANCELLED":
            pass
        reply = time.monotonic() - started
        while any(os.path.exists(f"/proc/{pid}") for pid in pids):
            await asyncio.sleep(0.002)
        gone = time.monotonic() - started
        return reply, gone


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--cancels", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()
    source = make_input()
    with open(source, "rb") as f:
        data = f.read()
    options = {"preset": args.preset}
    engine_times, engine_processing, engine_ffmpeg_peaks, service_peaks = [], [], [], []
    hand_times, hand_peaks = [], []
    with Service("--log-level", "debug", "--max-concurrent-jobs", "1") as service:
        for run in range(args.runs):
            watcher = PeakWatcher(service)
            watcher.start()
            wall, completed = asyncio.run(run_job(service, data, options))
            watcher.running = False
            watcher.join()
            engine_times.append(wall)
            engine_processing.append(completed["timings"]["processing_seconds"])
            engine_ffmpeg_peaks.append(watcher.peak)
            service_peaks.append(service.peak_rss_bytes())
            with open(service.log_path, "rb") as f:
                arguments = ffmpeg_arguments(f.read().decode(errors="replace"), run)
            hand_wall, hand_peak = run_by_hand(arguments, source, os.path.join(SCRATCH, "by-hand"))
            hand_times.append(hand_wall)
            hand_peaks.append(hand_peak)
        cancels = [asyncio.run(cancel_once(service, data)) for _ in range(args.cancels)]

    print(f"compress {os.path.basename(source)} ({len(data) / 1e6:.1f} MB, 30 s 1280x720), preset {args.preset}, "
          f"{args.runs} runs each, medians")
    print(f"  ffmpeg by hand            wall {median(hand_times):6.2f} s   peak RSS {median(hand_peaks) / 1e6:6.1f} MB")
    print(f"  through mediaforged       wall {median(engine_times):6.2f} s   (upload + processing + output download)")
    print(f"    of which processing          {median(engine_processing):6.2f} s   ffmpeg peak RSS "
          f"{median(engine_ffmpeg_peaks) / 1e6:6.1f} MB, service peak RSS {max(service_peaks) / 1e6:6.1f} MB")
    print(f"  ratio processing / by hand      {median(engine_processing) / median(hand_times):6.3f}")
    print(f"  ratio end-to-end / by hand      {median(engine_times) / median(hand_times):6.3f}")
    print(f"  ratio memory (ffmpeg + service) / by hand "
          f"{(median(engine_ffmpeg_peaks) + max(service_peaks)) / median(hand_peaks):6.3f}")
    replies = sorted(c[0] for c in cancels)
    gone = sorted(c[1] for c in cancels)
    print(f"  cancel: JOB_CANCELLED reply median {median(replies) * 1000:.1f} ms (max {replies[-1] * 1000:.1f}); "
          f"ffmpeg gone median {median(gone) * 1000:.1f} ms (max {gone[-1] * 1000:.1f})")
    if args.json:
        ratios = sorted(e / h for e, h in zip(engine_times, hand_times))
        with open(args.json, "w") as f:
            json.dump({"name": "B1", "what": f"30 s 1280x720 compress (preset {args.preset}), level 1 upload + download",
                       "service_seconds": median(engine_times), "baseline_seconds": median(hand_times),
                       "ratio": median(engine_times) / median(hand_times), "ratio_min": ratios[0],
                       "ratio_max": ratios[-1], "processing_ratio": median(engine_processing) / median(hand_times),
                       "target": "<= 1.02", "met": median(engine_times) / median(hand_times) <= 1.02,
                       "peak_rss_bytes": max(service_peaks), "runs": args.runs,
                       "cancel_to_gone_ms": 1000 * median(gone), "cancel_to_gone_max_ms": 1000 * gone[-1]},
                      f, indent=2)


if __name__ == "__main__":
    main()
