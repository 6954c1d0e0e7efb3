"""What every `govrules` subcommand module shares: exit codes, the bad-input error, --calendar.

Its own module so that `_cli` (the group) can import the subcommand modules and they can
import these helpers without either importing the other (no cycle, docs/architecture.md).
"""

from __future__ import annotations

from typing import Any, Sequence

import click

from ._calendar import WorkingCalendar

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
