"""The ``jobrun-contracts`` command group: parse, build, run; errors become one line and an exit code."""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import Any

import click

from ..errors import JobrunContractsError

EXIT_TOOL_ERROR = 2

#: Each command's module, imported only when that command runs (or for --help): a validate run
#: in a pre-commit hook does not pay for the conform options or the OpenAPI builder.
COMMANDS = {
    "validate": "validate:validate_command",
    "generate": "generate:generate_command",
    "emulator": "emulator:emulator_command",
    "conform": "conform:conform_command",
    "openapi": "openapi:openapi_command",
    "drift": "drift:drift_command",
    "schema": "schema:schema_command",
}


class _Group(click.Group):
    """Turns any error into one line on stderr (with ``--traceback``, the whole story); loads commands lazily."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name].partition(":")
        command: click.Command = getattr(import_module(f"{__package__}.{module}"), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JobrunContractsError as error:
            if ctx.obj and ctx.obj.get("traceback"):
                raise
            click.echo(f"jobrun-contracts: error: {error}", err=True)
            ctx.exit(error.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, as Unix tools do, and keep the
            # interpreter from complaining again when it flushes stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except KeyboardInterrupt:
            click.echo("jobrun-contracts: interrupted", err=True)
            ctx.exit(130)
        except Exception as error:
            if ctx.obj and ctx.obj.get("traceback"):
                raise
            click.echo(
                f"jobrun-contracts: internal error: {type(error).__name__}: {error} (rerun with --traceback)",
                err=True,
            )
            ctx.exit(EXIT_TOOL_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--traceback", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(package_name="jobrun-contracts")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Validate job specs, and check implementations of the serverless Spark job-run APIs."""
    ctx.obj = {"traceback": traceback}


def _keep_hypothesis_out_of_the_working_tree() -> None:
    """Hypothesis writes ``.hypothesis/`` into the working directory; a user's repository is not ours
    to write in. Its files go to the user's cache instead, unless HYPOTHESIS_STORAGE_DIRECTORY says where."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(cache, "jobrun-contracts", "hypothesis"))


def main(argv: list[str] | None = None) -> None:
    _keep_hypothesis_out_of_the_working_tree()
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="jobrun-contracts")
