"""Test control over plain HTTP, as a tool in another language would drive it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException

from jobrun_contracts.emulator import CONTROL_PREFIX, EmulatorServer

from .test_alibaba import API, get, start


def call(server: EmulatorServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + CONTROL_PREFIX + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_describe_advance_fail_outcome_reset(server: EmulatorServer, alibaba: Any) -> None:
    status, info = call(server, "GET", "")
    assert status == 200 and set(info["defaults"]) == set(info["apis"]) == {
        API,
        "aws-emr-serverless",
        "aws-emr-containers",
    }
    workspace = info["defaults"][API]

    run_id = start(alibaba, workspace)
    before = info["now"]
    status, moved = call(server, "POST", "/clock", {"advance": 12})
    assert status == 200 and moved["now"] == before + 12
    assert get(alibaba, workspace, run_id)["state"] == "Running"

    assert call(server, "POST", f"/runs/{run_id}/fail", {"reason": "disk full"}) == (
        200,
        {"jobRunId": run_id, "state": "Failed"},
    )
    assert get(alibaba, workspace, run_id)["stateChangeReason"]["message"] == "disk full"
    assert call(server, "POST", "/runs/jr-nope/fail")[0] == 404

    assert call(server, "POST", "/outcome", {"fail": True, "api": API})[0] == 200
    doomed = start(alibaba, workspace)
    call(server, "POST", "/clock", {"advance": 1000})
    assert get(alibaba, workspace, doomed)["state"] == "Failed"

    status, added = call(server, "POST", "/containers", {"api": API, "id": "w-extra"})
    assert (status, added["id"]) == (200, "w-extra")
    assert get(alibaba, "w-extra", start(alibaba, "w-extra"))["workspaceId"] == "w-extra"

    status, after = call(server, "POST", "/reset")
    assert status == 200 and after["defaults"] == info["defaults"]
    with pytest.raises(ClientException, match=r"InvalidJobRunId\.NotFound"):
        get(alibaba, workspace, run_id)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/clock", {"advance": -1}, 400),
        ("POST", "/clock", {"advance": "soon"}, 400),
        ("POST", "/containers", {"api": "gcp"}, 400),
        ("POST", "/outcome", {"api": "gcp"}, 400),
        ("GET", "/nothing-here", None, 404),
    ],
)
def test_bad_control_requests_get_a_clear_refusal(
    server: EmulatorServer, method: str, path: str, body: Any, status: int
) -> None:
    got, answer = call(server, method, path, body)
    assert got == status and answer["error"]
