# SPDX-License-Identifier: GPL-3.0-or-later
"""mediaforged speaks systemd's readiness protocol (Type=notify): READY=1 once both ports accept
connections, WATCHDOG=1 from the event loop while the watchdog is on, STOPPING=1 when SIGTERM
starts the drain. The test holds the notification socket itself, a Unix datagram socket named
by NOTIFY_SOCKET, which is all systemd does on its side; no systemd runs here."""

import os
import shutil
import socket
import tempfile
import time
import unittest

from harness import Service, main


class NotifySocket:
    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="mediaforge-notify-")
        self.path = os.path.join(self.directory, "notify")
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)
        self.messages = []

    def close(self):
        self.socket.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def wait_for(self, key, timeout=60):
        """The first message holding the line `key`; fails after a generous bound."""
        deadline = time.monotonic() + timeout
        index = 0
        while True:
            for message in self.messages[index:]:
                if key in message.splitlines():
                    return message
            index = len(self.messages)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {key}; received {self.messages}")
            self.socket.settimeout(remaining)
            try:
                self.messages.append(self.socket.recv(4096).decode())
            except socket.timeout:
                pass


class SystemdNotify(unittest.TestCase):
    def setUp(self):
        self.notify = NotifySocket()
        self.addCleanup(self.notify.close)

    def test_ready_when_both_ports_accept_and_stopping_on_sigterm(self):
        service = Service(env={"NOTIFY_SOCKET": self.notify.path})
        service.start()
        try:
            ready = self.notify.wait_for("READY=1").splitlines()
            self.assertIn(f"STATUS=listening {service.ws_url} {service.http_url}", ready)
            # Ready means ready: the HTTP port answers at once.
            status, body = service.health()
            self.assertEqual(status, 200, body)
            self.assertNotIn("STOPPING=1", "\n".join(self.notify.messages))
        finally:
            code = service.stop()
        self.assertEqual(code, 0, service.log_tail())
        stopping = self.notify.wait_for("STOPPING=1").splitlines()
        self.assertIn("STATUS=draining for up to 30 s", stopping)
        shutil.rmtree(service.temp_dir, ignore_errors=True)

    def test_watchdog_pings_come_from_the_running_event_loop(self):
        # WatchdogSec=2s as systemd would pass it: pings every second once ready, not before.
        service = Service(env={"NOTIFY_SOCKET": self.notify.path, "WATCHDOG_USEC": "2000000"})
        service.start()
        try:
            self.notify.wait_for("READY=1")
            first = self.notify.messages.index(self.notify.wait_for("WATCHDOG=1"))
            ready = next(i for i, m in enumerate(self.notify.messages) if "READY=1" in m.splitlines())
            self.assertGreater(first, ready)
            # More than one: a timer, not a one-off message.
            self.notify.messages = self.notify.messages[first + 1:]
            self.notify.wait_for("WATCHDOG=1")
        finally:
            self.assertEqual(service.stop(), 0, service.log_tail())
            shutil.rmtree(service.temp_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
