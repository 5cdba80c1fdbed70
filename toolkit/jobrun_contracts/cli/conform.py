"""``jobrun-contracts conform``: run the contracts against a target and report clause by clause.

The run's options are conformance's option table (shared with the pytest plugin), turned into
click options here; click only collects the strings, and the table parses and checks them, so a
bad value reads the same in both front ends. ``--format`` and ``--report`` are this command's own.

Output streams: with ``--format text`` and an output that is not a terminal (a CI log, a pipe),
each clause's line is printed as it finishes and a summary follows; on a terminal a progress bar
runs on stderr and the table follows. ``json`` and ``junit`` print nothing until the run ends (a
progress bar on stderr when it is a terminal), so stdout stays one document. ``--report`` always
gets the whole report in the chosen format.

The report file is checked before the run starts (not found unwritable after it), and written
with what is known when the run stops early: on Ctrl-C (exit 130) or when the target answers
nothing at all (one line naming the cause, exit 2: a target error, not a conformance failure).
No secret is taken on the command line, where ``ps`` would show it: credentials come from the
environment (see the command's help).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..conformance import OPTIONS, Option
from ..errors import TargetError, UsageError

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
    """Check an implementation of the job-run APIs against the contracts; exit 1 if a MUST clause fails.

    \b
    Credentials for a URL target come from the environment, never the command line:
      AWS      botocore's chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
               AWS_PROFILE, instance roles...
      Alibaba  ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for STS,
               ALIBABA_CLOUD_SECURITY_TOKEN
    Reports replace every secret value and signature wherever it shows up.

    \b
    It creates what it checks, on the target: an EMR Serverless application or an EMR on EKS
    virtual cluster (unless --container names one), job runs, and EMR on EKS job templates.
    They are not removed afterwards. On a real account they cost money: point it at an
    emulator, or at an account and container meant for this.

    With --format text, each clause's line is printed as it finishes when the output is not a terminal
    (a CI log, a pipe), then a summary; on a terminal a progress bar runs until the table is printed.

    Exit 0: every MUST clause held; 1: one did not; 2: bad input, or the target answered
    nothing (the run stops); 130: interrupted (the report holds what was known).
    """
    from ..conformance import ClauseResult, resolve, run
    from ..reports.conformance import RENDERERS, render_line, render_summary

    asked = resolve(values)
    if report_file:
        _check_writable(report_file)
    clauses = asked.clauses()
    stream = output_format == "text" and not sys.stdout.isatty()  # a log or a pipe: each line as it is known
    with asked.open_target() as opened:
        show = sys.stderr.isatty() and not stream
        with click.progressbar(
            length=len(clauses), label=f"conform {asked.target}", file=sys.stderr, show_pos=True, hidden=not show
        ) as bar:

            def progress(result: ClauseResult) -> None:
                if stream:
                    click.echo(render_line(result), nl=False)  # click.echo flushes: the line shows now
                else:
                    bar.update(1)

            report = run(opened, clauses, asked.settings, progress=progress)
    rendered = RENDERERS[output_format](report)
    if report_file:
        Path(report_file).write_text(rendered, encoding="utf-8")
    if stream:  # the clauses' lines are out already: the counts, the shared causes and the totals follow
        rendered = render_summary(report)
    if report.interrupted:
        click.echo(rendered, nl=False)
        done = len(report.results)
        click.echo(f"jobrun-contracts: interrupted after {done} of {done + report.not_run} clauses", err=True)
        raise SystemExit(130)
    if report.stopped:  # the target is down: a target error, not a conformance finding
        raise TargetError(report.stopped)
    click.echo(rendered, nl=False)
    if report.must_failures:
        raise SystemExit(1)


def _check_writable(path: str) -> None:
    """Refuse a report path that could not be written, before the run rather than after it."""
    where = Path(path)
    folder = where.parent if str(where.parent) else Path(".")
    if where.is_dir():
        raise UsageError(f"--report {path}: is a directory")
    if not folder.is_dir():
        raise UsageError(f"--report {path}: no such directory {folder}")
    if not os.access(where if where.exists() else folder, os.W_OK):
        raise UsageError(f"--report {path}: not writable")
