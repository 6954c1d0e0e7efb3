"""`govrules schema` and `govrules serve`: the inputs as JSON Schema, the verdicts over HTTP."""

from __future__ import annotations

import json
from typing import Sequence

import click

from ._cli_common import _Fail, calendar_option
from ._errors import CalendarError, InputError, RulesetError
from ._packs import active
from ._schema import schema


@click.command("schema")
@click.argument("ruleset")
def schema_command(ruleset: str) -> None:
    """Print RULESET's input as JSON Schema (draft 2020-12), generated from its rule file."""
    try:
        made = schema(ruleset)
    except (InputError, RulesetError) as exc:
        raise _Fail(str(exc)) from None
    click.echo(json.dumps(made, ensure_ascii=False, indent=2))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless you say otherwise).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (the engine holds the GIL: one per core to use them all).")
@click.option("--max-body", type=click.IntRange(min=1), default=1 << 20, show_default=True,
              help="Largest request body in bytes; a larger one is refused with 413.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False),
              help="Append each verdict to this JSON Lines decision log (input hash only); safe with --workers.")
@calendar_option
def serve_command(host: str, port: int, workers: int, max_body: int, log_path: str | None,
                  calendars: Sequence[str]) -> None:
    """Answer over HTTP: POST /v1/check/RULESET with the facts as JSON (see docs/service.md)."""
    try:
        from ._serve import run
    except ImportError as exc:
        raise _Fail(f"govrules serve needs the serve extra: pip install 'govrules[serve]' ({exc})") from None
    try:
        pack = active()  # --pack/--as-of: the workers load that version of the pack by its directory
        run(host=host, port=port, workers=workers, max_body=max_body, log_path=log_path, calendars=calendars,
            pack=str(pack.directory) if pack is not None else None)
    except (InputError, CalendarError, RulesetError) as exc:
        raise _Fail(str(exc)) from None
