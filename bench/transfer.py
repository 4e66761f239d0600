#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loopback transfer rates of a 1 GiB file through mediaforged against a raw TCP socket.

Baseline: the same Python sends the file over a plain loopback socket to a receiver that writes
it to disk, and reads it back the same way. Mediaforge: a level 1 chunked upload (until the job
is queued), the chunked output of a stream-copy job (first chunk to output_delivered), and the
same output over the HTTP port. Prints MB/s, ratios to the baseline, and the service's peak RSS.

    /usr/bin/python3 bench/transfer.py [--mib 1024]
"""

import argparse
import asyncio
import os
import socket
import subprocess
import threading
import time
import urllib.request

from common import SCRATCH
from harness import FFMPEG, Service, connect, frame, recv_any, request, unframe

CHUNK = 1024 * 1024
GIB = 1024 * 1024 * 1024


def make_input(mib):
    frames = max(1, mib * 1024 * 1024 // 460800 + 1)
    path = os.path.join(SCRATCH, f"raw-{mib}MiB.mkv")
    if not os.path.exists(path):
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=640x480:rate=25", "-frames:v", str(frames), "-c:v", "rawvideo",
                        "-pix_fmt", "yuv420p", path], check=True)
    return path


def raw_socket_rates(path):
    size = os.path.getsize(path)
    sink = os.path.join(SCRATCH, "raw-socket-copy")

    def receive(server, result):
        connection, _ = server.accept()
        with connection, open(sink, "wb") as out:
            while True:
                data = connection.recv(CHUNK)
                if not data:
                    break
                out.write(data)
        result.append(time.monotonic())

    def send_file(server):
        connection, _ = server.accept()
        with connection, open(sink, "rb") as f:
            while data := f.read(CHUNK):
                connection.sendall(data)

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    done = []
    thread = threading.Thread(target=receive, args=(server, done))
    thread.start()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as client, open(path, "rb") as f:
        while data := f.read(CHUNK):
            client.sendall(data)
    thread.join()
    upload = size / (done[0] - started) / 1e6

    thread = threading.Thread(target=send_file, args=(server,))
    thread.start()
    started = time.monotonic()
    received = 0
    with socket.create_connection(("127.0.0.1", port)) as client:
        while data := client.recv(CHUNK):
            received += len(data)
    assert received == size
    download = size / (time.monotonic() - started) / 1e6
    thread.join()
    server.close()
    os.unlink(sink)
    return upload, download


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def through_service(service, path):
    size = os.path.getsize(path)
    cpu = {}
    async with connect(service.ws_url) as ws:
        welcome = await request(ws, {"type": "hello", "protocol": 1, "client": "bench"})
        chunk = welcome["limits"]["max_chunk_bytes"]
        ack = await request(ws, {"type": "start_job", "job_id": "t", "operation": "convert", "detach": True,
                                 "options": {"target_format": "mkv"},
                                 "input": {"source": "upload", "filename": "raw.mkv", "size": size}})
        started = time.monotonic()
        cpu["upload"] = -cpu_seconds(service.pid)
        with open(path, "rb") as f:
            offset = 0
            while data := f.read(chunk):
                await ws.send(frame({"job_id": "t", "offset": offset, "final": offset + len(data) >= size}, data))
                offset += len(data)
        uploaded = None
        first = None
        received = 0
        while True:
            message = await recv_any(ws, timeout=600)
            if isinstance(message, bytes):
                if first is None:
                    first = time.monotonic()
                    cpu["download"] = -cpu_seconds(service.pid)
                # Counted, not hashed: every side of the comparison does the same per-byte work.
                _, payload = unframe(message)
                received += len(payload)
                continue
            if message.get("type") == "error":
                raise RuntimeError(message)
            if message.get("stage") == "queued" and uploaded is None:
                uploaded = time.monotonic()
                cpu["upload"] += cpu_seconds(service.pid)
            if message.get("type") == "completed":
                expected = message["outputs"][0]["size_bytes"]
            if message.get("type") == "output_delivered":
                finished = time.monotonic()
                cpu["download"] += cpu_seconds(service.pid)
                break
        assert received == expected
        return size / (uploaded - started) / 1e6, received / (finished - first) / 1e6, ack["id"], cpu


def http_rate(service, job):
    started = time.monotonic()
    received = 0
    with urllib.request.urlopen(f"{service.http_url}/jobs/{job}/output", timeout=600) as response:
        while data := response.read(CHUNK):
            received += len(data)
    return received / (time.monotonic() - started) / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024)
    args = parser.parse_args()
    path = make_input(args.mib)
    raw_up, raw_down = raw_socket_rates(path)
    with Service("--max-file-size", "4G") as service:
        up, down, job, cpu = asyncio.run(through_service(service, path))
        http = http_rate(service, job)
        peak = service.peak_rss_bytes()
    size = os.path.getsize(path)
    print(f"{size / 2**20:.0f} MiB on loopback, 1 MiB chunks")
    print(f"  raw socket       upload {raw_up:7.0f} MB/s   download {raw_down:7.0f} MB/s")
    print(f"  mediaforged      upload {up:7.0f} MB/s   download {down:7.0f} MB/s (WebSocket level 1)   "
          f"HTTP {http:7.0f} MB/s")
    print(f"  ratio to raw     upload {up / raw_up:7.2f}        download {down / raw_down:7.2f}"
          f"                        HTTP {http / raw_down:7.2f}")
    print(f"  service peak RSS {peak / 1e6:.1f} MB; service CPU per GiB: upload {cpu['upload'] * GIB / size:.2f} s, "
          f"WebSocket download {cpu['download'] * GIB / size:.2f} s (the rest of the wall time is the Python client)")


if __name__ == "__main__":
    main()
