"""The built wheel, installed into fresh venvs outside the repo: full, light, and next to an old botocore.

Every install takes its versions from the test lock (``-c requirements/test.txt``), so a new
upstream release cannot change a verdict here either.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from support import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.slow

LOCK = ROOT / "requirements" / "test.txt"
#: botocore and what it alone brings: replaced when a test installs an older botocore.
BOTOCORE_FAMILY = {"botocore", "boto3", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = dist.glob("jobrun_contracts-*.whl")
    return built


def make_venv(where: Path, *requirements: str, constraints: Path = LOCK) -> Path:
    """A fresh venv with these installed; returns its bin/ folder."""
    venv.create(where, with_pip=True)
    install = subprocess.run(
        [str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", str(constraints), *requirements],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return where / "bin"


def installed(bin_dir: Path) -> set[str]:
    listed = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "list", "--format", "json"], capture_output=True, text=True, check=True
    )
    return {p["name"].lower() for p in json.loads(listed.stdout)}


def floor(package: str) -> str:
    """The lowest version pyproject.toml admits for a package (its ``>=``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = [t for extra in project["optional-dependencies"].values() for t in extra]
    (version,) = {m[1] for t in texts if (m := re.fullmatch(rf"{package}>=([0-9.]+)", t))}
    return version


def test_wheel_installs_and_validates_outside_the_checkout(tmp_path: Path, wheel: Path) -> None:
    bin_dir = make_venv(tmp_path / "venv", f"{wheel}[conform]", "pytest")
    env_dir, python, env = bin_dir.parent, bin_dir / "python", ENV
    spec = tmp_path / "spec.json"
    spec.write_text('{"virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe", "releaseLabel": "emr 7"}')
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
        [str(python), "-c", "import jobrun_contracts.core.resources as r; print(r.data_dir('schemas'))"],
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


def test_validation_needs_neither_botocore_nor_hypothesis(tmp_path: Path, wheel: Path) -> None:
    """The light install: validate works; each feature that needs an extra says which, in one line."""
    bin_dir = make_venv(tmp_path / "venv", str(wheel))
    assert not {"botocore", "hypothesis", "boto3"} & installed(bin_dir)
    cli = str(bin_dir / "jobrun-contracts")
    spec = tmp_path / "spec.json"
    spec.write_text('{"applicationId": "my_app", "executionRoleArn": "arn:aws:iam::123456789012:role/r"}')
    result = subprocess.run([cli, "validate", str(spec)], capture_output=True, text=True, env=ENV, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "/applicationId" in result.stdout and "Traceback" not in result.stderr
    for args, extra in (
        (["generate", "--api", "aws-emr-serverless", "--count", "1"], "generate"),
        (["conform", "--api", "aws-emr-serverless"], "conform"),
        (["emulator", "--credentials", "AKID:secret"], "aws"),
        (["drift", "--api", "aws-emr-serverless"], "aws"),
    ):
        result = subprocess.run([cli, *args], capture_output=True, text=True, env=ENV, timeout=60)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert (
            f"pip install 'jobrun-contracts[{extra}]'" in result.stderr or f"jobrun-contracts[{extra}]" in result.stderr
        )
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    imported = subprocess.run(
        [str(bin_dir / "python"), "-c", "import jobrun_contracts.strategies"], capture_output=True, text=True, env=ENV
    )
    assert "MissingExtra" in imported.stderr and "jobrun-contracts[generate]" in imported.stderr


def test_the_oldest_botocore_the_floor_allows(tmp_path: Path, wheel: Path) -> None:
    """With botocore at its floor: validate, and a signed conform run against a checking emulator."""
    oldest = floor("botocore")
    constraints = tmp_path / "constraints.txt"
    kept = [
        line
        for line in LOCK.read_text().splitlines()
        if line and line[0] not in "# " and re.split(r"[=<>; \[]", line, maxsplit=1)[0] not in BOTOCORE_FAMILY
    ]
    constraints.write_text("\n".join([*kept, f"botocore=={oldest}"]) + "\n")
    bin_dir = make_venv(tmp_path / "venv", f"{wheel}[conform]", constraints=constraints)
    version = subprocess.run(
        [str(bin_dir / "python"), "-c", "import botocore; print(botocore.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == oldest
    cli = str(bin_dir / "jobrun-contracts")
    spec = tmp_path / "spec.json"
    spec.write_text('{"virtualClusterId": "kp6xvzjk4hmnu5rekj6t9pqhe", "releaseLabel": "emr 7"}')
    result = subprocess.run([cli, "validate", str(spec)], capture_output=True, text=True, env=ENV, timeout=60)
    assert result.returncode == 1 and "/releaseLabel" in result.stdout, result.stderr

    emulator = subprocess.Popen(
        [cli, "emulator", "--api", "aws-emr-serverless", "--credentials", "AKIDOLDEST:oldest-secret"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert emulator.stdout is not None
        url = emulator.stdout.readline().split()[-1]
        assert url.startswith("http://127.0.0.1:"), url
        signed = {**ENV, "AWS_ACCESS_KEY_ID": "AKIDOLDEST", "AWS_SECRET_ACCESS_KEY": "oldest-secret"}
        conform = subprocess.run(
            [cli, "conform", "--target", url, "--api", "aws-emr-serverless", "--level", "MUST", "--examples", "1"],
            capture_output=True,
            text=True,
            env=signed,
            timeout=300,
        )
        assert conform.returncode == 0, conform.stdout[-3000:] + conform.stderr
        assert re.search(r"[1-9][0-9]* passed, 0 failed", conform.stdout), conform.stdout[-500:]
        unsigned = subprocess.run(
            [cli, "conform", "--target", url, "--api", "aws-emr-serverless", "--level", "MUST", "--examples", "0"],
            capture_output=True,
            text=True,
            env={**ENV, "AWS_ACCESS_KEY_ID": "AKIDOLDEST", "AWS_SECRET_ACCESS_KEY": "wrong"},
            timeout=300,
        )
        assert unsigned.returncode != 0  # the emulator really checks: a wrong secret fails
    finally:
        emulator.send_signal(signal.SIGTERM)
        emulator.communicate(timeout=30)


def test_installs_next_to_an_airflow_era_botocore(tmp_path: Path, wheel: Path) -> None:
    """``pip install <wheel> 'botocore==1.35.*'`` resolves, with and without the [aws] extra."""
    venv.create(tmp_path / "venv", with_pip=True)
    for requirement in (str(wheel), f"{wheel}[aws]"):
        result = subprocess.run(
            [str(tmp_path / "venv" / "bin" / "python"), "-m", "pip", "install", "--dry-run", "--quiet",
             requirement, "botocore==1.35.*"],
            capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
