"""The built wheel carries schemas, contracts and fixtures: install it into a fresh venv outside the repo and use it."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def test_wheel_installs_and_validates_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("jobrun_contracts-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel), "pytest"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    spec = tmp_path / "spec.json"
    spec.write_text('{"virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe", "releaseLabel": "emr 7"}')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(env_dir / "bin" / "jobrun-contracts"), "validate", "--format", "json", str(spec)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert '"pointer": "/releaseLabel"' in result.stdout
    where = subprocess.run(
        [str(python), "-c", "import jobrun_contracts._resources as r; print(r.data_dir('schemas'))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert str(env_dir) in where.stdout and str(ROOT) not in where.stdout

    conform = subprocess.run(
        [str(env_dir / "bin" / "jobrun-contracts"), "conform", "--api", "aws-emr-containers", "--examples", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert conform.returncode == 0, conform.stdout[-2000:] + conform.stderr
    assert "aws-emr-containers" in conform.stdout and "fixture-valid-spark-sql-job" in conform.stdout

    # Another repository: installs the package, adds a contract of its own, runs it through the plugin.
    user_repo = tmp_path / "user-repo"
    (user_repo / "contracts").mkdir(parents=True)
    (user_repo / "contracts" / "ours.yaml").write_text(
        "api: aws-emr-serverless\n"
        "clauses:\n"
        "  - id: our-runs-are-named\n"
        "    operation: GetJobRun\n"
        "    level: MUST\n"
        "    source: our wrapper's contract\n"
        "    summary: the name we give a run comes back\n"
        "    steps:\n"
        "      - {name: start, call: StartJobRun, request: {fixture: valid/hive-query.json, with: {name: ours}}}\n"
        "      - call: GetJobRun\n"
        "        request: {jobRunId: '${start.response.jobRunId}'}\n"
        "        expect: {equal: {/jobRun/name: ours}}\n"
    )
    plugin = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "--jobrun-target", "builtin",
         "--jobrun-api", "aws-emr-serverless", "--jobrun-contracts", "contracts", "-k", "our-runs or idempotent", "-v"],
        capture_output=True,
        text=True,
        cwd=user_repo,
        env=env,
        timeout=300,
    )  # fmt: skip
    assert plugin.returncode == 0, plugin.stdout[-3000:] + plugin.stderr
    assert "aws-emr-serverless::GetJobRun::our-runs-are-named PASSED" in plugin.stdout
    assert "aws-emr-serverless::StartJobRun::idempotent-client-token PASSED" in plugin.stdout
