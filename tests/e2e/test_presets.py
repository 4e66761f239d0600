# SPDX-License-Identifier: GPL-3.0-or-later
"""Presets (issue 12): every built-in preset run on a real 1080p clip by the real mediaforged,
its output checked by ffprobe (codec, size, duration); start_job by preset on both levels;
list_presets with the schemas; options outside a preset's schema refused naming the option; an
operator's --presets file overriding and adding; a bad file stopping the start; tokens limited
to presets (presets_only=, presets=, operations=) refused a free-form job.
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import (MEDIAFORGED, Service, async_test, connect, level0_job, main, make_video, probe_bytes, request,
                     require_service_binary, streams)
from hostile_support import tokens_file

CLIP_SECONDS = 2.0
BROWSER = "Br0wser-t0ken-QWERTYUIOPAS"
POSTER_ONLY = "P0ster-t0ken-ZXCVBNMLKJHG"
TRIM_ONLY = "Tr1m-t0ken-POIUYTREWQLKJ"
FREE = "Fr33-t0ken-MNBVCXZASDFGHJ"
QUOTA = "Qu0ta-t0ken-LKJHGFDSAPOIUY"

BUILTINS = ["web-1080p", "web-720p", "web-480p", "webm-720p", "poster", "preview-gif", "podcast", "audio-extract"]


def clip():
    # 1920x1080 so that every web preset really scales; 10 fps keeps the encodes short.
    return make_video(seconds=CLIP_SECONDS, size="1920x1080", fps=10)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class BuiltinPresets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.service = Service()
        cls.service.start()
        cls.data = read(clip())

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()
        shutil.rmtree(cls.service.temp_dir, ignore_errors=True)

    async def run_preset(self, name, options=None):
        """At level 0, as a client of the replaced services would, naming only the preset."""
        message = {"type": "start_job", "job_id": f"p-{name}", "preset": name,
                   "input": {"source": "upload", "filename": "clip.mp4"}}
        if options is not None:
            message["options"] = options
        async with connect(self.service.ws_url) as ws:
            result = await level0_job(ws, message, [("clip.mp4", self.data)], timeout=300)
        self.assertIsNone(result.error, result.error)
        self.assertEqual(len(result.outputs), 1, result.types)
        header, payload = result.outputs[0]
        suffix = os.path.splitext(header["filename"])[1]
        return header["filename"], payload, probe_bytes(payload, suffix)

    def assert_video(self, info, codec, width, height):
        video = streams(info, "video")
        self.assertEqual(len(video), 1, info)
        self.assertEqual(video[0]["codec_name"], codec)
        self.assertEqual((video[0]["width"], video[0]["height"]), (width, height))

    def assert_duration(self, info, seconds, tolerance=0.25):
        self.assertAlmostEqual(float(info["format"]["duration"]), seconds, delta=tolerance)

    @async_test
    async def test_web_video_presets_give_h264_aac_mp4_with_faststart_at_their_size(self):
        # 16:9 into 854x480: 853.3 wide, kept inside the box and even, so 852.
        for name, (width, height) in {"web-1080p": (1920, 1080), "web-720p": (1280, 720),
                                      "web-480p": (852, 480)}.items():
            with self.subTest(preset=name):
                filename, payload, info = await self.run_preset(name)
                self.assertTrue(filename.endswith(".mp4"), filename)
                self.assert_video(info, "h264", width, height)
                self.assertEqual(streams(info, "audio")[0]["codec_name"], "aac")
                self.assert_duration(info, CLIP_SECONDS)
                # faststart: the index (moov) comes before the media data (mdat).
                self.assertLess(payload.find(b"moov"), payload.find(b"mdat"))

    @async_test
    async def test_webm_preset_gives_vp9_opus_at_720p(self):
        filename, _, info = await self.run_preset("webm-720p")
        self.assertTrue(filename.endswith(".webm"), filename)
        self.assert_video(info, "vp9", 1280, 720)
        self.assertEqual(streams(info, "audio")[0]["codec_name"], "opus")
        self.assert_duration(info, CLIP_SECONDS)

    @async_test
    async def test_poster_gives_one_jpeg_at_the_width_asked(self):
        filename, _, info = await self.run_preset("poster", {"width": 640, "timestamp": 1})
        self.assertTrue(filename.endswith(".jpg"), filename)
        self.assert_video(info, "mjpeg", 640, 360)

    @async_test
    async def test_preview_gif_is_320_wide_and_as_long_as_asked(self):
        filename, _, info = await self.run_preset("preview-gif", {"duration": 1.5})
        self.assertTrue(filename.endswith(".gif"), filename)
        self.assert_video(info, "gif", 320, 180)
        self.assert_duration(info, 1.5, tolerance=0.2)

    @async_test
    async def test_podcast_gives_mp3_at_44_1_khz(self):
        filename, _, info = await self.run_preset("podcast")
        self.assertTrue(filename.endswith(".mp3"), filename)
        self.assertEqual(streams(info, "video"), [])
        audio = streams(info, "audio")[0]
        self.assertEqual((audio["codec_name"], audio["sample_rate"]), ("mp3", "44100"))
        self.assertAlmostEqual(int(audio["bit_rate"]) / 1000, 96, delta=8)
        self.assert_duration(info, CLIP_SECONDS)

    @async_test
    async def test_audio_extract_copies_aac_into_m4a(self):
        filename, _, info = await self.run_preset("audio-extract")
        self.assertTrue(filename.endswith(".m4a"), filename)
        self.assertEqual(streams(info, "video"), [])
        self.assertEqual(streams(info, "audio")[0]["codec_name"], "aac")
        self.assert_duration(info, CLIP_SECONDS)

    @async_test
    async def test_list_presets_gives_every_builtin_with_its_schema(self):
        async with connect(self.service.ws_url) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            reply = await request(ws, {"type": "list_presets"})
        self.assertEqual(reply["type"], "presets", reply)
        presets = {p["name"]: p for p in reply["presets"]}
        self.assertEqual(sorted(presets), sorted(BUILTINS))
        web = presets["web-720p"]
        self.assertEqual(web["operation"], "compress")
        self.assertTrue(web["builtin"])
        self.assertEqual(web["options"]["max_width"], 1280)
        self.assertEqual(web["parameters"], [{"name": "crf", "type": "integer", "minimum": 18, "maximum": 32,
                                              "description": web["parameters"][0]["description"]}])
        gif = {p["name"]: p for p in presets["preview-gif"]["parameters"]}
        self.assertEqual(gif["duration"]["default"], 3)
        self.assertEqual(presets["audio-extract"]["parameters"], [])

    @async_test
    async def test_level1_snapshot_carries_the_preset_and_refusals_name_the_option(self):
        async with connect(self.service.ws_url) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            ack = await request(ws, {"type": "start_job", "preset": "poster", "operation": "thumbnail",
                                     "options": {"width": 320}, "input": {"source": "upload"}})
            self.assertEqual(ack["type"], "ack", ack)
            job = (await request(ws, {"type": "get_job", "id": ack["id"]}))["job"]
            self.assertEqual(job["preset"], "poster")
            self.assertEqual(job["operation"], "thumbnail")
            self.assertEqual(job["options"]["format"], "jpeg")
            self.assertEqual(job["options"]["width"], 320)
            await request(ws, {"type": "cancel_job", "id": ack["id"]})

            cases = [
                ({"preset": "web-720p", "options": {"max_width": 3840}}, "options.max_width", "fixed by the preset"),
                ({"preset": "web-720p", "options": {"crf": 40}}, "options.crf", "18 to 32"),
                ({"preset": "web-720p", "options": {"fps": 5}}, "options.fps", "not an option the preset"),
                ({"preset": "web-720p", "operation": "gif"}, "operation", "runs compress"),
                ({"preset": "no-such-preset"}, "preset", "web-720p"),
            ]
            for fields, path, words in cases:
                with self.subTest(path=path):
                    reply = await request(ws, {"type": "start_job", "input": {"source": "upload"}, **fields})
                    self.assertEqual(reply["code"], "VALIDATION_ERROR", reply)
                    self.assertEqual(reply["details"][0]["path"], path)
                    self.assertIn(words, reply["details"][0]["message"])
            # Nothing was created by the refusals.
            jobs = (await request(ws, {"type": "list_jobs", "states": ["awaiting_upload"]}))["jobs"]
            self.assertEqual(jobs, [])


class PresetsFile(unittest.TestCase):
    def setUp(self):
        require_service_binary()
        self.dir = tempfile.mkdtemp(prefix="mediaforge-presets-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, content):
        path = os.path.join(self.dir, "presets.json")
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    @async_test
    async def test_file_overrides_a_builtin_and_adds_its_own(self):
        path = self.write({"presets": [
            {"name": "web-720p", "operation": "compress", "description": "house style",
             "options": {"target_format": "mp4", "max_width": 1280, "max_height": 720, "preset": "low"}},
            {"name": "square-thumb", "operation": "thumbnail", "description": "for the grid",
             "options": {"format": "webp", "width": 200, "height": 200},
             "parameters": {"timestamp": {"type": "number", "minimum": 0, "maximum": 60, "default": 1}}},
        ]})
        with Service("--presets", path) as service:
            async with connect(service.ws_url) as ws:
                await request(ws, {"type": "hello", "protocol": 1})
                presets = {p["name"]: p for p in (await request(ws, {"type": "list_presets"}))["presets"]}
                self.assertEqual(len(presets), len(BUILTINS) + 1)
                self.assertEqual(presets["web-720p"]["description"], "house style")
                self.assertFalse(presets["web-720p"]["builtin"])
                self.assertEqual(presets["web-720p"]["parameters"], [])
                self.assertTrue(presets["poster"]["builtin"])
                result = await level0_job(ws, {"type": "start_job", "job_id": "sq", "preset": "square-thumb",
                                               "input": {"source": "upload", "filename": "c.mp4"}},
                                          [("c.mp4", read(clip()))])
                self.assertIsNone(result.error, result.error)
                info = probe_bytes(result.outputs[0][1], ".webp")
                self.assertEqual((streams(info, "video")[0]["width"], streams(info, "video")[0]["height"]), (200, 200))
                # The override fixed everything: crf is no longer the client's to set.
                reply = await request(ws, {"type": "start_job", "preset": "web-720p", "options": {"crf": 20},
                                           "input": {"source": "upload"}})
                self.assertEqual(reply["code"], "VALIDATION_ERROR")
                self.assertEqual(reply["details"][0]["path"], "options.crf")

    def test_a_bad_presets_file_stops_the_start_naming_the_preset(self):
        cases = [
            ("not json", "{nope", "not JSON"),
            ("no list", {"presets": {}}, "presets"),
            ("unknown operation", {"presets": [{"name": "x", "operation": "teleport"}]}, "presets[0] (x): operation"),
            ("option of another operation", {"presets": [{"name": "x", "operation": "gif", "options": {"duration": 2},
                                                          "parameters": {"crf": {"type": "integer"}}}]},
             "parameters.crf: not an option"),
            ("range wider than the operation", {"presets": [{"name": "x", "operation": "gif", "options": {"duration": 2},
                                                             "parameters": {"fps": {"type": "integer", "maximum": 120}}}]},
             "parameters.fps: the range"),
            ("invalid fixed options", {"presets": [{"name": "x", "operation": "compress",
                                                    "options": {"crf": 99}}]}, "options.crf"),
            ("missing required option", {"presets": [{"name": "g", "operation": "gif"}]}, "options.duration"),
            ("duplicate name", {"presets": [{"name": "a", "operation": "probe"}, {"name": "a", "operation": "probe"}]},
             "earlier in the file"),
            ("bad name", {"presets": [{"name": "../x", "operation": "probe"}]}, "name must be"),
        ]
        for label, content, words in cases:
            with self.subTest(case=label):
                path = self.write(content)
                process = subprocess.run([MEDIAFORGED, "--port", "0", "--http-port", "0", "--presets", path,
                                          "--data-dir", os.path.join(self.dir, "data")],
                                         capture_output=True, timeout=60, text=True)
                self.assertEqual(process.returncode, 2, process.stderr)
                self.assertIn("invalid --presets", process.stderr)
                self.assertIn(words, process.stderr)


class PresetLimitedTokens(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mediaforge-presettokens-")
        tokens = tokens_file(cls.dir, [f"client {BROWSER} browser presets_only=true",
                                       f"client {POSTER_ONLY} posters presets=poster,preview-gif",
                                       f"client {TRIM_ONLY} trimmer operations=trim,thumbnail",
                                       f"client {FREE} free",
                                       f"client {QUOTA} metered jobs_per_minute=50 unfinished_jobs=1 "
                                       "max_input_bytes=1M input_bytes_per_day=2M"])
        cls.service = Service("--tokens-file", tokens)
        cls.service.start()

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()
        shutil.rmtree(cls.service.temp_dir, ignore_errors=True)
        shutil.rmtree(cls.dir, ignore_errors=True)

    async def start(self, token, **fields):
        async with connect(self.service.ws_url, extra_headers={"Authorization": f"Bearer {token}"}) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            reply = await request(ws, {"type": "start_job", "input": {"source": "upload"}, **fields})
            if reply["type"] == "ack":
                await request(ws, {"type": "cancel_job", "id": reply["id"]})
            return reply

    async def presets_of(self, token):
        async with connect(self.service.ws_url, extra_headers={"Authorization": f"Bearer {token}"}) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            return sorted(p["name"] for p in (await request(ws, {"type": "list_presets"}))["presets"])

    @async_test
    async def test_presets_only_token_cannot_run_a_free_form_job(self):
        reply = await self.start(BROWSER, operation="compress")
        self.assertEqual(reply["code"], "FORBIDDEN", reply)
        self.assertEqual(reply["details"]["reason"], "presets_only")
        self.assertEqual((await self.start(BROWSER, preset="web-480p"))["type"], "ack")
        # Nor set an option outside the preset's schema.
        reply = await self.start(BROWSER, preset="web-480p", options={"max_width": 7680})
        self.assertEqual(reply["code"], "VALIDATION_ERROR", reply)
        self.assertEqual(reply["details"][0]["path"], "options.max_width")

    @async_test
    async def test_presets_list_limits_the_presets_and_what_list_presets_shows(self):
        self.assertEqual((await self.start(POSTER_ONLY, preset="poster"))["type"], "ack")
        reply = await self.start(POSTER_ONLY, preset="web-1080p")
        self.assertEqual(reply["code"], "FORBIDDEN", reply)
        self.assertEqual(reply["details"]["reason"], "preset_not_allowed")
        self.assertEqual(reply["details"]["allowed"], ["poster", "preview-gif"])
        self.assertEqual((await self.start(POSTER_ONLY, operation="thumbnail"))["details"]["reason"], "presets_only")
        self.assertEqual(await self.presets_of(POSTER_ONLY), ["poster", "preview-gif"])

    @async_test
    async def test_operations_list_limits_free_form_and_preset_jobs(self):
        self.assertEqual((await self.start(TRIM_ONLY, operation="trim"))["type"], "ack")
        self.assertEqual((await self.start(TRIM_ONLY, preset="poster"))["type"], "ack")
        reply = await self.start(TRIM_ONLY, operation="compress")
        self.assertEqual(reply["code"], "FORBIDDEN", reply)
        self.assertEqual(reply["details"]["reason"], "operation_not_allowed")
        self.assertEqual((await self.start(TRIM_ONLY, preset="web-720p"))["details"]["reason"], "operation_not_allowed")
        self.assertEqual(await self.presets_of(TRIM_ONLY), ["poster"])

    @async_test
    async def test_get_stats_shows_the_owner_its_usage_against_its_quotas(self):
        async with connect(self.service.ws_url, extra_headers={"Authorization": f"Bearer {QUOTA}"}) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            ack = await request(ws, {"type": "start_job", "operation": "probe", "input": {"source": "upload", "size": 5000}})
            self.assertEqual(ack["type"], "ack", ack)
            # The one unfinished job the quota allows is taken.
            refused = await request(ws, {"type": "start_job", "operation": "probe", "input": {"source": "upload"}})
            self.assertEqual(refused["code"], "QUOTA_EXCEEDED", refused)
            self.assertEqual(refused["details"], {"quota": "unfinished_jobs", "limit": 1, "used": 1})
            quota = (await request(ws, {"type": "get_stats"}))["stats"]["quota"]
            self.assertEqual(quota["jobs_per_minute"]["limit"], 50)
            self.assertEqual(quota["jobs_per_minute"]["used"], 1)
            self.assertEqual(quota["unfinished_jobs"], {"limit": 1, "used": 1})
            self.assertEqual(quota["max_input_bytes"], {"limit": 1024 * 1024})
            self.assertEqual(quota["input_bytes_per_day"]["limit"], 2 * 1024 * 1024)
            self.assertEqual(quota["input_bytes_per_day"]["used"], 0)
            self.assertTrue(quota["input_bytes_per_day"]["resets_at"].endswith("T00:00:00.000Z"))
            await request(ws, {"type": "cancel_job", "id": ack["id"]})
            quota = (await request(ws, {"type": "get_stats"}))["stats"]["quota"]
            self.assertEqual(quota["unfinished_jobs"]["used"], 0)
        # An owner without quotas gets no quota entry.
        async with connect(self.service.ws_url, extra_headers={"Authorization": f"Bearer {FREE}"}) as ws:
            await request(ws, {"type": "hello", "protocol": 1})
            self.assertNotIn("quota", (await request(ws, {"type": "get_stats"}))["stats"])

    @async_test
    async def test_a_token_without_keys_runs_anything(self):
        self.assertEqual((await self.start(FREE, operation="compress"))["type"], "ack")
        self.assertEqual((await self.start(FREE, preset="podcast"))["type"], "ack")
        self.assertEqual(len(await self.presets_of(FREE)), len(BUILTINS))


if __name__ == "__main__":
    main()
