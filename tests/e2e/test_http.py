# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP port under hostile clients, over raw loopback sockets against the real binary: a
request body is refused with 413 before it is read (and the service's memory stays flat), an
oversized head gets 431, silent and slow connections are closed after their timeouts, the
connection cap makes room for a new client, too few file descriptors do not lock out /health
or WebSocket clients, and an output file that vanished is a 404, not an empty 200. Keep-alive,
pipelining and HEAD work as a normal client expects."""

import asyncio
import contextlib
import glob
import json
import os
import resource
import select
import socket
import time
import unittest
from urllib.parse import urlsplit

from harness import Service, async_test, connect, level0_job, main, make_video, out_of_descriptors_env, request

MIB = 1024 * 1024


def address(service):
    parts = urlsplit(service.http_url)
    return parts.hostname, parts.port


def open_socket(service, timeout=30):
    sock = socket.create_connection(address(service), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock, head_only=False, timeout=30):
    """One response: (status, headers with lowercase names, body). Reads exactly its bytes, so
    that a pipelined response after it stays in the socket."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError(f"closed inside a response head: {data!r}")
        data += chunk
    head = data.decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    headers = {}
    for line in head[1:]:
        if line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get("content-length", "0"))
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            raise ConnectionError("closed inside a response body")
        body += chunk
    return status, headers, body


def wait_closed(sock, bound):
    """Reads until the peer closes or `bound` seconds pass: (closed, bytes received)."""
    deadline = time.monotonic() + bound
    received = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, min(1.0, deadline - time.monotonic())))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


def is_closed_now(sock):
    """True when the peer has closed (EOF or reset is waiting), without blocking."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(65536, socket.MSG_PEEK) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True


def health_over_new_connection(service):
    with open_socket(service) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return read_response(sock)


def metric(service, name):
    """A sample's value from /metrics, 0 when absent (counters appear once counted)."""
    status, _, body = service.http_get("/metrics")
    assert status == 200, status
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0


def health_with_retries(service, attempts=3):
    for attempt in range(attempts):
        try:
            status, _, body = health_over_new_connection(service)
            if status == 200 and json.loads(body)["status"] == "healthy":
                return status
        except OSError as error:
            print(f"/health attempt {attempt + 1}: {error!r}")
        time.sleep(1)
    return None


class HttpPort(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service("--http-header-timeout", "2", "--http-idle-timeout", "2",
                              "--level0-output-limit", "1K").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    def test_keep_alive_pipelining_and_head_on_one_connection(self):
        with open_socket(self.service) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, body = read_response(sock)
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(body)["status"], "healthy")
            self.assertNotEqual(headers.get("connection"), "close")
            # Three pipelined requests, answered in order on the same connection.
            sock.sendall(b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, _ = read_response(sock, head_only=True)
            self.assertEqual(status, 200)
            self.assertGreater(int(headers["content-length"]), 0)
            status, headers, body = read_response(sock)
            self.assertEqual((status, headers["content-type"]), (200, "text/plain; version=0.0.4; charset=utf-8"))
            self.assertIn(b"# TYPE mediaforge_bytes_sent_total counter", body)
            status, _, body = read_response(sock)
            self.assertEqual((status, json.loads(body)["error"]["code"]), (404, "NOT_FOUND"))
            # HTTP/1.0 without keep-alive: answered, then closed.
            sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
            status, headers, _ = read_response(sock)
            self.assertEqual((status, headers["connection"]), (200, "close"))
            self.assertEqual(wait_closed(sock, 30), (True, b""))

    def test_other_methods_get_405_and_malformed_requests_400(self):
        with open_socket(self.service) as sock:
            sock.sendall(b"DELETE /health HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, body = read_response(sock)
            self.assertEqual((status, headers["allow"]), (405, "GET, HEAD"))
            self.assertEqual(json.loads(body)["error"]["code"], "METHOD_NOT_ALLOWED")
        for raw in (b"GET /health\r\n\r\n", b"GET /health HTTP/1.1\r\n folded: x\r\n\r\n",
                    b"GET /health HTTP/1.1\r\nHost : x\r\n\r\n",
                    b"GET /health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"):
            with self.subTest(raw=raw), open_socket(self.service) as sock:
                sock.sendall(raw)
                status, headers, _ = read_response(sock)
                self.assertEqual((status, headers["connection"]), (400, "close"))
        with open_socket(self.service) as sock:
            sock.sendall(b"GET /health HTTP/2.0\r\n\r\n")
            self.assertEqual(read_response(sock)[0], 505)

    def test_a_request_body_is_refused_with_413_before_it_is_read(self):
        announced = 300 * MIB
        peak_before = self.service.peak_rss_bytes()
        with open_socket(self.service) as sock:
            sock.sendall(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                         b"Content-Length: %d\r\n\r\n" % announced)
            # The answer comes before a byte of the body was sent.
            status, headers, body = read_response(sock)
            self.assertEqual((status, headers["connection"]), (413, "close"))
            self.assertEqual(json.loads(body)["error"]["code"], "TOO_LARGE")
            # The body is not read: the service stops taking it long before 300 MiB.
            sent = 0
            chunk = b"\0" * (1024 * 1024)
            sock.settimeout(30)
            deadline = time.monotonic() + 60
            with contextlib.suppress(OSError):
                while sent < announced and time.monotonic() < deadline:
                    sent += sock.send(chunk)
        self.assertLess(sent, 64 * MIB, "the service went on reading the refused body")
        peak_after = self.service.peak_rss_bytes()
        print(f"413 for a {announced // MIB} MiB body: client got {sent / MIB:.1f} MiB out before the close; "
              f"service VmHWM {peak_before / MIB:.1f} -> {peak_after / MIB:.1f} MiB")
        self.assertLess(peak_after - peak_before, 32 * MIB)
        self.assertGreaterEqual(metric(self.service, 'mediaforge_http_closed_total{reason="body"}'), 1)
        # A chunked body is refused the same way.
        with open_socket(self.service) as sock:
            sock.sendall(b"POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            self.assertEqual(read_response(sock)[0], 413)
        self.assertEqual(self.service.health()[0], 200)

    def test_an_oversized_head_gets_431_and_an_oversized_target_414(self):
        with open_socket(self.service) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
            status, headers, body = read_response(sock)
            self.assertEqual((status, headers["connection"]), (431, "close"))
            self.assertEqual(json.loads(body)["error"]["code"], "TOO_LARGE")
            self.assertTrue(wait_closed(sock, 30)[0])
        with open_socket(self.service) as sock:
            sock.sendall(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
            self.assertEqual(read_response(sock)[0], 414)
        # Many headers that stay under the limit together are fine.
        with open_socket(self.service) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(500)) + b"\r\n")
            self.assertEqual(read_response(sock)[0], 200)

    def test_a_silent_new_connection_is_closed_after_the_header_timeout(self):
        with open_socket(self.service) as sock:
            self.assertEqual(wait_closed(sock, 60), (True, b""))

    def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout(self):
        with open_socket(self.service) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(read_response(sock)[0], 200)
            self.assertEqual(wait_closed(sock, 60), (True, b""))

    def test_a_slowly_sent_head_gets_408_after_the_header_timeout(self):
        with open_socket(self.service) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            # One byte every 200 ms: traffic never stops, but the head never completes in time.
            deadline = time.monotonic() + 60
            with contextlib.suppress(OSError):
                while time.monotonic() < deadline and not select.select([sock], [], [], 0)[0]:
                    sock.sendall(b"X")
                    time.sleep(0.2)
            closed, received = wait_closed(sock, 30)
            self.assertTrue(closed, "a slow head is cut off")
            self.assertTrue(received.startswith(b"HTTP/1.1 408 "), received[:100])

    def test_downloads_keep_range_and_head_and_a_vanished_file_gives_404_not_an_empty_200(self):
        with open(make_video(seconds=2.0), "rb") as f:
            data = f.read()

        async def run_job():
            async with connect(self.service.ws_url) as ws:
                return await level0_job(ws, {"type": "start_job", "job_id": "gone", "operation": "remove_audio",
                                             "input": {"source": "upload"}}, [("gone.mp4", data)])
        result = asyncio.run(run_job())
        self.assertEqual(result.error["code"], "TOO_LARGE")
        path = result.error["details"]["http_url"][len(self.service.http_url):]
        status, headers, whole = self.service.http_get(path)
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["Content-Length"]), len(whole))
        # Range, HEAD and keep-alive on the download route.
        with open_socket(self.service) as sock:
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=100-199\r\n\r\n" % path.encode())
            status, headers, part = read_response(sock)
            self.assertEqual((status, part, headers["content-range"]), (206, whole[100:200], f"bytes 100-199/{len(whole)}"))
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=-50\r\n\r\n" % path.encode())
            self.assertEqual(read_response(sock)[::2], (206, whole[-50:]))
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nRange: bytes=%d-\r\n\r\n" % (path.encode(), len(whole)))
            status, headers, _ = read_response(sock)
            self.assertEqual((status, headers["content-range"]), (416, f"bytes */{len(whole)}"))
            sock.sendall(b"HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            status, headers, _ = read_response(sock, head_only=True)
            self.assertEqual((status, int(headers["content-length"]), headers["accept-ranges"]), (200, len(whole), "bytes"))
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            self.assertEqual(read_response(sock)[::2], (200, whole))
        # The job's files other than its input: the output, retained for HTTP.
        outputs = [path for path in glob.glob(os.path.join(self.service.work_dir, "job-*", "**"), recursive=True)
                   if os.path.isfile(path) and not os.path.basename(path).startswith("input")]
        self.assertEqual(len(outputs), 1, outputs)
        os.remove(outputs[0])
        status, headers, body = self.service.http_get(path)
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"]["code"], "NOT_FOUND")
        self.assertEqual(self.service.health()[0], 200)


class ConnectionCap(unittest.TestCase):
    def test_at_the_cap_the_longest_idle_connection_makes_room_for_a_new_client(self):
        with Service("--http-max-connections", "4", "--http-header-timeout", "600",
                     "--http-idle-timeout", "600") as service:
            idle = [open_socket(service) for _ in range(10)]
            try:
                status, _, _ = health_over_new_connection(service)
                self.assertEqual(status, 200)
                # 11 connections came, 4 may stay: the 7 oldest idle ones were closed, the newest stay.
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and sum(map(is_closed_now, idle)) < 7:
                    time.sleep(0.1)
                closed = [is_closed_now(sock) for sock in idle]
                self.assertEqual(closed, [True] * 7 + [False] * 3)
                self.assertGreaterEqual(metric(service, 'mediaforge_http_closed_total{reason="evicted"}'), 7)
                self.assertLessEqual(metric(service, "mediaforge_http_connections"), 4)
            finally:
                for sock in idle:
                    sock.close()

    @async_test
    async def test_with_100_file_descriptors_120_idle_sockets_lock_out_neither_health_nor_websocket(self):
        with Service(env=out_of_descriptors_env()) as service:
            # As `ulimit -n 100` would, but after start-up, whatever the service raises it to.
            resource.prlimit(service.pid, resource.RLIMIT_NOFILE, (100, 100))
            idle = []
            try:
                for _ in range(120):
                    idle.append(open_socket(service))
                # Connections the service could not even accept wait in the backlog; give it
                # a moment to work through them.
                await asyncio.sleep(1)
                status, _, body = health_over_new_connection(service)
                self.assertEqual((status, json.loads(body)["status"]), (200, "healthy"))
                async with connect(service.ws_url, open_timeout=30) as ws:
                    self.assertEqual((await request(ws, {"type": "ping"}))["type"], "pong")
                self.assertEqual(service.health()[0], 200)
            finally:
                for sock in idle:
                    sock.close()

    def test_when_descriptors_run_out_idle_http_connections_make_room_for_health(self):
        with Service(env=out_of_descriptors_env()) as service:
            # Fewer descriptors than the default cap of 64 HTTP connections needs: accept()
            # fails with EMFILE, which without care stops the port from accepting for good.
            resource.prlimit(service.pid, resource.RLIMIT_NOFILE, (40, 40))
            idle = []
            try:
                for _ in range(120):
                    idle.append(open_socket(service))
                time.sleep(1)
                # While descriptors are short, a connection may be reset as the service makes
                # room, as a probe would, ask again; what must not happen is a port that
                # stopped accepting (every attempt failing).
                self.assertEqual(health_with_retries(service), 200)
            finally:
                for sock in idle:
                    sock.close()
            self.assertEqual(health_with_retries(service), 200)


if __name__ == "__main__":
    main()
