# SPDX-License-Identifier: GPL-3.0-or-later
"""Durability as a client sees it (issue 9), against the real mediaforged.

Idempotent submission: a start_job retried with its idempotency_key returns the job the first
one made (after a lost ack, on another connection, after a SIGKILL restart), never a second job;
the same key for another request is refused with DUPLICATE_JOB naming the job it belongs to;
keys are per owner with tokens and shared by every local client without.

Reconnect grace and attach: a token owner's level 1 job outlives its dropped connection (and a
SIGKILL restart); the owner attaches on a new connection and gets `completed` and outputs
byte-identical to what the service recorded; nobody else may attach, an admin included; past
the grace the job is cancelled.

Upload resume: an upload cut by a dropped connection or by a SIGKILL restart goes on from the
`received_bytes` the snapshot reports, after `attach`; a chunk at another offset is refused with
BAD_OFFSET naming the expected offset and leaves the job as it was; the output's SHA-256 equals
that of the same job uploaded in one go."""

import asyncio
import json
import os
import signal
import tempfile
import unittest

from harness import Service, async_test, connect, frame, main, make_video, recv_any, request, sha256, unframe

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef01"
ADMIN = "admin-token-0123456789abcdef"


def read(path):
    with open(path, "rb") as f:
        return f.read()


async def hello(ws, token=None):
    message = {"type": "hello", "protocol": 1, "client": "e2e-resume/1"}
    if token:
        message["token"] = token
    reply = await request(ws, message)
    assert reply["type"] == "welcome", reply
    return reply


def start_job(key, data, job_id="clip", operation="remove_audio", options=None, detach=True):
    message = {"type": "start_job", "job_id": job_id, "operation": operation, "options": options or {},
               "detach": detach, "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)}}
    if key is not None:
        message["idempotency_key"] = key
    return message


async def list_ids(ws):
    reply = await request(ws, {"type": "list_jobs"})
    assert reply["type"] == "jobs", reply
    return sorted(job["id"] for job in reply["jobs"])


class IdempotentSubmission(unittest.TestCase):
    def setUp(self):
        self.tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
        self.tokens.write(f"client {ALICE} alice\nclient {BOB} bob\n")
        self.tokens.close()
        self.clip = read(make_video(seconds=1.0))

    def tearDown(self):
        os.unlink(self.tokens.name)

    @async_test
    async def test_retry_after_a_lost_ack_returns_the_same_job_even_after_a_restart(self):
        with Service("--tokens-file", self.tokens.name) as service:
            key = "retry-0001-5f0c9a2e"
            # The first attempt's ack is never read: the connection dies right after sending.
            async with connect(service.ws_url) as ws:
                await hello(ws, ALICE)
                await ws.send(json.dumps(start_job(key, self.clip)))
            async with connect(service.ws_url) as ws:
                await hello(ws, ALICE)
                ack = await request(ws, start_job(key, self.clip))
                self.assertEqual(ack["type"], "ack", ack)
                self.assertTrue(ack.get("replayed"), ack)
                first = ack["id"]
                # The first ack, had it arrived, named the same job: there is exactly one.
                self.assertEqual(await list_ids(ws), [first])

                # The job goes on; a retry on this connection is answered the same way.
                again = await request(ws, start_job(key, self.clip))
                self.assertEqual((again["type"], again["id"], again.get("replayed")), ("ack", first, True), again)

                # The same key for other work is a client bug, not a retry.
                other = await request(ws, start_job(key, self.clip, operation="compress"))
                self.assertEqual(other["type"], "error", other)
                self.assertEqual(other["code"], "DUPLICATE_JOB", other)
                self.assertEqual(other["details"]["idempotency_key"], key)
                self.assertEqual(other["details"]["id"], first)
                options = await request(ws, start_job(key, self.clip, options={"keep_video_quality": False}))
                self.assertEqual(options["code"], "DUPLICATE_JOB", options)
                self.assertEqual(await list_ids(ws), [first])

            # The key is in the job store: a crash does not forget it.
            service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws, ALICE)
                ack = await request(ws, start_job(key, self.clip))
                self.assertEqual((ack["type"], ack["id"], ack.get("replayed")), ("ack", first, True), ack)
                self.assertEqual(await list_ids(ws), [first])

                # Without a key, the same request is a new job.
                fresh = await request(ws, start_job(None, self.clip, job_id="clip2"))
                self.assertEqual(fresh["type"], "ack", fresh)
                self.assertNotEqual(fresh["id"], first)
                self.assertNotIn("replayed", fresh)

    @async_test
    async def test_keys_belong_to_one_token_owner(self):
        with Service("--tokens-file", self.tokens.name) as service:
            key = "owner-0002-77aa01bb"
            async with connect(service.ws_url) as alice, connect(service.ws_url) as bob:
                await hello(alice, ALICE)
                await hello(bob, BOB)
                mine = await request(alice, start_job(key, self.clip))
                theirs = await request(bob, start_job(key, self.clip))
                self.assertEqual((mine["type"], theirs["type"]), ("ack", "ack"), (mine, theirs))
                self.assertNotEqual(mine["id"], theirs["id"])
                self.assertNotIn("replayed", theirs)

    @async_test
    async def test_without_authentication_all_local_clients_share_the_key_space(self):
        with Service() as service:
            key = "local-0003-c0ffee00"
            async with connect(service.ws_url) as first, connect(service.ws_url) as second:
                await hello(first)
                await hello(second)
                ack = await request(first, start_job(key, self.clip))
                retry = await request(second, start_job(key, self.clip))
                self.assertEqual(ack["type"], "ack", ack)
                self.assertEqual((retry["type"], retry["id"], retry.get("replayed")), ("ack", ack["id"], True), retry)

    @async_test
    async def test_a_malformed_key_is_a_validation_error(self):
        with Service() as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                for bad in ["short", "x" * 129, "has space in it", 12345678]:
                    reply = await request(ws, start_job(bad, self.clip))
                    self.assertEqual(reply["type"], "error", reply)
                    self.assertEqual(reply["code"], "VALIDATION_ERROR", reply)
                    paths = [d["path"] for d in reply["details"]]
                    self.assertIn("idempotency_key", paths, reply)


async def upload(ws, job_id, data, start=0, chunk=256 * 1024, end=None):
    """Sends data[start:end] in chunks; the last chunk is final only when `end` is the end."""
    end = len(data) if end is None else end
    for offset in range(start, end, chunk):
        await ws.send(frame({"job_id": job_id, "offset": offset, "final": min(offset + chunk, end) >= len(data)},
                            data[offset:min(offset + chunk, end)]))


async def get_job(ws, key):
    reply = await request(ws, {"type": "get_job", **key})
    assert reply["type"] == "job", reply
    return reply["job"]


async def wait_status(ws, key, statuses, timeout=180):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        job = await get_job(ws, key)
        if job["status"] in statuses:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {key} never reached {statuses}: {job}")


async def receive_until_delivered(ws, timeout=180):
    """The `completed` of the attached job and its output bytes, up to `output_delivered`."""
    completed = None
    chunks = []
    while True:
        message = await recv_any(ws, timeout)
        if isinstance(message, bytes):
            header, payload = unframe(message)
            assert header["offset"] == sum(len(c) for c in chunks), header
            chunks.append(payload)
        elif message["type"] == "completed":
            completed = message
        elif message["type"] == "output_delivered":
            return completed, b"".join(chunks), message
        elif message["type"] == "error":
            raise AssertionError(message)


class ReconnectGrace(unittest.TestCase):
    def setUp(self):
        self.tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
        self.tokens.write(f"client {ALICE} alice\nclient {BOB} bob\nadmin {ADMIN} ops\n")
        self.tokens.close()
        # Long enough that processing is surely still running when the connection drops.
        self.long = read(make_video(seconds=20.0, size="640x360"))

    def tearDown(self):
        os.unlink(self.tokens.name)

    def service(self, *args):
        return Service("--tokens-file", self.tokens.name, "--max-concurrent-jobs", "1", *args)

    async def start_processing(self, service, job_id):
        """Starts a compress job as alice and returns its id once it is processing, with the
        connection closed under it."""
        ws = await connect(service.ws_url)
        await hello(ws, ALICE)
        ack = await request(ws, start_job(None, self.long, job_id=job_id, operation="compress", detach=False))
        self.assertEqual(ack["type"], "ack", ack)
        await upload(ws, job_id, self.long)
        await wait_status(ws, {"id": ack["id"]}, {"processing"})
        await ws.close()
        return ack["id"]

    @async_test
    async def test_owner_reattaches_within_the_grace_and_gets_completed_and_identical_outputs(self):
        with self.service() as service:
            job = await self.start_processing(service, "grace")
            async with connect(service.ws_url) as ws, connect(service.ws_url) as bob, \
                    connect(service.ws_url) as admin:
                await hello(ws, ALICE)
                await hello(bob, BOB)
                await hello(admin, ADMIN)
                waiting = await get_job(ws, {"id": job})
                self.assertIn(waiting["status"], {"processing", "completed"}, waiting)
                self.assertIn("reconnect_until", waiting)

                # Nobody but the owner: not another client, not an admin.
                for other in (bob, admin):
                    refused = await request(other, {"type": "attach", "id": job})
                    self.assertEqual((refused["type"], refused["code"]), ("error", "FORBIDDEN"), refused)
                # bob's namespace has no job "grace" at all.
                missing = await request(bob, {"type": "attach", "job_id": "grace"})
                self.assertEqual(missing["code"], "NOT_FOUND", missing)

                attached = await request(ws, {"type": "attach", "job_id": "grace"})
                self.assertEqual(attached["type"], "job", attached)
                self.assertEqual(attached["job"]["id"], job)
                self.assertNotIn("reconnect_until", attached["job"])
                completed, data, delivered = await receive_until_delivered(ws)
                self.assertEqual(completed["id"], job)
                self.assertEqual(sha256(data), completed["outputs"][0]["sha256"])
                self.assertEqual(delivered["sha256"], completed["outputs"][0]["sha256"])
                self.assertEqual(len(data), completed["outputs"][0]["size_bytes"])
            await asyncio.to_thread(service.wait_clean)

    @async_test
    async def test_past_the_grace_the_job_is_cancelled(self):
        with self.service("--reconnect-grace", "2") as service:
            job = await self.start_processing(service, "late")
            async with connect(service.ws_url) as ws:
                await hello(ws, ALICE)
                ended = await wait_status(ws, {"id": job}, {"cancelled", "completed"})
                self.assertEqual(ended["status"], "cancelled", ended)
                self.assertEqual(ended["error"]["code"], "JOB_CANCELLED")
                self.assertEqual(ended["error"]["details"]["reason"], "reconnect_grace")
                # Attaching now gives the snapshot and the error that ended it.
                await ws.send(json.dumps({"type": "attach", "id": job, "request_id": "late"}))
                reply = await recv_any(ws)
                self.assertEqual((reply["type"], reply["job"]["status"]), ("job", "cancelled"), reply)
                error = await recv_any(ws)
                self.assertEqual((error["type"], error["code"], error["id"]), ("error", "JOB_CANCELLED", job), error)
            await asyncio.to_thread(service.wait_clean)

    @async_test
    async def test_after_a_sigkill_restart_the_owner_reattaches_and_gets_completed(self):
        with self.service() as service:
            ws = await connect(service.ws_url)
            await hello(ws, ALICE)
            ack = await request(ws, start_job(None, self.long, job_id="crash", operation="compress", detach=False))
            await upload(ws, "crash", self.long)
            await wait_status(ws, {"id": ack["id"]}, {"processing"})
            service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws, ALICE)
                waiting = await get_job(ws, {"id": ack["id"]})
                self.assertIn(waiting["status"], {"queued", "processing"}, waiting)
                self.assertIn("reconnect_until", waiting)
                attached = await request(ws, {"type": "attach", "id": ack["id"]})
                self.assertEqual(attached["type"], "job", attached)
                completed, data, _ = await receive_until_delivered(ws)
                self.assertEqual(completed["id"], ack["id"])
                self.assertEqual(sha256(data), completed["outputs"][0]["sha256"])

    @async_test
    async def test_without_authentication_a_dropped_connection_still_cancels_at_once(self):
        with Service("--max-concurrent-jobs", "1") as service:
            ws = await connect(service.ws_url)
            await hello(ws)
            ack = await request(ws, start_job(None, self.long, job_id="local", operation="compress", detach=False))
            await upload(ws, "local", self.long)
            await wait_status(ws, {"id": ack["id"]}, {"processing"})
            await ws.close()
            async with connect(service.ws_url) as ws:
                await hello(ws)
                ended = await wait_status(ws, {"id": ack["id"]}, {"cancelled"}, timeout=30)
                self.assertNotIn("reconnect_until", ended)
                refused = await request(ws, {"type": "attach", "id": ack["id"]})
                self.assertEqual(refused["code"], "FORBIDDEN", refused)


class UploadResume(unittest.TestCase):
    def setUp(self):
        self.tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
        self.tokens.write(f"client {ALICE} alice\n")
        self.tokens.close()
        # Several chunks of 64 KiB; remove_audio copies the video, so equal inputs give equal outputs.
        self.clip = read(make_video(seconds=4.0, size="640x360"))
        self.half = (len(self.clip) // 2) // 65536 * 65536

    def tearDown(self):
        os.unlink(self.tokens.name)

    async def uninterrupted_sha(self, service):
        async with connect(service.ws_url) as ws:
            await hello(ws, ALICE)
            ack = await request(ws, start_job(None, self.clip, job_id="whole", detach=False))
            await upload(ws, "whole", self.clip, chunk=65536)
            completed, data, _ = await receive_until_delivered(ws)
            self.assertEqual(sha256(data), completed["outputs"][0]["sha256"])
            self.assertEqual(completed["id"], ack["id"])
            return sha256(data)

    async def cut_upload(self, ws, job_id):
        """Starts an upload job and sends its first half; returns its id once the service has
        taken every chunk sent (a ping is answered after them)."""
        await hello(ws, ALICE)
        ack = await request(ws, start_job(None, self.clip, job_id=job_id, detach=False))
        self.assertEqual(ack["type"], "ack", ack)
        await upload(ws, job_id, self.clip, chunk=65536, end=self.half)
        pong = await request(ws, {"type": "ping"})
        self.assertEqual(pong["type"], "pong")
        return ack["id"]

    async def resume(self, ws, job_id):
        """On a new connection: the snapshot says where to go on, a wrong offset changes
        nothing, the right one finishes the upload; returns the output's SHA-256."""
        await hello(ws, ALICE)
        attached = await request(ws, {"type": "attach", "job_id": job_id})
        self.assertEqual(attached["type"], "job", attached)
        snapshot = attached["job"]
        self.assertEqual(snapshot["status"], "awaiting_upload", snapshot)
        received = snapshot["uploads"][0]["received_bytes"]
        self.assertEqual(received, self.half, snapshot)
        self.assertEqual(snapshot["input"]["received_bytes"], self.half, snapshot)

        # A chunk from anywhere else (here: the start again) is refused and harms nothing.
        await ws.send(frame({"job_id": job_id, "offset": 0, "final": False}, self.clip[:65536]))
        refused = await recv_any(ws)
        self.assertEqual((refused["type"], refused["code"]), ("error", "BAD_OFFSET"), refused)
        self.assertEqual(refused["details"]["expected_offset"], self.half, refused)
        unchanged = await get_job(ws, {"job_id": job_id})
        self.assertEqual(unchanged["status"], "awaiting_upload", unchanged)
        self.assertEqual(unchanged["uploads"][0]["received_bytes"], self.half, unchanged)

        await upload(ws, job_id, self.clip, start=received, chunk=65536)
        completed, data, _ = await receive_until_delivered(ws)
        self.assertEqual(sha256(data), completed["outputs"][0]["sha256"])
        return sha256(data)

    @async_test
    async def test_an_upload_cut_by_a_dropped_connection_goes_on_after_attach(self):
        with Service("--tokens-file", self.tokens.name) as service:
            expected = await self.uninterrupted_sha(service)
            ws = await connect(service.ws_url)
            await self.cut_upload(ws, "dropped")
            await ws.close()
            async with connect(service.ws_url) as ws:
                self.assertEqual(await self.resume(ws, "dropped"), expected)
            await asyncio.to_thread(service.wait_clean)

    @async_test
    async def test_an_upload_cut_by_a_sigkill_restart_goes_on_after_attach(self):
        with Service("--tokens-file", self.tokens.name) as service:
            expected = await self.uninterrupted_sha(service)
            ws = await connect(service.ws_url)
            await self.cut_upload(ws, "crashed")
            service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                self.assertEqual(await self.resume(ws, "crashed"), expected)
            await asyncio.to_thread(service.wait_clean)

    @async_test
    async def test_a_level0_upload_stays_bound_to_its_connection(self):
        with Service("--tokens-file", self.tokens.name) as service:
            async with connect(service.ws_url + f"/?token={ALICE}") as ws0:
                ack = await request(ws0, {"type": "start_job", "job_id": "zero", "operation": "remove_audio",
                                          "input": {"source": "upload"}})
                self.assertEqual(ack["type"], "ack", ack)
                async with connect(service.ws_url) as ws:
                    await hello(ws, ALICE)
                    refused = await request(ws, {"type": "attach", "id": ack["id"]})
                    self.assertEqual((refused["type"], refused["code"]), ("error", "INVALID_STATE"), refused)


if __name__ == "__main__":
    main()
