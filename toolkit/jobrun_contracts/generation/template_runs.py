"""StartJobRun requests that fit a given EMR on EKS job template (``strategies.template_run_requests``).

A request names the template and gives its parameters, nothing the template holds (the rules:
``core.job_templates``). Each parameter's value is drawn for where the template uses it: a
placeholder that is a whole value (``"executionRoleArn": "${Role}"``) gets what StartJobRun's
schema allows there, with the realistic values the other strategies use; one inside a longer
string (``"--class ${MainClass}"``) gets a plain word; a ``NUMBER`` gets a whole number. Required
parameters are always given, those with a default now and then. Every request drawn is one that
:func:`~jobrun_contracts.core.job_templates.merge` accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..core.job_templates import (
    API,
    PLACEHOLDER,
    TEMPLATE_MEMBERS,
    declared_parameters,
    merge,
    placeholders,
    template_data,
)
from ..core.shapes import Shape, operation_shape
from ..core.validation import validator_for
from .compiler import SchemaCompiler
from .realistic import USUAL, providers

_WORD = st.from_regex(r"[A-Za-z][A-Za-z0-9_.]{0,15}", fullmatch=True)
_WHOLE_NUMBER = st.integers(0, 10_000).map(str)
_VALUE_MAX = 1024  # a parameter value is a String1024
_MEMBER = {"jobTags": "tags"}  # template member -> the StartJobRun member it becomes


def template_run_requests(
    template: Mapping[str, Any],
    template_id: str | None = None,
    *,
    virtual_cluster_id: str | None = None,
    wire: bool = False,
) -> SearchStrategy[dict[str, Any]]:
    """StartJobRun requests that run from ``template`` (a CreateJobTemplate input, a DescribeJobTemplate
    output, or the ``jobTemplateData`` itself) and that the template rules accept."""
    data = template_data(template)
    declared = declared_parameters(data)
    values = {name: _value_strategy(data, name, config) for name, config in declared.items()}
    required = [name for name, config in declared.items() if not isinstance(config.get("defaultValue"), str)]
    optional = [name for name in declared if name not in required]

    @st.composite
    def parameters(draw: st.DrawFn) -> dict[str, str]:
        chosen = {name: draw(values[name]) for name in required}
        for name in optional:
            if draw(st.booleans()):
                chosen[name] = draw(values[name])
        return chosen

    leave_out = (*TEMPLATE_MEMBERS, "jobTemplateId", "jobTemplateParameters")
    drawn = SchemaCompiler(API, "request", wire=wire, provider=providers(API).get, usual=USUAL).root("StartJobRun")
    base = drawn.map(lambda r: {k: v for k, v in r.items() if k not in leave_out})
    ids = st.just(template_id) if template_id is not None else st.from_regex(r"[0-9a-z]{25}", fullmatch=True)

    def build(parts: tuple[dict[str, Any], dict[str, str], str]) -> dict[str, Any]:
        request, chosen, named = parts
        request = {**request, "jobTemplateId": named}
        if chosen:
            request["jobTemplateParameters"] = chosen
        if virtual_cluster_id is not None:
            request["virtualClusterId"] = virtual_cluster_id
        return request

    valid = validator_for(API, "StartJobRun", "request", wire=wire).is_valid
    return st.tuples(base, parameters(), ids).map(build).filter(lambda r: valid(r) and merge(data, r).ok)


def _value_strategy(data: Mapping[str, Any], name: str, config: Mapping[str, Any]) -> SearchStrategy[str]:
    if config.get("type") == "NUMBER":
        return _WHOLE_NUMBER
    for path, used in _uses(data):
        if used != name:
            continue
        value = _at(data, path)
        if isinstance(value, str) and PLACEHOLDER.fullmatch(value):
            drawn = _schema_strategy(path)
            if drawn is not None:
                return drawn
    return _WORD


def _uses(data: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    return [
        (path, name)
        for member, value in data.items()
        if member != "parameterConfiguration"
        for path, name in placeholders(value, (member,))
    ]


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _schema_strategy(path: tuple[str | int, ...]) -> SearchStrategy[str] | None:
    """What StartJobRun's schema allows at the merged request's ``path`` (a template path), if a string."""
    shape: Shape | None = operation_shape(API, "StartJobRun", "request")
    parts = [_MEMBER.get(str(path[0]), str(path[0])), *path[1:]]
    for part in parts:
        if shape is None:
            return None
        if isinstance(part, int):
            shape = shape.items
        elif part in shape.properties:
            shape = shape.properties[part]
        else:
            shape = shape.additional if isinstance(shape.additional, Shape) else None
    if shape is None or shape.type != "string":
        return None
    compiler = SchemaCompiler(API, "request", wire=False, provider=providers(API).get, usual=USUAL)
    field = next((str(p) for p in reversed(parts) if isinstance(p, str)), None)
    drawn = compiler.compile(shape, field)
    return None if drawn is None else drawn.filter(_fits)


def _fits(value: Any) -> bool:
    """Whether a drawn value can be a parameter value (TemplateParameterInputMap's String1024) as it is."""
    return isinstance(value, str) and 1 <= len(value) <= _VALUE_MAX and not value.isspace() and "${" not in value
