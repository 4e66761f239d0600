#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""B6: the service's peak memory for a level 0 job whose upload and output are each one
WebSocket message of --mib MiB (Qt holds a whole message in memory, so this is the one path
whose memory grows with the file).

The input is lossless H.264 of noise (made with lavfi in seconds; noise does not compress, so
the frame count sets the size); the job is `remove_audio`, a stream copy, so the output is as
large as the input. Printed: the
service's peak RSS (VmHWM) before and after, against the file size.

    /usr/bin/python3 bench/level0.py             # 50 MiB
    /usr/bin/python3 bench/level0.py --mib 200   # the issue's figure
"""

import argparse
import asyncio
import json
import os
import subprocess
import time

import common
from harness import FFMPEG, Service, connect, level0_job

FRAME_BYTES = 640 * 360 * 3 // 2   # yuv420p: lossless noise takes about as much


def make_input(mib):
    path = os.path.join(common.SCRATCH, f"noise-{mib}MiB.mp4")
    if not os.path.exists(path):
        frames = max(1, mib * 2**20 // FRAME_BYTES)
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-frames:v", str(frames),
                        "-vf", "noise=alls=100:allf=t", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
                        "-pix_fmt", "yuv420p", path], check=True)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=50)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    path = make_input(args.mib)
    with open(path, "rb") as f:
        data = f.read()
    size = len(data)
    with Service("--log-level", "warning", "--max-file-size", "1G", "--max-binary-message-size", "1G",
                 "--level0-output-limit", "1G", "--receive-budget", "2G", "--level0-output-budget", "2G") as service:
        idle_peak = service.peak_rss_bytes()

        async def one():
            async with connect(service.ws_url) as ws:
                began = time.perf_counter()
                result = await level0_job(ws, {"type": "start_job", "job_id": "big", "operation": "remove_audio",
                                               "input": {"source": "upload"}},
                                          uploads=[("in.mp4", data)], timeout=600)
                if result.error or len(result.outputs) != 1:
                    raise RuntimeError(f"the level 0 job failed: {result.error or result.types}")
                return time.perf_counter() - began, len(result.outputs[0][1])

        seconds, output_size = asyncio.run(one())
        data = None
        peak = service.peak_rss_bytes()
    result = {"name": "B6", "what": f"level 0 upload and delivery of {size / 2**20:.0f} MiB (one message each way)",
              "file_bytes": size, "output_bytes": output_size, "idle_peak_rss_bytes": idle_peak,
              "peak_rss_bytes": peak, "peak_over_file": peak / size, "seconds": seconds}
    print(f"B6 level 0, {size / 2**20:.0f} MiB up and {output_size / 2**20:.0f} MiB down in {seconds:.1f} s: "
          f"service peak RSS {peak / 2**20:.0f} MiB (idle {idle_peak / 2**20:.0f} MiB) = "
          f"{peak / size:.2f} x the file size")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
