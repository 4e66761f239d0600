#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small jobs per second through one node against two nodes of a cluster, on this one machine.

Starts a throwaway PostgreSQL 15 (Debian's postgresql-15: initdb and pg_ctl, as the `postgres`
user through runuser when run as root, on a free loopback port), then, per round, a fresh
database and one of three layouts of real `mediaforged` nodes on it:

  1x1  one node, one worker slot        (the floor)
  1x2  one node, two worker slots       (the baseline: the same slots as 2x1, no coordination)
  2x1  two nodes, one worker slot each  (the cluster)

--clients level 1 connections, spread over the nodes in turn, submit --jobs `probe` jobs of a
tiny uploaded clip as fast as their acks come back (each keeps --window jobs in flight), and
the round measures jobs/s: completed jobs over the wall time from the first start_job to the
last `completed`. An idle node claims the other node's queued jobs and pulls their inputs over
the signed HTTP route, so the two nodes share the work whichever node a client talks to.
Rounds alternate between the layouts so that drifts in machine load hit all three.

What the ratio 2x1 / 1x2 shows, and what it cannot (docs/scaling.md, "Figures"): both layouts
have two slots on the same cores, so it is the cost of coordination through the database
(claims, leases, the event relay, input pulls), not what a second machine adds. Two nodes on
one machine share its CPU, disk and PostgreSQL; on separate machines each would bring its own
cores, and the figure there is bounded by the database's round trips per job instead.

    /usr/bin/python3 bench/cluster.py                          # 3 rounds x 200 jobs per layout
    /usr/bin/python3 bench/cluster.py --jobs 12 --rounds 1     # a smoke run
"""

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

import common  # noqa: F401  (sets MEDIAFORGED, the harness import path)
from harness import Service, make_video
from store import client

PG_BIN = "/usr/lib/postgresql/15/bin"
LAYOUTS = {"1x1": (1, 1), "1x2": (1, 2), "2x1": (2, 1)}


class Postgres:
    """A throwaway PostgreSQL on loopback, removed on exit (as tests/support/postgresserver.*)."""

    def __init__(self):
        for tool in ("initdb", "pg_ctl", "psql"):
            if not os.access(os.path.join(PG_BIN, tool), os.X_OK):
                raise SystemExit(f"{PG_BIN}/{tool} is missing: install Debian's postgresql-15 (./dev does)")
        self.dir = tempfile.mkdtemp(prefix="mediaforge-bench-pg-", dir=common.SCRATCH)
        self.data = os.path.join(self.dir, "data")
        self.password = os.urandom(12).hex()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def run(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(prefix + list(command), check=True, capture_output=True, text=True, cwd=self.dir).stdout

    def __enter__(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        password_file = os.path.join(self.dir, "password")
        with open(password_file, "w") as f:
            f.write(self.password + "\n")
        os.chmod(password_file, 0o644)
        # Durability off: the cluster is thrown away, and the figure is about coordination.
        self.run(f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres", "--pwfile", password_file,
                 "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
        os.remove(password_file)
        self.run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-o",
                 f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c full_page_writes=off "
                 "-c max_connections=50", "-w", "-t", "120", "start")
        return self

    def __exit__(self, *exc):
        try:
            self.run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def create(self, database):
        self.run(f"{PG_BIN}/psql", "-X", "-q", "-h", self.dir, "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                 "-c", f'CREATE DATABASE "{database}"')
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{database}"


async def round_once(postgres, layout, round_number, args, data):
    nodes, slots = LAYOUTS[layout]
    uri = postgres.create(f"bench_{layout.replace('x', '_')}_{round_number}")
    secret = {"MEDIAFORGE_CLUSTER_SECRET": os.urandom(32).hex()}
    services = []
    try:
        for i in range(nodes):
            service = Service("--store", uri, "--node-name", f"node-{i}", "--max-concurrent-jobs", str(slots),
                              "--jobs-per-minute", "0", "--max-queued-jobs", "100000", "--max-jobs-per-connection",
                              "10000", "--log-level", "warning", env=secret)
            service.start()
            services.append(service)
        per_client = [args.jobs // args.clients + (1 if i < args.jobs % args.clients else 0) for i in range(args.clients)]
        acks, done_times = [], []
        started = time.perf_counter()
        await asyncio.gather(*(client(services[i % nodes].ws_url, data, n, args.window, acks, done_times, f"c{i}")
                               for i, n in enumerate(per_client) if n))
        return args.jobs / (max(done_times) - started)
    finally:
        for service in services:
            service.stop()
            shutil.rmtree(service.temp_dir, ignore_errors=True)


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200, help="jobs per round")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--window", type=int, default=4, help="jobs in flight per client")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per layout")
    args = parser.parse_args()
    with open(make_video(seconds=0.2, size="64x48", audio=False), "rb") as f:
        data = f.read()
    results = {layout: [] for layout in LAYOUTS}
    with Postgres() as postgres:
        for round_number in range(args.rounds):
            for layout in LAYOUTS:
                jobs_per_s = await round_once(postgres, layout, round_number, args, data)
                results[layout].append(jobs_per_s)
                print(f"{layout}  {jobs_per_s:8.1f} jobs/s", flush=True)
    median = {layout: statistics.median(values) for layout, values in results.items()}
    print(f"\nmedian jobs/s: 1 node x 1 slot {median['1x1']:.1f}, 1 node x 2 slots {median['1x2']:.1f}, "
          f"2 nodes x 1 slot {median['2x1']:.1f}")
    print(f"2 nodes / 1 node (same slots): {median['2x1'] / median['1x2']:.2f}  (below 1: the cost of coordination)")
    print(f"2 nodes / 1 node x 1 slot:     {median['2x1'] / median['1x1']:.2f}  (what the second node's slot brings here)")


if __name__ == "__main__":
    asyncio.run(main())
