"""What every `govrules` subcommand module shares: exit codes, the bad-input error, --calendar.

Its own module so that `_cli` (the group) can import the subcommand modules and they can
import these helpers without either importing the other (no cycle, docs/architecture.md).
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import click

from . import _packs
from ._calendar import WorkingCalendar
from ._errors import GovrulesError

EXIT_ALLOWED, EXIT_NOT_ALLOWED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_LOG_FAILED = 3  # the verdict was printed but --log could not record it (docs/auditing.md)


class _Fail(click.ClickException):
    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"govrules: {self.message}", err=True)


def calendar_option(func: Any) -> Any:
    return click.option(
        "--calendar", "calendars", multiple=True, type=click.Path(dir_okay=False),
        help="A year file (the State Council's notice as data) for a year chinese_calendar lacks; repeatable.",
    )(func)


def make_calendar(paths: Sequence[str]) -> WorkingCalendar | None:
    return WorkingCalendar.from_files(*paths) if paths else None


# ---- --pack and --as-of: on the group and on every command (docs/packs.md) -------------------

_PACK_HELP = ("A regulation pack's directory (with pack.yaml) to use instead of the shipped one; repeat it "
              "to give several versions side by side (--as-of picks one). See docs/packs.md.")
_AS_OF_HELP = "Use the version of the pack in force on this day (YYYY-MM-DD)."


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value:  # a command's own --pack/--as-of wins over the group's
        ctx.meta[f"govrules.{param.name}"] = value
    return value


def pack_params() -> list[click.Option]:
    """Fresh --pack and --as-of options (they only note what was given; the command applies it).

    Eager, so that `govrules --pack DIR --help` has noted the pack before the help (which shows
    the pack's title) is printed.
    """
    return [
        click.Option(["--pack"], multiple=True, type=click.Path(file_okay=False), expose_value=False,
                     callback=_remember, help=_PACK_HELP, is_eager=True),
        click.Option(["--as-of"], "as_of", default=None, expose_value=False, callback=_remember, help=_AS_OF_HELP,
                     is_eager=True),
    ]


def given_pack() -> Any:
    """The pack version --pack/--as-of chose (None: the shipped one); a bad one is exit 2 with its message."""
    ctx = click.get_current_context()
    packs, as_of = ctx.meta.get("govrules.pack") or (), ctx.meta.get("govrules.as_of")
    try:
        return _packs.resolve(list(packs) or None, as_of)
    except GovrulesError as exc:
        raise _Fail(str(exc)) from None


def with_pack(command: click.Command) -> click.Command:
    """Give ``command`` --pack and --as-of; its body runs with the chosen pack in effect."""
    command.params.extend(pack_params())
    inner = command.callback
    assert inner is not None

    @functools.wraps(inner)
    def callback(*args: Any, **kwargs: Any) -> Any:
        found = given_pack()
        if found is None:
            return inner(*args, **kwargs)
        with found.active():
            return inner(*args, **kwargs)

    command.callback = callback
    return command
