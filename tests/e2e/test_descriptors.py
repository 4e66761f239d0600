# SPDX-License-Identifier: GPL-3.0-or-later
"""File descriptors running out (issue 8, defect 9): when accept() fails with EMFILE, Qt's
QTcpServer stops accepting for good. Against the real mediaforged with a small RLIMIT_NOFILE set
on the running process (prlimit, as `ulimit -n` would), real sockets exhaust its descriptors;
once they are released the WebSocket port must accept again, and the pause is logged once, not
once per retry. (The HTTP port's counterpart is in test_http.py.)"""

import asyncio
import os
import resource
import signal
import socket
import time
import unittest
import urllib.parse

from harness import Service, async_test, connect, main, out_of_descriptors_env, request


def open_files(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def log_text(service):
    with open(service.log_path, "rb") as f:
        return f.read().decode(errors="replace")


class WebSocketAcceptResumes(unittest.TestCase):
    async def exhaust_descriptors(self, service):
        """Leaves the service out of descriptors, its WebSocket listener paused; returns the held
        sockets, which the caller closes."""
        url = urllib.parse.urlsplit(service.ws_url)
        # Start-up finished (its ffmpeg checks open and close descriptors of their own).
        deadline = time.monotonic() + 30
        while " ready: " not in log_text(service):
            self.assertLess(time.monotonic(), deadline, service.log_tail())
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        # Room for about 20 more descriptors; 40 connections exhaust them (the rest wait in the
        # listen backlog, which is why there are not more).
        limit = open_files(service.pid) + 20
        resource.prlimit(service.pid, resource.RLIMIT_NOFILE, (limit, limit))
        held = []
        try:
            for _ in range(40):
                held.append(socket.create_connection((url.hostname, url.port), timeout=10))
            deadline = time.monotonic() + 30
            while "not accepting WebSocket connections" not in log_text(service):
                self.assertLess(time.monotonic(), deadline, "accept never failed: the limit did not bite\n"
                                + service.log_tail())
                await asyncio.sleep(0.1)
        except BaseException:
            for sock in held:
                sock.close()
            raise
        return held

    @async_test
    async def test_the_websocket_port_accepts_again_after_descriptors_ran_out(self):
        with Service(env=out_of_descriptors_env()) as service:
            held = await self.exhaust_descriptors(service)
            try:
                # Retries while the descriptors are still held fail again, quietly.
                await asyncio.sleep(2)
            finally:
                for sock in held:
                    sock.close()
            # The service frees the closed connections' descriptors; a new client gets in.
            async with connect(service.ws_url, open_timeout=30) as ws:
                self.assertEqual((await request(ws, {"type": "ping"}))["type"], "pong")
            log = log_text(service)
            self.assertEqual(log.count("not accepting WebSocket connections"), 1, log)
            self.assertIn("accepting WebSocket connections again", log)
            self.assertEqual(service.health()[0], 200)

    @async_test
    async def test_stopping_while_accepting_is_paused_exits_cleanly(self):
        # The real binary stopped while accepting is paused exits 0. Whether the armed retry fires
        # after shutdown closed the listener depends on timing here; tst_acceptresumer makes that
        # case happen every time (Qt crashed resuming a closed server, found by the sanitized run).
        with Service(env=out_of_descriptors_env()) as service:
            held = await self.exhaust_descriptors(service)
            try:
                # Stop while paused with the retry armed, then free the descriptors, so that the
                # retry may find room after shutdown has closed the listener.
                service.process.send_signal(signal.SIGTERM)
                deadline = time.monotonic() + 30
                while "draining" not in log_text(service):
                    self.assertLess(time.monotonic(), deadline, service.log_tail())
                    await asyncio.sleep(0.05)
            finally:
                for sock in held:
                    sock.close()
            code = await asyncio.get_running_loop().run_in_executor(None, service.stop)
            self.assertEqual(code, 0, service.log_tail())

if __name__ == "__main__":
    main()
