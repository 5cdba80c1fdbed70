"""``jobrun-contracts generate``: sample requests and responses as JSON Lines, reproducibly."""

from __future__ import annotations

import json

import click

from ..core import registry


@click.command("generate")
@click.option("--api", type=click.Choice(registry.APIS), required=True)
@click.option("--operation", default="StartJobRun", show_default=True)
@click.option("--response", is_flag=True, help="Generate responses instead of requests.")
@click.option("--invalid", is_flag=True, help='Requests that break one constraint, as {"instance", "expected"}.')
@click.option("--wire", is_flag=True, help="Requests as they reach the service (idempotency token always set).")
@click.option("--realistic/--uniform", default=True, show_default=True, help="Bias values toward real job specs.")
@click.option("--count", type=click.IntRange(min=1, max=1_000_000), default=10, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
def generate_command(
    api: str, operation: str, response: bool, invalid: bool, wire: bool, realistic: bool, count: int, seed: int
) -> None:
    """Write COUNT generated instances to stdout, one JSON document per line, as they are drawn.

    The same options and seed give the same output, byte for byte (for one Hypothesis version).
    Memory stays flat for any COUNT; a closed pipe (``| head``) ends the run quietly.
    """
    registry.operation(api, operation)
    if response and invalid:
        raise click.UsageError("--invalid generates requests; leave out --response")
    from .. import strategies  # Hypothesis is imported only for this command

    if invalid:
        strategy = strategies.invalid_requests(api, operation, wire=wire).map(
            lambda pair: {"instance": pair[0], "expected": pair[1]}
        )
    elif response:
        strategy = strategies.responses(api, operation, realistic=realistic)
    else:
        strategy = strategies.requests(api, operation, wire=wire, realistic=realistic)
    strategies.draw_into(lambda value: click.echo(json.dumps(value, ensure_ascii=True)), strategy, count, seed)
