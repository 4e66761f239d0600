# SPDX-License-Identifier: GPL-3.0-or-later
"""Input and disk limits against the real mediaforged (issue 8, defect 5): the total of one job's
inputs (--max-job-input), the disk budget of all job files (--disk-budget) and the free-space
floor of the temp dir's file system (--min-free-disk, on a small tmpfs mounted for the test; the
test fails, not skips, when it cannot be mounted). Each refusal carries its typed error and comes
before the bytes are stored; afterwards /health answers 200, no file of the refused job is left,
and a job that fits still completes. Real sockets, real ffmpeg, a real HTTP server on loopback."""

import asyncio
import os
import shutil
import subprocess
import tempfile
import unittest

import websockets

from harness import (MediaHttpServer, Service, async_test, connect, frame, level0_job, main, make_video, recv_json,
                     request)

MIB = 1024 * 1024


def read(path):
    with open(path, "rb") as f:
        return f.read()


async def hello(ws):
    reply = await request(ws, {"type": "hello", "protocol": 1})
    assert reply["type"] == "welcome", reply


def upload_input(size=None):
    item = {"source": "upload", "filename": "part.bin"}
    if size is not None:
        item["size"] = size
    return item


async def send_chunks(ws, job_id, data, chunk=MIB, index=None):
    """Level 1 chunks of `data`; stops quietly when the service has closed the connection."""
    offset = 0
    while True:
        piece = data[offset:offset + chunk]
        header = {"job_id": job_id, "offset": offset, "final": offset + len(piece) >= len(data)}
        if index is not None:
            header["index"] = index
        try:
            await ws.send(frame(header, piece))
        except websockets.ConnectionClosed:
            return
        offset += len(piece)
        if offset >= len(data):
            return


async def first_end(ws, job_id, timeout=60):
    """The first error or completion of `job_id` (later errors answer chunks sent after it)."""
    while True:
        message = await recv_json(ws, timeout)
        if message.get("job_id") == job_id and message.get("type") in ("error", "completed"):
            return message


async def assert_well(test, service, what):
    status, _ = await asyncio.to_thread(service.health)
    test.assertEqual(status, 200, f"{what}: /health {status}")
    test.assertEqual(await asyncio.to_thread(service.wait_clean), [], f"{what}: files or ffmpeg left")
    # A job that fits still runs.
    clip = read(make_video(seconds=1.0, size="160x120"))
    async with connect(service.ws_url) as ws:
        result = await level0_job(ws, {"type": "start_job", "job_id": "fits", "operation": "probe",
                                       "input": {"source": "upload", "filename": "c.mp4"}}, [("c.mp4", clip)])
        test.assertIsNotNone(result.completed, f"{what}: a small job failed: {result.error}")


class JobInputTotal(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.www = tempfile.mkdtemp(prefix="mediaforge-disk-www-")
        for name in ("a.bin", "b.bin"):
            with open(os.path.join(cls.www, name), "wb") as f:
                f.write(os.urandom(600 * 1024))
        cls.http = MediaHttpServer(cls.www).__enter__()
        cls.service = Service("--max-job-input", "1M", "--allow-private-urls").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        cls.http.__exit__(None, None, None)
        shutil.rmtree(cls.www, ignore_errors=True)

    def assert_job_input_refusal(self, reply):
        self.assertEqual((reply["type"], reply.get("code")), ("error", "TOO_LARGE"), reply)
        self.assertEqual(reply["details"]["limit"], "job_input", reply)
        self.assertEqual(reply["details"]["max_job_input_bytes"], MIB, reply)

    @async_test
    async def test_declared_concat_sizes_over_the_total_are_refused_at_start_job(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            reply = await request(ws, {"type": "start_job", "job_id": "declared", "operation": "concat",
                                       "inputs": [upload_input(600 * 1024), upload_input(600 * 1024)]})
            self.assert_job_input_refusal(reply)
            self.assertEqual(self.service.job_dirs(), [], "a refused job got a directory")
        await assert_well(self, self.service, "declared sizes")

    @async_test
    async def test_concat_uploads_fail_when_their_sum_passes_the_total(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            reply = await request(ws, {"type": "start_job", "job_id": "summed", "operation": "concat",
                                       "inputs": [upload_input(), upload_input()]})
            self.assertEqual(reply["type"], "ack", reply)
            # Each input alone is far below --max-file-size; together they pass 1 MiB.
            await send_chunks(ws, "summed", os.urandom(600 * 1024), index=0)
            await send_chunks(ws, "summed", os.urandom(600 * 1024), chunk=256 * 1024, index=1)
            self.assert_job_input_refusal(await first_end(ws, "summed"))
        await assert_well(self, self.service, "summed uploads")

    @async_test
    async def test_concat_downloads_over_the_total_fail_on_the_announced_length(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            reply = await request(ws, {"type": "start_job", "job_id": "urls", "operation": "concat",
                                       "inputs": [{"source": "url", "url": self.http.url("a.bin")},
                                                  {"source": "url", "url": self.http.url("b.bin")}]})
            self.assertEqual(reply["type"], "ack", reply)
            self.assert_job_input_refusal(await first_end(ws, "urls"))
        await assert_well(self, self.service, "downloads")


class DiskBudget(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service("--disk-budget", "2M", "--min-free-disk", "0").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    def assert_budget_refusal(self, reply):
        self.assertEqual((reply["type"], reply.get("code")), ("error", "INSUFFICIENT_STORAGE"), reply)
        self.assertEqual(reply["details"]["limit"], "disk_budget", reply)
        self.assertEqual(reply["details"]["budget_bytes"], 2 * MIB, reply)

    @async_test
    async def test_a_declared_size_over_the_budget_is_refused_at_start_job(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            reply = await request(ws, {"type": "start_job", "job_id": "big", "operation": "probe",
                                       "input": upload_input(3 * MIB)})
            self.assert_budget_refusal(reply)
            self.assertEqual(self.service.job_dirs(), [])
        await assert_well(self, self.service, "declared over the budget")

    @async_test
    async def test_an_upload_that_passes_the_budget_fails_typed_and_frees_its_files(self):
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            reply = await request(ws, {"type": "start_job", "job_id": "grows", "operation": "probe",
                                       "input": upload_input()})
            self.assertEqual(reply["type"], "ack", reply)
            await send_chunks(ws, "grows", os.urandom(3 * MIB))
            self.assert_budget_refusal(await first_end(ws, "grows"))
        await assert_well(self, self.service, "upload over the budget")


class FreeSpaceFloor(unittest.TestCase):
    @async_test
    async def test_uploads_stop_at_the_free_space_floor_of_a_small_file_system(self):
        # An 8 MiB tmpfs as the temp dir with a 4 MiB floor: about 4 MiB of input fits.
        service = Service("--min-free-disk", "4M", "--disk-budget", "0")
        os.makedirs(service.work_dir)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", service.work_dir],
                                 capture_output=True, text=True)
        self.assertEqual(mounted.returncode, 0, f"cannot mount a small tmpfs for this test: {mounted.stderr}")
        try:
            with service:
                async with connect(service.ws_url) as ws:
                    await hello(ws)
                    declared = await request(ws, {"type": "start_job", "job_id": "declared", "operation": "probe",
                                                  "input": upload_input(6 * MIB)})
                    self.assertEqual((declared["type"], declared.get("code")), ("error", "INSUFFICIENT_STORAGE"),
                                     declared)
                    self.assertEqual(declared["details"]["limit"], "min_free_disk", declared)

                    reply = await request(ws, {"type": "start_job", "job_id": "grows", "operation": "probe",
                                               "input": upload_input()})
                    self.assertEqual(reply["type"], "ack", reply)
                    await send_chunks(ws, "grows", os.urandom(6 * MIB))
                    end = await first_end(ws, "grows")
                    self.assertEqual((end["type"], end.get("code")), ("error", "INSUFFICIENT_STORAGE"), end)
                    self.assertEqual(end["details"], {"limit": "min_free_disk", "min_free_bytes": 4 * MIB}, end)
                await assert_well(self, service, "the free-space floor")
                self.assertLess(shutil.disk_usage(service.work_dir).used, MIB)
        finally:
            subprocess.run(["umount", "-l", service.work_dir], check=False)


if __name__ == "__main__":
    main()
