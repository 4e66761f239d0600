# SPDX-License-Identifier: GPL-3.0-or-later
"""The limits on what ffmpeg may do (issue 8, defects 4 and 9), against the real service.

Each limit is set small on the command line, a real job runs into it, and the job ends in the
typed error docs/protocol.md promises (TOO_LARGE, RESOURCE_LIMIT); afterwards /health answers
200, no ffmpeg of the service runs and no job directory is left. The two attacks of the issue
(a 16000-pixel contact sheet, a 7680-pixel GIF) are refused at validation, before any file or
process exists. burn_subtitles draws a subtitle track that names loopback URLs and local files,
and nothing of it is fetched or opened.
"""

import os
import resource
import shutil
import subprocess
import tempfile
import unittest

from harness import FFMPEG, MEDIAFORGED, clean_environment, MediaHttpServer, Service, async_test, connect, level0_job, main, make_video, probe, streams

_WORK = tempfile.TemporaryDirectory(prefix="mediaforge-limits-")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def start(job_id, operation, options=None):
    return {"type": "start_job", "job_id": job_id, "operation": operation, "options": options or {},
            "input": {"source": "upload"}}


def mkv_with_subtitles(ass_text):
    """Two seconds of video with an ASS subtitle track made from `ass_text`."""
    script = os.path.join(_WORK.name, "refs.ass")
    with open(script, "w") as f:
        f.write(ass_text)
    path = os.path.join(_WORK.name, "refs.mkv")
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-i", script,
                    "-map", "0:v", "-map", "1:s", "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "ass",
                    "-t", "2", path], check=True)
    return read(path)


class FfmpegLimits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.clip = read(make_video(seconds=2.0, size="320x240"))
        cls.five = read(make_video(seconds=5.0, size="640x360"))

    def assert_clean(self, service):
        status, _ = service.health()
        self.assertEqual(status, 200)
        self.assertEqual(service.wait_clean(timeout=15), [])

    @async_test
    async def test_output_over_the_size_limit_fails_with_too_large(self):
        with Service("--ffmpeg-max-output", "64K") as service:
            async with connect(service.ws_url) as ws:
                result = await level0_job(ws, start("big", "compress", {"preset": "high"}), [("c.mp4", self.five)])
            self.assertIsNotNone(result.error, result.types)
            self.assertEqual(result.error["code"], "TOO_LARGE", result.error)
            self.assertEqual(result.error["details"]["reason"], "output_limit")
            self.assertEqual(result.error["details"]["max_output_bytes"], 64 * 1024)
            self.assertIn("64 KiB", result.error["message"])
            self.assert_clean(service)

    @async_test
    async def test_output_within_the_size_limit_completes(self):
        with Service("--ffmpeg-max-output", "64M") as service:
            async with connect(service.ws_url) as ws:
                result = await level0_job(ws, start("small", "compress", {"preset": "low"}), [("c.mp4", self.clip)])
            self.assertIsNone(result.error, result.error)
            self.assertEqual(len(result.outputs), 1)
            self.assert_clean(service)

    @async_test
    async def test_memory_limit_fails_an_8k_encode_with_resource_limit(self):
        # 7680x4320 is within the picture bounds, so validation lets it through; 512 MiB of
        # address space is enough to load ffmpeg but not for x264 at 8K.
        with Service("--ffmpeg-memory-limit", "512M") as service:
            async with connect(service.ws_url) as ws:
                result = await level0_job(ws, start("mem", "filter", {"filters": [
                    {"type": "scale", "width": 7680, "height": 4320}]}), [("c.mp4", self.clip)])
            self.assertIsNotNone(result.error, result.types)
            self.assertEqual(result.error["code"], "RESOURCE_LIMIT", result.error)
            self.assertEqual(result.error["details"]["reason"], "memory")
            self.assertEqual(result.error["details"]["limit_bytes"], 512 * 1024 * 1024)
            self.assert_clean(service)

    @async_test
    async def test_cpu_limit_fails_a_long_encode_with_resource_limit(self):
        # VP9 at its thorough setting takes many CPU seconds for five seconds of 360p.
        with Service("--ffmpeg-cpu-limit", "1") as service:
            async with connect(service.ws_url) as ws:
                result = await level0_job(ws, start("cpu", "compress", {"target_format": "webm", "preset": "high"}),
                                          [("c.mp4", self.five)], timeout=300)
            self.assertIsNotNone(result.error, result.types)
            self.assertEqual(result.error["code"], "RESOURCE_LIMIT", result.error)
            self.assertIn(result.error["details"]["reason"], ("cpu_time", "killed"))
            self.assert_clean(service)

    @async_test
    async def test_reported_attacks_are_refused_at_validation(self):
        with Service() as service:
            async with connect(service.ws_url) as ws:
                sheet = await level0_job(ws, start("sheet", "thumbnail",
                                                   {"tile": {"columns": 10, "rows": 10}, "width": 1600}))
                gif = await level0_job(ws, start("gif", "gif", {"width": 7680, "fps": 30, "duration": 30}))
            self.assertEqual(sheet.error["code"], "VALIDATION_ERROR", sheet.error)
            self.assertEqual(sheet.error["details"][0]["path"], "options.width")
            self.assertIn("16000 pixels wide", sheet.error["message"])
            self.assertIn("7680", sheet.error["message"])
            self.assertEqual(gif.error["code"], "VALIDATION_ERROR", gif.error)
            self.assertEqual(gif.error["details"][0]["path"], "options.width")
            self.assertIn("1920", gif.error["message"])
            self.assertEqual(service.job_dirs(), [])
            self.assertEqual(service.ffmpeg_children(), [])
            self.assert_clean(service)

    @async_test
    async def test_burn_subtitles_follows_nothing_the_subtitles_name(self):
        www = tempfile.mkdtemp(prefix="mediaforge-www-")
        try:
            with MediaHttpServer(www) as http, Service() as service:
                secret = os.path.join(_WORK.name, "secret.txt")
                with open(secret, "w") as f:
                    f.write("not for clients\n")
                url = http.url("fetched-by-subtitles")
                script = (
                    "[Script Info]\nScriptType: v4.00+\nPlayResX: 320\nPlayResY: 240\n\n"
                    "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
                    "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
                    "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
                    f"Style: Default,{url},20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,"
                    "2,10,10,10,1\n\n"
                    "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
                    f"Dialogue: 0,0:00:00.00,0:00:02.00,Default,,0,0,0,,{{\\fn{url}}}{url} file:{secret} "
                    f"concat:{secret}|{secret}\n")
                data = mkv_with_subtitles(script)
                async with connect(service.ws_url) as ws:
                    result = await level0_job(ws, start("burn", "burn_subtitles"), [("s.mkv", data)])
                self.assertIsNone(result.error, result.error)
                self.assertEqual(len(result.outputs), 1)
                out = os.path.join(www, "burned.mkv")
                with open(out, "wb") as f:
                    f.write(result.outputs[0][1])
                self.assertEqual(len(streams(probe(out), "video")), 1)
                self.assertEqual(http.requests, [])
                self.assert_clean(service)
        finally:
            shutil.rmtree(www, ignore_errors=True)


def with_nofile(soft, hard):
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return apply


class DescriptorLimitAtStartup(unittest.TestCase):
    """RLIMIT_NOFILE (issue 8, defect 9): raised to the hard limit, and checked against
    --max-connections before anything listens."""

    def run_service(self, soft, hard, *args):
        if not MEDIAFORGED or not os.path.exists(MEDIAFORGED):
            self.fail("MEDIAFORGED does not point at the built service")
        temp = tempfile.mkdtemp(prefix="mediaforge-nofile-")
        self.addCleanup(shutil.rmtree, temp, ignore_errors=True)
        # Its own data dir and a clean environment: never the job store of the user running the tests.
        return subprocess.Popen([MEDIAFORGED, "--port", "0", "--http-port", "0", "--temp-dir", os.path.join(temp, "work"),
                                 "--data-dir", os.path.join(temp, "data"), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=with_nofile(soft, hard), env=clean_environment())

    def test_too_many_connections_for_the_hard_limit_is_refused(self):
        process = self.run_service(256, 256, "--max-connections", "1000")
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 2, err)
        lines = err.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("--max-connections 1000", lines[0])
        self.assertIn("256", lines[0])
        self.assertNotIn(b"listening", out)

    def test_http_connections_count_against_the_limit_too(self):
        # 40 WebSocket connections and 2 workers fit in 256; 100 HTTP connections on top do not.
        process = self.run_service(256, 256, "--max-connections", "40", "--http-max-connections", "100",
                                   "--max-concurrent-jobs", "2")
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 2, err)
        lines = err.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("--http-max-connections 100", lines[0])
        self.assertNotIn(b"listening", out)

    def test_soft_limit_is_raised_to_the_hard_one(self):
        process = self.run_service(256, 4096, "--max-connections", "1000", "--max-concurrent-jobs", "2")
        try:
            line = process.stdout.readline().decode()
            if not line.startswith("listening"):
                process.kill()
                self.fail(line + process.communicate(timeout=30)[1].decode())
            with open(f"/proc/{process.pid}/limits") as f:
                row = next(r for r in f if r.startswith("Max open files"))
            self.assertEqual(row.split()[3:5], ["4096", "4096"], row)
        finally:
            # Start-up is what is tested here; the drain on SIGTERM has tests of its own.
            process.kill()
            process.communicate(timeout=30)

    def test_small_connection_count_starts_under_a_small_limit(self):
        process = self.run_service(256, 256, "--max-connections", "40", "--http-max-connections", "4",
                                   "--max-concurrent-jobs", "2")
        try:
            line = process.stdout.readline().decode()
            if not line.startswith("listening"):
                process.kill()
                self.fail(line + process.communicate(timeout=30)[1].decode())
        finally:
            # Start-up is what is tested here; the drain on SIGTERM has tests of its own.
            process.kill()
            process.communicate(timeout=30)


if __name__ == "__main__":
    main()
