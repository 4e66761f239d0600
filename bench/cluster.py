#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`./dev bench-cluster`: what coordination through PostgreSQL costs a cluster, on this one machine.

Starts a throwaway PostgreSQL 15 (Debian's postgresql-15: initdb and pg_ctl, as the `postgres`
user through runuser when run as root, on a free loopback port, with pg_stat_statements from
its contrib loaded), then, per round, a fresh database and one of three layouts of real
`mediaforged` nodes on it:

  1x1  one node, one worker slot           (the floor)
  1x3  one node, three worker slots        (the baseline: the slots of 3x1, no coordination)
  3x1  three nodes, one worker slot each   (the cluster)

Each round has two phases.

Throughput: --clients level 1 connections, spread over the nodes in turn, submit --jobs `probe`
jobs of a tiny uploaded clip as fast as their acks come back (each keeps --window jobs in
flight); jobs/s is completed jobs over the wall time from the first start_job to the last
`completed`. Around this phase the database's own counts are read and divided by the jobs:
the query messages the nodes sent (the server log with log_statement = all: one line per round
trip, so Qt's PREPARE and DEALLOCATE of each prepared query count too), and from
pg_stat_statements the statements executed and the `pg_notify` calls among them. These are
counts, not estimates; they include what the nodes do on their own meanwhile (heartbeats,
checks), since a real cluster pays that too.

Latency: one client per node submits --latency-jobs jobs one after the other (the next when the
last has completed), so that a slot is free when each job is queued:
  - claim latency: the job's `started_at` (set by the claim) minus its `input_completed_at`
    (the input is in, the job is queued), both from the store's rows;
  - cross-node event latency (3x1 only): an admin feed (`subscribe`) on every node; each state
    change (accepted, stages, completed) of a job that node X ran reaches X's own feed as X
    publishes it, and the other nodes' feeds through LISTEN/NOTIFY. The figure is the other
    feeds' arrival minus X's own, all taken by this one process's monotonic clock.

What the ratios can show on a 2-core machine (docs/scaling.md, "Figures"): 3x1 / 1x3 is the
same number of slots on the same cores, so it is the price of coordination through the
database (claims, leases, the event relay, input pulls), not what more machines add; 3x1 / 1x1
is what two more one-slot nodes bring here, bounded by two cores shared with PostgreSQL and the
clients. Rounds alternate between the layouts so that drifts in machine load hit all three.

    ./dev bench-cluster                                      # 3 rounds x 200 jobs per layout
    /usr/bin/python3 bench/cluster.py --jobs 60 --rounds 1   # short
    /usr/bin/python3 bench/cluster.py --jobs 12 --rounds 1 --latency-jobs 3   # a smoke run

Every figure goes to bench/results/cluster.json (the previous run kept as
cluster.previous.json), with the machine's load average.
"""

import argparse
import asyncio
import datetime
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

import common  # noqa: F401  (sets MEDIAFORGED, the harness import path)
from harness import Service, connect, frame, make_video, recv_any, request
from store import client, percentile

PG_BIN = "/usr/lib/postgresql/15/bin"
LAYOUTS = {"1x1": (1, 1), "1x3": (1, 3), "3x1": (3, 1)}


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
        # pg_stat_statements counts every statement (nested ones too), utility statements
        # (BEGIN, COMMIT, LISTEN) included: one call per round trip of a node.
        # pg_stat_statements counts the statements executed (EXECUTE of a prepared statement
        # under the statement's own text); log_statement (set per database in create()) logs
        # every query message a node sends, PREPARE and DEALLOCATE included: one per round trip.
        self.log = os.path.join(self.dir, "server.log")
        self.run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-o",
                 f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c full_page_writes=off "
                 "-c max_connections=50 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top "
                 "-c log_line_prefix='%d '", "-w", "-t", "120", "start")
        self.sql("postgres", "CREATE EXTENSION pg_stat_statements")
        return self

    def __exit__(self, *exc):
        try:
            self.run(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def sql(self, database, statement):
        """Rows of `statement` as lists of strings (psql's unaligned output)."""
        out = self.run(f"{PG_BIN}/psql", "-X", "-q", "-A", "-t", "-F", "|", "-h", self.dir, "-p", str(self.port),
                       "-U", "postgres", "-d", database, "-c", statement)
        return [line.split("|") for line in out.splitlines() if line]

    def create(self, database):
        self.sql("postgres", f'CREATE DATABASE "{database}"')
        self.sql("postgres", f'ALTER DATABASE "{database}" SET log_statement = \'all\'')
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{database}"

    def counters(self, database):
        """What the nodes sent to `database` so far: query messages (round trips) from the server
        log, split by kind, and from pg_stat_statements the statements executed and the
        pg_notify calls among them. The bench's own reads go to the `postgres` database (or come
        after the last count), so they are not counted."""
        rows = self.sql("postgres",
                        "SELECT coalesce(sum(calls), 0), coalesce(sum(calls) FILTER (WHERE query ILIKE '%pg_notify%'), 0) "
                        "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                        f"WHERE d.datname = '{database}'")
        executed, notifies = (int(v) for v in rows[0])
        counts = {"round_trips": 0, "prepare": 0, "deallocate": 0, "executed": executed, "notifies": notifies}
        marker = f"{database} LOG:  statement: "
        with open(self.log, errors="replace") as f:
            for line in f:
                if line.startswith(marker):
                    counts["round_trips"] += 1
                    word = line[len(marker):].split(" ", 1)[0].upper()
                    if word == "PREPARE":
                        counts["prepare"] += 1
                    elif word == "DEALLOCATE":
                        counts["deallocate"] += 1
        return counts

    def capacity(self, seconds, clients=6):
        """What this PostgreSQL serves here of statements like the nodes' own, as a baseline for
        the on-paper limit of a cluster: pgbench with prepared statements (as the nodes keep
        theirs) running a single-row UPDATE and a single-row SELECT by primary key, the shape
        of most of a job's statements, from `clients` connections (a node has one store
        connection). Statements per second, on the same cores the bench used."""
        self.sql("postgres", 'CREATE DATABASE "capacity"')
        self.run(f"{PG_BIN}/pgbench", "-i", "-q", "-s", "2", "-h", self.dir, "-p", str(self.port), "-U", "postgres",
                 "capacity")
        script = os.path.join(self.dir, "capacity.sql")
        with open(script, "w") as f:
            f.write("\\set aid random(1, 200000)\n"
                    "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;\n"
                    "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n")
        os.chmod(script, 0o644)
        out = self.run(f"{PG_BIN}/pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds),
                       "-f", script, "-h", self.dir, "-p", str(self.port), "-U", "postgres", "capacity")
        for line in out.splitlines():
            if line.startswith("tps = "):
                return 2 * float(line.split()[2])
        raise SystemExit("pgbench printed no tps:\n" + out)

    def top_statements(self, database, limit=12):
        rows = self.sql("postgres",
                        "SELECT calls, regexp_replace(left(query, 90), '\\s+', ' ', 'g') FROM pg_stat_statements s "
                        f"JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '{database}' "
                        f"ORDER BY calls DESC LIMIT {limit}")
        return [{"calls": int(calls), "query": query} for calls, query in rows]


async def feed(url, events, stop):
    """An admin feed: (arrival, job id, event, status) of every state change it hears."""
    async with connect(url) as ws:
        reply = await request(ws, {"type": "hello", "protocol": 1, "client": "bench-cluster-feed/1"})
        assert reply["type"] == "welcome", reply
        reply = await request(ws, {"type": "subscribe"})
        assert reply["type"] == "subscribed", reply
        while not stop.is_set():
            try:
                message = await recv_any(ws, 0.5)
            except asyncio.TimeoutError:
                continue
            if isinstance(message, dict) and message.get("type") == "job_event" and message.get("event") != "progress":
                job = message.get("job", {})
                events.append((time.perf_counter(), job.get("id"), message.get("event"), job.get("status")))


async def one_by_one(url, data, jobs, name, ids):
    """Jobs one after the other on one connection: the next when the last has completed."""
    async with connect(url) as ws:
        reply = await request(ws, {"type": "hello", "protocol": 1, "client": "bench-cluster-latency/1"})
        assert reply["type"] == "welcome", reply
        for n in range(jobs):
            job_id = f"{name}-{n}"
            await ws.send(json.dumps({"type": "start_job", "job_id": job_id, "operation": "probe",
                                      "input": {"source": "upload", "filename": "t.mp4", "size": len(data)}}))
            while True:
                message = await recv_any(ws, 120)
                if not isinstance(message, dict) or message.get("job_id") != job_id:
                    continue
                if message.get("type") == "ack":
                    ids.append(message["id"])
                    await ws.send(frame({"job_id": job_id, "offset": 0, "final": True}, data))
                elif message.get("type") == "completed":
                    break
                elif message.get("type") == "error":
                    raise RuntimeError(f"job failed: {message}")


def cross_node_latencies(feeds, ran_on):
    """For each state change of a job, the other nodes' feeds' arrival minus the arrival at the
    feed of the node that ran it (matched by job, event and status, in order)."""
    samples = []
    for runner, events in feeds.items():
        own = {}
        for at, job, event, status in events:
            if ran_on.get(job) == runner:
                own.setdefault((job, event, status), []).append(at)
        for other, other_events in feeds.items():
            if other == runner:
                continue
            seen = {}
            for at, job, event, status in other_events:
                key = (job, event, status)
                if ran_on.get(job) != runner or key not in own:
                    continue
                k = seen.get(key, 0)
                seen[key] = k + 1
                if k < len(own[key]):
                    samples.append(at - own[key][k])
    return samples


async def round_once(postgres, layout, round_number, args, data):
    nodes, slots = LAYOUTS[layout]
    database = f"bench_{layout}_{round_number}"
    uri = postgres.create(database)
    secret = {"MEDIAFORGE_CLUSTER_SECRET": os.urandom(32).hex()}
    services = []
    try:
        for i in range(nodes):
            service = Service("--store", uri, "--node-name", f"node-{i}", "--max-concurrent-jobs", str(slots),
                              "--jobs-per-minute", "0", "--max-queued-jobs", "100000", "--max-jobs-per-connection",
                              "10000", "--log-level", "warning", env=secret)
            service.start()
            services.append(service)
        result = {"layout": layout, "nodes": nodes, "slots": slots}

        # Throughput, with the database's counters around it.
        await asyncio.sleep(1)     # the nodes' start-up statements are behind them
        before = postgres.counters(database)
        per_client = [args.jobs // args.clients + (1 if i < args.jobs % args.clients else 0) for i in range(args.clients)]
        acks, done_times = [], []
        started = time.perf_counter()
        await asyncio.gather(*(client(services[i % nodes].ws_url, data, n, args.window, acks, done_times, f"c{i}")
                               for i, n in enumerate(per_client) if n))
        elapsed = max(done_times) - started
        await asyncio.sleep(1)     # the other nodes' reads of the last relayed events
        after = postgres.counters(database)
        result["jobs_per_s"] = args.jobs / elapsed
        result["seconds"] = elapsed
        for key in before:
            result[f"{key}_per_job"] = (after[key] - before[key]) / args.jobs
        result["top_statements"] = postgres.top_statements(database)

        # Latency: one job at a time per node, feeds on every node.
        stop = asyncio.Event()
        feeds = {f"node-{i}": [] for i in range(nodes)}
        feed_tasks = [asyncio.create_task(feed(services[i].ws_url, feeds[f"node-{i}"], stop)) for i in range(nodes)]
        await asyncio.sleep(0.5)   # the feeds have subscribed (request() waited for it)
        ids = []
        await asyncio.gather(*(one_by_one(services[i].ws_url, data, args.latency_jobs, f"l{i}", ids)
                               for i in range(nodes)))
        await asyncio.sleep(2)     # the last relayed events arrive
        stop.set()
        await asyncio.gather(*feed_tasks)
        quoted = ",".join(f"'{i}'" for i in ids)
        rows = postgres.sql(database, f"SELECT id, node, started_at - input_completed_at FROM jobs WHERE id IN ({quoted})")
        claims = [int(ms) / 1000 for _, _, ms in rows]
        ran_on = {job: node for job, node, _ in rows}
        result["claim_p50_ms"] = 1000 * percentile(claims, 0.5)
        result["claim_p99_ms"] = 1000 * percentile(claims, 0.99)
        if nodes > 1:
            events = cross_node_latencies(feeds, ran_on)
            result["event_samples"] = len(events)
            result["event_p50_ms"] = 1000 * percentile(events, 0.5)
            result["event_p99_ms"] = 1000 * percentile(events, 0.99)
        return result
    finally:
        for service in services:
            service.stop()
            shutil.rmtree(service.temp_dir, ignore_errors=True)


def spread(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def table(results):
    rows = [("jobs/s", "jobs_per_s", "{:.1f}"), ("round trips / job", "round_trips_per_job", "{:.1f}"),
            ("  PREPARE / job", "prepare_per_job", "{:.1f}"), ("  DEALLOCATE / job", "deallocate_per_job", "{:.1f}"),
            ("statements run / job", "executed_per_job", "{:.1f}"), ("pg_notify / job", "notifies_per_job", "{:.1f}"),
            ("claim p50 ms", "claim_p50_ms", "{:.1f}"), ("claim p99 ms", "claim_p99_ms", "{:.1f}"),
            ("event p50 ms", "event_p50_ms", "{:.1f}"), ("event p99 ms", "event_p99_ms", "{:.1f}")]
    lines = [f"{'median (min–max)':22s}" + "".join(f"{layout:>26s}" for layout in LAYOUTS)]
    for label, key, fmt in rows:
        cells = []
        for layout in LAYOUTS:
            values = [r[key] for r in results[layout] if key in r]
            cells.append(spread(values, fmt) if values else "–")
        lines.append(f"{label:22s}" + "".join(f"{cell:>26s}" for cell in cells))
    median = {layout: statistics.median(r["jobs_per_s"] for r in results[layout]) for layout in LAYOUTS}
    lines.append("")
    lines.append(f"3x1 / 1x3 jobs/s: {median['3x1'] / median['1x3']:.2f}  (same slots, same cores: below 1 is the "
                 "cost of coordination)")
    lines.append(f"3x1 / 1x1 jobs/s: {median['3x1'] / median['1x1']:.2f}  (what two more one-slot nodes bring on "
                 f"{os.cpu_count()} cores)")
    return "\n".join(lines)


def on_paper(results, statements_per_s):
    """How far one database carries a cluster of small jobs, from the counts above: each job
    costs its node the statements of one node (1x1), and each further node the reads it makes
    of the job's row per state change it hears ((3x1 - 1x1) / 2)."""
    one = statistics.median(r["executed_per_job"] for r in results["1x1"])
    three = statistics.median(r["executed_per_job"] for r in results["3x1"])
    per_node = (three - one) / 2
    lines = ["",
             f"database baseline (pgbench, prepared single-row UPDATE + SELECT, same machine): "
             f"{statements_per_s:,.0f} statements/s",
             f"statements per small job on N nodes: {one:.1f} + {per_node:.1f} x (N - 1)",
             "on paper, with the database doing nothing else:"]
    for nodes in (1, 3, 10, 30):
        cost = one + per_node * (nodes - 1)
        lines.append(f"  {nodes:3d} nodes: {statements_per_s / cost:8,.0f} small jobs/s")
    return "\n".join(lines)


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200, help="jobs per round (throughput)")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--window", type=int, default=4, help="jobs in flight per client")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per layout")
    parser.add_argument("--latency-jobs", type=int, default=20, help="jobs one after the other per node (latency)")
    parser.add_argument("--capacity-seconds", type=int, default=10,
                        help="pgbench run for the database's statements/s (0: none)")
    parser.add_argument("--json", default=os.path.join(common.SCRATCH, "cluster.json"), help="where the figures go")
    args = parser.parse_args()
    with open(make_video(seconds=0.2, size="64x48", audio=False), "rb") as f:
        data = f.read()
    load_before = os.getloadavg()
    began = time.monotonic()
    results = {layout: [] for layout in LAYOUTS}
    with Postgres() as postgres:
        for round_number in range(args.rounds):
            for layout in LAYOUTS:
                result = await round_once(postgres, layout, round_number, args, data)
                results[layout].append(result)
                print(f"{layout}  {result['jobs_per_s']:7.1f} jobs/s  {result['round_trips_per_job']:5.1f} round trips/job  "
                      f"{result['notifies_per_job']:4.1f} pg_notify/job  claim p50 {result['claim_p50_ms']:.1f} ms"
                      + (f"  event p50 {result['event_p50_ms']:.1f} ms" if "event_p50_ms" in result else ""), flush=True)
        # Last, so that its load does not touch the rounds.
        statements_per_s = postgres.capacity(args.capacity_seconds) if args.capacity_seconds > 0 else None
    record = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "arguments": vars(args), "seconds": time.monotonic() - began,
              "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                          "load_average_at_start": load_before, "load_average_at_end": os.getloadavg()},
              "results": results, "database_statements_per_s": statements_per_s}
    if os.path.exists(args.json):
        os.replace(args.json, os.path.join(os.path.dirname(args.json), "cluster.previous.json"))
    with open(args.json, "w") as f:
        json.dump(record, f, indent=2)
    print()
    print(f"bench/cluster.py: {args.rounds} round(s) x {args.jobs} jobs per layout, {os.cpu_count()} CPUs, "
          f"load average {load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(table(results))
    if statements_per_s:
        print(on_paper(results, statements_per_s))
    print(f"figures: {args.json}")


if __name__ == "__main__":
    asyncio.run(main())
