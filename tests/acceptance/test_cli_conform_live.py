"""``conform`` as a person watches it: lines that stream as clauses finish, and ``--wait`` for real time."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from jobrun_contracts.conformance import Credentials, UrlTarget, all_clauses, resolve, run
from jobrun_contracts.emulator import Clock, Emulator, EmulatorServer, Timings
from support import Run

APIS = ("aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark")


def _first_line_then_rest(*args: str) -> tuple[str, bool, str, str, int]:
    """``conform ARGS`` with its stdout a pipe: the first line, whether the run was still going when it came,
    the rest of stdout, stderr, and the exit status."""
    process = subprocess.Popen(
        [sys.executable, "-m", "jobrun_contracts", "conform", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        still_running = process.poll() is None
        rest, errors = process.communicate(timeout=300)
    finally:
        process.kill()
    return first, still_running, rest, errors, process.returncode


@pytest.mark.slow
def test_against_moto_the_lines_stream_too() -> None:
    first, still_running, rest, _, status = _first_line_then_rest("--target", "moto", "--api", "aws-emr-serverless")
    assert still_running and first.startswith(("pass  ", "FAIL  ", "skip  ")) and " aws-emr-serverless " in first
    assert status == 1 and "\nmoto: " in rest  # moto fails MUST clauses (docs/conformance/moto.md)


def test_text_output_streams_one_line_per_clause_while_the_run_goes_on() -> None:
    first, still_running, rest, errors, status = _first_line_then_rest("--examples", "10")
    assert still_running, "the first clause's line only came out when the run had ended"
    assert first.startswith("pass  MUST    ") and "::" in first
    lines = [first, *rest.splitlines(keepends=True)]
    clause_lines = [line for line in lines if line.startswith(("pass  ", "FAIL  ", "skip  "))]
    assert len(clause_lines) > 300 and {line.split()[2] for line in clause_lines} == set(APIS)
    summary = rest[rest.rindex("\n\n") :]  # after the streamed lines: counts, shared causes, totals
    assert "builtin: " in summary and " passed, 0 failed (0 MUST)" in summary
    assert "clauses  services ignore unknown members" in rest  # a shared cause is said once, with its count
    assert status == 0, errors


def test_ctrl_c_still_prints_the_lines_of_clauses_the_target_did_not_answer() -> None:
    """Lines of unanswered clauses are held (a down target is one line, not one per clause); on Ctrl-C the
    target is not known to be down, so they are printed before the summary that counts them."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []  # each request's connection, never answered

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    command = [sys.executable, "-m", "jobrun_contracts", "conform", "--target", url, "--api", "aws-emr-serverless"]
    command += ["--container", "aws-emr-serverless=00fx", "--timeout", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(accepted) < 3 and time.monotonic() < deadline:  # the third clause waits: two were not answered
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
        listener.close()
        for connection in accepted:
            connection.close()
    assert process.returncode == 130, err
    lines = [line for line in out.splitlines() if line.startswith("FAIL  MUST    aws-emr-serverless ")]
    assert len(lines) == 2 and all("no answer within 1 s" in line for line in lines), out
    assert "(0 passed, 2 failed, 0 skipped)" in out and "interrupted after 2 of " in err


def test_json_output_is_one_document_with_nothing_streamed_into_it(run: Run) -> None:
    result = run("conform", "--api", "aws-emr-containers", "--format", "json", "--examples", "2")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # would fail if any streamed line were interleaved
    assert report["counts"]["passed"] > 20


@pytest.mark.parametrize("given", ["0", "-5", "soon", "2d", "nan", "90000"])
def test_a_bad_wait_is_one_line_and_exit_2(run: Run, given: str) -> None:
    result = run("conform", "--wait", given)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "--wait takes a duration" in result.stderr


@pytest.mark.parametrize(("given", "seconds"), [("90", 90.0), ("90s", 90.0), ("15m", 900.0), ("1.5h", 5400.0)])
def test_wait_takes_seconds_minutes_and_hours(given: str, seconds: float) -> None:
    assert resolve({"wait": given}).settings.poll_limit == seconds


@pytest.mark.slow
def test_lifecycle_clauses_run_against_a_url_target_in_real_time_when_given_wait() -> None:
    """An emulator whose runs take about a second of real time, reached over plain HTTP (no clock
    control): without --wait the lifecycle clauses are skipped; with --wait they are checked and pass."""
    fast = Timings(step=0.2, run=0.5, cancel=0.2)
    emulator = Emulator(APIS, clock=Clock(follow_wall_clock=True), timings=fast)
    with EmulatorServer(emulator) as server:
        polled = [c for c in all_clauses(APIS, level="MUST", examples=0) if any("eventually" in s for s in c.steps)]
        assert len(polled) >= 6  # a lifecycle and a cancel clause per API at least
        # each polls every 5 s: every API's lifecycle clause, and one API's others, keep the test short
        waiting = [c for c in polled if c.id.startswith("lifecycle") or c.api == APIS[0]]
        assert {c.api for c in waiting} == set(APIS) and len(waiting) >= 4
        target = UrlTarget(server.url, APIS, containers=server.defaults, aws_credentials=Credentials("AKID1", "s"))
        with target:
            default = run(target, waiting, resolve({}).settings)
            began = time.monotonic()
            given = run(target, waiting, resolve({"wait": "1h"}).settings)
            took = time.monotonic() - began
    assert all(r.outcome == "skipped" and "give --wait" in r.reason for r in default.results)  # they allow > 60 s
    assert [f"{r.clause.node_id}: {r.outcome} {r.reason}" for r in given.results if r.outcome != "passed"] == []
    assert took < 60 * len(waiting)  # each step ended when its state was reached, not after the hour
