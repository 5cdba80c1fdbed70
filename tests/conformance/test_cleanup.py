"""A run cleans up after itself: what it made on a real server is removed, and the server's own list calls say so.

Every target here is a real server on loopback reached over HTTP (our emulator, following the
wall clock with short phases so that cancelled runs end and an application can be stopped), and
what remains is read back with boto3 or the API's own ListJobRuns, not from our bookkeeping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from jobrun_contracts.conformance import (
    InProcessTarget,
    Settings,
    Target,
    UrlTarget,
    all_clauses,
    clean_up,
    dry_run,
    emulator_target,
    open_target,
    run,
)
from jobrun_contracts.conformance.clauses import Clause
from jobrun_contracts.core import registry
from jobrun_contracts.emulator import Clock, Emulator, EmulatorServer
from jobrun_contracts.emulator.runs import Timings
from jobrun_contracts.wire import codec
from jobrun_contracts.wire.messages import HttpRequest, HttpResponse

SERVERLESS, EKS, ALIBABA = "aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark"
ALL = (SERVERLESS, EKS, ALIBABA)
FAST = Timings(step=0.2, run=30.0, cancel=0.3)  # runs stay live for the run, and a cancel ends them at once


def fast_emulator(apis: tuple[str, ...] = ALL, **options: Any) -> Emulator:
    return Emulator(apis, clock=Clock(follow_wall_clock=True), timings=FAST, **options)


def aws(service: str, url: str) -> Any:
    config = Config(retries={"max_attempts": 1})
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        config=config,
        aws_access_key_id="AKIDX",
        aws_secret_access_key="x",
    )


def clauses(apis: tuple[str, ...] = ALL, examples: int = 2) -> list[Clause]:
    return all_clauses(apis, level="MUST", examples=examples)


def live_runs(target: Target, api: str, container: str) -> set[str]:
    """The ids of the runs not yet ended in a container, by the API's own ListJobRuns (every page)."""
    lifecycle_live = {
        SERVERLESS: ["SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED"],
        EKS: ["PENDING", "SUBMITTED", "RUNNING"],
        ALIBABA: ["Submitted", "Pending", "Running"],
    }[api]
    found: set[str] = set()
    request: dict[str, Any] = {registry.CONTAINER_PARAMETER[api]: container, "states": lifecycle_live}
    while True:
        sent = codec.encode(registry.operation(api, "ListJobRuns"), request, target.host)
        body = json.loads(target.send(api, "ListJobRuns", sent, timeout=5).body)
        found |= {run.get("id") or run.get("jobRunId") for run in body["jobRuns"]}
        if not body.get("nextToken"):
            return found
        request["nextToken"] = body["nextToken"]


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(fast_emulator()) as running:
        yield running


def test_a_url_run_leaves_nothing_it_created_on_the_target(server: EmulatorServer) -> None:
    workspace = server.defaults[ALIBABA]  # Alibaba workspaces are given, never created
    with UrlTarget(server.url, ALL, containers={ALIBABA: workspace}) as target:
        report = run(target, clauses(), Settings(poll_limit=1))
        made = target.created()
        cleanup = clean_up(target, Settings())
        assert report.must_failures == []
        assert cleanup is not None and cleanup.left == [] and not cleanup.kept
        kinds = {item.kind for item in made}
        assert kinds == {"application", "virtual cluster", "job run", "job template"}
        application = next(i.id for i in made if i.kind == "application")
        cluster = next(i.id for i in made if i.kind == "virtual cluster")
        templates = {i.id for i in made if i.kind == "job template"}
        runs = {i.id for i in made if i.kind == "job run"}
        assert len(runs) > 40 and {r.item for r in cleanup.removed} == set(made)
        assert any(r.how == "cancelled" for r in cleanup.removed)  # some were live, and were cancelled
        assert target.created() == []  # what was removed is forgotten
        alibaba_runs = {i.id for i in made if i.api == ALIBABA}
        assert alibaba_runs and not live_runs(target, ALIBABA, workspace) & alibaba_runs
    serverless, eks = aws("emr-serverless", server.url), aws("emr-containers", server.url)
    assert application not in {a["id"] for a in serverless.list_applications()["applications"]}
    assert cluster not in {c["id"] for c in eks.list_virtual_clusters(states=["RUNNING"])["virtualClusters"]}
    assert eks.describe_virtual_cluster(id=cluster)["virtualCluster"]["state"] == "TERMINATED"
    assert not templates & {t["id"] for t in eks.list_job_templates()["templates"]}
    assert server.defaults[SERVERLESS] in {a["id"] for a in serverless.list_applications()["applications"]}


def test_a_given_container_stays_and_every_run_the_run_started_in_it_ends(server: EmulatorServer) -> None:
    given = {SERVERLESS: server.defaults[SERVERLESS], EKS: server.defaults[EKS]}
    with UrlTarget(server.url, (SERVERLESS, EKS), containers=given) as target:
        run(target, clauses((SERVERLESS, EKS), examples=1), Settings(poll_limit=1))
        made = target.created()
        live_before = {api: live_runs(target, api, given[api]) for api in given}
        cleanup = clean_up(target, Settings())
        assert cleanup is not None and cleanup.left == []
        assert {i.kind for i in made} == {"job run", "job template"}  # never the containers it was given
        assert live_before[SERVERLESS] and live_before[EKS]
        for api, container in given.items():
            assert not live_runs(target, api, container) & {i.id for i in made}
    assert aws("emr-serverless", server.url).get_application(applicationId=given[SERVERLESS])["application"]
    assert aws("emr-containers", server.url).describe_virtual_cluster(id=given[EKS])["virtualCluster"]["state"] == (
        "RUNNING"
    )


def test_keep_leaves_everything_and_lists_each_id(server: EmulatorServer) -> None:
    with UrlTarget(server.url, (SERVERLESS,)) as target:
        run(target, clauses((SERVERLESS,), examples=1), Settings(poll_limit=1))
        made = target.created()
        cleanup = clean_up(target, Settings(keep=True))
        assert cleanup is not None and cleanup.kept and cleanup.requests == 0
        assert [entry.item for entry in cleanup.left] == made and cleanup.failures == []
        application = next(i.id for i in made if i.kind == "application")
        assert live_runs(target, SERVERLESS, application)  # runs left running, as asked
    assert application in {a["id"] for a in aws("emr-serverless", server.url).list_applications()["applications"]}


class _RefusesDeletes(Emulator):
    """An emulator whose account may not delete applications, and whose refusal quotes the request's signature."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        segments = request.target.split("?")[0].strip("/").split("/")
        if request.method == "DELETE" and segments[0] == "applications" and len(segments) == 2:  # DeleteApplication
            quoted = request.headers.get("authorization", "")
            body = {"message": f"User is not authorized to perform: emr-serverless:DeleteApplication ({quoted})"}
            headers = {"content-type": "application/json", "x-amzn-errortype": "AccessDeniedException"}
            return HttpResponse(403, headers, json.dumps(body).encode())
        return super().__call__(request)


def test_a_refused_delete_is_one_scrubbed_line_and_everything_else_is_removed() -> None:
    emulator = _RefusesDeletes((SERVERLESS,), clock=Clock(follow_wall_clock=True), timings=FAST)
    with EmulatorServer(emulator) as server, UrlTarget(server.url, (SERVERLESS,)) as target:
        run(target, clauses((SERVERLESS,), examples=1), Settings(poll_limit=1))
        cleanup = clean_up(target, Settings())
        assert cleanup is not None
        (left,) = cleanup.left
        assert left.item.kind == "application" and "403 AccessDeniedException" in left.reason
        assert "DeleteApplication" in left.reason and "\n" not in left.reason
        assert "Signature=<redacted>" in left.reason and "Credential=<redacted>" in left.reason
        assert all(secret not in left.reason for secret in target.secrets())
        assert all(r.item.kind == "job run" for r in cleanup.removed) and len(cleanup.removed) > 10
        assert target.created() == [left.item]  # still there, still known
        assert not live_runs(target, SERVERLESS, left.item.id)  # its runs were ended all the same
    # the application was stopped on the way: only the delete was refused
    assert emulator.state.containers[SERVERLESS][left.item.id]["state"] == "STOPPED"


def test_a_target_that_goes_away_with_the_run_needs_no_cleanup() -> None:
    with open_target("builtin", (SERVERLESS,)) as target:
        run(target, clauses((SERVERLESS,), examples=0)[:3])
        assert target.created() and clean_up(target, Settings()) is None


def test_the_cleanup_gives_up_on_a_target_that_stopped_answering(server: EmulatorServer) -> None:
    with UrlTarget(server.url, (SERVERLESS,)) as target:
        run(target, clauses((SERVERLESS,), examples=0)[:8], Settings(poll_limit=1))
        made = target.created()
        server.stop()  # connections are refused from now on
        cleanup = clean_up(target, Settings(timeout=1))
    assert cleanup is not None and len(cleanup.left) == len(made) >= 4 and cleanup.removed == []
    assert cleanup.requests == 3  # three requests unanswered, then no more
    assert "connection refused" in cleanup.left[0].reason
    assert all("answered nothing 3 times in a row" in entry.reason for entry in cleanup.left[3:])


# -- listing clauses look at their own runs only -----------------------------------------------------

LISTING = ("paging-one-at-a-time", "started-runs-are-listed")


def _busy(api: str, emulator: Emulator, count: int = 300) -> set[str]:
    """``count`` runs in the API's default container that are not a clause's own, an hour before the clauses."""
    request = {
        SERVERLESS: {
            "executionRoleArn": "arn:aws:iam::123456789012:role/R",
            "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/x.py"}},
        },
        EKS: {
            "executionRoleArn": "arn:aws:iam::123456789012:role/R",
            "releaseLabel": "emr-7.1.0-latest",
            "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://b/x.py"}},
        },
        ALIBABA: {
            "name": "someone-else",
            "codeType": "JAR",
            "resourceQueueId": "root_queue",
            "releaseVersion": "esr-2.1",
            "jobDriver": {"sparkSubmit": {"entryPoint": "oss://b/x.jar"}},
        },
    }[api]
    ids = {emulator.start_run(api, request) for _ in range(count)}
    emulator.advance(3600)
    return ids


def _listings_watched(api: str, emulator: Emulator, pages: list[dict[str, Any]]) -> InProcessTarget:
    """The emulator as an in-process target that keeps every ListJobRuns answer it gives in ``pages``."""
    operation = registry.operation(api, "ListJobRuns")

    def watching(request: HttpRequest) -> HttpResponse:
        response = emulator(request)
        if request.method == "GET" and codec.match(operation.uri, codec.split_target(request.target)[0]):
            pages.append(json.loads(response.body))
        return response

    return InProcessTarget(
        watching, apis=(api,), capabilities=("time", "fail"), advance=emulator.advance, containers=emulator.defaults
    )


@pytest.mark.parametrize("api", ALL)
def test_a_listing_clause_pages_through_its_own_runs_only_in_a_busy_container(api: str) -> None:
    emulator = Emulator((api,))
    busy = _busy(api, emulator)
    pages: list[dict[str, Any]] = []  # every ListJobRuns answer the clauses got
    target = _listings_watched(api, emulator, pages)
    listing = [c for c in clauses((api,), examples=0) if c.id in LISTING]
    with target:
        report = run(target, listing)
    assert [r.outcome for r in report.results] == ["passed", "passed"], [r.reason for r in report.results]
    listed = {run.get("id") or run.get("jobRunId") for page in pages for run in page["jobRuns"]}
    assert listed and not listed & busy  # none of the 300 was ever listed
    # started-runs-are-listed: one page; paging-one-at-a-time: one per run in its window, its own three and, on
    # AWS (a window of creation times), the other clause's three, started the same emulated second
    assert len(pages) == 1 + (3 if api == ALIBABA else 6)
    assert emulator.limits()["runs"] == 306  # the 300 were there all along


def test_without_its_window_the_paging_clause_would_walk_the_whole_container() -> None:
    """The measure the clause is held to: the same paging with no filter reads every run in the container."""
    emulator = Emulator((SERVERLESS,))
    _busy(SERVERLESS, emulator, count=120)
    target = emulator_target(emulator)
    pages, request = 0, {"applicationId": emulator.defaults[SERVERLESS], "maxResults": 1}
    while True:
        sent = codec.encode(registry.operation(SERVERLESS, "ListJobRuns"), request, target.host)
        body = json.loads(target.send(SERVERLESS, "ListJobRuns", sent, timeout=5).body)
        pages += 1
        if not body.get("nextToken"):
            break
        request["nextToken"] = body["nextToken"]
    assert pages == 120


# -- a dry run ---------------------------------------------------------------------------------------


def test_a_dry_run_shows_every_request_with_placeholders_and_sends_none(server: EmulatorServer) -> None:
    before = server.emulator.limits()["runs"]
    target = open_target(server.url + "/base", (SERVERLESS, EKS), dry=True)
    planned = dry_run(target, clauses((SERVERLESS, EKS), examples=2), Settings(seed=3))
    again = dry_run(target, clauses((SERVERLESS, EKS), examples=2), Settings(seed=3))
    assert server.emulator.limits()["runs"] == before and target.created() == []
    prepare = planned.preparations[SERVERLESS]
    assert (prepare.method, prepare.target) == ("POST", "/base/applications")
    assert '"clientToken": "<new client token>"' in prepare.body
    by_id = {c.clause.node_id: c for c in planned.clauses}
    get = by_id[f"{SERVERLESS}::GetJobRun::get-echoes-submission"].steps[1]
    assert get.target == "/base/applications/<container>/jobruns/<start.response.jobRunId>"
    paging = by_id[f"{SERVERLESS}::ListJobRuns::paging-one-at-a-time"].steps[-1]
    assert "createdAtAfter=<first.response.jobRun.createdAt -10 s>" in paging.target and "nextToken" in paging.note
    start = by_id[f"{SERVERLESS}::StartJobRun::start-valid-run"].steps[0]
    assert '"entryPoint": "<sensitive: hidden>"' in start.body and "authorization" not in json.dumps(start.to_dict())
    fuzz = by_id[f"{EKS}::StartJobRun::fuzz-invalid-requests"]
    assert len(fuzz.steps) == 2 and all(s.note.startswith("breaks ") for s in fuzz.steps)
    generated = [c.steps for c in planned.clauses if c.clause.id == "fuzz-valid-requests"]
    assert generated == [c.steps for c in again.clauses if c.clause.id == "fuzz-valid-requests"]  # same seed, same
    lifecycle = by_id[f"{SERVERLESS}::GetJobRun::lifecycle-reaches-a-terminal-state"]
    assert lifecycle.skipped is None and "up to 3600 s" in lifecycle.steps[1].note
    assert "the run skips the clause here" in lifecycle.steps[1].note  # as the run does: --wait (60 s) is less
    (waited,) = dry_run(target, [lifecycle.clause], Settings(seed=3, poll_limit=3600)).clauses
    assert waited.steps[1].note == "repeated every 5 s until its expectations hold, for up to 3600 s"
    assert "stops and deletes the EMR Serverless application" in planned.cleanup
    kept = dry_run(target, [lifecycle.clause], Settings(keep=True))
    assert kept.cleanup.startswith("none (--keep): ") and "deletes" not in kept.cleanup


# -- the pytest plugin ------------------------------------------------------------------------------


def _plugin_options(server: EmulatorServer) -> list[str]:
    return ["--jobrun-target", server.url, "--jobrun-api", SERVERLESS, "--jobrun-examples", "0", "--jobrun-wait", "1"]


@pytest.mark.parametrize("keep", [False, True])
def test_the_pytest_plugin_removes_what_its_session_created(
    pytester: pytest.Pytester, server: EmulatorServer, keep: bool
) -> None:
    options = _plugin_options(server)
    result = pytester.runpytest("-p", "no:cacheprovider", *options, *(["--jobrun-keep"] if keep else []))
    assert result.ret == 0, result.stdout.str()[-2000:]
    apps = {a["id"] for a in aws("emr-serverless", server.url).list_applications()["applications"]}
    created = apps - {server.defaults[SERVERLESS]}
    if keep:
        (application,) = created
        result.stdout.fnmatch_lines(["jobrun-contracts: kept (--keep): * things the run created, still on the target:"])
        result.stdout.fnmatch_lines([f"jobrun-contracts:   aws-emr-serverless application: {application}"])
    else:
        assert created == set()
        summary = "jobrun-contracts: cleanup: * job runs (*cancelled*); 1 application (1 stopped and deleted); *"
        result.stdout.fnmatch_lines([summary])


def test_under_xdist_each_workers_cleanup_is_in_the_terminal_summary(
    pytester: pytest.Pytester, server: EmulatorServer
) -> None:
    """Each worker opens its own target and cleans it up; a worker prints no summary, so its lines go to the
    controller's (xdist's workeroutput), and every application left is listed by id."""
    options = _plugin_options(server)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", *options, "--jobrun-keep")
    assert result.ret == 0, result.stdout.str()[-2000:]
    apps = {a["id"] for a in aws("emr-serverless", server.url).list_applications()["applications"]}
    created = apps - {server.defaults[SERVERLESS]}
    assert len(created) == 2  # one per worker
    kept = [line for line in result.stdout.lines if line.startswith("jobrun-contracts: kept (--keep): ")]
    assert len(kept) == 2, result.stdout.str()[-2000:]
    for application in created:
        result.stdout.fnmatch_lines([f"jobrun-contracts:   aws-emr-serverless application: {application}"])


# -- how the reports show it -------------------------------------------------------------------------


def test_every_report_format_shows_the_cleanup_and_json_only_adds_a_member() -> None:
    from xml.etree import ElementTree

    from jobrun_contracts.reports.conformance import render_html, render_json, render_junit, render_text

    emulator = _RefusesDeletes((SERVERLESS,), clock=Clock(follow_wall_clock=True), timings=FAST)
    with EmulatorServer(emulator) as refusing, UrlTarget(refusing.url, (SERVERLESS,)) as target:
        report = run(target, clauses((SERVERLESS,), examples=0)[:8], Settings(poll_limit=1))
        before = json.loads(render_json(report))
        report.cleanup = clean_up(target, Settings())
    data = json.loads(render_json(report))
    assert before.pop("cleanup") is None and {k: v for k, v in data.items() if k != "cleanup"} == before
    (left,) = data["cleanup"]["left"]
    assert left["kind"] == "application" and "403 AccessDeniedException" in left["reason"]
    assert {e["how"] for e in data["cleanup"]["removed"]} <= {"cancelled", "had ended", "being cancelled"}
    text = render_text(report)
    assert f"  left  aws-emr-serverless application {left['id']}: DeleteApplication answered 403" in text
    suite = ElementTree.fromstring(render_junit(report).encode())
    (case,) = [c for c in suite.findall("testcase") if c.get("name") == "cleanup"]
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "cleanup" and left["id"] in (failure.text or "")
    page = render_html(report)  # --format html, or --report out.html: the only record a person may keep
    assert '<span data-count="left">1</span> things the run created are still on the target' in page
    assert f"left  aws-emr-serverless application {left['id']}: DeleteApplication answered 403" in page


def test_a_dry_run_shows_the_generated_requests_the_run_then_sends() -> None:
    """Fuzzing and generated steps are drawn from the seed: the plan's bodies are the bodies sent."""
    from jobrun_contracts.conformance import Exchange

    emulator = Emulator((SERVERLESS,))
    container = emulator.defaults[SERVERLESS]
    generated = [c for c in clauses((SERVERLESS,), examples=3) if c.id.startswith("fuzz-") and "Start" in c.operation]
    sent: list[HttpRequest] = []

    def counting(request: HttpRequest) -> HttpResponse:
        sent.append(request)
        return emulator(request)

    with InProcessTarget(counting, apis=(SERVERLESS,), containers=emulator.defaults) as target:
        run(target, generated, Settings(seed=5))
    dry = open_target("http://x", (SERVERLESS,), dry=True, containers={SERVERLESS: container})
    plan = dry_run(dry, generated, Settings(seed=5))

    def shown(body: str) -> dict[str, Any]:
        document = json.loads(body)
        document.pop("clientToken", None)  # fresh for each request: a placeholder in the plan
        return dict(document)

    planned = [shown(step.body) for entry in plan.clauses for step in entry.steps]
    actual = [shown(Exchange("s", "StartJobRun", r).kept((), SERVERLESS).request.body.decode()) for r in sent]
    assert len(planned) == 6 and planned == actual
    assert all(step.target == f"/applications/{container}/jobruns" for e in plan.clauses for step in e.steps)


def test_a_second_ctrl_c_stops_the_cleanup_and_what_it_did_not_reach_is_listed(server: EmulatorServer) -> None:
    class Interrupted(UrlTarget):
        """Ctrl-C arrives while the cleanup's fifth request is on its way."""

        calls = 0

        def send(self, api: str, operation: str, request: HttpRequest, *, timeout: float) -> HttpResponse:
            self.calls += 1
            if self.calls == 5:
                raise KeyboardInterrupt
            return super().send(api, operation, request, timeout=timeout)

    with Interrupted(server.url, (SERVERLESS,)) as target:
        run(target, clauses((SERVERLESS,), examples=0)[:10], Settings(poll_limit=1))
        made, target.calls = target.created(), 0
        cleanup = clean_up(target, Settings())
    assert cleanup is not None and cleanup.interrupted
    assert len(cleanup.removed) + len(cleanup.left) == len(made) and len(cleanup.removed) >= 2
    assert cleanup.left[-1].item.kind == "application"
    assert all(entry.reason == "not removed: the cleanup was interrupted" for entry in cleanup.left)


class _StopsOnlyWhenIdle(Emulator):
    """StopApplication refused while a run of the application has not ended: "All scheduled and running jobs
    must be completed or cancelled before stopping an application" (botocore, operations.StopApplication)."""

    refused = 0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        segments = request.target.split("?")[0].strip("/").split("/")
        if request.method == "POST" and segments[0] == "applications" and segments[-1] == "stop":
            runs = self.state.by_container[(SERVERLESS, segments[1])].runs
            terminal = {"SUCCESS", "FAILED", "CANCELLED"}
            if any(run.event_at(self.clock.now()).state not in terminal for run in runs):
                self.refused += 1
                body = b'{"message": "Application has running jobs."}'
                return HttpResponse(
                    400, {"content-type": "application/json", "x-amzn-errortype": "ValidationException"}, body
                )
        return super().__call__(request)


def test_a_stop_refused_while_cancelled_runs_end_is_retried() -> None:
    emulator = _StopsOnlyWhenIdle((SERVERLESS,), clock=Clock(follow_wall_clock=True), timings=Timings(cancel=1.0))
    with EmulatorServer(emulator) as server, UrlTarget(server.url, (SERVERLESS,)) as target:
        run(target, clauses((SERVERLESS,), examples=0)[:8], Settings(poll_limit=1))
        cleanup = clean_up(target, Settings())
    assert cleanup is not None and cleanup.left == [] and emulator.refused >= 1
    assert [r.how for r in cleanup.removed if r.item.kind == "application"] == ["stopped and deleted"]
    assert cleanup.seconds >= 1.0  # it waited for the cancelled runs to end, then stopped the application


#: The clauses that check one listing page for their own run. The state-filter clauses of EMR on EKS and
#: Alibaba stay unnarrowed (they judge the filter by what else the container holds), so they are not here.
SINGLE_PAGE = {
    SERVERLESS: ("cancel-live-run", "state-filter-holds"),
    EKS: ("cancel-live-run",),
    ALIBABA: ("cancel-live-run",),
}


@pytest.mark.parametrize("api", ALL)
def test_the_one_page_listing_clauses_see_none_of_a_busy_containers_runs(api: str) -> None:
    """Live and cancelled runs that are not the clauses' own, in the states the clauses list: a creation-time
    window (AWS) or a name of the clause's own (Alibaba) keeps every one of them out."""
    emulator = Emulator((api,), timings=Timings(run=10**6))  # the foreign runs stay live
    foreign = _busy(api, emulator, count=80)
    target = emulator_target(emulator)
    cancel = registry.operation(api, "CancelJobRun")
    field = {SERVERLESS: "jobRunId", EKS: "id", ALIBABA: "jobRunId"}[api]
    for run_id in sorted(foreign)[:40]:  # half of them cancelled, as the cancel clause lists CANCELLED runs
        request = {registry.CONTAINER_PARAMETER[api]: emulator.defaults[api], field: run_id}
        assert target.send(api, "CancelJobRun", codec.encode(cancel, request, target.host), timeout=5).status == 200
    emulator.advance(60)
    pages: list[dict[str, Any]] = []
    counted = _listings_watched(api, emulator, pages)
    chosen = [c for c in clauses((api,), examples=0) if c.id in SINGLE_PAGE[api]]
    assert len(chosen) == len(SINGLE_PAGE[api])
    with counted:
        report = run(counted, chosen)
    assert [r.outcome for r in report.results] == ["passed"] * len(chosen), [r.reason for r in report.results]
    seen = {run.get("id") or run.get("jobRunId") for page in pages for run in page["jobRuns"]}
    assert seen and not seen & foreign  # each listing held the clause's own run, and no other
