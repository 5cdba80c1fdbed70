"""``jobrun-contracts emulator``: serve the reference emulator until stopped (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from ..core import registry
from ..errors import UsageError


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
    help="Require signed requests (SigV4 / ACS3) made with these credentials (repeatable).",
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
    clock: str,
    seed: int,
) -> None:
    """Serve the three job-run APIs on HOST:PORT and print the base URL."""
    from ..emulator import CONTROL_PREFIX, Clock, Emulator, EmulatorServer

    secrets = {}
    for pair in credentials:
        key, sep, secret = pair.partition(":")
        if not sep or not key or not secret:
            raise UsageError(f"--credentials takes KEY_ID:SECRET, not '{pair}'")
        secrets[key] = secret
    emulator = Emulator(
        apis or registry.APIS,
        clock=Clock(follow_wall_clock=clock == "wall"),
        seed=seed,
        credentials=secrets or None,
        workspaces=workspaces,
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
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("jobrun-contracts emulator stopped")
