# SPDX-License-Identifier: GPL-3.0-or-later
"""Pieces shared by the hostile-input, fault, access and load tests (issue 8).

A `Bystander` is another client's job that must survive whatever a case does to the service;
`assert_healthy` is the check every hostile case ends with: /health 200, no job directory but
the bystander's, no ffmpeg or ffprobe child, resident memory under a bound.
"""

import asyncio
import json
import os
import time

from harness import connect, frame, recv_json, request, rss_limit

MIB = 1024 * 1024


async def wait_for(predicate, timeout=60.0, interval=0.05):
    """Polls `predicate` (sync) until it is true; returns its last value. No wall-clock
    assertion: the bound is only there so that a broken service fails instead of hanging."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        await asyncio.sleep(interval)
        value = predicate()
    return value


async def until(ws, accept, timeout=60):
    """Reads text messages until `accept(message)` is true and returns that message."""
    while True:
        message = await recv_json(ws, timeout)
        if accept(message):
            return message


async def job_end(ws, job_id, timeout=120):
    """The one terminal message of a job: `completed` or `error` for its job_id."""
    return await until(ws, lambda m: m.get("job_id") == job_id and m.get("type") in ("completed", "error"),
                       timeout)


class Bystander:
    """A level 1 job of another client that uploads one small chunk after each hostile case
    and must still be `awaiting_upload` (not failed, not cancelled, not reset) each time; at the
    end its upload completes and it must finish with the output it would have had anyway."""

    def __init__(self, service, data, token=None):
        self.service = service
        self.data = data
        self.token = token
        self.offset = 0
        self.ws = None
        self.id = None
        self.chunk = max(1, len(data) // 400)

    async def start(self):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.ws = await connect(self.service.ws_url, extra_headers=headers)
        welcome = await request(self.ws, {"type": "hello", "protocol": 1})
        assert welcome["type"] == "welcome", welcome
        ack = await request(self.ws, {"type": "start_job", "job_id": "bystander", "operation": "probe",
                                      "input": {"source": "upload", "filename": "b.mp4", "size": len(self.data)}})
        assert ack["type"] == "ack", ack
        self.id = ack["id"]

    @property
    def directory(self):
        return f"job-{self.id}"

    async def step(self):
        """One more chunk, then proof that the job is still alive and where it was."""
        if self.offset < len(self.data) - self.chunk:
            piece = self.data[self.offset:self.offset + self.chunk]
            await self.ws.send(frame({"job_id": "bystander", "offset": self.offset, "final": False}, piece))
            self.offset += len(piece)
        reply = await request(self.ws, {"type": "get_job", "job_id": "bystander"})
        job = reply.get("job", {})
        return job.get("status"), job.get("bytes")

    async def finish(self):
        await self.ws.send(frame({"job_id": "bystander", "offset": self.offset, "final": True},
                                 self.data[self.offset:]))
        end = await job_end(self.ws, "bystander")
        await self.ws.close()
        return end


def reset_peak(service):
    """Resets the kernel's peak-RSS mark (VmHWM) of the service and returns its RSS now, so
    that an attack's peak is measured on its own, not against an earlier one's."""
    with open(f"/proc/{service.pid}/clear_refs", "w") as f:
        f.write("5")
    return service.rss_bytes()


def rss(service):
    return service.rss_bytes()


async def assert_healthy(test, service, bystander=None, rss_bound=None, what=""):
    """The state every hostile case must leave behind."""
    status, body = await asyncio.to_thread(service.health)
    test.assertEqual(status, 200, f"{what}: /health {status} {body}")
    allowed = {bystander.directory} if bystander else set()
    left = await wait_for(lambda: set(service.job_dirs()) <= allowed and not service.ffmpeg_children(), 30)
    test.assertTrue(left, f"{what}: left behind {set(service.job_dirs()) - allowed} "
                          f"ffmpeg {service.ffmpeg_children()}")
    bound = rss_bound if rss_bound is not None else rss_limit(400 * MIB)
    test.assertLess(rss(service), bound, f"{what}: RSS {rss(service) / MIB:.0f} MiB")
    if bystander:
        state, received = await bystander.step()
        test.assertEqual(state, "awaiting_upload", f"{what}: the bystander job is {state}")
        test.assertEqual(received, bystander.offset, f"{what}: the bystander lost upload bytes")


def metrics(service):
    """/metrics as {name{labels}: value}."""
    status, _, body = service.http_get("/metrics")
    assert status == 200, status
    values = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            values[key] = float(value)
    return values


def jobs_total(values, outcome=None):
    return sum(v for k, v in values.items()
               if k.startswith("mediaforge_jobs_total{") and (outcome is None or f'outcome="{outcome}"' in k))


def tokens_file(directory, lines):
    path = os.path.join(directory, "tokens")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def dumps(message):
    return json.dumps(message, separators=(",", ":"))
