"""``jobrun-contracts drift``: what a source (botocore, the Alibaba SDK) says that the shipped schemas do not."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..core import registry

EXIT_DRIFT = 1


@click.command("drift")
@click.option("--api", type=click.Choice(registry.APIS), help="One API (default: all; with --model, the model's).")
@click.option(
    "--model",
    type=click.Path(exists=True, path_type=Path),
    help="Compare this source, not the installed one: a botocore service-2.json[.gz], or the Alibaba SDK's folder.",
)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def drift_command(ctx: click.Context, api: str | None, model: Path | None, output: str) -> None:
    """Compare the shipped schemas with their machine-readable source, field by field.

    Members added or removed, required changed, limits, patterns and enums, operations and errors,
    and our corrections to the model that no longer apply. A new version string, or a model file
    whose bytes differ but whose content is the same, is no drift.

    Exit status: 0 no drift, 1 drift, 2 usage error or a model that cannot be read.
    """
    from ..sources.drift import api_of_model, drift

    apis = [api] if api else [api_of_model(model)] if model else list(registry.APIS)
    results = [drift(name, model) for name in apis]
    if output == "json":
        document = {"drift": any(r.changes for r in results), "apis": [r.as_json() for r in results]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=True))
    else:
        for result in results:
            said = f"{len(result.changes)} change(s)" if result.changes else "no drift"
            click.echo(f"{result.api}: {said} ({result.source} against the schemas read from {result.recorded})")
            for change in result.changes:
                click.echo(f"  {change.where}: {change.message}")
    if any(r.changes for r in results):
        ctx.exit(EXIT_DRIFT)
