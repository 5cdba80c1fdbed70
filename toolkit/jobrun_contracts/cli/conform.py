"""``jobrun-contracts conform``: run the contracts against a target and report clause by clause.

The run's options are conformance's option table (shared with the pytest plugin), turned into
click options here; click only collects the strings, and the table parses and checks them, so a
bad value reads the same in both front ends. ``--format`` and ``--report`` are this command's own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..conformance import OPTIONS, Option

_F = TypeVar("_F", bound=Callable[..., Any])


def _click_option(option: Option) -> Callable[[_F], _F]:
    shown = option.default not in (None, ())
    return click.option(
        f"--{option.name}",
        option.dest,
        type=click.STRING,
        multiple=option.multiple,
        default=option.default,
        show_default=shown,
        metavar=option.metavar,
        help=option.help,
    )


def _conform_options(command: _F) -> _F:
    for option in reversed(OPTIONS):  # decorators apply bottom-up; the help lists the table's order
        command = _click_option(option)(command)
    return command


@click.command("conform")
@_conform_options
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True
)
@click.option(
    "--report", "report_file", type=click.Path(dir_okay=False, writable=True), help="Write the report here too."
)
def conform_command(output_format: str, report_file: str | None, **values: Any) -> None:
    """Check an implementation of the job-run APIs against the contracts; exit 1 if a MUST clause fails."""
    from ..conformance import resolve, run
    from ..reports.conformance import RENDERERS

    asked = resolve(values)
    clauses = asked.clauses()
    with asked.open_target() as opened:
        show = sys.stderr.isatty()
        with click.progressbar(
            length=len(clauses), label=f"conform {asked.target}", file=sys.stderr, show_pos=True, hidden=not show
        ) as bar:
            report = run(opened, clauses, asked.settings, progress=lambda result: bar.update(1))
    rendered = RENDERERS[output_format](report)
    click.echo(rendered, nl=False)
    if report_file:
        Path(report_file).write_text(rendered, encoding="utf-8")
    if report.must_failures:
        raise SystemExit(1)
