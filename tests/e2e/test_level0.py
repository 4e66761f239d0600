# SPDX-License-Identifier: GPL-3.0-or-later
"""A client written for the services Mediaforge replaces (level 0: no hello) runs every
operation, by upload and by URL, and gets ack, progress..., completed, then one binary message
per output: exactly the message types and order it was written for."""

import os
import shutil
import tempfile
import unittest

from harness import (MediaHttpServer, Service, async_test, connect, duration, level0_job, main, make_video,
                     probe_bytes, sha256, streams)

LEVEL0_TYPES = {"ack", "progress", "completed", "error", "pong", "binary"}


def clip():
    return make_video(seconds=2.0)


def subtitled():
    return make_video(seconds=3.0, container="mkv", subtitles=True)


def other_clip():
    return make_video(seconds=1.5, size="640x360", vcodec="libvpx-vp9", acodec="libopus", container="mkv", rate=48000)


def check_speed(test, outputs):
    test.assertAlmostEqual(duration(probe_bytes(outputs[0][1], ".mp4")), 1.0, delta=0.15)


def check_compress(test, outputs):
    info = probe_bytes(outputs[0][1], ".mp4")
    test.assertEqual(streams(info, "video")[0]["codec_name"], "h264")
    test.assertEqual(len(streams(info, "audio")), 1)


def check_extract_audio(test, outputs):
    info = probe_bytes(outputs[0][1], ".mp3")
    test.assertEqual(streams(info, "video"), [])
    test.assertEqual(streams(info, "audio")[0]["codec_name"], "mp3")


def check_remove_audio(test, outputs):
    info = probe_bytes(outputs[0][1], ".mp4")
    test.assertEqual(streams(info, "audio"), [])
    test.assertEqual(len(streams(info, "video")), 1)


def check_convert(test, outputs):
    info = probe_bytes(outputs[0][1], ".webm")
    test.assertIn("webm", info["format"]["format_name"])
    test.assertIn(streams(info, "video")[0]["codec_name"], ("vp9", "vp8", "av1"))


def check_thumbnails(test, outputs):
    test.assertEqual(len(outputs), 3)
    for index, (header, payload) in enumerate(outputs):
        test.assertEqual(header["index"], index)
        test.assertEqual(header["count"], 3)
        test.assertTrue(payload.startswith(b"\x89PNG"), "thumbnails are PNG by default")


def check_trim(test, outputs):
    test.assertAlmostEqual(duration(probe_bytes(outputs[0][1], ".mp4")), 1.0, delta=0.1)


def check_concat(test, outputs):
    test.assertAlmostEqual(duration(probe_bytes(outputs[0][1], ".mp4")), 3.5, delta=0.25)


def check_gif(test, outputs):
    test.assertTrue(outputs[0][1].startswith(b"GIF8"))


def check_filter(test, outputs):
    video = streams(probe_bytes(outputs[0][1], ".mp4"), "video")[0]
    test.assertEqual((video["width"], video["height"]), (160, 120))


def check_extract_subtitles(test, outputs):
    text = outputs[0][1].decode()
    test.assertIn("-->", text)
    test.assertIn("Cue 1", text)


def check_burn_subtitles(test, outputs):
    info = probe_bytes(outputs[0][1], ".mkv")
    test.assertEqual(len(streams(info, "video")), 1)
    test.assertEqual(streams(info, "subtitle"), [])


CASES = [
    ("speed", {"speed_factor": 2.0}, clip, check_speed),
    ("compress", {"preset": "medium"}, clip, check_compress),
    ("extract_audio", {"format": "mp3"}, clip, check_extract_audio),
    ("remove_audio", {}, clip, check_remove_audio),
    ("convert", {"target_format": "webm"}, clip, check_convert),
    ("thumbnail", {"count": 3}, clip, check_thumbnails),
    ("trim", {"start_time": 0.5, "end_time": 1.5, "accurate": True}, clip, check_trim),
    ("gif", {"duration": 1, "width": 160}, clip, check_gif),
    ("filter", {"filters": [{"type": "scale", "width": 160, "height": 120}, {"type": "grayscale"}]}, clip,
     check_filter),
    ("extract_subtitles", {"format": "srt"}, subtitled, check_extract_subtitles),
    ("burn_subtitles", {}, subtitled, check_burn_subtitles),
]


class Level0Operations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service("--allow-private-urls").__enter__()
        cls.www = tempfile.mkdtemp(prefix="mediaforge-www-")
        cls.http = MediaHttpServer(cls.www).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.http.__exit__(None, None, None)
        shutil.rmtree(cls.www, ignore_errors=True)
        cls.service.__exit__(None, None, None)

    def assertLevel0Flow(self, result, still_image=False):
        self.assertIsNone(result.error, f"job failed: {result.error}")
        types = result.types
        self.assertTrue(set(types) <= LEVEL0_TYPES, f"level 0 saw other types: {types}")
        self.assertEqual(types[0], "ack")
        first_completed = types.index("completed")
        self.assertTrue(all(t == "progress" for t in types[1:first_completed]), types)
        self.assertTrue(all(t == "binary" for t in types[first_completed + 1:]), types)
        outputs = result.completed["outputs"]
        self.assertEqual(len(result.outputs), len(outputs))
        for (header, payload), described in zip(result.outputs, outputs):
            self.assertEqual(header["filename"], described["filename"])
            self.assertEqual(len(payload), described["size_bytes"])
            self.assertEqual(sha256(payload), described["sha256"])
        for key in ("format", "duration", "size_bytes", "video_codec", "audio_codec", "width", "height", "bitrate",
                    "fps"):
            self.assertIn(key, result.completed["output_metadata"])
        for key in ("queued_seconds", "input_seconds", "processing_seconds", "total_seconds"):
            self.assertIn(key, result.completed["timings"])
        # Percentages never go backwards within a stage; processing ends at 100.
        last = {}
        for p in result.progress:
            self.assertGreaterEqual(p["percentage"], last.get(p["stage"], 0), result.progress)
            last[p["stage"]] = p["percentage"]
        self.assertEqual(last.get("processing"), 100, result.progress)
        processing = [p for p in result.progress if p["stage"] == "processing"]
        for key in ("out_time_seconds", "duration_seconds", "speed", "fps"):
            self.assertIn(key, processing[-1])
        if not still_image:   # a thumbnail has no timeline: its progress jumps to 100 at the end
            self.assertGreater(processing[-1]["duration_seconds"], 0)

    def assertServiceClean(self):
        self.assertEqual(self.service.wait_clean(), [], "job files or ffmpeg processes left behind")
        status, health = self.service.health()
        self.assertEqual(status, 200, health)

    @async_test
    async def test_every_operation_by_upload(self):
        async with connect(self.service.ws_url) as ws:
            for operation, options, source, check in CASES:
                with self.subTest(operation=operation):
                    path = source()
                    with open(path, "rb") as f:
                        data = f.read()
                    message = {"type": "start_job", "job_id": f"up-{operation}", "operation": operation,
                               "input": {"source": "upload", "filename": "my clip" + os.path.splitext(path)[1]},
                               "options": options}
                    result = await level0_job(ws, message, [(os.path.basename(path), data)])
                    self.assertLevel0Flow(result, still_image=operation == "thumbnail")
                    self.assertEqual(result.events[0][1]["status"], "awaiting_upload")
                    check(self, result.outputs)
        self.assertServiceClean()

    @async_test
    async def test_concat_of_two_uploads_with_different_encodings(self):
        first, second = clip(), other_clip()
        async with connect(self.service.ws_url) as ws:
            message = {"type": "start_job", "job_id": "cat", "operation": "concat",
                       "input": {"source": "upload"}, "options": {"file_count": 2, "target_format": "mp4"}}
            uploads = [(os.path.basename(p), open(p, "rb").read()) for p in (first, second)]
            result = await level0_job(ws, message, uploads)
            self.assertLevel0Flow(result)
            check_concat(self, result.outputs)
        self.assertServiceClean()

    @async_test
    async def test_probe_returns_a_result_and_no_binary(self):
        path = clip()
        async with connect(self.service.ws_url) as ws:
            message = {"type": "start_job", "job_id": "p1", "operation": "probe", "input": {"source": "upload"}}
            result = await level0_job(ws, message, [("c.mp4", open(path, "rb").read())])
            self.assertIsNone(result.error, result.error)
            probe = result.completed["result"]
            self.assertAlmostEqual(probe["duration"], 2.0, delta=0.1)
            kinds = sorted(s["type"] for s in probe["streams"])
            self.assertEqual(kinds, ["audio", "video"])
            self.assertEqual(result.outputs, [])
        self.assertServiceClean()

    @async_test
    async def test_every_operation_by_url(self):
        for _, _, source, _ in CASES:
            shutil.copy(source(), self.www)
        async with connect(self.service.ws_url) as ws:
            for operation, options, source, check in CASES:
                with self.subTest(operation=operation):
                    name = os.path.basename(source())
                    message = {"type": "start_job", "job_id": f"url-{operation}", "operation": operation,
                               "input": {"source": "url", "url": self.http.url(name)}, "options": options}
                    result = await level0_job(ws, message)
                    self.assertLevel0Flow(result, still_image=operation == "thumbnail")
                    self.assertEqual(result.events[0][1]["status"], "downloading")
                    self.assertIn("downloading", [p["stage"] for p in result.progress])
                    check(self, result.outputs)
        self.assertServiceClean()

    @async_test
    async def test_ping_gets_pong(self):
        async with connect(self.service.ws_url) as ws:
            import json
            await ws.send(json.dumps({"type": "ping"}))
            reply = json.loads(await ws.recv())
            self.assertEqual(reply["type"], "pong")


if __name__ == "__main__":
    main()
