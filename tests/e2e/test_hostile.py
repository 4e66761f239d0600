# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile inputs against the real mediaforged (issue 8): a table of a few hundred things an
attacker sends, each on a fresh connection, each answered with its exact typed error. After
every case the service must still be well: /health 200, no file of a finished job left in its
temp dir, no ffmpeg or ffprobe child running, resident memory bounded, and another client's job
(the bystander, uploading a chunk between cases) unharmed and finishing normally at the end.

Cases run against one service per group, the groups at the same time. The SSRF group runs WITHOUT
--allow-private-urls and only ever names loopback targets; a loopback HTTP server counts the
requests that reach it, and none may.
"""

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import unittest

import websockets

from harness import (FFMPEG, MediaHttpServer, Service, async_test, connect, frame, level0_job, main, make_video,
                     recv_any)
from hostile_support import MIB, Bystander, assert_healthy, dumps, reset_peak, tokens_file

ADMIN = "hostile-admin-token-0123456789"
CLIENT = "hostile-client-token-012345678"

_WORK = tempfile.TemporaryDirectory(prefix="mediaforge-hostile-")


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Case:
    """What a case sends on a fresh connection and what it must get back.

    `expect` is an error code (`VALIDATION_ERROR`), a reply type (`pong`, `ack`, `completed`),
    or `close:CODE` for a connection the service must close. `check` looks at the final message."""

    def __init__(self, name, send, expect, check=None, hello=False, token=None, timeout=60):
        self.name, self.send, self.expect, self.check = name, send, expect, check
        self.then_close = "+close:" in expect
        self.hello, self.token, self.timeout = hello, token, timeout


async def run_case(service, case):
    headers = {"Authorization": f"Bearer {case.token}"} if case.token else {}
    ws = await connect(service.ws_url, extra_headers=headers)
    final = None
    try:
        if case.hello:
            await ws.send(dumps({"type": "hello", "protocol": 1}))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert welcome["type"] == "welcome", welcome
        try:
            for item in case.send:
                await ws.send(item)
        except websockets.ConnectionClosed:
            pass    # what the service said before it closed is still read below
        outputs = None
        while True:
            message = await recv_any(ws, case.timeout)
            if isinstance(message, bytes):
                if outputs is not None:
                    outputs -= 1
                    if outputs == 0:
                        break
                continue
            kind = message.get("type")
            if kind == "error":
                final = message
                break
            if kind == "ack" and case.expect != "ack":
                # An upload job whose bytes this case never sends: the refusal it expected did
                # not come. Stop here (closing cancels the job) instead of waiting for nothing.
                if message.get("status") == "awaiting_upload" and not any(isinstance(i, bytes) for i in case.send):
                    final = message
                    break
                continue
            if kind == "progress":
                continue
            final = message
            if kind == "completed" and message.get("outputs"):
                outputs = len(message["outputs"])
                continue
            break
        if case.then_close and final is not None and final.get("type") == "error":
            # The error must be followed by the close handshake, not by more traffic.
            try:
                while True:
                    await recv_any(ws, 30)
            except websockets.ConnectionClosed as closed:
                return f"{final['code']}+close:{closed.code}", final
    except websockets.ConnectionClosed as closed:
        if final is None:
            return f"close:{closed.code}", None
    finally:
        await ws.close()
    if final is None:
        return "nothing", None
    return (final["code"] if final.get("type") == "error" else final["type"]), final


async def run_table(test, service, cases, bystander=None, rss_limit=400 * MIB, failures=None):
    """Runs the cases one after another on `service`. With `failures` (a list), a failing case
    is recorded there and the table goes on, so that several tables can run at once."""
    for case in cases:
        try:
            with (contextlib.nullcontext() if failures is not None else test.subTest(case=case.name)):
                got, final = await run_case(service, case)
                test.assertEqual(got, case.expect, f"{case.name}: {final}")
                if case.check and final is not None:
                    case.check(test, final)
                await assert_healthy(test, service, bystander, rss_limit, case.name)
        except (AssertionError, asyncio.TimeoutError, OSError, websockets.WebSocketException) as e:
            if failures is None:
                raise
            failures.append(f"{case.name}: {type(e).__name__}: {str(e)[:600]}")


def text(message):
    return [message if isinstance(message, str) else dumps(message)]


def start(operation="probe", options=None, job_id=None, **input_fields):
    message = {"type": "start_job", "operation": operation, "input": {"source": "upload", **input_fields}}
    if options is not None:
        message["options"] = options
    if job_id is not None:
        message["job_id"] = job_id
    return message


def path_is(path):
    def check(test, message):
        paths = [d.get("path") for d in message.get("details", [])]
        test.assertIn(path, paths, message)
    return check


def binary_header(length, header=b"", payload=b""):
    return struct.pack(">I", length) + header + payload


# ---------------------------------------------------------------------------------------------
# The table


def json_cases():
    bad = ["{not json", "", " ", "{", "}", "[]", "[1,2]", "1", "-1", "null", "true", '"ping"',
           '{"type":"ping"', '{"type":"ping",}', "{'type':'ping'}", '{"type":"ping"}{"type":"ping"}',
           '{"type":"ping","x":NaN}', '{"type":"ping","x":Infinity}', '{"type":"ping","x":-Infinity}',
           '{"type":"ping","x":0x10}', '{"type":"ping","x":+1}', '{"type":"ping","x":undefined}', '{"type":"ping" "x":1}',
           '{"type":"ping",/*c*/"x":1}', '{"type":"ping","x":"\\u12"}',
           '{"type":"ping","x":tru}', '{"type":"ping","x":[1,]}', '{"type":"ping",,"x":1}',
           '{type:"ping"}', '{"type":"ping"]',
           "[" * 2000 + "]" * 2000, '{"type":"ping","x":' + "[" * 5000 + "]" * 5000 + "}",
           '{"type":"ping","x":' + '{"a":' * 3000 + "1" + "}" * 3000 + "}"]
    cases = [Case(f"json {i}: {s[:30]!r}", text(s), "INVALID_JSON") for i, s in enumerate(bad)]
    # Qt's parser is lenient with a few things strict JSON forbids (a number like `1.` or `.5`,
    # an unknown escape, a raw control character in a string). Harmless: what it makes of them
    # is then validated like any other value.
    cases += [Case("lenient number 1.", text('{"type":"ping","x":1.}'), "pong"),
              Case("lenient number .5", text('{"type":"ping","x":.5}'), "pong"),
              Case("lenient escape in type", text('{"type":"ping\\x"}'), "UNKNOWN_MESSAGE_TYPE"),
              Case("raw control character", text('{"type":"ping","x":"\x01"}'), "pong")]
    # Nesting within the parser's depth is still an ordinary message; unknown fields are ignored.
    cases.append(Case("json nested 200 deep in an unknown field", text('{"type":"ping","x":' + "[" * 200 + "]" * 200 + "}"),
                      "pong"))
    cases.append(Case("json 60 KB string in an unknown field", text({"type": "ping", "pad": "x" * 60000}), "pong"))
    cases.append(Case("json unknown top-level fields", text({"type": "ping", "a": 1, "b": [None], "__proto__": {}}), "pong"))
    cases.append(Case("json text over 64 KiB in one frame", text({"type": "ping", "pad": "x" * 70000}), "TOO_LARGE"))
    cases.append(Case("json text over 64 KiB in fragments", [["{\"type\":\"ping\",\"pad\":\"" + "x" * 30000,
                                                              "x" * 30000, "x" * 30000 + "\"}"]], "TOO_LARGE+close:1009"))
    return cases


def type_cases():
    cases = []
    for i, value in enumerate([None, 1, 0, True, [], {}, "", "PING", "ping ", " ping", "start_job\u0000", "x" * 60000,
                               "__proto__", "constructor", "Start_Job", "start-job", "hello\n"]):
        message = {"type": value} if value is not None else {"no_type": 1}
        cases.append(Case(f"type {i}: {str(value)[:20]!r}", text(message), "UNKNOWN_MESSAGE_TYPE"))
    for i, value in enumerate([5, None, [], {}, True, "r" * 65, 1.5]):
        cases.append(Case(f"request_id {i}: {str(value)[:20]!r}", text({"type": "ping", "request_id": value}),
                          "VALIDATION_ERROR", path_is("request_id")))
    cases.append(Case("request_id of 64 characters", text({"type": "ping", "request_id": "r" * 64}), "pong"))
    cases.append(Case("hello protocol 2", text({"type": "hello", "protocol": 2}), "VALIDATION_ERROR", path_is("protocol")))
    cases.append(Case("hello protocol '1'", text({"type": "hello", "protocol": "1"}), "VALIDATION_ERROR", path_is("protocol")))
    cases.append(Case("hello protocol 1e308", text({"type": "hello", "protocol": 1e308}), "VALIDATION_ERROR", path_is("protocol")))
    cases.append(Case("hello huge client name", text({"type": "hello", "protocol": 1, "client": "c" * 60000}), "welcome"))
    # start_job: every field with the wrong type.
    wrong = [
        ("operation number", {"type": "start_job", "operation": 5, "input": {"source": "upload"}}, "operation"),
        ("operation null", {"type": "start_job", "operation": None, "input": {"source": "upload"}}, "operation"),
        ("operation empty", {"type": "start_job", "operation": "", "input": {"source": "upload"}}, "operation"),
        ("operation shell", {"type": "start_job", "operation": "probe; rm -rf /", "input": {"source": "upload"}}, "operation"),
        ("operation missing", {"type": "start_job", "input": {"source": "upload"}}, "operation"),
        ("input string", {"type": "start_job", "operation": "probe", "input": "upload"}, "input"),
        ("input array", {"type": "start_job", "operation": "probe", "input": []}, "input"),
        ("input missing", {"type": "start_job", "operation": "probe"}, "input"),
        ("input empty object", {"type": "start_job", "operation": "probe", "input": {}}, "input.source"),
        ("input source file", start(source="file"), "input.source"),
        ("input source number", start(source=1), "input.source"),
        ("input unknown field", start(path="/etc/passwd"), "input.path"),
        ("input url on upload", start(url="http://127.0.0.1/"), "input.url"),
        ("url input without url", {"type": "start_job", "operation": "probe", "input": {"source": "url"}}, "input.url"),
        ("url input with size", {"type": "start_job", "operation": "probe",
                                 "input": {"source": "url", "url": "http://127.0.0.1/x", "size": 1}}, "input.size"),
        ("url number", {"type": "start_job", "operation": "probe", "input": {"source": "url", "url": 5}}, "input.url"),
        ("url relative path", {"type": "start_job", "operation": "probe", "input": {"source": "url", "url": "/etc/passwd"}}, "input.url"),
        ("size string", start(size="10"), "input.size"),
        ("size negative", start(size=-1), "input.size"),
        ("size fraction", start(size=1.5), "input.size"),
        ("filename number", start(filename=5), "input.filename"),
        ("filename 256 characters", start(filename="f" * 256), "input.filename"),
        ("filename 60 KB", start(filename="f" * 60000), "input.filename"),
        ("inputs on probe", {"type": "start_job", "operation": "probe", "input": {"source": "upload"},
                             "inputs": [{"source": "upload"}, {"source": "upload"}]}, "inputs"),
        ("concat inputs empty", {"type": "start_job", "operation": "concat", "inputs": []}, "inputs"),
        ("concat inputs 51", {"type": "start_job", "operation": "concat", "inputs": [{"source": "upload"}] * 51}, "inputs"),
        ("concat inputs mixed", {"type": "start_job", "operation": "concat",
                                 "inputs": [{"source": "upload"}, {"source": "url", "url": "http://127.0.0.1/a"}]}, "inputs[1].source"),
        ("options string", start(options="x"), "options"),
        ("options array", start(options=[]), "options"),
        ("options number", start(options=5), "options"),
        ("priority unknown", dict(start(), priority="urgent"), "priority"),
        ("priority number", dict(start(), priority=1), "priority"),
        ("detach string", dict(start(), detach="yes"), "detach"),
        ("detach number", dict(start(), detach=1), "detach"),
        ("job_id number", dict(start(), job_id=5), "job_id"),
        ("job_id array", dict(start(), job_id=["a"]), "job_id"),
        ("probe with an option", start(options={"x": 1}), "options.x"),
        ("compress unknown option", start("compress", {"speed": 1}), "options.speed"),
        ("5000 unknown options", start("compress", {f"o{i}": i for i in range(5000)}), "options.o0"),
        ("options nested 300 deep", start("compress", {"a": json.loads("[" * 300 + "]" * 300)}), "options.a"),
    ]
    for name, message, path in wrong:
        cases.append(Case(f"start_job {name}", text(message), "VALIDATION_ERROR", path_is(path)))
    cases.append(Case("start_job unknown top-level field is ignored", text(dict(start(), junk={"a": 1})), "ack"))
    # Queries with wrong types.
    for name, message, expect in [
        ("get_job without ids", {"type": "get_job"}, "VALIDATION_ERROR"),
        ("get_job job_id number", {"type": "get_job", "job_id": 5}, "VALIDATION_ERROR"),
        ("get_job id object", {"type": "get_job", "id": {}}, "VALIDATION_ERROR"),
        ("cancel_job without ids", {"type": "cancel_job"}, "VALIDATION_ERROR"),
        ("cancel_job id number", {"type": "cancel_job", "id": 5}, "VALIDATION_ERROR"),
        ("fetch_output without ids", {"type": "fetch_output"}, "VALIDATION_ERROR"),
        ("list_jobs limit string", {"type": "list_jobs", "limit": "10"}, "VALIDATION_ERROR"),
        ("list_jobs limit 0", {"type": "list_jobs", "limit": 0}, "VALIDATION_ERROR"),
        ("list_jobs limit 1001", {"type": "list_jobs", "limit": 1001}, "VALIDATION_ERROR"),
        ("list_jobs limit -1", {"type": "list_jobs", "limit": -1}, "VALIDATION_ERROR"),
        ("list_jobs limit 1e308", {"type": "list_jobs", "limit": 1e308}, "VALIDATION_ERROR"),
        ("list_jobs limit 2.5", {"type": "list_jobs", "limit": 2.5}, "VALIDATION_ERROR"),
        ("list_jobs states string", {"type": "list_jobs", "states": "queued"}, "VALIDATION_ERROR"),
        ("list_jobs states number", {"type": "list_jobs", "states": [1]}, "VALIDATION_ERROR"),
        ("list_jobs states unknown", {"type": "list_jobs", "states": ["../x"]}, "VALIDATION_ERROR"),
        ("list_jobs 10000 states", {"type": "list_jobs", "states": ["queued"] * 6000}, "jobs"),
        ("get_stats with junk", {"type": "get_stats", "x": [1] * 100}, "stats"),
    ]:
        cases.append(Case(name, text(message), expect))
    return cases


def number_cases():
    numbers = [
        ("compress", "crf", [-1, 52, 23.5, 1e308, -1e308, "23", True]),
        ("compress", "video_bitrate_kbps", [7, 200001, 2 ** 63, -(2 ** 63), 1e20]),
        ("compress", "max_width", [15, 7681, 16.5, 1e300, -16, 0]),
        ("speed", "speed_factor", [0, -1, 10.0001, 1e-320, 1e308, 0.2499, "2", None]),
        ("thumbnail", "count", [0, 21, 1e10, 2 ** 53 + 1, -0.0, 1.5]),
        ("thumbnail", "width", [15, 7681, 16.5, -1]),
        ("thumbnail", "timestamp", [-1, 86401, 1e308, -1e-9, "10"]),
        ("trim", "start_time", [-0.001, 86401, -1e308]),
        ("gif", "duration", [0, 30.0001, -1, 1e308]),
        ("gif", "fps", [0, 31, 2.5]),
        ("extract_audio", "bitrate_kbps", [7, 513, 1e9]),
        ("extract_audio", "sample_rate", [44101, 0, -44100, 1e12]),
        ("extract_subtitles", "subtitle_index", [100, -1, 0.5]),
        ("burn_subtitles", "subtitle_index", [100, -1]),
        ("concat", "file_count", [1, 51, 0, -2, 2.5, 1e9]),
    ]
    cases = []
    for operation, option, values in numbers:
        for value in values:
            options = {option: value}
            if operation == "gif" and option != "duration":
                options["duration"] = 1
            if operation == "speed" and value is None:
                options = {}
            cases.append(Case(f"{operation}.{option} = {value!r}", text(start(operation, options)),
                              "VALIDATION_ERROR", path_is(f"options.{option}")))
    more = [
        ("trim end before start", start("trim", {"start_time": 5, "end_time": 4}), "options.end_time"),
        ("trim end 0", start("trim", {"end_time": 0}), "options.end_time"),
        ("thumbnail tile 11 columns", start("thumbnail", {"tile": {"columns": 11, "rows": 1}}), "options.tile.columns"),
        ("thumbnail tile missing rows", start("thumbnail", {"tile": {"columns": 2}}), "options.tile.rows"),
        ("filter empty", start("filter", {"filters": []}), "options.filters"),
        ("filter 21 entries", start("filter", {"filters": [{"type": "grayscale"}] * 21}), "options.filters"),
        ("rotate 361", start("filter", {"filters": [{"type": "rotate", "angle": 361}]}), "options.filters[0].angle"),
        ("volume 21", start("filter", {"filters": [{"type": "volume", "volume": 21}]}), "options.filters[0].volume"),
        ("fps 241", start("filter", {"filters": [{"type": "fps", "fps": 241}]}), "options.filters[0].fps"),
        ("scale odd width", start("filter", {"filters": [{"type": "scale", "width": 17}]}), "options.filters[0].width"),
        ("crop negative x", start("filter", {"filters": [{"type": "crop", "width": 16, "height": 16, "x": -1}]}),
         "options.filters[0].x"),
        ("fade 3601", start("filter", {"filters": [{"type": "fade", "in_seconds": 3601}]}), "options.filters[0].in_seconds"),
    ]
    for name, message, path in more:
        cases.append(Case(name, text(message), "VALIDATION_ERROR", path_is(path)))
    return cases


def job_id_cases():
    bad = ["../etc/passwd", "a/b", "a\\b", "a\u0000b", "x" * 65, "", " ", "a b", "a\nb", "a\tb", "a\rb", "\u001b[31m",
           "\u007f", "é", "\U0001f4a5", "a;b", "a'b", 'a"b', "$(id)", "`id`", "%2e%2e%2f", "a|b", "a*b", "~root",
           "x" * 60000]
    cases = []
    for i, job_id in enumerate(bad):
        cases.append(Case(f"start_job job_id {i}: {job_id[:20]!r}", text(start(job_id=job_id)), "VALIDATION_ERROR",
                          path_is("job_id")))
        if i < 12:
            cases.append(Case(f"get_job job_id {i}: {job_id[:20]!r}", text({"type": "get_job", "job_id": job_id}),
                              "NOT_FOUND"))
            cases.append(Case(f"cancel_job job_id {i}: {job_id[:20]!r}", text({"type": "cancel_job", "job_id": job_id}),
                              "CANCEL_FAILED"))
            cases.append(Case(f"fetch_output id {i}: {job_id[:20]!r}", text({"type": "fetch_output", "id": job_id}),
                              "NOT_FOUND"))
            cases.append(Case(f"upload header job_id {i}: {job_id[:20]!r}",
                              [frame({"job_id": job_id, "filename": "x.mp4"}, b"data")], "NOT_FOUND"))
    # Names made only of the allowed characters are fine, whatever they look like: they never
    # become paths on the service.
    for job_id in ["..", ".", "x" * 64, "-rf", "a:b:c", "..:..", "CON"]:
        cases.append(Case(f"start_job job_id {job_id[:20]!r} is harmless", text(start(job_id=job_id)), "ack"))
    return cases


def injection_cases():
    tries = ["mp4;", "mp4,scale=1:1", "mp4[a]", "mp4'", "mp4\n", "-f", "/etc/passwd", "../x.mp4", "mp4 -y", "file:x",
             "pipe:1", "concat:a|b", "mp4\u0000", "mp4:x", "%s"]
    cases = []
    for i, value in enumerate(tries):
        cases.append(Case(f"convert target_format {i}: {value!r}", text(start("convert", {"target_format": value})),
                          "VALIDATION_ERROR", path_is("options.target_format")))
    for option, operation, values in [
        ("video_codec", "convert", ["h264;", "copy", "-c:v", "h264 -vf x", "rawvideo", "libx264,scale=2"]),
        ("audio_codec", "convert", ["aac,volume=2", "copy", "'aac'"]),
        ("format", "thumbnail", ["png'", "image2", "png,drawtext"]),
        ("format", "extract_audio", ["mp3 -f tee", "ffmetadata"]),
        ("format", "extract_subtitles", ["srt;", "../x"]),
        ("preset", "compress", ["medium;", "veryslow"]),
    ]:
        for value in values:
            options = {option: value}
            if operation == "convert" and option != "target_format":
                options["target_format"] = "mkv"
            cases.append(Case(f"{operation}.{option} = {value!r}", text(start(operation, options)), "VALIDATION_ERROR",
                              path_is(f"options.{option}")))
    for i, filter_type in enumerate(["scale;drawtext", "drawtext", "movie", "amovie", "subtitles", "sendcmd", "zmq",
                                     "scale,eq", "[in]scale", "Scale\n"]):
        cases.append(Case(f"filter type {i}: {filter_type!r}",
                          text(start("filter", {"filters": [{"type": filter_type, "width": 320}]})),
                          "VALIDATION_ERROR", path_is("options.filters[0].type")))
    for name, filt, path in [
        ("scale width as filter text", {"type": "scale", "width": "320:flags=x"}, "options.filters[0].width"),
        ("scale unknown parameter", {"type": "scale", "width": 320, "eval": "frame"}, "options.filters[0].eval"),
        ("flip direction injection", {"type": "flip", "direction": "h,vflip"}, "options.filters[0].direction"),
        ("rotate angle as expression", {"type": "rotate", "angle": "PI/2"}, "options.filters[0].angle"),
        ("volume as expression", {"type": "volume", "volume": "2;x"}, "options.filters[0].volume"),
    ]:
        cases.append(Case(f"filter {name}", text(start("filter", {"filters": [filt]})), "VALIDATION_ERROR", path_is(path)))
    return cases


def filename_cases(clip):
    """File names are display names only: the job runs and the output name is reduced to a safe
    set, whatever the client sent."""
    safe = re.compile(r"^[A-Za-z0-9._-]+$")

    def check(test, message):
        for output in message["outputs"]:
            test.assertRegex(output["filename"], safe)
            test.assertNotIn("/", output["filename"])
            test.assertNotIn(output["filename"], (".", ".."))

    cases = []
    for i, name in enumerate(["a;b.mp4", "x',[in]\n-y.mp4", "../../etc/passwd", "/etc/passwd", "-i.mp4", "file:x.mp4",
                              "concat:a|b.mp4", "subtitles=x.mp4", "..", "$(reboot).mp4"]):
        cases.append(Case(f"upload filename {i}: {name!r}",
                          [dumps(start("remove_audio", {}, job_id="fn", filename=name)),
                           frame({"job_id": "fn", "filename": name}, clip)], "completed", check))
    return cases


def disguised_cases(clip):
    loop = "http://127.0.0.1:9/x.ts"
    docs = {
        "hls": f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{loop}\n#EXT-X-ENDLIST\n",
        "hls local file": "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n/etc/passwd\n#EXT-X-ENDLIST\n",
        "hls master": f"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n{loop}\n",
        "ffconcat": "ffconcat version 1.0\nfile '/etc/passwd'\n",
        "ffconcat url": f"ffconcat version 1.0\nfile '{loop}'\n",
        "sdp": "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP 96\n"
               "a=rtpmap:96 H264/90000\n",
        "m3u paths": "/etc/passwd\n/etc/shadow\n",
        "m3u extended": f"#EXTM3U\n#EXTINF:-1,x\n{loop}\n",
        "pls": f"[playlist]\nFile1={loop}\nNumberOfEntries=1\nVersion=2\n",
        "smil": f'<smil><body><video src="{loop}"/></body></smil>\n',
        "asx": f'<asx version="3.0"><entry><ref href="{loop}"/></entry></asx>\n',
        "xspf": f'<?xml version="1.0"?><playlist version="1" xmlns="http://xspf.org/ns/0/"><trackList>'
                f'<track><location>{loop}</location></track></trackList></playlist>\n',
        "dash": f'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
                f'mediaPresentationDuration="PT1S"><Period><AdaptationSet><Representation id="1" bandwidth="1">'
                f'<BaseURL>{loop}</BaseURL></Representation></AdaptationSet></Period></MPD>\n',
        "url list": f"{loop}\n{loop}\n",
        "file url list": "file:/etc/passwd\n",
        "concat protocol": "concat:/etc/passwd|/etc/hosts\n",
        "plain text": "hello, this is not media\n" * 20,
        "random bytes": bytes((i * 7919 + 13) % 251 for i in range(4096)),
        "zeros": bytes(4096),
        "truncated mp4": clip[:700],
    }
    cases = []
    for name, body in docs.items():
        data = body.encode() if isinstance(body, str) else body
        cases.append(Case(f"{name} disguised as .mp4",
                          [dumps(start("probe", job_id="d", filename="clip.mp4")),
                           frame({"job_id": "d", "filename": "clip.mp4"}, data)], "UNSUPPORTED_INPUT"))
    hls = docs["hls"].encode()
    for operation, options in [("compress", {}), ("convert", {"target_format": "mkv"}), ("thumbnail", {}),
                               ("extract_audio", {}), ("remove_audio", {}), ("gif", {"duration": 1}),
                               ("trim", {"end_time": 1}), ("speed", {"speed_factor": 2})]:
        cases.append(Case(f"hls disguised as .mp4 for {operation}",
                          [dumps(start(operation, options, job_id="d", filename="clip.mp4")),
                           frame({"job_id": "d", "filename": "clip.mp4"}, hls)], "UNSUPPORTED_INPUT"))
    cases.append(Case("ffconcat disguised as the second concat input",
                      [dumps(start("concat", {"file_count": 2}, job_id="d")),
                       frame({"job_id": "d", "filename": "a.mp4", "index": 0}, clip),
                       frame({"job_id": "d", "filename": "b.mp4", "index": 1}, docs["ffconcat"].encode())],
                      "UNSUPPORTED_INPUT"))
    cases.append(Case("empty upload", [dumps(start("probe", job_id="e")), frame({"job_id": "e", "filename": "e.mp4"})],
                      "UNSUPPORTED_INPUT"))
    return cases


def binary_cases():
    cases = []
    for name, data in [
        ("empty binary message", b""),
        ("1 byte", b"\x00"),
        ("3 bytes", b"\x00\x00\x00"),
        ("header length 0", binary_header(0, b"", b"{}payload")),
        ("header length 0 alone", binary_header(0)),
        ("header length 1025", binary_header(1025, b"{" + b" " * 1023 + b"}")),
        ("header length 2^32-1", binary_header(2 ** 32 - 1, b'{"job_id":"x"}')),
        ("header length 2^31", binary_header(2 ** 31, b'{"job_id":"x"}')),
        ("header length past the message", binary_header(100, b'{"job_id":"x"}')),
        ("header null", binary_header(4, b"null")),
        ("header array", binary_header(2, b"[]")),
        ("header number", binary_header(1, b"1")),
        ("header string", binary_header(3, b'"x"')),
        ("header broken JSON", binary_header(4, b"{bad")),
        ("header not UTF-8", binary_header(4, b"\xff\xfe\xfd\xfc")),
        ("header with NUL", binary_header(3, b"{\x00}")),
        ("header nested deep", binary_header(1024, b"[" * 512 + b"]" * 512)),
        ("header without job", frame({"filename": "x.mp4"}, b"data")),
        ("header job_id number", frame({"job_id": 5}, b"data")),
        ("header id array", frame({"id": ["x"]}, b"data")),
    ]:
        cases.append(Case(f"binary {name}", [data], "INVALID_BINARY"))
    # Headers naming a job this connection started and that waits for its upload.
    pending = dumps(start("probe", job_id="up", size=1000))
    for name, header, expect in [
        ("index -1", {"job_id": "up", "index": -1}, "INVALID_BINARY"),
        ("index string", {"job_id": "up", "index": "0"}, "INVALID_BINARY"),
        ("index 2.5", {"job_id": "up", "index": 2.5}, "INVALID_BINARY"),
        ("index beyond the inputs", {"job_id": "up", "index": 5}, "INVALID_STATE"),
        ("offset without final", {"job_id": "up", "offset": 0}, "INVALID_BINARY"),
        ("final as string", {"job_id": "up", "offset": 0, "final": "true"}, "INVALID_BINARY"),
        ("offset as string", {"job_id": "up", "offset": "0", "final": False}, "INVALID_BINARY"),
        ("offset ahead", {"job_id": "up", "offset": 10, "final": False}, "BAD_OFFSET"),
        ("offset negative", {"job_id": "up", "offset": -1, "final": False}, "INVALID_BINARY"),
        ("offset 2^63", {"job_id": "up", "offset": 2 ** 63, "final": False}, "BAD_OFFSET"),
        ("more than the declared size", {"job_id": "up", "offset": 0, "final": False}, "TOO_LARGE"),
        ("final short of the declared size", {"job_id": "up", "offset": 0, "final": True}, "BINARY_ERROR"),
    ]:
        payload = b"z" * (2000 if "more than" in name else 10)
        cases.append(Case(f"upload {name}", [pending, frame(header, payload)], expect, hello=True))
    cases.append(Case("upload chunk over max_chunk_bytes", [pending.replace("1000", "200000"),
                                                           frame({"job_id": "up", "offset": 0, "final": False},
                                                                 b"c" * (64 * 1024 + 1))], "TOO_LARGE", hello=True))
    cases.append(Case("upload declared over max_file_bytes", text(start(size=2 ** 40)), "TOO_LARGE"))
    cases.append(Case("upload declared 2^63", text(start(size=2 ** 63)), "VALIDATION_ERROR"))
    cases.append(Case("binary message over the binary limit", [frame({"job_id": "x"}, b"b" * (3 * MIB))], "close:1009"))
    cases.append(Case("level 0 upload over max_file_bytes",
                      [dumps(start("probe", job_id="big")), frame({"job_id": "big"}, b"b" * (MIB + 1024))], "TOO_LARGE"))
    return cases


def ssrf_cases(port):
    loopback = [f"http://127.0.0.1:{port}/clip.mp4", f"http://localhost:{port}/clip.mp4", f"http://LOCALHOST:{port}/c.mp4",
                f"http://[::1]:{port}/c.mp4", f"http://[0:0:0:0:0:0:0:1]:{port}/c.mp4",
                f"http://2130706433:{port}/c.mp4", f"http://0x7f000001:{port}/c.mp4", f"http://0x7f.0.0.1:{port}/c.mp4",
                f"http://0177.0.0.1:{port}/c.mp4", f"http://017700000001:{port}/c.mp4", f"http://127.1:{port}/c.mp4",
                f"http://127.0.1:{port}/c.mp4", f"http://[::ffff:127.0.0.1]:{port}/c.mp4",
                f"http://[::ffff:7f00:1]:{port}/c.mp4", f"http://127.0.0.2:{port}/c.mp4",
                f"http://127.255.255.254:{port}/c.mp4", f"http://0.0.0.0:{port}/c.mp4", f"http://0:{port}/c.mp4",
                f"http://[::]:{port}/c.mp4", f"http://user:pw@127.0.0.1:{port}/c.mp4", f"HTTP://127.0.0.1:{port}/c.mp4",
                f"http://127.0.0.1:{port}/c.mp4?x=1#f", f"https://127.0.0.1:{port}/c.mp4",
                f"http://127.0.0.1:{port}/redirect?to=http://127.0.0.1:{port}/clip.mp4",
                f"http://localhost:{port}/redirect?to=http://[::1]:{port}/clip.mp4"]
    cases = [Case(f"ssrf {url}", text({"type": "start_job", "operation": "probe", "input": {"source": "url", "url": url}}),
                  "URL_NOT_ALLOWED") for url in loopback]
    # Spellings QUrl does not take as absolute URLs at all.
    for url in [f"http://%31%32%37.0.0.1:{port}/c.mp4", f"http://127.0.0.1:{port}/" + "a" * 8200, "127.0.0.1",
                f"//127.0.0.1:{port}/c.mp4"]:
        cases.append(Case(f"ssrf not a URL {url[:60]}",
                          text({"type": "start_job", "operation": "probe", "input": {"source": "url", "url": url}}),
                          "VALIDATION_ERROR", path_is("input.url")))
    for url in ["file:///etc/passwd", "file://localhost/etc/passwd", f"ftp://127.0.0.1:{port}/x",
                f"gopher://127.0.0.1:{port}/_x", "data:video/mp4;base64,AAAA", "javascript:alert(1)",
                f"ws://127.0.0.1:{port}/", f"dict://127.0.0.1:{port}/", f"tftp://127.0.0.1:{port}/x",
                "concat:http://127.0.0.1/x", "http://", f"http://127.0.0.1:0/x", "http:///x"]:
        cases.append(Case(f"ssrf scheme or form {url[:60]}",
                          text({"type": "start_job", "operation": "probe", "input": {"source": "url", "url": url}}),
                          "URL_NOT_ALLOWED"))
    return cases


# ---------------------------------------------------------------------------------------------
# The groups


class HostileGroup(unittest.TestCase):
    service_args = ()

    @classmethod
    def setUpClass(cls):
        cls.clip = read(make_video(seconds=1.0, size="160x120"))
        cls.service = Service("--jobs-per-minute", "0", "--max-chunk-size", "64K", "--max-file-size", "1M",
                              "--max-binary-message-size", "2M", "--max-concurrent-jobs", "1", *cls.service_args)
        cls.service.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    async def run_group(self, cases, token=None):
        self.assertGreater(len(cases), 0)
        bystander = Bystander(self.service, self.clip, token)
        await bystander.start()
        await run_table(self, self.service, cases, bystander)
        end = await bystander.finish()
        self.assertEqual(end["type"], "completed", end)
        self.assertEqual(end["result"]["streams"][0]["width"], 160)
        await assert_healthy(self, self.service, what="after the bystander finished")


def auth_cases():
    return [
        Case("no token: ping", text({"type": "ping"}), "UNAUTHORIZED+close:1008"),
        Case("no token: start_job", text(start()), "UNAUTHORIZED+close:1008"),
        Case("no token: binary upload", [frame({"job_id": "x"}, b"data")], "UNAUTHORIZED+close:1008"),
        Case("no token: invalid JSON", text("{nope"), "UNAUTHORIZED+close:1008"),
        Case("no token: a JSON array", text("[]"), "UNAUTHORIZED+close:1008"),
        Case("no token: bad request_id", text({"type": "ping", "request_id": 5}), "UNAUTHORIZED+close:1008"),
        Case("wrong token in hello", text({"type": "hello", "protocol": 1, "token": "w" * 30}), "UNAUTHORIZED+close:1008"),
        Case("token of 60 KB in hello", text({"type": "hello", "protocol": 1, "token": "w" * 60000}), "UNAUTHORIZED+close:1008"),
        Case("token number in hello", text({"type": "hello", "protocol": 1, "token": 5}), "UNAUTHORIZED+close:1008"),
        Case("token with NUL", text({"type": "hello", "protocol": 1, "token": CLIENT + "\u0000"}), "UNAUTHORIZED+close:1008"),
        Case("token prefix", text({"type": "hello", "protocol": 1, "token": CLIENT[:-1]}), "UNAUTHORIZED+close:1008"),
        Case("wrong header token", text({"type": "ping"}), "UNAUTHORIZED+close:1008", token="x" * 30),
        Case("client: subscribe", text({"type": "subscribe"}), "FORBIDDEN", token=CLIENT),
    ]


class HostileTable(unittest.TestCase):
    """The table, one service per group, the groups at once (each waits mostly on its own
    service, so together they take about as long as the longest). A failing case does not stop
    its group: every failure is listed at the end."""

    GROUPS = ("messages and types", "numbers and job ids", "injection", "disguised inputs", "binary frames",
              "server-side requests", "unauthenticated")

    @classmethod
    def setUpClass(cls):
        cls.clip = read(make_video(seconds=1.0, size="160x120"))
        cls.www = tempfile.mkdtemp(prefix="mediaforge-hostile-www-")
        shutil.copy(make_video(seconds=1.0, size="160x120"), os.path.join(cls.www, "clip.mp4"))
        cls.http = MediaHttpServer(cls.www).__enter__()
        tokens = tokens_file(cls.www, [f"admin {ADMIN} ops", f"client {CLIENT} alice"])
        cls.services = {}
        for group in cls.GROUPS:
            extra = ("--tokens-file", tokens) if group == "unauthenticated" else ()
            # No --allow-private-urls anywhere: the SSRF group must be refused before any request.
            cls.services[group] = Service("--jobs-per-minute", "0", "--max-chunk-size", "64K", "--max-file-size", "1M",
                                          "--max-binary-message-size", "2M", "--max-concurrent-jobs", "1", *extra)
            cls.services[group].__enter__()

    @classmethod
    def tearDownClass(cls):
        for service in cls.services.values():
            service.__exit__(None, None, None)
        cls.http.__exit__(None, None, None)
        shutil.rmtree(cls.www, ignore_errors=True)

    def cases(self, group):
        port = self.http.server.server_address[1]
        return {
            "messages and types": lambda: json_cases() + type_cases(),
            "numbers and job ids": lambda: number_cases() + job_id_cases(),
            "injection": lambda: injection_cases() + filename_cases(self.clip),
            "disguised inputs": lambda: disguised_cases(self.clip),
            "binary frames": binary_cases,
            "server-side requests": lambda: ssrf_cases(port),
            "unauthenticated": auth_cases,
        }[group]()

    async def run_group(self, group, failures):
        service = self.services[group]
        cases = self.cases(group)
        token = ADMIN if group == "unauthenticated" else None
        bystander = Bystander(service, self.clip, token)
        await bystander.start()
        await run_table(self, service, cases, bystander, failures=failures)
        try:
            end = await bystander.finish()
            self.assertEqual(end["type"], "completed", end)
            self.assertEqual(end["result"]["streams"][0]["width"], 160)
            await assert_healthy(self, service, what="after the bystander finished")
        except AssertionError as e:
            failures.append(f"{group}: the bystander: {e}")
        return len(cases)

    @async_test
    async def test_every_hostile_case_gets_its_typed_error_and_leaves_the_service_well(self):
        failures = []
        counts = await asyncio.gather(*(self.run_group(group, failures) for group in self.GROUPS))
        total = sum(counts)
        print(f"hostile table: {total} cases, {total - len(failures)} passed", file=sys.stderr)
        self.assertGreaterEqual(total, 200)
        # The SSRF group: not one request reached the loopback server.
        self.assertEqual(self.http.requests, [], "a URL input reached the loopback server")
        self.assertFalse(failures, f"{len(failures)} of {total} hostile cases failed:\n" + "\n".join(failures))


class PreAuthFrames(unittest.TestCase):
    """Default message limits (512 MiB binary) and a tokens file, as an operator runs it."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mediaforge-hostile-preauth-")
        cls.service = Service("--tokens-file", tokens_file(cls.dir, [f"client {CLIENT} alice"])).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)
        shutil.rmtree(cls.dir, ignore_errors=True)

    @async_test
    async def test_a_token_less_peer_cannot_make_the_service_buffer_a_huge_frame(self):
        # Issue 8, defect 2: before authentication the frame limit must be the small one, so a
        # big frame is refused on its header instead of being assembled in memory first.
        before = reset_peak(self.service)
        reader, writer = await asyncio.open_connection(*self.service.ws_url[5:].rstrip("/").rsplit(":", 1))
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        writer.write((f"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        self.assertIn(b" 101 ", head)
        size = 96 * MIB
        # A masked text frame header announcing 96 MiB, then the payload in pieces while the
        # service lets us write.
        writer.write(bytes([0x81, 0x80 | 127]) + struct.pack(">Q", size) + b"\x00\x00\x00\x00")
        sent = 0
        piece = b"a" * MIB
        try:
            while sent < size:
                writer.write(piece)
                await asyncio.wait_for(writer.drain(), 10)
                sent += len(piece)
        except (ConnectionError, asyncio.TimeoutError):
            pass    # the service stopped reading or closed: what it said is read below
        growth = self.service.peak_rss_bytes() - before
        answer = b""
        try:
            while len(answer) < 65536:
                piece = await asyncio.wait_for(reader.read(4096), 30)
                if not piece:
                    break
                answer += piece
        except (ConnectionError, asyncio.TimeoutError):
            pass
        writer.close()
        print(f"defect 2: a token-less 96 MiB frame grew peak RSS by {growth / MIB:.1f} MiB", file=sys.stderr)
        self.assertLess(growth, 32 * MIB, f"peak RSS grew by {growth / MIB:.0f} MiB for a token-less 96 MiB frame "
                                          f"({sent // MIB} MiB of it sent)")
        # UNAUTHORIZED, then a close frame (0x88) with code 1008 (0x03f0).
        self.assertIn(b"UNAUTHORIZED", answer)
        self.assertIn(b"\x88", answer)
        self.assertIn(b"\x03\xf0", answer[answer.index(b"\x88"):])
        await assert_healthy(self, self.service, what="after the big pre-auth frame")


class ResourceBounds(HostileGroup):
    """The cases of issue 8 that need a defect fixed: output pixel bounds (defect 4; the
    growing-GIF attack is bounded by ffmpeg's output-size limit, which the ffmpeg limit tests
    cover), the invalid-message counter and 1008 close (defect 8)."""

    @async_test
    async def test_output_pixel_bounds_are_refused_at_start_job(self):
        # Upload inputs that are never sent: if validation lets one through, it is cancelled
        # before it can run (the job would otherwise make a 16000x16000 sheet).
        cases = [
            Case("thumbnail tile 10x10 at 1600 px", text(start("thumbnail", {"tile": {"columns": 10, "rows": 10},
                                                                             "width": 1600})), "VALIDATION_ERROR"),
            Case("thumbnail tile 10x10 at 7680x7680", text(start("thumbnail", {"tile": {"columns": 10, "rows": 10},
                                                                               "width": 7680, "height": 7680})),
                 "VALIDATION_ERROR"),
            Case("thumbnail 7680x7680 single image", text(start("thumbnail", {"width": 7680, "height": 7680})),
                 "VALIDATION_ERROR"),
            Case("thumbnail tile 10x2 at 800 px cells", text(start("thumbnail", {"tile": {"columns": 10, "rows": 2},
                                                                                 "width": 800})), "VALIDATION_ERROR"),
        ]
        await self.run_group(cases)

    @async_test
    async def test_invalid_messages_close_the_connection_after_100_even_when_they_fail_validation(self):
        for name, bad in [("start_job", start("compress", {"crf": 99})), ("list_jobs", {"type": "list_jobs", "limit": 0}),
                          ("json", "{x")]:
            with self.subTest(kind=name):
                async with connect(self.service.ws_url) as ws:
                    payload = bad if isinstance(bad, str) else dumps(bad)
                    closed = None
                    try:
                        for _ in range(150):
                            await ws.send(payload)
                        while True:
                            await recv_any(ws, 30)
                    except websockets.ConnectionClosed as e:
                        closed = e.code
                    except asyncio.TimeoutError:
                        closed = "still open 30 s later"
                    self.assertEqual(closed, 1008, f"150 invalid {name} messages")
        await assert_healthy(self, self.service, what="after the invalid-message floods")


class DefaultLimits(unittest.TestCase):
    """Defects 1 and 3 of issue 8 with the default message and file limits."""

    @classmethod
    def setUpClass(cls):
        cls.service = Service("--jobs-per-minute", "0", "--retention", "60").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.service.__exit__(None, None, None)

    @async_test
    async def test_level0_fetch_output_flood_does_not_grow_memory(self):
        # Raw video in Matroska: big for little CPU, and remove_audio copies it unchanged.
        big = os.path.join(_WORK.name, "big.mkv")
        subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "testsrc2=size=320x240:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4",
                        "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", big], check=True)
        data = read(big)
        async with connect(self.service.ws_url) as owner:
            result = await level0_job(owner, start("remove_audio", {}, job_id="big", filename="big.mkv") | {"detach": True},
                                      [("big.mkv", data)])
            self.assertIsNotNone(result.completed, result.error)
            output_bytes = result.completed["outputs"][0]["size_bytes"]
            job = result.completed["id"]
        self.assertGreater(output_bytes, 8 * MIB)
        before = reset_peak(self.service)
        # A level 0 connection (no hello) asks for the output 20 times and never reads.
        flood = await connect(self.service.ws_url, max_queue=1, read_limit=2 ** 16)
        for _ in range(20):
            await flood.send(dumps({"type": "fetch_output", "id": job}))
        await asyncio.sleep(3)
        growth = self.service.peak_rss_bytes() - before
        flood.transport.abort()
        print(f"defect 1: 20 unread level 0 fetches of {output_bytes / MIB:.1f} MiB grew peak RSS by "
              f"{growth / MIB:.1f} MiB", file=sys.stderr)
        self.assertLess(growth, 6 * output_bytes,
                        f"20 unread level 0 fetches of a {output_bytes / MIB:.1f} MiB output grew peak RSS by "
                        f"{growth / MIB:.0f} MiB")
        status, body = self.service.health()
        self.assertEqual(status, 200, body)

    @async_test
    async def test_http_port_refuses_bodies_and_huge_headers_without_buffering(self):
        host, port = self.service.http_url[7:].rsplit(":", 1)
        before = reset_peak(self.service)

        def exchange(head, body_bytes):
            with socket.create_connection((host, int(port)), timeout=15) as s:
                try:
                    s.sendall(head)
                    chunk = b"p" * MIB
                    for _ in range(body_bytes // MIB):
                        s.sendall(chunk)
                except OSError:
                    pass
                try:
                    answer = s.recv(4096)
                except (socket.timeout, OSError):
                    answer = b""
            return answer.split(b"\r\n", 1)[0]

        body_status = await asyncio.to_thread(
            exchange, b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 314572800\r\n\r\n", 64 * MIB)
        header_status = await asyncio.to_thread(
            exchange, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"h" * (4 * MIB) + b"\r\n\r\n", 0)
        growth = self.service.peak_rss_bytes() - before
        print(f"defect 3: 64 MiB of a POST /health body and a 4 MiB header grew peak RSS by {growth / MIB:.1f} MiB",
              file=sys.stderr)
        self.assertIn(b" 413 ", body_status, "POST /health with a 300 MiB body")
        self.assertTrue(header_status == b"" or b" 431 " in header_status or b" 400 " in header_status, header_status)
        self.assertLess(growth, 48 * MIB, f"HTTP body and headers grew peak RSS by {growth / MIB:.0f} MiB")
        await assert_healthy(self, self.service, what="after the HTTP body and header attacks")

class MoreDefects(unittest.TestCase):
    """Defects 5, 6, 7 and 9 of issue 8 as the behaviour the issue asks for, each on a service
    of its own (they need their own limits)."""

    def tokens(self):
        directory = tempfile.mkdtemp(prefix="mediaforge-hostile-more-")
        self.addCleanup(shutil.rmtree, directory, True)
        return tokens_file(directory, [f"admin {ADMIN} ops", f"client {CLIENT} alice", f"client {CLIENT}-bob bob"])

    def exits(self, args, **kwargs):
        """Starts mediaforged (with a Service's command line and environment) and returns
        (exit code, stderr) if it stops by itself within 20 s; a service that starts and keeps
        running is stopped and reported as None."""
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
        try:
            _, err = process.communicate(timeout=20)
            return process.returncode, err.decode(errors="replace")
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return None, "it started and kept running"

    @async_test
    async def test_empty_chunks_do_not_count_as_upload_progress(self):
        with Service("--stall-seconds", "2") as service:
            async with connect(service.ws_url) as ws:
                await ws.send(dumps({"type": "hello", "protocol": 1}))
                await ws.send(dumps(start(job_id="drip", size=1000)))
                end = None
                for _ in range(60):      # an empty chunk every 0.5 s, for up to 30 s
                    await ws.send(frame({"job_id": "drip", "offset": 0, "final": False}))
                    try:
                        message = await recv_any(ws, 0.5)
                    except asyncio.TimeoutError:
                        continue
                    if isinstance(message, dict) and message.get("type") == "error":
                        end = message
                        break
                self.assertIsNotNone(end, "30 s of empty chunks kept the upload alive past --stall-seconds 2")
                self.assertEqual((end["code"], end["details"]["reason"]), ("TIMEOUT", "stalled"), end)
            await assert_healthy(self, service, what="after the empty-chunk upload")

    @async_test
    async def test_one_owner_cannot_fill_the_whole_queue(self):
        with Service("--tokens-file", self.tokens(), "--max-queued-jobs", "8", "--jobs-per-minute", "0") as service:
            alice = await connect(service.ws_url, extra_headers={"Authorization": f"Bearer {CLIENT}"})
            refused = None
            for i in range(8):
                await alice.send(dumps(start(job_id=f"a{i}") | {"request_id": f"r{i}"}))
                reply = await until_request(alice, f"r{i}")
                if reply["type"] == "error":
                    refused = reply
                    break
            self.assertIsNotNone(refused, "one owner took all 8 places of the queue")
            self.assertEqual(refused["code"], "QUEUE_FULL", refused)
            async with connect(service.ws_url, extra_headers={"Authorization": f"Bearer {CLIENT}-bob"}) as bob:
                await bob.send(dumps(start(job_id="b") | {"request_id": "b"}))
                self.assertEqual((await until_request(bob, "b"))["type"], "ack")
            await alice.close()

    @async_test
    async def test_a_second_instance_on_the_same_temp_dir_refuses_to_start_and_deletes_nothing(self):
        with Service() as first:
            async with connect(first.ws_url) as ws:
                await ws.send(dumps(start(job_id="live", size=100) | {"detach": True, "request_id": "l"}))
                self.assertEqual((await until_request(ws, "l"))["type"], "ack")
                live = first.job_dirs()
                self.assertEqual(len(live), 1)
                # The first one's own command line, on the same temp dir; anything else it
                # locks (a data dir) is swapped for a fresh one, so that only the temp dir is shared.
                second = list(first.args)
                if "--data-dir" in second:
                    second[second.index("--data-dir") + 1] = tempfile.mkdtemp(prefix="mediaforge-second-data-")
                code, err = await asyncio.to_thread(self.exits, second, env=first.env)
                self.assertEqual(code, 2, err)
                self.assertIn(first.work_dir, err)
                self.assertEqual(first.job_dirs(), live, "the second instance removed the first one's live job")

    @async_test
    async def test_an_output_file_that_vanished_is_a_404_not_an_empty_200(self):
        clip = read(make_video(seconds=1.0, size="160x120"))
        with Service("--retention", "60") as service:
            async with connect(service.ws_url) as ws:
                result = await level0_job(ws, start("remove_audio", {}, job_id="gone") | {"detach": True},
                                          [("clip.mp4", clip)])
                self.assertIsNotNone(result.completed, result.error)
            job = result.completed["id"]
            for root, _, files in os.walk(os.path.join(service.work_dir, f"job-{job}")):
                for name in files:
                    os.unlink(os.path.join(root, name))
            status, _, body = service.http_get(f"/jobs/{job}/output")
            self.assertEqual(status, 404, f"{status} with {len(body)} bytes")

    @async_test
    async def test_unauthenticated_sockets_cannot_take_every_connection_slot(self):
        with Service("--tokens-file", self.tokens(), "--max-connections", "40") as service:
            # The silent sockets come from another loopback address (127.0.0.2) than the
            # client that must still get in: a per-address cap is what keeps it out of reach.
            silent = []
            for _ in range(40):
                try:
                    silent.append(await connect(service.ws_url, local_addr=("127.0.0.2", 0)))
                except (OSError, websockets.WebSocketException):
                    pass
            try:
                async with connect(service.ws_url, extra_headers={"Authorization": f"Bearer {CLIENT}"}) as ws:
                    await ws.send(dumps({"type": "ping", "request_id": "p"}))
                    reply = await until_request(ws, "p")
                self.assertEqual(reply["type"], "pong")
            except websockets.ConnectionClosed as closed:
                self.fail(f"an authenticated client was refused ({closed.code}) while 40 token-less sockets waited")
            finally:
                for ws in silent:
                    ws.transport.abort()

    def test_max_connections_the_descriptor_limit_cannot_carry_is_refused(self):
        import resource

        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

        # A Service's command line (its own temp and data dirs), started by hand under the limit.
        service = Service("--max-connections", "5000")
        self.addCleanup(shutil.rmtree, service.temp_dir, True)
        code, err = self.exits(service.args, env=service.env, preexec_fn=low_limit)
        self.assertEqual(code, 2, err)
        self.assertIn("max-connections", err)


async def until_request(ws, request_id, timeout=30):
    while True:
        message = await recv_any(ws, timeout)
        if isinstance(message, dict) and message.get("request_id") == request_id:
            return message


if __name__ == "__main__":
    main()
