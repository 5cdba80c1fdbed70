"""A long-running emulator: a page costs what it holds, a run is stored once, and what is kept has a bound.

No timing here: each test counts the work done (runs a listing reads, through a flavour that
counts its calls), or the bytes kept (tracemalloc), or what a client sees after an eviction.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pytest

from jobrun_contracts.core.formats import iso_utc
from jobrun_contracts.emulator import CONTROL_PREFIX, Emulator
from jobrun_contracts.emulator.flavours import AlibabaServerlessSpark, EmrContainers, EmrServerless
from jobrun_contracts.emulator.runs import RUN_OVERHEAD, Run
from jobrun_contracts.errors import UsageError
from jobrun_contracts.wire.messages import HttpRequest

SERVERLESS, CONTAINERS, ALIBABA = "aws-emr-serverless", "aws-emr-containers", "alibaba-emr-serverless-spark"
ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"


def serverless_request(**extra: Any) -> dict[str, Any]:
    driver = {"sparkSubmit": {"entryPoint": "s3://bucket/jobs/etl.py", "sparkSubmitParameters": "--conf a=b"}}
    return {"executionRoleArn": ROLE, "jobDriver": driver, "clientToken": str(uuid.uuid4())} | extra


def containers_request(**extra: Any) -> dict[str, Any]:
    driver = {"sparkSubmitJobDriver": {"entryPoint": "s3://bucket/jobs/etl.py"}}
    return {
        "name": "report",
        "executionRoleArn": ROLE,
        "releaseLabel": "emr-6.15.0-latest",
        "jobDriver": driver,
        "clientToken": str(uuid.uuid4()),
    } | extra


def alibaba_request(**extra: Any) -> dict[str, Any]:
    driver = {"sparkSubmit": {"entryPoint": "oss://bucket/app.jar", "sparkSubmitParameters": "--conf x=y"}}
    return {"name": "etl", "releaseVersion": "esr-3.3.1", "codeType": "JAR", "jobDriver": driver} | extra


REQUESTS = {SERVERLESS: serverless_request, CONTAINERS: containers_request, ALIBABA: alibaba_request}
RUNS_PATH = {
    SERVERLESS: "/applications/{}/jobruns",
    CONTAINERS: "/virtualclusters/{}/jobruns",
    ALIBABA: "/api/v1/workspaces/{}/jobRuns",
}


class Counting:
    """Counts what a listing reads: each run it shows (a summary) and each run it filters (a match view)."""

    shown = 0
    tested = 0

    def summary(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        self.shown += 1
        return super().summary(run, now, container)  # type: ignore[misc, no-any-return]

    def match_view(self, run: Run, now: float, container: Mapping[str, Any]) -> dict[str, Any]:
        self.tested += 1
        return super().match_view(run, now, container)  # type: ignore[misc, no-any-return]

    def read(self) -> int:
        """Runs read since the last call."""
        total = self.shown + self.tested
        self.shown = self.tested = 0
        return total


class CountingServerless(Counting, EmrServerless):
    pass


class CountingContainers(Counting, EmrContainers):
    pass


class CountingAlibaba(Counting, AlibabaServerlessSpark):
    pass


def call(emulator: Emulator, method: str, target: str, body: Any = None) -> tuple[int, Any]:
    data = b"" if body is None else json.dumps(body).encode()
    response = emulator(HttpRequest(method, target, {"content-type": "application/json"}, data))
    return response.status, json.loads(response.body) if response.body else None


def list_page(emulator: Emulator, api: str, **query: Any) -> dict[str, Any]:
    target = RUNS_PATH[api].format(emulator.defaults[api])
    if query:
        target += "?" + urlencode(query, doseq=True)
    status, body = call(emulator, "GET", target)
    assert status == 200, body
    return dict(body)


def seed(emulator: Emulator, api: str, count: int, **extra: Any) -> list[str]:
    return [emulator.start_run(api, REQUESTS[api](**extra)) for _ in range(count)]


def page_ids(page: Mapping[str, Any]) -> list[str]:
    return [run.get("id") or run["jobRunId"] for run in page["jobRuns"]]


def test_a_page_reads_the_runs_it_shows_whatever_the_length_of_the_list() -> None:
    counting = CountingServerless()
    emulator = Emulator((SERVERLESS,), flavours={SERVERLESS: counting}, check_responses=True)
    reads: dict[int, list[int]] = {}
    for size in (1_000, 6_000):
        seed(emulator, SERVERLESS, size - emulator.state.kept_runs)
        counting.read()
        first = list_page(emulator, SERVERLESS, maxResults=50)
        after_first = counting.read()
        middle = list_page(emulator, SERVERLESS, maxResults=50, nextToken=first["nextToken"])
        after_middle = counting.read()
        running = list_page(emulator, SERVERLESS, maxResults=50, states=["SUBMITTED"])
        reads[size] = [after_first, after_middle, counting.read()]
        assert len(first["jobRuns"]) == len(middle["jobRuns"]) == len(running["jobRuns"]) == 50
        assert not set(page_ids(first)) & set(page_ids(middle))
    # Unfiltered: the 50 runs shown and nothing else. Filtered: those 50 shown, and the 52 it tested.
    assert reads[1_000] == reads[6_000] == [50, 50, 50 + 52]
    assert emulator.response_problems == []


def test_paging_through_every_run_reads_each_run_once() -> None:
    counting = CountingContainers()
    emulator = Emulator((CONTAINERS,), flavours={CONTAINERS: counting}, check_responses=True)
    started = seed(emulator, CONTAINERS, 3_000)
    counting.read()
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = list_page(emulator, CONTAINERS, maxResults=100, **({"nextToken": token} if token else {}))
        seen += page_ids(page)
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    assert seen == list(reversed(started))  # newest first, each run once
    assert (pages, counting.read()) == (30, 3_000)  # before: each page read all 3,000 (90,000 reads)


def test_a_creation_time_filter_reads_only_the_runs_created_in_its_window() -> None:
    counting = CountingContainers()
    emulator = Emulator((CONTAINERS,), flavours={CONTAINERS: counting}, check_responses=True)
    early = seed(emulator, CONTAINERS, 2_000)
    cutoff = emulator.advance(100) - 50
    seed(emulator, CONTAINERS, 2_000)
    counting.read()
    page = list_page(emulator, CONTAINERS, maxResults=10, createdBefore=iso_utc(cutoff))
    assert page_ids(page) == list(reversed(early))[:10]
    assert counting.read() == 10 + 12  # shown, and tested: none of the 2,000 later runs


def test_alibaba_counts_stay_exact_and_an_unfiltered_page_still_reads_only_its_runs() -> None:
    counting = CountingAlibaba()
    emulator = Emulator((ALIBABA,), flavours={ALIBABA: counting}, check_responses=True)
    named_a = seed(emulator, ALIBABA, 30, name="a")
    seed(emulator, ALIBABA, 20, name="b")
    emulator.advance(1000)  # every run succeeds
    for run_id in named_a[:4]:
        emulator.fail(run_id)  # no effect: they have ended
    live = seed(emulator, ALIBABA, 5, name="a")
    emulator.fail(live[0])
    counting.read()

    everything = list_page(emulator, ALIBABA, maxResults=20)
    assert (everything["totalCount"], len(everything["jobRuns"]), counting.read()) == (55, 20, 20)

    named = list_page(emulator, ALIBABA, maxResults=20, name="a")
    assert named["totalCount"] == 35 and {r["name"] for r in named["jobRuns"]} == {"a"}

    grouped = list_page(emulator, ALIBABA, maxResults=5, groupByState="true")
    assert grouped["totalCount"] == 55
    assert grouped["aggregations"] == {"Success": "50", "Failed": "1", "Submitted": "4"}
    assert emulator.response_problems == []


def test_a_run_is_stored_once_and_compactly() -> None:
    emulator = Emulator((SERVERLESS,), max_runs=10_000)
    seed(emulator, SERVERLESS, 100)  # caches, validators and the first index pages
    target = RUNS_PATH[SERVERLESS].format(emulator.defaults[SERVERLESS])
    big = serverless_request()
    big["jobDriver"]["sparkSubmit"]["entryPointArguments"] = ["x" * 10_000] * 400  # 4 MB: 400 strings once decoded
    request = HttpRequest("POST", target, {"content-type": "application/json"}, json.dumps(big).encode())
    small = [serverless_request() for _ in range(4_000)]

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        assert emulator(request).status == 200
        del request
        gc.collect()
        one_big = tracemalloc.get_traced_memory()[0] - before
        before = tracemalloc.get_traced_memory()[0]
        for body in small:
            emulator.start_run(SERVERLESS, body)
        gc.collect()
        per_small = (tracemalloc.get_traced_memory()[0] - before) / len(small)
    finally:
        tracemalloc.stop()
    big_body = len(json.dumps(big).encode())
    assert one_big < big_body * 1.05  # once (before: the request and its fingerprint, twice)
    small_body = max(len(run.body) for run in emulator.state.runs[SERVERLESS].values() if len(run.body) < 1000)
    assert per_small <= small_body + RUN_OVERHEAD  # the byte bound's estimate holds (before: about 3.5 KB)


def test_past_the_bound_the_run_that_ended_longest_ago_goes_first_then_the_oldest_live_one() -> None:
    emulator = Emulator((SERVERLESS,), max_runs=3, check_responses=True)
    app = emulator.defaults[SERVERLESS]
    oldest, cancelled, third = seed(emulator, SERVERLESS, 3)
    status, _ = call(emulator, "DELETE", f"/applications/{app}/jobruns/{cancelled}")
    assert status == 200
    emulator.advance(10)  # the cancelled run has ended; the others are still running
    fourth = emulator.start_run(SERVERLESS, serverless_request())
    assert page_ids(list_page(emulator, SERVERLESS)) == [fourth, third, oldest]

    fifth = emulator.start_run(SERVERLESS, serverless_request())  # none has ended: the oldest live run goes
    assert page_ids(list_page(emulator, SERVERLESS)) == [fifth, fourth, third]
    assert emulator.limits() == {
        "maxRuns": 3,
        "maxBytes": emulator.state.max_bytes,
        "runs": 3,
        "bytes": emulator.state.kept_bytes,
        "evicted": 2,
    }
    with pytest.raises(KeyError):
        emulator.state_of(oldest)


def test_a_streaming_run_that_keeps_running_has_not_ended_so_an_ended_run_goes_first() -> None:
    emulator = Emulator((SERVERLESS,), max_runs=2)
    streaming = emulator.start_run(SERVERLESS, serverless_request(mode="STREAMING", executionTimeoutMinutes=0))
    batch = emulator.start_run(SERVERLESS, serverless_request())
    emulator.advance(100)  # the batch run ended at 75; the streaming one runs on
    newest = emulator.start_run(SERVERLESS, serverless_request())
    assert page_ids(list_page(emulator, SERVERLESS)) == [newest, streaming]
    assert emulator.state_of(streaming) == "RUNNING"
    with pytest.raises(KeyError):
        emulator.state_of(batch)


def test_the_byte_bound_keeps_the_bodies_it_allows() -> None:
    body = serverless_request()
    body["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"] = "--conf a=" + "x" * 10_000
    size = len(Run(SERVERLESS, "app", "id", 0, body, 0.0).body) + RUN_OVERHEAD
    emulator = Emulator((SERVERLESS,), max_bytes=3 * size + size // 2)
    for _ in range(10):
        emulator.start_run(SERVERLESS, {**body, "clientToken": str(uuid.uuid4())})
        emulator.advance(100)
    limits = emulator.limits()
    assert (limits["runs"], limits["evicted"]) == (3, 7) and limits["bytes"] <= limits["maxBytes"]


@pytest.mark.parametrize(
    ("api", "get_error", "cancel_error"),
    [
        (SERVERLESS, (404, "ResourceNotFoundException"), (404, "ResourceNotFoundException")),
        (CONTAINERS, (400, "ResourceNotFoundException"), (400, "ValidationException")),
        (ALIBABA, (404, "InvalidJobRunId.NotFound"), (404, "InvalidJobRunId.NotFound")),
    ],
)
def test_an_evicted_run_is_not_found_as_the_api_says_so(
    api: str, get_error: tuple[int, str], cancel_error: tuple[int, str]
) -> None:
    emulator = Emulator((api,), max_runs=1, check_responses=True)
    gone = emulator.start_run(api, REQUESTS[api]())
    emulator.advance(1000)
    kept = emulator.start_run(api, REQUESTS[api]())
    runs = RUNS_PATH[api].format(emulator.defaults[api])

    def error(method: str, run_id: str) -> tuple[int, str]:
        response = emulator(HttpRequest(method, f"{runs}/{run_id}", {}, b""))
        code = response.headers.get("x-amzn-errortype") or json.loads(response.body).get("code")
        return response.status, code

    assert error("GET", gone) == get_error and error("DELETE", gone) == cancel_error
    assert call(emulator, "GET", f"{runs}/{kept}")[0] == 200
    assert page_ids(list_page(emulator, api)) == [kept]
    assert call(emulator, "POST", f"{CONTROL_PREFIX}/runs/{gone}/fail")[0] == 404
    assert emulator.response_problems == []


def test_an_evicted_runs_client_token_is_forgotten_with_it() -> None:
    emulator = Emulator((SERVERLESS,), max_runs=1)
    first = emulator.start_run(SERVERLESS, serverless_request(clientToken="same"))
    assert emulator.start_run(SERVERLESS, serverless_request(clientToken="same")) == first  # idempotent
    emulator.advance(1000)
    emulator.start_run(SERVERLESS, serverless_request())
    again = emulator.start_run(SERVERLESS, serverless_request(clientToken="same"))
    assert again != first
    assert emulator.state.tokens == {(SERVERLESS, emulator.defaults[SERVERLESS], "same"): emulator.state.get_run(
        SERVERLESS, again
    )}  # fmt: skip


def test_paging_across_an_eviction_shows_each_kept_run_once() -> None:
    emulator = Emulator((SERVERLESS,), check_responses=True)
    started = seed(emulator, SERVERLESS, 20)
    emulator.advance(1000)
    first = list_page(emulator, SERVERLESS, maxResults=5)
    emulator.set_limits(max_runs=12)  # the 8 oldest go, from the part of the list not yet paged
    seen = page_ids(first)
    token = first.get("nextToken")
    while token:
        page = list_page(emulator, SERVERLESS, maxResults=5, nextToken=token)
        seen += page_ids(page)
        token = page.get("nextToken")
    assert seen == list(reversed(started))[:12]


def test_the_limits_control_route_and_reset() -> None:
    emulator = Emulator((SERVERLESS,), max_runs=50)
    seed(emulator, SERVERLESS, 10)
    emulator.advance(1000)
    status, limits = call(emulator, "GET", f"{CONTROL_PREFIX}/limits")
    assert status == 200 and (limits["maxRuns"], limits["runs"], limits["evicted"]) == (50, 10, 0)
    status, limits = call(emulator, "POST", f"{CONTROL_PREFIX}/limits", {"maxRuns": 4, "maxBytes": 10**6})
    assert status == 200 and (limits["maxRuns"], limits["maxBytes"], limits["runs"], limits["evicted"]) == (
        4,
        10**6,
        4,
        6,
    )
    for refused in ({"maxRuns": 0}, {"maxBytes": "lots"}, {"maxRuns": True}, {"runs": 3}, {}):
        status, answer = call(emulator, "POST", f"{CONTROL_PREFIX}/limits", refused)
        assert status == 400 and answer["error"], refused
    call(emulator, "POST", f"{CONTROL_PREFIX}/reset")
    assert emulator.limits() == {
        "maxRuns": 50,
        "maxBytes": emulator.state.max_bytes,
        "runs": 0,
        "bytes": 0,
        "evicted": 0,
    }
    with pytest.raises(UsageError):
        Emulator(max_runs=0)
