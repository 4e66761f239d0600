# SPDX-License-Identifier: GPL-3.0-or-later
"""A 1 GiB input uploaded in level 1 chunks and a 1 GiB output fetched in chunks, while the
service's peak resident memory stays under 100 MB (read from /proc/PID/status, VmHWM): memory
is bounded whatever the file size. Prints the loopback transfer rates."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import FFMPEG, Service, async_test, connect, frame, main, recv_any, request, rss_limit, unframe

GIB = 1024 * 1024 * 1024
CHUNK = 1024 * 1024
RSS_LIMIT = 100 * 1000 * 1000


class LargeFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="mediaforge-large-")
        free = shutil.disk_usage(cls.scratch).free
        if free < 4 * GIB:
            shutil.rmtree(cls.scratch)
            # A small disk fails the test: a skip would pass the suite without the proof.
            raise AssertionError(f"needs 4 GiB of free disk for a 1 GiB input and output, has {free // 2**20} MiB")
        # Uncompressed video: 640x480 yuv420p is 460,800 bytes a frame, so 2,330 frames make 1 GiB
        # in seconds, where an encoded file would take minutes to produce.
        cls.source = os.path.join(cls.scratch, "big.mkv")
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=640x480:rate=25", "-frames:v", "2330", "-c:v", "rawvideo",
                        "-pix_fmt", "yuv420p", cls.source], check=True)
        cls.size = os.path.getsize(cls.source)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    @async_test
    async def test_one_gib_in_and_out_in_chunks_with_bounded_memory(self):
        self.assertGreaterEqual(self.size, GIB)
        with Service("--max-file-size", "2G") as service:
            baseline_rss = service.rss_bytes()
            async with connect(service.ws_url) as ws:
                welcome = await request(ws, {"type": "hello", "protocol": 1, "client": "e2e-large"})
                chunk = welcome["limits"]["max_chunk_bytes"]
                ack = await request(ws, {"type": "start_job", "job_id": "big", "operation": "convert",
                                         "options": {"target_format": "mkv"},
                                         "input": {"source": "upload", "filename": "big.mkv", "size": self.size}})
                self.assertEqual(ack["type"], "ack", ack)
                started = time.monotonic()
                with open(self.source, "rb") as f:
                    offset = 0
                    while True:
                        data = f.read(chunk)
                        final = offset + len(data) >= self.size
                        await ws.send(frame({"job_id": "big", "offset": offset, "final": final}, data))
                        offset += len(data)
                        if final:
                            break
                completed = None
                digest = hashlib.sha256()
                received = 0
                first_output = None
                while True:
                    message = await recv_any(ws, timeout=300)
                    if isinstance(message, bytes):
                        header, payload = unframe(message)
                        if first_output is None:
                            first_output = time.monotonic()
                        self.assertEqual(header["offset"], received)
                        self.assertLessEqual(len(payload), chunk)
                        digest.update(payload)
                        received += len(payload)
                        continue
                    if message.get("type") == "error":
                        self.fail(f"{message}\n{service.log_tail()}")
                    if message.get("type") == "progress" and message["stage"] == "queued" and "upload_done" not in locals():
                        upload_done = time.monotonic()
                    if message.get("type") == "completed":
                        completed = message
                    if message.get("type") == "output_delivered":
                        break
                download_done = time.monotonic()
                output = completed["outputs"][0]
                self.assertEqual(received, output["size_bytes"])
                self.assertEqual(digest.hexdigest(), output["sha256"])
                self.assertGreaterEqual(received, GIB)
            peak = service.peak_rss_bytes()
            upload_rate = self.size / (upload_done - started) / 1e6
            download_rate = received / (download_done - first_output) / 1e6
            print(f"\nupload {self.size / 2**20:.0f} MiB at {upload_rate:.0f} MB/s; "
                  f"output {received / 2**20:.0f} MiB fetched at {download_rate:.0f} MB/s; "
                  f"service RSS at start {baseline_rss / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB")
            self.assertLess(peak, rss_limit(RSS_LIMIT), "the service held far more than a few chunks in memory")
            self.assertEqual(service.wait_clean(), [])


if __name__ == "__main__":
    main()
