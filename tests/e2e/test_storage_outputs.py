# SPDX-License-Identifier: GPL-3.0-or-later
"""Outputs written to configured S3-compatible storages (`output_storage`, docs/storage.md)
against the real mediaforged, the real S3 server on loopback that checks SigV4 signatures
(s3support.py) and Debian's awscli reading back what the service wrote."""

import asyncio
import json
import os
import re
import shutil
import tempfile
import unittest

from harness import (MediaHttpServer, Service, async_test, connect, main, make_audio, make_video, probe_bytes, recv_json,
                     request, sha256)
from s3support import ACCESS_KEY, SECRET_KEY, HoldingRelay, S3Server

TENANT_TOKEN = "Ten4nt-t0ken-QWERTYUIOPASDF"
PART = 5 * 1024 * 1024


def read_log(service):
    with open(service.log_path, encoding="utf-8", errors="replace") as f:
        return f.read()


def storage_env(secret=SECRET_KEY):
    return {"MEDIAFORGE_STORAGE_MEDIA_ACCESS_KEY_ID": ACCESS_KEY, "MEDIAFORGE_STORAGE_MEDIA_SECRET_ACCESS_KEY": secret}


async def hello(ws, token=None):
    message = {"type": "hello", "protocol": 1, "client": "e2e/1"}
    if token:
        message["token"] = token
    reply = await request(ws, message)
    assert reply["type"] == "welcome", reply


async def run_job(ws, message, timeout=180, on_progress=None):
    """Starts a job; returns (ack or error, final message, progress messages)."""
    ack = await request(ws, {"type": "start_job", **message})
    if ack["type"] != "ack":
        return ack, ack, []
    seen = []
    while True:
        item = await recv_json(ws, timeout)
        if item.get("job_id") != message["job_id"]:
            continue
        if item["type"] == "progress":
            seen.append(item)
            if on_progress:
                await on_progress(item)
        if item["type"] in ("completed", "error"):
            return ack, item, seen


class StorageOutputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.video = make_video(seconds=2.0)
        # 70 s resampled to 96 kHz PCM: about 13 MB of wav, three parts of 5 MiB.
        cls.audio = make_audio(seconds=70.0)
        cls.s3 = S3Server("media").__enter__()
        cls.s3.put(cls.video, "in/clip.mp4")
        cls.s3.put(cls.audio, "in/tone.mp3")

    @classmethod
    def tearDownClass(cls):
        cls.s3.__exit__(None, None, None)

    @async_test
    async def test_outputs_land_under_the_prefix_byte_identical_and_the_job_says_where(self):
        with Service("--storage", self.s3.storage_flag(), env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, final, _ = await run_job(ws, {
                    "job_id": "o1", "operation": "thumbnail",
                    "input": {"source": "storage", "storage": "media", "key": "in/clip.mp4"},
                    "options": {"count": 2, "format": "png"},
                    "output_storage": {"storage": "media", "prefix": "out/run 1/"}})
                self.assertEqual(final["type"], "completed", final)
                self.assertEqual(final["delivery_method"], "upload")
                # No binary frames follow an uploaded job's completion.
                with self.assertRaises(asyncio.TimeoutError):
                    await asyncio.wait_for(ws.recv(), 1.0)
                job = (await request(ws, {"type": "get_job", "id": final["id"]}))["job"]
            self.assertEqual(job["output_storage"], {"storage": "media", "prefix": "out/run 1/"})
            outputs = final["outputs"]
            self.assertEqual(len(outputs), 2)
            for output in outputs:
                key = "out/run 1/" + output["filename"]
                self.assertEqual(output["uploaded_to"]["url"], "s3://media/" + key)
                self.assertEqual(output["uploaded_to"]["http_status"], 200)
                data = self.s3.get(key)
                self.assertEqual(sha256(data), output["sha256"])
                self.assertEqual(len(data), output["size_bytes"])
                info = probe_bytes(data, ".png")
                self.assertEqual(info["streams"][0]["codec_name"], "png")
            self.assertEqual(sorted(k for k in self.s3.list() if k.startswith("out/run 1/")),
                             sorted("out/run 1/" + o["filename"] for o in outputs))
            log = read_log(service)
            self.assertNotIn("Signature=", log)
            self.assertEqual(service.wait_clean(), [])

    @async_test
    async def test_a_large_output_goes_up_in_parts_and_reads_back_identical(self):
        with Service("--storage", self.s3.storage_flag(), "--storage-part-size", "5M", env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, final, progress = await run_job(ws, {
                    "job_id": "m1", "operation": "extract_audio",
                    "input": {"source": "storage", "storage": "media", "key": "in/tone.mp3"},
                    "options": {"format": "wav", "sample_rate": 96000},
                    "output_storage": {"storage": "media", "prefix": "big/"}})
                self.assertEqual(final["type"], "completed", final)
            output = final["outputs"][0]
            self.assertGreater(output["size_bytes"], 2 * PART)   # three parts, the last one short
            data = self.s3.get("big/" + output["filename"])
            self.assertEqual(len(data), output["size_bytes"])
            self.assertEqual(sha256(data), output["sha256"])
            self.assertEqual(output["uploaded_to"]["url"], "s3://media/big/" + output["filename"])
            log = read_log(service)
            self.assertIn("created: 3 part(s) of 5242880 bytes", log)
            uploading = [p for p in progress if p.get("stage") == "uploading_outputs"]
            for earlier, later in zip(uploading, uploading[1:]):
                self.assertLessEqual(earlier["percentage"], later["percentage"])
            self.assertEqual(service.wait_clean(), [])

    @async_test
    async def test_cancel_during_a_multipart_upload_aborts_it_and_leaves_no_object(self):
        # The relay holds part 2, so the cancel surely comes in the middle of the upload.
        with HoldingRelay(self.s3.port, hold=r"^PUT \S*partNumber=2") as relay, \
                Service("--storage", relay.storage_flag(), "--storage-part-size", "5M", env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                ack = await request(ws, {"type": "start_job", "job_id": "c1", "operation": "extract_audio",
                                         "input": {"source": "storage", "storage": "media", "key": "in/tone.mp3"},
                                         "options": {"format": "wav", "sample_rate": 96000},
                                         "output_storage": {"storage": "media", "prefix": "cancelled/"}})
                self.assertEqual(ack["type"], "ack", ack)
                held = await asyncio.get_running_loop().run_in_executor(None, relay.held.wait, 120)
                self.assertTrue(held, relay.lines)
                await ws.send(json.dumps({"type": "cancel_job", "job_id": "c1"}))
                while True:
                    message = await recv_json(ws, 60)
                    if message.get("job_id") == "c1" and message["type"] in ("error", "completed"):
                        break
                self.assertEqual(message.get("code"), "JOB_CANCELLED", message)
            # The service asked the storage to drop the parts (s3rver has no AbortMultipartUpload
            # and answers 405, which is why the request is checked at the relay, not the bucket).
            for _ in range(100):
                if relay.seen(r"^DELETE /media/cancelled/\S*uploadId="):
                    break
                await asyncio.sleep(0.2)
            self.assertTrue(relay.seen(r"^DELETE /media/cancelled/\S*uploadId="), relay.lines)
            # Signed as well as the rest: the server did not refuse it (403), it has no such call.
            for _ in range(100):
                if "aborted: HTTP" in read_log(service):
                    break
                await asyncio.sleep(0.2)
            statuses = re.findall(r"aborted: HTTP (\d+)", read_log(service))
            self.assertEqual(len(statuses), 1, read_log(service)[-3000:])
            self.assertIn(statuses[0], ("204", "405"))
            self.assertFalse(relay.seen(r"^POST /media/cancelled/\S*uploadId="), "never completed")
            self.assertEqual([k for k in self.s3.list() if k.startswith("cancelled/")], [])
            self.assertEqual(service.wait_clean(), [])

    @async_test
    async def test_a_failed_part_aborts_the_upload_and_fails_the_job_typed(self):
        with HoldingRelay(self.s3.port, hold=r"^PUT \S*partNumber=2") as relay, \
                Service("--storage", relay.storage_flag(), "--storage-part-size", "5M",
                        "--output-upload-timeout", "2", "--output-upload-attempts", "1", env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, final, _ = await run_job(ws, {
                    "job_id": "f1", "operation": "extract_audio",
                    "input": {"source": "storage", "storage": "media", "key": "in/tone.mp3"},
                    "options": {"format": "wav", "sample_rate": 96000},
                    "output_storage": {"storage": "media", "prefix": "failed/"}})
            self.assertEqual(final["type"], "error", final)
            self.assertEqual(final["code"], "OUTPUT_UPLOAD_FAILED", final)
            self.assertEqual(final["details"]["storage"], "media")
            self.assertEqual(final["details"]["multipart"], "part")
            self.assertEqual(final["details"]["part"], 2)
            for _ in range(100):
                if relay.seen(r"^DELETE /media/failed/\S*uploadId="):
                    break
                await asyncio.sleep(0.2)
            self.assertTrue(relay.seen(r"^DELETE /media/failed/\S*uploadId="), relay.lines)
            self.assertEqual([k for k in self.s3.list() if k.startswith("failed/")], [])
            self.assertEqual(service.wait_clean(), [])

    @async_test
    async def test_a_batch_writes_every_items_outputs_and_the_store_keeps_where(self):
        directory = tempfile.mkdtemp(prefix="mediaforge-batch-media-")
        try:
            for name in ("alpha.mp4", "beta.mp4"):
                shutil.copy(self.video, os.path.join(directory, name))
            with MediaHttpServer(directory) as media, \
                    Service("--storage", self.s3.storage_flag(), "--allow-private-urls", env=storage_env()) as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    ack = await request(ws, {"type": "start_batch", "batch_id": "b1", "operation": "thumbnail",
                                             "inputs": [{"source": "url", "url": media.url("alpha.mp4")},
                                                        {"source": "url", "url": media.url("beta.mp4")}],
                                             "output_storage": {"storage": "media", "prefix": "batch/b1/"}})
                    self.assertEqual(ack["type"], "batch_ack", ack)
                    while True:
                        message = await recv_json(ws, 180)
                        if message["type"] == "batch_completed":
                            break
                results = message["results"]
                self.assertEqual([r["status"] for r in results], ["completed", "completed"], results)
                for result in results:
                    output = result["outputs"][0]
                    self.assertEqual(output["uploaded_to"]["url"], "s3://media/batch/b1/" + output["filename"])
                    self.assertEqual(sha256(self.s3.get("batch/b1/" + output["filename"])), output["sha256"])
                self.assertEqual(sorted(k for k in self.s3.list() if k.startswith("batch/b1/")),
                                 ["batch/b1/alpha_thumb.png", "batch/b1/beta_thumb.png"])
                # Where the outputs went is stored with the job: a restarted service still knows.
                service.restart()
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    job = (await request(ws, {"type": "get_job", "id": results[0]["id"]}))["job"]
                self.assertEqual(job["output_storage"], {"storage": "media", "prefix": "batch/b1/"})
                self.assertEqual(service.wait_clean(), [])
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    @async_test
    async def test_wrong_secret_unknown_storage_bad_prefix_and_level_0_are_typed_errors(self):
        # Reading works (storage "media"); writing to "broken", the same bucket with a wrong
        # secret, is refused by the server.
        env = {**storage_env(), "MEDIAFORGE_STORAGE_BROKEN_ACCESS_KEY_ID": ACCESS_KEY,
               "MEDIAFORGE_STORAGE_BROKEN_SECRET_ACCESS_KEY": "wrong-secret-value"}
        with Service("--storage", self.s3.storage_flag(), "--storage", self.s3.storage_flag(name="broken"),
                     "--output-upload-attempts", "1", env=env) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                source = {"source": "storage", "storage": "media", "key": "in/clip.mp4"}
                _, denied, _ = await run_job(ws, {"job_id": "e1", "operation": "thumbnail", "input": source,
                                                  "output_storage": {"storage": "broken", "prefix": "x/"}})
                self.assertEqual(denied["code"], "OUTPUT_UPLOAD_FAILED", denied)
                self.assertEqual(denied["details"]["http_status"], 403)
                self.assertEqual(denied["details"]["reason"], "access_denied")
                self.assertEqual(denied["details"]["storage"], "broken")
                unknown, _, _ = await run_job(ws, {"job_id": "e2", "operation": "thumbnail", "input": source,
                                                   "output_storage": {"storage": "archive"}})
                self.assertEqual(unknown["code"], "VALIDATION_ERROR", unknown)
                self.assertEqual(unknown["details"][0]["path"], "output_storage.storage")
                for prefix in ("/abs/", "a/../b/", "ctl\u0001/"):
                    bad, _, _ = await run_job(ws, {"job_id": "e3", "operation": "thumbnail", "input": source,
                                                   "output_storage": {"storage": "media", "prefix": prefix}})
                    self.assertEqual(bad["code"], "VALIDATION_ERROR", (prefix, bad))
                    self.assertEqual(bad["details"][0]["path"], "output_storage.prefix")
                both, _, _ = await run_job(ws, {"job_id": "e4", "operation": "thumbnail", "input": source,
                                                "output_storage": {"storage": "media"},
                                                "output_targets": [{"upload_url": "http://127.0.0.1:9/x"}]})
                self.assertEqual(both["code"], "VALIDATION_ERROR", both)
                probe_job, _, _ = await run_job(ws, {"job_id": "e5", "operation": "probe", "input": source,
                                                     "output_storage": {"storage": "media"}})
                self.assertEqual(probe_job["code"], "VALIDATION_ERROR", probe_job)
            async with connect(service.ws_url) as ws:
                # Level 0 (no hello) has no output storages.
                reply = await request(ws, {"type": "start_job", "job_id": "z", "operation": "thumbnail",
                                           "input": {"source": "url", "url": "http://127.0.0.1:9/x.mp4"},
                                           "output_storage": {"storage": "media"}})
                self.assertEqual(reply["code"], "VALIDATION_ERROR", reply)
            self.assertEqual(service.wait_clean(), [])
            self.assertEqual(service.health()[0], 200)
        self.assertEqual([k for k in self.s3.list() if k.startswith("x/")], [])

    @async_test
    async def test_tokens_limited_to_storages_and_prefixes_bind_outputs_too(self):
        directory = tempfile.mkdtemp(prefix="mediaforge-storage-tokens-")
        tokens = os.path.join(directory, "tokens")
        with open(tokens, "w") as f:
            f.write(f"client {TENANT_TOKEN} tenant-a storages=media storage_prefix=tenant-a/\n")
        os.chmod(tokens, 0o600)
        self.s3.put(self.video, "tenant-a/in.mp4")
        flags = ["--tokens-file", tokens, "--storage", self.s3.storage_flag(),
                 "--storage", self.s3.storage_flag(name="archive")]
        env = {**storage_env(), "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        try:
            with Service(*flags, env=env) as service:
                async with connect(service.ws_url) as ws:
                    await hello(ws, TENANT_TOKEN)
                    source = {"source": "storage", "storage": "media", "key": "tenant-a/in.mp4"}
                    _, allowed, _ = await run_job(ws, {"job_id": "t1", "operation": "thumbnail", "input": source,
                                                       "output_storage": {"storage": "media", "prefix": "tenant-a/out/"}})
                    self.assertEqual(allowed["type"], "completed", allowed)
                    outside, _, _ = await run_job(ws, {"job_id": "t2", "operation": "thumbnail", "input": source,
                                                       "output_storage": {"storage": "media", "prefix": "tenant-b/"}})
                    self.assertEqual(outside["code"], "FORBIDDEN", outside)
                    self.assertEqual(outside["details"]["reason"], "storage_prefix")
                    other, _, _ = await run_job(ws, {"job_id": "t3", "operation": "thumbnail", "input": source,
                                                     "output_storage": {"storage": "archive", "prefix": "tenant-a/"}})
                    self.assertEqual(other["code"], "FORBIDDEN", other)
                    self.assertEqual(other["details"]["reason"], "storage_not_allowed")
                    # A batch's items are held to the same limits.
                    batch = await request(ws, {"type": "start_batch", "operation": "thumbnail",
                                               "inputs": [{"source": "url", "url": "http://127.0.0.1:9/a.mp4"}],
                                               "output_storage": {"storage": "media", "prefix": "elsewhere/"}})
                    self.assertEqual(batch["code"], "FORBIDDEN", batch)
                self.assertEqual(service.wait_clean(), [])
            written = [k for k in self.s3.list() if k.startswith("tenant-a/out/")]
            self.assertEqual(len(written), 1, written)
            self.assertEqual([k for k in self.s3.list() if k.startswith("tenant-b/")], [])
        finally:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
