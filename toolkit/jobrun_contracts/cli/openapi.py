"""``jobrun-contracts openapi``: an API's job-run operations as an OpenAPI 3.1 document, for OpenAPI tools."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..core import registry
from ..errors import UsageError
from ..openapi import openapi_document


@click.command("openapi")
@click.option("--api", help=f"The API: one of {', '.join(registry.APIS)}.")
@click.option("--output", "-o", metavar="FILE", help="Write to this file instead of stdout.")
@click.option("--server-url", help="The base URL in 'servers' (an emulator's, say); default: the service's endpoint.")
def openapi_command(api: str | None, output: str | None, server_url: str | None) -> None:
    """Write the OpenAPI 3.1 document of one API's job-run operations as JSON.

    Keys are sorted and the text ends with a newline, so the same version writes the same bytes.
    """
    if api is None:
        raise UsageError(f"--api is required; choose from {', '.join(registry.APIS)}")
    registry.check_api(api)
    text = json.dumps(openapi_document(api, server_url), indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8", newline="\n")
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None
