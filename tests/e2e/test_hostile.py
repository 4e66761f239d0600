# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile inputs against the real mediaforged (issue 8): a table of a few hundred things an
attacker sends, each on a fresh connection, each answered with its exact typed error. After
every case the service must still be well: /health 200, no file of a finished job left in its
temp dir, no ffmpeg or ffprobe child running, resident memory bounded, and another client's job
(the bystander, uploading a chunk between cases) unharmed and finishing normally at the end.

Cases run against one service per group, the groups at the same time. The SSRF group runs WITHOUT
--allow-private-urls and only ever names loopback targets; a loopback HTTP server counts the
requests that reach it, and none may.
"""

import asyncio
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import unittest

import websockets

from harness import (FFMPEG, MediaHttpServer, Service, async_test, connect, frame, level0_job, main, make_video,
                     recv_any, rss_growth_limit)
from hostile_cases import (ADMIN, CLIENT, Case, auth_cases, batch_cases, binary_cases, disguised_cases, filename_cases, injection_cases,
                           job_id_cases, json_cases, number_cases, ssrf_cases, start, text, type_cases)
from hostile_support import MIB, Bystander, assert_healthy, dumps, reset_peak, tokens_file


_WORK = tempfile.TemporaryDirectory(prefix="mediaforge-hostile-")


def read(path):
    with open(path, "rb") as f:
        return f.read()


async def run_case(service, case):
    headers = {"Authorization": f"Bearer {case.token}"} if case.token else {}
    ws = await connect(service.ws_url, extra_headers=headers)
    final = None
    try:
        if case.hello:
            await ws.send(dumps({"type": "hello", "protocol": 1}))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert welcome["type"] == "welcome", welcome
        try:
            for item in case.send:
                await ws.send(item)
        except websockets.ConnectionClosed:
            pass    # what the service said before it closed is still read below
        outputs = None
        while True:
            message = await recv_any(ws, case.timeout)
            if isinstance(message, bytes):
                if outputs is not None:
                    outputs -= 1
                    if outputs == 0:
                        break
                continue
            kind = message.get("type")
            if kind == "error":
                final = message
                break
            if kind == "ack" and case.expect != "ack":
                # An upload job whose bytes this case never sends: the refusal it expected did
                # not come. Stop here (closing cancels the job) instead of waiting for nothing.
                if message.get("status") == "awaiting_upload" and not any(isinstance(i, bytes) for i in case.send):
                    final = message
                    break
                continue
            if kind in ("progress", "batch_progress"):
                continue
            if kind == "batch_ack" and case.expect != "batch_ack":
                continue    # the items' own answers follow
            final = message
            if kind == "completed" and message.get("outputs"):
                outputs = len(message["outputs"])
                continue
            break
        if case.then_close and final is not None and final.get("type") == "error":
            # The error must be followed by the close handshake, not by more traffic.
            try:
                while True:
                    await recv_any(ws, 30)
            except websockets.ConnectionClosed as closed:
                return f"{final['code']}+close:{closed.code}", final
    except websockets.ConnectionClosed as closed:
        if final is None:
            return f"close:{closed.code}", None
    finally:
        await ws.close()
    if final is None:
        return "nothing", None
    return (final["code"] if final.get("type") == "error" else final["type"]), final


async def run_table(test, service, cases, bystander=None, rss_bound=None, failures=None):
    """Runs the cases one after another on `service`. With `failures` (a list), a failing case
    is recorded there and the table goes on, so that several tables can run at once."""
    for case in cases:
        try:
            with (contextlib.nullcontext() if failures is not None else test.subTest(case=case.name)):
                got, final = await run_case(service, case)
                test.assertEqual(got, case.expect, f"{case.name}: {final}")
                if case.check and final is not None:
                    case.check(test, final)
                await assert_healthy(test, service, bystander, rss_bound, case.name)
        except (AssertionError, asyncio.TimeoutError, OSError, websockets.WebSocketException) as e:
            if failures is None:
                raise
            failures.append(f"{case.name}: {type(e).__name__}: {str(e)[:600]}")


class HostileGroup(unittest.TestCase):
    service_args = ()

    @classmethod
    def setUpClass(cls):
        cls.clip = read(make_video(seconds=1.0, size="160x120"))
        cls.service = Service("--jobs-per-minute", "0", "--max-chunk-size", "64K", "--max-file-size", "1M",
                              "--max-binary-message-size", "2M", "--max-concurrent-jobs", "1", *cls.service_args)
        cls.service.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    async def run_group(self, cases, token=None):
        self.assertGreater(len(cases), 0)
        bystander = Bystander(self.service, self.clip, token)
        await bystander.start()
        await run_table(self, self.service, cases, bystander)
        end = await bystander.finish()
        self.assertEqual(end["type"], "completed", end)
        self.assertEqual(end["result"]["streams"][0]["width"], 160)
        await assert_healthy(self, self.service, what="after the bystander finished")


class HostileTable(unittest.TestCase):
    """The table, one service per group, the groups at once (each waits mostly on its own
    service, so together they take about as long as the longest). A failing case does not stop
    its group: every failure is listed at the end."""

    GROUPS = ("messages and types", "numbers and job ids", "injection", "disguised inputs", "binary frames",
              "server-side requests", "unauthenticated")

    @classmethod
    def setUpClass(cls):
        cls.clip = read(make_video(seconds=1.0, size="160x120"))
        cls.www = tempfile.mkdtemp(prefix="mediaforge-hostile-www-")
        shutil.copy(make_video(seconds=1.0, size="160x120"), os.path.join(cls.www, "clip.mp4"))
        cls.http = MediaHttpServer(cls.www).__enter__()
        tokens = tokens_file(cls.www, [f"admin {ADMIN} ops", f"client {CLIENT} alice"])
        cls.services = {}
        for group in cls.GROUPS:
            extra = ("--tokens-file", tokens) if group == "unauthenticated" else ()
            # No --allow-private-urls anywhere: the SSRF group must be refused before any request.
            cls.services[group] = Service("--jobs-per-minute", "0", "--max-chunk-size", "64K", "--max-file-size", "1M",
                                          "--max-binary-message-size", "2M", "--max-concurrent-jobs", "1", *extra)
            cls.services[group].__enter__()

    @classmethod
    def tearDownClass(cls):
        for service in cls.services.values():
            service.__exit__(None, None, None)
        cls.http.__exit__(None, None, None)
        shutil.rmtree(cls.www, ignore_errors=True)

    def cases(self, group):
        port = self.http.server.server_address[1]
        return {
            "messages and types": lambda: json_cases() + type_cases(),
            "numbers and job ids": lambda: number_cases() + job_id_cases(),
            "injection": lambda: injection_cases() + filename_cases(self.clip),
            "disguised inputs": lambda: disguised_cases(self.clip),
            "binary frames": binary_cases,
            "server-side requests": lambda: ssrf_cases(port) + batch_cases(port),
            "unauthenticated": auth_cases,
        }[group]()

    async def run_group(self, group, failures):
        service = self.services[group]
        cases = self.cases(group)
        token = ADMIN if group == "unauthenticated" else None
        bystander = Bystander(service, self.clip, token)
        await bystander.start()
        await run_table(self, service, cases, bystander, failures=failures)
        try:
            end = await bystander.finish()
            self.assertEqual(end["type"], "completed", end)
            self.assertEqual(end["result"]["streams"][0]["width"], 160)
            await assert_healthy(self, service, what="after the bystander finished")
        except AssertionError as e:
            failures.append(f"{group}: the bystander: {e}")
        return len(cases)

    @async_test
    async def test_every_hostile_case_gets_its_typed_error_and_leaves_the_service_well(self):
        failures = []
        counts = await asyncio.gather(*(self.run_group(group, failures) for group in self.GROUPS))
        total = sum(counts)
        print(f"hostile table: {total} cases, {total - len(failures)} passed", file=sys.stderr)
        self.assertGreaterEqual(total, 200)
        # The SSRF group: not one request reached the loopback server.
        self.assertEqual(self.http.requests, [], "a URL input reached the loopback server")
        self.assertFalse(failures, f"{len(failures)} of {total} hostile cases failed:\n" + "\n".join(failures))


class PreAuthFrames(unittest.TestCase):
    """Default message limits (512 MiB binary) and a tokens file, as an operator runs it."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mediaforge-hostile-preauth-")
        cls.service = Service("--tokens-file", tokens_file(cls.dir, [f"client {CLIENT} alice"])).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    @async_test
    async def test_a_token_less_peer_cannot_make_the_service_buffer_a_huge_frame(self):
        # Issue 8, defect 2: before authentication the frame limit must be the small one, so a
        # big frame is refused on its header instead of being assembled in memory first.
        before = reset_peak(self.service)
        reader, writer = await asyncio.open_connection(*self.service.ws_url[5:].rstrip("/").rsplit(":", 1))
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        writer.write((f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        self.assertIn(b" 101 ", head)
        size = 96 * MIB
        # A masked text frame header announcing 96 MiB, then the payload in pieces while the
        # service lets us write.
        writer.write(bytes([0x81, 0x80 | 127]) + struct.pack(">Q", size) + b"\x00\x00\x00\x00")
        sent = 0
        piece = b"a" * MIB
        try:
            while sent < size:
                writer.write(piece)
                await asyncio.wait_for(writer.drain(), 10)
                sent += len(piece)
        except (ConnectionError, asyncio.TimeoutError):
            pass    # the service stopped reading or closed: what it said is read below
        growth = self.service.peak_rss_bytes() - before
        answer = b""
        try:
            while len(answer) < 65536:
                piece = await asyncio.wait_for(reader.read(4096), 30)
                if not piece:
                    break
                answer += piece
        except (ConnectionError, asyncio.TimeoutError):
            pass
        writer.close()
        print(f"defect 2: a token-less 96 MiB frame grew peak RSS by {growth / MIB:.1f} MiB", file=sys.stderr)
        self.assertLess(growth, rss_growth_limit(32 * MIB), f"peak RSS grew by {growth / MIB:.0f} MiB for a token-less 96 MiB frame "
                                          f"({sent // MIB} MiB of it sent)")
        # UNAUTHORIZED, then a close frame (0x88) with code 1008 (0x03f0).
        self.assertIn(b"UNAUTHORIZED", answer)
        self.assertIn(b"\x88", answer)
        self.assertIn(b"\x03\xf0", answer[answer.index(b"\x88"):])
        await assert_healthy(self, self.service, what="after the big pre-auth frame")


class ResourceBounds(HostileGroup):
    """The cases of issue 8 that need a defect fixed: output pixel bounds (defect 4; the
    growing-GIF attack is bounded by ffmpeg's output-size limit, which the ffmpeg limit tests
    cover), the invalid-message counter and 1008 close (defect 8)."""

    @async_test
    async def test_output_pixel_bounds_are_refused_at_start_job(self):
        # Upload inputs that are never sent: if validation lets one through, it is cancelled
        # before it can run (the job would otherwise make a 16000x16000 sheet).
        cases = [
            Case("thumbnail tile 10x10 at 1600 px", text(start("thumbnail", {"tile": {"columns": 10, "rows": 10},
                                                                             "width": 1600})), "VALIDATION_ERROR"),
            Case("thumbnail tile 10x10 at 7680x7680", text(start("thumbnail", {"tile": {"columns": 10, "rows": 10},
                                                                               "width": 7680, "height": 7680})),
                 "VALIDATION_ERROR"),
            Case("thumbnail 7680x7680 single image", text(start("thumbnail", {"width": 7680, "height": 7680})),
                 "VALIDATION_ERROR"),
            Case("thumbnail tile 10x2 at 800 px cells", text(start("thumbnail", {"tile": {"columns": 10, "rows": 2},
                                                                                 "width": 800})), "VALIDATION_ERROR"),
        ]
        await self.run_group(cases)

    @async_test
    async def test_invalid_messages_close_the_connection_after_100_even_when_they_fail_validation(self):
        for name, bad in [("start_job", start("compress", {"crf": 99})), ("list_jobs", {"type": "list_jobs", "limit": 0}),
                          ("json", "{x")]:
            with self.subTest(kind=name):
                async with connect(self.service.ws_url) as ws:
                    payload = bad if isinstance(bad, str) else dumps(bad)
                    closed = None
                    try:
                        for _ in range(150):
                            await ws.send(payload)
                        while True:
                            await recv_any(ws, 30)
                    except websockets.ConnectionClosed as e:
                        closed = e.code
                    except asyncio.TimeoutError:
                        closed = "still open 30 s later"
                    self.assertEqual(closed, 1008, f"150 invalid {name} messages")
        await assert_healthy(self, self.service, what="after the invalid-message floods")


class DefaultLimits(unittest.TestCase):
    """Defects 1 and 3 of issue 8 with the default message and file limits."""

    @classmethod
    def setUpClass(cls):
        cls.service = Service("--jobs-per-minute", "0", "--retention", "60").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    @async_test
    async def test_level0_fetch_output_flood_does_not_grow_memory(self):
        # Raw video in Matroska: big for little CPU, and remove_audio copies it unchanged.
        big = os.path.join(_WORK.name, "big.mkv")
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4",
                        "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", big], check=True)
        data = read(big)
        async with connect(self.service.ws_url) as owner:
            result = await level0_job(owner, start("remove_audio", {}, job_id="big", filename="big.mkv") | {"detach": True},
                                      [("big.mkv", data)])
            self.assertIsNotNone(result.completed, result.error)
            output_bytes = result.completed["outputs"][0]["size_bytes"]
            job = result.completed["id"]
        self.assertGreater(output_bytes, 8 * MIB)
        before = reset_peak(self.service)
        # A level 0 connection (no hello) asks for the output 20 times and never reads.
        flood = await connect(self.service.ws_url, max_queue=1, read_limit=2 ** 16)
        for _ in range(20):
            await flood.send(dumps({"type": "fetch_output", "id": job}))
        await asyncio.sleep(3)
        growth = self.service.peak_rss_bytes() - before
        flood.transport.abort()
        print(f"defect 1: 20 unread level 0 fetches of {output_bytes / MIB:.1f} MiB grew peak RSS by "
              f"{growth / MIB:.1f} MiB", file=sys.stderr)
        self.assertLess(growth, rss_growth_limit(6 * output_bytes),
                        f"20 unread level 0 fetches of a {output_bytes / MIB:.1f} MiB output grew peak RSS by "
                        f"{growth / MIB:.0f} MiB")
        status, body = self.service.health()
        self.assertEqual(status, 200, body)

    @async_test
    async def test_http_port_refuses_bodies_and_huge_headers_without_buffering(self):
        host, port = self.service.http_url[7:].rsplit(":", 1)
        before = reset_peak(self.service)

        def exchange(head, body_bytes):
            with socket.create_connection((host, int(port)), timeout=15) as s:
                try:
                    s.sendall(head)
                    chunk = b"p" * MIB
                    for _ in range(body_bytes // MIB):
                        s.sendall(chunk)
                except OSError:
                    pass
                try:
                    answer = s.recv(4096)
                except (socket.timeout, OSError):
                    answer = b""
            return answer.split(b"\r\n", 1)[0]

        body_status = await asyncio.to_thread(
            exchange, b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 314572800\r\n\r\n", 64 * MIB)
        header_status = await asyncio.to_thread(
            exchange, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"h" * (4 * MIB) + b"\r\n\r\n", 0)
        growth = self.service.peak_rss_bytes() - before
        print(f"defect 3: 64 MiB of a POST /health body and a 4 MiB header grew peak RSS by {growth / MIB:.1f} MiB",
              file=sys.stderr)
        self.assertIn(b" 413 ", body_status, "POST /health with a 300 MiB body")
        self.assertTrue(header_status == b"" or b" 431 " in header_status or b" 400 " in header_status, header_status)
        self.assertLess(growth, rss_growth_limit(48 * MIB), f"HTTP body and headers grew peak RSS by {growth / MIB:.0f} MiB")
        await assert_healthy(self, self.service, what="after the HTTP body and header attacks")

class MoreDefects(unittest.TestCase):
    """Defects 5, 6, 7 and 9 of issue 8 as the behaviour the issue asks for, each on a service
    of its own (they need their own limits)."""

    def tokens(self):
        directory = tempfile.mkdtemp(prefix="mediaforge-hostile-more-")
        self.addCleanup(shutil.rmtree, directory, True)
        return tokens_file(directory, [f"admin {ADMIN} ops", f"client {CLIENT} alice", f"client {CLIENT}-bob bob"])

    def exits(self, args, **kwargs):
        """Starts mediaforged (with a Service's command line and environment) and returns
        (exit code, stderr) if it stops by itself within 20 s; a service that starts and keeps
        running is stopped and reported as None."""
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
        try:
            _, err = process.communicate(timeout=20)
            return process.returncode, err.decode(errors="replace")
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return None, "it started and kept running"

    @async_test
    async def test_empty_chunks_do_not_count_as_upload_progress(self):
        with Service("--stall-seconds", "2") as service:
            async with connect(service.ws_url) as ws:
                await ws.send(dumps({"type": "hello", "protocol": 1}))
                await ws.send(dumps(start(job_id="drip", size=1000)))
                end = None
                for _ in range(60):      # an empty chunk every 0.5 s, for up to 30 s
                    await ws.send(frame({"job_id": "drip", "offset": 0, "final": False}))
                    try:
                        message = await recv_any(ws, 0.5)
                    except asyncio.TimeoutError:
                        continue
                    if isinstance(message, dict) and message.get("type") == "error":
                        end = message
                        break
                self.assertIsNotNone(end, "30 s of empty chunks kept the upload alive past --stall-seconds 2")
                self.assertEqual((end["code"], end["details"]["reason"]), ("TIMEOUT", "stalled"), end)
            await assert_healthy(self, service, what="after the empty-chunk upload")

    @async_test
    async def test_one_owner_cannot_fill_the_whole_queue(self):
        with Service("--tokens-file", self.tokens(), "--max-queued-jobs", "8", "--jobs-per-minute", "0") as service:
            alice = await connect(service.ws_url, extra_headers={"Authorization": f"Bearer {CLIENT}"})
            refused = None
            for i in range(8):
                await alice.send(dumps(start(job_id=f"a{i}") | {"request_id": f"r{i}"}))
                reply = await until_request(alice, f"r{i}")
                if reply["type"] == "error":
                    refused = reply
                    break
            self.assertIsNotNone(refused, "one owner took all 8 places of the queue")
            self.assertEqual(refused["code"], "QUEUE_FULL", refused)
            async with connect(service.ws_url, extra_headers={"Authorization": f"Bearer {CLIENT}-bob"}) as bob:
                await bob.send(dumps(start(job_id="b") | {"request_id": "b"}))
                self.assertEqual((await until_request(bob, "b"))["type"], "ack")
            await alice.close()

    @async_test
    async def test_a_second_instance_on_the_same_temp_dir_refuses_to_start_and_deletes_nothing(self):
        with Service() as first:
            async with connect(first.ws_url) as ws:
                await ws.send(dumps(start(job_id="live", size=100) | {"detach": True, "request_id": "l"}))
                self.assertEqual((await until_request(ws, "l"))["type"], "ack")
                live = first.job_dirs()
                self.assertEqual(len(live), 1)
                # The first one's own command line, on the same temp dir; anything else it
                # locks (a data dir) is swapped for a fresh one, so that only the temp dir is shared.
                second = list(first.args)
                if "--data-dir" in second:
                    second[second.index("--data-dir") + 1] = tempfile.mkdtemp(prefix="mediaforge-second-data-")
                code, err = await asyncio.to_thread(self.exits, second, env=first.env)
                self.assertEqual(code, 2, err)
                self.assertIn(first.work_dir, err)
                self.assertEqual(first.job_dirs(), live, "the second instance removed the first one's live job")

    @async_test
    async def test_an_output_file_that_vanished_is_a_404_not_an_empty_200(self):
        clip = read(make_video(seconds=1.0, size="160x120"))
        with Service("--retention", "60") as service:
            async with connect(service.ws_url) as ws:
                result = await level0_job(ws, start("remove_audio", {}, job_id="gone") | {"detach": True},
                                          [("clip.mp4", clip)])
                self.assertIsNotNone(result.completed, result.error)
            job = result.completed["id"]
            for root, _, files in os.walk(os.path.join(service.work_dir, f"job-{job}")):
                for name in files:
                    os.unlink(os.path.join(root, name))
            status, _, body = service.http_get(f"/jobs/{job}/output")
            self.assertEqual(status, 404, f"{status} with {len(body)} bytes")

    @async_test
    async def test_unauthenticated_sockets_cannot_take_every_connection_slot(self):
        with Service("--tokens-file", self.tokens(), "--max-connections", "40") as service:
            # The silent sockets come from another loopback address (127.0.0.2) than the
            # client that must still get in: a per-address cap is what keeps it out of reach.
            silent = []
            for _ in range(40):
                try:
                    silent.append(await connect(service.ws_url, local_addr=("127.0.0.2", 0)))
                except (OSError, websockets.WebSocketException):
                    pass
            try:
                async with connect(service.ws_url, extra_headers={"Authorization": f"Bearer {CLIENT}"}) as ws:
                    await ws.send(dumps({"type": "ping", "request_id": "p"}))
                    reply = await until_request(ws, "p")
                self.assertEqual(reply["type"], "pong")
            except websockets.ConnectionClosed as closed:
                self.fail(f"an authenticated client was refused ({closed.code}) while 40 token-less sockets waited")
            finally:
                for ws in silent:
                    ws.transport.abort()

    def test_max_connections_the_descriptor_limit_cannot_carry_is_refused(self):
        import resource

        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

        # A Service's command line (its own temp and data dirs), started by hand under the limit.
        service = Service("--max-connections", "5000")
        self.addCleanup(shutil.rmtree, service.temp_dir, True)
        code, err = self.exits(service.args, env=service.env, preexec_fn=low_limit)
        self.assertEqual(code, 2, err)
        self.assertIn("max-connections", err)


async def until_request(ws, request_id, timeout=30):
    while True:
        message = await recv_any(ws, timeout)
        if isinstance(message, dict) and message.get("request_id") == request_id:
            return message


if __name__ == "__main__":
    main()
