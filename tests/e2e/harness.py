# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of the end-to-end tests.

They start the real `mediaforged` binary (path in $MEDIAFORGED) on free ports and talk to it
with Debian's python3-websockets, a WebSocket client nobody on the project wrote, the way a
level 0 or level 1 client would. Media is generated at test time with ffmpeg's lavfi sources.
Every socket is on loopback.
"""

import asyncio
import contextlib
import functools
import hashlib
import http.server
import json
import os
import shutil
import signal
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import websockets

MEDIAFORGED = os.environ.get("MEDIAFORGED", "")
FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
FFPROBE = shutil.which("ffprobe") or "ffprobe"

_MEDIA_DIR = tempfile.mkdtemp(prefix="mediaforge-e2e-media-")

# ./dev test --sanitize runs the suite against an ASan build: its shadow memory, redzones and
# quarantine make every process larger by an amount that does not grow with the input.
SANITIZED = os.environ.get("MEDIAFORGE_TEST_SANITIZED") == "1"
SANITIZER_RSS_ALLOWANCE = 160 * 1000 * 1000
# What ASan holds back after a free (./dev sets quarantine_size_mb=64) and its allocator's slack:
# memory an attack made the service allocate and free stays resident under ASan, not otherwise.
SANITIZER_GROWTH_ALLOWANCE = 96 * 1024 * 1024


def rss_limit(limit):
    """A bound on the service's resident memory, plus the sanitizer's own share when it runs."""
    return limit + SANITIZER_RSS_ALLOWANCE if SANITIZED else limit


def out_of_descriptors_env():
    """What a service a test runs out of file descriptors needs under the sanitizers: UBSan's
    vptr check probes memory through a pipe, which cannot be made then (see the file)."""
    if not SANITIZED:
        return {}
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support", "ubsan-no-descriptors.supp")
    return {"UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "") + ":suppressions=" + os.path.normpath(supp)}


def rss_growth_limit(limit):
    """A bound on how much the service's resident memory may grow, plus the sanitizer's
    quarantine when it runs."""
    return limit + SANITIZER_GROWTH_ALLOWANCE if SANITIZED else limit


def _cleanup_media():
    shutil.rmtree(_MEDIA_DIR, ignore_errors=True)


import atexit  # noqa: E402

atexit.register(_cleanup_media)


# ---------------------------------------------------------------------------------------------
# Media


def webhook_signature_valid(secret, header, body, tolerance_seconds=300):
    """A receiver's own check of `Mediaforge-Signature`, written from docs/webhooks.md (not the
    service's code): one `t` within the tolerance, and any `v1` that is HMAC-SHA256 of t.body."""
    import hmac
    fields = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in fields if key.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(time.time() - int(stamps[0])) > tolerance_seconds:
        return False
    mac = hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(mac, value) for key, value in fields if key.strip() == "v1")


def make_video(seconds=2.0, size="320x240", fps=25, audio=True, subtitles=False, vcodec="libx264",
               acodec="aac", container="mp4", rate=44100, name=None):
    """A clip made with lavfi (testsrc2 + sine), cached per parameter set."""
    key = f"{seconds}-{size}-{fps}-{audio}-{subtitles}-{vcodec}-{acodec}-{rate}"
    path = os.path.join(_MEDIA_DIR, (name or hashlib.sha1(key.encode()).hexdigest()[:12]) + "." + container)
    if os.path.exists(path):
        return path
    args = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}:duration={seconds}"]
    if subtitles:
        srt = os.path.join(_MEDIA_DIR, f"cues-{int(seconds)}.srt")
        with open(srt, "w") as f:
            for i in range(max(1, int(seconds))):
                f.write(f"{i + 1}\n00:00:{i:02d},100 --> 00:00:{i:02d},900\nCue {i + 1}\n\n")
        args += ["-i", srt]
    args += ["-map", "0:v"]
    if audio:
        args += ["-map", "1:a"]
    if subtitles:
        args += ["-map", f"{2 if audio else 1}:s", "-c:s", "mov_text" if container == "mp4" else "srt",
                 "-metadata:s:s:0", "language=eng"]
    args += ["-c:v", vcodec, "-pix_fmt", "yuv420p"]
    if vcodec == "libx264":
        args += ["-preset", "ultrafast"]
    if vcodec.startswith("libvpx"):
        args += ["-deadline", "realtime", "-cpu-used", "8"]
    if audio:
        args += ["-c:a", acodec]
    args.append(path)
    subprocess.run(args, check=True)
    return path


def make_audio(seconds=2.0, codec="libmp3lame", container="mp3"):
    path = os.path.join(_MEDIA_DIR, f"tone-{seconds}-{codec}.{container}")
    if not os.path.exists(path):
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        f"sine=frequency=330:sample_rate=44100:duration={seconds}", "-c:a", codec, path],
                       check=True)
    return path


def probe(path):
    out = subprocess.run([FFPROBE, "-v", "error", "-of", "json", "-show_format", "-show_streams", path],
                         check=True, capture_output=True).stdout
    return json.loads(out)


def probe_bytes(data, suffix):
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as f:
        f.write(data)
        name = f.name
    try:
        return probe(name)
    finally:
        os.unlink(name)


def streams(info, kind):
    return [s for s in info.get("streams", []) if s.get("codec_type") == kind]


def duration(info):
    return float(info["format"].get("duration", 0))


# ---------------------------------------------------------------------------------------------
# Binary frames


def frame(header, payload=b""):
    head = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack(">I", len(head)) + head + payload


def unframe(message):
    (length,) = struct.unpack(">I", message[:4])
    header = json.loads(message[4:4 + length])
    return header, message[4 + length:]


# ---------------------------------------------------------------------------------------------
# The service


def require_service_binary():
    """A missing binary fails the test that needs it: a suite that skips proves nothing."""
    if not MEDIAFORGED or not os.access(MEDIAFORGED, os.X_OK):
        raise AssertionError(f"MEDIAFORGED does not point at the built service: {MEDIAFORGED!r}")
    return MEDIAFORGED


@functools.lru_cache(maxsize=None)
def service_environment_variables():
    """Every variable mediaforged reads for its configuration (MEDIAFORGE_* and the legacy
    names of the services it replaces), from the service's own settings table so that the list
    cannot fall behind the code."""
    table = subprocess.run([require_service_binary(), "--config-table"], check=True, capture_output=True,
                           text=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}).stdout
    names = set()
    for line in table.splitlines():
        cells = [cell.strip().strip("`") for cell in line.split("|")]
        if len(cells) > 3 and cells[2] and cells[2] != "environment" and not cells[2].startswith("-"):
            names.add(cells[2])
            if cells[3]:
                names.add(cells[3])
    if not names:
        raise AssertionError("mediaforged --config-table listed no environment variables:\n" + table)
    return frozenset(names)


def clean_environment(extra=None):
    """The caller's environment without anything that would configure a service: what the test
    runner exported for its own service (MEDIAFORGE_PORT, WS_PORT, LOG_LEVEL, ...) must not
    reach the one under test. `extra` is what the test itself means to set."""
    read = service_environment_variables()
    env = {name: value for name, value in os.environ.items()
           if name not in read and not name.startswith("MEDIAFORGE_")}
    env.update(extra or {})
    return env


class Service:
    """The real mediaforged on free loopback ports, with its own temp dir and a clean
    environment (plus `env`, what the test sets on purpose)."""

    def __init__(self, *args, env=None):
        require_service_binary()
        self.temp_dir = tempfile.mkdtemp(prefix="mediaforge-e2e-")
        self.log_path = os.path.join(self.temp_dir, "service.log")
        self.work_dir = os.path.join(self.temp_dir, "work")
        self.data_dir = os.path.join(self.temp_dir, "data")
        self.args = [MEDIAFORGED, "--port", "0", "--http-port", "0", "--temp-dir", self.work_dir,
                     "--data-dir", self.data_dir, *args]
        self.env = clean_environment(env)
        self.process = None
        self.ws_url = None
        self.http_url = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def start(self):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.log, env=self.env)
        deadline = time.monotonic() + 20
        while (self.ws_url is None or self.http_url is None) and time.monotonic() < deadline:
            line = self.process.stdout.readline().decode().strip()
            if not line:
                if self.process.poll() is not None:
                    break
                continue
            if line.startswith("listening ws"):
                self.ws_url = line.split(" ", 1)[1]
            elif line.startswith("listening http"):
                self.http_url = line.split(" ", 1)[1]
        if self.ws_url is None or self.http_url is None:
            self.stop()
            raise RuntimeError("mediaforged did not start:\n" + self.log_tail())

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if hasattr(self, "log"):
            self.log.close()
        return self.process.returncode if self.process else None

    def restart(self, sig=signal.SIGKILL):
        """Stops the service with `sig` and starts it again on the same data and temp dirs."""
        self.stop(sig)
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self.ws_url = self.http_url = None
        self.start()

    def log_tail(self, lines=40):
        with contextlib.suppress(OSError), open(self.log_path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        return ""

    @property
    def pid(self):
        return self.process.pid

    def peak_rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def rss_bytes(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def descendants(self):
        """Pids of every process whose parent chain leads to the service."""
        parents = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                parents[int(entry)] = ppid
            except (OSError, ValueError, IndexError):
                continue
        found = set()
        frontier = {self.pid}
        while frontier:
            children = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in found}
            found |= children
            frontier = children
        return sorted(found)

    def probers(self):
        """Pids of the service's long-lived mediaforge-probers (its pool keeps one per worker slot
        between jobs; docs/security.md)."""
        result = []
        for pid in self.descendants():
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "mediaforge-prob":   # comm holds 15 characters
                        result.append(pid)
        return result

    def job_processes(self):
        """Descendants that belong to jobs: every one but the idle probers."""
        probers = set(self.probers())
        return [pid for pid in self.descendants() if pid not in probers]

    def job_dirs(self):
        with contextlib.suppress(FileNotFoundError):
            return sorted(d for d in os.listdir(self.work_dir) if d.startswith("job-"))
        return []

    def health(self):
        try:
            with urllib.request.urlopen(self.http_url + "/health", timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def http_get(self, path, headers=None):
        request = urllib.request.Request(self.http_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def wait_clean(self, timeout=30.0):
        """The job directories of finished jobs disappear; returns what is left after timeout.
        It returns as soon as all is clean: the bound is generous for a machine that ctest
        --parallel keeps busy, not a promise about speed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.job_dirs() and not self.ffmpeg_children():
                return []
            time.sleep(0.05)
        return self.job_dirs() + [f"pid {p}" for p in self.ffmpeg_children()]

    def ffmpeg_children(self):
        result = []
        for pid in self.descendants():
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() in ("ffmpeg", "ffprobe"):
                        result.append(pid)
        return result


# ---------------------------------------------------------------------------------------------
# Clients


def connect(url, **kwargs):
    """`async with connect(url) as ws` or `ws = await connect(url)`."""
    return websockets.connect(url, max_size=None, ping_interval=None, **kwargs)


async def recv_json(ws, timeout=60):
    while True:
        message = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(message, str):
            return json.loads(message)


async def recv_any(ws, timeout=60):
    message = await asyncio.wait_for(ws.recv(), timeout)
    return json.loads(message) if isinstance(message, str) else message


async def request(ws, message, timeout=30):
    """Sends `message` with a request_id and returns the reply that echoes it."""
    rid = message.setdefault("request_id", f"t{time.monotonic_ns()}")
    await ws.send(json.dumps(message))
    while True:
        reply = await recv_json(ws, timeout)
        if reply.get("request_id") == rid:
            return reply


class Level0Result:
    def __init__(self):
        self.events = []        # ("text", dict) or ("binary", header, payload) in arrival order
        self.error = None
        self.completed = None
        self.outputs = []       # (header, payload)

    @property
    def types(self):
        return [e[1]["type"] if e[0] == "text" else "binary" for e in self.events]

    @property
    def progress(self):
        return [e[1] for e in self.events if e[0] == "text" and e[1]["type"] == "progress"]


async def level0_job(ws, message, uploads=(), timeout=120):
    """Runs one job as a client of the replaced services does: start_job, the upload right
    after it (not waiting for ack), then messages until the outputs or an error."""
    job_id = message["job_id"]
    await ws.send(json.dumps(message))
    for index, (name, data) in enumerate(uploads):
        header = {"job_id": job_id, "filename": name}
        if len(uploads) > 1:
            header["index"] = index
        await ws.send(frame(header, data))
    result = Level0Result()
    expected = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await recv_any(ws, deadline - time.monotonic())
        if isinstance(message, bytes):
            header, payload = unframe(message)
            result.events.append(("binary", header, payload))
            result.outputs.append((header, payload))
            if expected is not None and len(result.outputs) >= expected:
                return result
            continue
        if message.get("job_id") != job_id:
            continue
        result.events.append(("text", message))
        if message["type"] == "error":
            result.error = message
            return result
        if message["type"] == "completed":
            result.completed = message
            expected = len(message.get("outputs", []))
            if expected == 0:
                return result
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {result.types}")


def run(coro):
    return asyncio.run(coro)


def async_test(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return asyncio.run(function(*args, **kwargs))
    return wrapper


# ---------------------------------------------------------------------------------------------
# A loopback HTTP server for URL inputs


class MediaHttpServer:
    """Serves files from a directory on 127.0.0.1, plus /redirect?to=URL, /status/N and
    /slow/NAME (drips a file and then stalls)."""

    def __init__(self, directory):
        self.directory = directory
        self.requests = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=outer.directory, **kwargs)

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("Location", urllib.parse.unquote(self.path.split("=", 1)[1]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.startswith("/status/"):
                    code = int(self.path.rsplit("/", 1)[1])
                    body = b"nope"
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

        import urllib.parse  # noqa: F401  (used in the handler)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}/{path.lstrip('/')}"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main():
    unittest.main(verbosity=2)
