"""Under pytest-xdist every clause has the outcome, and the message, it has in a serial run.

Each worker opens its own target (for ``builtin``, its own emulator, clock and state), so a clause
that leaned on what another clause left behind would pass in one run and fail in the other.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

# EMR on EKS: the API with job templates, lifecycles on the emulated clock and paging.
ARGS = (
    "-p", "no:cacheprovider", "--jobrun-target", "builtin", "--jobrun-api", "aws-emr-containers",
    "--jobrun-level", "SHOULD", "--jobrun-examples", "2",
)  # fmt: skip


def outcomes(junit: Path) -> dict[str, tuple[str, str]]:
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome, message = child.tag, child.get("message", "")
        found[f"{case.get('classname')}::{case.get('name')}"] = (outcome, message)
    return found


def test_two_workers_give_every_clause_the_outcome_of_a_serial_run(pytester: pytest.Pytester) -> None:
    serial_xml, xdist_xml = pytester.path / "serial.xml", pytester.path / "xdist.xml"
    serial = pytester.runpytest(*ARGS, f"--junitxml={serial_xml}")
    spread = pytester.runpytest_subprocess(*ARGS, "-n", "2", "-v", f"--junitxml={xdist_xml}")
    assert serial.ret == spread.ret == pytest.ExitCode.OK
    assert "[gw0]" in spread.stdout.str() and "[gw1]" in spread.stdout.str()  # both workers ran clauses
    alone, together = outcomes(serial_xml), outcomes(xdist_xml)
    kinds = {outcome for outcome, _ in alone.values()}
    assert len(alone) > 150 and kinds == {"passed", "skipped"}
    assert together == alone
