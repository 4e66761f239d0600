# SPDX-License-Identifier: GPL-3.0-or-later
"""What happens around a job: cancel and timeout kill ffmpeg and remove the files, bad inputs
fail with typed errors, SIGTERM drains, a crash's leftovers are swept at start-up, and a level 0
client whose output is too big for one message is pointed at HTTP, where Range works."""

import asyncio
import json
import os
import signal
import time
import unittest

from harness import (Service, async_test, connect, frame, level0_job, main, make_video, recv_json, request, sha256)


def long_clip():
    return open(make_video(seconds=30.0, size="640x360"), "rb").read()


async def start_processing(ws, job_id, data, options=None, operation="compress"):
    await ws.send(json.dumps({"type": "start_job", "job_id": job_id, "operation": operation,
                              "options": options or {"preset": "low"}, "input": {"source": "upload"}}))
    await ws.send(frame({"job_id": job_id, "filename": "long.mp4"}, data))
    while True:
        message = await recv_json(ws)
        if message.get("job_id") == job_id and message.get("stage") == "processing" and message["percentage"] > 0:
            return message
        if message.get("type") == "error":
            raise AssertionError(message)


class Lifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # No short --job-timeout here: under a loaded machine it would race the cancel below.
        cls.service = Service("--level0-output-limit", "64K").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    def assertClean(self):
        self.assertEqual(self.service.wait_clean(), [])
        self.assertEqual(self.service.health()[0], 200)

    @async_test
    async def test_cancel_kills_ffmpeg_and_removes_files(self):
        async with connect(self.service.ws_url) as ws:
            await start_processing(ws, "c1", long_clip())
            pids = self.service.ffmpeg_children()
            self.assertTrue(pids)
            started = time.monotonic()
            await ws.send(json.dumps({"type": "cancel_job", "job_id": "c1", "request_id": "cx"}))
            # Waits on the events with generous bounds: ctest --parallel loads every core, so a
            # wall-clock bound of a second would fail on a busy machine, not on a broken cancel.
            reply = await recv_json(ws, timeout=30)
            elapsed = time.monotonic() - started
            self.assertEqual((reply["type"], reply["code"], reply["job_id"], reply["request_id"]),
                             ("error", "JOB_CANCELLED", "c1", "cx"))
            deadline = time.monotonic() + 30
            while any(os.path.exists(f"/proc/{pid}") for pid in pids) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            self.assertFalse([pid for pid in pids if os.path.exists(f"/proc/{pid}")], "ffmpeg is gone")
            print(f"cancel: reply after {elapsed * 1000:.0f} ms, ffmpeg gone after "
                  f"{(time.monotonic() - started) * 1000:.0f} ms")
            # Nothing more arrives for the cancelled job.
            await ws.send(json.dumps({"type": "ping"}))
            self.assertEqual((await recv_json(ws))["type"], "pong")
            again = await request(ws, {"type": "cancel_job", "job_id": "c1"})
            self.assertEqual(again["code"], "CANCEL_FAILED")
        self.assertClean()


    @async_test
    async def test_corrupt_input_is_unsupported_and_playlists_are_never_followed(self):
        secret = os.path.join(self.service.temp_dir, "secret.mp4")
        os.mkfifo(secret)   # opening it would block: proof that nothing followed the playlist
        cases = [("garbage.mp4", os.urandom(4096)),
                 ("empty.mp4", b""),
                 ("list.m3u8", f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:{secret}\n#EXT-X-ENDLIST\n".encode()),
                 ("list.mpd", b'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"></MPD>'),
                 ("list.ffconcat", f"ffconcat version 1.0\nfile '{secret}'\n".encode())]
        async with connect(self.service.ws_url) as ws:
            for name, data in cases:
                with self.subTest(name=name):
                    result = await level0_job(ws, {"type": "start_job", "job_id": name, "operation": "convert",
                                                   "options": {"target_format": "mkv"},
                                                   "input": {"source": "upload", "filename": name}},
                                              [(name, data)], timeout=30)
                    self.assertIsNotNone(result.error)
                    self.assertEqual(result.error["code"], "UNSUPPORTED_INPUT", result.error)
        self.assertClean()

    @async_test
    async def test_level0_output_above_the_limit_points_to_http_with_range(self):
        data = open(make_video(seconds=2.0), "rb").read()
        async with connect(self.service.ws_url) as ws:
            result = await level0_job(ws, {"type": "start_job", "job_id": "big", "operation": "remove_audio",
                                           "input": {"source": "upload"}}, [("b.mp4", data)])
        self.assertEqual(result.error["code"], "TOO_LARGE")
        self.assertIn("fetch_output", result.error["message"])
        url = result.error["details"]["http_url"]
        path = url[len(self.service.http_url):]
        status, headers, whole = self.service.http_get(path)
        self.assertEqual(status, 200)
        self.assertEqual(headers["Accept-Ranges"], "bytes")
        status, headers, part = self.service.http_get(path, {"Range": "bytes=100-199"})
        self.assertEqual(status, 206)
        self.assertEqual(part, whole[100:200])
        self.assertEqual(headers["Content-Range"], f"bytes 100-199/{len(whole)}")
        status, _, tail = self.service.http_get(path, {"Range": "bytes=-50"})
        self.assertEqual((status, tail), (206, whole[-50:]))
        status, headers, _ = self.service.http_get(path, {"Range": f"bytes={len(whole)}-"})
        self.assertEqual(status, 416)
        self.assertEqual(headers["Content-Range"], f"bytes */{len(whole)}")


class JobTimeout(unittest.TestCase):
    def test_job_timeout_fails_with_timeout_and_cleans_up(self):
        with Service("--job-timeout", "2") as service:
            async def scenario():
                async with connect(service.ws_url) as ws:
                    await ws.send(json.dumps({"type": "start_job", "job_id": "t1", "operation": "compress",
                                              "options": {"preset": "custom", "crf": 18},
                                              "input": {"source": "upload"}}))
                    await ws.send(frame({"job_id": "t1", "filename": "long.mp4"}, long_clip()))
                    stages = []
                    while True:
                        message = await recv_json(ws, timeout=120)
                        if message.get("job_id") == "t1" and message.get("stage"):
                            stages.append(message["stage"])
                        if message.get("type") in ("error", "completed"):
                            return message, stages
            message, stages = asyncio.run(scenario())
            self.assertEqual(message["code"], "TIMEOUT", message)
            self.assertEqual(message["details"]["reason"], "time_limit")
            self.assertIn("processing", stages)
            self.assertEqual(service.wait_clean(timeout=30), [])
            self.assertEqual(service.health()[0], 200)


class Limits(unittest.TestCase):
    @async_test
    async def test_connections_beyond_the_limit_are_closed_with_4029(self):
        import websockets
        with Service("--max-connections", "2") as service:
            first = await connect(service.ws_url)
            second = await connect(service.ws_url)
            third = await connect(service.ws_url)
            with self.assertRaises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(third.recv(), 10)
            self.assertEqual(closed.exception.code, 4029)
            # The others are unaffected.
            for ws in (first, second):
                self.assertEqual((await request(ws, {"type": "ping"}))["type"], "pong")
                await ws.close()
            # A slot frees up when a connection leaves: as soon as the service has seen the close,
            # which on a busy machine may take a while (retried, not a fixed sleep).
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with connect(service.ws_url) as fourth:
                        self.assertEqual((await request(fourth, {"type": "ping"}))["type"], "pong")
                    break
                except websockets.ConnectionClosed as refused:
                    self.assertEqual(refused.code, 4029)
                    self.assertLess(time.monotonic(), deadline, "the slot was never freed")
                    await asyncio.sleep(0.1)


class Shutdown(unittest.TestCase):
    def test_start_up_sweeps_what_a_crash_left(self):
        service = Service()
        os.makedirs(os.path.join(service.work_dir, "job-deadbeef", "sub"))
        open(os.path.join(service.work_dir, "job-deadbeef", "input-0.mp4"), "wb").write(b"x" * 1000)
        open(os.path.join(service.work_dir, "unrelated.txt"), "w").write("operator's file")
        with service:
            self.assertEqual(service.job_dirs(), [])
            self.assertTrue(os.path.exists(os.path.join(service.work_dir, "unrelated.txt")))

    def test_sigterm_drains_running_jobs_then_exits_zero(self):
        data = open(make_video(seconds=3.0), "rb").read()
        with Service("--drain-seconds", "30") as service:
            async def scenario():
                async with connect(service.ws_url) as ws:
                    await start_processing(ws, "drain", data, options={"preset": "medium"})
                    waiting = await request(ws, {"type": "start_job", "job_id": "waiting", "operation": "probe",
                                                 "input": {"source": "upload"}})
                    self.assertEqual(waiting["type"], "ack")
                    service.process.send_signal(signal.SIGTERM)
                    seen = {}
                    outputs = 0
                    while True:
                        try:
                            message = await asyncio.wait_for(ws.recv(), 60)
                        except Exception:
                            break
                        if isinstance(message, bytes):
                            outputs += 1
                            continue
                        message = json.loads(message)
                        if message["type"] in ("error", "completed"):
                            seen[message.get("job_id", "")] = message
                    return seen, outputs
            seen, outputs = asyncio.run(scenario())
            self.assertEqual(seen["waiting"]["code"], "SHUTTING_DOWN")   # not started: cancelled at once
            self.assertEqual(seen[""]["code"], "SHUTTING_DOWN")          # the notice to every connection
            self.assertEqual(seen["drain"]["type"], "completed")          # running: allowed to finish
            self.assertEqual(outputs, 1)
            self.assertEqual(service.process.wait(30), 0)


if __name__ == "__main__":
    main()
