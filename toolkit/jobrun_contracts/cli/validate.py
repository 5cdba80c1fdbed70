"""``jobrun-contracts validate``: check job specs (or responses) before they are submitted."""

from __future__ import annotations

from collections.abc import Iterator

import click

from ..core import documents as _documents
from ..core import registry
from ..core.registry import Direction
from ..core.validation import validator_for
from ..errors import InputError, JobrunContractsError
from ..reports import FORMATS, DocumentResult, reporter

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
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--max-bytes", type=click.IntRange(min=1), default=_documents.MAX_BYTES, show_default=True)
@click.option("--max-depth", type=click.IntRange(min=1), default=_documents.MAX_DEPTH, show_default=True)
def validate_command(
    paths: tuple[str, ...],
    api: str | None,
    operation: str,
    response: bool,
    wire: bool,
    strict: bool | None,
    output_format: str,
    max_bytes: int,
    max_depth: int,
) -> None:
    """Check JSON or YAML documents (files, directories, or - for stdin) against the API's schema.

    Exit status: 0 all valid, 1 a document is invalid, 2 usage error or unreadable input.
    """
    direction: Direction = "response" if response else "request"
    if api is not None:
        registry.operation(api, operation)  # fail early on an unknown operation
    results = list(_check(list(paths), api, operation, direction, wire, strict, max_bytes, max_depth))
    click.echo(reporter(output_format)(results), nl=False)
    if any(r.error is not None for r in results):
        raise SystemExit(EXIT_ERROR)
    raise SystemExit(EXIT_INVALID if any(not r.valid for r in results) else EXIT_OK)


def _check(
    paths: list[str],
    api: str | None,
    operation: str,
    direction: Direction,
    wire: bool,
    strict: bool | None,
    max_bytes: int,
    max_depth: int,
) -> Iterator[DocumentResult]:
    files = list(_documents.expand(paths))
    if not files:
        raise InputError("no JSON or YAML files found in " + ", ".join(paths))
    for path in files:
        try:
            documents = _documents.load(path, max_bytes=max_bytes, max_depth=max_depth)
        except InputError as error:
            yield DocumentResult(path, None, error=error.reason, error_line=error.line)
            continue
        for document in documents:
            result = DocumentResult(path, document.index, direction=direction, lines=document.lines)
            result.api = api or registry.detect_api(document.data)
            result.operation = operation
            if result.api is None:
                names = ", ".join(registry.CONTAINER_PARAMETER.values())
                result.error = f"cannot tell which API this document is for (it has none of {names}); pass --api"
                yield result
                continue
            try:
                checker = validator_for(result.api, operation, direction, wire=wire, strict=strict)
                result.violations = checker.validate(document.data)
            except JobrunContractsError as error:
                result.error = str(error)
            yield result
