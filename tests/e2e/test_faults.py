# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults from outside the service (issue 8): ffmpeg killed or hanging, the temp file system
full, clients vanishing at every stage, download servers that misbehave, SIGTERM with a busy
queue. Each must end in the state docs/protocol.md and docs/operations.md describe ("Faults and
what they leave behind"), with the service healthy and nothing of the job left behind.

What is fake here, and why: the hanging ffmpeg is a script given as --ffmpeg (real ffmpeg
cannot be made to hang on demand); it hands the service's start-up version check to the real
ffmpeg and sleeps on any job. Everything else is real: ffmpeg, a tmpfs mounted for the test
(the test fails, not skips, when it cannot be mounted), loopback HTTP servers, sockets.
"""

import asyncio
import os
import shutil
import signal
import socketserver
import stat
import subprocess
import tempfile
import threading
import unittest

from harness import (FFMPEG, Service, async_test, connect, frame, main, make_audio, make_video, recv_any, recv_json,
                     request)
from hostile_support import MIB, assert_healthy, dumps, job_end, until, wait_for

_WORK = tempfile.TemporaryDirectory(prefix="mediaforge-faults-")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def upload_job(job_id, operation, options, size=None, detach=False, filename="clip.mp4"):
    source = {"source": "upload", "filename": filename}
    if size is not None:
        source["size"] = size
    return {"type": "start_job", "job_id": job_id, "operation": operation, "options": options, "input": source,
            "detach": detach}


async def processing(ws, job_id, timeout=120):
    """Waits until the job's ffmpeg has reported progress."""
    return await until(ws, lambda m: m.get("job_id") == job_id and (
        (m.get("type") == "progress" and m.get("stage") == "processing" and m.get("out_time_seconds", 0) > 0)
        or m.get("type") in ("error", "completed")), timeout)


class FfmpegFaults(unittest.TestCase):
    @async_test
    async def test_ffmpeg_killed_with_sigkill_fails_the_job_as_resource_limit_and_leaves_nothing(self):
        clip = read(make_video(seconds=30.0, size="640x360"))
        with Service("--max-concurrent-jobs", "1") as service:
            async with connect(service.ws_url) as ws:
                await ws.send(dumps(upload_job("victim", "compress", {"preset": "high"})))
                await ws.send(frame({"job_id": "victim", "filename": "clip.mp4"}, clip))
                seen = await processing(ws, "victim")
                self.assertEqual(seen["type"], "progress", seen)
                children = service.ffmpeg_children()
                self.assertTrue(children, "no ffmpeg child while processing")
                for pid in children:
                    os.kill(pid, signal.SIGKILL)
                end = await job_end(ws, "victim")
                # Killed by someone else than the service (here the test, in life the OOM killer).
                self.assertEqual((end["type"], end.get("code")), ("error", "RESOURCE_LIMIT"), end)
                self.assertEqual(end["details"]["reason"], "killed", end)
                await assert_healthy(self, service, what="after SIGKILL of ffmpeg")
                # The slot is free again: the next job runs normally.
                again = await request(ws, upload_job("next", "probe", {}))
                self.assertEqual(again["type"], "ack", again)
                await ws.send(frame({"job_id": "next", "filename": "clip.mp4"}, clip))
                self.assertEqual((await job_end(ws, "next"))["type"], "completed")

    @async_test
    async def test_a_hanging_ffmpeg_is_stopped_by_the_stall_watchdog(self):
        # Fake (see the module comment): the real ffmpeg answers -version, any job hangs.
        fake = os.path.join(_WORK.name, "hanging-ffmpeg")
        with open(fake, "w") as f:
            f.write(f"#!/bin/sh\ncase \" $* \" in *\" -version \"*) exec {FFMPEG} \"$@\";; esac\nexec sleep 3600\n")
        os.chmod(fake, os.stat(fake).st_mode | stat.S_IXUSR)
        clip = read(make_video(seconds=2.0))
        with Service("--ffmpeg", fake, "--stall-seconds", "2") as service:
            async with connect(service.ws_url) as ws:
                await ws.send(dumps(upload_job("hang", "compress", {})))
                await ws.send(frame({"job_id": "hang", "filename": "clip.mp4"}, clip))
                end = await job_end(ws, "hang", timeout=120)
                self.assertEqual(end.get("code"), "TIMEOUT", end)
                self.assertEqual(end["details"]["reason"], "stalled", end)
                self.assertTrue(await wait_for(lambda: not service.job_processes(), 30),
                                f"processes left: {service.job_processes()}")
                # What stays is the idle prober that probed the input (the pool keeps one per
                # worker slot at most; one job probed one file at a time here).
                self.assertLessEqual(len(service.probers()), 1, service.probers())
                await assert_healthy(self, service, what="after the hanging ffmpeg")


class FullDisk(unittest.TestCase):
    @async_test
    async def test_a_full_temp_file_system_fails_the_job_and_frees_the_space(self):
        # A 4 MiB tmpfs as the temp dir: the 1 MB input fits, its 10 MB WAV output does not.
        audio = read(make_audio(seconds=60.0))
        # No free-space floor here: this test is about ffmpeg meeting a full disk (the floor,
        # which refuses input before that, is test_disk_limits.py's).
        service = Service("--max-concurrent-jobs", "1", "--min-free-disk", "0")
        os.makedirs(service.work_dir)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", service.work_dir],
                                 capture_output=True, text=True)
        self.assertEqual(mounted.returncode, 0, f"cannot mount a small tmpfs for this test: {mounted.stderr}")
        try:
            with service:
                async with connect(service.ws_url) as ws:
                    await ws.send(dumps(upload_job("full", "extract_audio", {"format": "wav"}, filename="tone.mp3")))
                    await ws.send(frame({"job_id": "full", "filename": "tone.mp3"}, audio))
                    end = await job_end(ws, "full")
                    self.assertEqual((end["type"], end.get("code")), ("error", "FFMPEG_FAILED"), end)
                    self.assertIn("No space left on device", end["details"]["stderr"])
                    await assert_healthy(self, service, what="after the disk filled")
                    self.assertLess(shutil.disk_usage(service.work_dir).used, MIB)
                    # The space is back: a job that fits runs.
                    await ws.send(dumps(upload_job("fits", "extract_audio", {"format": "mp3", "bitrate_kbps": 64},
                                                   filename="tone.mp3")))
                    await ws.send(frame({"job_id": "fits", "filename": "tone.mp3"}, audio))
                    self.assertEqual((await job_end(ws, "fits"))["type"], "completed")
        finally:
            subprocess.run(["umount", "-l", service.work_dir], check=False)


class VanishingClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service("--max-concurrent-jobs", "1", "--retention", "2").__enter__()
        cls.clip = read(make_video(seconds=30.0, size="640x360"))

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    async def vanish(self, ws):
        ws.transport.abort()     # no close handshake: the peer is simply gone

    def job_count(self, outcome):
        from hostile_support import jobs_total, metrics
        return jobs_total(metrics(self.service), outcome)

    @async_test
    async def test_client_vanishing_mid_upload_cancels_the_job(self):
        before = self.job_count("cancelled")
        ws = await connect(self.service.ws_url)
        await request(ws, {"type": "hello", "protocol": 1})
        ack = await request(ws, upload_job("up", "compress", {}, size=len(self.clip)))
        await ws.send(frame({"job_id": "up", "offset": 0, "final": False}, self.clip[:MIB]))
        await until(ws, lambda m: m.get("type") == "progress" and m.get("bytes", 0) > 0)
        self.assertEqual(len(self.service.job_dirs()), 1)
        await self.vanish(ws)
        self.assertTrue(await wait_for(lambda: self.job_count("cancelled") == before + 1, 30), ack)
        await assert_healthy(self, self.service, what="after a vanished uploader")

    @async_test
    async def test_client_vanishing_mid_processing_cancels_the_job_and_kills_ffmpeg(self):
        before = self.job_count("cancelled")
        ws = await connect(self.service.ws_url)
        await ws.send(dumps(upload_job("proc", "compress", {"preset": "high"})))
        await ws.send(frame({"job_id": "proc", "filename": "clip.mp4"}, self.clip))
        self.assertEqual((await processing(ws, "proc"))["type"], "progress")
        self.assertTrue(self.service.ffmpeg_children())
        await self.vanish(ws)
        self.assertTrue(await wait_for(lambda: self.job_count("cancelled") == before + 1, 30))
        await assert_healthy(self, self.service, what="after a vanished client mid-processing")

    @async_test
    async def test_client_vanishing_mid_delivery_leaves_the_job_completed_until_its_outputs_expire(self):
        # A raw-video output of several MiB sent in 64 KiB chunks to a client that reads one
        # chunk and disappears. The job completed: its outputs stay fetchable for the retention
        # period (2 s here) and are then removed.
        big = os.path.join(_WORK.name, "raw.mkv")
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=320x240:rate=25:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
                        "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", big], check=True)
        data = read(big)
        ws = await connect(self.service.ws_url, max_queue=1)
        await request(ws, {"type": "hello", "protocol": 1})
        ack = await request(ws, upload_job("dl", "remove_audio", {}, filename="raw.mkv"))
        await ws.send(frame({"job_id": "dl", "filename": "raw.mkv"}, data))
        while True:
            message = await recv_any(ws, 120)
            if isinstance(message, bytes):
                break
            self.assertNotEqual(message.get("type"), "error", message)
        await self.vanish(ws)
        async with connect(self.service.ws_url) as other:
            await request(other, {"type": "hello", "protocol": 1})
            job = (await request(other, {"type": "get_job", "id": ack["id"]}))["job"]
            self.assertEqual(job["status"], "completed", job)
        await assert_healthy(self, self.service, what="after a vanished client mid-delivery")


class _Misbehaving(socketserver.ThreadingTCPServer):
    """A loopback HTTP/1.1 server whose answers break the rules on purpose, by path."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, clip):
        self.clip = clip
        self.finished = {}       # path -> how the server side of that request ended
        super().__init__(("127.0.0.1", 0), _MisbehavingHandler)

    def url(self, path):
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _MisbehavingHandler(socketserver.BaseRequestHandler):
    def handle(self):
        request = b""
        while b"\r\n\r\n" not in request:
            piece = self.request.recv(4096)
            if not piece:
                return
            request += piece
        path = request.split(b" ", 2)[1].decode()
        clip = self.server.clip
        s = self.request
        outcome = "ended"
        try:
            if path == "/stall":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(clip) + clip[:10000])
                s.settimeout(120)
                s.recv(1)                      # nothing more until the service gives up
            elif path == "/drop":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(clip) + clip[:10000])
            elif path == "/short-length":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + clip)
            elif path == "/long-length":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (len(clip) + 100000) + clip)
            elif path in ("/endless-chunked", "/endless"):
                chunked = path == "/endless-chunked"
                head = b"Transfer-Encoding: chunked\r\n" if chunked else b"Connection: close\r\n"
                s.sendall(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n")
                block = b"\x47" + b"\xff" * 65535
                s.settimeout(60)
                while True:
                    s.sendall((b"%x\r\n" % len(block) + block + b"\r\n") if chunked else block)
            elif path == "/too-long-declared":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 107374182400\r\n\r\n" + clip[:1000])
                s.settimeout(60)
                s.recv(1)
        except OSError as e:
            outcome = type(e).__name__
        finally:
            self.server.finished[path] = outcome


class MisbehavingDownloads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clip = read(make_video(seconds=2.0))
        cls.server = _Misbehaving(cls.clip)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.service = Service("--allow-private-urls", "--stall-seconds", "3", "--max-file-size", "4M").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        cls.server.shutdown()
        cls.server.server_close()

    async def download(self, path):
        async with connect(self.service.ws_url) as ws:
            ack = await request(ws, {"type": "start_job", "job_id": "dl", "operation": "probe",
                                     "input": {"source": "url", "url": self.server.url(path)}})
            if ack["type"] == "error":
                return ack
            end = await job_end(ws, "dl", timeout=120)
        await assert_healthy(self, self.service, what=path)
        # The service let go of the server's connection.
        self.assertTrue(await wait_for(lambda: path in self.server.finished, 60), f"{path} still served")
        return end

    @async_test
    async def test_a_stalling_server_times_the_download_out(self):
        end = await self.download("/stall")
        self.assertEqual((end.get("code"), end["details"]["reason"]), ("TIMEOUT", "stalled"), end)

    @async_test
    async def test_a_dropped_connection_fails_the_download(self):
        end = await self.download("/drop")
        self.assertEqual(end.get("code"), "DOWNLOAD_FAILED", end)

    @async_test
    async def test_a_content_length_longer_than_the_body_fails_the_download(self):
        end = await self.download("/long-length")
        self.assertEqual(end.get("code"), "DOWNLOAD_FAILED", end)

    @async_test
    async def test_a_content_length_shorter_than_the_body_keeps_only_what_was_declared(self):
        # The service cannot tell; it takes the declared 1000 bytes, which are no media.
        end = await self.download("/short-length")
        self.assertEqual(end.get("code"), "UNSUPPORTED_INPUT", end)

    @async_test
    async def test_an_endless_body_stops_at_the_size_limit(self):
        for path in ("/endless", "/endless-chunked"):
            with self.subTest(path=path):
                end = await self.download(path)
                self.assertEqual(end.get("code"), "TOO_LARGE", end)
                self.assertEqual(end["details"]["max_bytes"], 4 * MIB, end)

    @async_test
    async def test_a_declared_length_over_the_limit_is_refused_before_the_body(self):
        end = await self.download("/too-long-declared")
        self.assertEqual(end.get("code"), "TOO_LARGE", end)
        self.assertEqual(end["details"]["content_length"], 107374182400, end)


class Shutdown(unittest.TestCase):
    @async_test
    async def test_sigterm_with_a_busy_queue_ends_every_job_and_exits_cleanly(self):
        clip = read(make_video(seconds=30.0, size="640x360"))
        service = Service("--max-concurrent-jobs", "1", "--drain-seconds", "2")
        with service:
            ws = await connect(service.ws_url)
            ids = [f"q{i}" for i in range(4)]
            for job_id in ids:
                await ws.send(dumps(upload_job(job_id, "compress", {"preset": "high"})))
                await ws.send(frame({"job_id": job_id, "filename": "clip.mp4"}, clip))
            self.assertEqual((await processing(ws, "q0"))["type"], "progress")
            service.process.send_signal(signal.SIGTERM)
            ends, general = {}, []
            try:
                while len(ends) < len(ids):
                    message = await recv_json(ws, 60)
                    if message.get("type") in ("error", "completed"):
                        if message.get("job_id") in ids:
                            self.assertNotIn(message["job_id"], ends, "two terminal messages for one job")
                            ends[message["job_id"]] = message.get("code", message["type"])
                        else:
                            general.append(message.get("code"))
                await asyncio.wait_for(ws.wait_closed(), 60)
            finally:
                await ws.close()
            self.assertEqual(general, ["SHUTTING_DOWN"])
            # The queued jobs never started; the running one had the 2 s drain to finish in
            # (a fast machine may make it) and was cancelled otherwise.
            self.assertIn(ends.pop("q0"), ("completed", "SHUTTING_DOWN"))
            self.assertEqual(ends, {job_id: "SHUTTING_DOWN" for job_id in ids[1:]})
            self.assertEqual(ws.close_code, 1001)
            self.assertEqual(service.process.wait(60), 0)
            self.assertEqual(service.job_dirs(), [])
            leftovers = subprocess.run(["pgrep", "-f", service.work_dir], capture_output=True, text=True).stdout
            self.assertEqual(leftovers.strip(), "", "a process of the stopped service still runs")


if __name__ == "__main__":
    main()
