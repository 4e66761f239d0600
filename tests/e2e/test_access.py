# SPDX-License-Identifier: GPL-3.0-or-later
"""The access matrix (issue 8): four roles (no token, client A, client B, admin) against every
request type of docs/protocol.md section 5, the binary upload and every route of the HTTP port.
Only the allowed cells succeed, each refusal with its exact code or status. The same matrix runs
against a service logging text and one logging JSON lines, both at debug level, and no token
(valid or wrong) may appear anywhere in what the service wrote.

A presents its token in the URL (?token=), B in the Authorization header, the admin in hello:
all three ways go through the logs.
"""

import asyncio
import json
import shutil
import tempfile
import unittest
import urllib.request

import websockets

from harness import Service, async_test, connect, frame, main, make_video, recv_any, request
from hostile_support import dumps, job_end, tokens_file

ADMIN = "Adm1n-t0ken-QWERTYUIOPASDFGH"
ALICE = "Al1ce-t0ken-ZXCVBNMLKJHGFDSA"
BOB = "B0b-t0ken-POIUYTREWQLKJHGFD"
WRONG = "Wr0ng-t0ken-MNBVCXZASDFGHJKL"
TOKENS = (ADMIN, ALICE, BOB, WRONG)
ROLES = ("none", "alice", "bob", "admin")


def read(path):
    with open(path, "rb") as f:
        return f.read()


async def open_as(service, role):
    """A level 1 connection in the role's own way of presenting its token."""
    if role == "alice":
        ws = await connect(service.ws_url.rstrip("/") + f"/?token={ALICE}")
    elif role == "bob":
        ws = await connect(service.ws_url, extra_headers={"Authorization": f"Bearer {BOB}"})
    else:
        ws = await connect(service.ws_url)
    if role == "admin":
        welcome = await request(ws, {"type": "hello", "protocol": 1, "token": ADMIN})
    elif role != "none":
        welcome = await request(ws, {"type": "hello", "protocol": 1})
    else:
        return ws
    assert welcome["type"] == "welcome", welcome
    return ws


async def outcome(ws, items, wait_for_type=None):
    """Sends `items` and returns the first answer: a reply type, an error code, or
    `UNAUTHORIZED+close:1008` for a peer the service refused and closed."""
    try:
        try:
            for item in items:
                await ws.send(item)
        except websockets.ConnectionClosed:
            pass    # what the service said before it closed is still read below
        while True:
            message = await recv_any(ws, 30)
            if isinstance(message, bytes):
                continue
            kind = message.get("type")
            if kind == "progress" or (wait_for_type and kind != wait_for_type and kind != "error"):
                continue
            if kind == "error":
                if message["code"] == "UNAUTHORIZED":
                    try:
                        while True:
                            await recv_any(ws, 30)
                    except websockets.ConnectionClosed as closed:
                        return f"UNAUTHORIZED+close:{closed.code}", message
                return message["code"], message
            return kind, message
    except websockets.ConnectionClosed as closed:
        return f"close:{closed.code}", None
    finally:
        await ws.close()


class AccessMatrix:
    """Runs the matrix against one service; the subclasses pick the log format."""

    log_format = "text"

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mediaforge-access-")
        tokens = tokens_file(cls.dir, [f"admin {ADMIN} ops", f"client {ALICE} alice", f"client {BOB} bob"])
        cls.service = Service("--tokens-file", tokens, "--log-format", cls.log_format, "--log-level", "debug",
                              "--jobs-per-minute", "0").__enter__()
        cls.clip = read(make_video(seconds=1.0))

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    async def alice_jobs(self):
        """A completed detached job of A with one output, and a fresh one waiting for its
        upload (kept open on A's own connection, which alone may upload to it)."""
        owner = await open_as(self.service, "alice")
        ack = await request(owner, {"type": "start_job", "job_id": "done", "operation": "remove_audio",
                                    "input": {"source": "upload", "filename": "a.mp4"}, "detach": True})
        await owner.send(frame({"job_id": "done", "filename": "a.mp4"}, self.clip))
        end = await job_end(owner, "done")
        assert end["type"] == "completed", end
        while True:     # the delivery to this connection
            message = await recv_any(owner, 60)
            if isinstance(message, dict) and message.get("type") == "output_delivered":
                break
        return owner, ack["id"]

    async def pending(self, owner, name):
        ack = await request(owner, {"type": "start_job", "job_id": name, "operation": "probe",
                                    "input": {"source": "upload"}, "detach": True})
        assert ack["type"] == "ack", ack
        return ack["id"]

    async def alice_batch(self, owner):
        """A finished batch of A. Its one item names a loopback URL, which the service (without
        --allow-private-urls) refuses before any request: the batch ends at once, failed."""
        ack = await request(owner, {"type": "start_batch", "batch_id": "shots", "operation": "probe",
                                    "inputs": [{"source": "url", "url": "http://127.0.0.1:9/a.mp4"}]})
        assert ack["type"] == "batch_ack", ack
        while True:
            message = await recv_any(owner, 60)
            if isinstance(message, dict) and message.get("type") == "batch_completed":
                assert message["failed"] == 1, message
                return ack["id"]

    def matrix(self, done, new_pending, batch=None):
        """(cell name, messages to send, {role: expected}). new_pending() makes a job of A in
        awaiting_upload for the cells that change one."""
        auth = "UNAUTHORIZED+close:1008"
        return [
            ("ping", lambda: [dumps({"type": "ping"})], {"none": auth, "alice": "pong", "bob": "pong", "admin": "pong"}),
            ("hello again", lambda: [dumps({"type": "hello", "protocol": 1})],
             {"none": auth, "alice": "welcome", "bob": "welcome", "admin": "welcome"}),
            ("start_job", lambda: [dumps({"type": "start_job", "operation": "probe", "input": {"source": "upload"}})],
             {"none": auth, "alice": "ack", "bob": "ack", "admin": "ack"}),
            ("get_job by id", lambda: [dumps({"type": "get_job", "id": done})],
             {"none": auth, "alice": "job", "bob": "FORBIDDEN", "admin": "job"}),
            ("get_job by job_id", lambda: [dumps({"type": "get_job", "job_id": "done"})],
             {"none": auth, "alice": "job", "bob": "NOT_FOUND", "admin": "NOT_FOUND"}),
            ("list_jobs", lambda: [dumps({"type": "list_jobs"})],
             {"none": auth, "alice": "jobs", "bob": "jobs", "admin": "jobs"}),
            ("get_stats", lambda: [dumps({"type": "get_stats"})],
             {"none": auth, "alice": "stats", "bob": "stats", "admin": "stats"}),
            ("subscribe", lambda: [dumps({"type": "subscribe"})],
             {"none": auth, "alice": "FORBIDDEN", "bob": "FORBIDDEN", "admin": "subscribed"}),
            ("unsubscribe", lambda: [dumps({"type": "unsubscribe"})],
             {"none": auth, "alice": "FORBIDDEN", "bob": "FORBIDDEN", "admin": "unsubscribed"}),
            ("list_nodes", lambda: [dumps({"type": "list_nodes"})],
             {"none": auth, "alice": "FORBIDDEN", "bob": "FORBIDDEN", "admin": "nodes"}),
            # Admins only; this service's node has another name, so an admin gets NOT_FOUND.
            ("drain_node", lambda: [dumps({"type": "drain_node", "node": "no-such-node"})],
             {"none": auth, "alice": "FORBIDDEN", "bob": "FORBIDDEN", "admin": "NOT_FOUND"}),
            ("resume_node", lambda: [dumps({"type": "resume_node", "node": "no-such-node"})],
             {"none": auth, "alice": "FORBIDDEN", "bob": "FORBIDDEN", "admin": "NOT_FOUND"}),
            ("redeliver", lambda: [dumps({"type": "redeliver", "delivery_id": "whd_unknown"})],
             {"none": auth, "alice": "FORBIDDEN", "bob": "FORBIDDEN", "admin": "NOT_FOUND"}),
            ("list_presets", lambda: [dumps({"type": "list_presets"})],
             {"none": auth, "alice": "presets", "bob": "presets", "admin": "presets"}),
            ("fetch_output by id", lambda: [dumps({"type": "fetch_output", "id": done})],
             {"none": auth, "alice": "output_delivered", "bob": "FORBIDDEN", "admin": "output_delivered"}),
            ("fetch_output by job_id", lambda: [dumps({"type": "fetch_output", "job_id": "done"})],
             {"none": auth, "alice": "output_delivered", "bob": "NOT_FOUND", "admin": "NOT_FOUND"}),
            ("cancel_job by id", lambda: [dumps({"type": "cancel_job", "id": new_pending()})],
             {"none": auth, "alice": "JOB_CANCELLED", "bob": "FORBIDDEN", "admin": "JOB_CANCELLED"}),
            ("cancel_job by job_id", lambda: [dumps({"type": "cancel_job", "job_id": "done"})],
             {"none": auth, "alice": "CANCEL_FAILED", "bob": "CANCEL_FAILED", "admin": "CANCEL_FAILED"}),
            ("upload to another connection's job", lambda: [frame({"id": new_pending(), "filename": "x.mp4"}, b"data")],
             {"none": auth, "alice": "FORBIDDEN", "bob": "FORBIDDEN", "admin": "FORBIDDEN"}),
            ("attach by id", lambda: [dumps({"type": "attach", "id": new_pending()})],
             {"none": auth, "alice": "job", "bob": "FORBIDDEN", "admin": "FORBIDDEN"}),
            # A batch's single item is refused (loopback URL) without any request leaving.
            ("start_batch", lambda: [dumps({"type": "start_batch", "operation": "probe",
                                            "inputs": [{"source": "url", "url": "http://127.0.0.1:9/b.mp4"}]})],
             {"none": auth, "alice": "batch_ack", "bob": "batch_ack", "admin": "batch_ack"}),
            ("get_batch by id", lambda: [dumps({"type": "get_batch", "id": batch})],
             {"none": auth, "alice": "batch", "bob": "FORBIDDEN", "admin": "batch"}),
            # batch_id names are the owner's own, like job_id: nobody else finds A's.
            ("get_batch by batch_id", lambda: [dumps({"type": "get_batch", "batch_id": "shots"})],
             {"none": auth, "alice": "batch", "bob": "NOT_FOUND", "admin": "NOT_FOUND"}),
            # The batch has ended: those it belongs to learn that, B only that it is not B's.
            ("cancel_batch by id", lambda: [dumps({"type": "cancel_batch", "id": batch})],
             {"none": auth, "alice": "CANCEL_FAILED", "bob": "FORBIDDEN", "admin": "CANCEL_FAILED"}),
            ("cancel_batch by batch_id", lambda: [dumps({"type": "cancel_batch", "batch_id": "shots"})],
             {"none": auth, "alice": "CANCEL_FAILED", "bob": "CANCEL_FAILED", "admin": "CANCEL_FAILED"}),
            ("unknown type", lambda: [dumps({"type": "teleport"})],
             {"none": auth, "alice": "UNKNOWN_MESSAGE_TYPE", "bob": "UNKNOWN_MESSAGE_TYPE",
              "admin": "UNKNOWN_MESSAGE_TYPE"}),
        ]

    @async_test
    async def test_only_the_allowed_cells_succeed(self):
        owner, done = await self.alice_jobs()
        pendings = []

        async def make_pending():
            pendings.append(await self.pending(owner, f"p{len(pendings)}"))

        batch = await self.alice_batch(owner)
        for name, build, expected in self.matrix(done, lambda: pendings[-1], batch):
            for role in ROLES:
                with self.subTest(cell=f"{role} × {name}"):
                    if name in ("cancel_job by id", "upload to another connection's job"):
                        await make_pending()
                    ws = await open_as(self.service, role)
                    wait = "output_delivered" if name.startswith("fetch_output") and expected[role] == "output_delivered" \
                        else None
                    got, message = await outcome(ws, build(), wait)
                    self.assertEqual(got, expected[role], f"{role} × {name}: {message}")
                    if name.startswith("cancel_batch") and got == "CANCEL_FAILED":
                        mine = role in ("alice", "admin") and (name.endswith("by id") or role == "alice")
                        self.assertEqual(message["details"]["reason"], "finished" if mine else "not_found", message)
                    if got != expected[role] or message is None or message.get("type") == "error":
                        continue
                    if name == "list_jobs":
                        ids = [j["id"] for j in message["jobs"]]
                        self.assertEqual(done in ids, role in ("alice", "admin"), f"{role} sees {ids}")
                    if name == "get_job by id" and role == "admin":
                        self.assertEqual(message["job"]["owner"], "alice")
                    if name == "get_job by id" and role == "alice":
                        self.assertNotIn("owner", message["job"])
                    if name == "hello again":
                        self.assertEqual(message["role"], "admin" if role == "admin" else "client")
        # B's hello with A's token on a connection B authenticated: refused.
        ws = await open_as(self.service, "bob")
        got, _ = await outcome(ws, [dumps({"type": "hello", "protocol": 1, "token": ALICE})])
        self.assertEqual(got, "UNAUTHORIZED+close:1008")
        # A wrong token in each of the three places.
        for way in ("query", "header", "hello"):
            with self.subTest(wrong_token=way):
                if way == "query":
                    ws = await connect(self.service.ws_url.rstrip("/") + f"/?token={WRONG}")
                    items = [dumps({"type": "ping"})]
                elif way == "header":
                    ws = await connect(self.service.ws_url, extra_headers={"Authorization": f"Bearer {WRONG}"})
                    items = [dumps({"type": "ping"})]
                else:
                    ws = await connect(self.service.ws_url)
                    items = [dumps({"type": "hello", "protocol": 1, "token": WRONG})]
                got, _ = await outcome(ws, items)
                self.assertEqual(got, "UNAUTHORIZED+close:1008")
        await owner.close()

    def http(self, method, path, token=None, how="header"):
        url = self.service.http_url + path
        headers = {}
        if token and how == "header":
            headers["Authorization"] = f"Bearer {token}"
        elif token:
            url += ("&" if "?" in url else "?") + f"token={token}"
        req = urllib.request.Request(url, method=method, headers=headers, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                r.read()
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    @async_test
    async def test_http_routes_answer_each_role_with_its_status(self):
        owner, done = await self.alice_jobs()
        waiting = await self.pending(owner, "waiting")
        tokens = {"none": None, "wrong": WRONG, "alice": ALICE, "bob": BOB, "admin": ADMIN}
        table = [
            ("GET", "/health", {"none": 200, "wrong": 200, "alice": 200, "bob": 200, "admin": 200}),
            ("GET", "/metrics", {"none": 200, "wrong": 200, "alice": 200, "bob": 200, "admin": 200}),
            ("GET", f"/jobs/{done}/output", {"none": 401, "wrong": 401, "alice": 200, "bob": 403, "admin": 200}),
            ("HEAD", f"/jobs/{done}/output", {"none": 401, "wrong": 401, "alice": 200, "bob": 403, "admin": 200}),
            ("GET", f"/jobs/{done}/output/0", {"none": 401, "wrong": 401, "alice": 200, "bob": 403, "admin": 200}),
            ("GET", f"/jobs/{done}/output/1", {"none": 401, "wrong": 401, "alice": 404, "bob": 403, "admin": 404}),
            ("GET", f"/jobs/{waiting}/output", {"none": 401, "wrong": 401, "alice": 409, "bob": 403, "admin": 409}),
            ("GET", "/jobs/000000000000000000000000/output", {"none": 401, "wrong": 401, "alice": 404, "bob": 404,
                                                              "admin": 404}),
            ("POST", f"/jobs/{done}/output", {"none": 405, "wrong": 405, "alice": 405, "bob": 405, "admin": 405}),
            ("GET", "/nowhere", {"none": 404, "wrong": 404, "alice": 404, "bob": 404, "admin": 404}),
        ]
        for method, path, expected in table:
            for role, token in tokens.items():
                for how in (("header", "query") if token else ("header",)):
                    with self.subTest(cell=f"{role} ({how}) × {method} {path}"):
                        status = await asyncio.to_thread(self.http, method, path, token, how)
                        self.assertEqual(status, expected[role], f"{role} ({how}) {method} {path}")
        await owner.close()

    def test_zz_no_token_appears_in_the_log(self):
        # Runs last (name order): by now every token went through the URL, a header or hello.
        with open(self.service.log_path, "rb") as f:
            log = f.read().decode(errors="replace")
        self.assertGreater(len(log.splitlines()), 50, "the debug log is suspiciously short")
        if self.log_format == "json":
            for line in log.splitlines():
                json.loads(line)
        for token in TOKENS:
            for line in log.splitlines():
                self.assertNotIn(token, line)
                self.assertNotIn(token[:12], line, "a token prefix is in the log")


class AccessMatrixTextLog(AccessMatrix, unittest.TestCase):
    log_format = "text"


class AccessMatrixJsonLog(AccessMatrix, unittest.TestCase):
    log_format = "json"


if __name__ == "__main__":
    main()
