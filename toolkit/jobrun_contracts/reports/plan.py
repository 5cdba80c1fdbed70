"""Output of ``conform --dry-run``: the requests a run would send, as text (by API and clause) or JSON.

Request bodies hold generated text (any character a schema allows), so the text form prints every
value through ``one_line``; the JSON form is one document, with the members of ``PlannedStep``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..conformance import Plan
from ._escape import one_line


def render_plan_text(plan: Plan) -> str:
    skipped = sum(1 for c in plan.clauses if c.skipped)
    lines = [
        f"dry run against {one_line(plan.target)}: nothing was sent. The run would send {plan.requests} requests "
        f"for {len(plan.clauses)} clauses ({skipped} skipped), and more where a step polls or pages.",
        "Placeholders <...> stand for what the target's answers fill in; sensitive values are hidden, nothing is "
        "signed.",
    ]
    for api in dict.fromkeys(c.clause.api for c in plan.clauses):
        lines += ["", one_line(api)]
        prepared = plan.preparations.get(api)
        if prepared is not None:
            lines.append(f"  prepare  {_request(prepared.method, prepared.target, prepared.body)}")
            lines.append(f"           {one_line(prepared.note)}")
        entries = [c for c in plan.clauses if c.clause.api == api]
        for entry in entries:
            if entry.skipped:
                continue
            lines.append(f"  {entry.clause.level:6}  {one_line(f'{entry.clause.operation}::{entry.clause.id}')}")
            for step in entry.steps:
                shown = f"  {_request(step.method, step.target, step.body)}" if step.method else ""
                note = f"  ({one_line(step.note)})" if step.note else ""
                lines.append(f"    {one_line(step.step)}  {one_line(step.operation)}{shown}{note}")
        reasons: dict[str, list[str]] = {}
        for entry in entries:
            if entry.skipped:
                name = one_line(f"{entry.clause.operation}::{entry.clause.id}")
                reasons.setdefault(entry.skipped, []).append(f"{entry.clause.level:6}  {name}")
        for reason, names in reasons.items():  # one cause, many clauses: said once
            lines.append(f"  skip  {len(names)} clause{'s' if len(names) > 1 else ''}  {one_line(reason)}")
            lines += [f"{'':16}{name}" for name in names]
    lines += ["", f"cleanup: {one_line(plan.cleanup)}"]
    return "\n".join(lines) + "\n"


def _request(method: str, target: str, body: str) -> str:
    return one_line(f"{method} {target}" + (f"  {body}" if body else ""))


def render_plan_json(plan: Plan) -> str:
    data: dict[str, Any] = {
        "dry_run": True,
        "target": plan.target,
        "requests": plan.requests,
        "preparations": {api: step.to_dict() for api, step in plan.preparations.items()},
        "clauses": [
            {
                "id": entry.clause.node_id,
                "api": entry.clause.api,
                "operation": entry.clause.operation,
                "clause": entry.clause.id,
                "level": entry.clause.level,
                "skipped": entry.skipped,
                "steps": [step.to_dict() for step in entry.steps],
            }
            for entry in plan.clauses
        ],
        "cleanup": plan.cleanup,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


PLAN_RENDERERS: dict[str, Callable[[Plan], str]] = {"text": render_plan_text, "json": render_plan_json}
