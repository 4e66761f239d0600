# SPDX-License-Identifier: GPL-3.0-or-later
"""An S3-compatible server on loopback that verifies SigV4 signatures, and Debian's awscli as
the independent client.

The server is the npm package @20minutes/s3rver (a maintained fork of s3rver): the original
s3rver 3.x accepts any SigV4 signature (its check is unimplemented for V4), so a wrong secret
would pass there and prove nothing. The fork computes the signature and answers 403
SignatureDoesNotMatch. It is installed by the first test that needs it, with npm, into a
git-ignored folder of the build tree; a missing npm or node fails the test."""

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading

S3RVER_PACKAGE = "@20minutes/s3rver@5.0.0"
ACCESS_KEY = "S3RVER"        # the server's built-in account
SECRET_KEY = "S3RVER"
REGION = "us-east-1"

# The package ships no command (its bin is not in the published files); this starts it on a
# free loopback port with the buckets asked for and prints the port.
LAUNCHER = r"""
const S3rver = require('@20minutes/s3rver');
const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({address: '127.0.0.1', port: 0, silent: true, directory,
                           configureBuckets: buckets.map((name) => ({name}))});
server.run().then((info) => console.log('listening ' + info.port))
            .catch((error) => { console.error(error); process.exit(1); });
"""


def install_dir():
    base = os.environ.get("MEDIAFORGE_BINARY_DIR") or tempfile.gettempdir()
    return os.path.join(base, "s3rver-" + S3RVER_PACKAGE.rsplit("@", 1)[1])


def install_s3rver():
    directory = install_dir()
    os.makedirs(directory, exist_ok=True)
    # Several tests start at once under `ctest --parallel`: one installs while the others wait
    # on the lock, and the package counts as installed only once npm has finished (npm puts
    # the package's own files in place before its dependencies, so their presence says nothing).
    done = os.path.join(directory, ".installed")
    with open(os.path.join(directory, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(done):
            for tool in ("npm", "node"):
                if not shutil.which(tool):
                    raise AssertionError(f"{tool} is needed for the S3 test server ({S3RVER_PACKAGE}); ./dev installs it")
            marker = os.path.join(directory, "node_modules", "@20minutes", "s3rver", "package.json")
            result = subprocess.run(["npm", "install", "--prefix", directory, "--no-audit", "--no-fund", "--prefer-offline",
                                     "--loglevel", "error", S3RVER_PACKAGE], capture_output=True, text=True, timeout=600)
            if result.returncode != 0 or not os.path.exists(marker):
                raise AssertionError(f"npm install {S3RVER_PACKAGE} failed:\n{result.stdout}\n{result.stderr}")
            with open(done, "w") as f:
                f.write(S3RVER_PACKAGE + "\n")
        # Replaced whole (another test may be starting node on it), so that it is never read
        # half written.
        launcher = os.path.join(directory, "launch.js")
        with open(launcher + ".tmp", "w") as f:
            f.write(LAUNCHER)
        os.replace(launcher + ".tmp", launcher)
    return directory


class S3Server:
    """The S3 server on 127.0.0.1 with `buckets`, its data in a temporary folder."""

    def __init__(self, *buckets):
        self.buckets = buckets or ("media",)
        self.directory = install_s3rver()
        self.data = tempfile.mkdtemp(prefix="mediaforge-s3-")
        self.process = None
        self.port = None

    def __enter__(self):
        self.process = subprocess.Popen(["node", os.path.join(self.directory, "launch.js"), self.data, *self.buckets],
                                        cwd=self.directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening "):
            self.process.kill()
            raise AssertionError("the S3 server did not start: " + line + self.process.stderr.read())
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(20)
        shutil.rmtree(self.data, ignore_errors=True)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def storage_flag(self, name="media", bucket="media"):
        return f"{name}=s3://{bucket}?endpoint={self.endpoint}&region={REGION}&style=path"

    def aws(self, *args, secret=SECRET_KEY, check=True):
        """Runs Debian's `aws` against this server; returns the CompletedProcess."""
        if not shutil.which("aws"):
            raise AssertionError("awscli is needed (Debian's awscli; ./dev installs it)")
        home = tempfile.mkdtemp(prefix="mediaforge-aws-")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
               "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": REGION,
               "AWS_CONFIG_FILE": os.path.join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "c")}
        try:
            # --only-show-errors is an option of the `s3` commands only (awscli 1 refuses it for s3api).
            quiet = ["--only-show-errors"] if args[0] == "s3" else []
            result = subprocess.run(["aws", "--endpoint-url", self.endpoint, *quiet, *args],
                                    env=env, capture_output=True, timeout=300)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return result

    def put(self, path, key, bucket="media"):
        self.aws("s3", "cp", path, f"s3://{bucket}/{key}")

    def get(self, key, bucket="media"):
        """The object's bytes, read with `aws s3 cp … -`."""
        return self.aws("s3", "cp", f"s3://{bucket}/{key}", "-").stdout

    def list(self, bucket="media"):
        result = self.aws("s3api", "list-objects-v2", "--bucket", bucket)
        text = result.stdout.decode()
        return [item["Key"] for item in json.loads(text).get("Contents", [])] if text.strip() else []


class HoldingRelay:
    """A TCP relay on 127.0.0.1 in front of the S3 server that passes every request through
    unchanged, records the request lines it sees, and holds (swallows, never answers) the first
    request whose line matches `hold`: a storage that stops answering in the middle of an
    upload, at a point the test chooses instead of at a time it guesses. Real sockets both
    ways; only the stall is made up, since a real server cannot be asked to stall on cue."""

    def __init__(self, target_port, hold):
        self.target_port = target_port
        self.hold = re.compile(hold.encode())
        self.lines = []              # request lines seen ("PUT /media/k?partNumber=1&uploadId=…")
        self.held = threading.Event()
        self._held_once = False
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        self._sockets = []

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._closed = True
        self._listener.close()
        for sock in list(self._sockets):
            try:
                sock.close()
            except OSError:
                pass

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def storage_flag(self, name="media", bucket="media"):
        return f"{name}=s3://{bucket}?endpoint={self.endpoint}&region={REGION}&style=path"

    def seen(self, pattern):
        with self._lock:
            return [line for line in self.lines if re.search(pattern, line)]

    def _accept(self):
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, upstream]
            threading.Thread(target=self._client_to_server, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _client_to_server(self, client, upstream):
        tail = b""
        holding = False
        request_line = re.compile(rb"(GET|PUT|POST|DELETE|HEAD) (\S+) HTTP/1\.1\r\n")
        while True:
            try:
                data = client.recv(65536)
            except OSError:
                break
            if not data:
                break
            if holding:
                continue          # read and dropped: the client sees its bytes accepted, no answer
            window = tail + data
            for match in request_line.finditer(window):
                if match.end() <= len(tail):
                    continue      # seen in the previous chunk already
                line = match.group(0).decode(errors="replace").strip()
                with self._lock:
                    self.lines.append(line)
                if not self._held_once and self.hold.search(match.group(0)):
                    self._held_once = True
                    holding = True
                    self.held.set()
            tail = window[-300:]
            if holding:
                continue
            try:
                upstream.sendall(data)
            except OSError:
                break
        for sock in (client, upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @staticmethod
    def _pipe(source, destination):
        while True:
            try:
                data = source.recv(65536)
                if not data:
                    break
                destination.sendall(data)
            except OSError:
                break
        try:
            destination.shutdown(socket.SHUT_WR)
        except OSError:
            pass
