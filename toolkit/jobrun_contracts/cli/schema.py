"""``jobrun-contracts schema``: one operation's schema as a single file other JSON Schema tools use as it is."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..core import registry
from ..errors import UsageError


def _dump(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


@click.command("schema")
@click.option("--api", type=click.Choice(registry.APIS), help="The API (not needed with --catalog).")
@click.option("--operation", default="StartJobRun", show_default=True)
@click.option("--response", is_flag=True, help="The response schema instead of the request's.")
@click.option("--wire", is_flag=True, help="As the request reaches the service: the idempotency token is required.")
@click.option("--dialect", type=click.Choice(["2020-12", "draft-07"]), default="2020-12", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
@click.option(
    "--catalog",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every API's StartJobRun request schema and a SchemaStore-style catalog.json into DIR.",
)
def schema_command(
    api: str | None,
    operation: str,
    response: bool,
    wire: bool,
    dialect: str,
    output: Path | None,
    catalog: Path | None,
) -> None:
    """Write a self-contained JSON Schema whose plain meaning is jobrun-contracts' own.

    References are inlined, patterns anchored and spelled for ECMA-262 and Python alike, and the
    idempotency token optional unless --wire. For editors (VS Code, yaml-language-server),
    check-jsonschema and ajv (use strict: false, or declare the x- keywords).
    """
    from ..schema_export import catalog_entries, single_file_schema

    if catalog is not None:
        if api or response or wire or operation != "StartJobRun":
            raise UsageError(
                "--catalog writes every API's StartJobRun request schema: "
                "leave out --api, --operation, --response and --wire"
            )
        entries = catalog_entries()
        for entry in entries:
            name = entry["url"].split(".")[0]
            _write(catalog / entry["url"], _dump(single_file_schema(name, "StartJobRun", dialect=dialect)))
        document = {"$schema": "https://json.schemastore.org/schema-catalog.json", "version": 1, "schemas": entries}
        _write(catalog / "catalog.json", _dump(document))
        click.echo(f"wrote {len(entries)} schemas and catalog.json to {catalog}")
        return
    if api is None:
        raise UsageError(f"--api is required; choose from {', '.join(registry.APIS)}")
    text = _dump(single_file_schema(api, operation, "response" if response else "request", wire=wire, dialect=dialect))
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)
