"""``jobrun-contracts generate``: JSON Lines, reproducible by seed, valid or labelled invalid."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jobrun_contracts import validate
from support import Run


def test_same_seed_same_bytes(run: Run) -> None:
    args = ("generate", "--api", "aws-emr-serverless", "--count", "15", "--seed", "11")
    first, second = run(*args), run(*args)
    assert first.returncode == 0, first.stderr
    assert hashlib.sha256(first.stdout.encode()).digest() == hashlib.sha256(second.stdout.encode()).digest()
    lines = first.stdout.splitlines()
    assert len(lines) == 15
    for line in lines:
        assert validate(json.loads(line), api="aws-emr-serverless") == []
    other = run("generate", "--api", "aws-emr-serverless", "--count", "15", "--seed", "12")
    assert other.stdout != first.stdout


def test_invalid_lines_carry_their_expected_violation(run: Run) -> None:
    result = run("generate", "--api", "aws-emr-containers", "--invalid", "--count", "10", "--seed", "2")
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        case = json.loads(line)
        found = [(v.pointer, v.keyword) for v in validate(case["instance"], api="aws-emr-containers")]
        assert found == [(case["expected"]["pointer"], case["expected"]["keyword"])]


def test_responses(run: Run) -> None:
    result = run(
        "generate", "--api", "alibaba-emr-serverless-spark", "--operation", "GetJobRun", "--response", "--count", "3"
    )
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        assert (
            validate(json.loads(line), api="alibaba-emr-serverless-spark", operation="GetJobRun", direction="response")
            == []
        )


def test_generate_usage_errors(run: Run) -> None:
    assert run("generate", "--api", "aws-emr-serverless", "--operation", "Nope").returncode == 2
    both = run("generate", "--api", "aws-emr-serverless", "--response", "--invalid")
    assert both.returncode == 2 and "--invalid" in both.stderr


def test_generate_streams_and_a_closed_pipe_ends_it_quietly() -> None:
    """The first line arrives before a million are drawn; ``| head`` ends the run without a traceback."""
    import subprocess
    import sys

    command = [
        sys.executable,
        "-m",
        "jobrun_contracts",
        "generate",
        "--api",
        "aws-emr-serverless",
        "--count",
        "1000000",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # as head does once it has its line
    returncode = process.wait(timeout=60)
    assert json.loads(first)["applicationId"]
    assert returncode in (0, 141) and process.stderr.read() == b""
    process.stderr.close()


def test_hypothesis_writes_nothing_into_the_working_directory(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    work, cache = tmp_path / "repo", tmp_path / "cache"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    env["XDG_CACHE_HOME"] = str(cache)
    command = [sys.executable, "-m", "jobrun_contracts", "generate", "--api", "aws-emr-serverless", "--count", "3"]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert list(work.iterdir()) == []
