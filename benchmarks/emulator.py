"""Benchmark the reference emulator against moto's server on the same AWS flow, in one run.

    python benchmarks/emulator.py              # 10 s per server
    python benchmarks/emulator.py --seconds 3  # shorter (CI smoke test)

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
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from _report import machine_info, table  # benchmarks/ is on sys.path when a script runs

CLIENTS = 4
ROLE = "arn:aws:iam::123456789012:role/EMRServerlessJobRole"
DRIVER = {"sparkSubmit": {"entryPoint": "s3://bucket/jobs/etl.py", "sparkSubmitParameters": "--conf spark.a=b"}}


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _launch(command: list[str], url: str) -> tuple[subprocess.Popen[bytes], float]:
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                break
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP error status: it is up and answering
                break
            if process.poll() is not None:
                raise SystemExit(f"server exited early: {' '.join(command)}") from None
            time.sleep(0.01)
    return process, time.perf_counter() - began


def _measure(name: str, command: list[str], probe: str, url: str, seconds: float) -> dict[str, Any]:
    process, startup = _launch(command, probe)
    try:
        application = _client(url).create_application(name="bench", releaseLabel="emr-7.1.0", type="SPARK")[
            "applicationId"
        ]
        queue: Any = multiprocessing.Queue()
        start_at = time.time() + 2.0
        workers = [
            multiprocessing.Process(target=_worker, args=(url, application, seconds, start_at, queue))
            for _ in range(CLIENTS)
        ]
        for worker in workers:
            worker.start()
        latencies: list[float] = []
        for _ in workers:
            latencies += queue.get(timeout=seconds + 120)
        for worker in workers:
            worker.join()
    finally:
        process.terminate()
        process.wait(timeout=10)
    latencies.sort()
    return {
        "name": name,
        "startup": startup,
        "pairs": len(latencies),
        "rate": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    ours_port, moto_port = _free_port(), _free_port()
    ours_url, moto_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{moto_port}"
    ours = [sys.executable, "-m", "jobrun_contracts", "emulator", "--port", str(ours_port), "--clock", "manual"]
    moto_server = Path(sys.executable).with_name("moto_server")
    moto = (
        [str(moto_server), "-p", str(moto_port)]
        if moto_server.exists()
        else [sys.executable, "-m", "moto.server", "-p", str(moto_port)]
    )

    results = [
        _measure("jobrun-contracts emulator", ours, f"{ours_url}/_emulator", ours_url, args.seconds),
        _measure("moto server", moto, f"{moto_url}/moto-api/", moto_url, args.seconds),
    ]

    print("## Emulator: StartJobRun + GetJobRun pairs over loopback\n")
    print(table(["", ""], machine_info(["jobrun-contracts", "moto", "boto3", "botocore"])))
    print(f"\n{CLIENTS} client processes, {args.seconds:g} s each; every server in its own process.\n")
    rows = [
        (
            r["name"],
            f"{r['rate']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p99']:.1f}",
            f"{r['startup'] * 1000:.0f}",
        )
        for r in results
    ]
    print(table(["server", "pairs/s", "p50 ms", "p99 ms", "launch to first answer, ms"], rows, "lrrrr"))
    ratio = results[0]["rate"] / results[1]["rate"] if results[1]["rate"] else float("inf")
    verdict = "meets" if ratio >= 1 else "DOES NOT meet"
    print(f"\nThroughput vs moto: {ratio:.2f}x; {verdict} the floor (at least moto's throughput).")


if __name__ == "__main__":
    main()
