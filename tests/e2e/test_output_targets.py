# SPDX-License-Identifier: GPL-3.0-or-later
"""Outputs put to presigned URLs (`output_targets` of start_job, docs/storage.md): against the
real mediaforged and a real HTTP server on loopback that accepts PUTs and records what it gets.
Only loopback addresses are used, so the service runs with --allow-private-urls except in the
test that proves a private target is refused without it."""

import asyncio
import http.server
import threading
import time
import unittest

from harness import (Service, async_test, connect, frame, main, make_video, probe_bytes, recv_any, request, sha256,
                     streams)

SECRET = "SeCrEtMaRk7781"          # in the query string of every target
HEADER_SECRET = "HdRsEcReT4410"    # in a header of every target


class PutServer:
    """Accepts PUT on 127.0.0.1. /ok/NAME answers 200; /flaky/NAME answers 500 to the first two
    tries of each path, then 200; /hang/NAME reads the body and never answers (until the test
    ends). Every request is recorded: path with query, headers, body."""

    def __init__(self):
        self.requests = []
        self.release = threading.Event()
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_PUT(self):
                length = int(self.headers.get("Content-Length", "-1"))
                body = self.rfile.read(length) if length >= 0 else b""
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    tries = sum(1 for r in outer.requests if r["path"] == self.path)
                if self.path.startswith("/hang/"):
                    outer.release.wait(120)
                    return
                code = 500 if self.path.startswith("/flaky/") and tries <= 2 else 200
                reply = b"<Error/>" if code == 500 else b""
                self.send_response(code)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def target(self, path, **extra_headers):
        url = f"http://127.0.0.1:{self.server.server_address[1]}/{path}?X-Amz-Signature={SECRET}&X-Amz-Expires=600"
        return {"upload_url": url, "method": "PUT",
                "headers": {"x-amz-meta-token": HEADER_SECRET, "Content-Type": "image/jpeg", **extra_headers}}

    def bodies(self, path):
        return [r for r in self.requests if r["path"].split("?")[0] == "/" + path]


async def hello(ws):
    reply = await request(ws, {"type": "hello", "protocol": 1, "client": "e2e/1"})
    assert reply["type"] == "welcome", reply


async def run_job(ws, job_id, data, targets, options, timeout=120):
    """Starts a thumbnail job on an upload with `targets`; returns (final message, all text
    messages, binary frames seen)."""
    ack = await request(ws, {"type": "start_job", "job_id": job_id, "operation": "thumbnail",
                             "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)},
                             "options": options, "output_targets": targets})
    if ack["type"] != "ack":
        return ack, [ack], 0
    messages = [ack]
    for offset in range(0, len(data), 256 * 1024):
        await ws.send(frame({"job_id": job_id, "offset": offset, "final": offset + 256 * 1024 >= len(data)},
                            data[offset:offset + 256 * 1024]))
    frames = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await recv_any(ws, deadline - time.monotonic())
        if isinstance(message, bytes):
            frames += 1
            continue
        messages.append(message)
        if message.get("job_id") == job_id and message["type"] in ("completed", "error"):
            # Anything the service still sends (it should send no output chunks) shows up here.
            # A subscriber gets `stats` every second: drain for two seconds, not until silence.
            settle = time.monotonic() + 2
            try:
                while time.monotonic() < settle:
                    extra = await recv_any(ws, settle - time.monotonic())
                    if isinstance(extra, bytes):
                        frames += 1
                    else:
                        messages.append(extra)
            except asyncio.TimeoutError:
                pass
            return message, messages, frames
    raise AssertionError(f"job {job_id} did not end: {[m['type'] for m in messages]}")


class OutputTargets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(make_video(seconds=2.0), "rb") as f:
            cls.data = f.read()
        cls.server = PutServer().__enter__()
        cls.service = Service("--allow-private-urls", "--output-upload-attempts", "3", "--output-upload-timeout", "4",
                              "--log-level", "debug").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        cls.server.__exit__(None, None, None)

    def assertNoSecret(self, what, text):
        self.assertNotIn(SECRET, text, what)
        self.assertNotIn(HEADER_SECRET, text, what)

    @async_test
    async def test_outputs_arrive_byte_identical_and_completed_says_where_without_credentials(self):
        targets = [self.server.target("ok/a.jpg"), self.server.target("ok/b.jpg")]
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            await request(ws, {"type": "subscribe"})
            final, messages, frames = await run_job(ws, "two", self.data, targets, {"count": 2, "format": "jpeg"})
            self.assertEqual(final["type"], "completed", final)
            self.assertEqual(final["delivery_method"], "upload")
            self.assertEqual(frames, 0, "outputs that went to targets are not pushed over the socket")
            self.assertIn("uploading_outputs", [m.get("stage") for m in messages if m["type"] == "progress"]
                          + [m.get("job", {}).get("stage") for m in messages if m["type"] == "job_event"])
            snapshot = await request(ws, {"type": "get_job", "job_id": "two"})
            for message in messages + [snapshot]:
                self.assertNoSecret(message["type"], str(message))
        for index, name in enumerate(("a.jpg", "b.jpg")):
            received = self.server.bodies("ok/" + name)
            self.assertEqual(len(received), 1)
            output = final["outputs"][index]
            body = received[0]["body"]
            self.assertEqual(sha256(body), output["sha256"])
            self.assertEqual(len(body), output["size_bytes"])
            self.assertEqual(output["uploaded_to"]["http_status"], 200)
            self.assertEqual(output["uploaded_to"]["bytes"], len(body))
            self.assertTrue(output["uploaded_to"]["url"].endswith("/ok/" + name), output["uploaded_to"])
            self.assertEqual(streams(probe_bytes(body, ".jpg"), "video")[0]["codec_name"], "mjpeg")
            # The server got the credentials: the query and the client's headers, as given.
            self.assertIn(SECRET, received[0]["path"])
            self.assertEqual(received[0]["headers"]["x-amz-meta-token"], HEADER_SECRET)
            self.assertEqual(received[0]["headers"]["Content-Type"], "image/jpeg")
        self.assertEqual(self.service.wait_clean(), [])
        with open(self.service.log_path, errors="replace") as log:
            self.assertNoSecret("service log", log.read())
        status, _, metrics = self.service.http_get("/metrics")
        self.assertEqual(status, 200)
        self.assertNoSecret("metrics", metrics.decode())

    @async_test
    async def test_server_answering_500_twice_gets_the_output_on_the_third_try(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            final, _, _ = await run_job(ws, "flaky", self.data, [self.server.target("flaky/one.jpg")],
                                        {"format": "jpeg"})
        self.assertEqual(final["type"], "completed", final)
        tries = self.server.bodies("flaky/one.jpg")
        self.assertEqual(len(tries), 3)
        self.assertEqual(sha256(tries[2]["body"]), final["outputs"][0]["sha256"])
        self.assertEqual(final["outputs"][0]["uploaded_to"]["http_status"], 200)
        self.assertEqual(self.service.wait_clean(), [])

    @async_test
    async def test_target_that_never_answers_fails_the_job_with_output_upload_failed(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            final, messages, _ = await run_job(ws, "hang", self.data, [self.server.target("hang/x.jpg")],
                                               {"format": "jpeg"}, timeout=180)
            self.assertEqual(final["type"], "error", final)
            self.assertEqual(final["code"], "OUTPUT_UPLOAD_FAILED")
            self.assertEqual(final["details"]["index"], 0)
            self.assertEqual(final["details"]["attempts"], 3)
            for message in messages:
                self.assertNoSecret(message["type"], str(message))
        self.assertEqual(len(self.server.bodies("hang/x.jpg")), 3)
        # Healthy afterwards: no job directory, no ffmpeg left, and the next job still runs.
        self.assertEqual(self.service.wait_clean(), [])
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            final, _, _ = await run_job(ws, "after", self.data, [self.server.target("ok/after.jpg")],
                                        {"format": "jpeg"})
            self.assertEqual(final["type"], "completed", final)

    @async_test
    async def test_wrong_target_count_is_a_validation_error_naming_the_count(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            reply, _, _ = await run_job(ws, "count", self.data, [self.server.target("ok/c.jpg")],
                                        {"count": 3, "format": "jpeg"})
            self.assertEqual(reply["code"], "VALIDATION_ERROR")
            self.assertIn("must name 3 target(s)", reply["message"])
            reply = await request(ws, {"type": "start_job", "operation": "probe", "input": {"source": "upload"},
                                       "output_targets": [self.server.target("ok/p.json")]})
            self.assertEqual(reply["code"], "VALIDATION_ERROR")

    @async_test
    async def test_reserved_or_malformed_headers_are_validation_errors(self):
        cases = [{"Host": "example.com"}, {"Content-Length": "5"}, {"Transfer-Encoding": "chunked"},
                 {"Connection": "close"}, {"x-amz-meta-a": "one\r\nInjected: two"}, {"bad name": "x"},
                 {"x-long": "v" * 5000}]
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            for headers in cases:
                target = self.server.target("ok/h.jpg", **headers)
                reply = await request(ws, {"type": "start_job", "operation": "thumbnail",
                                           "input": {"source": "upload"}, "output_targets": [target]})
                self.assertEqual(reply["code"], "VALIDATION_ERROR", headers)
                self.assertIn("output_targets[0].headers", str(reply["details"]), headers)
                self.assertNoSecret("validation error", str(reply))
            target = self.server.target("ok/m.jpg")
            target["method"] = "DELETE"
            reply = await request(ws, {"type": "start_job", "operation": "thumbnail", "input": {"source": "upload"},
                                       "output_targets": [target]})
            self.assertEqual(reply["code"], "VALIDATION_ERROR")
            target = {"upload_url": "ftp://127.0.0.1/x"}
            reply = await request(ws, {"type": "start_job", "operation": "thumbnail", "input": {"source": "upload"},
                                       "output_targets": [target]})
            self.assertEqual(reply["code"], "VALIDATION_ERROR")
        self.assertEqual(self.server.bodies("ok/h.jpg"), [])


class OutputTargetsWithoutPrivateUrls(unittest.TestCase):
    @async_test
    async def test_target_on_a_private_address_is_refused_at_submit(self):
        with PutServer() as server, Service() as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                for url in (server.target("ok/p.jpg")["upload_url"], "http://10.1.2.3/x?sig=" + SECRET,
                            "http://[::1]:9/x"):
                    reply = await request(ws, {"type": "start_job", "operation": "thumbnail",
                                               "input": {"source": "upload"},
                                               "output_targets": [{"upload_url": url}]})
                    self.assertEqual(reply["code"], "URL_NOT_ALLOWED", url)
                    self.assertNotIn(SECRET, str(reply))
            self.assertEqual(server.requests, [])
            self.assertEqual(service.wait_clean(), [])


if __name__ == "__main__":
    main()
