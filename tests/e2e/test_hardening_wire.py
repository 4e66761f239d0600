# SPDX-License-Identifier: GPL-3.0-or-later
"""The WebSocket side of hardening (issue 8, defects 1, 2, 7 and 8), tried the way an attacker
would against the real service: huge frames from peers without a token, connections that never
read, floods of unauthenticated sockets and of invalid requests. Each test checks the service's
own peak memory (VmHWM) or the close it sends, and that /health still answers afterwards.

Most attacks use RawClient, a WebSocket client on a plain socket written here: the library
client cannot announce a 200 MiB frame without building it, nor keep from reading. It masks with
the key 0, which RFC 6455 allows and which leaves the payload as it is."""

import asyncio
import base64
import json
import os
import select
import socket
import struct
import sys
import tempfile
import time
import unittest
import urllib.parse

import websockets

from harness import (Service, async_test, connect, frame, main, make_audio, recv_any, recv_json, request,
                     rss_limit, sha256, unframe)

ADMIN = "admin-token-0123456789abcdef"
ALICE = "alice-token-0123456789abcdef"
MiB = 1024 * 1024


def report(what, value):
    """Figures for the issue's closing note (peak RSS of the same attack before and after)."""
    print(f"[measure] {what}: {value}", file=sys.stderr, flush=True)


class RawClient:
    def __init__(self, url, headers=None, rcvbuf=None, source=None, timeout=30):
        parsed = urllib.parse.urlparse(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # A small window: what the client does not read stays in the service's buffers.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((parsed.hostname, parsed.port))
        self.buffer = b""
        self.frames = []          # (opcode, payload) received
        self.status = None

    def handshake(self, headers=None):
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET / HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            data = self.sock.recv(4096)
            if not data:
                break
            response += data
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else None
        return self.status

    @staticmethod
    def header(opcode, length, fin=True):
        first = (0x80 if fin else 0) | opcode
        if length < 126:
            head = struct.pack(">BB", first, 0x80 | length)
        elif length < 65536:
            head = struct.pack(">BBH", first, 0x80 | 126, length)
        else:
            head = struct.pack(">BBQ", first, 0x80 | 127, length)
        return head + b"\0\0\0\0"

    def send_text(self, text):
        data = text.encode()
        self.sock.sendall(self.header(0x1, len(data)) + data)

    def send_close(self, code=1000):
        payload = struct.pack(">H", code)
        with_suppressed(lambda: self.sock.sendall(self.header(0x8, len(payload)) + payload))

    def parse(self):
        while len(self.buffer) >= 2:
            opcode = self.buffer[0] & 0x0F
            length = self.buffer[1] & 0x7F
            position = 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                (length,) = struct.unpack(">H", self.buffer[2:4])
                position = 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                (length,) = struct.unpack(">Q", self.buffer[2:10])
                position = 10
            if len(self.buffer) < position + length:
                return
            self.frames.append((opcode, self.buffer[position:position + length]))
            self.buffer = self.buffer[position + length:]

    def receive(self, timeout):
        """Reads until the peer closes or `timeout` passes; True when it closed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                continue
            try:
                data = self.sock.recv(1 << 16)
            except (ConnectionResetError, OSError):
                return True
            if not data:
                return True
            self.buffer += data
            self.parse()
        return False

    def close_code(self):
        for opcode, payload in self.frames:
            if opcode == 0x8:
                return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
        return None

    def texts(self):
        return [json.loads(payload) for opcode, payload in self.frames if opcode == 0x1]

    def close(self):
        with_suppressed(self.sock.close)


def with_suppressed(function):
    try:
        function()
    except OSError:
        pass


def tokens_file():
    tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
    tokens.write(f"admin {ADMIN} ops\nclient {ALICE} alice\n")
    tokens.close()
    return tokens.name


def send_huge_text_frame(url, total):
    """Announces a `total`-byte text frame and streams it without a token until the service
    closes the connection; returns the client with what it received."""
    client = RawClient(url)
    assert client.handshake() == 101
    client.sock.sendall(RawClient.header(0x1, total))
    chunk = b"x" * MiB
    sent = 0
    closed = False
    while sent < total and not closed and client.close_code() is None:
        readable, writable, _ = select.select([client.sock], [client.sock], [], 30)
        if readable:
            try:
                data = client.sock.recv(1 << 16)
            except OSError:
                break
            if not data:
                closed = True
            client.buffer += data
            client.parse()
        if writable:
            try:
                sent += client.sock.send(chunk[:min(len(chunk), total - sent)])
            except OSError:
                break
    if client.close_code() is not None:
        client.send_close(client.close_code())
    client.receive(20)
    client.sent = sent
    return client


class AnonymousFrames(unittest.TestCase):
    """Defect 2: before authentication the frame limit is the small one, checked on the header."""

    @classmethod
    def setUpClass(cls):
        cls.tokens = tokens_file()
        cls.service = Service("--tokens-file", cls.tokens).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        os.unlink(cls.tokens)

    def test_a_200_mib_frame_without_a_token_is_refused_on_its_header(self):
        client = send_huge_text_frame(self.service.ws_url, 200 * MiB)
        peak = self.service.peak_rss_bytes()
        report("defect 2: one 200 MiB text frame without a token, service VmHWM MiB", peak // MiB)
        codes = [message.get("code") for message in client.texts()]
        self.assertIn("UNAUTHORIZED", codes)
        self.assertNotIn("TOO_LARGE", codes)
        self.assertEqual(client.close_code(), 1008)
        self.assertLess(peak, rss_limit(150 * MiB))
        self.assertEqual(self.service.health()[0], 200)
        client.close()

    def test_three_concurrent_150_mib_frames_keep_memory_flat(self):
        import threading
        clients = []
        threads = [threading.Thread(target=lambda: clients.append(send_huge_text_frame(self.service.ws_url, 150 * MiB)))
                   for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        peak = self.service.peak_rss_bytes()
        report("defect 2: three concurrent 150 MiB frames without a token, service VmHWM MiB", peak // MiB)
        self.assertEqual([client.close_code() for client in clients], [1008, 1008, 1008])
        self.assertLess(peak, rss_limit(150 * MiB))
        self.assertEqual(self.service.health()[0], 200)
        for client in clients:
            client.close()

    @async_test
    async def test_level0_client_with_a_token_still_uploads_one_large_message(self):
        # Authenticated in the handshake: the large limit applies from the first frame.
        data = os.urandom(40 * MiB)
        async with connect(self.service.ws_url, extra_headers={"Authorization": f"Bearer {ALICE}"}) as ws:
            await ws.send(json.dumps({"type": "start_job", "job_id": "big0", "operation": "probe",
                                      "input": {"source": "upload", "filename": "noise.bin"}}))
            await ws.send(frame({"job_id": "big0", "filename": "noise.bin"}, data))
            while True:
                reply = await recv_json(ws, 120)
                if reply["type"] == "error":
                    break
        # The whole upload arrived: the job failed on its content, not on its size or the socket.
        self.assertEqual(reply["code"], "UNSUPPORTED_INPUT", reply)


class ReceiveBudget(unittest.TestCase):
    """Defect 2, after authentication: large incoming messages share one budget."""

    @async_test
    async def test_large_uploads_of_many_peers_wait_for_the_receive_budget(self):
        size = 56 * MiB
        with Service("--max-binary-message-size", "64M", "--receive-budget", "64M") as service:
            data = os.urandom(size)

            async def upload(n):
                async with connect(service.ws_url) as ws:
                    job = f"up{n}"
                    await ws.send(json.dumps({"type": "start_job", "job_id": job, "operation": "probe",
                                              "input": {"source": "upload", "filename": "noise.bin"}}))
                    await ws.send(frame({"job_id": job, "filename": "noise.bin"}, data))
                    while True:
                        reply = await recv_json(ws, 180)
                        if reply["type"] == "error":
                            return reply["code"]

            codes = await asyncio.gather(*(upload(n) for n in range(6)))
            peak = service.peak_rss_bytes()
            report("defect 2: six concurrent 56 MiB level 0 uploads, service VmHWM MiB", peak // MiB)
            self.assertEqual(codes, ["UNSUPPORTED_INPUT"] * 6)
            self.assertLess(peak, rss_limit(300 * MiB))
            self.assertEqual(service.health()[0], 200)


async def detached_wav_job(service, seconds=260):
    """A completed detached job whose one output (16-bit mono WAV at 44.1 kHz) is about 23 MB."""
    path = make_audio(seconds=seconds)
    with open(path, "rb") as f:
        data = f.read()
    async with connect(service.ws_url) as ws:
        await ws.send(json.dumps({"type": "start_job", "job_id": "wav", "operation": "extract_audio", "detach": True,
                                  "input": {"source": "upload", "filename": "tone.mp3"},
                                  "options": {"format": "wav"}}))
        await ws.send(frame({"job_id": "wav", "filename": "tone.mp3"}, data))
        completed = None
        while True:
            message = await recv_any(ws, 180)
            if isinstance(message, bytes):
                header, payload = unframe(message)
                return completed, payload
            if message["type"] == "error":
                raise AssertionError(message)
            if message["type"] == "completed":
                completed = message


class Level0Delivery(unittest.TestCase):
    """Defect 1: whole level 0 outputs wait for the socket to drain and share one budget."""

    @async_test
    async def test_twenty_fetches_on_a_connection_that_never_reads_keep_memory_flat(self):
        with Service() as service:
            completed, payload = await detached_wav_job(service)
            job = completed["id"]
            self.assertGreater(len(payload), 20 * 1000 * 1000)
            attacker = RawClient(service.ws_url, rcvbuf=4096)
            self.assertEqual(attacker.handshake(), 101)
            for _ in range(20):
                attacker.send_text(json.dumps({"type": "fetch_output", "id": job}))
            # What the service would queue arrives in a moment; give it ample time.
            await asyncio.sleep(8)
            peak = service.peak_rss_bytes()
            report("defect 1: 20 level 0 fetch_output of a 23 MB output, never read, service VmHWM MiB", peak // MiB)
            self.assertLess(peak, rss_limit(150 * MiB))
            attacker.close()

            # A client that reads gets every delivery, whole and in order.
            async with connect(service.ws_url) as ws:
                for _ in range(3):
                    await ws.send(json.dumps({"type": "fetch_output", "id": job}))
                for _ in range(3):
                    message = await recv_any(ws, 120)
                    self.assertIsInstance(message, bytes)
                    header, body = unframe(message)
                    self.assertEqual(header["job_id"], "wav")
                    self.assertEqual(sha256(body), completed["outputs"][0]["sha256"])
            self.assertEqual(service.health()[0], 200)

    @async_test
    async def test_level0_fetch_output_honours_the_level0_output_limit(self):
        with Service("--level0-output-limit", "10M", "--level0-output-budget", "10M") as service:
            path = make_audio(seconds=120)
            with open(path, "rb") as f:
                data = f.read()
            async with connect(service.ws_url) as ws:
                await ws.send(json.dumps({"type": "start_job", "job_id": "wav", "operation": "extract_audio",
                                          "input": {"source": "upload", "filename": "tone.mp3"},
                                          "options": {"format": "wav"}}))
                await ws.send(frame({"job_id": "wav", "filename": "tone.mp3"}, data))
                while True:
                    message = await recv_json(ws, 180)
                    if message["type"] in ("completed", "error"):
                        break
                # Too large for one message: the output is retained for level 1 or HTTP.
                self.assertEqual(message["code"], "TOO_LARGE", message)
                job = message["details"]["id"]
            async with connect(service.ws_url) as ws:
                await ws.send(json.dumps({"type": "fetch_output", "id": job}))
                reply = await recv_any(ws, 60)
            # fetch_output on a level 0 connection sends whole files too: the same limit holds.
            self.assertIsInstance(reply, dict, "a level 0 fetch_output sent an output above the limit")
            self.assertEqual(reply["code"], "TOO_LARGE", reply)
            self.assertEqual(reply["details"]["limit_bytes"], 10 * MiB)
            self.assertIn("http_url", reply["details"])

    @async_test
    async def test_level0_output_budget_makes_deliveries_wait_their_turn(self):
        with Service("--level0-output-limit", "24M", "--level0-output-budget", "24M") as service:
            completed, _ = await detached_wav_job(service)
            job = completed["id"]
            attackers = []
            for _ in range(10):
                attacker = RawClient(service.ws_url, rcvbuf=4096)
                self.assertEqual(attacker.handshake(), 101)
                attacker.send_text(json.dumps({"type": "fetch_output", "id": job}))
                attackers.append(attacker)
            await asyncio.sleep(8)
            peak = service.peak_rss_bytes()
            report("defect 1: 10 connections each fetching a 23 MB output, never read, service VmHWM MiB",
                   peak // MiB)
            self.assertLess(peak, rss_limit(150 * MiB))
            async with connect(service.ws_url) as ws:
                await ws.send(json.dumps({"type": "fetch_output", "id": job}))
                # Its turn comes once the peers holding the budget are gone.
                for attacker in attackers:
                    attacker.close()
                message = await recv_any(ws, 120)
                self.assertIsInstance(message, bytes)
                self.assertEqual(sha256(unframe(message)[1]), completed["outputs"][0]["sha256"])


class UnauthenticatedConnections(unittest.TestCase):
    """Defect 7: connections before authentication are capped per address and overall."""

    def test_unauthenticated_connections_are_capped_per_address_and_overall(self):
        tokens = tokens_file()
        try:
            with Service("--tokens-file", tokens, "--max-unauthenticated-per-address", "4",
                         "--max-unauthenticated", "6") as service:
                silent = [RawClient(service.ws_url) for _ in range(4)]   # connected, no handshake
                time.sleep(0.5)
                refused = RawClient(service.ws_url)
                self.assertEqual(refused.handshake(), 503)
                refused.close()
                # Another address still gets in, and authenticates.
                other = RawClient(service.ws_url, source="127.0.0.2")
                self.assertEqual(other.handshake({"Authorization": f"Bearer {ALICE}"}), 101)
                # Two more anonymous ones from a third address reach the overall cap...
                waiting = [RawClient(service.ws_url, source="127.0.0.3") for _ in range(2)]
                for client in waiting:
                    self.assertEqual(client.handshake(), 101)   # upgraded, no hello yet
                time.sleep(0.5)
                overall = RawClient(service.ws_url, source="127.0.0.4")
                self.assertEqual(overall.handshake(), 503)
                overall.close()
                # ...and leaving frees the slots at once.
                for client in silent + waiting:
                    client.close()
                time.sleep(1)
                again = RawClient(service.ws_url)
                self.assertEqual(again.handshake(), 101)
                again.send_text(json.dumps({"type": "hello", "protocol": 1, "token": ALICE}))
                again.receive(2)
                self.assertEqual(again.texts()[0]["type"], "welcome", again.texts())
                again.close()
                other.close()
                self.assertEqual(service.health()[0], 200)
        finally:
            os.unlink(tokens)


class SecureListener(unittest.TestCase):
    """The listener is the service's own (QSslServer with --tls-cert); Qt only upgrades."""

    @async_test
    async def test_wss_connections_are_accepted_limited_and_authenticated(self):
        import shutil
        import ssl
        import subprocess
        openssl = shutil.which("openssl")
        self.assertIsNotNone(openssl, "openssl (installed by ./dev) is needed to make the test certificate")
        directory = tempfile.mkdtemp(prefix="mediaforge-tls-")
        cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        tokens = tokens_file()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            with Service("--tls-cert", cert, "--tls-key", key, "--tokens-file", tokens) as service:
                self.assertTrue(service.ws_url.startswith("wss://"), service.ws_url)
                async with connect(service.ws_url, ssl=context,
                                   extra_headers={"Authorization": f"Bearer {ALICE}"}) as ws:
                    reply = await request(ws, {"type": "ping"})
                    self.assertEqual(reply["type"], "pong")
                # Anonymous: a frame over the small limit is refused as over plain TCP.
                async with connect(service.ws_url, ssl=context) as ws:
                    await ws.send("x" * (200 * 1024))
                    reply = await recv_json(ws, 30)
                    self.assertEqual(reply["code"], "UNAUTHORIZED")
                    with self.assertRaises(websockets.ConnectionClosed) as closed:
                        await recv_json(ws, 30)
                    self.assertEqual(closed.exception.code, 1008)
                self.assertEqual(service.health()[0], 200)
        finally:
            os.unlink(tokens)
            shutil.rmtree(directory, ignore_errors=True)


class InvalidMessages(unittest.TestCase):
    """Defect 8: the run of invalid requests, and the 1008 that reaches a client still sending."""

    @async_test
    async def test_150_invalid_start_jobs_close_the_connection_after_100_with_1008(self):
        with Service() as service:
            async with connect(service.ws_url) as ws:
                for n in range(150):
                    await ws.send(json.dumps({"type": "start_job", "job_id": f"bad{n}", "operation": "no-such-op"}))
                errors = 0
                with self.assertRaises(websockets.ConnectionClosed) as closed:
                    while True:
                        reply = await recv_json(ws, 60)
                        self.assertEqual(reply["type"], "error")
                        errors += 1
            self.assertEqual(closed.exception.code, 1008)
            self.assertEqual(errors, 100)
            self.assertEqual(service.health()[0], 200)

    @async_test
    async def test_150_invalid_list_jobs_close_the_connection(self):
        with Service() as service:
            async with connect(service.ws_url) as ws:
                await request(ws, {"type": "hello", "protocol": 1})
                for _ in range(150):
                    await ws.send(json.dumps({"type": "list_jobs", "limit": -5}))
                with self.assertRaises(websockets.ConnectionClosed) as closed:
                    while True:
                        await recv_json(ws, 60)
            self.assertEqual(closed.exception.code, 1008)

    @async_test
    async def test_a_client_that_keeps_sending_receives_the_1008_close(self):
        with Service() as service:
            async with connect(service.ws_url) as ws:
                # Far more than the 100 invalid messages that close the connection, sent before
                # reading: when the service closed TCP at once, this client got a reset (1006).
                with self.assertRaises(websockets.ConnectionClosed) as closed:
                    for _ in range(1000):
                        await ws.send("x" * 4000)
                    while True:
                        await recv_json(ws, 60)
            self.assertIsNotNone(closed.exception.rcvd, "no close frame reached the client")
            self.assertEqual(closed.exception.code, 1008)
            self.assertEqual(service.health()[0], 200)


class SlowReaders(unittest.TestCase):
    """Defect 8: a subscriber that stops reading is coalesced, then dropped; not buffered."""

    @async_test
    async def test_a_subscriber_that_never_reads_is_dropped(self):
        with Service("--max-send-backlog", "64K", "--jobs-per-minute", "0") as service:
            subscriber = RawClient(service.ws_url, rcvbuf=4096)
            self.assertEqual(subscriber.handshake(), 101)
            subscriber.send_text(json.dumps({"type": "hello", "protocol": 1}))
            subscriber.send_text(json.dumps({"type": "subscribe"}))
            dropped = False
            async with connect(service.ws_url) as ws:
                # Jobs that fail at once (a refused URL) make job events fast, without ffmpeg; the
                # long URL makes each event large enough to fill the kernel's buffers soon.
                url = "http://127.0.0.1:9/" + "a" * 8000 + ".mp4"
                for n in range(1500):
                    await ws.send(json.dumps({"type": "start_job", "job_id": f"u{n}", "operation": "probe",
                                              "input": {"source": "url", "url": url}}))
                    while True:
                        reply = await recv_json(ws, 60)
                        if reply["type"] == "error":
                            break
                    if n % 20 == 19:
                        with open(service.log_path, "rb") as log:
                            if b"dropping the connection" in log.read():
                                dropped = True
                                break
            self.assertTrue(dropped, "the subscriber that never reads was never dropped")
            self.assertLess(service.peak_rss_bytes(), rss_limit(150 * MiB))
            subscriber.close()
            self.assertEqual(service.health()[0], 200)


class KeepAlive(unittest.TestCase):
    """A peer that never answers a ping is closed after two intervals; one that answers stays.
    Every session's keep-alive runs from one server clock (docs/performance.md, B4)."""

    @async_test
    async def test_a_silent_peer_is_closed_and_an_answering_one_stays(self):
        with Service("--ping-interval", "2") as service:
            silent = RawClient(service.ws_url)
            self.assertEqual(silent.handshake(), 101)
            async with connect(service.ws_url) as answering:   # the library answers pings
                # The silent peer reads (so the pings reach it) but sends nothing back.
                closed = await asyncio.get_running_loop().run_in_executor(None, silent.receive, 60)
                self.assertTrue(closed, "a peer that never answered pings was not closed within 60 s")
                pings = [opcode for opcode, _ in silent.frames if opcode == 0x9]
                self.assertGreaterEqual(len(pings), 1, silent.frames)
                with open(service.log_path, "rb") as log:
                    self.assertIn(b"peer silent, closing", log.read())
                # The answering peer has been through the same pings and is still served.
                reply = await request(answering, {"type": "hello", "protocol": 1})
                self.assertEqual(reply["type"], "welcome", reply)
            silent.close()
            self.assertEqual(service.health()[0], 200)


if __name__ == "__main__":
    main()
