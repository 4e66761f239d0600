# SPDX-License-Identifier: GPL-3.0-or-later
"""An S3-compatible server on loopback that verifies SigV4 signatures, and Debian's awscli as
the independent client.

The server is the npm package @20minutes/s3rver (a maintained fork of s3rver): the original
s3rver 3.x accepts any SigV4 signature (its check is unimplemented for V4), so a wrong secret
would pass there and prove nothing. The fork computes the signature and answers 403
SignatureDoesNotMatch. It is installed by the first test that needs it, with npm, into a
git-ignored folder of the build tree; a missing npm or node fails the test."""

import json
import os
import shutil
import subprocess
import tempfile

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
    marker = os.path.join(directory, "node_modules", "@20minutes", "s3rver", "package.json")
    if not os.path.exists(marker):
        for tool in ("npm", "node"):
            if not shutil.which(tool):
                raise AssertionError(f"{tool} is needed for the S3 test server ({S3RVER_PACKAGE}); ./dev installs it")
        os.makedirs(directory, exist_ok=True)
        result = subprocess.run(["npm", "install", "--prefix", directory, "--no-audit", "--no-fund", "--prefer-offline",
                                 "--loglevel", "error", S3RVER_PACKAGE], capture_output=True, text=True, timeout=600)
        if result.returncode != 0 or not os.path.exists(marker):
            raise AssertionError(f"npm install {S3RVER_PACKAGE} failed:\n{result.stdout}\n{result.stderr}")
    with open(os.path.join(directory, "launch.js"), "w") as launcher:
        launcher.write(LAUNCHER)
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
            result = subprocess.run(["aws", "--endpoint-url", self.endpoint, "--only-show-errors", *args],
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
