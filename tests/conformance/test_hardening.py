"""What a review of the runner found: secrets in output, memory and time without bounds, truncated answers taken
whole, STS tokens not sent, and runs that end badly. Real servers on 127.0.0.1, the real command line, no mocks."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from jobrun_contracts.conformance import Credentials, Settings, UrlTarget, all_clauses, run
from jobrun_contracts.conformance.runner import scrub
from jobrun_contracts.reports.conformance import RENDERERS
from jobrun_contracts.transports.http import shown_url, split_userinfo

from .test_targets import _body, hostile  # noqa: F401 (a fixture)

SERVERLESS = "aws-emr-serverless"
ALIBABA = "alibaba-emr-serverless-spark"
KEY_ID, SECRET, TOKEN = "AKIAECHOEXAMPLE00001", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYECHOSECRET", "IQoJb3JpZ2luX2VjEECHOTOKEN"


def _url(server: ThreadingHTTPServer, mode: str) -> str:
    server.mode = mode  # type: ignore[attr-defined]
    return f"http://127.0.0.1:{server.server_address[1]}"


def _clauses(api: str = SERVERLESS, count: int = 3) -> list:  # type: ignore[type-arg]
    return [c for c in all_clauses([api], level="MUST", examples=0) if not c.skip and not c.needs][:count]


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jobrun_contracts", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# -- secrets -------------------------------------------------------------------------------------


def test_userinfo_ends_at_the_last_at_sign_so_a_secret_with_slashes_is_never_a_host() -> None:
    assert split_userinfo("http://AKIA:wJal/K7MD/x@127.0.0.1:1/base") == ("http://127.0.0.1:1/base", "AKIA:wJal/K7MD/x")
    assert split_userinfo("https://a:p@ss@host/x?q=@") == ("https://host/x?q=@", "a:p@ss")
    assert split_userinfo("http://127.0.0.1:9/path") == ("http://127.0.0.1:9/path", None)
    assert shown_url("http://AKIA:wJal/K7MD/x@127.0.0.1:1") == "http://<redacted>@127.0.0.1:1"


def test_a_url_secret_with_slashes_is_refused_in_one_line_that_does_not_show_it() -> None:
    result = _cli("conform", "--target", "http://AKIA:wJalrXUtnFEMI/K7MDENG/x@127.0.0.1:1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "put no credentials in the target URL" in result.stderr
    for part in ("wJalrXUtnFEMI", "K7MDENG", "AKIA"):
        assert part not in result.stderr


def test_secrets_a_target_echoes_are_replaced_in_every_report(hostile: ThreadingHTTPServer) -> None:  # noqa: F811
    url = _url(hostile, "echo")
    creds = Credentials(KEY_ID, SECRET, TOKEN)
    with UrlTarget(url, (SERVERLESS,), containers={SERVERLESS: "00fecho"}, aws_credentials=creds) as target:
        report = run(target, _clauses(), Settings(timeout=5))
        signatures = [s for s in target.secrets() if re.fullmatch(r"[0-9a-f]{64}", s)]
    assert signatures and all(r.outcome == "failed" for r in report.results)
    for name, render in RENDERERS.items():
        shown = render(report) + "".join(r.evidence() for r in report.results)
        for secret in (KEY_ID, SECRET, TOKEN, json.dumps(SECRET)[1:-1].replace("/", "\\/"), *signatures):
            assert secret not in shown, (name, secret)
        assert not re.search(r"Signature=[0-9a-f]", shown) and not re.search(r"Credential=[A-Z]", shown), name
    assert "<redacted>" in RENDERERS["json"](report)


def test_scrub_replaces_known_values_and_what_looks_like_a_credential() -> None:
    text = scrub(
        "key AKIAIOSFODNN7EXAMPLE, LTAI5tAbCdEfGhIjKlMn; Credential=ANY/2026; x-acs-security-token: abc; "
        "http://u:p/q@host; mine s3cr3t-value and its JSON form s3cr3t\\/value",
        ["s3cr3t-value", "s3cr3t/value"],
    )
    assert text == (
        "key <redacted>, <redacted>; Credential=<redacted>; x-acs-security-token: <redacted>; "
        "http://<redacted>@host; mine <redacted> and its JSON form <redacted>"
    )


def test_the_emulator_takes_credentials_from_the_environment_or_a_file(tmp_path: Path) -> None:
    creds_file = tmp_path / "creds"
    creds_file.write_text("# local keys\nAKIDFILE:file-secret\n\n")
    for how, env, args in (
        ("env", {"JOBRUN_CREDENTIALS": "AKIDENV:env-secret, AKIDTWO:two-secret"}, ()),
        ("file", {}, ("--credentials-file", str(creds_file))),
    ):
        process = subprocess.Popen(
            [sys.executable, "-m", "jobrun_contracts", "emulator", "--api", SERVERLESS, *args],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[-1]
            rest = [process.stdout.readline() for _ in range(2)]
            assert "signatures: checked" in rest[-1], (how, rest)
            clause = [c for c in _clauses(count=50) if c.id == "start-valid-run"]
            key, secret = ("AKIDENV", "env-secret") if how == "env" else ("AKIDFILE", "file-secret")
            for given, outcome in ((secret, "passed"), ("wrong", "failed")):
                with UrlTarget(url, (SERVERLESS,), aws_credentials=Credentials(key, given)) as target:
                    (result,) = run(target, clause).results
                assert result.outcome == outcome, (how, result.reason)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
            assert process.stdout is not None
            process.stdout.close()
    result = _cli("emulator", env={"JOBRUN_CREDENTIALS": "AKIDENV:good AKIDBAD-no-secret-here"}, timeout=30)
    assert result.returncode == 2 and "$JOBRUN_CREDENTIALS (pair 2)" in result.stderr
    assert "no-secret-here" not in result.stderr
    help_text = _cli("emulator", "--help", timeout=30).stdout
    assert "--credentials-file" in help_text and "JOBRUN_CREDENTIALS" in help_text


# -- the runner's limits ---------------------------------------------------------------------------------


_PEAK = """
import sys, time
from jobrun_contracts.conformance import UrlTarget, Settings, all_clauses, run
url, count = sys.argv[1], int(sys.argv[2])
clauses = [c for c in all_clauses(["aws-emr-serverless"], level="MUST", examples=0) if not c.skip][:count]
began = time.monotonic()
with UrlTarget(url, ("aws-emr-serverless",), containers={"aws-emr-serverless": "00fbig"}) as target:
    report = run(target, clauses, Settings(timeout=10))
kept = max(len(e.to_dict()["response"]["body"]) for r in report.results for e in r.exchanges if e.response)
# this process's own peak: ru_maxrss survives exec on Linux, so it would be the parent's when larger
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(report.requests, peak // 1024, kept, time.monotonic() - began)
"""


def test_memory_stays_flat_against_a_target_answering_16_mb_bodies(hostile: ThreadingHTTPServer) -> None:  # noqa: F811
    url = _url(hostile, "big")
    peaks = {}
    for count in (5, 60):
        out = subprocess.run(
            [sys.executable, "-c", _PEAK, url, str(count)], capture_output=True, text=True, timeout=300, check=True
        )
        requests, peak_mib, kept, _seconds = out.stdout.split()
        peaks[int(requests)] = int(peak_mib)
        assert int(kept) < 4100  # a body is kept as a few kilobytes of evidence, not 16 MB
    (_, few_peak), (many, many_peak) = sorted(peaks.items())
    assert many >= 60 and many_peak - few_peak < 64, peaks  # flat: more requests, no more memory
    assert many_peak < 400, peaks


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("keys", "bytes a response is judged by"),
        ("values", "more than 100000 JSON values"),
        ("truncated", "truncated response: 81 of 5000 declared bytes, then the connection closed"),
    ],
)
def test_judging_a_response_is_bounded_and_a_truncated_one_fails_as_truncated(
    hostile: ThreadingHTTPServer,  # noqa: F811
    mode: str,
    reason: str,
) -> None:
    url = _url(hostile, mode)
    if mode != "truncated":
        _body(mode)  # built before the run: the server's own cost is not the runner's
    began = time.monotonic()
    with UrlTarget(url, (SERVERLESS,), containers={SERVERLESS: "00fjudge"}) as target:
        report = run(target, _clauses(count=5), Settings(timeout=2))
    assert [r.outcome for r in report.results] == ["failed"] * 5
    assert all(reason in r.reason for r in report.results), [r.reason for r in report.results]
    assert report.stopped is None  # the target answers: a broken answer is a finding, not a dead target
    assert time.monotonic() - began < 15


def test_creating_a_container_obeys_the_request_timeout(hostile: ThreadingHTTPServer) -> None:  # noqa: F811
    url = _url(hostile, "hang")
    began = time.monotonic()
    with UrlTarget(url, (SERVERLESS,)) as target:  # no container given: the run creates one, and waits
        report = run(target, _clauses(count=10), Settings(timeout=1))
    assert time.monotonic() - began < 6  # not the fixed 30 s it used to wait
    assert report.results[0].outcome == "failed" and "no answer within 1 s" in report.results[0].reason


@pytest.mark.parametrize("dead", ["silent", "refused"])
def test_a_dead_target_ends_the_run_in_one_line_and_exit_2(hostile: ThreadingHTTPServer, dead: str) -> None:  # noqa: F811
    if dead == "silent":
        url, cause = _url(hostile, "hang"), "no answer within 1 s"
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            url, cause = f"http://127.0.0.1:{probe.getsockname()[1]}", "connection refused"
    began = time.monotonic()
    container = f"{SERVERLESS}=00fx"
    result = _cli("conform", "--target", url, "--api", SERVERLESS, "--container", container, "--timeout", "1")
    assert time.monotonic() - began < 20
    assert result.returncode == 2 and result.stdout == "", result.stdout[-500:]
    assert result.stderr.count("\n") == 1 and "is not answering" in result.stderr and cause in result.stderr


def test_an_unreachable_target_stops_the_run_once_its_preparation_failed() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clauses = all_clauses(["aws-emr-containers"], level="MUST", examples=0)
    with UrlTarget(f"http://127.0.0.1:{port}", ("aws-emr-containers",)) as target:
        report = run(target, clauses, Settings(timeout=1))
    assert report.stopped and "connection refused" in report.stopped
    assert len(report.results) < 10 and report.not_run == len(clauses) - len(report.results)


# -- STS, interruption, the report path ---------------------------------------------------------------


def test_alibaba_sts_credentials_send_their_token_as_the_official_sdk_does(
    hostile: ThreadingHTTPServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alibabacloud_emr_serverless_spark20230808 import models
    from alibabacloud_emr_serverless_spark20230808.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    url = _url(hostile, "html")
    port = hostile.server_address[1]
    config = open_api_models.Config(
        access_key_id="LTAIsts", access_key_secret="sts-secret", security_token="sts-token", protocol="http"
    )
    config.endpoint = f"127.0.0.1:{port}"
    with pytest.raises(Exception):  # noqa: B017 (the SDK cannot read the answer; its request is what counts)
        Client(config).list_job_runs("w-sdk", models.ListJobRunsRequest())
    sdk = {k.lower(): v for k, v in hostile.seen.items()}  # type: ignore[attr-defined]
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIsts")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sts-secret")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "sts-token")
    with UrlTarget(url, (ALIBABA,), containers={ALIBABA: "w-ours"}) as target:
        report = run(target, _clauses(ALIBABA, 1))
        assert "sts-token" in target.secrets()
    ours = {k.lower(): v for k, v in hostile.seen.items()}  # type: ignore[attr-defined]
    for header in ("x-acs-security-token", "x-acs-accesskey-id"):
        assert ours[header] == sdk[header], header
    assert "x-acs-security-token" in ours["authorization"]  # signed, as the SDK signs it
    assert "sts-token" not in RENDERERS["json"](report)


def test_ctrl_c_writes_the_report_of_what_was_known(hostile: ThreadingHTTPServer, tmp_path: Path) -> None:  # noqa: F811
    url = _url(hostile, "slow")
    report_file = tmp_path / "partial.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "jobrun_contracts", "conform", "--target", url, "--api", SERVERLESS,
         "--container", f"{SERVERLESS}=00fslow", "--format", "json", "--report", str(report_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    report = json.loads(report_file.read_text())
    assert report == json.loads(stdout) and report["stopped"] == "interrupted"
    assert report["clauses"] and report["not_run"] > 0
    assert "interrupted after" in stderr and stderr.count("\n") == 1


def test_a_bad_report_path_fails_before_the_run(tmp_path: Path) -> None:
    began = time.monotonic()
    result = _cli("conform", "--report", str(tmp_path / "missing" / "report.json"), timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert "no such directory" in result.stderr and result.stderr.count("\n") == 1
    assert time.monotonic() - began < 15


def test_a_long_poll_wait_stops_at_the_run_deadline() -> None:
    """--wait 1h lets a clause poll for an hour (its own time limit grows by that): the run's limit still holds."""
    from jobrun_contracts.conformance import emulator_target
    from jobrun_contracts.emulator import Emulator

    clause = next(c for c in all_clauses([SERVERLESS], level="MUST", examples=0) if c.id.startswith("lifecycle"))
    emulator = Emulator((SERVERLESS,))
    with emulator_target(emulator) as target:
        target.capabilities = frozenset()  # as if it could not advance time: the runner polls on the wall clock
        began = time.monotonic()
        (result,) = run(target, [clause], Settings(clause_timeout=1, poll_limit=3600, run_timeout=2)).results
    assert time.monotonic() - began < 6 and result.outcome == "failed", result.reason
    assert "the run's time limit (2 s) was reached" in result.reason


def test_a_poll_wait_is_cut_by_the_clause_time_limit_that_it_grew() -> None:
    """A run that never ends: the clause polls for --wait past --clause-timeout, then fails on its grown limit."""
    from jobrun_contracts.conformance import emulator_target
    from jobrun_contracts.emulator import Emulator

    clause = next(c for c in all_clauses([SERVERLESS], level="MUST", examples=0) if c.id.startswith("lifecycle"))
    steps = [{**s, "eventually": {"within": 3, "every": 1}} if "eventually" in s else s for s in clause.steps]
    clause = dataclasses.replace(clause, steps=steps)
    emulator = Emulator((SERVERLESS,))  # its clock stands still: the run stays where it is
    with emulator_target(emulator) as target:
        target.capabilities = frozenset()
        began = time.monotonic()
        (result,) = run(target, [clause], Settings(clause_timeout=1, poll_limit=3)).results
    took = time.monotonic() - began
    assert result.outcome == "failed" and 2.5 < took < 6, (took, result.reason)
    assert "still not so after 3 s" in result.reason or "longer than 1 s" in result.reason


def test_the_partial_report_says_the_run_stopped() -> None:
    clause = all_clauses([SERVERLESS], level="MUST", examples=0)[0]
    from jobrun_contracts.conformance import ClauseResult, Report

    report = Report("t", [ClauseResult(clause, "failed", "x")], 1.0, 1, stopped="t is not answering", not_run=4)
    assert "stopped early, 4 clauses not run: t is not answering" in RENDERERS["text"](report)
    assert json.loads(RENDERERS["json"](report))["not_run"] == 4
    assert "stopped early" in RENDERERS["junit"](report)


def test_a_request_interrupted_by_ctrl_c_leaves_the_transport_usable(hostile: ThreadingHTTPServer) -> None:  # noqa: F811
    """Cleanup sends requests right after a Ctrl-C: a connection left half used would refuse them."""
    from jobrun_contracts.transports import HttpTransport
    from jobrun_contracts.wire.messages import HttpRequest

    transport = HttpTransport(_url(hostile, "hang"))
    request = HttpRequest("GET", "/applications", {"host": "127.0.0.1"}, b"")

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            transport.send(request, timeout=5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    hostile.mode = "html"  # type: ignore[attr-defined]
    assert transport.send(request, timeout=5).status == 503  # not http.client's CannotSendRequest
    transport.close()
