# SPDX-License-Identifier: GPL-3.0-or-later
"""Batches end to end (docs/batches.md), with the real mediaforged, real ffmpeg and a real HTTP
server on loopback serving inputs that ffmpeg's lavfi made (hence --allow-private-urls). Proves:
a batch of 50 thumbnail items from 10 inputs ends with 50 results and exactly one
batch_completed; one bad item, too many items or an over-limit batch refuses the batch whole
with no job created; cancel_batch leaves no ffmpeg and no job directory behind; a SIGKILL of
the service in the middle of a batch still ends it with exactly one batch_completed, which the
batch's webhook (its outbox row stored with the end) delivers once."""

import asyncio
import os
import shutil
import tempfile
import time
import unittest

from harness import MediaHttpServer, Service, async_test, connect, main, make_video, recv_json, request
from test_webhooks import SECRET, Receiver

MEDIA = tempfile.mkdtemp(prefix="mediaforge-batches-")


def setUpModule():
    # Ten different small inputs (sizes differ, so their bytes differ).
    for i in range(10):
        shutil.copy(make_video(seconds=1.0, size=f"{160 + 16 * i}x120", audio=False),
                    os.path.join(MEDIA, f"in{i}.mp4"))
    shutil.copy(make_video(seconds=20.0, size="640x360", audio=False), os.path.join(MEDIA, "long.mp4"))


def tearDownModule():
    shutil.rmtree(MEDIA, ignore_errors=True)


async def hello(ws):
    reply = await request(ws, {"type": "hello", "protocol": 1})
    assert reply["type"] == "welcome", reply


async def until(ws, predicate, timeout=240, seen=None):
    """Reads text messages until `predicate(message)`; every one read goes to `seen`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await recv_json(ws, timeout=max(1, deadline - time.monotonic()))
        if seen is not None:
            seen.append(message)
        if predicate(message):
            return message
    raise AssertionError("timed out")


async def total_jobs(ws):
    reply = await request(ws, {"type": "get_stats"})
    return reply["stats"]["total_jobs"]


class BatchTest(unittest.TestCase):
    @async_test
    async def test_batch_of_50_thumbnails_from_10_inputs_ends_with_50_results_and_one_batch_completed(self):
        with MediaHttpServer(MEDIA) as media, Service("--allow-private-urls", "--max-concurrent-jobs", "2") as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                inputs = [{"source": "url", "url": media.url(f"in{i % 10}.mp4")} for i in range(50)]
                ack = await request(ws, {"type": "start_batch", "batch_id": "thumbs", "operation": "thumbnail",
                                         "options": {"format": "jpeg", "width": 64}, "inputs": inputs})
                self.assertEqual(ack["type"], "batch_ack", ack)
                self.assertEqual(ack["batch_id"], "thumbs")
                self.assertEqual([item["job_id"] for item in ack["items"]], [f"thumbs:{i}" for i in range(50)])
                seen = []
                done = await until(ws, lambda m: m.get("type") == "batch_completed", timeout=400, seen=seen)
                self.assertEqual(done["id"], ack["id"])
                self.assertEqual((done["total"], done["completed"], done["failed"], done["cancelled"]), (50, 50, 0, 0))
                self.assertEqual(len(done["results"]), 50)
                for index, result in enumerate(done["results"]):
                    self.assertEqual(result["index"], index)
                    self.assertEqual(result["job_id"], f"thumbs:{index}")
                    self.assertEqual(result["status"], "completed")
                    self.assertEqual(len(result["outputs"]), 1)
                    self.assertEqual(result["outputs"][0]["mime"], "image/jpeg")
                self.assertEqual(done["output_bytes"], sum(r["outputs"][0]["size_bytes"] for r in done["results"]))
                completed_ids = {m["id"] for m in seen if m.get("type") == "completed"}
                self.assertEqual(completed_ids, {item["id"] for item in ack["items"]})
                progress = [m for m in seen if m.get("type") == "batch_progress"]
                self.assertTrue(progress, "no batch_progress before the end")
                self.assertTrue(all(p["total"] == 50 and p["finished"] <= 50 for p in progress))
                # Exactly one end: nothing more about the batch arrives afterwards.
                with self.assertRaises(asyncio.TimeoutError):
                    await until(ws, lambda m: m.get("type") == "batch_completed", timeout=3)
                snapshot = (await request(ws, {"type": "get_batch", "batch_id": "thumbs"}))["batch"]
                self.assertEqual((snapshot["status"], snapshot["completed"]), ("finished", 50))
                job = (await request(ws, {"type": "get_job", "id": ack["items"][7]["id"]}))["job"]
                self.assertEqual((job["batch_id"], job["job_id"]), ("thumbs", "thumbs:7"))
            self.assertEqual(service.wait_clean(), [])

    @async_test
    async def test_a_bad_item_or_a_batch_over_a_limit_is_refused_whole_and_creates_no_job(self):
        with MediaHttpServer(MEDIA) as media, Service("--allow-private-urls", "--max-batch-items", "5",
                                                      "--max-queued-jobs", "3", "--owner-queue-share", "100") as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                good = {"input": {"source": "url", "url": media.url("in0.mp4")}, "operation": "thumbnail"}
                items = [good, good, dict(good, options={"width": "wide"}), dict(good, options={"bogus": 1})]
                reply = await request(ws, {"type": "start_batch", "items": items})
                self.assertEqual(reply["code"], "VALIDATION_ERROR", reply)
                paths = [d["path"] for d in reply["details"]]
                self.assertIn("items[2].options.width", paths)
                self.assertIn("items[3].options.bogus", paths)
                self.assertTrue(reply["message"].startswith("items[2].options.width"), reply["message"])

                upload = await request(ws, {"type": "start_batch", "operation": "probe",
                                            "inputs": [{"source": "upload", "size": 10}]})
                self.assertEqual(upload["code"], "VALIDATION_ERROR", upload)
                self.assertEqual(upload["details"][0]["path"], "inputs[0].source")

                too_many = await request(ws, {"type": "start_batch", "operation": "probe",
                                              "inputs": [good["input"]] * 6})
                self.assertEqual(too_many["code"], "VALIDATION_ERROR", too_many)
                self.assertEqual(too_many["details"][0]["path"], "inputs")

                over_queue = await request(ws, {"type": "start_batch", "operation": "probe",
                                                "inputs": [good["input"]] * 4})
                self.assertEqual(over_queue["code"], "QUEUE_FULL", over_queue)
                self.assertEqual(await total_jobs(ws), 0)

                fits = await request(ws, {"type": "start_batch", "batch_id": "b1", "operation": "probe",
                                          "inputs": [good["input"]] * 3, "detach": True})
                self.assertEqual(fits["type"], "batch_ack", fits)
                again = await request(ws, {"type": "start_batch", "batch_id": "b1", "operation": "probe",
                                           "inputs": [good["input"]]})
                self.assertEqual(again["code"], "DUPLICATE_JOB", again)
                await until(ws, lambda m: m.get("type") == "batch_completed")
                self.assertEqual(await total_jobs(ws), 3)

    @async_test
    async def test_cancel_batch_leaves_no_ffmpeg_and_no_file_behind(self):
        with MediaHttpServer(MEDIA) as media, Service("--allow-private-urls", "--max-concurrent-jobs", "2") as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                inputs = [{"source": "url", "url": media.url("long.mp4")}] * 8
                ack = await request(ws, {"type": "start_batch", "batch_id": "slow", "operation": "compress",
                                         "options": {"preset": "high", "target_format": "webm"}, "inputs": inputs})
                self.assertEqual(ack["type"], "batch_ack", ack)
                await until(ws, lambda m: m.get("type") == "progress" and m.get("stage") == "processing")
                deadline = time.monotonic() + 60
                while not service.ffmpeg_children() and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                self.assertTrue(service.ffmpeg_children(), "no ffmpeg ran before the cancel")
                reply = await request(ws, {"type": "cancel_batch", "batch_id": "slow"})
                self.assertEqual(reply["type"], "batch_cancelled", reply)
                self.assertEqual(reply["cancelling"], 8)
                done = await until(ws, lambda m: m.get("type") == "batch_completed")
                self.assertEqual((done["cancelled"], done["completed"]), (8, 0))
                self.assertTrue(all(r["error"]["code"] == "JOB_CANCELLED" for r in done["results"]))
                self.assertEqual(service.wait_clean(), [])
                again = await request(ws, {"type": "cancel_batch", "batch_id": "slow"})
                self.assertEqual((again["code"], again["details"]["reason"]), ("CANCEL_FAILED", "finished"))

    @async_test
    async def test_a_restart_mid_batch_still_ends_it_with_exactly_one_batch_completed(self):
        receiver = Receiver().start()
        try:
            with MediaHttpServer(MEDIA) as media, Service(
                    "--allow-private-urls", "--max-concurrent-jobs", "1", "--webhook-min-backoff", "1",
                    env={"MEDIAFORGE_WEBHOOK_SECRET": SECRET}) as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    inputs = [{"source": "url", "url": media.url(f"in{i % 10}.mp4")} for i in range(12)]
                    ack = await request(ws, {"type": "start_batch", "batch_id": "survivor", "operation": "convert",
                                             "options": {"target_format": "webm"}, "inputs": inputs,
                                             "detach": True, "notify_url": receiver.url()})
                    self.assertEqual(ack["type"], "batch_ack", ack)
                    await until(ws, lambda m: m.get("type") == "completed")
                service.restart()
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    deadline = time.monotonic() + 300
                    while time.monotonic() < deadline:
                        snapshot = (await request(ws, {"type": "get_batch", "id": ack["id"]}))["batch"]
                        if snapshot["status"] == "finished":
                            break
                        await asyncio.sleep(0.5)
                    self.assertEqual(snapshot["status"], "finished", snapshot)
                    self.assertEqual(snapshot["finished"], 12)
                    self.assertGreaterEqual(snapshot["completed"], 1)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and not receiver.accepted():
                    await asyncio.sleep(0.2)
                await asyncio.sleep(3)   # room for a second delivery, which must not come
                ends = [r for r in receiver.received() if r["event"] == "batch.completed"]
                self.assertEqual(len(ends), 1, ends)
                self.assertTrue(ends[0]["valid"])
                self.assertEqual(ends[0]["job"]["batch_id"], "survivor")
                self.assertEqual(len(ends[0]["job"]["results"]), 12)
                # Detached items keep their outputs for fetch_output (retention), so the job
                # directories stay; no ffmpeg does.
                self.assertEqual(service.ffmpeg_children(), [])
        finally:
            receiver.stop()


if __name__ == "__main__":
    main()
