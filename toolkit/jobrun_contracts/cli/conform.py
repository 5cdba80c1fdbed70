"""``jobrun-contracts conform``: run the contracts against a target and report clause by clause.

The run's options are conformance's option table (shared with the pytest plugin), turned into
click options here; click only collects the strings, and the table parses and checks them, so a
bad value reads the same in both front ends. ``--format`` and ``--report`` are this command's own;
a report file named ``*.html`` gets the HTML page whatever ``--format`` prints. The baseline
(``--baseline``) is applied to each clause as it finishes, so a streamed line already says known.

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
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..conformance import OPTIONS, Option
from ..errors import TargetError, UsageError

if TYPE_CHECKING:
    from ..conformance import Cleanup, RunOptions, Settings, Target

_F = TypeVar("_F", bound=Callable[..., Any])


def _click_option(option: Option) -> Callable[[_F], _F]:
    if option.flag:
        return click.option(f"--{option.name}", option.dest, is_flag=True, default=option.default, help=option.help)
    # a float default goes to click as text ("60", as a user would type it), so --help shows it so
    default = option.shown_default if isinstance(option.default, float) else option.default
    return click.option(
        f"--{option.name}",
        option.dest,
        type=click.STRING,
        multiple=option.multiple,
        default=default,
        show_default=option.shown_default is not None,
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
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "junit", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report here too: in the --format, or as a self-contained HTML page when FILE ends in "
    ".html or .htm (so --format json --report out.html gives both).",
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
    On a real account they cost money (job runs bill while they run; a virtual cluster does
    not): point it at an emulator, or at an account and container meant for this.
    At the end, also after Ctrl-C or --run-timeout, it removes them: the runs that have not
    ended are cancelled, the job templates deleted, the application stopped and deleted and the
    virtual cluster deleted (never a --container, never an Alibaba workspace); what could not be
    removed is listed with its id, and does not change the exit status. --keep keeps them all
    (listed). builtin and moto need no cleanup: their servers go away with the run.
    --dry-run prints the requests a run would send and sends none.

    With --format text, each clause's line is printed as it finishes when the output is not a terminal
    (a CI log, a pipe), then a summary; on a terminal a progress bar runs until the table is printed.

    With --baseline FILE, failures FILE records are reported as known, not failed, and recorded
    clauses that pass as fixed; --write-baseline FILE records this run's failures (a clause is the
    same failure whatever its reason's ids, times and ports; see docs/contracts.md).

    Exit 0: every MUST clause held (or failed as the baseline records); 1: one did not; 2: bad
    input (a malformed baseline too), or the target answered nothing (the run stops); 130:
    interrupted (the report holds what was known).
    """
    from ..conformance import ClauseResult, resolve, run
    from ..reports.cleanup import cleanup_lines
    from ..reports.conformance import RENDERERS, render_line, render_summary

    asked = resolve(values)
    if asked.dry_run and output_format not in ("text", "json"):
        raise UsageError(f"--dry-run prints text or json, not {output_format}")
    if asked.dry_run and report_file and _is_html(report_file):  # the page is a run's report; a plan has no page
        raise UsageError(f"--dry-run writes text or json, not an HTML page: --report {report_file}")
    if report_file:
        _check_writable(report_file)
    if asked.dry_run:
        _dry_run(asked, output_format, report_file)
        return
    previous = None  # the file --write-baseline replaces: what this run does not decide is kept
    if asked.write_baseline:
        _check_writable(asked.write_baseline, "--write-baseline", replaced=True)
        where = Path(asked.write_baseline)
        if where.exists() and not (where.is_file() and where.stat().st_size == 0):  # empty (mktemp's): nothing kept
            from ..conformance.baseline import load

            previous = load(asked.write_baseline, "--write-baseline")
    baseline_error = ""  # why --write-baseline could not be written, once the run is over
    baseline = asked.baseline
    clauses = asked.clauses()
    stream = output_format == "text" and not sys.stdout.isatty()  # a log or a pipe: each line as it is known
    with asked.open_target() as opened:
        show = sys.stderr.isatty() and not stream
        with click.progressbar(
            length=len(clauses), label=f"conform {asked.target}", file=sys.stderr, show_pos=True, hidden=not show
        ) as bar:
            held: list[str] = []  # lines of clauses the target did not answer: said only if it answers again

            def progress(result: ClauseResult) -> None:
                if baseline is not None:  # before its line is printed: a recorded failure streams as known
                    baseline.mark(result)
                if not stream:
                    bar.update(1)
                elif result.unanswered:
                    held.append(render_line(result))
                else:
                    click.echo("".join(held) + render_line(result), nl=False)  # click.echo flushes: shown now
                    held.clear()

            report = run(opened, clauses, asked.settings, progress=progress)
            down = report.stopped is not None and not report.interrupted  # Ctrl-C says nothing of the target
            if stream and held and not down:  # a down target is one line (below), not one per clause
                click.echo("".join(held), nl=False)
        report.cleanup = _clean_up(opened, asked.settings)
    if baseline is not None:
        baseline.apply(report)
    rendered = RENDERERS[output_format](report)
    if report_file:
        Path(report_file).write_text(RENDERERS["html"](report) if _is_html(report_file) else rendered, encoding="utf-8")
    if asked.write_baseline and not report.stopped:  # a run cut short would record only part of the failures
        from ..conformance.baseline import write

        try:
            written = write(asked.write_baseline, report.results, previous)
        except OSError as error:  # said after the report, which is printed whatever happens to the file
            baseline_error = f"--write-baseline {asked.write_baseline}: not written ({error.strerror or error})"
        else:
            from ..conformance.baseline import entries_of

            fresh = len(entries_of(report.results))
            kept = f", {written - fresh} kept from it (clauses this run did not decide)" if written > fresh else ""
            click.echo(f"jobrun-contracts: {fresh} failed clauses written to {asked.write_baseline}{kept}", err=True)
    if stream:  # the clauses' lines are out already: the counts, the shared causes and the totals follow
        rendered = render_summary(report)
    if report.cleanup is not None and report.cleanup.interrupted and not report.interrupted:
        click.echo(rendered, nl=False)
        click.echo("jobrun-contracts: interrupted while removing what the run created (the report lists it)", err=True)
        raise SystemExit(130)
    if report.interrupted:
        click.echo(rendered, nl=False)
        done = len(report.results)
        unwritten = f"; {asked.write_baseline} not written" if asked.write_baseline else ""
        click.echo(
            f"jobrun-contracts: interrupted after {done} of {done + report.not_run} clauses{unwritten}", err=True
        )
        raise SystemExit(130)
    if report.stopped:  # the target is down: a target error, not a conformance finding
        if report.cleanup is not None and report.cleanup.left:  # the ids, where a person sees them
            click.echo("\n".join(cleanup_lines(report.cleanup)), err=True)
        raise TargetError(report.stopped + (f" ({asked.write_baseline} not written)" if asked.write_baseline else ""))
    click.echo(rendered, nl=False)
    if baseline_error:
        raise UsageError(baseline_error)
    if report.must_failures:
        raise SystemExit(1)


def _clean_up(target: Target, settings: Settings) -> Cleanup | None:
    """What the run made, removed (or, with --keep, listed); a second Ctrl-C stops it, and what is left is listed."""
    from ..conformance import clean_up

    made = 0 if target.disposable or settings.keep else len(target.created())
    if made and sys.stderr.isatty():
        click.echo(f"jobrun-contracts: removing the {made} things this run created (Ctrl-C stops it)", err=True)
    return clean_up(target, settings)


def _dry_run(asked: RunOptions, output_format: str, report_file: str | None) -> None:
    """The requests the run would send, printed (and written to --report); nothing is sent."""
    from ..conformance import dry_run
    from ..reports.plan import PLAN_RENDERERS

    clauses = asked.clauses()
    with asked.open_target() as target:
        plan = dry_run(target, clauses, asked.settings)
    rendered = PLAN_RENDERERS[output_format](plan)
    if report_file:
        Path(report_file).write_text(rendered, encoding="utf-8")
    click.echo(rendered, nl=False)


def _is_html(path: str) -> bool:
    """Whether ``--report`` names a page: such a file gets the HTML report whatever ``--format`` prints."""
    return Path(path).suffix.lower() in (".html", ".htm")


def _check_writable(path: str, flag: str = "--report", *, replaced: bool = False) -> None:
    """Refuse a report path that could not be written, before the run rather than after it.

    ``replaced``: the file is written beside itself and renamed over (a baseline), so its folder
    must be writable too, not only the file.
    """
    where = Path(path)
    folder = where.parent if str(where.parent) else Path(".")
    if where.is_dir():
        raise UsageError(f"{flag} {path}: is a directory")
    if not folder.is_dir():
        raise UsageError(f"{flag} {path}: no such directory {folder}")
    if not os.access(where if where.exists() else folder, os.W_OK) or (replaced and not os.access(folder, os.W_OK)):
        raise UsageError(f"{flag} {path}: not writable")
