"""``jobrun-contracts emulator``: serve the reference emulator until stopped (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import os
import re
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from ..core import registry
from ..errors import UsageError

CREDENTIALS_ENV = "JOBRUN_CREDENTIALS"  # KEY_ID:SECRET pairs: out of the process list, unlike --credentials


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; loopback unless you mean it.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port.")
@click.option("--api", "apis", multiple=True, type=click.Choice(registry.APIS), help="Serve only these (repeatable).")
@click.option("--workspace", "workspaces", multiple=True, help="An extra Alibaba workspace id (repeatable).")
@click.option(
    "--credentials",
    "credentials",
    multiple=True,
    metavar="KEY_ID:SECRET",
    help="Require signed requests (SigV4 / ACS3) made with these credentials (repeatable). Other users see "
    "them in the process list: prefer --credentials-file or $" + CREDENTIALS_ENV + " (pairs separated by spaces, "
    "commas or newlines).",
)
@click.option(
    "--credentials-file",
    "credentials_file",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Like --credentials, read from a file: one KEY_ID:SECRET a line ('#' comments and blank lines ignored).",
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="REGION",
    help="A region AWS requests may be signed for (repeatable). Default: us-east-1.",
)
@click.option(
    "--control-token",
    metavar="TOKEN",
    envvar="JOBRUN_EMULATOR_CONTROL_TOKEN",
    help="Bearer token the /_emulator control routes require (the environment variable keeps it out of the "
    "process list). Default: generated and printed when credentials are given, none (open control) otherwise.",
)
@click.option(
    "--clock",
    type=click.Choice(["wall", "manual"]),
    default="wall",
    show_default=True,
    help="wall: runs progress as real time passes; manual: only when advanced over the control API.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed for ids.")
def emulator_command(
    host: str,
    port: int,
    apis: tuple[str, ...],
    workspaces: tuple[str, ...],
    credentials: tuple[str, ...],
    credentials_file: str | None,
    regions: tuple[str, ...],
    control_token: str | None,
    clock: str,
    seed: int,
) -> None:
    """Serve the three job-run APIs on HOST:PORT and print the base URL."""
    from ..emulator import CONTROL_PREFIX, Clock, Emulator, EmulatorServer
    from ..emulator.flavours import REGION

    secrets = {}
    for where, pair in _credentials(credentials, credentials_file):
        key, sep, secret = pair.partition(":")
        if not sep or not key or not secret:  # never echo the value: it holds a secret
            raise UsageError(f"{where} takes KEY_ID:SECRET (the value given is not shown)")
        secrets[key] = secret
    emulator = Emulator(
        apis or registry.APIS,
        clock=Clock(follow_wall_clock=clock == "wall"),
        seed=seed,
        credentials=secrets or None,
        workspaces=workspaces,
        regions=regions or (REGION,),
        control_token=control_token or None,
    )
    try:
        server = EmulatorServer(emulator, host, port)
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    server.start()
    try:
        click.echo(f"jobrun-contracts emulator serving at {server.url}")
        for api in emulator.apis:
            click.echo(f"  {api}: {registry.CONTAINER_PARAMETER[api]} {emulator.defaults[api]}")
        click.echo(f"  control: {server.url}{CONTROL_PREFIX}  signatures: {'checked' if secrets else 'not checked'}")
        if secrets:
            click.echo(f"  regions: {', '.join(emulator.regions)}")
        if emulator.control_token:
            click.echo(f"  control token: {emulator.control_token} (send 'Authorization: Bearer <token>')")
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("jobrun-contracts emulator stopped")


def _credentials(given: tuple[str, ...], path: str | None) -> list[tuple[str, str]]:
    """Each KEY_ID:SECRET pair, with where it came from: --credentials, the file, $JOBRUN_CREDENTIALS."""
    pairs = [(f"--credentials (pair {i})", pair) for i, pair in enumerate(given, 1)]
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"--credentials-file {path}: cannot read it ({type(error).__name__})") from None
        lines = ((n, line.strip()) for n, line in enumerate(text.splitlines(), 1))
        pairs += [(f"--credentials-file {path}:{n}", line) for n, line in lines if line and not line.startswith("#")]
    found = [part for part in re.split(r"[\s,]+", os.environ.get(CREDENTIALS_ENV, "")) if part]
    pairs += [(f"${CREDENTIALS_ENV} (pair {i})", pair) for i, pair in enumerate(found, 1)]
    return pairs
