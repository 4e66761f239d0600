# SPDX-License-Identifier: GPL-3.0-or-later
"""Durability end to end: the real mediaforged is SIGKILLed (and SIGTERMed) with jobs in every
state (a delivery in flight among them) and started again on the same data dir. Queued jobs run again in order, an interrupted
run runs again with attempts + 1 and a job whose runs kill the service every time fails after
--max-attempts, a detached output is fetched byte-identical with the same token, level 0 jobs
are cancelled, files no record owns are swept, and a graceful stop keeps the queue."""

import asyncio
import json
import os
import signal
import tempfile
import time
import unittest

from harness import Service, async_test, connect, frame, main, make_audio, make_video, recv_any, request, sha256, unframe

ALICE = "alice-token-0123456789abcdef"


def read(path):
    with open(path, "rb") as f:
        return f.read()


async def hello(ws, token=ALICE):
    reply = await request(ws, {"type": "hello", "protocol": 1, "client": "e2e-durability/1", "token": token})
    assert reply["type"] == "welcome", reply
    return reply


async def submit(ws, job_id, data, detach=False, operation="compress", options=None):
    ack = await request(ws, {"type": "start_job", "job_id": job_id, "operation": operation,
                             "options": options or {}, "detach": detach,
                             "input": {"source": "upload", "filename": f"{job_id}.mp4", "size": len(data)}})
    assert ack["type"] == "ack", ack
    chunk = 256 * 1024
    for offset in range(0, len(data), chunk):
        await ws.send(frame({"job_id": job_id, "offset": offset, "final": offset + chunk >= len(data)},
                            data[offset:offset + chunk]))
    return ack["id"]


async def get_job(ws, job_id):
    reply = await request(ws, {"type": "get_job", "id": job_id})
    assert reply["type"] == "job", reply
    return reply["job"]


async def wait_status(ws, job_id, statuses, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = await get_job(ws, job_id)
        if job["status"] in statuses:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached {statuses}: {job}")


async def fetch_output(ws, job_id):
    await ws.send(json.dumps({"type": "fetch_output", "id": job_id, "request_id": "fetch"}))
    chunks = []
    while True:
        message = await recv_any(ws)
        if isinstance(message, bytes):
            header, payload = unframe(message)
            assert header["offset"] == sum(len(c) for c in chunks), header
            chunks.append(payload)
        elif message["type"] == "output_delivered":
            return b"".join(chunks)
        elif message["type"] == "error":
            raise AssertionError(message)


class Durability(unittest.TestCase):
    def setUp(self):
        self.tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
        self.tokens.write(f"client {ALICE} alice\n")
        self.tokens.close()
        # A long clip and a slow-ish encode, so that a run is surely in progress when killed.
        self.long = read(make_video(seconds=30.0, size="640x360"))
        self.short = read(make_video(seconds=1.0))

    def tearDown(self):
        os.unlink(self.tokens.name)

    def service(self, *args):
        return Service("--tokens-file", self.tokens.name, "--max-concurrent-jobs", "1", "--max-attempts", "2",
                       "--log-level", "debug", *args)

    def assert_no_orphans(self, service, jobs):
        """Every job directory left belongs to a job whose outputs can still be fetched."""
        kept = {f"job-{job['id']}" for job in jobs if job.get("outputs_available")}
        self.assertLessEqual(set(service.job_dirs()), kept, service.log_tail())

    @async_test
    async def test_sigkill_at_each_state_then_restart_on_the_same_data_dir(self):
        with self.service() as service:
            # The client stays connected until the service dies under it: without authentication
            # or detach, a closed connection would cancel its jobs before the crash.
            async with connect(service.ws_url) as ws:
                await hello(ws)
                detached = await submit(ws, "detached", self.short, detach=True, operation="remove_audio")
                done = await wait_status(ws, detached, {"completed"})
                self.assertEqual(done["attempts"], 1)
                expected_sha = done["outputs"][0]["sha256"]
                poison = await submit(ws, "poison", self.long, options={"preset": "high"})
                queued = await submit(ws, "queued", self.short, operation="remove_audio")
                # A level 0 client's job waits behind them: its connection cannot come back.
                ws0 = await connect(service.ws_url + f"/?token={ALICE}")
                await ws0.send(json.dumps({"type": "start_job", "job_id": "zero", "operation": "remove_audio",
                                           "input": {"source": "upload"}}))
                await ws0.send(frame({"job_id": "zero", "filename": "zero.mp4"}, self.short))
                accepted = json.loads(await asyncio.wait_for(ws0.recv(), 30))
                self.assertEqual(accepted["type"], "ack", accepted)
                level0 = accepted["id"]
                running = await wait_status(ws, poison, {"processing"})
                self.assertEqual(running["attempts"], 1)
                self.assertEqual((await get_job(ws, queued))["status"], "queued")
                # Something a crash left that no record owns.
                stray = os.path.join(service.work_dir, "job-0123456789abcdef01234567")
                os.makedirs(stray)
                with open(os.path.join(stray, "input-0"), "wb") as f:
                    f.write(b"left behind")

                # First crash, during the poison job's first run.
                service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws)
                again = await wait_status(ws, poison, {"processing"})
                self.assertEqual(again["attempts"], 2)
                self.assertFalse(os.path.exists(stray), "a directory no record owns survived the start-up sweep")
                cancelled = await get_job(ws, level0)
                self.assertEqual(cancelled["status"], "cancelled")
                self.assertEqual(cancelled["error"]["code"], "JOB_CANCELLED")
                self.assertEqual((await get_job(ws, queued))["status"], "queued")

                # Second crash during its second run: that was its last attempt.
                service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws)
                failed = await get_job(ws, poison)
                self.assertEqual(failed["status"], "failed")
                self.assertEqual(failed["error"]["code"], "ATTEMPTS_EXHAUSTED")
                self.assertEqual(failed["attempts"], 3)
                # The queue goes on without it.
                completed = await wait_status(ws, queued, {"completed", "failed"})
                self.assertEqual(completed["status"], "completed", completed)
                self.assertEqual(completed["attempts"], 1)
                # The detached output outlived two crashes, byte for byte.
                still = await get_job(ws, detached)
                self.assertTrue(still["outputs_available"])
                self.assertEqual(sha256(await fetch_output(ws, detached)), expected_sha)
                status, _, body = service.http_get(f"/jobs/{detached}/output",
                                                   headers={"Authorization": f"Bearer {ALICE}"})
                self.assertEqual(status, 200)
                self.assertEqual(sha256(body), expected_sha)
                jobs = [await get_job(ws, i) for i in (detached, poison, queued)]
            self.assert_no_orphans(service, jobs)
            self.assertEqual(service.ffmpeg_children(), [])

    @async_test
    async def test_sigkill_during_a_delivery_then_the_whole_output_is_fetched_after_restart(self):
        with self.service() as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                # About 10 MB of WAV: more than the sockets hold, so its delivery waits on the reader.
                job = await submit(ws, "wav", read(make_audio(seconds=120)), detach=True, operation="extract_audio",
                                   options={"format": "wav"})
                done = await wait_status(ws, job, {"completed"})
                expected_sha = done["outputs"][0]["sha256"]
                self.assertGreater(done["outputs"][0]["size_bytes"], 4 * 1024 * 1024)
            # A reader that takes the first chunk and then nothing more: the service dies with the
            # rest of the delivery still to send.
            async with connect(service.ws_url, max_queue=1) as reader:
                await hello(reader)
                await reader.send(json.dumps({"type": "fetch_output", "id": job}))
                while True:
                    message = await recv_any(reader)
                    if isinstance(message, bytes):
                        header, _ = unframe(message)
                        self.assertEqual(header["offset"], 0)
                        self.assertFalse(header["final"])
                        break
                    self.assertNotEqual(message["type"], "error", message)
                service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws)
                again = await get_job(ws, job)
                self.assertEqual(again["status"], "completed")
                self.assertTrue(again["outputs_available"])
                self.assertEqual(sha256(await fetch_output(ws, job)), expected_sha)
                jobs = [again]
            self.assert_no_orphans(service, jobs)
            self.assertEqual(service.ffmpeg_children(), [])

    @async_test
    async def test_a_cut_upload_waits_for_its_owner_and_a_vanished_input_fails_files_lost(self):
        with self.service() as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                # Occupies the only slot, so that the next job stays queued with its input on disk.
                busy = await submit(ws, "busy", self.long, options={"preset": "high"})
                await wait_status(ws, busy, {"processing"})
                queued = await submit(ws, "lost", self.short, operation="remove_audio")
                self.assertEqual((await wait_status(ws, queued, {"queued"}))["status"], "queued")
                # An upload that has only its first piece when the service dies.
                ack = await request(ws, {"type": "start_job", "job_id": "cut", "operation": "remove_audio",
                                         "input": {"source": "upload", "filename": "cut.mp4",
                                                   "size": len(self.short)}})
                self.assertEqual(ack["type"], "ack", ack)
                cut = ack["id"]
                await ws.send(frame({"job_id": "cut", "offset": 0, "final": False}, self.short[:1024]))
                await wait_status(ws, cut, {"awaiting_upload"})
                inputs = [os.path.join(service.work_dir, f"job-{queued}", name)
                          for name in os.listdir(os.path.join(service.work_dir, f"job-{queued}"))
                          if name.startswith("input")]
                self.assertTrue(inputs, service.log_tail())
                service.stop(signal.SIGKILL)
                for path in inputs:
                    os.unlink(path)
                service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws)
                # A token owner's upload goes on where it stopped (test_resume.py resumes one).
                waiting = await get_job(ws, cut)
                self.assertEqual(waiting["status"], "awaiting_upload", waiting)
                self.assertEqual(waiting["uploads"][0]["received_bytes"], 1024, waiting)
                self.assertIn("reconnect_until", waiting)
                await request(ws, {"type": "cancel_job", "id": cut})
                lost = await get_job(ws, queued)
                self.assertEqual(lost["status"], "failed", lost)
                self.assertEqual(lost["error"]["code"], "FILES_LOST", lost)
                await request(ws, {"type": "cancel_job", "id": busy})
                jobs = [await get_job(ws, i) for i in (busy, queued, cut)]
            self.assertEqual([j["status"] for j in jobs if j["status"] not in ("failed", "cancelled", "completed")], [])
            self.assert_no_orphans(service, jobs)

    @async_test
    async def test_a_cut_upload_of_an_owner_without_a_token_fails_interrupted(self):
        # Without authentication nobody can come back for the upload (the owner was the
        # connection): a detached job whose upload a crash cut ends INTERRUPTED at the start.
        with Service("--max-concurrent-jobs", "1") as service:
            async with connect(service.ws_url) as ws:
                await request(ws, {"type": "hello", "protocol": 1, "client": "e2e-durability/1"})
                ack = await request(ws, {"type": "start_job", "job_id": "cut", "operation": "remove_audio",
                                         "detach": True,
                                         "input": {"source": "upload", "filename": "cut.mp4", "size": len(self.short)}})
                self.assertEqual(ack["type"], "ack", ack)
                await ws.send(frame({"job_id": "cut", "offset": 0, "final": False}, self.short[:1024]))
                await wait_status(ws, ack["id"], {"awaiting_upload"})
                service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await request(ws, {"type": "hello", "protocol": 1, "client": "e2e-durability/1"})
                interrupted = await get_job(ws, ack["id"])
                self.assertEqual(interrupted["status"], "failed", interrupted)
                self.assertEqual(interrupted["error"]["code"], "INTERRUPTED", interrupted)
            self.assertEqual(service.job_dirs(), [])

    @async_test
    async def test_sigterm_keeps_the_queue_and_the_interrupted_run_without_an_attempt(self):
        with self.service("--drain-seconds", "1") as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                first = await submit(ws, "first", self.long, options={"preset": "high"})
                second = await submit(ws, "second", self.short, operation="remove_audio")
                await wait_status(ws, first, {"processing"})
                self.assertEqual((await get_job(ws, second))["status"], "queued")
                service.process.send_signal(signal.SIGTERM)
                # Clients hear SHUTTING_DOWN as before.
                deadline = time.monotonic() + 30
                codes = []
                while time.monotonic() < deadline and "SHUTTING_DOWN" not in codes:
                    message = await recv_any(ws, 30)
                    if isinstance(message, dict) and message.get("type") == "error":
                        codes.append(message["code"])
                self.assertIn("SHUTTING_DOWN", codes)
            self.assertEqual(service.process.wait(30), 0)

            service.restart(signal.SIGTERM)
            async with connect(service.ws_url) as ws:
                await hello(ws)
                kept = await get_job(ws, first)
                self.assertIn(kept["status"], {"queued", "processing", "completed"})
                # The service stopped that run, not the job: no attempt is counted.
                self.assertEqual(kept["attempts"], 1)
                for job_id in (first, second):
                    job = await wait_status(ws, job_id, {"completed", "failed", "cancelled"}, timeout=300)
                    self.assertEqual(job["status"], "completed", job)
                    self.assertEqual(job["attempts"], 1)
                first_done = await get_job(ws, first)
                second_done = await get_job(ws, second)
                # In their order: the interrupted one first.
                self.assertLess(first_done["started_at"], second_done["started_at"])

    @async_test
    async def test_history_survives_a_restart_and_pages_with_next_before(self):
        with self.service() as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                ids = []
                for n in range(5):
                    ids.append(await submit(ws, f"p{n}", self.short, operation="probe"))
                    await wait_status(ws, ids[-1], {"completed"})
                failed = await submit(ws, "bad", b"not media at all", operation="probe")
                await wait_status(ws, failed, {"failed"})
            service.restart(signal.SIGTERM)
            async with connect(service.ws_url) as ws:
                await hello(ws)
                seen, pages, before = [], 0, None
                while True:
                    message = {"type": "list_jobs", "states": ["completed"], "limit": 2}
                    if before:
                        message["before"] = before
                    reply = await request(ws, message)
                    self.assertEqual(reply["type"], "jobs", reply)
                    self.assertLessEqual(len(reply["jobs"]), 2)
                    seen += [job["id"] for job in reply["jobs"]]
                    pages += 1
                    before = reply.get("next_before")
                    if not before:
                        break
                    self.assertLess(pages, 10)
                # Newest-finished first, each job once, the failed one filtered out.
                self.assertEqual(seen, list(reversed(ids)))
                everything = await request(ws, {"type": "list_jobs"})
                self.assertEqual({job["id"] for job in everything["jobs"]}, set(ids) | {failed})
                self.assertNotIn("next_before", everything)
                old = await get_job(ws, ids[0])
                self.assertEqual(old["status"], "completed")
                self.assertIn("result", old)
                bad = await request(ws, {"type": "list_jobs", "before": "not-a-cursor"})
                self.assertEqual(bad["code"], "VALIDATION_ERROR")
                self.assertEqual(bad["details"][0]["path"], "before")


if __name__ == "__main__":
    main()
