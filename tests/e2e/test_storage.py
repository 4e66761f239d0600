# SPDX-License-Identifier: GPL-3.0-or-later
"""Configured S3-compatible storages (--storage, docs/storage.md) against the real mediaforged,
a real S3 server on loopback that checks SigV4 signatures (s3support.py says which and why)
and Debian's awscli as the independent client that puts and reads the objects. Storage objects
are batch inputs too (docs/batches.md), mixed with URL inputs served by a loopback HTTP server."""

import os
import shutil
import tempfile
import unittest

from harness import MediaHttpServer, Service, async_test, connect, main, make_video, probe, recv_json, request, sha256
from s3support import ACCESS_KEY, SECRET_KEY, S3Server

TENANT_TOKEN = "Ten4nt-t0ken-QWERTYUIOPASDF"
KEY = "in put/clip ü!'()*&=+.mp4"   # spaces, unicode and sub-delimiters: the path is signed as sent


def storage_env(secret=SECRET_KEY):
    return {"MEDIAFORGE_STORAGE_MEDIA_ACCESS_KEY_ID": ACCESS_KEY, "MEDIAFORGE_STORAGE_MEDIA_SECRET_ACCESS_KEY": secret}


async def hello(ws):
    reply = await request(ws, {"type": "hello", "protocol": 1, "client": "e2e/1"})
    assert reply["type"] == "welcome", reply


async def run_probe(ws, job_id, storage_input, timeout=120):
    """A probe job on a storage input: (ack or error, final message)."""
    ack = await request(ws, {"type": "start_job", "job_id": job_id, "operation": "probe", "input": storage_input})
    if ack["type"] != "ack":
        return ack, ack
    while True:
        message = await recv_json(ws, timeout)
        if message.get("job_id") == job_id and message["type"] in ("completed", "error"):
            return ack, message


class Storage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.video = make_video(seconds=2.0)
        with open(cls.video, "rb") as f:
            cls.data = f.read()
        cls.s3 = S3Server("media").__enter__()
        cls.s3.put(cls.video, KEY)

    @classmethod
    def tearDownClass(cls):
        cls.s3.__exit__(None, None, None)

    def test_the_server_refuses_a_wrong_secret(self):
        # What the typed-error test below relies on: this server really checks signatures.
        result = self.s3.aws("s3", "cp", f"s3://media/{KEY}", "-", secret="not-the-secret", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(b"403", result.stderr)
        self.assertEqual(self.s3.get(KEY), self.data)

    @async_test
    async def test_a_job_reads_an_object_put_with_awscli(self):
        with Service("--storage", self.s3.storage_flag(), env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                ack, final = await run_probe(ws, "s1", {"source": "storage", "storage": "media", "key": KEY})
                self.assertEqual(final["type"], "completed", final)
                job = (await request(ws, {"type": "get_job", "id": ack["id"]}))["job"]
            # The bytes the job read are the bytes awscli put, and ffprobe agrees on the media.
            self.assertEqual(job["input"]["source"], "storage")
            self.assertEqual(job["input"]["sha256"], [sha256(self.data)])
            self.assertEqual(job["input"]["name"], "clip ü!'()*&=+.mp4")
            expected = float(probe(self.video)["format"]["duration"])
            self.assertAlmostEqual(float(final["result"]["duration"]), expected, delta=0.1)
            log = open(service.log_path, encoding="utf-8", errors="replace").read()
            self.assertNotIn(SECRET_KEY + "\n", log)
            self.assertNotIn("Signature=", log)
            self.assertEqual(service.wait_clean(), [])

    @async_test
    async def test_wrong_secret_missing_object_and_unknown_storage_are_typed_errors(self):
        with Service("--storage", self.s3.storage_flag(), env=storage_env(secret="wrong-secret-value")) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, denied = await run_probe(ws, "w1", {"source": "storage", "storage": "media", "key": KEY})
                self.assertEqual(denied["type"], "error")
                self.assertEqual(denied["code"], "DOWNLOAD_FAILED", denied)
                self.assertEqual(denied["details"]["status"], 403)
                self.assertEqual(denied["details"]["reason"], "access_denied")
                self.assertEqual(denied["details"]["storage"], "media")
                unknown, _ = await run_probe(ws, "w2", {"source": "storage", "storage": "archive", "key": KEY})
                self.assertEqual(unknown["code"], "VALIDATION_ERROR", unknown)
                self.assertEqual(unknown["details"][0]["path"], "input.storage")
                bad_key, _ = await run_probe(ws, "w3", {"source": "storage", "storage": "media", "key": "a/../b"})
                self.assertEqual(bad_key["code"], "VALIDATION_ERROR", bad_key)
            self.assertEqual(service.wait_clean(), [])
            self.assertEqual(service.health()[0], 200)
        with Service("--storage", self.s3.storage_flag(), env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, missing = await run_probe(ws, "m1", {"source": "storage", "storage": "media", "key": "no/such.mp4"})
                self.assertEqual(missing["code"], "DOWNLOAD_FAILED", missing)
                self.assertEqual(missing["details"]["status"], 404)
                self.assertEqual(missing["details"]["reason"], "no_such_key")
            self.assertEqual(service.wait_clean(), [])

    @async_test
    async def test_level_0_and_missing_credentials_are_refused(self):
        with Service("--storage", self.s3.storage_flag(), env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                # Level 0 (no hello) has no storage inputs.
                reply = await request(ws, {"type": "start_job", "job_id": "z", "operation": "probe",
                                           "input": {"source": "storage", "storage": "media", "key": KEY}})
                self.assertEqual(reply["type"], "error")
                self.assertEqual(reply["code"], "VALIDATION_ERROR")
        without = Service("--storage", self.s3.storage_flag())
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            without.env.pop(name, None)   # the runner's own AWS credentials would count
        with self.assertRaises(RuntimeError) as refused:
            without.start()
        self.assertIn("storage media has no credentials", str(refused.exception))

    @async_test
    async def test_tokens_limited_to_storages_and_key_prefixes(self):
        tenant_key = "tenant-a/clip.mp4"
        self.s3.put(self.video, tenant_key)
        directory = tempfile.mkdtemp(prefix="mediaforge-storage-tokens-")
        tokens = os.path.join(directory, "tokens")
        with open(tokens, "w") as f:
            f.write(f"client {TENANT_TOKEN} tenant-a storages=media storage_prefix=tenant-a/\n")
        os.chmod(tokens, 0o600)
        flags = ["--tokens-file", tokens, "--storage", self.s3.storage_flag(),
                 "--storage", self.s3.storage_flag(name="archive")]
        try:
            with Service(*flags, env={**storage_env(), "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                                      "AWS_SECRET_ACCESS_KEY": SECRET_KEY}) as service:
                async with connect(service.ws_url) as ws:
                    welcome = await request(ws, {"type": "hello", "protocol": 1, "token": TENANT_TOKEN})
                    self.assertEqual(welcome["type"], "welcome", welcome)
                    _, allowed = await run_probe(ws, "t1", {"source": "storage", "storage": "media", "key": tenant_key})
                    self.assertEqual(allowed["type"], "completed", allowed)
                    other_prefix, _ = await run_probe(ws, "t2", {"source": "storage", "storage": "media", "key": KEY})
                    self.assertEqual(other_prefix["code"], "FORBIDDEN", other_prefix)
                    self.assertEqual(other_prefix["details"]["reason"], "storage_prefix")
                    other_storage, _ = await run_probe(ws, "t3", {"source": "storage", "storage": "archive",
                                                                   "key": tenant_key})
                    self.assertEqual(other_storage["code"], "FORBIDDEN", other_storage)
                    self.assertEqual(other_storage["details"]["reason"], "storage_not_allowed")
                self.assertEqual(service.wait_clean(), [])
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    @async_test
    async def test_a_batch_takes_storage_objects_with_urls_and_refuses_a_bad_one_whole(self):
        self.s3.put(self.video, "batch/second.mp4")
        flags = ["--storage", self.s3.storage_flag(), "--allow-private-urls", "--max-concurrent-jobs", "2"]
        with MediaHttpServer(os.path.dirname(self.video)) as media, Service(*flags, env=storage_env()) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                thumbnail = {"operation": "thumbnail", "options": {"format": "jpeg", "width": 64}}
                items = [dict(thumbnail, input={"source": "storage", "storage": "media", "key": KEY}),
                         dict(thumbnail, input={"source": "storage", "storage": "media", "key": "batch/second.mp4"}),
                         dict(thumbnail, input={"source": "url", "url": media.url(os.path.basename(self.video))})]
                ack = await request(ws, {"type": "start_batch", "batch_id": "mixed", "items": items})
                self.assertEqual(ack["type"], "batch_ack", ack)
                while True:
                    done = await recv_json(ws, 240)
                    if done.get("type") == "batch_completed":
                        break
                self.assertEqual((done["total"], done["completed"], done["failed"]), (3, 3, 0), done)
                for result in done["results"]:
                    self.assertEqual(result["outputs"][0]["mime"], "image/jpeg", result)
                first = (await request(ws, {"type": "get_job", "id": ack["items"][0]["id"]}))["job"]
                # The item read the bytes awscli put, through the signed GET of a storage input.
                self.assertEqual((first["batch_id"], first["input"]["source"]), ("mixed", "storage"))
                self.assertEqual(first["input"]["sha256"], [sha256(self.data)])
                before = (await request(ws, {"type": "get_stats"}))["stats"]["total_jobs"]

                # An unknown storage or a refused key in any item refuses the batch whole, at a
                # path naming the item, before a single job exists.
                unknown = await request(ws, {"type": "start_batch", **thumbnail, "inputs": [
                    {"source": "storage", "storage": "media", "key": KEY},
                    {"source": "storage", "storage": "archive", "key": KEY}]})
                self.assertEqual(unknown["code"], "VALIDATION_ERROR", unknown)
                self.assertEqual(unknown["details"][0]["path"], "inputs[1].storage")
                self.assertTrue(unknown["message"].startswith("inputs[1].storage"), unknown["message"])
                bad_key = await request(ws, {"type": "start_batch", "items": [
                    items[2], dict(thumbnail, input={"source": "storage", "storage": "media", "key": "a/../b"})]})
                self.assertEqual(bad_key["code"], "VALIDATION_ERROR", bad_key)
                self.assertEqual(bad_key["details"][0]["path"], "items[1].input.key")
                upload = await request(ws, {"type": "start_batch", **thumbnail, "inputs": [
                    {"source": "storage", "storage": "media", "key": KEY}, {"source": "upload", "size": 10}]})
                self.assertEqual(upload["code"], "VALIDATION_ERROR", upload)
                self.assertEqual(upload["details"][0]["path"], "inputs[1].source")
                self.assertEqual((await request(ws, {"type": "get_stats"}))["stats"]["total_jobs"], before)
            self.assertEqual(service.wait_clean(), [])
            self.assertEqual(service.health()[0], 200)


if __name__ == "__main__":
    main()
