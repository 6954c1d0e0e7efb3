"""The three errors a caller can see; nothing else escapes the library."""

from __future__ import annotations

from typing import Any

_NO_VALUE = object()


class GovrulesError(Exception):
    """Base of every error govrules raises on purpose."""


class InputError(GovrulesError, ValueError):
    """Facts given to an evaluation are missing or malformed.

    ``path`` names the field (``meeting.leaders[2].present``), ``value`` the bad value.
    """

    def __init__(self, path: str, expected: str, value: Any = _NO_VALUE) -> None:
        self.path = path
        self.expected = expected
        self.value = None if value is _NO_VALUE else value
        if value is _NO_VALUE:
            text = f"{path}: {expected}"
        else:
            text = f"{path}: {expected}, got {_shown(value)}"
        super().__init__(text)


def _shown(value: Any) -> str:
    """The bad value for a message: cut at 200 characters; never failing (Python will not
    print an int over 4,300 digits, and a hostile record can be megabytes)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"<a {type(value).__name__} too large to show>"
    return text if len(text) <= 200 else text[:200] + "…"


class RulesetError(GovrulesError, ValueError):
    """A rule file is wrong; the message starts with ``file:line:col``."""

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int | None = None,
        col: int | None = None,
        text: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.col = col
        self.text = text
        self.hint = hint
        self.message = message
        where = file
        if line is not None:
            where += f":{line}"
            if col is not None:
                where += f":{col}"
        parts = [f"{where}: {message}"]
        if text:
            # A hostile file's line can be megabytes long; the start is enough to find it.
            parts.append(f"    {text[:200]}…" if len(text) > 200 else f"    {text}")
        if hint:
            parts.append(f"    {hint}")
        if not (hint and "docs/" in hint):  # a hint naming its own page (packs, catalogue) says where to read more
            parts.append("    see docs/ruleset-format.md")
        super().__init__("\n".join(parts))


class CalendarError(GovrulesError, LookupError):
    """The working-day calendar has no data for ``year``; the message says how to supply it."""

    def __init__(self, year: int, detail: str | None = None) -> None:
        self.year = year
        text = (
            f"no working-day data for {year}: the installed chinese_calendar does not cover it. "
            f"Supply the State Council's notice for {year} as a year file and pass it: "
            f"calendar=govrules.WorkingCalendar.from_file('{year}.yaml') "
            f"(CLI: --calendar {year}.yaml); see docs/calendar.md for the file format"
        )
        if detail:
            text = f"{text} ({detail})"
        super().__init__(text)
