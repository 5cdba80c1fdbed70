"""``jobrun-contracts validate`` as a subprocess: exit codes, formats, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from .conftest import Run


def test_valid_file_exits_0(run: Run, spec_dir: Path) -> None:
    result = run("validate", str(spec_dir / "good.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "1 document(s) checked: 1 valid, 0 invalid, 0 not checked"


def test_invalid_file_exits_1_and_names_file_line_and_field(run: Run, spec_dir: Path) -> None:
    result = run("validate", str(spec_dir))
    assert result.returncode == 1
    bad = str(spec_dir / "bad.json")
    assert f'{bad}:2: /applicationId: applicationId "my_app" does not match the pattern [0-9a-z]+' in result.stdout
    assert f'{bad}:4: /mode: mode is "batch"; must be one of BATCH, STREAMING' in result.stdout
    assert "source: shared/docs/aws-emr-serverless/StartJobRun.txt#applicationId" in result.stdout
    assert result.stdout.rstrip().endswith("2 document(s) checked: 1 valid, 1 invalid, 0 not checked")
    assert result.stderr == ""


def test_json_format(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--format", "json", str(spec_dir))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert files["good.yaml"]["valid"] is True and files["good.yaml"]["violations"] == []
    violations = files["bad.json"]["violations"]
    assert [(v["pointer"], v["keyword"], v["line"]) for v in violations] == [
        ("/applicationId", "pattern", 2),
        ("/mode", "enum", 4),
    ]
    assert all(v["message"] and v["source"] for v in violations)
    assert files["bad.json"]["document"] == 1 and files["bad.json"]["api"] == "aws-emr-serverless"
    assert report["summary"] == {"documents": 2, "valid": 1, "invalid": 1, "errors": 0}


def test_github_format(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--format", "github", str(spec_dir / "bad.json"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"::error file={spec_dir / 'bad.json'},line=2,title=/applicationId pattern::")


def test_junit_format(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--format", "junit", str(spec_dir))
    assert result.returncode == 1
    suite = ElementTree.fromstring(result.stdout.split("?>", 1)[1])
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failures = suite.findall("testcase/failure")
    assert len(failures) == 1 and "/applicationId" in (failures[0].text or "")


def test_stdin(run: Run) -> None:
    result = run("validate", "--api", "aws-emr-containers", "-", stdin='{"virtualClusterId": "abc"}')
    assert result.returncode == 0, result.stdout


def test_wire_mode_requires_the_client_token(run: Run, spec_dir: Path) -> None:
    assert run("validate", str(spec_dir / "good.yaml")).returncode == 0
    wire = run("validate", "--wire", "--format", "json", str(spec_dir / "good.yaml"))
    assert wire.returncode == 1
    (entry,) = json.loads(wire.stdout)["files"]
    assert [(v["pointer"], v["keyword"]) for v in entry["violations"]] == [("/clientToken", "required")]


def test_response_and_operation(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"jobRunId": "jr-1", "requestId": "x", "extra": true}')
    args = ("validate", "--api", "alibaba-emr-serverless-spark", "--response")
    assert run(*args, str(path)).returncode == 0
    assert run(*args, "--strict", str(path)).returncode == 1


def test_api_cannot_be_told(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"name": "job"}')
    result = run("validate", str(path))
    assert result.returncode == 2
    assert "cannot tell which API" in result.stdout and "pass --api" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("validate", "--api", "aws-emr", "x.json"), "Invalid value for '--api'"),
        (
            ("validate", "--api", "aws-emr-serverless", "--operation", "GetJobRuns", "x.json"),
            "did you mean 'GetJobRun'",
        ),
        (("validate", "--format", "xml", "x.json"), "Invalid value for '--format'"),
        (("validate",), "Missing argument"),
    ],
)
def test_usage_errors_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("malformed.json", '{"applicationId": ', "invalid JSON"),
        ("malformed.yaml", "a: [\n", "invalid YAML"),
        ("latin1.json", b'{"name": "caf\xe9"}', "not UTF-8"),
        ("empty.yaml", "", "empty document"),
        ("dup.yaml", "applicationId: a\napplicationId: b\n", "duplicate key 'applicationId'"),
        ("tag.yaml", "applicationId: !!python/object/apply:os.system [echo]\n", "YAML tag"),
        ("deep.json", "[" * 5000 + "]" * 5000, "nested deeper"),
        (
            "bomb.yaml",
            "a: &a [x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
                for p, c in zip("abcdefghi", "bcdefghij", strict=True)
            ),
            "alias bomb",
        ),
    ],
)
def test_bad_input_exits_2_and_other_files_are_still_checked(
    run: Run, spec_dir: Path, name: str, content: str | bytes, message: str
) -> None:
    path = spec_dir / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run("validate", str(spec_dir))
    assert result.returncode == 2
    assert f"{path}" in result.stdout and message in result.stdout
    assert "/applicationId" in result.stdout  # bad.json was still checked
    assert "Traceback" not in result.stdout + result.stderr
    assert "3 document(s) checked: 1 valid, 1 invalid, 1 not checked" in result.stdout


def test_missing_file_exits_2(run: Run, tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "no such file" in result.stdout


def test_file_over_the_size_limit(run: Run, spec_dir: Path) -> None:
    result = run("validate", "--max-bytes", "100", str(spec_dir / "bad.json"))
    assert result.returncode == 2 and "larger than the 100-byte limit" in result.stdout
