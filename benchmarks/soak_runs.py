"""Soak the reference emulator: what a ListJobRuns page costs as runs pile up, and what runs cost in memory.

    python benchmarks/soak_runs.py           # 1,000 / 10,000 / 100,000 runs in one application
    python benchmarks/soak_runs.py --quick   # 1,000 / 5,000 / 20,000 runs, shorter windows (smoke test)

The emulator runs in its own process (``EmulatorServer`` on a free loopback port), so the clients
never share an interpreter lock with it. That process seeds runs straight through the emulator's
Python API (``start_run``), for speed; every figure is then measured over HTTP, as a client sees it.
At each size, in one EMR Serverless application:

- a page: ListJobRuns' first page and a page from the middle of the list (``maxResults`` 50),
  p50 and p99 over repeated requests on a kept-alive connection;
- paging through every run, start to end;
- a GetJobRun's p50 / p99 latency on its own, then while another process lists pages non-stop;
- the server's RSS per 10,000 runs between two sizes, and the emulator's own estimate (its byte bound).

The floor: a page at the largest size costs at most twice what it costs at the smallest.
The report is Markdown on stdout. Everything is bounded: fixed counts, or a deadline.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from _harness import Report, emit, log, parser  # benchmarks/ is on sys.path

API = "aws-emr-serverless"
ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"
DRIVER = {"sparkSubmit": {"entryPoint": "s3://bucket/jobs/etl.py", "sparkSubmitParameters": "--conf spark.a=b"}}
PAGE = 50


@dataclass
class Settings:
    sizes: tuple[int, ...]
    requests: int  # page requests timed per kind and size
    window: float  # seconds of GetJobRun timing, alone and while listing

    @classmethod
    def of(cls, options: argparse.Namespace) -> Settings:
        if options.quick:
            return cls((1_000, 5_000, 20_000), 30, 0.5)
        return cls((1_000, 10_000, 100_000), 200, 2.0)


# -- the server process -------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _serve(pipe: Any, largest: int) -> None:
    """The emulator on loopback; seeds runs on request and reports its RSS. Ends on 'stop' or a closed pipe."""
    from jobrun_contracts.emulator import Clock, Emulator, EmulatorServer

    emulator = Emulator((API,), clock=Clock(), max_runs=largest, max_bytes=4 * 1024**3)
    with EmulatorServer(emulator) as server:
        pipe.send((server.url, server.defaults[API]))
        while True:
            try:
                command, count = pipe.recv()
            except EOFError:
                return
            if command != "seed":
                return
            while emulator.state.kept_runs < count:
                body = {"executionRoleArn": ROLE, "jobDriver": DRIVER, "name": "soak", "clientToken": str(uuid.uuid4())}
                emulator.start_run(API, body)
            limits = emulator.limits()
            pipe.send({"runs": limits["runs"], "estimate": limits["bytes"], "rss": _rss()})


# -- clients ------------------------------------------------------------------------------------


class Client:
    def __init__(self, url: str, application: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        self.runs = f"/applications/{application}/jobruns"

    def get(self, target: str) -> dict[str, Any]:
        self.connection.request("GET", target)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {target}: {response.status} {body[:200]!r}")
        found: dict[str, Any] = json.loads(body)
        return found

    def page(self, token: str | None = None, size: int = PAGE) -> dict[str, Any]:
        return self.get(f"{self.runs}?maxResults={size}" + (f"&nextToken={token}" if token else ""))

    def close(self) -> None:
        self.connection.close()


def _timed(call: Any, count: int) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return sorted(times)


def _p(times: Sequence[float], q: float) -> float:
    return times[min(len(times) - 1, int(len(times) * q))] * 1000


def _lister(url: str, application: str, seconds: float, ready: Any, queue: Any) -> None:
    """Lists pages non-stop (from the newest, following tokens, starting over at the end) for ``seconds``."""
    client = Client(url, application)
    client.page()
    ready.set()
    pages, token = 0, None
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        token = client.page(token).get("nextToken")
        pages += 1
    client.close()
    queue.put(pages)


def _gets(client: Client, run_id: str, seconds: float) -> list[float]:
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        client.get(f"{client.runs}/{run_id}")
        times.append(time.perf_counter() - began)
    return sorted(times)


def _measure_size(url: str, application: str, total: int, s: Settings) -> dict[str, Any]:
    client = Client(url, application)
    newest = client.page()["jobRuns"][0]["id"]
    middle_token, runs = None, 0  # a token from the middle of the list: page there, 50 runs a page
    while runs < total // 2:
        found = client.page(middle_token)
        runs += len(found["jobRuns"])
        middle_token = found.get("nextToken")
        if middle_token is None:
            break
    page_first = _timed(client.page, s.requests)
    page_middle = _timed(lambda: client.page(middle_token), s.requests)

    began, pages, token = time.perf_counter(), 0, None
    while True:
        token = client.page(token).get("nextToken")
        pages += 1
        if not token:
            break
    paging = time.perf_counter() - began

    alone = _gets(client, newest, s.window)
    ready, queue = multiprocessing.Event(), multiprocessing.Queue()
    lister = multiprocessing.Process(target=_lister, args=(url, application, s.window + 1.0, ready, queue))
    lister.start()
    ready.wait(30)
    time.sleep(0.2)  # the lister is in its stride
    listing = _gets(client, newest, s.window)
    listed_pages = queue.get(timeout=s.window + 60)
    lister.join(30)
    client.close()
    return {
        "page_first": page_first,
        "page_middle": page_middle,
        "paging": paging,
        "pages": pages,
        "get_alone": alone,
        "get_listing": listing,
        "lister_pages": listed_pages,
    }


def run(s: Settings) -> list[dict[str, Any]]:
    here, there = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(there, max(s.sizes)), daemon=True)
    server.start()
    results = []
    try:
        if not here.poll(60):
            raise SystemExit("the emulator process did not start")
        url, application = here.recv()
        for size in s.sizes:
            log(f"{size:,} runs: seeding ...")
            here.send(("seed", size))
            if not here.poll(600):
                raise SystemExit("seeding took over 10 minutes")
            seeded = here.recv()
            log(f"{size:,} runs: measuring ...")
            results.append({"size": size, **seeded, **_measure_size(url, application, seeded["runs"], s)})
    finally:
        with contextlib.suppress(OSError):  # the server may have gone already
            here.send(("stop", 0))
        server.join(30)
        if server.is_alive():
            server.terminate()
            server.join(10)
    return results


# -- the report ---------------------------------------------------------------------------------


def report(results: list[dict[str, Any]], s: Settings) -> str:
    r = Report().add("## Emulator soak: ListJobRuns pages and memory as runs pile up")
    r.machine(["jobrun-contracts"])
    r.add(
        f"One EMR Serverless application; the emulator in its own process, runs seeded through its Python "
        f"API, everything timed over loopback HTTP on a kept-alive connection. Pages of {PAGE}, "
        f"{s.requests} requests per figure; GetJobRun timed for {s.window:g} s alone and {s.window:g} s "
        "while another process lists pages non-stop."
    )
    rows = []
    for res in results:
        rows.append(
            (
                f"{res['size']:,}",
                f"{statistics.median(res['page_first']) * 1000:.2f} / {_p(res['page_first'], 0.99):.2f}",
                f"{statistics.median(res['page_middle']) * 1000:.2f} / {_p(res['page_middle'], 0.99):.2f}",
                f"{res['paging']:.2f} ({res['pages']:,} pages)",
                f"{statistics.median(res['get_alone']) * 1000:.2f} / {_p(res['get_alone'], 0.99):.2f}",
                f"{statistics.median(res['get_listing']) * 1000:.2f} / {_p(res['get_listing'], 0.99):.2f}",
                f"{res['lister_pages']:,}",
            )
        )
    r.table(
        [
            "runs",
            "first page p50 / p99 ms",
            "middle page p50 / p99 ms",
            "page through all, s",
            "GetJobRun alone p50 / p99 ms",
            "GetJobRun while listing p50 / p99 ms",
            "pages listed meanwhile",
        ],
        rows,
        "rrrrrrr",
    )
    memory = []
    for low, high in itertools.pairwise(results):
        added = high["runs"] - low["runs"]
        rss = (high["rss"] - low["rss"]) / added * 10_000
        estimate = (high["estimate"] - low["estimate"]) / added * 10_000
        memory.append((f"{low['runs']:,} → {high['runs']:,}", f"{rss / 2**20:.1f} MiB", f"{estimate / 2**20:.1f} MiB"))
    r.table(["runs", "server RSS per 10,000 runs", "the emulator's estimate (byte bound)"], memory, "lrr")
    small, large = results[0], results[-1]
    ratio = statistics.median(large["page_first"]) / statistics.median(small["page_first"])
    middle = statistics.median(large["page_middle"]) / statistics.median(small["page_middle"])
    verdict = "meets" if max(ratio, middle) <= 2 else "DOES NOT meet"
    r.add(
        f"A page at {large['size']:,} runs costs {ratio:.2f}x (first) and {middle:.2f}x (middle) a page at "
        f"{small['size']:,}; {verdict} the floor (at most 2x)."
    )
    return r.render()


def main(argv: Sequence[str] | None = None) -> int:
    found = parser(__doc__, quick="1,000 / 5,000 / 20,000 runs, fewer requests, shorter windows (smoke test)")
    options = found.parse_args(argv)
    s = Settings.of(options)
    emit(report(run(s), s), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
