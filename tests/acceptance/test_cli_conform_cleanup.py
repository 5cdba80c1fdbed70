"""``conform`` against a URL leaves nothing it created behind, as the target's own list calls show.

The targets are real servers on loopback: our emulator (following the wall clock, with short
phases, so that a cancelled run ends and an application can be stopped) and moto's server, each
reached as a URL by the real command in a subprocess; what remains is read back with boto3.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from jobrun_contracts.emulator import Clock, Emulator, EmulatorServer
from jobrun_contracts.emulator.runs import Timings
from jobrun_contracts.wire.messages import HttpRequest, HttpResponse
from support import Run

SERVERLESS, EKS = "aws-emr-serverless", "aws-emr-containers"
FAST = Timings(step=0.2, run=30.0, cancel=0.3)
ENDED = {"SUCCESS", "FAILED", "CANCELLED", "COMPLETED", "CANCELLING", "CANCEL_PENDING"}  # or being cancelled


class _Counting(Emulator):
    """The emulator, counting requests, and taking ``delay`` seconds over each (so a run lasts long enough to stop)."""

    delay = 0.0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.seen = getattr(self, "seen", 0) + 1
        time.sleep(self.delay)
        return super().__call__(request)


class _RefusesDeletes(_Counting):
    def __call__(self, request: HttpRequest) -> HttpResponse:
        segments = request.target.split("?")[0].strip("/").split("/")
        if request.method == "DELETE" and segments[0] == "applications" and len(segments) == 2:  # DeleteApplication
            body = b'{"message": "User is not authorized to perform: emr-serverless:DeleteApplication"}'
            headers = {"content-type": "application/json", "x-amzn-errortype": "AccessDeniedException"}
            return HttpResponse(403, headers, body)
        return super().__call__(request)


def _server(kind: type[_Counting] = _Counting, delay: float = 0.0) -> EmulatorServer:
    emulator = kind((SERVERLESS, EKS), clock=Clock(follow_wall_clock=True), timings=FAST)
    emulator.delay = delay
    return EmulatorServer(emulator)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with _server() as running:
        yield running


def aws(service: str, url: str) -> Any:
    credentials = {"aws_access_key_id": "AKIDX", "aws_secret_access_key": "x"}
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", config=Config(retries={"max_attempts": 1}), **credentials
    )


def _made(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    cleanup = report["cleanup"]
    return [entry for entry in cleanup["removed"] + cleanup["left"] if entry["kind"] == kind]


def _assert_nothing_left(url: str, report: dict[str, Any]) -> None:
    """Through the target's own list calls: no application or virtual cluster of the run's is live, every run
    it started has ended (or went with its container), and none of its job templates is listed."""
    serverless, eks = aws("emr-serverless", url), aws("emr-containers", url)
    live_apps = {a["id"] for a in serverless.list_applications()["applications"] if a["state"] != "TERMINATED"}
    assert not live_apps & {a["id"] for a in _made(report, "application")}
    clusters = {c["id"] for c in eks.list_virtual_clusters(states=["RUNNING"])["virtualClusters"]}
    assert not clusters & {c["id"] for c in _made(report, "virtual cluster")}
    templates = {t["id"] for t in eks.list_job_templates()["templates"]} if _made(report, "job template") else set()
    assert not templates & {t["id"] for t in _made(report, "job template")}
    runs = _made(report, "job run")
    for api, container in {(r["api"], r["container"]) for r in runs}:
        client, member = (serverless, "applicationId") if api == SERVERLESS else (eks, "virtualClusterId")
        try:
            pages = client.get_paginator("list_job_runs").paginate(**{member: container})
            states = {r["id"]: r["state"] for page in pages for r in page["jobRuns"]}
        except ClientError as error:  # a deleted application's runs went with it
            assert "does not exist" in str(error), error
            continue
        left = {r["id"]: states.get(r["id"]) for r in runs if r["container"] == container}
        assert all(state is None or state in ENDED for state in left.values()), left


@pytest.mark.slow
def test_a_url_run_removes_what_it_created(run: Run, server: EmulatorServer) -> None:
    result = run(
        "conform", "--target", server.url, "--api", SERVERLESS, "--api", EKS, "--examples", "1", "--format", "json"
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    report = json.loads(result.stdout)
    cleanup = report["cleanup"]
    assert cleanup["left"] == [] and not cleanup["kept"] and cleanup["requests"] > 0
    kinds = {entry["kind"] for entry in cleanup["removed"]}
    assert kinds == {"application", "virtual cluster", "job run", "job template"}
    hows = {entry["how"] for entry in cleanup["removed"] if entry["kind"] == "job run"}
    assert "cancelled" in hows  # live runs were cancelled, not left billing
    assert {e["how"] for e in cleanup["removed"] if e["kind"] == "application"} == {"stopped and deleted"}
    _assert_nothing_left(server.url, report)


@pytest.mark.slow
def test_keep_leaves_what_it_created_and_lists_each_id(run: Run, server: EmulatorServer) -> None:
    result = run("conform", "--target", server.url, "--api", SERVERLESS, "--examples", "0", "--keep")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    apps = [a["id"] for a in aws("emr-serverless", server.url).list_applications()["applications"]]
    (created,) = [a for a in apps if a != server.defaults[SERVERLESS]]
    assert "kept (--keep): " in result.stdout
    assert f"aws-emr-serverless application: {created}" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "job runs in" in line)
    assert created in line and line.count(",") >= 10  # the run ids, so that a person can remove them


@pytest.mark.slow
def test_a_refused_delete_is_one_line_and_the_exit_status_does_not_change(run: Run) -> None:
    with _server(_RefusesDeletes) as server:
        result = run("conform", "--target", server.url, "--api", SERVERLESS, "--examples", "0")
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr
        (line,) = [line for line in result.stdout.splitlines() if line.startswith("  left  ")]
        assert "aws-emr-serverless application" in line
        assert "DeleteApplication answered 403 AccessDeniedException: User is not authorized" in line
        assert "still on the target" in result.stdout and "the exit status does not change" in result.stdout


def _interrupted(server: EmulatorServer, *args: str) -> tuple[int, dict[str, Any], float]:
    """The command against ``server``, sent SIGINT once it has started runs; its exit status, its JSON report,
    and how long it took to exit after the signal."""
    command = [sys.executable, "-m", "jobrun_contracts", "conform", "--target", server.url, "--format", "json", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while server.emulator.limits()["runs"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        signalled = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert out, err
    return process.returncode, json.loads(out), time.monotonic() - signalled


@pytest.mark.slow
def test_ctrl_c_still_removes_what_the_run_created() -> None:
    with _server(delay=0.02) as server:
        status, report, _ = _interrupted(server, "--api", SERVERLESS, "--examples", "2")
        assert status == 130 and report["stopped"] == "interrupted" and report["not_run"] > 0
        cleanup = report["cleanup"]
        assert cleanup["left"] == [] and _made(report, "application") and _made(report, "job run")
        _assert_nothing_left(server.url, report)


@pytest.mark.slow
def test_the_run_timeout_still_removes_what_the_run_created(run: Run) -> None:
    with _server(delay=0.02) as server:
        result = run("conform", "--target", server.url, "--api", SERVERLESS, "--run-timeout", "1", "--format", "json")
        assert result.returncode == 1, result.stderr  # the clauses not run fail
        report = json.loads(result.stdout)
        assert any("the run's time limit (1 s) was reached" in c["reason"] for c in report["clauses"])
        assert report["cleanup"]["left"] == [] and _made(report, "application")
        _assert_nothing_left(server.url, report)


@pytest.mark.slow
def test_a_dry_run_sends_nothing_and_says_what_it_would(run: Run, server: EmulatorServer) -> None:
    result = run("conform", "--target", server.url, "--api", SERVERLESS, "--examples", "1", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert getattr(server.emulator, "seen", 0) == 0  # not one request reached the server
    assert "nothing was sent" in result.stdout
    assert "prepare  POST /applications" in result.stdout
    assert "GET /applications/<container>/jobruns/<start.response.jobRunId>" in result.stdout
    assert "Signature=" not in result.stdout and "authorization" not in result.stdout.lower()
    as_json = run(
        "conform", "--target", server.url, "--api", SERVERLESS, "--examples", "1", "--dry-run", "--format", "json"
    )
    plan = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and plan["dry_run"] is True and plan["requests"] > 50
    assert getattr(server.emulator, "seen", 0) == 0


def test_a_dry_run_prints_text_or_json_only(run: Run) -> None:
    result = run("conform", "--dry-run", "--format", "junit")
    assert (
        result.returncode == 2
        and result.stderr == "jobrun-contracts: error: --dry-run prints text or json, not junit\n"
    )


def test_a_dry_run_writes_no_plan_into_a_page(run: Run, tmp_path: Path) -> None:
    """A FILE ending in .html gets the run's HTML page; a plan is text or json, so it is refused, not misnamed."""
    page = tmp_path / "plan.html"
    result = run("conform", "--dry-run", "--report", str(page))
    assert result.returncode == 2 and not page.exists()
    assert (
        result.stderr == f"jobrun-contracts: error: --dry-run writes text or json, not an HTML page: --report {page}\n"
    )


@pytest.mark.slow
def test_a_run_against_moto_served_as_a_url_removes_what_it_created(run: Run) -> None:
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        url = f"http://{host}:{port}"
        result = run(
            "conform", "--target", url, "--api", SERVERLESS, "--api", EKS, "--examples", "1", "--format", "json"
        )
        assert result.returncode in (0, 1), result.stderr  # moto fails some MUST clauses (docs/conformance/moto.md)
        report = json.loads(result.stdout)
        assert report["cleanup"]["left"] == [], report["cleanup"]["left"]
        assert _made(report, "application") and _made(report, "virtual cluster")
        assert any(e["how"] == "cancelled" for e in _made(report, "job run"))  # moto's EMR on EKS runs keep running
        _assert_nothing_left(url, report)
    finally:
        moto.stop()


def test_help_says_what_is_removed_and_how_to_keep_it(run: Run) -> None:
    text = " ".join(run("conform", "--help").stdout.split())
    assert "At the end, also after Ctrl-C or --run-timeout, it removes them" in text
    assert "does not change the exit status" in text and "--keep keeps them all" in text
    assert "builtin and moto need no cleanup" in text and "--dry-run prints the requests" in text
