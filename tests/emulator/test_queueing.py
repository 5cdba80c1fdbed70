"""EMR Serverless job concurrency and queuing through boto3 against the emulator (rule queue-when-concurrency-is-full).

Timings are the emulator's defaults: 5 s per state before RUNNING, 60 s running, 5 s cancelling.
So a run submitted at t reaches PENDING at t+5, RUNNING at t+15 and SUCCESS at t+75.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from jobrun_contracts.core.lifecycle import LIFECYCLES
from jobrun_contracts.emulator import Emulator, queueing
from jobrun_contracts.emulator.runs import Timings, admitted
from jobrun_contracts.errors import UsageError
from jobrun_contracts.wire.messages import HttpRequest

from .clients import ROLE
from .test_aws_serverless import error_of, start

SERVERLESS = "aws-emr-serverless"
LIFECYCLE = LIFECYCLES[SERVERLESS]


def serverless_request(**extra: Any) -> dict[str, Any]:
    """A StartJobRun body for ``Emulator.start_run`` (no client: nothing fills in the token)."""
    token = {"clientToken": str(uuid.uuid4())}
    return (
        {"executionRoleArn": ROLE, "jobDriver": {"sparkSubmit": {"entryPoint": "s3://bucket/etl.py"}}} | token | extra
    )


def app(serverless: Any, release: str, **scheduler: int) -> str:
    extra = {"schedulerConfiguration": scheduler} if scheduler else {}
    created = serverless.create_application(name="etl", releaseLabel=release, type="Spark", **extra)
    return str(created["applicationId"])


def state(serverless: Any, application: str, run: str) -> str:
    return str(serverless.get_job_run(applicationId=application, jobRunId=run)["jobRun"]["state"])


def states(serverless: Any, application: str, runs: list[str]) -> list[str]:
    return [state(serverless, application, run) for run in runs]


def test_runs_past_the_concurrency_limit_wait_in_queued_until_a_slot_frees(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.0.0", maxConcurrentRuns=2, queueTimeoutMinutes=30)
    runs = [start(serverless, application)["jobRunId"] for _ in range(3)]
    assert states(serverless, application, runs) == ["SUBMITTED"] * 3
    emulator.advance(5)
    assert states(serverless, application, runs) == ["PENDING", "PENDING", "QUEUED"]
    detail = serverless.get_job_run(applicationId=application, jobRunId=runs[2])["jobRun"]["stateDetails"]
    assert "queued" in detail
    emulator.advance(69)  # t=74: the first two still run
    assert states(serverless, application, runs) == ["RUNNING", "RUNNING", "QUEUED"]
    waited = serverless.get_job_run(applicationId=application, jobRunId=runs[2])["jobRun"]
    assert waited["queuedDurationMilliseconds"] == 69_000 and "startedAt" not in waited  # queued since t=5
    emulator.advance(1)  # t=75: they end, and the third takes a slot
    assert states(serverless, application, runs) == ["SUCCESS", "SUCCESS", "PENDING"]
    emulator.advance(30)
    third = serverless.get_job_run(applicationId=application, jobRunId=runs[2])["jobRun"]
    assert third["queuedDurationMilliseconds"] == 70_000  # the whole wait, once it is over
    first = serverless.get_job_run(applicationId=application, jobRunId=runs[0])["jobRun"]
    assert "queuedDurationMilliseconds" not in first  # it never waited
    emulator.advance(40)
    assert states(serverless, application, runs)[2] == "SUCCESS"
    listed = serverless.list_job_runs(applicationId=application, states=["QUEUED"])["jobRuns"]
    assert listed == []


def test_cancelling_a_running_run_lets_the_first_queued_one_start_at_once(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.2.0", maxConcurrentRuns=1)
    first, second, third = (start(serverless, application)["jobRunId"] for _ in range(3))
    emulator.advance(20)
    assert states(serverless, application, [first, second, third]) == ["RUNNING", "QUEUED", "QUEUED"]
    queued = serverless.list_job_runs(applicationId=application, states=["QUEUED"])["jobRuns"]
    assert sorted(r["id"] for r in queued) == sorted([second, third])
    serverless.cancel_job_run(applicationId=application, jobRunId=first)
    emulator.advance(4)  # the first is still CANCELLING: it holds its slot until it ends
    assert states(serverless, application, [first, second, third]) == ["CANCELLING", "QUEUED", "QUEUED"]
    emulator.advance(1)
    assert states(serverless, application, [first, second, third]) == ["CANCELLED", "PENDING", "QUEUED"]


def test_a_cancelled_queued_run_gives_its_place_to_the_next(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.2.0", maxConcurrentRuns=1)
    first, second, third = (start(serverless, application)["jobRunId"] for _ in range(3))
    emulator.advance(10)
    serverless.cancel_job_run(applicationId=application, jobRunId=second)
    emulator.advance(65)  # t=75: the first ends; the third is next, the second never ran
    assert states(serverless, application, [first, second, third]) == ["SUCCESS", "CANCELLED", "PENDING"]
    never_ran = serverless.get_job_run(applicationId=application, jobRunId=second)["jobRun"]
    assert "startedAt" not in never_ran


def test_an_injected_failure_frees_the_slot(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.2.0", maxConcurrentRuns=1)
    first, second = (start(serverless, application)["jobRunId"] for _ in range(2))
    emulator.advance(20)
    assert emulator.fail(first) == "FAILED"
    assert state(serverless, application, second) == "PENDING"


def test_a_run_queued_past_its_queue_timeout_is_cancelled(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.2.0", maxConcurrentRuns=1, queueTimeoutMinutes=15)
    blocker = start(serverless, application, mode="STREAMING", executionTimeoutMinutes=0)["jobRunId"]  # never ends
    waiting = start(serverless, application)["jobRunId"]
    emulator.advance(5 + 15 * 60 - 1)
    assert state(serverless, application, waiting) == "QUEUED"
    emulator.advance(1)
    assert state(serverless, application, waiting) == "CANCELLING"
    emulator.advance(5)
    run = serverless.get_job_run(applicationId=application, jobRunId=waiting)["jobRun"]
    assert run["state"] == "CANCELLED" and "queue timeout" in run["stateDetails"]
    assert "startedAt" not in run and run["totalExecutionDurationSeconds"] == 0
    assert run["billedResourceUtilization"]["vCPUHour"] == 0  # no worker ever ran
    assert state(serverless, application, blocker) == "RUNNING"


def test_from_7_3_0_queuing_is_on_by_default_with_15_runs_at_once(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.3.0")
    runs = [start(serverless, application)["jobRunId"] for _ in range(16)]
    emulator.advance(5)
    assert states(serverless, application, runs) == ["PENDING"] * 15 + ["QUEUED"]
    emulator.advance(6 * 3600)  # the default queue timeout is 360 minutes: the first 15 ended long before
    assert state(serverless, application, runs[15]) == "SUCCESS"


@pytest.mark.parametrize("release", ["emr-6.15.0", "emr-7.2.0"])
def test_without_a_scheduler_configuration_before_7_3_0_nothing_queues(
    serverless: Any, emulator: Emulator, release: str
) -> None:
    application = app(serverless, release)
    runs = [start(serverless, application)["jobRunId"] for _ in range(20)]
    emulator.advance(5)
    assert set(states(serverless, application, runs)) == {"PENDING"}


@pytest.mark.parametrize(
    ("release", "scheduler", "fragment"),
    [
        ("emr-6.15.0", {"maxConcurrentRuns": 5}, "emr-7.0.0 and above"),
        ("emr-7.0.0", {"maxConcurrentRuns": 0}, "maxConcurrentRuns must be a whole number from 1 to 1000"),
        ("emr-7.0.0", {"maxConcurrentRuns": 1001}, "from 1 to 1000"),
        ("emr-7.0.0", {"queueTimeoutMinutes": 14}, "queueTimeoutMinutes must be a whole number from 15 to 720"),
        ("emr-7.0.0", {"queueTimeoutMinutes": 721}, "from 15 to 720"),
    ],
)
def test_a_scheduler_configuration_outside_the_documented_ranges_is_refused(
    serverless: Any, release: str, scheduler: dict[str, int], fragment: str
) -> None:
    status, code, message = error_of(
        serverless.create_application,
        name="etl",
        releaseLabel=release,
        type="Spark",
        schedulerConfiguration=scheduler,
    )
    assert (status, code) == (400, "ValidationException") and fragment in message


@pytest.mark.parametrize(
    "scheduler",
    [{"maxConcurrentRuns": 1, "queueTimeoutMinutes": 15}, {"maxConcurrentRuns": 1000, "queueTimeoutMinutes": 720}],
)
def test_the_range_limits_themselves_are_taken(serverless: Any, scheduler: dict[str, int]) -> None:
    application = app(serverless, "emr-7.0.0", **scheduler)
    described = serverless.get_application(applicationId=application)["application"]
    assert described["schedulerConfiguration"] == scheduler


def test_queued_sits_between_submitted_and_pending_in_the_state_machine() -> None:
    assert LIFECYCLE.may_follow("SUBMITTED", "QUEUED") and LIFECYCLE.may_follow("QUEUED", "PENDING")
    assert not LIFECYCLE.may_follow("PENDING", "QUEUED") and not LIFECYCLE.may_follow("RUNNING", "QUEUED")
    assert not LIFECYCLE.may_follow("QUEUED", "SUBMITTED") and not LIFECYCLE.may_follow("CANCELLING", "QUEUED")
    assert LIFECYCLE.may_follow("QUEUED", "CANCELLING") and LIFECYCLE.may_follow("QUEUED", "CANCELLED")


def test_a_retried_start_with_the_same_client_token_takes_no_second_place(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.2.0", maxConcurrentRuns=1)
    first = start(serverless, application)["jobRunId"]
    second = start(serverless, application, clientToken="retry-me")["jobRunId"]
    assert start(serverless, application, clientToken="retry-me")["jobRunId"] == second
    third = start(serverless, application)["jobRunId"]
    emulator.advance(75)  # the first ends: the second takes the slot, the third is next (no copy of the second)
    assert states(serverless, application, [first, second, third]) == ["SUCCESS", "PENDING", "QUEUED"]
    emulator.advance(70)
    assert states(serverless, application, [first, second, third]) == ["SUCCESS", "SUCCESS", "PENDING"]


def test_a_live_run_evicted_from_the_queue_frees_its_slot(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.2.0", maxConcurrentRuns=1)
    streaming = start(serverless, application, mode="STREAMING", executionTimeoutMinutes=0)["jobRunId"]  # never ends
    emulator.advance(20)
    waiting = start(serverless, application)["jobRunId"]  # behind the streaming run, which holds the slot
    emulator.set_limits(max_runs=1)  # nothing has ended: the oldest live run, the streaming one, is forgotten
    emulator.set_limits(max_runs=100)
    emulator.advance(20)
    later = start(serverless, application)["jobRunId"]  # the queue is planned again without the forgotten run
    assert error_of(serverless.get_job_run, applicationId=application, jobRunId=streaming)[:2] == (
        404,
        "ResourceNotFoundException",
    )
    assert states(serverless, application, [waiting, later]) == ["PENDING", "SUBMITTED"]
    emulator.advance(5)
    assert states(serverless, application, [waiting, later]) == ["SCHEDULED", "QUEUED"]


def test_a_submission_plans_only_the_new_run_however_long_the_queue(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new run goes behind every other, so it changes no earlier run's future: planning it alone keeps a
    submission's cost flat (planning the whole queue each time made 5,000 submissions take minutes)."""
    application = emulator.create_container(SERVERLESS, releaseLabel="emr-7.3.0")
    planned: list[float] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        planned.append(args[1])
        return admitted(*args, **kwargs)

    monkeypatch.setattr(queueing, "admitted", counted)
    for _ in range(300):
        emulator.start_run(SERVERLESS, serverless_request(), application)
    assert len(planned) == 300  # each run planned once (before: 45,150, every run still waiting each time)
    assert planned == sorted(planned) and planned[14] < planned[15]  # 15 slots, first in first out
    first = emulator.state.by_container[(SERVERLESS, application)].runs[0].run_id
    emulator.advance(10)
    planned.clear()
    emulator.fail(first)  # a slot frees sooner: every run still waiting is planned again
    assert len(planned) == 300 - 15


@pytest.mark.parametrize("seed", range(25))
def test_planning_one_run_at_a_time_gives_what_planning_the_whole_queue_gives(seed: int) -> None:
    """Two emulators take the same random operations (starts of batch, streaming and timed-out runs, clock
    moves, cancels, failures, new timings, evictions past a small bound); in one, every submission plans
    the whole queue again. Every run's planned events stay equal."""
    rng = random.Random(seed)
    scheduler = {"maxConcurrentRuns": rng.choice([1, 2, 3]), "queueTimeoutMinutes": rng.choice([15, 20])}
    bound = rng.choice([5, 12, 100_000])
    emulators = [Emulator(max_runs=bound, seed=seed) for _ in range(2)]
    applications = [
        e.create_container(SERVERLESS, releaseLabel="emr-7.0.0", schedulerConfiguration=scheduler) for e in emulators
    ]
    started: list[str] = []
    for _ in range(60):
        choice, pick, token = rng.random(), rng.random(), f"token-{rng.randrange(40)}"
        for whole, (emulator, application) in enumerate(zip(emulators, applications, strict=True)):
            queue = emulator.state.queues.get((SERVERLESS, application))
            if whole and queue is not None:
                queue.lost_live_run()  # what makes the next submission plan the whole queue again
            extra = random.Random(pick).choice(
                [{}, {}, {}, {"mode": "STREAMING", "executionTimeoutMinutes": 0}, {"executionTimeoutMinutes": 1}]
            )
            run = started[int(pick * len(started))] if started else None
            if choice < 0.5:
                try:
                    run_id = emulator.start_run(SERVERLESS, serverless_request(clientToken=token, **extra), application)
                except UsageError as refused:  # the token was used for another request
                    assert "ConflictException" in str(refused)
                else:
                    if not whole and run_id not in started:
                        started.append(run_id)
            elif choice < 0.75:
                emulator.advance(random.Random(pick).choice([0, 1, 5, 10, 60, 75, 300, 1000]))
            elif choice < 0.95 and run is not None and emulator.state.find_run(run) is not None:
                if choice < 0.85:
                    emulator.fail(run)
                else:
                    emulator(HttpRequest("DELETE", f"/applications/{application}/jobruns/{run}", {}, b""))
            elif choice >= 0.95:
                same = random.Random(pick)  # both emulators get the same new timings
                emulator.timings = Timings(step=same.choice([0, 5]), run=60, cancel=same.choice([0, 5]))
        one, whole_queue = (e.state.runs.get(SERVERLESS, {}) for e in emulators)
        assert one.keys() == whole_queue.keys()
        assert all(one[run_id].events == whole_queue[run_id].events for run_id in one)


def test_a_deleted_application_takes_its_queue_with_it(serverless: Any, emulator: Emulator) -> None:
    application = app(serverless, "emr-7.3.0")
    start(serverless, application)
    assert ("aws-emr-serverless", application) in emulator.state.queues
    serverless.stop_application(applicationId=application)
    serverless.delete_application(applicationId=application)
    assert ("aws-emr-serverless", application) not in emulator.state.queues
