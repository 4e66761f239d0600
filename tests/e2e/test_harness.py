# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end harness starts mediaforged in a clean environment: what the person or CI
running the suite exported for a service of their own (MEDIAFORGE_PORT=1, WS_PORT, LOG_LEVEL, a
tokens file that does not exist, ...) does not reach the service under test; what a test sets
on purpose does."""

import os
import unittest
from unittest import mock

from harness import Service, main, service_environment_variables


def environment_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        entries = [entry.split(b"=", 1) for entry in f.read().split(b"\0") if b"=" in entry]
    return {key.decode(): value.decode(errors="replace") for key, value in entries}


class CleanEnvironment(unittest.TestCase):
    def test_the_callers_configuration_variables_do_not_reach_the_service(self):
        names = service_environment_variables()
        for expected in ("MEDIAFORGE_PORT", "MEDIAFORGE_TOKENS_FILE", "WS_PORT", "HEALTH_PORT", "LOG_LEVEL",
                         "MAX_FILE_SIZE_MB", "FFMPEG_TIMEOUT_SECONDS", "TEMP_DIR"):
            self.assertIn(expected, names)
        hostile = {name: ("1" if name.endswith("PORT") else "/nonexistent/not-a-value") for name in names}
        hostile["MEDIAFORGE_NOT_YET_A_SETTING"] = "1"
        with mock.patch.dict(os.environ, hostile):
            with Service() as service:
                self.assertFalse(service.ws_url.endswith(":1"))
                self.assertEqual(service.health()[0], 200)
                environment = environment_of(service.pid)
        self.assertIn("PATH", environment)   # the rest of the environment stays
        self.assertEqual(sorted(set(hostile) & set(environment)), [])

    def test_variables_the_test_sets_do_reach_the_service(self):
        with mock.patch.dict(os.environ, {"MEDIAFORGE_JOBS_PER_MINUTE": "7"}):
            with Service(env={"MEDIAFORGE_JOBS_PER_MINUTE": "3"}) as service:
                environment = environment_of(service.pid)
        self.assertEqual(environment.get("MEDIAFORGE_JOBS_PER_MINUTE"), "3")


if __name__ == "__main__":
    main()
