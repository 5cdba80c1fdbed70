"""``jobrun-contracts conform``: run the contracts against a target and report clause by clause."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core import registry


@click.command("conform")
@click.option("--target", default="builtin", show_default=True, help="builtin, moto, or an http(s):// base URL.")
@click.option(
    "--api", "apis", multiple=True, type=click.Choice(registry.APIS), help="Check only this API (repeatable)."
)
@click.option(
    "--level",
    type=click.Choice(["MUST", "SHOULD"]),
    default="SHOULD",
    show_default=True,
    help="MUST: documented behaviour only; SHOULD adds observed behaviour. Only MUST failures fail the run.",
)
@click.option(
    "--contracts", "contract_dirs", multiple=True, type=click.Path(file_okay=False), help="More contract files."
)
@click.option("--examples", type=click.IntRange(0, 10_000), default=10, show_default=True, help="Per fuzzing clause.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--container", "containers", multiple=True, metavar="API=ID", help="Use an existing container.")
@click.option("--region", default="us-east-1", show_default=True, help="AWS region for signing (URL targets).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds per request.")
@click.option(
    "--clause-timeout", type=click.FloatRange(min=1), default=120.0, show_default=True, help="Seconds per clause."
)
@click.option(
    "--run-timeout", type=click.FloatRange(min=1), help="Seconds for the whole run; later clauses fail as not run."
)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True
)
@click.option(
    "--report", "report_file", type=click.Path(dir_okay=False, writable=True), help="Write the report here too."
)
def conform_command(
    target: str,
    apis: tuple[str, ...],
    level: str,
    contract_dirs: tuple[str, ...],
    examples: int,
    seed: int,
    containers: tuple[str, ...],
    region: str,
    timeout: float,
    clause_timeout: float,
    run_timeout: float | None,
    output_format: str,
    report_file: str | None,
) -> None:
    """Check an implementation of the job-run APIs against the contracts; exit 1 if a MUST clause fails."""
    from ..conformance import Settings, all_clauses, open_target, run
    from ..errors import UsageError
    from ..reports.conformance import RENDERERS

    chosen = list(apis) or list(registry.APIS)
    given = {}
    for pair in containers:
        api, sep, container = pair.partition("=")
        if not sep or api not in registry.APIS or not container:
            raise UsageError(f"--container takes API=ID with a known API, not '{pair}'")
        given[api] = container
    clauses = all_clauses(chosen, level=level, extra_dirs=contract_dirs, examples=examples)  # type: ignore[arg-type]
    settings = Settings(timeout=timeout, clause_timeout=clause_timeout, run_timeout=run_timeout, seed=seed)
    with open_target(target, chosen, containers=given, region=region) as opened:
        show = sys.stderr.isatty()
        with click.progressbar(
            length=len(clauses), label=f"conform {target}", file=sys.stderr, show_pos=True, hidden=not show
        ) as bar:
            report = run(opened, clauses, settings, progress=lambda result: bar.update(1))
    rendered = RENDERERS[output_format](report)
    click.echo(rendered, nl=False)
    if report_file:
        Path(report_file).write_text(rendered, encoding="utf-8")
    if report.must_failures:
        raise SystemExit(1)
