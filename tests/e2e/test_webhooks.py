# SPDX-License-Identifier: GPL-3.0-or-later
"""Webhooks end to end: the real mediaforged (on loopback, so --allow-private-urls) POSTs job
state changes to a real HTTP receiver on loopback that checks every Mediaforge-Signature with
its own HMAC code. Proves: the final event arrives signed with the job's snapshot; a receiver
that answers 500 first gets the delivery again after growing delays and once it answered 200
never again; with the receiver down and the service SIGKILLed and restarted, every event
arrives afterwards, in order per job, each delivery id once; every SSRF form of notify_url is
refused (and a name that resolves to loopback is refused when it is used); a receiver that
never answers or streams an endless body holds no dispatcher slot past the timeout and costs
no memory; only an admin may redeliver."""

import asyncio
import http.server
import json
import os
import socket
import tempfile
import threading
import time
import unittest

from harness import Service, async_test, connect, frame, main, make_video, request, webhook_signature_valid
from hostile_support import tokens_file

SECRET = "webhook-test-secret-0123456789abcdef"
ADMIN = "admin-token-0123456789abcdef"
ALICE = "alice-token-0123456789abcdef"

VIDEO = None


def video():
    global VIDEO
    if VIDEO is None:
        with open(make_video(seconds=1.0, size="160x120"), "rb") as f:
            VIDEO = f.read()
    return VIDEO


class Receiver:
    """A webhook endpoint on 127.0.0.1. `answer(delivery) -> status` decides each reply; every
    request is recorded with whether its signature verified."""

    def __init__(self, answer=lambda delivery: 200, port=0):
        self.answer = answer
        self.requests = []          # dicts: delivery_id, event, attempt, job, valid, header_id, at, status
        self.lock = threading.Lock()
        self.port = port
        self.server = None

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                payload = json.loads(body)
                entry = {"delivery_id": payload["delivery_id"], "event": payload["event"],
                         "attempt": payload["attempt"], "job": payload["job"],
                         "valid": webhook_signature_valid(SECRET, self.headers.get("Mediaforge-Signature", ""), body),
                         "header_id": self.headers.get("Mediaforge-Delivery"), "at": time.monotonic()}
                with receiver.lock:
                    status = receiver.answer(entry)
                    entry["status"] = status
                    receiver.requests.append(entry)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def received(self):
        with self.lock:
            return list(self.requests)

    def accepted(self):
        return [r for r in self.received() if 200 <= r["status"] < 300]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def hello(ws, token=None):
    message = {"type": "hello", "protocol": 1}
    if token:
        message["token"] = token
    reply = await request(ws, message)
    assert reply["type"] == "welcome", reply
    return reply


async def submit(ws, job_id, notify_url, events=None, data=None, expect="ack"):
    data = data if data is not None else video()
    message = {"type": "start_job", "job_id": job_id, "operation": "probe", "notify_url": notify_url,
               "input": {"source": "upload", "filename": f"{job_id}.mp4", "size": len(data)}}
    if events is not None:
        message["notify_events"] = events
    ack = await request(ws, message)
    if expect != "ack":
        return ack
    assert ack["type"] == "ack", ack
    await ws.send(frame({"job_id": job_id, "offset": 0, "final": True}, data))
    return ack["id"]


async def get_job(ws, job_id):
    reply = await request(ws, {"type": "get_job", "id": job_id})
    assert reply["type"] == "job", reply
    return reply


async def wait_for(predicate, timeout=90, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def webhook_service(*args, secret=True):
    return Service("--allow-private-urls", "--webhook-min-backoff", "1", "--webhook-timeout", "3", *args,
                   env={"MEDIAFORGE_WEBHOOK_SECRET": SECRET} if secret else None)


def metric(service, name):
    status, _, body = service.http_get("/metrics")
    assert status == 200
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


class Webhooks(unittest.TestCase):

    @async_test
    async def test_final_event_is_delivered_signed_with_the_snapshot(self):
        receiver = Receiver().start()
        try:
            with webhook_service() as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    job = await submit(ws, "final-only", receiver.url())
                    got = await wait_for(receiver.accepted, what="the completed event")
                    self.assertEqual(len(got), 1, got)
                    delivery = got[0]
                    self.assertTrue(delivery["valid"], "the signature must verify")
                    self.assertEqual(delivery["event"], "completed")
                    self.assertEqual(delivery["attempt"], 1)
                    self.assertEqual(delivery["header_id"], delivery["delivery_id"])
                    self.assertEqual(delivery["job"]["id"], job)
                    self.assertEqual(delivery["job"]["job_id"], "final-only")
                    self.assertEqual(delivery["job"]["status"], "completed")
                    # get_job lists it with the receiver's answer.
                    reply = await wait_for_delivery_state(ws, job, "delivered")
                    [listed] = reply["deliveries"]
                    self.assertEqual(listed["delivery_id"], delivery["delivery_id"])
                    self.assertEqual(listed["status_code"], 200)
                    self.assertEqual(listed["attempts"], 1)
                    self.assertEqual(metric(service, 'mediaforge_webhook_deliveries_total{result="delivered"}'), 1)
                    self.assertEqual(metric(service, "mediaforge_webhook_deliveries_pending"), 0)
                    # Only the final state was asked for: no other event ever came.
                    await asyncio.sleep(1.5)
                    self.assertEqual([r["event"] for r in receiver.received()], ["completed"])
        finally:
            receiver.stop()

    @async_test
    async def test_failed_attempts_are_retried_with_growing_delays_and_delivered_once(self):
        failures = 3

        def answer(delivery):
            attempts = sum(1 for r in receiver.requests if r["delivery_id"] == delivery["delivery_id"])
            return 500 if attempts < failures else 200

        receiver = Receiver(answer).start()
        try:
            with webhook_service() as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    job = await submit(ws, "retried", receiver.url())
                    await wait_for(receiver.accepted, what="the delivery after the failures")
                    reply = await wait_for_delivery_state(ws, job, "delivered")
                    await asyncio.sleep(3)   # a delivery that was answered 200 is never sent again
                    attempts = receiver.received()
                    self.assertEqual([r["status"] for r in attempts], [500] * failures + [200])
                    self.assertEqual([r["attempt"] for r in attempts], list(range(1, failures + 2)))
                    self.assertEqual(len({r["delivery_id"] for r in attempts}), 1)
                    self.assertTrue(all(r["valid"] for r in attempts))
                    gaps = [b["at"] - a["at"] for a, b in zip(attempts, attempts[1:])]
                    # --webhook-min-backoff 1: at least 1 s, 2 s, 4 s (the load may only add).
                    for index, gap in enumerate(gaps):
                        self.assertGreaterEqual(gap, 0.95 * 2 ** index, gaps)
                    self.assertEqual(reply["deliveries"][0]["attempts"], failures + 1)
                    self.assertEqual(metric(service, 'mediaforge_webhook_deliveries_total{result="retried"}'), failures)
        finally:
            receiver.stop()

    @async_test
    async def test_events_survive_a_killed_service_and_arrive_in_order_once(self):
        port = free_port()
        receiver = Receiver(port=port)   # not started: every attempt is refused
        jobs = {}
        try:
            with webhook_service() as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    for index in range(3):
                        jobs[await submit(ws, f"order-{index}", receiver.url(), events="all")] = f"order-{index}"
                    for job in jobs:
                        while (await get_job(ws, job))["job"]["status"] != "completed":
                            await asyncio.sleep(0.1)
                    for job in jobs:
                        reply = await get_job(ws, job)
                        self.assertEqual([d["state"] for d in reply["deliveries"]], ["pending"] * 4, reply)
                service.restart()   # SIGKILL, then the same data dir
                receiver.start()
                expected = ["awaiting_upload", "queued", "processing", "completed"]
                await wait_for(lambda: len(receiver.accepted()) >= len(expected) * len(jobs), timeout=120,
                               what="every event after the restart")
                await asyncio.sleep(2)
                got = receiver.received()
                self.assertTrue(all(r["valid"] for r in got))
                ids = [r["delivery_id"] for r in got]
                self.assertEqual(len(ids), len(set(ids)), "each delivery id is processed once")
                for job, name in jobs.items():
                    events = [r["event"] for r in got if r["job"]["id"] == job]
                    self.assertEqual(events, expected, name)
                    self.assertEqual([r["job"]["status"] for r in got if r["job"]["id"] == job], expected)
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    for job in jobs:
                        reply = await get_job(ws, job)
                        self.assertEqual([d["state"] for d in reply["deliveries"]], ["delivered"] * 4)
        finally:
            receiver.stop()

    @async_test
    async def test_failing_then_absent_receiver_across_a_killed_service_gets_every_event_once_in_order(self):
        # The whole story at once: the receiver answers 500, then is gone while the service is
        # SIGKILLed and restarted, then comes back on the same port.
        receiver = Receiver(lambda delivery: 500).start()
        jobs = {}
        try:
            with webhook_service() as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    for index in range(2):
                        jobs[await submit(ws, f"story-{index}", receiver.url(), events="all")] = f"story-{index}"
                    for job in jobs:
                        while (await get_job(ws, job))["job"]["status"] != "completed":
                            await asyncio.sleep(0.1)

                def failed_twice():
                    got = receiver.received()
                    return all(sum(1 for r in got if r["job"]["id"] == job and r["status"] == 500) >= 2 for job in jobs)

                await wait_for(failed_twice, timeout=60, what="two answers of 500 for each job")
                receiver.stop()
                service.restart()   # SIGKILL, then the same data dir
                receiver.answer = lambda delivery: 200
                receiver.start()
                expected = ["awaiting_upload", "queued", "processing", "completed"]
                await wait_for(lambda: len(receiver.accepted()) >= len(expected) * len(jobs), timeout=120,
                               what="every event after the restart")
                await asyncio.sleep(2)
                got = receiver.received()
                self.assertTrue(all(r["valid"] for r in got))
                accepted_ids = [r["delivery_id"] for r in receiver.accepted()]
                self.assertEqual(len(accepted_ids), len(set(accepted_ids)), "each delivery id is accepted once")
                for job, name in jobs.items():
                    self.assertEqual([r["event"] for r in receiver.accepted() if r["job"]["id"] == job], expected, name)
                    # While the first event kept failing, the later ones waited behind it.
                    self.assertEqual({r["event"] for r in got if r["job"]["id"] == job and r["status"] == 500},
                                     {"awaiting_upload"}, name)
        finally:
            receiver.stop()

    @async_test
    async def test_ssrf_forms_of_notify_url_are_refused(self):
        receiver = Receiver().start()
        try:
            # Without --allow-private-urls, as a service reachable from outside runs.
            with Service("--webhook-min-backoff", "1", env={"MEDIAFORGE_WEBHOOK_SECRET": SECRET}) as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    refused = ["http://127.0.0.1/hook", "http://0x7f.1/hook", "http://2130706433/hook",
                               "http://0177.0.0.1/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook",
                               "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.1.1/",
                               "http://100.64.0.1/", "http://0.0.0.0/", "http://[fe80::1]/", "http://224.0.0.1/"]
                    for index, url in enumerate(refused):
                        reply = await submit(ws, f"ssrf-{index}", url, expect="error")
                        self.assertEqual((reply["type"], reply.get("code")), ("error", "URL_NOT_ALLOWED"), (url, reply))
                    for index, url in enumerate(["ftp://example.com/x", "file:///etc/passwd", "gopher://x/",
                                                 "javascript:alert(1)", "http://", 42, "x" * 3000]):
                        reply = await submit(ws, f"bad-{index}", url, expect="error")
                        self.assertEqual(reply.get("code"), "VALIDATION_ERROR", (url, reply))
                    # A name is resolved when it is used: one that resolves to loopback is refused
                    # then, and the receiver hears nothing.
                    job = await submit(ws, "by-name", f"http://localhost:{receiver.port}/hook")
                    reply = await wait_for_delivery(ws, job, lambda d: d.get("error"))
                    self.assertIn("not allowed", reply["deliveries"][0]["error"].lower())
                    self.assertEqual(receiver.received(), [])
            # Unsigned webhooks are not offered: without any secret, notify_url is refused.
            with webhook_service(secret=False) as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    reply = await submit(ws, "unsigned", receiver.url(), expect="error")
                    self.assertEqual(reply.get("code"), "VALIDATION_ERROR", reply)
                    self.assertIn("secret", json.dumps(reply))
        finally:
            receiver.stop()

    @async_test
    async def test_silent_and_endless_receivers_hold_no_slot_past_the_timeout(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)          # accepts, reads nothing, never answers
        endless = socket.socket()
        endless.bind(("127.0.0.1", 0))
        endless.listen(16)
        streamed = {"bytes": 0, "closed": False}

        def stream_forever():
            connection, _ = endless.accept()
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"x" * 65536
            try:
                while streamed["bytes"] < 1 << 32:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    streamed["bytes"] += len(chunk)
            except OSError:
                streamed["closed"] = True
            connection.close()

        threading.Thread(target=stream_forever, daemon=True).start()
        receiver = Receiver().start()
        try:
            # One slot: a held slot would stop the good receiver's delivery.
            with webhook_service("--webhook-max-in-flight", "1") as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    rss_before = service.rss_bytes()
                    hung = await submit(ws, "silent", f"http://127.0.0.1:{silent.getsockname()[1]}/hook")
                    reply = await wait_for_delivery(ws, hung, lambda d: d.get("error"))
                    self.assertIn("timeout", reply["deliveries"][0]["error"])
                    self.assertEqual(reply["deliveries"][0]["state"], "pending")
                    streaming = await submit(ws, "endless", f"http://127.0.0.1:{endless.getsockname()[1]}/hook")
                    reply = await wait_for_delivery_state(ws, streaming, "delivered")
                    self.assertEqual(reply["deliveries"][0]["status_code"], 200)
                    await wait_for(lambda: streamed["closed"], timeout=30, what=f"the endless body to be cut off: {streamed}")
                    # The service reads a few KB of it at most: far less than it was offered.
                    self.assertLess(service.rss_bytes() - rss_before, 64 << 20)
                    good = await submit(ws, "good", receiver.url())
                    await wait_for(receiver.accepted, what="the good receiver's delivery")
                    await wait_for_delivery_state(ws, good, "delivered")
                    self.assertLessEqual(metric(service, "mediaforge_webhook_deliveries_in_flight"), 1)
        finally:
            receiver.stop()
            silent.close()
            endless.close()

    @async_test
    async def test_only_an_admin_may_redeliver(self):
        receiver = Receiver().start()
        directory = tempfile.mkdtemp(prefix="mediaforge-webhooks-")
        tokens = tokens_file(directory, [f"admin {ADMIN} ops", f"client {ALICE} alice"])
        try:
            with webhook_service("--tokens-file", tokens) as service:
                async with connect(service.ws_url) as alice, connect(service.ws_url) as admin:
                    await hello(alice, ALICE)
                    await hello(admin, ADMIN)
                    job = await submit(alice, "redelivered", receiver.url())
                    reply = await wait_for_delivery_state(alice, job, "delivered")
                    delivery_id = reply["deliveries"][0]["delivery_id"]
                    refused = await request(alice, {"type": "redeliver", "delivery_id": delivery_id})
                    self.assertEqual(refused.get("code"), "FORBIDDEN", refused)
                    again = await request(admin, {"type": "redeliver", "delivery_id": delivery_id})
                    self.assertEqual(again["type"], "redelivering", again)
                    self.assertEqual(again["deliveries"][0]["delivery_id"], delivery_id)
                    await wait_for(lambda: len(receiver.accepted()) == 2, what="the redelivery")
                    first, second = receiver.accepted()
                    self.assertEqual(second["delivery_id"], first["delivery_id"])
                    self.assertEqual(second["attempt"], 2)
                    self.assertTrue(second["valid"])
                    # By job: every finished delivery of it again.
                    await wait_for_delivery_state(admin, job, "delivered")
                    by_job = await request(admin, {"type": "redeliver", "id": job})
                    self.assertEqual(by_job["type"], "redelivering", by_job)
                    await wait_for(lambda: len(receiver.accepted()) == 3, what="the redelivery by job")
                    unknown = await request(admin, {"type": "redeliver", "delivery_id": "whd_nope"})
                    self.assertEqual(unknown.get("code"), "NOT_FOUND", unknown)
        finally:
            receiver.stop()


async def wait_for_delivery(ws, job, predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = await get_job(ws, job)
        deliveries = reply.get("deliveries", [])
        if deliveries and all(predicate(d) for d in deliveries):
            return reply
        await asyncio.sleep(0.2)
    raise AssertionError(f"deliveries of {job} never matched: {reply}")


async def wait_for_delivery_state(ws, job, state, timeout=90):
    return await wait_for_delivery(ws, job, lambda d: d["state"] == state, timeout)


if __name__ == "__main__":
    main()
