"""A target that answers as the real service does passes: conform judges responses by what services send."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from jobrun_contracts.conformance import Settings, all_clauses, emulator_target, run
from jobrun_contracts.emulator import Emulator
from jobrun_contracts.wire.messages import HttpRequest, HttpResponse

SERVERLESS = "aws-emr-serverless"


class BlanksStateDetails(Emulator):
    """A proxy in front of the emulator that empties ``stateDetails`` of RUNNING runs, as the real
    EMR Serverless was seen to (``"state": "RUNNING", "stateDetails": ""`` in a real get-job-run,
    github.com/symeta/dw-prototyping)."""

    blanked = 0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = super().__call__(request)
        if response.status != 200 or not response.body.startswith(b"{"):
            return response
        body: dict[str, Any] = json.loads(response.body)
        runs = [body["jobRun"]] if isinstance(body.get("jobRun"), dict) else body.get("jobRuns") or []
        touched = False
        for one in runs:
            if isinstance(one, dict) and one.get("state") == "RUNNING":
                one["stateDetails"] = ""
                touched = True
        if not touched:
            return response
        type(self).blanked += 1
        return replace(response, body=json.dumps(body).encode())


def test_a_target_that_blanks_state_details_of_running_runs_passes_every_must_clause() -> None:
    clauses = all_clauses([SERVERLESS], level="MUST", examples=3)
    with emulator_target(BlanksStateDetails(apis=(SERVERLESS,))) as target:
        report = run(target, clauses, Settings(timeout=5))
    assert BlanksStateDetails.blanked > 0  # the proxy did answer so, more than once
    assert [r.reason for r in report.must_failures] == []
    assert report.counts()["passed"] > 30
