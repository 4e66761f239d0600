# SPDX-License-Identifier: GPL-3.0-or-later
"""Protocol level 1: hello/welcome, chunked uploads and outputs with output_delivered, job
queries, detach and fetch_output after a reconnect, the admin event feed, priorities, and the
cancel-on-disconnect rule."""

import asyncio
import json
import os
import time
import unittest

from harness import (Service, async_test, connect, frame, main, make_video, probe_bytes, recv_any, recv_json, request,
                     sha256, streams, unframe)


async def hello(ws, **extra):
    reply = await request(ws, {"type": "hello", "protocol": 1, "client": "e2e/1", **extra})
    assert reply["type"] == "welcome", reply
    return reply


async def upload_chunks(ws, job_id, data, chunk=256 * 1024, index=None):
    for offset in range(0, max(1, len(data)), chunk):
        header = {"job_id": job_id, "offset": offset, "final": offset + chunk >= len(data)}
        if index is not None:
            header["index"] = index
        await ws.send(frame(header, data[offset:offset + chunk]))


async def collect_until_delivered(ws, job_id, timeout=120):
    """Messages for job_id until every output arrived and was confirmed by output_delivered."""
    messages, chunks = [], {}
    completed = None
    delivered = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await recv_any(ws, deadline - time.monotonic())
        if isinstance(message, bytes):
            header, payload = unframe(message)
            if header["job_id"] != job_id:
                continue
            parts = chunks.setdefault(header["index"], [])
            expected = sum(len(p) for p in parts)
            assert header["offset"] == expected, (header, expected)
            parts.append(payload)
            continue
        if message.get("job_id") != job_id:
            continue
        messages.append(message)
        if message["type"] == "error":
            raise AssertionError(message)
        if message["type"] == "completed":
            completed = message
        if message["type"] == "output_delivered":
            delivered[message["index"]] = message
        if completed is not None and len(delivered) == len(completed["outputs"]):
            return completed, {i: b"".join(p) for i, p in chunks.items()}, delivered, messages
    raise AssertionError(f"no full delivery for {job_id}: {[m['type'] for m in messages]}")


class Level1(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service("--max-concurrent-jobs", "1", "--max-chunk-size", "256K").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    @async_test
    async def test_welcome_advertises_limits_and_operations(self):
        async with connect(self.service.ws_url) as ws:
            welcome = await hello(ws)
            self.assertEqual(welcome["protocol"], 1)
            self.assertEqual(welcome["server"]["name"], "mediaforged")
            self.assertEqual(welcome["role"], "admin")   # no tokens: every local connection is admin
            for key in ("max_file_bytes", "max_chunk_bytes", "max_message_bytes", "max_active_jobs_per_connection",
                        "job_timeout_seconds"):
                self.assertIn(key, welcome["limits"])
            self.assertEqual(welcome["limits"]["max_chunk_bytes"], 256 * 1024)
            self.assertEqual(len(welcome["operations"]), 13)

    @async_test
    async def test_chunked_upload_and_chunked_outputs_with_output_delivered(self):
        data = open(make_video(seconds=2.0), "rb").read()
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            ack = await request(ws, {"type": "start_job", "job_id": "chunky", "operation": "thumbnail",
                                     "input": {"source": "upload", "filename": "clip.mp4", "size": len(data)},
                                     "options": {"count": 2, "format": "jpeg"}})
            self.assertEqual(ack["type"], "ack")
            self.assertEqual(ack["upload"]["chunk_bytes"], 256 * 1024)
            await upload_chunks(ws, "chunky", data)
            completed, files, delivered, messages = await collect_until_delivered(ws, "chunky")
            self.assertEqual(len(files), 2)
            for index, output in enumerate(completed["outputs"]):
                self.assertEqual(sha256(files[index]), output["sha256"])
                self.assertEqual(delivered[index]["sha256"], output["sha256"])
                self.assertEqual(delivered[index]["bytes"], len(files[index]))
                self.assertTrue(files[index].startswith(b"\xff\xd8"), "jpeg")
            uploads = [m for m in messages if m["type"] == "progress" and m["stage"] == "uploading"]
            self.assertTrue(uploads, "upload progress is reported")
            self.assertEqual(uploads[-1]["percentage"], 100)
            self.assertEqual(uploads[-1]["total_bytes"], len(data))
        self.assertEqual(self.service.wait_clean(), [])

    @async_test
    async def test_queries_get_job_list_jobs_get_stats(self):
        data = open(make_video(seconds=1.0), "rb").read()
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            ack = await request(ws, {"type": "start_job", "job_id": "q1", "operation": "probe",
                                     "input": {"source": "upload", "filename": "a.mp4"}})
            job = (await request(ws, {"type": "get_job", "job_id": "q1"}))["job"]
            self.assertEqual(job["id"], ack["id"])
            self.assertEqual(job["status"], "awaiting_upload")
            await upload_chunks(ws, "q1", data)
            while True:
                message = await recv_json(ws)
                if message.get("type") == "completed" and message["job_id"] == "q1":
                    break
            job = (await request(ws, {"type": "get_job", "id": ack["id"]}))["job"]
            self.assertEqual(job["status"], "completed")
            listed = await request(ws, {"type": "list_jobs", "states": ["completed"], "limit": 5})
            self.assertIn(ack["id"], [j["id"] for j in listed["jobs"]])
            self.assertTrue(all(j["status"] == "completed" for j in listed["jobs"]))
            stats = (await request(ws, {"type": "get_stats"}))["stats"]
            self.assertGreaterEqual(stats["completed_jobs"], 1)
            self.assertEqual(len(stats["workers"]), 1)
            bad = await request(ws, {"type": "list_jobs", "states": ["sleeping"]})
            self.assertEqual(bad["code"], "VALIDATION_ERROR")
            self.assertEqual(bad["details"][0]["path"], "states[0]")

    @async_test
    async def test_health_and_metrics_report_what_happened(self):
        data = open(make_video(seconds=1.0), "rb").read()
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            await request(ws, {"type": "start_job", "job_id": "m1", "operation": "probe",
                               "input": {"source": "upload"}})
            await upload_chunks(ws, "m1", data)
            while (await recv_json(ws)).get("type") != "completed":
                pass
            status, health = self.service.health()
            self.assertEqual(status, 200)
            self.assertEqual(health["status"], "healthy")
            self.assertTrue(health["ffmpeg"]["version"].startswith("5."))
            for key in ("total_jobs", "active_jobs", "queued_jobs", "max_concurrent", "completed_jobs", "failed_jobs",
                        "cancelled_jobs", "connections"):
                self.assertIn(key, health["stats"])
            self.assertGreaterEqual(health["stats"]["connections"], 1)
            self.assertEqual(health["stats"]["max_concurrent"], 1)
            status, headers, body = self.service.http_get("/metrics")
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
            text = body.decode()
            self.assertRegex(text, r'mediaforge_jobs_total\{operation="probe",outcome="completed"\} [1-9]')
            self.assertRegex(text, r'mediaforge_job_duration_seconds_count\{operation="probe"\} [1-9]')
            self.assertRegex(text, r'mediaforge_bytes_received_total [1-9]')
            # The node's name as a label of its own series; the embedded store always answers.
            self.assertRegex(text, r'(?m)^mediaforge_node_info\{node="[^"]+",version="[^"]+"\} 1$')
            self.assertRegex(text, r'(?m)^mediaforge_store_reachable 1$')
            for name in ("mediaforge_queue_depth", "mediaforge_active_jobs", "mediaforge_connections",
                         "mediaforge_bytes_sent_total", "process_resident_memory_bytes", "process_cpu_seconds_total"):
                self.assertRegex(text, rf"(?m)^# TYPE {name} ")
                self.assertRegex(text, rf"(?m)^{name} [0-9.e+]+$")

    @async_test
    async def test_detached_job_survives_disconnect_and_is_fetched_after_reconnect(self):
        data = open(make_video(seconds=2.0), "rb").read()
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            ack = await request(ws, {"type": "start_job", "job_id": "keep", "operation": "remove_audio",
                                     "input": {"source": "upload", "filename": "k.mp4"}, "detach": True})
            await upload_chunks(ws, "keep", data)
        # Gone: the job runs on.
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            # job_ids belong to their connection's namespace; the service id reaches the job.
            missing = await request(ws, {"type": "get_job", "job_id": "keep"})
            self.assertEqual(missing["code"], "NOT_FOUND")
            deadline = time.monotonic() + 120   # generous: the machine may be busy
            while time.monotonic() < deadline:
                job = (await request(ws, {"type": "get_job", "id": ack["id"]}))["job"]
                if job["status"] == "completed":
                    break
                await asyncio.sleep(0.1)
            self.assertEqual(job["status"], "completed")
            await ws.send(json.dumps({"type": "fetch_output", "id": ack["id"], "request_id": "f1"}))
            completed = {"outputs": job["outputs"]}
            chunks, delivered = [], None
            while delivered is None:
                message = await recv_any(ws)
                if isinstance(message, bytes):
                    header, payload = unframe(message)
                    self.assertEqual(header["offset"], sum(len(c) for c in chunks))
                    chunks.append(payload)
                elif message["type"] == "output_delivered":
                    delivered = message
            output = b"".join(chunks)
            self.assertEqual(sha256(output), completed["outputs"][0]["sha256"])
            self.assertEqual(streams(probe_bytes(output, ".mp4"), "audio"), [])
            # Still there for another fetch within the retention period.
            again = await request(ws, {"type": "get_job", "id": ack["id"]})
            self.assertTrue(again["job"]["outputs_available"])

    @async_test
    async def test_admin_subscriber_sees_another_clients_job(self):
        data = open(make_video(seconds=1.0), "rb").read()
        async with connect(self.service.ws_url) as admin, connect(self.service.ws_url) as client:
            await hello(admin)
            self.assertEqual((await request(admin, {"type": "subscribe"}))["type"], "subscribed")
            ack = await request(client, {"type": "start_job", "job_id": "watched", "operation": "compress",
                                         "input": {"source": "upload"}, "options": {"preset": "high"}})
            await client.send(frame({"job_id": "watched", "filename": "w.mp4"}, data))
            events, stats = [], 0
            while not events or events[-1]["event"] not in ("completed", "failed"):
                message = await recv_json(admin)
                if message["type"] == "stats":
                    stats += 1
                    self.assertIn("workers", message["stats"])
                elif message["type"] == "job_event" and message["job"]["id"] == ack["id"]:
                    events.append(message)
            names = [e["event"] for e in events]
            self.assertEqual(names[0], "accepted")
            self.assertIn("stage", names)
            self.assertEqual(names[-1], "completed")
            self.assertIn("owner", events[-1]["job"])
            self.assertGreaterEqual(stats, 1)

    @async_test
    async def test_priority_orders_the_queue(self):
        long = open(make_video(seconds=8.0, size="640x360"), "rb").read()
        short = open(make_video(seconds=0.5), "rb").read()
        async with connect(self.service.ws_url) as ws:
            await hello(ws)
            await request(ws, {"type": "start_job", "job_id": "busy", "operation": "compress", "options": {"preset": "low"},
                               "input": {"source": "upload"}})
            await ws.send(frame({"job_id": "busy", "filename": "b.mp4"}, long))
            # Wait for it to hold the only worker.
            while True:
                message = await recv_json(ws)
                if message.get("job_id") == "busy" and message.get("stage") == "processing":
                    break
            for job_id, priority in (("low", "low"), ("normal", "normal"), ("high", "high")):
                await request(ws, {"type": "start_job", "job_id": job_id, "operation": "probe", "priority": priority,
                                   "input": {"source": "upload"}})
                await ws.send(frame({"job_id": job_id, "filename": "s.mp4"}, short))
            order = []
            while len(order) < 3:
                message = await recv_json(ws, timeout=120)
                if message.get("type") == "completed" and message["job_id"] in ("low", "normal", "high"):
                    order.append(message["job_id"])
            self.assertEqual(order, ["high", "normal", "low"])

    @async_test
    async def test_closing_the_connection_cancels_its_jobs_and_kills_ffmpeg(self):
        data = open(make_video(seconds=20.0, size="640x360"), "rb").read()
        ws = await connect(self.service.ws_url)
        await hello(ws)
        await request(ws, {"type": "start_job", "job_id": "doomed", "operation": "compress",
                           "options": {"preset": "low"}, "input": {"source": "upload"}})
        await ws.send(frame({"job_id": "doomed", "filename": "d.mp4"}, data))
        while True:
            message = await recv_json(ws)
            if message.get("stage") == "processing" and message.get("percentage", 0) > 0:
                break
        self.assertTrue(self.service.ffmpeg_children(), "ffmpeg runs")
        await ws.close()
        closed = time.monotonic()
        # A generous bound: with ctest --parallel on every core a second is no promise; the
        # figure is printed for whoever watches it.
        self.assertEqual(self.service.wait_clean(timeout=30), [], "cancelled, ffmpeg killed and files removed")
        print(f"closed connection: job cleaned up after {(time.monotonic() - closed) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
