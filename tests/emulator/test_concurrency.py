"""Many clients at once: one run per client token, and nothing lost from the lists."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jobrun_contracts.emulator import Emulator, EmulatorServer

from .clients import ROLE, aws_client

DRIVER = {"sparkSubmit": {"entryPoint": "s3://bucket/jobs/etl.py"}}


def test_shared_tokens_from_many_threads_make_exactly_one_run_each(server: EmulatorServer, emulator: Emulator) -> None:
    app = emulator.defaults["aws-emr-serverless"]
    local = threading.local()

    def client() -> Any:
        if not hasattr(local, "client"):  # boto3 clients are thread-safe, but one each exercises more connections
            local.client = aws_client("emr-serverless", server.url)
        return local.client

    tokens = [f"token-{i % 10}" for i in range(80)] + [f"solo-{i}" for i in range(40)]

    def submit(token: str) -> tuple[str, str]:
        response = client().start_job_run(applicationId=app, clientToken=token, executionRoleArn=ROLE, jobDriver=DRIVER)
        return token, response["jobRunId"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(submit, tokens))

    by_token: dict[str, set[str]] = {}
    for token, run_id in results:
        by_token.setdefault(token, set()).add(run_id)
    assert all(len(runs) == 1 for runs in by_token.values())
    expected = {next(iter(runs)) for runs in by_token.values()}
    assert len(expected) == 50

    paginator = aws_client("emr-serverless", server.url).get_paginator("list_job_runs")
    listed = [
        r["id"]
        for page in paginator.paginate(applicationId=app, PaginationConfig={"PageSize": 7})
        for r in page["jobRuns"]
    ]
    assert sorted(listed) == sorted(expected)
