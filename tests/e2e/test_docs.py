# SPDX-License-Identifier: GPL-3.0-or-later
"""The documentation names everything the code puts on the wire.

Reads the wire names from the sources (shared/protocol.h, shared/errorcode.cpp, the operation
table, the configuration table, the metrics) and checks that docs/asyncapi.yaml (an AsyncAPI
3.0 document) and docs/protocol.md describe each of them, so that a message type, error code,
operation, setting or metric added to the code without documentation fails this test.

Needs only the standard library and PyYAML (Debian: python3-yaml). The repository root is
$MEDIAFORGE_SOURCE_DIR, or two levels above this file.
"""

import os
import pathlib
import re
import unittest

try:
    import yaml
except ImportError:  # pragma: no cover - reported as a failure below
    yaml = None

ROOT = pathlib.Path(os.environ.get("MEDIAFORGE_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[2])


def read(relative):
    return (ROOT / relative).read_text(encoding="utf-8")


def message_types():
    """Names in `namespace Type { ... }` of shared/protocol.h."""
    header = read("shared/protocol.h")
    block = re.search(r"namespace\s+Type\s*\{(.*?)\}\s*//\s*namespace\s+Type", header, re.S)
    assert block, "shared/protocol.h has no `namespace Type { ... } // namespace Type` block"
    names = re.findall(r'QLatin1StringView\s+\w+\s*\{\s*"([a-z_]+)"\s*\}', block.group(1))
    assert names, "no message type names found in shared/protocol.h"
    return names


def error_codes():
    source = read("shared/errorcode.cpp")
    codes = re.findall(r'CodeName\s*\{\s*ErrorCode::\w+\s*,\s*"([A-Z_]+)"\s*\}', source)
    assert codes, "no error codes found in shared/errorcode.cpp"
    return codes


def operation_names():
    """From the name table in shared/operations.cpp; before that file exists, from the enum."""
    table = ROOT / "shared" / "operations.cpp"
    if table.exists():
        names = re.findall(r'Operation::\w+\s*,\s*QLatin1StringView\(\s*"([a-z_]+)"\s*\)', table.read_text(encoding="utf-8"))
        if names:
            return names
    header = read("shared/operations.h")
    block = re.search(r"enum\s+class\s+Operation\s*\{(.*?)\}", header, re.S)
    assert block, "shared/operations.h has no `enum class Operation`"
    members = re.findall(r"\b([A-Z][A-Za-z0-9]*)\b", block.group(1))
    return [re.sub(r"(?<!^)(?=[A-Z])", "_", member).lower() for member in members]


def settings():
    """(flag, environment variable) of every setting in service/config/config.cpp."""
    source = read("service/config/config.cpp")
    found = re.findall(r'list\.append\(\{\s*QStringLiteral\("([a-z0-9-]+)"\)\s*,\s*QStringLiteral\("(MEDIAFORGE_[A-Z0-9_]+)"\)',
                       source)
    assert found, "no settings found in service/config/config.cpp"
    return found


def metric_names():
    source = read("service/server/metrics.cpp")
    names = re.findall(r'header\(\s*"([a-z_]+)"', source)
    assert names, "no metrics found in service/server/metrics.cpp"
    return names


def camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


class AsyncApiDocument(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if yaml is None:
            raise AssertionError("PyYAML is missing: install the Debian package python3-yaml")
        with open(ROOT / "docs" / "asyncapi.yaml", encoding="utf-8") as f:
            cls.doc = yaml.safe_load(f)
        cls.components = cls.doc.get("components", {})
        cls.schemas = cls.components.get("schemas", {})
        cls.messages = cls.components.get("messages", {})

    def payload_types(self):
        """The `type` constant of every text message payload (following allOf and $ref)."""
        types = set()

        def resolve(node):
            while isinstance(node, dict) and "$ref" in node:
                ref = node["$ref"]
                self.assertTrue(ref.startswith("#/components/schemas/"), ref)
                node = self.schemas[ref.rsplit("/", 1)[1]]
            return node

        def collect(node):
            node = resolve(node)
            if not isinstance(node, dict):
                return
            constant = node.get("properties", {}).get("type", {})
            if isinstance(constant, dict) and "const" in constant:
                types.add(constant["const"])
            for part in node.get("allOf", []):
                collect(part)

        for message in self.messages.values():
            collect(message.get("payload", {}))
        return types

    def test_is_asyncapi_3_0(self):
        self.assertTrue(str(self.doc.get("asyncapi", "")).startswith("3.0"), self.doc.get("asyncapi"))
        for key in ("info", "servers", "channels", "operations", "components"):
            self.assertIn(key, self.doc)

    def test_version_matches_the_project(self):
        version = re.search(r"project\(\s*Mediaforge\s+VERSION\s+([0-9.]+)", read("CMakeLists.txt"))
        self.assertIsNotNone(version, "no project version in CMakeLists.txt")
        self.assertEqual(str(self.doc["info"]["version"]), version.group(1))

    def test_every_message_type_is_described(self):
        described = self.payload_types()
        missing = [name for name in message_types() if name not in described]
        self.assertEqual(missing, [], "message types of shared/protocol.h without a message in docs/asyncapi.yaml")

    def test_no_message_type_that_the_code_does_not_know(self):
        known = set(message_types())
        stale = sorted(name for name in self.payload_types() if name not in known)
        self.assertEqual(stale, [], "docs/asyncapi.yaml describes message types shared/protocol.h does not have")

    def test_every_message_is_used_by_an_operation(self):
        channel = self.doc["channels"]["root"]["messages"]
        used = set()
        for operation in self.doc["operations"].values():
            for ref in operation.get("messages", []):
                used.add(ref["$ref"].rsplit("/", 1)[1])
            self.assertIn(operation["action"], ("send", "receive"))
        self.assertEqual(sorted(set(channel) - used), [], "channel messages no operation sends or receives")

    def test_error_codes_are_the_codes_of_the_service(self):
        enum = self.schemas["ErrorCode"]["enum"]
        self.assertEqual(sorted(enum), sorted(error_codes()),
                         "the ErrorCode enum of docs/asyncapi.yaml differs from shared/errorcode.cpp")

    def test_operations_and_their_options(self):
        enum = self.schemas["OperationName"]["enum"]
        self.assertEqual(sorted(enum), sorted(operation_names()))
        for name in operation_names():
            self.assertIn(camel(name) + "Options", self.schemas, f"no options schema for {name}")

    def test_levels_are_tagged(self):
        tags = {tag["name"] for tag in self.doc["info"].get("tags", [])}
        self.assertTrue({"level0", "level1"} <= tags, tags)
        for name, message in self.messages.items():
            message_tags = {tag["name"] for tag in message.get("tags", [])}
            self.assertTrue(message_tags & {"level0", "level1"}, f"message {name} has no level tag")

    def test_binary_messages_are_octet_streams(self):
        binary = [m for m in self.messages.values() if m.get("contentType") == "application/octet-stream"]
        self.assertEqual(len(binary), 4, "upload and output messages, whole and chunked")
        for message in binary:
            self.assertIn("binary", {tag["name"] for tag in message.get("tags", [])})

    def test_security_schemes(self):
        schemes = self.components.get("securitySchemes", {})
        kinds = {(s.get("type"), s.get("scheme") or s.get("in")) for s in schemes.values()}
        self.assertIn(("http", "bearer"), kinds)
        self.assertIn(("httpApiKey", "query"), kinds)


class ProtocolGuide(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = read("docs/protocol.md")

    def test_every_message_type_is_documented(self):
        missing = [name for name in message_types() if f"`{name}`" not in self.text and f"### {name}" not in self.text]
        self.assertEqual(missing, [], "message types of shared/protocol.h missing from docs/protocol.md")

    def test_every_error_code_is_documented(self):
        missing = [code for code in error_codes() if f"`{code}`" not in self.text]
        self.assertEqual(missing, [], "error codes missing from docs/protocol.md")

    def test_every_operation_has_a_section(self):
        headings = set(re.findall(r"^###\s+[\d.]*\s*([a-z_]+)\s*$", self.text, re.M))
        missing = [name for name in operation_names() if name not in headings]
        self.assertEqual(missing, [], "operations without a section in docs/protocol.md")

    def test_python_examples_compile(self):
        blocks = re.findall(r"```python\n(.*?)```", self.text, re.S)
        self.assertGreaterEqual(len(blocks), 2, "the level 0 and level 1 client examples")
        for number, block in enumerate(blocks):
            compile(block, f"docs/protocol.md python block {number}", "exec")


class OperatorGuide(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = read("docs/operations.md")

    def test_every_setting_is_documented(self):
        missing = [f"--{flag} / {env}" for flag, env in settings()
                   if f"--{flag}" not in self.text or env not in self.text]
        self.assertEqual(missing, [], "settings of service/config/config.cpp missing from docs/operations.md")

    def test_every_metric_is_documented(self):
        missing = [name for name in metric_names() if name not in self.text]
        self.assertEqual(missing, [], "metrics missing from docs/operations.md")

    def test_example_environment_names_real_settings(self):
        known = {env for _, env in settings()}
        example = read("resources/mediaforged.example.env")
        used = set(re.findall(r"^#?\s*(MEDIAFORGE_[A-Z0-9_]+)=", example, re.M))
        self.assertTrue(used, "resources/mediaforged.example.env names no setting")
        self.assertEqual(sorted(used - known), [], "unknown settings in resources/mediaforged.example.env")


if __name__ == "__main__":
    unittest.main(verbosity=2)
