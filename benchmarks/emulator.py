"""Benchmark the reference emulator against moto's server on the same AWS flow, in one run.

    python benchmarks/emulator.py              # 10 s per server
    python benchmarks/emulator.py --seconds 3  # shorter
    python benchmarks/emulator.py --quick      # half a second per server (smoke test)

Each server runs in its own process (``jobrun-contracts emulator`` and ``moto_server``), so the
clients never share an interpreter lock with it. Four client processes, each with its own boto3
``emr-serverless`` client and kept-alive connection, repeat StartJobRun + GetJobRun against one
application for the same wall time. Reported: completed pairs per second, and p50/p99 latency of
a pair. Also the time from launching each server to its first successful answer.
The report is Markdown on stdout, ready to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _harness import Report, emit, free_port, log, parser, running_server  # benchmarks/ is on sys.path

CLIENTS = 4
ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"
DRIVER = {"sparkSubmit": {"entryPoint": "s3://bucket/jobs/etl.py", "sparkSubmitParameters": "--conf spark.a=b"}}
QUICK_SECONDS = 0.5


@dataclass
class Settings:
    seconds: float  # the timed window, per server
    lead: float  # seconds for the clients to start and warm up before the window opens

    @classmethod
    def of(cls, options: argparse.Namespace) -> Settings:
        if options.quick:
            return cls(options.seconds or QUICK_SECONDS, 1.0)
        return cls(options.seconds or 10.0, 2.0)


@dataclass
class Server:
    name: str
    command: list[str]
    probe: str  # answers once the server is up
    url: str


def servers() -> list[Server]:
    ours_port, moto_port = free_port(), free_port()
    ours_url, moto_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{moto_port}"
    ours = [sys.executable, "-m", "jobrun_contracts", "emulator", "--port", str(ours_port), "--clock", "manual"]
    moto_server = Path(sys.executable).with_name("moto_server")
    moto = (
        [str(moto_server), "-p", str(moto_port)]
        if moto_server.exists()
        else [sys.executable, "-m", "moto.server", "-p", str(moto_port)]
    )
    return [
        Server("jobrun-contracts emulator", ours, f"{ours_url}/_emulator", ours_url),
        Server("moto server", moto, f"{moto_url}/moto-api/", moto_url),
    ]


def _client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "emr-serverless",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def _worker(url: str, application: str, seconds: float, start_at: float, queue: Any) -> None:
    client = _client(url)
    client.get_application(applicationId=application)  # connection and client warm before the clock starts
    while time.time() < start_at:
        time.sleep(0.001)
    latencies = []
    deadline = start_at + seconds
    while time.time() < deadline:
        began = time.perf_counter()
        run = client.start_job_run(applicationId=application, executionRoleArn=ROLE, jobDriver=DRIVER, name="bench")
        client.get_job_run(applicationId=application, jobRunId=run["jobRunId"])
        latencies.append(time.perf_counter() - began)
    queue.put(latencies)


def _drive(url: str, application: str, s: Settings) -> list[float]:
    """CLIENTS processes repeat the pair for the same window; every pair's latency, sorted."""
    queue: Any = multiprocessing.Queue()
    start_at = time.time() + s.lead
    workers = [
        multiprocessing.Process(target=_worker, args=(url, application, s.seconds, start_at, queue))
        for _ in range(CLIENTS)
    ]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    for _ in workers:
        latencies += queue.get(timeout=s.seconds + 120)
    for worker in workers:
        worker.join()
    return sorted(latencies)


def _measure(server: Server, s: Settings) -> dict[str, Any]:
    log(f"{server.name} ...")
    with running_server(server.command, server.probe) as startup:
        application = _client(server.url).create_application(name="bench", releaseLabel="emr-7.1.0", type="SPARK")[
            "applicationId"
        ]
        latencies = _drive(server.url, application, s)
    return {
        "name": server.name,
        "startup": startup,
        "pairs": len(latencies),
        "rate": len(latencies) / s.seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def report(results: list[dict[str, Any]], s: Settings) -> str:
    r = Report().add("## Emulator: StartJobRun + GetJobRun pairs over loopback")
    r.machine(["jobrun-contracts", "moto", "boto3", "botocore"])
    r.add(f"{CLIENTS} client processes, {s.seconds:g} s each; every server in its own process.")
    rows = [
        (res["name"], f"{res['rate']:.0f}", f"{res['p50']:.1f}", f"{res['p99']:.1f}", f"{res['startup'] * 1000:.0f}")
        for res in results
    ]
    r.table(["server", "pairs/s", "p50 ms", "p99 ms", "launch to first answer, ms"], rows, "lrrrr")
    ratio = results[0]["rate"] / results[1]["rate"] if results[1]["rate"] else float("inf")
    verdict = "meets" if ratio >= 1 else "DOES NOT meet"
    r.add(f"Throughput vs moto: {ratio:.2f}x; {verdict} the floor (at least moto's throughput).")
    return r.render()


def main(argv: Sequence[str] | None = None) -> int:
    found = parser(__doc__, quick=f"{QUICK_SECONDS:g} s per server, a shorter warm-up (smoke test)")
    found.add_argument(
        "--seconds", type=float, default=None, help=f"per server (default 10; {QUICK_SECONDS:g} with --quick)"
    )
    options = found.parse_args(argv)
    s = Settings.of(options)
    results = [_measure(server, s) for server in servers()]
    emit(report(results, s), options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
