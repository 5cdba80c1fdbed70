"""``jobrun-contracts validate``: check job specs (or responses) before they are submitted."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import click

from ..core import documents as _documents
from ..core import forms, registry
from ..core.registry import Direction
from ..core.sensitive import safe_violation
from ..core.validation import Violation, validator_for
from ..errors import InputError, JobrunContractsError, UsageError
from ..reports import FORMATS, DocumentResult, writer

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


@click.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--api", type=click.Choice(registry.APIS), help="The API; read from each document's path parameter when left out."
)
@click.option("--operation", default="StartJobRun", show_default=True, help="The operation the documents are for.")
@click.option("--response", is_flag=True, help="The documents are responses, not requests.")
@click.option(
    "--wire",
    is_flag=True,
    help="Check requests as they reach the service: the idempotency token (clientToken) is required. "
    "By default a job spec may leave it out, since every SDK and CLI fills it in.",
)
@click.option(
    "--strict/--lenient",
    default=None,
    help="Unknown fields are errors (default for requests) or are ignored (default for responses).",
)
@click.option(
    "--reference-only",
    is_flag=True,
    help="Check the API reference's constraints alone: leave out what the services' own guides and "
    "observed responses add or relax (schemas/service-rules.json; see docs/schemas.md).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="Give a top-level member every document lacks or should override, such as a path parameter "
    "(--set workspaceId=w-123 for an aliyun --body file). VALUE is JSON when it reads as JSON "
    '(10, true, {"a": 1}), else text; quote text that looks like a number: --set \'name="12"\'. Repeatable.',
)
@click.option(
    "--template",
    "templates",
    multiple=True,
    metavar="FILE",
    help="An EMR on EKS job template (a CreateJobTemplate input or a DescribeJobTemplate output, JSON or "
    "YAML; repeatable): a StartJobRun spec that runs from it is checked as the run the service would start.",
)
@click.option(
    "--input-form",
    type=click.Choice(forms.FORMS),
    default="auto",
    show_default=True,
    help="How each document is written: an operation input (cli-input, as --cli-input-json takes it), an AWS "
    "Step Functions definition or task (asl: every EMR task's Parameters or Arguments; also a CloudFormation or "
    "SAM template's state machines, Definition or DefinitionString), or Apache Airflow "
    "operator arguments (airflow: EmrServerlessStartJobOperator, EmrContainerOperator). auto reads it from "
    "the document (a path parameter, States, an operator) and says what it decided.",
)
@click.option(
    "--shape",
    metavar="NAME",
    help="Check each document as one named shape of the API (JobDriver, ConfigurationOverrides, ...; "
    "schemas/<api>/shapes.json), placed where the API holds it. Needs --api when several APIs have it.",
)
@click.option(
    "--placeholders/--literal-placeholders",
    default=True,
    show_default=True,
    help="Values that are a template placeholder (${NAME}, {{ ds }}) are known-unknown: not checked, and "
    "listed; a value only partly one is checked as far as its literal text decides. "
    "--literal-placeholders checks them as written.",
)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--max-bytes", type=click.IntRange(min=1), default=_documents.MAX_BYTES, show_default=True)
@click.option("--max-depth", type=click.IntRange(min=1), default=_documents.MAX_DEPTH, show_default=True)
@click.option(
    "--max-values",
    type=click.IntRange(min=1),
    default=_documents.MAX_VALUES,
    show_default=True,
    help="Refuse a document holding more values than this (what checking it may cost).",
)
@click.option(
    "--max-violations",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Report at most this many violations per document (the rest are counted).",
)
@click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="GLOB",
    help="Skip files and folders under a directory whose path or name matches (repeatable). "
    "Hidden ones (.name) are always skipped; a file named on the command line is always read.",
)
def validate_command(
    paths: tuple[str, ...],
    api: str | None,
    operation: str,
    response: bool,
    wire: bool,
    strict: bool | None,
    reference_only: bool,
    sets: tuple[str, ...],
    templates: tuple[str, ...],
    output_format: str,
    max_bytes: int,
    max_depth: int,
    excludes: tuple[str, ...],
    max_violations: int,
    max_values: int,
    input_form: str,
    shape: str | None,
    placeholders: bool,
) -> None:
    """Check JSON or YAML documents (files, directories, or - for stdin) against the API's schema.

    Each file is read, checked and reported before the next: the report streams, and memory
    stays flat however many files there are.

    Exit status: 1 when any document is invalid (files that could not be checked are reported
    too); otherwise 2 when something could not be checked or on a usage error; 0 all valid.
    """
    direction: Direction = "response" if response else "request"
    if api is not None:
        registry.operation(api, operation)  # fail early on an unknown operation
    if shape is not None:
        _check_shape(shape, api, operation, input_form)
    report = writer(output_format)
    files = _documents.expand(list(paths), excludes)
    click.echo(report.start(), nl=False)
    limits = (max_bytes, max_depth, max_values)
    known = _job_templates(templates, limits)
    checking = _Checking(
        operation,
        direction,
        wire,
        strict,
        reference_only,
        max_violations,
        known,
        _members(sets),
        input_form,
        shape,
        placeholders,
    )
    checks = _check(files, api, checking, limits)
    for result in checks:
        chunk = report.add(result)
        if chunk:
            click.echo(chunk, nl=False)
    if not report.totals.documents:
        raise InputError("no JSON or YAML files found in " + ", ".join(paths))
    click.echo(report.finish(), nl=False)
    totals = report.totals
    raise SystemExit(EXIT_INVALID if totals.invalid else EXIT_ERROR if totals.errors else EXIT_OK)


@dataclass(frozen=True)
class _Checking:
    """How each document is checked: the command's options, once."""

    operation: str
    direction: Direction
    wire: bool
    strict: bool | None
    reference_only: bool
    max_violations: int = 100
    #: job templates by id (None: a CreateJobTemplate input, which has no id yet), with their files
    templates: Mapping[str | None, tuple[str, Mapping[str, Any]]] = field(default_factory=dict)
    #: top-level members given on the command line (--set), laid over each document
    members: Mapping[str, Any] = field(default_factory=dict)
    form: str = "auto"  # --input-form
    shape: str | None = None  # --shape: each document is this named shape
    placeholders: bool = True  # ${...} and {{ ... }} values are known-unknown


def _check_shape(shape: str, api: str | None, operation: str, form: str) -> None:
    """An unknown --shape (or one that needs --api) is a usage error before any file is read."""
    forms.read({}, form=form, api=api, operation=operation, shape=shape)


def _members(sets: tuple[str, ...]) -> dict[str, Any]:
    """``--set NAME=VALUE`` pairs: VALUE as JSON when it reads as JSON, else as text."""
    found: dict[str, Any] = {}
    for item in sets:
        name, equals, text = item.partition("=")
        if not equals or not name:
            raise UsageError(f"--set takes NAME=VALUE, not {item!r}")
        try:
            found[name] = json.loads(text)
        except ValueError:
            found[name] = text
    return found


def _job_templates(paths: tuple[str, ...], limits: tuple[int, int, int]) -> dict[str | None, tuple[str, Any]]:
    """Each ``--template`` file's first document, by the id it names."""
    from ..core import job_templates

    found: dict[str | None, tuple[str, Any]] = {}
    for path in paths:
        documents = _documents.load(path, max_bytes=limits[0], max_depth=limits[1], max_values=limits[2])
        data = documents[0].data
        held = data.get("jobTemplate", data) if isinstance(data, Mapping) else None
        if not isinstance(held, Mapping) or not isinstance(held.get("jobTemplateData"), Mapping):
            raise InputError(
                "not a job template (a CreateJobTemplate input or a DescribeJobTemplate output)", path=path
            )
        described = "jobTemplate" in data
        direction: Direction = "response" if described else "request"
        operation = "DescribeJobTemplate" if described else "CreateJobTemplate"
        problems, count = validator_for(job_templates.API, operation, direction).first_violations(data, 1)
        if problems:
            kind = "DescribeJobTemplate output" if described else "CreateJobTemplate input"
            more = f" (and {count - 1} more)" if count > 1 else ""
            raise InputError(
                f"not a valid {kind}: {problems[0].pointer or '/'}: {problems[0].message}{more}", path=path
            )
        named = job_templates.template_id(data)
        if named in found:
            raise UsageError(
                f"two --template files for {named or 'a template without an id'}: {found[named][0]}, {path}"
            )
        found[named] = (path, data)
    return found


def _check(
    files: Iterator[str], api: str | None, checking: _Checking, limits: tuple[int, int, int]
) -> Iterator[DocumentResult]:
    for path in files:
        try:
            documents = _documents.load(path, max_bytes=limits[0], max_depth=limits[1], max_values=limits[2])
        except InputError as error:
            yield DocumentResult(path, None, error=error.reason, error_line=error.line)
            continue
        for document in documents:
            yield from _results(document, api, checking)


def _results(document: _documents.Document, api: str | None, checking: _Checking) -> Iterator[DocumentResult]:
    """Each operation input a document holds (a state machine may hold several), checked."""
    readings = forms.read(
        document.data,
        form=checking.form,
        api=api,
        operation=checking.operation,
        direction=checking.direction,
        placeholders_known=checking.placeholders,
        shape=checking.shape,
    )
    for reading in readings:
        yield _result(document, api, checking, reading)


def _result(
    document: _documents.Document, api: str | None, checking: _Checking, reading: forms.Reading
) -> DocumentResult:
    """One input checked; lines are looked up for its violations only, and the document is not kept."""
    operation = reading.operation
    direction = reading.direction  # --response's, but a task's Parameters or operator arguments are a request
    result = DocumentResult(document.path, document.index, direction=direction)
    if reading.form != "cli-input" or reading.within is not None:
        result.form, result.decided, result.root = reading.form, reading.decided, reading.root
        result.detected, result.part = reading.detected, reading.part
    result.notes = tuple(reading.notes)
    if reading.error is not None:
        result.error = reading.error
        result.error_line = document.line_of(reading.root) if reading.root else None
        return result
    data = reading.data
    if checking.members and isinstance(data, Mapping):
        data = {**data, **checking.members}  # the user knows: no note on every file
    # a task's Resource, an operator or a --shape names the API; an operation input, its path parameter
    told = reading.form != "cli-input" or reading.within is not None
    named = reading.api if told else registry.detect_api(data)
    result.api = named if told else api or named
    result.operation = operation
    if result.api is None:
        names = ", ".join(registry.CONTAINER_PARAMETER.values())
        result.error = (
            f"cannot tell which API this document is for (it has none of {names}); pass --api, "
            "or give the path parameter with --set (--set workspaceId=w-...); a Step Functions definition "
            "or Airflow operator arguments are read with --input-form asl or airflow"
        )
        return result
    if not told and api is not None and named is not None and named != api:
        member = registry.CONTAINER_PARAMETER[named]
        result.notes = (*result.notes, f"the document names {member}, which is {named}'s: is --api {api} right?")
    try:
        checker = validator_for(
            result.api,
            operation,
            direction,
            wire=checking.wire,
            strict=checking.strict,
            reference_only=checking.reference_only,
        )
        result.violations, total = checker.first_violations(data, checking.max_violations)
        if total > len(result.violations) and _may_drop(reading, result.violations):
            # the first ones may all be known-unknown: take every one, and cut after dropping them
            result.violations, total = checker.first_violations(data, total)
        result.omitted = total - len(result.violations)
        _with_template(result, data, checking)
    except JobrunContractsError as error:
        result.error = str(error)
    if result.violations and document.format == "yaml":
        result.violations = [_yaml_typing(v) for v in result.violations]
    if len(result.violations) >= _SKELETON_MIN:
        result.violations = _skeleton(list(result.violations))
    _in_document(result, reading)
    if len(result.violations) > checking.max_violations:
        result.omitted += len(result.violations) - checking.max_violations
        result.violations = result.violations[: checking.max_violations]
    wanted = [v.pointer for v in result.violations] + [p for p, _ in result.unchecked]
    if wanted:
        result.lines = document.lines_for(wanted)
    return result


def _may_drop(reading: forms.Reading, violations: Sequence[Violation]) -> bool:
    """Whether some of a reading's violations may be dropped: known-unknown values, a fragment's surroundings."""
    if violations:
        forms.scan_deferred(reading)
    return bool(reading.unknown or reading.partial or reading.unknown_keys or reading.within is not None)


def _in_document(result: DocumentResult, reading: forms.Reading) -> None:
    """Violations said about the user's own document: known-unknown values dropped (and listed),
    pointers and names as the document has them. Values are hidden first, where the schema is known."""
    if result.violations:
        forms.scan_deferred(reading)
    if not (reading.renames or reading.unknown or reading.partial or reading.unknown_keys or reading.problems):
        return
    kept = forms.kept(reading, result.violations)
    if reading.renames and result.api is not None and result.operation is not None:
        side: Direction = "response" if result.direction == "response" else "request"
        kept = [safe_violation(v, result.api, result.operation, side) for v in kept]
    result.violations = forms.restore(reading, kept)
    result.unchecked = forms.unchecked(reading)


def _with_template(result: DocumentResult, spec: Any, checking: _Checking) -> None:
    """A spec that runs from an EMR on EKS job template: checked merged with it, or said to need it."""
    from ..core import job_templates

    if (result.api, result.operation, result.direction) != (job_templates.API, "StartJobRun", "request"):
        return
    wanted = job_templates.needs_template(spec) if isinstance(spec, Mapping) else None
    if wanted is None:
        return
    given = checking.templates.get(wanted) or checking.templates.get(None)
    if given is None:
        result.notes = (
            *result.notes,
            f"runs from job template {wanted}: what the template gives (role, release, driver, parameters) "
            "is not checked; pass it with --template FILE",
        )
        return
    path, template = given
    result.violations = job_templates.hide_parameters(result.violations, template, spec)
    seen = {(v.pointer, v.keyword) for v in result.violations}
    merged = job_templates.merge(template, spec, reference_only=checking.reference_only)
    added = [v for v in merged.violations if (v.pointer, v.keyword) not in seen]
    room = max(checking.max_violations - len(result.violations), 0)
    result.violations = [*result.violations, *added[:room]]
    result.omitted += len(added) - len(added[:room])
    result.notes = (*result.notes, f"checked as the run job template {wanted} ({path}) would start")


def _yaml_typing(violation: Violation) -> Violation:
    """YAML 1.1 reads unquoted ``yes``, ``on``, ``10`` as booleans and numbers: say so where a string was due."""
    value = violation.instance
    if not isinstance(value, (bool, int, float)):
        return violation
    wanted = violation.constraint if isinstance(violation.constraint, list) else [violation.constraint]
    if violation.keyword != "type" or "string" not in wanted:
        return violation
    read = "true" if value is True else "false" if value is False else repr(value)
    if violation.sensitive:  # the value is not shown, however short (free text is scrubbed of long ones only)
        read = "a boolean" if isinstance(value, bool) else "a number"
    hint = f" (YAML read the unquoted value as {read}, not as text: put it in quotes)"
    return replace(violation, message=violation.message + hint)


_SKELETON_MIN = 5  # fewer placeholders than this are ordinary mistakes, reported one by one
_PLACEHOLDER_KEY = "KeyName"


def _skeleton(violations: list[Violation]) -> list[Violation]:
    """A ``--generate-cli-skeleton`` file left half filled: one violation for its placeholders, not dozens.

    The AWS CLI's skeleton writes ``""`` for strings, ``0`` for numbers and ``KeyName`` for map keys.
    """

    def placeholder(v: Violation) -> bool:
        value = v.instance
        return (
            (value == "" or (value == 0 and not isinstance(value, bool)))
            or f"/{_PLACEHOLDER_KEY}" in v.pointer
            or (isinstance(value, Mapping) and _PLACEHOLDER_KEY in value)
        )

    unfilled = [v for v in violations if placeholder(v)]
    if len(unfilled) < _SKELETON_MIN or len(unfilled) * 2 < len(violations):
        return violations
    rest = [v for v in violations if not placeholder(v)]
    first = unfilled[0]
    message = (
        f"{len(unfilled)} fields still hold the placeholders of a --generate-cli-skeleton file "
        f'("", 0, "{_PLACEHOLDER_KEY}"), starting at {first.pointer or "/"}: fill them in or delete them'
    )
    summary = Violation(first.pointer, "skeleton", message, None, "", first.schema_path)
    return [summary, *rest]
