#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Throughput of a job's outputs put to a configured S3-compatible storage (`output_storage`)
against Debian's `aws s3 cp` of the same files to the same server.

The server is the S3 test server of the storage tests (s3support.py: @20minutes/s3rver on
loopback, which checks every signature). Two cases, each run --runs times, medians reported:

- large: one `extract_audio` wav output of about --mib MiB, which the service puts as a
  multipart upload (--storage-part-size, 16 MiB by default); baseline `aws s3 cp FILE s3://…`
  (awscli's own multipart: 8 MiB parts, up to 10 in parallel);
- small: a `thumbnail` series of 10 PNG files, one PUT each; baseline
  `aws s3 cp --recursive DIR s3://…` (one process, parallel PUTs).

The service's time is the `uploading_outputs` stage alone, from its log (the line that starts
the stage to the job's end); the input download and ffmpeg are left out. awscli's time is its
whole run, so it is also shown less the run of a 0-byte copy (its start-up: Python imports).

    /usr/bin/python3 bench/s3upload.py [--mib 64] [--runs 3] [--part-size 16M]
"""

import argparse
import asyncio
import datetime
import os
import re
import shutil
import subprocess
import tempfile
import time

from common import SCRATCH, median
from harness import FFMPEG, Service, connect, make_video, recv_json, request
from s3support import ACCESS_KEY, SECRET_KEY, S3Server

SAMPLE_RATE = 96000   # PCM wav, mono 16-bit: 192,000 bytes a second of output


def make_tone(seconds):
    path = os.path.join(SCRATCH, f"s3upload-tone-{seconds}.mp3")
    if not os.path.exists(path):
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        f"sine=frequency=330:sample_rate=44100:duration={seconds}", "-c:a", "libmp3lame", path],
                       check=True)
    return path


def log_time(line):
    return datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()


def upload_seconds(log_path, job_id):
    """From the log line that starts the job's uploading_outputs stage to its last line."""
    start = end = None
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if job_id not in line:
                continue
            if "uploading outputs" in line and start is None:
                start = log_time(line)
            elif start is not None:
                end = log_time(line)
    if start is None or end is None:
        raise RuntimeError(f"no uploading_outputs stage of {job_id} in the log")
    return end - start


async def run_job(service, job_id, operation, key, options, prefix):
    async with connect(service.ws_url) as ws:
        reply = await request(ws, {"type": "hello", "protocol": 1, "client": "bench/s3upload"})
        assert reply["type"] == "welcome", reply
        ack = await request(ws, {"type": "start_job", "job_id": job_id, "operation": operation,
                                 "input": {"source": "storage", "storage": "media", "key": key},
                                 "options": options, "output_storage": {"storage": "media", "prefix": prefix}})
        assert ack["type"] == "ack", ack
        while True:
            message = await recv_json(ws, 600)
            if message.get("job_id") == job_id and message["type"] in ("completed", "error"):
                assert message["type"] == "completed", message
                return ack["id"], message["outputs"]


def aws_seconds(s3, *args):
    started = time.monotonic()
    s3.aws(*args)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=64, help="size of the large output (MiB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--part-size", default="16M")
    args = parser.parse_args()

    seconds = max(1, args.mib * 1024 * 1024 // (2 * SAMPLE_RATE))
    tone = make_tone(seconds)
    video = make_video(seconds=10.0, size="1280x720")
    env = {"MEDIAFORGE_STORAGE_MEDIA_ACCESS_KEY_ID": ACCESS_KEY, "MEDIAFORGE_STORAGE_MEDIA_SECRET_ACCESS_KEY": SECRET_KEY}
    scratch = tempfile.mkdtemp(prefix="s3upload-", dir=SCRATCH)
    results = {}
    try:
        with S3Server("media") as s3:
            s3.put(tone, "in/tone.mp3")
            s3.put(video, "in/clip.mp4")
            empty = os.path.join(scratch, "empty")
            open(empty, "wb").close()
            startup = median([aws_seconds(s3, "s3", "cp", empty, f"s3://media/startup/{i}") for i in range(3)])
            cases = [("large", "extract_audio", "in/tone.mp3", {"format": "wav", "sample_rate": SAMPLE_RATE}),
                     ("small", "thumbnail", "in/clip.mp4", {"count": 10, "format": "png"})]
            with Service("--storage", s3.storage_flag(), "--storage-part-size", args.part_size, env=env) as service:
                for name, operation, key, options in cases:
                    ours, theirs, total = [], [], 0
                    for run in range(args.runs):
                        job_id = f"{name}-{run}"
                        _, outputs = asyncio.run(run_job(service, job_id, operation, key, options, f"svc/{job_id}/"))
                        total = sum(o["size_bytes"] for o in outputs)
                        ours.append(upload_seconds(service.log_path, job_id))
                        # The same files for awscli: read back from the storage into a folder.
                        folder = os.path.join(scratch, job_id)
                        os.makedirs(folder)
                        for output in outputs:
                            with open(os.path.join(folder, output["filename"]), "wb") as f:
                                f.write(s3.get(f"svc/{job_id}/{output['filename']}"))
                        if len(outputs) == 1:
                            theirs.append(aws_seconds(s3, "s3", "cp", os.path.join(folder, outputs[0]["filename"]),
                                                      f"s3://media/aws/{job_id}/{outputs[0]['filename']}"))
                        else:
                            theirs.append(aws_seconds(s3, "s3", "cp", "--recursive", folder, f"s3://media/aws/{job_id}/"))
                        shutil.rmtree(folder)
                    results[name] = (len(outputs), total, median(ours), median(theirs))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    mb = 1e6
    print(f"aws s3 cp start-up (0-byte copy): {startup:.2f} s")
    print(f"{'case':6} {'files':>5} {'MB':>7} {'service MB/s':>13} {'aws MB/s':>9} {'aws-startup MB/s':>17} "
          f"{'ratio':>6} {'ratio*':>7}")
    for name, (files, total, ours, theirs) in results.items():
        net = max(theirs - startup, 1e-3)
        print(f"{name:6} {files:5d} {total / mb:7.1f} {total / mb / ours:13.1f} {total / mb / theirs:9.1f} "
              f"{total / mb / net:17.1f} {theirs / ours:6.2f} {net / ours:7.2f}")
    print("ratio: aws time / service time (above 1: the service is faster); ratio*: the same with awscli's "
          "start-up taken off")


if __name__ == "__main__":
    main()
