# SPDX-License-Identifier: GPL-3.0-or-later
"""Every error code of PROTOCOL.md, produced by the request that should produce it. After each
one the service answers /health with 200 and its temp dir holds no file of a finished job."""

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import (FFMPEG, MediaHttpServer, Service, async_test, connect, frame, level0_job, main, make_video,
                     recv_json, request)

ADMIN = "admin-token-0123456789abcdef"
CLIENT = "client-token-0123456789abcd"
QUOTA_CLIENT = "quota-token-0123456789abcdef"


_WORK = tempfile.TemporaryDirectory(prefix="mediaforge-errors-")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def media(name, *args):
    """Small special-purpose inputs made with ffmpeg at test time."""
    path = os.path.join(_WORK.name, name)
    if not os.path.exists(path):
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args, path], check=True)
    return path


def resolution_change():
    # A transport stream whose picture shrinks half-way: probed as 640x480, so a 600x400 crop is
    # valid up front and fails inside ffmpeg when the small pictures arrive.
    big = media("big.ts", "-f", "lavfi", "-i", "testsrc2=size=640x480:duration=1", "-c:v", "libx264",
                "-preset", "ultrafast")
    small = media("small.ts", "-f", "lavfi", "-i", "testsrc2=size=320x240:duration=1", "-c:v", "libx264",
                  "-preset", "ultrafast")
    return read(big) + read(small)


def empty_subtitles():
    late = os.path.join(_WORK.name, "late.srt")
    with open(late, "w") as f:
        f.write("1\n01:00:00,000 --> 01:00:01,000\nlate\n\n")
    return read(media("emptysub.mkv", "-f", "lavfi", "-i", "testsrc2=size=320x240:duration=2", "-i", late,
                      "-map", "0:v", "-map", "1:s", "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "srt",
                      "-t", "2"))


async def until_error(ws, job_id=None, timeout=60):
    while True:
        message = await recv_json(ws, timeout)
        if message.get("type") == "error" and (job_id is None or message.get("job_id") == job_id):
            return message


async def hello(ws):
    reply = await request(ws, {"type": "hello", "protocol": 1})
    assert reply["type"] == "welcome", reply


def start(job_id, operation="probe", options=None, **input_fields):
    return {"type": "start_job", "job_id": job_id, "operation": operation, "options": options or {},
            "input": {"source": "upload", **input_fields}}


class ErrorTable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.www = tempfile.mkdtemp(prefix="mediaforge-www-")
        cls.http = MediaHttpServer(cls.www).__enter__()
        tokens = os.path.join(cls.www, "tokens")
        with open(tokens, "w") as f:
            f.write(f"admin {ADMIN} ops\nclient {CLIENT} alice\nclient {QUOTA_CLIENT} small max_input_bytes=1M\n")
        cls.services = {
            "main": Service("--allow-private-urls", "--max-file-size", "16M", "--max-jobs-per-connection", "3",
                            "--retention", "1").__enter__(),
            # A short job timeout of its own: on "main" it would race the other cases' jobs
            # while ctest --parallel keeps the machine busy.
            "timeout": Service("--job-timeout", "2").__enter__(),
            "rate": Service("--jobs-per-minute", "2").__enter__(),
            "auth": Service("--tokens-file", tokens).__enter__(),
            # 512 MiB of address space loads ffmpeg but is too little for x264 at 8K; a 1 MiB
            # disk budget holds a small clip but refuses a declared 2 MiB.
            "limits": Service("--ffmpeg-memory-limit", "512M", "--disk-budget", "1M").__enter__(),
        }
        cls.clip = read(make_video(seconds=1.0))
        cls.long = read(make_video(seconds=30.0, size="640x360"))

    @classmethod
    def tearDownClass(cls):
        for service in cls.services.values():
            service.__exit__(None, None, None)
        cls.http.__exit__(None, None, None)
        shutil.rmtree(cls.www, ignore_errors=True)

    # Each case returns the error message it provoked.

    async def invalid_json(self, s):
        async with connect(s.ws_url) as ws:
            await ws.send("{not json")
            return await recv_json(ws)

    async def validation_error(self, s):
        async with connect(s.ws_url) as ws:
            reply = await request(ws, start("v", "compress", {"crf": 99}))
            self.assertEqual(reply["details"][0]["path"], "options.crf")
            self.assertEqual(reply["job_id"], "v")
            return reply

    async def unknown_message_type(self, s):
        async with connect(s.ws_url) as ws:
            return await request(ws, {"type": "frobnicate"})

    async def submit_failed(self, s):
        # The service cannot create the job's directory: its temp dir became a file.
        shutil.rmtree(s.work_dir)
        open(s.work_dir, "w").close()
        try:
            async with connect(s.ws_url) as ws:
                return await request(ws, start("sf"))
        finally:
            os.unlink(s.work_dir)
            os.mkdir(s.work_dir)

    async def job_failed(self, s):
        async with connect(s.ws_url) as ws:
            result = await level0_job(ws, start("jf", "extract_subtitles", {"format": "srt"}),
                                      [("e.mkv", empty_subtitles())])
            return result.error

    async def job_cancelled(self, s):
        async with connect(s.ws_url) as ws:
            await request(ws, start("jc"))
            return await request(ws, {"type": "cancel_job", "job_id": "jc"})

    async def cancel_failed(self, s):
        async with connect(s.ws_url) as ws:
            return await request(ws, {"type": "cancel_job", "job_id": "never-started"})

    async def invalid_binary(self, s):
        async with connect(s.ws_url) as ws:
            await ws.send(b"\x00\x00")
            return await recv_json(ws)

    async def binary_error(self, s):
        async with connect(s.ws_url) as ws:
            result = await level0_job(ws, start("be", size=len(self.clip) + 10), [("c.mp4", self.clip)])
            return result.error

    async def output_send_failed(self, s):
        async with connect(s.ws_url) as ws:
            await hello(ws)
            ack = await request(ws, {**start("osf", "remove_audio"), "detach": True})
            await ws.send(frame({"job_id": "osf", "offset": 0, "final": True}, self.clip))
            while (await recv_json(ws)).get("type") != "completed":
                pass
            job_dir = os.path.join(s.work_dir, "job-" + ack["id"])
            for name in os.listdir(job_dir):
                os.unlink(os.path.join(job_dir, name))   # the output vanished under the service
            reply = await request(ws, {"type": "fetch_output", "id": ack["id"]})
            if reply["type"] != "error":
                reply = await until_error(ws)
            return reply

    async def internal_error(self, s):
        async with connect(s.ws_url) as ws:
            ack = await request(ws, start("ie"))
            shutil.rmtree(os.path.join(s.work_dir, "job-" + ack["id"]))   # nowhere to store the upload
            await ws.send(frame({"job_id": "ie", "filename": "c.mp4"}, self.clip))
            return await until_error(ws, "ie")

    async def unauthorized(self, s):
        async with connect(s.ws_url) as ws:
            await ws.send(json.dumps({"type": "ping"}))
            return await recv_json(ws)

    async def forbidden(self, s):
        async with connect(s.ws_url, extra_headers={"Authorization": f"Bearer {CLIENT}"}) as ws:
            return await request(ws, {"type": "subscribe"})

    async def quota_exceeded(self, s):
        async with connect(s.ws_url, extra_headers={"Authorization": f"Bearer {QUOTA_CLIENT}"}) as ws:
            reply = await request(ws, start("quota", size=2 * 1024 * 1024))
            self.assertEqual(reply["details"]["quota"], "max_input_bytes")
            self.assertEqual(reply["details"]["limit"], 1024 * 1024)
            return reply

    async def not_found(self, s):
        async with connect(s.ws_url) as ws:
            return await request(ws, {"type": "get_job", "id": "0123456789abcdef01234567"})

    async def duplicate_job(self, s):
        async with connect(s.ws_url) as ws:
            await request(ws, start("dup"))
            return await request(ws, start("dup"))

    async def invalid_state(self, s):
        async with connect(s.ws_url) as ws:
            await request(ws, start("is"))
            return await request(ws, {"type": "fetch_output", "job_id": "is"})

    async def too_large(self, s):
        async with connect(s.ws_url) as ws:
            return await request(ws, start("tl", size=17 * 1024 * 1024))

    async def bad_offset(self, s):
        async with connect(s.ws_url) as ws:
            await hello(ws)
            await request(ws, start("bo"))
            await ws.send(frame({"job_id": "bo", "offset": 10, "final": False}, b"abc"))
            return await until_error(ws, "bo")

    async def queue_full(self, s):
        async with connect(s.ws_url) as ws:
            for i in range(3):
                await request(ws, start(f"q{i}"))
            return await request(ws, start("q3"))

    async def rate_limited(self, s):
        async with connect(s.ws_url) as ws:
            for i in range(2):
                await request(ws, start(f"r{i}"))
                await request(ws, {"type": "cancel_job", "job_id": f"r{i}"})
            return await request(ws, start("r2"))

    async def unsupported_input(self, s):
        async with connect(s.ws_url) as ws:
            return (await level0_job(ws, start("ui"), [("x.mp4", os.urandom(8192))])).error

    async def download_failed(self, s):
        async with connect(s.ws_url) as ws:
            message = {"type": "start_job", "job_id": "df", "operation": "probe",
                       "input": {"source": "url", "url": self.http.url("status/404")}}
            reply = (await level0_job(ws, message)).error
            self.assertEqual(reply["details"]["status"], 404)
            return reply

    async def url_not_allowed(self, s):
        async with connect(s.ws_url) as ws:
            return await request(ws, {"type": "start_job", "job_id": "una", "operation": "probe",
                                      "input": {"source": "url", "url": "file:///etc/passwd"}})

    async def ffmpeg_failed(self, s):
        async with connect(s.ws_url) as ws:
            result = await level0_job(ws, start("ff", "filter", {"filters": [
                {"type": "crop", "width": 600, "height": 400, "x": 0, "y": 0}]}), [("ab.ts", resolution_change())])
            stderr = result.error["details"]["stderr"]
            self.assertIn("crop", stderr)
            self.assertNotIn(s.work_dir, stderr)   # service paths are redacted
            return result.error

    async def timeout(self, s):
        async with connect(s.ws_url) as ws:
            result = await level0_job(ws, start("to", "compress", {"preset": "high"}), [("l.mp4", self.long)])
            self.assertEqual(result.error["details"]["reason"], "time_limit")
            return result.error

    async def resource_limit(self, s):
        async with connect(s.ws_url) as ws:
            result = await level0_job(ws, start("rl", "filter", {"filters": [
                {"type": "scale", "width": 7680, "height": 4320}]}), [("c.mp4", self.clip)])
            self.assertEqual(result.error["details"]["reason"], "memory")
            return result.error

    async def insufficient_storage(self, s):
        async with connect(s.ws_url) as ws:
            reply = await request(ws, start("is", size=2 * 1024 * 1024))
            self.assertEqual(reply["details"]["limit"], "disk_budget")
            return reply

    async def shutting_down(self, s):
        with Service() as doomed:
            async with connect(doomed.ws_url) as ws:
                await request(ws, start("sd"))
                doomed.process.send_signal(signal.SIGTERM)
                return await until_error(ws, "sd")

    CASES = [
        ("INVALID_JSON", "main", invalid_json),
        ("VALIDATION_ERROR", "main", validation_error),
        ("UNKNOWN_MESSAGE_TYPE", "main", unknown_message_type),
        ("SUBMIT_FAILED", "main", submit_failed),
        ("JOB_FAILED", "main", job_failed),
        ("JOB_CANCELLED", "main", job_cancelled),
        ("CANCEL_FAILED", "main", cancel_failed),
        ("INVALID_BINARY", "main", invalid_binary),
        ("BINARY_ERROR", "main", binary_error),
        ("OUTPUT_SEND_FAILED", "main", output_send_failed),
        ("INTERNAL_ERROR", "main", internal_error),
        ("UNAUTHORIZED", "auth", unauthorized),
        ("FORBIDDEN", "auth", forbidden),
        ("NOT_FOUND", "main", not_found),
        ("DUPLICATE_JOB", "main", duplicate_job),
        ("INVALID_STATE", "main", invalid_state),
        ("TOO_LARGE", "main", too_large),
        ("BAD_OFFSET", "main", bad_offset),
        ("QUEUE_FULL", "main", queue_full),
        ("RATE_LIMITED", "rate", rate_limited),
        ("UNSUPPORTED_INPUT", "main", unsupported_input),
        ("DOWNLOAD_FAILED", "main", download_failed),
        ("URL_NOT_ALLOWED", "main", url_not_allowed),
        ("FFMPEG_FAILED", "main", ffmpeg_failed),
        ("TIMEOUT", "timeout", timeout),
        ("SHUTTING_DOWN", "main", shutting_down),
        ("RESOURCE_LIMIT", "limits", resource_limit),
        ("INSUFFICIENT_STORAGE", "limits", insufficient_storage),
        ("QUOTA_EXCEEDED", "auth", quota_exceeded),
    ]
    # Only a crash or a restart produces these; test_durability.py makes each happen for real
    # (SIGKILL, then a restart on the same data dir) and checks the code.
    RESTART_CODES = {"ATTEMPTS_EXHAUSTED", "FILES_LOST", "INTERRUPTED"}
    # Only a node of a cluster dying for good produces this; tests/cluster/tst_clusterpull.cpp kills
    # one for real (two nodes, one PostgreSQL) and checks the code.
    CLUSTER_CODES = {"NODE_LOST"}
    # Needs a PUT receiver that fails every try; test_output_targets.py runs one on loopback
    # and checks the code, its details and that the service stays clean.
    UPLOAD_CODES = {"OUTPUT_UPLOAD_FAILED"}

    def test_every_error_code_and_the_service_stays_healthy(self):
        codes = set()
        for code, service_name, case in self.CASES:
            with self.subTest(code=code):
                service = self.services[service_name]
                reply = asyncio.run(case(self, service))
                self.assertEqual(reply["type"], "error", reply)
                self.assertEqual(reply["code"], code, reply)
                self.assertTrue(reply["message"], reply)
                codes.add(code)
                self.assertEqual(service.health()[0], 200, f"{code}: unhealthy\n" + service.log_tail())
                # Retained outputs (detached jobs) expire after --retention 1.
                self.assertEqual(service.wait_clean(), [], f"{code}: files or processes left behind")
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "errorcode.cpp")) as f:
            source = f.read()
        documented = {line.split('"')[1] for line in source.splitlines() if "CodeName{ErrorCode::" in line}
        self.assertEqual(codes | self.RESTART_CODES | self.CLUSTER_CODES | self.UPLOAD_CODES, documented, "every error code has a case")
        with open(os.path.join(os.path.dirname(__file__), "test_durability.py")) as f:
            durability = f.read()
        for code in self.RESTART_CODES:
            self.assertIn(f'"{code}"', durability, f"{code}: no restart case in test_durability.py")
        with open(os.path.join(os.path.dirname(__file__), "..", "cluster", "tst_clusterpull.cpp")) as f:
            cluster = f.read()
        for code in self.CLUSTER_CODES:
            self.assertIn(f'"{code}"', cluster, f"{code}: no case in tests/cluster/tst_clusterpull.cpp")
        with open(os.path.join(os.path.dirname(__file__), "test_output_targets.py")) as f:
            targets = f.read()
        for code in self.UPLOAD_CODES:
            self.assertIn(f'"{code}"', targets, f"{code}: no case in test_output_targets.py")


if __name__ == "__main__":
    main()
