# SPDX-License-Identifier: GPL-3.0-or-later
"""The hostile-input table of test_hostile.py: what each case sends and the exact answer it
must get. Data only; the runner and the checks after every case are in test_hostile.py."""

import json
import re
import struct

from harness import frame
from hostile_support import MIB, dumps

ADMIN = "hostile-admin-token-0123456789"
CLIENT = "hostile-client-token-012345678"


class Case:
    """What a case sends on a fresh connection and what it must get back.

    `expect` is an error code (`VALIDATION_ERROR`), a reply type (`pong`, `ack`, `completed`),
    or `close:CODE` for a connection the service must close. `check` looks at the final message."""

    def __init__(self, name, send, expect, check=None, hello=False, token=None, timeout=60):
        self.name, self.send, self.expect, self.check = name, send, expect, check
        self.then_close = "+close:" in expect
        self.hello, self.token, self.timeout = hello, token, timeout



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
    # Webhooks are level 1: a level 0 request keeps meaning what it always meant.
    cases.append(Case("start_job level 0 notify_url is ignored", text(dict(start(), notify_url=5, notify_events=[1])), "ack"))
    for name, message, path in [
        ("notify_url number", dict(start(), notify_url=5), "notify_url"),
        ("notify_url 10000 characters", dict(start(), notify_url="http://x.example/" + "a" * 10000), "notify_url"),
        ("notify_url ftp", dict(start(), notify_url="ftp://x.example/"), "notify_url"),
        ("notify_events without notify_url", dict(start(), notify_events="all"), "notify_events"),
        ("notify_events unknown state", dict(start(), notify_url="http://x.example/", notify_events=["../x"]),
         "notify_events"),
        ("notify_events 100 states", dict(start(), notify_url="http://x.example/", notify_events=["queued"] * 100),
         "notify_events"),
    ]:
        cases.append(Case(f"start_job {name}", text(message), "VALIDATION_ERROR", path_is(path), hello=True))
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
        ("list_nodes with junk", {"type": "list_nodes", "x": [1] * 100}, "nodes"),
        ("drain_node without node", {"type": "drain_node"}, "VALIDATION_ERROR"),
        ("drain_node node number", {"type": "drain_node", "node": 7}, "VALIDATION_ERROR"),
        ("drain_node node path", {"type": "drain_node", "node": "../x"}, "VALIDATION_ERROR"),
        ("drain_node node of 64 chars", {"type": "drain_node", "node": "n" * 64}, "VALIDATION_ERROR"),
        ("drain_node node of 10 KB", {"type": "drain_node", "node": "n" * 10000}, "VALIDATION_ERROR"),
        ("drain_node unknown node", {"type": "drain_node", "node": "no-such-node", "x": [1] * 100}, "NOT_FOUND"),
        ("resume_node node array", {"type": "resume_node", "node": ["a"]}, "VALIDATION_ERROR"),
        ("redeliver without ids", {"type": "redeliver"}, "VALIDATION_ERROR"),
        ("redeliver delivery_id number", {"type": "redeliver", "delivery_id": 5}, "VALIDATION_ERROR"),
        ("redeliver delivery_id 10000 characters", {"type": "redeliver", "delivery_id": "w" * 10000},
         "VALIDATION_ERROR"),
        ("redeliver unknown delivery", {"type": "redeliver", "delivery_id": "whd_unknown"}, "NOT_FOUND"),
        ("list_presets with junk", {"type": "list_presets", "x": [1] * 100}, "presets"),
        ("start_job unknown preset", {"type": "start_job", "preset": "../web", "input": {"source": "upload"}}, "VALIDATION_ERROR"),
        ("start_job preset number", {"type": "start_job", "preset": 7, "input": {"source": "upload"}}, "VALIDATION_ERROR"),
        ("start_job preset with foreign option", {"type": "start_job", "preset": "web-720p", "input": {"source": "upload"},
                                                  "options": {"max_width": 7680}}, "VALIDATION_ERROR"),
        ("start_job preset crf 1e308", {"type": "start_job", "preset": "web-720p", "input": {"source": "upload"},
                                        "options": {"crf": 1e308}}, "VALIDATION_ERROR"),
        ("start_job preset options array", {"type": "start_job", "preset": "poster", "input": {"source": "upload"},
                                            "options": [1]}, "VALIDATION_ERROR"),
        ("start_job preset other operation", {"type": "start_job", "preset": "poster", "operation": "gif",
                                              "input": {"source": "upload"}}, "VALIDATION_ERROR"),
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
            # attach (issue 9) resolves the id the way get_job does, whoever asks.
            cases.append(Case(f"attach job_id {i}: {job_id[:20]!r}", text({"type": "attach", "job_id": job_id}),
                              "NOT_FOUND", hello=True))
    for i, value in enumerate([1, 1.5, True, None, [], {}, {"k": "v"}]):
        cases.append(Case(f"attach job_id of type {type(value).__name__} {i}",
                          text({"type": "attach", "job_id": value}), "VALIDATION_ERROR", path_is("job_id"), hello=True))
    cases.append(Case("attach without hello", text({"type": "attach", "job_id": "no-such-job"}), "NOT_FOUND"))
    # idempotency_key (issue 9): 8 to 128 of [A-Za-z0-9_.:-], a string.
    for i, key in enumerate(["short", "k" * 129, "a b c d e f", "key/../../x", "key\u0000nul00", "ключ-ключ-ключ",
                             "$(id)-$(id)", 12345678, None, ["abcdefgh"], {"k": "abcdefgh"}, True]):
        message = dict(start(), idempotency_key=key)
        cases.append(Case(f"start_job idempotency_key {i}: {str(key)[:20]!r}", text(message), "VALIDATION_ERROR",
                          path_is("idempotency_key"), hello=True))
    cases.append(Case("start_job idempotency_key of 128 allowed characters", text(dict(start(), idempotency_key="K." * 64)),
                      "ack", hello=True))
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
                "concat:http://127.0.0.1/x", "http://", "http://127.0.0.1:0/x", "http:///x"]:
        cases.append(Case(f"ssrf scheme or form {url[:60]}",
                          text({"type": "start_job", "operation": "probe", "input": {"source": "url", "url": url}}),
                          "URL_NOT_ALLOWED"))
    return cases


def batch_cases(port):
    """start_batch, get_batch and cancel_batch (level 1). Every refusal is whole: no case here
    may leave a job directory or an ffmpeg behind (the health check after each case)."""
    url = {"source": "url", "url": "https://media.example/a.mp4"}
    item = {"input": url, "operation": "probe"}

    def batch(**fields):
        return {"type": "start_batch", **fields}

    def item_of_batch(test, message):
        test.assertRegex(message.get("job_id", ""), r"^batch-[0-9a-f]{12}:[01]$", message)

    wrong = [
        ("neither items nor inputs", batch(), "items"),
        ("items a string", batch(items="a.mp4"), "items"),
        ("items an object", batch(items={"0": item}), "items"),
        ("items empty", batch(items=[]), "items"),
        ("items 101", batch(items=[item] * 101), "items"),
        ("inputs 101", batch(operation="probe", inputs=[url] * 101), "inputs"),
        ("inputs empty", batch(operation="probe", inputs=[]), "inputs"),
        ("items and inputs", batch(items=[item], inputs=[url], operation="probe"), "items"),
        ("item a number", batch(items=[5]), "items[0]"),
        ("item null", batch(items=[None]), "items[0]"),
        ("item an array", batch(items=[[item]]), "items[0]"),
        ("item unknown field", batch(items=[{**item, "path": "/etc/passwd"}]), "items[0].path"),
        ("item without input", batch(items=[{"operation": "probe"}]), "items[0].input"),
        ("item without operation", batch(items=[{"input": url}]), "items[0].operation"),
        ("item operation shell", batch(items=[{"input": url, "operation": "probe; rm -rf /"}]), "items[0].operation"),
        ("item unknown preset", batch(items=[{"input": url, "preset": "../../etc/passwd"}]), "items[0].preset"),
        ("item upload input", batch(items=[{"input": {"source": "upload"}, "operation": "probe"}]), "items[0].input.source"),
        ("item file input", batch(items=[{"input": {"source": "file", "path": "/etc/passwd"}, "operation": "probe"}]),
         "items[0].input.source"),
        ("item bad option, second", batch(items=[item, {"input": url, "operation": "compress", "options": {"crf": 1000}}]),
         "items[1].options.crf"),
        ("input not a URL", batch(operation="probe", inputs=[url, {"source": "url", "url": "/etc/passwd"}]), "inputs[1].url"),
        ("operation beside items", batch(items=[item], operation="probe"), "operation"),
        ("batch_id with colon", batch(batch_id="a:0", items=[item]), "batch_id"),
        ("batch_id traversal", batch(batch_id="../x", items=[item]), "batch_id"),
        ("batch_id 57 characters", batch(batch_id="b" * 57, items=[item]), "batch_id"),
        ("batch_id number", batch(batch_id=7, items=[item]), "batch_id"),
        ("batch_id empty", batch(batch_id="", items=[item]), "batch_id"),
        ("job_id on a batch", batch(job_id="j", items=[item]), "job_id"),
        ("idempotency_key on a batch", batch(idempotency_key="k", items=[item]), "idempotency_key"),
        ("output_targets on a batch", batch(output_targets=[{"upload_url": "https://x.example/o"}], items=[item]),
         "output_targets"),
        ("priority unknown", batch(priority="urgent", items=[item]), "priority"),
        ("detach a string", batch(detach="yes", items=[item]), "detach"),
        ("cache a number", batch(cache=0, items=[item]), "cache"),
        ("notify_url file", batch(notify_url="file:///etc/passwd", items=[item]), "notify_url"),
        ("notify_events without url", batch(notify_events="final", items=[item]), "notify_events"),
        ("notify_events all", batch(notify_url="https://hooks.example/x", notify_events="all", items=[item]),
         "notify_events"),
    ]
    cases = [Case(f"batch {name}", text(message), "VALIDATION_ERROR", path_is(path), hello=True)
             for name, message, path in wrong]
    cases += [
        Case("batch on level 0", text(batch(items=[item])), "VALIDATION_ERROR", path_is("type")),
        Case("batch over the text limit", text(batch(items=[item] * 2000)), "TOO_LARGE", hello=True),
        # Accepted whole (the address is checked when the item's download starts, as for a
        # single job); each item then fails on its own, before any request leaves.
        Case("batch with loopback inputs", text(batch(operation="probe", inputs=[
            {"source": "url", "url": f"http://127.0.0.1:{port}/clip.mp4"},
            {"source": "url", "url": f"http://[::1]:{port}/clip.mp4"}])), "URL_NOT_ALLOWED", item_of_batch, hello=True),
        Case("batch notify_url on loopback", text(batch(notify_url=f"http://127.0.0.1:{port}/hook", items=[item])),
             "URL_NOT_ALLOWED", hello=True),
        Case("get_batch unknown", text({"type": "get_batch", "batch_id": "no-such-batch"}), "NOT_FOUND", hello=True),
        Case("get_batch number", text({"type": "get_batch", "batch_id": 5}), "VALIDATION_ERROR", hello=True),
        Case("get_batch nothing", text({"type": "get_batch"}), "VALIDATION_ERROR", hello=True),
        Case("cancel_batch unknown", text({"type": "cancel_batch", "batch_id": "no-such-batch"}), "CANCEL_FAILED",
             hello=True),
        Case("get_batch traversal", text({"type": "get_batch", "batch_id": "../../x"}), "NOT_FOUND", hello=True),
        Case("cancel_batch traversal", text({"type": "cancel_batch", "batch_id": "../../x"}), "CANCEL_FAILED",
             hello=True),
    ]
    return cases


# ---------------------------------------------------------------------------------------------
# The groups


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
        Case("client: list_nodes", text({"type": "list_nodes"}), "FORBIDDEN", token=CLIENT),
        Case("client: drain_node", text({"type": "drain_node", "node": "no-such-node"}), "FORBIDDEN", token=CLIENT),
        Case("client: resume_node", text({"type": "resume_node", "node": "no-such-node"}), "FORBIDDEN", token=CLIENT),
        Case("client: redeliver", text({"type": "redeliver", "delivery_id": "whd_unknown"}), "FORBIDDEN", token=CLIENT),
    ]
