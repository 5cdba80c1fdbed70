"""Editors: the real yaml-language-server, given an exported schema by modeline, reports a bad field.

The test speaks the Language Server Protocol over stdio (JSON-RPC with Content-Length framing):
initialize, open a job spec that names its schema in a ``# yaml-language-server: $schema=``
modeline, and read the diagnostics the server publishes for it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import IO, Any

import pytest
from click.testing import CliRunner

from jobrun_contracts.cli.main import cli
from support import ROOT

SERVER = ROOT / "tests" / "js" / "node_modules" / ".bin" / "yaml-language-server"
pytestmark = pytest.mark.skipif(
    not SERVER.exists() or not shutil.which("node"),
    reason="yaml-language-server is not installed: npm ci --prefix tests/js",
)


def send(stream: IO[bytes], message: dict[str, Any]) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    stream.flush()


def receive(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    found: dict[str, Any] = json.loads(stream.read(length))
    return found


def diagnostics_for(spec: Path, timeout: float = 60) -> list[dict[str, Any]]:
    process = subprocess.Popen([str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    uri = spec.as_uri()
    try:
        send(process.stdin, {"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": spec.parent.as_uri(), "capabilities": {"workspace": {"configuration": True}},
        }})  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = receive(process.stdout)
            if message.get("id") == 1:
                break
        send(process.stdin, {"method": "initialized", "params": {}})
        settings = {"yaml": {"validate": True, "schemaStore": {"enable": False}}}
        send(process.stdin, {"method": "workspace/didChangeConfiguration", "params": {"settings": settings}})
        send(process.stdin, {"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": spec.read_text(),
        }}})  # fmt: skip
        while time.monotonic() < deadline:
            message = receive(process.stdout)
            if message.get("method") == "workspace/configuration":  # the server asks for its settings
                items = message["params"]["items"]
                send(process.stdin, {"id": message["id"], "result": [settings["yaml"] for _ in items]})
            elif message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                if message["params"]["diagnostics"]:
                    found: list[dict[str, Any]] = message["params"]["diagnostics"]
                    return found
            elif message == {}:
                break
        return []
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdin.close()
        process.stdout.close()


def test_yaml_language_server_reports_a_bad_field_through_the_exported_schema(tmp_path: Path) -> None:
    exported = CliRunner().invoke(cli, ["schema", "--catalog", str(tmp_path / "schemas")])
    assert exported.exit_code == 0, exported.output
    schema = tmp_path / "schemas" / "aws-emr-serverless.StartJobRun.request.json"
    spec = tmp_path / "nightly.emr-serverless.yaml"
    spec.write_text(
        f"# yaml-language-server: $schema={schema}\n"
        "applicationId: my_app\n"
        "executionRoleArn: arn:aws:iam::123456789012:role/EMRServerlessJobRole\n"
        "mode: batch\n"
    )
    found = diagnostics_for(spec)
    lines = {d["range"]["start"]["line"] for d in found}
    assert 1 in lines and 3 in lines, found  # applicationId's pattern and mode's enum, on their own lines
    assert any("BATCH" in d["message"] for d in found), found
    assert not any(d["range"]["start"]["line"] == 2 for d in found), found  # the good role ARN is not flagged
