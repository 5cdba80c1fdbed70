"""Test control over HTTP, under ``/_emulator``, so tools in any language can drive time and outcomes.

GET  /_emulator                      what is served, the default container ids, the clock
POST /_emulator/clock                {"advance": seconds}
POST /_emulator/runs/{jobRunId}/fail {"reason": "..."} (optional)
POST /_emulator/outcome              {"fail": true|false, "api": "..."} for runs submitted later
POST /_emulator/containers           {"api": "...", "id": "..."} add an application, cluster or workspace
POST /_emulator/reset                forget everything; defaults come back with the same ids
GET  /_emulator/limits               the bound on runs kept, and what it holds
POST /_emulator/limits               {"maxRuns": n, "maxBytes": n} (either) change it, evicting at once
GET  /_emulator/openapi/{api}        the OpenAPI 3.1 document of an API
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..errors import JobrunContractsError
from ..wire.codec import BodyError, json_object
from ..wire.messages import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from .app import Emulator


def handle_control(emulator: Emulator, request: HttpRequest, path: str, query: list[tuple[str, str]]) -> HttpResponse:
    parts = [p for p in path.split("/") if p]
    try:
        body = json_object(request.body)
    except BodyError as error:
        return _answer(400, {"error": str(error)})
    method = request.method
    try:
        if not parts and method == "GET":
            return _answer(200, describe(emulator))
        if parts == ["clock"] and method == "GET":
            return _answer(200, {"now": emulator.clock.now()})
        if parts == ["clock"] and method == "POST":
            seconds = body.get("advance")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
                return _answer(400, {"error": "'advance' must be a number of seconds"})
            try:
                return _answer(200, {"now": emulator.advance(float(seconds))})
            except (ValueError, OverflowError) as error:
                return _answer(400, {"error": str(error)})
        if len(parts) == 3 and parts[0] == "runs" and parts[2] == "fail" and method == "POST":
            reason = body.get("reason", "Job run failed: failure injected by the test.")
            try:
                state = emulator.fail(parts[1], str(reason))
            except KeyError:
                return _answer(404, {"error": f"no job run {parts[1]}"})
            return _answer(200, {"jobRunId": parts[1], "state": state})
        if parts == ["outcome"] and method == "POST":
            api = body.get("api")
            if api is not None and api not in emulator.apis:
                return _answer(400, {"error": f"not served here: {api}"})
            emulator.fail_new_runs(bool(body.get("fail", True)), api)
            return _answer(200, {"fail": bool(body.get("fail", True)), "api": api})
        if parts == ["containers"] and method == "POST":
            api, wanted = body.get("api"), body.get("id")
            if api not in emulator.apis:
                return _answer(400, {"error": f"'api' must be one of {', '.join(emulator.apis)}"})
            if wanted is not None and (not isinstance(wanted, str) or not wanted or "/" in wanted):
                return _answer(400, {"error": "'id' must be a non-empty string without '/'"})
            container_id = emulator.create_container(api, wanted)
            return _answer(200, {"api": api, "id": container_id})
        if parts == ["limits"] and method == "GET":
            return _answer(200, emulator.limits())
        if parts == ["limits"] and method == "POST":
            unknown = sorted(set(body) - {"maxRuns", "maxBytes"})
            if unknown or not body:
                return _answer(400, {"error": "give 'maxRuns', 'maxBytes' or both, and nothing else"})
            return _answer(200, emulator.set_limits(body.get("maxRuns"), body.get("maxBytes")))
        if parts == ["reset"] and method == "POST":
            emulator.reset()
            return _answer(200, describe(emulator))
        if len(parts) == 2 and parts[0] == "openapi" and method == "GET":
            from ..openapi import openapi_document

            if parts[1] not in emulator.apis:
                return _answer(404, {"error": f"not served here: {parts[1]}"})
            return _answer(200, openapi_document(parts[1]))
    except JobrunContractsError as error:
        return _answer(400, {"error": str(error)})
    return _answer(404, {"error": f"no control operation {method} /_emulator/{'/'.join(parts)}"})


def describe(emulator: Emulator) -> dict[str, Any]:
    return {
        "apis": list(emulator.apis),
        "defaults": dict(emulator.defaults),
        "now": emulator.clock.now(),
        "signatures": "checked" if emulator.credentials else "not checked",
    }


def _answer(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json"}, json.dumps(body).encode())
