# SPDX-License-Identifier: GPL-3.0-or-later
"""The result cache (--cache-size, --cache-dir, --cache-scope, start_job `cache`): a job whose
input bytes, operation and options match an earlier completed one is answered without ffmpeg,
byte for byte; anything that differs misses; owners do not share by default; the budget holds
by LRU eviction; the cache survives a restart and a tampered entry is never served.

How "no ffmpeg ran" is proved: the service's --ffmpeg is a small shell script that appends its
arguments to a log and then execs the real ffmpeg with the same arguments. It only counts runs;
everything the job gets comes from the real ffmpeg. The service also runs it once with
-version at start-up (the version is part of the cache key): those lines are not counted."""

import contextlib
import glob
import json
import os
import shutil
import signal
import tempfile
import unittest
import urllib.request

from harness import Service, async_test, connect, frame, level0_job, main, make_video, recv_any, request, sha256
from hostile_support import tokens_file
from test_level1 import collect_until_delivered, hello, upload_chunks

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef01"
THUMB = {"timestamp": 0.2, "width": 160}


def counting_ffmpeg(directory):
    real = shutil.which("ffmpeg")
    if not real:
        raise AssertionError("ffmpeg is not on the PATH")
    log = os.path.join(directory, "ffmpeg-runs.log")
    script = os.path.join(directory, "ffmpeg-counting")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n# Counts runs for test_cache.py, then is the real ffmpeg.\n"
                f"printf '%s\\n' \"$*\" >> '{log}'\nexec '{real}' \"$@\"\n")
    os.chmod(script, 0o755)
    return script, log


def ffmpeg_runs(log):
    if not os.path.exists(log):
        return 0
    with open(log) as f:
        return sum(1 for line in f if "-version" not in line.split())


async def upload_chunks_from(ws, job_id, data, offset, chunk=65536):
    """The rest of an upload from `offset` on."""
    for start in range(offset, len(data), chunk):
        await ws.send(frame({"job_id": job_id, "offset": start, "final": start + chunk >= len(data)},
                            data[start:start + chunk]))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def metrics(service):
    with urllib.request.urlopen(service.http_url.rstrip("/") + "/metrics", timeout=30) as reply:
        text = reply.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("mediaforge_cache_"):
            name, value = line.split()
            values[name] = float(value)
    return values


async def run_job(ws, data, options=THUMB, cache=None, job_id=None, detach=False):
    """A level 1 thumbnail job of `data` (uploaded): its `completed`, outputs and snapshot
    (taken after delivery: `cached` shows in it only while the service still holds the job,
    which a detached job's retained outputs ensure)."""
    job_id = job_id or f"cache-{os.urandom(4).hex()}"
    message = {"type": "start_job", "job_id": job_id, "operation": "thumbnail",
               "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)}, "options": options}
    if cache is not None:
        message["cache"] = cache
    if detach:
        message["detach"] = True
    ack = await request(ws, message)
    assert ack["type"] == "ack", ack
    await upload_chunks(ws, job_id, data)
    completed, outputs, _, _ = await collect_until_delivered(ws, job_id)
    snapshot = await request(ws, {"type": "get_job", "id": completed["id"]})
    return completed, outputs, snapshot["job"]


class CacheWithOwners(unittest.TestCase):
    """Two token owners, a cache with room for everything."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mediaforge-cache-")
        cls.ffmpeg, cls.log = counting_ffmpeg(cls.dir)
        tokens = tokens_file(cls.dir, [f"client {ALICE} alice", f"client {BOB} bob"])
        cls.service = Service("--tokens-file", tokens, "--ffmpeg", cls.ffmpeg, "--cache-size", "64M",
                              "--max-concurrent-jobs", "1").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    @contextlib.asynccontextmanager
    async def owner(self, token):
        async with connect(self.service.ws_url) as ws:
            await hello(ws, token=token)
            yield ws

    @async_test
    async def test_second_identical_job_completes_from_cache_without_ffmpeg(self):
        data = read(make_video(seconds=1.0, size="320x240"))
        async with self.owner(ALICE) as ws:
            first, first_outputs, first_job = await run_job(ws, data)
            runs = ffmpeg_runs(self.log)
            self.assertGreater(runs, 0)
            self.assertNotIn("cached", first)
            self.assertEqual(first_job["input"]["sha256"], [sha256(data)])
            before = metrics(self.service)

            second, second_outputs, second_job = await run_job(ws, data, detach=True)
            self.assertEqual(ffmpeg_runs(self.log), runs, "the second identical job started ffmpeg")
            self.assertIs(second["cached"], True)
            self.assertIs(second_job["cached"], True)
            self.assertEqual(second_job["status"], "completed")
            self.assertEqual(second_outputs, first_outputs)
            self.assertEqual(second["outputs"][0]["sha256"], sha256(second_outputs[0]))
            self.assertEqual(second["outputs"][0]["size_bytes"], first["outputs"][0]["size_bytes"])
            after = metrics(self.service)
            self.assertEqual(after["mediaforge_cache_hits_total"], before["mediaforge_cache_hits_total"] + 1)
            self.assertEqual(after["mediaforge_cache_bytes_saved_total"],
                             before["mediaforge_cache_bytes_saved_total"] + len(first_outputs[0]))
            self.assertGreaterEqual(after["mediaforge_cache_bytes"], len(first_outputs[0]))

    @async_test
    async def test_changed_option_or_input_misses(self):
        data = read(make_video(seconds=1.2, size="320x240"))
        other = read(make_video(seconds=1.4, size="320x240"))
        async with self.owner(ALICE) as ws:
            _, outputs, _ = await run_job(ws, data)
            runs = ffmpeg_runs(self.log)
            misses = metrics(self.service)["mediaforge_cache_misses_total"]
            changed, changed_outputs, _ = await run_job(ws, data, options={**THUMB, "width": 128})
            self.assertNotIn("cached", changed)
            self.assertGreater(ffmpeg_runs(self.log), runs)
            self.assertNotEqual(changed_outputs, outputs)
            runs = ffmpeg_runs(self.log)
            moved, _, _ = await run_job(ws, other)
            self.assertNotIn("cached", moved)
            self.assertGreater(ffmpeg_runs(self.log), runs)
            self.assertEqual(metrics(self.service)["mediaforge_cache_misses_total"], misses + 2)

    @async_test
    async def test_cache_false_neither_hits_nor_inserts(self):
        data = read(make_video(seconds=1.6, size="320x240"))
        async with self.owner(ALICE) as ws:
            runs = ffmpeg_runs(self.log)
            opted_out, _, snapshot = await run_job(ws, data, cache=False)
            self.assertNotIn("cached", opted_out)
            self.assertNotIn("cached", snapshot)
            self.assertGreater(ffmpeg_runs(self.log), runs)
            runs = ffmpeg_runs(self.log)
            # Not inserted: a job that may use the cache still runs ffmpeg...
            await run_job(ws, data)
            self.assertGreater(ffmpeg_runs(self.log), runs)
            # ...and once it is in, `cache: false` does not take it.
            runs = ffmpeg_runs(self.log)
            again, _, _ = await run_job(ws, data, cache=False)
            self.assertNotIn("cached", again)
            self.assertGreater(ffmpeg_runs(self.log), runs)

    @async_test
    async def test_other_owner_does_not_hit_by_default(self):
        data = read(make_video(seconds=1.8, size="320x240"))
        async with self.owner(ALICE) as alice, self.owner(BOB) as bob:
            _, alice_outputs, _ = await run_job(alice, data)
            runs = ffmpeg_runs(self.log)
            theirs, bob_outputs, _ = await run_job(bob, data)
            self.assertNotIn("cached", theirs)
            self.assertGreater(ffmpeg_runs(self.log), runs)
            self.assertEqual(bob_outputs, alice_outputs)
            # Bob's own result is his to reuse.
            runs = ffmpeg_runs(self.log)
            mine, _, _ = await run_job(bob, data)
            self.assertIs(mine["cached"], True)
            self.assertEqual(ffmpeg_runs(self.log), runs)

    @async_test
    async def test_start_job_cache_must_be_a_boolean(self):
        async with self.owner(ALICE) as ws:
            reply = await request(ws, {"type": "start_job", "operation": "thumbnail", "cache": "yes",
                                       "input": {"source": "upload", "filename": "clip.mp4"}, "options": THUMB})
            self.assertEqual(reply["type"], "error")
            self.assertEqual(reply["code"], "VALIDATION_ERROR")
            self.assertIn("cache", json.dumps(reply.get("details")))


class CacheOnDisk(unittest.TestCase):
    """No tokens (every local client is one owner): level 0, restarts, tampering, eviction."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mediaforge-cache-")
        self.ffmpeg, self.log = counting_ffmpeg(self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def service(self, *args):
        return Service("--ffmpeg", self.ffmpeg, "--max-concurrent-jobs", "1", *args)

    @staticmethod
    def entries(service):
        return sorted(glob.glob(os.path.join(service.data_dir, "cache", "[0-9a-f]" * 64)))

    @async_test
    async def test_level0_client_sees_a_normal_completion_from_the_cache(self):
        data = read(make_video(seconds=1.0, size="320x240"))
        with self.service("--cache-size", "64M") as service:
            results = []
            for n in range(2):
                async with connect(service.ws_url) as ws:
                    results.append(await level0_job(
                        ws, {"type": "start_job", "job_id": f"l0-{n}", "operation": "thumbnail",
                             "input": {"source": "upload", "filename": "clip.mp4"}, "options": THUMB},
                        uploads=[("clip.mp4", data)]))
                if n == 0:
                    runs = ffmpeg_runs(self.log)
            self.assertEqual(ffmpeg_runs(self.log), runs)
            self.assertIsNotNone(results[1].completed, results[1].types)
            self.assertNotIn("cached", results[1].completed)
            self.assertEqual(results[1].outputs[0][1], results[0].outputs[0][1])

    @async_test
    async def test_restart_keeps_the_cache_and_drops_foreign_entries(self):
        data = read(make_video(seconds=1.0, size="320x240"))
        with self.service("--cache-size", "64M") as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, outputs, _ = await run_job(ws, data)
            self.assertEqual(len(self.entries(service)), 1)
            foreign = os.path.join(service.data_dir, "cache", "ab" * 32)
            os.makedirs(foreign)
            with open(os.path.join(foreign, "entry.json"), "w") as f:
                f.write('{"format": "something-else"}')
            service.restart(signal.SIGTERM)
            self.assertFalse(os.path.exists(foreign), "a foreign entry survived the start-up")
            runs = ffmpeg_runs(self.log)
            async with connect(service.ws_url) as ws:
                await hello(ws)
                completed, again, _ = await run_job(ws, data)
            self.assertIs(completed["cached"], True)
            self.assertEqual(ffmpeg_runs(self.log), runs)
            self.assertEqual(again, outputs)

    @async_test
    async def test_upload_resumed_after_a_restart_has_the_whole_files_digest(self):
        # The bytes received before the restart are hashed from the file once; the rest as it
        # arrives. A wrong digest here would make the cache miss (or hit the wrong entry).
        data = read(make_video(seconds=1.0, size="320x240"))
        half = len(data) // 2
        tokens = tokens_file(self.dir, [f"client {ALICE} alice"])
        with self.service("--cache-size", "64M", "--tokens-file", tokens) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws, token=ALICE)
                ack = await request(ws, {"type": "start_job", "job_id": "resumed", "operation": "thumbnail",
                                         "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)},
                                         "options": THUMB})
                self.assertEqual(ack["type"], "ack", ack)
                for offset in range(0, half, 65536):
                    await ws.send(frame({"job_id": "resumed", "offset": offset, "final": False},
                                        data[offset:min(offset + 65536, half)]))
                self.assertEqual((await request(ws, {"type": "ping"}))["type"], "pong")
            service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws, token=ALICE)
                attached = await request(ws, {"type": "attach", "job_id": "resumed"})
                self.assertEqual(attached["job"]["uploads"][0]["received_bytes"], half, attached)
                for offset in range(half, len(data), 65536):
                    await ws.send(frame({"job_id": "resumed", "offset": offset, "final": offset + 65536 >= len(data)},
                                        data[offset:offset + 65536]))
                completed, _, _, _ = await collect_until_delivered(ws, "resumed")
                snapshot = (await request(ws, {"type": "get_job", "id": completed["id"]}))["job"]
            self.assertEqual(snapshot["input"]["sha256"], [sha256(data)])

    @async_test
    async def test_a_recovered_job_keeps_its_cache_choice(self):
        # Two uploads cut by a SIGKILL, one with "cache": false: after the restart both are
        # recovered from the job store, and only the one that did not opt out is added.
        clips = {"keep": read(make_video(seconds=1.0, size="320x240")),
                 "optout": read(make_video(seconds=1.2, size="320x240"))}
        tokens = tokens_file(self.dir, [f"client {ALICE} alice"])   # uploads resume for token owners
        with self.service("--cache-size", "64M", "--tokens-file", tokens) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws, token=ALICE)
                for name, data in clips.items():
                    message = {"type": "start_job", "job_id": name, "operation": "thumbnail", "options": THUMB,
                               "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)}}
                    if name == "optout":
                        message["cache"] = False
                    self.assertEqual((await request(ws, message))["type"], "ack")
                    await ws.send(frame({"job_id": name, "offset": 0, "final": False}, data[:4096]))
                self.assertEqual((await request(ws, {"type": "ping"}))["type"], "pong")
            service.restart(signal.SIGKILL)
            async with connect(service.ws_url) as ws:
                await hello(ws, token=ALICE)
                for name, data in clips.items():
                    attached = await request(ws, {"type": "attach", "job_id": name})
                    self.assertEqual(attached["job"]["uploads"][0]["received_bytes"], 4096, attached)
                    await upload_chunks_from(ws, name, data, 4096)
                    completed, _, _, _ = await collect_until_delivered(ws, name)
                    self.assertNotIn("cached", completed)
                self.assertEqual(len(self.entries(service)), 1, "exactly the job that did not opt out is cached")
                runs = ffmpeg_runs(self.log)
                again, _, _ = await run_job(ws, clips["keep"])
                self.assertIs(again["cached"], True)
                self.assertEqual(ffmpeg_runs(self.log), runs)

    @async_test
    async def test_checking_a_cached_file_does_not_hold_up_the_service(self):
        # The cached file becomes 1 GiB (sparse, so no disk is used) and its record says so:
        # reading and hashing it takes seconds. While that runs, the same connection's ping is
        # answered before the job moves on; the check then finds the entry changed, removes it,
        # and the job runs ffmpeg. (Were the check on the event loop, the job would be queued
        # before the ping was even read.)
        data = read(make_video(seconds=1.0, size="320x240"))
        with self.service("--cache-size", "64M") as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, outputs, _ = await run_job(ws, data)
                [entry] = self.entries(service)
                record_path = os.path.join(entry, "entry.json")
                [cached_file] = [p for p in glob.glob(os.path.join(entry, "*")) if p != record_path]
                os.chmod(cached_file, 0o600)
                os.truncate(cached_file, 1 << 30)
                with open(record_path) as f:
                    record = json.load(f)
                record["outputs"][0]["size_bytes"] = 1 << 30
                os.chmod(record_path, 0o600)
                with open(record_path, "w") as f:
                    json.dump(record, f)
                runs = ffmpeg_runs(self.log)
                ack = await request(ws, {"type": "start_job", "job_id": "slow-check", "operation": "thumbnail",
                                         "options": THUMB,
                                         "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)}})
                self.assertEqual(ack["type"], "ack", ack)
                await upload_chunks(ws, "slow-check", data)
                seen = []
                while True:     # up to the upload's end
                    message = await recv_any(ws, 60)
                    if isinstance(message, dict):
                        seen.append(message)
                        if message.get("stage") == "uploading" and message.get("percentage") == 100:
                            break
                await ws.send(json.dumps({"type": "ping", "request_id": "during-check"}))
                while True:
                    message = await recv_any(ws, 60)
                    if isinstance(message, dict):
                        if message.get("request_id") == "during-check":
                            break
                        seen.append(message)
                self.assertEqual(message["type"], "pong")
                moved_on = [m for m in seen if m.get("type") == "progress" and m.get("stage") != "uploading"
                            or m.get("type") in ("completed", "error")]
                self.assertEqual(moved_on, [], "the job moved on before the ping was answered")
                completed, again, _, _ = await collect_until_delivered(ws, "slow-check")
            self.assertNotIn("cached", completed)
            self.assertGreater(ffmpeg_runs(self.log), runs)
            self.assertEqual(again, outputs)
            self.assertEqual(self.entries(service), [entry], "the run added the entry again, whole")
            self.assertEqual(os.path.getsize(cached_file), len(outputs[0]))

    @async_test
    async def test_tampered_cache_file_is_not_served(self):
        data = read(make_video(seconds=1.0, size="320x240"))
        with self.service("--cache-size", "64M") as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                _, outputs, _ = await run_job(ws, data)
                [entry] = self.entries(service)
                [cached_file] = [p for p in glob.glob(os.path.join(entry, "*")) if not p.endswith("entry.json")]
                # Same size, other bytes: only the recorded SHA-256 tells.
                tampered = bytearray(read(cached_file))
                tampered[len(tampered) // 2] ^= 0xFF
                os.chmod(cached_file, 0o600)
                with open(cached_file, "r+b") as f:
                    f.write(bytes(tampered))
                runs = ffmpeg_runs(self.log)
                completed, again, _ = await run_job(ws, data)
            self.assertNotIn("cached", completed)
            self.assertGreater(ffmpeg_runs(self.log), runs)
            self.assertEqual(again, outputs)
            self.assertEqual(completed["outputs"][0]["sha256"], sha256(outputs[0]))

    @async_test
    async def test_eviction_keeps_the_budget_least_recently_used_first(self):
        inputs = [read(make_video(seconds=s, size="320x240")) for s in (1.0, 1.2, 1.4)]
        # The outputs' sizes first (ffmpeg makes the same bytes from the same input), to size
        # the budget: two of them fit together, three do not.
        with self.service("--cache-size", "64M") as scratch:
            async with connect(scratch.ws_url) as ws:
                await hello(ws)
                sizes = [len((await run_job(ws, data))[1][0]) for data in inputs]
        budget = max(sizes[0] + sizes[1], sizes[0] + sizes[2])
        with self.service("--cache-size", str(budget)) as service:
            async with connect(service.ws_url) as ws:
                await hello(ws)
                await run_job(ws, inputs[0])
                await run_job(ws, inputs[1])
                first, _, _ = await run_job(ws, inputs[0])     # the first is now the most recent
                self.assertIs(first["cached"], True)
                await run_job(ws, inputs[2])                   # evicts the second
                figures = metrics(service)
                self.assertLessEqual(figures["mediaforge_cache_bytes"], budget)
                self.assertEqual(figures["mediaforge_cache_bytes"], sizes[0] + sizes[2])
                self.assertEqual(len(self.entries(service)), 2)
                kept, _, _ = await run_job(ws, inputs[0])
                self.assertIs(kept["cached"], True)
                runs = ffmpeg_runs(self.log)
                evicted, _, _ = await run_job(ws, inputs[1])
                self.assertNotIn("cached", evicted)
                self.assertGreater(ffmpeg_runs(self.log), runs)
                self.assertLessEqual(metrics(service)["mediaforge_cache_bytes"], budget)


if __name__ == "__main__":
    main()
