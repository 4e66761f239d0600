# SPDX-License-Identifier: GPL-3.0-or-later
"""The installed layout: `cmake --install` of this build tree into a temporary prefix gives
programs that run from there on their own, and the paths the .deb packages get (/usr, /etc).

The installed tree is checked by tools/check-installed, the same script CI runs on the
installed .deb packages: files in place, the unit clean under `systemd-analyze verify`, the
installed mediaforged ready (sd_notify), healthy, running a probe job for the installed CLI and
exiting 0 on SIGTERM, the CLI in German from its built-in translations, the monitor starting.
Nothing here touches the machine outside a temporary directory."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

from harness import main

SOURCE_DIR = os.environ.get("MEDIAFORGE_SOURCE_DIR", "")
BINARY_DIR = os.environ.get("MEDIAFORGE_BINARY_DIR", "")
CMAKE = os.environ.get("MEDIAFORGE_CMAKE") or shutil.which("cmake") or "cmake"


def install(prefix, destdir=None):
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    if destdir:
        env["DESTDIR"] = destdir
    return subprocess.run([CMAKE, "--install", BINARY_DIR, "--prefix", prefix],
                          capture_output=True, text=True, env=env, timeout=300)


class Install(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.isdir(BINARY_DIR), "MEDIAFORGE_BINARY_DIR does not name the build tree")
        self.root = tempfile.mkdtemp(prefix="mediaforge-install-")
        self.addCleanup(shutil.rmtree, self.root, True)

    def test_installed_programs_run_from_a_temporary_prefix(self):
        prefix = os.path.join(self.root, "usr")
        result = install(prefix)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        monitor_built = os.path.exists(os.path.join(BINARY_DIR, "monitor", "mediaforge-monitor"))
        check = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "tools", "check-installed"),
                                "--prefix", prefix] + ([] if monitor_built else ["--no-monitor"]),
                               capture_output=True, text=True, timeout=600)
        print(check.stdout, check.stderr, sep="\n")
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn("all checks passed", check.stdout)

    def test_usr_prefix_puts_the_unit_in_lib_and_the_settings_in_etc(self):
        # The packages' layout (prefix /usr, staged in DESTDIR as CPack does).
        result = install("/usr", destdir=self.root)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        with open(os.path.join(self.root, "usr/lib/systemd/system/mediaforged.service")) as f:
            unit = f.read().splitlines()
        self.assertIn("ExecStart=/usr/bin/mediaforged", unit)
        self.assertIn("EnvironmentFile=-/etc/mediaforge/mediaforged.env", unit)
        self.assertIn("#LoadCredential=tokens:/etc/mediaforge/tokens", unit)
        env_file = os.path.join(self.root, "etc/mediaforge/mediaforged.env")
        with open(env_file) as f, open(os.path.join(SOURCE_DIR, "resources/mediaforged.example.env")) as example:
            self.assertEqual(f.read(), example.read())
        for path in ("usr/bin/mediaforged", "usr/bin/mediaforge", "usr/share/man/man8/mediaforged.8"):
            self.assertTrue(os.path.isfile(os.path.join(self.root, path)), path)
        # Nothing outside the staging directory: the build tree holds no /usr/local leftovers.
        self.assertEqual(sorted(os.listdir(self.root)), ["etc", "usr"])

    def test_docker_image_is_made_with_the_commands_ci_runs(self):
        # No Docker engine here: what keeps the image honest is that its steps are the ones CI
        # proves (.ci/run), which this pins down.
        def lines(path):
            with open(os.path.join(SOURCE_DIR, path)) as f:
                return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
        dockerfile, ci = lines("Dockerfile"), lines(".ci/run")
        self.assertEqual([line for line in dockerfile if line.startswith("FROM ")],
                         ["FROM debian:12-slim AS build", "FROM debian:12-slim"])
        self.assertIn("./dev package", ci)
        self.assertIn("RUN ./dev package", dockerfile)
        self.assertTrue(any(line.startswith("tools/install-debs ") for line in ci), ci)
        self.assertTrue(any(line.startswith("RUN /tmp/packages/install-debs ") for line in dockerfile), dockerfile)
        # The same health check with and without compose.
        health = json.loads(next(line for line in dockerfile if line.startswith("CMD ")).removeprefix("CMD "))
        with open(os.path.join(SOURCE_DIR, "compose.yaml")) as f:
            compose = yaml.safe_load(f)
        self.assertEqual(compose["services"]["mediaforged"]["healthcheck"]["test"], ["CMD"] + health)
        self.assertEqual(health[0], "mediaforge")


if __name__ == "__main__":
    main()
