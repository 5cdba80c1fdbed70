from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import Run


@pytest.fixture
def run() -> Run:
    """The real command in a subprocess, as a user or CI runs it."""

    def invoke(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jobrun_contracts", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return invoke


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    (tmp_path / "good.yaml").write_text(
        "applicationId: 00fkr3dqu9a1b20d\n"
        "executionRoleArn: arn:aws:iam::123456789012:role/EMRServerlessJobRole\n"
        "jobDriver:\n"
        "  sparkSubmit:\n"
        "    entryPoint: s3://bucket/jobs/etl.py\n"
        "    sparkSubmitParameters: --conf spark.executor.cores=4\n"
    )
    (tmp_path / "bad.json").write_text(
        '{\n  "applicationId": "my_app",\n  "executionRoleArn": "arn:aws:iam::123456789012:role/R",\n'
        '  "mode": "batch",\n  "jobDriver": {"sparkSubmit": {"entryPoint": "s3://bucket/job.py"}}\n}\n'
    )
    return tmp_path
