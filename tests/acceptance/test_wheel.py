"""The built wheel carries the schemas: install it into a fresh venv outside the repo and use it."""

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
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True, text=True, timeout=300
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
