# SPDX-License-Identifier: GPL-3.0-or-later
"""Webhook settings of an owner (its tokens-file line), end to end: the real mediaforged POSTs
to a real HTTP receiver on loopback (hence --allow-private-urls) that keeps every request's raw
body and signature header and checks them with its own HMAC code against each key it knows.
Proves: a level 1 start_job without notify_url gets the owner's `notify_url=` (its
notify_events apply to it, its own notify_url wins, a level 0 job and an owner without one get
no webhook); each owner's `webhook_secret=` signs its deliveries and no other key does, the
service-wide key signing only for owners without one; a default URL the guard refuses, or one
nothing could sign, refuses the job with an error that names the tokens file."""

import asyncio
import http.server
import json
import shutil
import tempfile
import threading
import time
import unittest

from harness import Service, async_test, connect, frame, level0_job, main, make_video, request, webhook_signature_valid
from hostile_support import tokens_file

GLOBAL_SECRET = "service-wide-secret-0123456789abcdef"
ALICE_SECRET = "alice-own-secret-fedcba9876543210"
BOB_SECRET = "bob-own-secret-00112233445566778899"
ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef01"
CAROL = "carol-token-0123456789abcdef"

VIDEO = None


def video():
    global VIDEO
    if VIDEO is None:
        with open(make_video(seconds=1.0, size="160x120"), "rb") as f:
            VIDEO = f.read()
    return VIDEO


class Receiver:
    """Answers 200 to every POST on 127.0.0.1 and keeps (path, signature header, raw body)."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "body": body, "payload": json.loads(body),
                                              "signature": self.headers.get("Mediaforge-Signature", "")})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def of_job(self, job_id):
        with self.lock:
            return [r for r in self.requests if r["payload"]["job"]["job_id"] == job_id]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


async def wait_for(predicate, timeout=90, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def session(service, token):
    return connect(service.ws_url, extra_headers={"Authorization": f"Bearer {token}"})


async def run_job(ws, job_id, **fields):
    """A level 1 probe job of an upload; returns the ack (or the error)."""
    data = video()
    ack = await request(ws, {"type": "start_job", "job_id": job_id, "operation": "probe",
                             "input": {"source": "upload", "filename": f"{job_id}.mp4", "size": len(data)}, **fields})
    if ack["type"] == "ack":
        await ws.send(frame({"job_id": job_id, "offset": 0, "final": True}, data))
    return ack


async def finished_job(ws, job_id, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = await request(ws, {"type": "get_job", "job_id": job_id})
        assert reply["type"] == "job", reply
        if reply["job"]["status"] in ("completed", "failed", "cancelled"):
            return reply
        await asyncio.sleep(0.2)
    raise AssertionError(f"{job_id} did not finish")


class OwnerWebhooks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.dir = tempfile.mkdtemp(prefix="mediaforge-ownerhooks-")
        tokens = tokens_file(cls.dir, [
            f"client {ALICE} alice webhook_secret={ALICE_SECRET} notify_url={cls.receiver.url('/alice-default')}",
            f"client {BOB} bob webhook_secret={BOB_SECRET}",
            f"client {CAROL} carol"])
        cls.service = Service("--tokens-file", tokens, "--allow-private-urls", "--webhook-min-backoff", "1",
                              "--webhook-timeout", "5", env={"MEDIAFORGE_WEBHOOK_SECRET": GLOBAL_SECRET})
        cls.service.start()

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()
        cls.receiver.stop()
        shutil.rmtree(cls.service.temp_dir, ignore_errors=True)
        shutil.rmtree(cls.dir, ignore_errors=True)

    @async_test
    async def test_a_job_without_notify_url_gets_the_owners_default(self):
        async with session(self.service, ALICE) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            ack = await run_job(ws, "default-url")
            self.assertEqual(ack["type"], "ack", ack)
            [delivery] = await wait_for(lambda: self.receiver.of_job("default-url"), what="the default URL's delivery")
            self.assertEqual(delivery["path"], "/alice-default")
            self.assertEqual(delivery["payload"]["event"], "completed")
            self.assertTrue(webhook_signature_valid(ALICE_SECRET, delivery["signature"], delivery["body"]))
            job = await finished_job(ws, "default-url")
            self.assertEqual([d["event"] for d in job["deliveries"]], ["completed"])

    @async_test
    async def test_notify_events_apply_to_the_default_url(self):
        async with session(self.service, ALICE) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            ack = await run_job(ws, "default-all", notify_events="all")
            self.assertEqual(ack["type"], "ack", ack)
            got = await wait_for(lambda: [r for r in self.receiver.of_job("default-all")
                                          if r["payload"]["event"] == "completed"] and self.receiver.of_job("default-all"),
                                 what="every event at the default URL")
            self.assertEqual([r["payload"]["event"] for r in got], ["awaiting_upload", "queued", "processing", "completed"])
            self.assertEqual({r["path"] for r in got}, {"/alice-default"})

    @async_test
    async def test_the_jobs_own_notify_url_wins_over_the_default(self):
        async with session(self.service, ALICE) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            ack = await run_job(ws, "own-url", notify_url=self.receiver.url("/alice-own"))
            self.assertEqual(ack["type"], "ack", ack)
            [delivery] = await wait_for(lambda: self.receiver.of_job("own-url"), what="the job's own URL")
            self.assertEqual(delivery["path"], "/alice-own")
            # Still the owner's key: the URL came from the client, the owner is the same.
            self.assertTrue(webhook_signature_valid(ALICE_SECRET, delivery["signature"], delivery["body"]))
            job = await finished_job(ws, "own-url")
            self.assertEqual(len(job["deliveries"]), 1, job)

    @async_test
    async def test_level_0_jobs_and_owners_without_a_default_get_no_webhook(self):
        async with session(self.service, ALICE) as ws:
            result = await level0_job(ws, {"type": "start_job", "job_id": "level0", "operation": "probe",
                                           "input": {"source": "upload", "filename": "l0.mp4"}}, [("l0.mp4", video())])
            self.assertIsNotNone(result.completed, result.error)
        async with session(self.service, ALICE) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            job = await finished_job(ws, "level0")
            self.assertNotIn("deliveries", job)
        async with session(self.service, CAROL) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            self.assertEqual((await run_job(ws, "no-default"))["type"], "ack")
            job = await finished_job(ws, "no-default")
            self.assertNotIn("deliveries", job)
            # notify_events alone means nothing without a URL to send them to.
            refused = await run_job(ws, "events-only", notify_events="all")
            self.assertEqual(refused.get("code"), "VALIDATION_ERROR", refused)
            self.assertEqual(refused["details"][0]["path"], "notify_events")
        self.assertEqual(self.receiver.of_job("level0") + self.receiver.of_job("no-default"), [])

    @async_test
    async def test_each_owner_signs_with_its_own_secret_and_others_with_the_service_key(self):
        jobs = {"signed-alice": ALICE, "signed-bob": BOB, "signed-carol": CAROL}
        for job_id, token in jobs.items():
            async with session(self.service, token) as ws:
                await request(ws, {"type": "hello", "protocol": 1})
                ack = await run_job(ws, job_id, notify_url=self.receiver.url("/shared"))
                self.assertEqual(ack["type"], "ack", ack)
        keys = {"alice": ALICE_SECRET, "bob": BOB_SECRET, "service": GLOBAL_SECRET}
        expected = {"signed-alice": "alice", "signed-bob": "bob", "signed-carol": "service"}
        for job_id, owner_key in expected.items():
            [delivery] = await wait_for(lambda: self.receiver.of_job(job_id), what=f"the delivery of {job_id}")
            verified = sorted(name for name, key in keys.items()
                              if webhook_signature_valid(key, delivery["signature"], delivery["body"]))
            self.assertEqual(verified, [owner_key], f"{job_id}: exactly its owner's key verifies")


class RefusedOwnerDefaults(unittest.TestCase):
    """No --allow-private-urls and no service-wide key: a default URL at a loopback literal is
    refused by the guard, and one that nothing could sign is refused too."""

    @async_test
    async def test_a_default_url_the_guard_or_the_signer_refuses_refuses_the_job(self):
        directory = tempfile.mkdtemp(prefix="mediaforge-ownerhooks-refused-")
        tokens = tokens_file(directory, [
            f"client {ALICE} alice webhook_secret={ALICE_SECRET} notify_url=http://127.0.0.1:9/hook",
            f"client {BOB} bob notify_url=http://hooks.invalid/hook"])
        try:
            with Service("--tokens-file", tokens) as service:
                async with session(service, ALICE) as ws:
                    await request(ws, {"type": "hello", "protocol": 1})
                    refused = await run_job(ws, "guarded")
                    self.assertEqual(refused.get("code"), "URL_NOT_ALLOWED", refused)
                    self.assertIn("tokens file", refused["message"])
                async with session(service, BOB) as ws:
                    await request(ws, {"type": "hello", "protocol": 1})
                    refused = await run_job(ws, "unsigned")
                    self.assertEqual(refused.get("code"), "VALIDATION_ERROR", refused)
                    self.assertIn("tokens file", refused["message"])
                    self.assertEqual(refused["details"][0]["path"], "notify_url")
                    # Neither created a job.
                    listed = await request(ws, {"type": "list_jobs"})
                    self.assertEqual(listed.get("jobs"), [], listed)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
