"""A target that answers as the real service does passes: conform judges responses by what services send."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from jobrun_contracts.conformance import InProcessTarget, Settings, all_clauses, emulator_target, run
from jobrun_contracts.emulator import Emulator
from jobrun_contracts.emulator.runs import Timings
from jobrun_contracts.wire.messages import HttpRequest, HttpResponse

SERVERLESS = "aws-emr-serverless"
ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"


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


def test_on_a_busy_application_a_run_waiting_in_queued_is_still_found_by_the_live_state_filter() -> None:
    """EMR Serverless queues runs past an application's maxConcurrentRuns (rule queue-when-concurrency-is-full):
    the clause that lists its live run by state must count QUEUED among the live states."""
    emulator = Emulator((SERVERLESS,), timings=Timings(step=0), check_responses=True)  # queued at once
    application = emulator.create_container(
        SERVERLESS, releaseLabel="emr-7.3.0", schedulerConfiguration={"maxConcurrentRuns": 1}
    )
    driver = {"sparkSubmit": {"entryPoint": "s3://bucket/stream.py"}}
    busy = {"executionRoleArn": ROLE, "jobDriver": driver, "mode": "STREAMING", "executionTimeoutMinutes": 0}
    emulator.start_run(SERVERLESS, {**busy, "clientToken": "busy"}, application)  # holds the only slot
    clauses = [
        c for c in all_clauses([SERVERLESS], level="MUST", examples=0) if c.node_id.endswith("::state-filter-holds")
    ]
    target = InProcessTarget(
        emulator, apis=(SERVERLESS,), capabilities=("time", "fail"), advance=emulator.advance, fail=emulator.fail,
        containers={SERVERLESS: application},
    )  # fmt: skip
    with target:
        report = run(target, clauses, Settings(timeout=5))
    assert [(r.outcome, r.reason) for r in report.results] == [("passed", "")]
    queued = [r for r in emulator.state.runs[SERVERLESS].values() if r.event_at(emulator.clock.now()).state == "QUEUED"]
    assert len(queued) == 1  # the clause's run did wait in QUEUED
    assert emulator.response_problems == []
