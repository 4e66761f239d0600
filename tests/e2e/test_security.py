# SPDX-License-Identifier: GPL-3.0-or-later
"""URL inputs cannot reach the service's own network (SSRF), and with tokens every request is
checked against its owner and role. Only loopback is ever contacted: the refused URLs are
refused before any connection is made."""

import json
import os
import tempfile
import unittest

import websockets

from harness import Service, async_test, connect, frame, main, make_video, recv_json, request

ADMIN = "admin-token-0123456789abcdef"
ALICE = "alice-token-0123456789abcdef"
BOB = "bobby-token-0123456789abcdef"


class UrlGuard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service().__enter__()   # no --allow-private-urls

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    @async_test
    async def test_private_and_non_http_urls_are_refused(self):
        port = self.service.http_url.rsplit(":", 1)[1]
        urls = ["file:///etc/passwd", "ftp://127.0.0.1/x.mp4", "gopher://127.0.0.1/", "http://127.0.0.1/x.mp4",
                f"http://127.0.0.1:{port}/health", "http://localhost/x.mp4", "http://127.1.2.3/x.mp4",
                "http://[::1]/x.mp4", "http://0.0.0.0/x.mp4", "http://2130706433/x.mp4",
                "http://[::ffff:127.0.0.1]/x.mp4"]
        async with connect(self.service.ws_url) as ws:
            for url in urls:
                with self.subTest(url=url):
                    reply = await request(ws, {"type": "start_job", "job_id": "ssrf", "operation": "probe",
                                               "input": {"source": "url", "url": url}})
                    if reply["type"] == "ack":
                        # Refused once the address is known: the job fails before any request.
                        while reply.get("type") != "error":
                            reply = await recv_json(ws)
                    self.assertEqual(reply["code"], "URL_NOT_ALLOWED", reply)
                    self.assertEqual(reply["job_id"], "ssrf")
        self.assertEqual(self.service.wait_clean(), [])
        status, _ = self.service.health()
        self.assertEqual(status, 200)


class Authentication(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tokens = tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False)
        cls.tokens.write(f"# role token name\nadmin {ADMIN} ops\nclient {ALICE} alice\nclient {BOB} bob\n")
        cls.tokens.close()
        cls.service = Service("--tokens-file", cls.tokens.name).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        os.unlink(cls.tokens.name)

    async def as_user(self, token, how="header"):
        if how == "header":
            return await connect(self.service.ws_url, extra_headers={"Authorization": f"Bearer {token}"})
        if how == "query":
            return await connect(self.service.ws_url + f"/?token={token}")
        ws = await connect(self.service.ws_url)
        reply = await request(ws, {"type": "hello", "protocol": 1, "token": token})
        assert reply["type"] == "welcome", reply
        return ws

    async def expect_refused(self, ws):
        reply = await recv_json(ws, timeout=15)
        self.assertEqual(reply["code"], "UNAUTHORIZED")
        with self.assertRaises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        self.assertEqual(closed.exception.code, 1008)

    @async_test
    async def test_no_token_is_refused_with_1008(self):
        ws = await connect(self.service.ws_url)
        await ws.send(json.dumps({"type": "ping"}))
        await self.expect_refused(ws)

    @async_test
    async def test_wrong_token_is_refused_with_1008(self):
        ws = await connect(self.service.ws_url, extra_headers={"Authorization": "Bearer not-a-token-at-all-12345"})
        await self.expect_refused(ws)
        ws = await connect(self.service.ws_url)
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "token": "wrong-wrong-wrong-wrong"}))
        await self.expect_refused(ws)

    @async_test
    async def test_each_way_of_giving_a_token_works(self):
        for how in ("header", "query", "hello"):
            with self.subTest(how=how):
                ws = await self.as_user(ALICE, how)
                welcome = await request(ws, {"type": "hello", "protocol": 1})
                self.assertEqual(welcome["role"], "client")
                await ws.close()

    @async_test
    async def test_clients_reach_only_their_own_jobs_and_admins_reach_all(self):
        alice = await self.as_user(ALICE)
        bob = await self.as_user(BOB)
        admin = await self.as_user(ADMIN)
        ack = await request(alice, {"type": "start_job", "job_id": "mine", "operation": "probe",
                                    "input": {"source": "upload"}, "detach": True})
        job = ack["id"]
        # Bob cannot see, cancel, fetch or upload to Alice's job.
        for message in ({"type": "get_job", "id": job}, {"type": "cancel_job", "id": job},
                        {"type": "fetch_output", "id": job}):
            reply = await request(bob, dict(message))
            self.assertEqual(reply["code"], "FORBIDDEN", message)
        self.assertEqual((await request(bob, {"type": "get_job", "job_id": "mine"}))["code"], "NOT_FOUND")
        await bob.send(frame({"id": job, "filename": "x.mp4"}, b"data"))
        self.assertEqual((await recv_json(bob))["code"], "FORBIDDEN")
        self.assertEqual((await request(bob, {"type": "subscribe"}))["code"], "FORBIDDEN")
        listed = await request(bob, {"type": "list_jobs"})
        self.assertNotIn(job, [j["id"] for j in listed["jobs"]])
        # Alice's job is untouched and still waits for her upload.
        self.assertEqual((await request(alice, {"type": "get_job", "id": job}))["job"]["status"], "awaiting_upload")
        # The admin sees it with its owner and may cancel it.
        seen = await request(admin, {"type": "get_job", "id": job})
        self.assertEqual(seen["job"]["owner"], "alice")
        self.assertEqual((await request(admin, {"type": "subscribe"}))["type"], "subscribed")
        cancelled = await request(admin, {"type": "cancel_job", "id": job})
        self.assertEqual(cancelled["code"], "JOB_CANCELLED")
        # Alice hears about it as a level 0 client expects: an error JOB_CANCELLED for her job.
        while True:
            message = await recv_json(alice)
            if message.get("type") == "error":
                break
        self.assertEqual((message["code"], message["job_id"]), ("JOB_CANCELLED", "mine"))
        for ws in (alice, bob, admin):
            await ws.close()
        self.assertEqual(self.service.wait_clean(), [])

    @async_test
    async def test_http_output_needs_the_owner_token_or_admin(self):
        data = open(make_video(seconds=1.0), "rb").read()
        alice = await self.as_user(ALICE)
        ack = await request(alice, {"type": "start_job", "job_id": "dl", "operation": "remove_audio",
                                    "input": {"source": "upload"}, "detach": True})
        await alice.send(frame({"job_id": "dl", "filename": "a.mp4"}, data))
        while True:
            message = await recv_json(alice)
            if message.get("type") == "completed":
                break
        path = f"/jobs/{ack['id']}/output"
        self.assertEqual(self.service.http_get(path)[0], 401)
        self.assertEqual(self.service.http_get(path, {"Authorization": f"Bearer {BOB}"})[0], 403)
        status, headers, body = self.service.http_get(path, {"Authorization": f"Bearer {ALICE}"})
        self.assertEqual(status, 200)
        self.assertEqual(len(body), message["outputs"][0]["size_bytes"])
        self.assertEqual(self.service.http_get(path + f"?token={ADMIN}")[0], 200)
        await alice.close()


class BrowserOrigins(unittest.TestCase):
    @async_test
    async def test_only_listed_browser_origins_may_connect(self):
        with Service("--allowed-origins", "https://app.example") as service:
            async with connect(service.ws_url, origin="https://app.example") as ws:
                self.assertEqual((await request(ws, {"type": "ping"}))["type"], "pong")
            with self.assertRaises(websockets.InvalidStatusCode) as refused:
                await connect(service.ws_url, origin="https://evil.example")
            self.assertEqual(refused.exception.status_code, 403)
            # Scripts send no Origin and are not browsers: unaffected.
            async with connect(service.ws_url) as ws:
                self.assertEqual((await request(ws, {"type": "ping"}))["type"], "pong")


class BindRules(unittest.TestCase):
    def test_a_public_bind_without_tokens_is_refused_at_start_up(self):
        import subprocess
        from harness import clean_environment, require_service_binary
        result = subprocess.run([require_service_binary(), "--host", "0.0.0.0", "--port", "0", "--http-port", "0",
                                 "--check-config"], capture_output=True, text=True, env=clean_environment())
        self.assertEqual(result.returncode, 2)
        self.assertIn("--tokens-file", result.stderr)


if __name__ == "__main__":
    main()
