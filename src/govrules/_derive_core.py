"""The types derived-fact functions are written against: Context, Unknown, Function, ``derived``.

Kept apart from the registry (``_derive.FUNCTIONS``) so that the area modules
(``_derive_meeting`` …) import these and the registry imports them, with no cycle.
"""

from __future__ import annotations

import datetime as dt
from types import FunctionType
from typing import Any, Callable, NamedTuple

from ._calendar import WorkingCalendar


# Context, Unknown and Function are plain classes, not attrs classes: nothing compares, hashes,
# evolves or pickles them (callers build them and read their attributes), and building an attrs
# class compiles its generated methods at every import (~0.5 ms each of a warm first verdict).
# A Context is also built for every evaluation, so its plain constructor is on every verdict's path.


class Context:
    """What a derived function may consult besides its arguments."""

    __slots__ = ("calendar", "sources", "_counted")

    def __init__(self, calendar: WorkingCalendar, sources: set[str] | None = None) -> None:
        self.calendar = calendar
        self.sources: set[str] = set() if sources is None else sources  # calendar sources consulted, for data.calendar
        # Working days counted in this evaluation, by (day, n): a meeting's deadlines all count
        # back from its date, three of them over the same two working days; each count is made
        # (and its days noted) once.
        self._counted: dict[tuple[dt.date, int], dt.date] = {}

    def __repr__(self) -> str:
        return f"Context(calendar={self.calendar!r}, sources={self.sources!r})"

    def date(self, value: str | dt.date) -> dt.date:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)

    def working_days_from(self, day: dt.date, n: int) -> dt.date:
        """``calendar.add_working_days(day, n)``, with the sources of both days noted."""
        out = self._counted.get((day, n)) if type(n) is int else None  # True would find 1's count
        if out is None:
            out = self.calendar.add_working_days(day, n)
            self.note(day)
            self.note(out)
            if type(n) is int:
                self._counted[(day, n)] = out
        return out

    def note(self, day: dt.date) -> None:
        self.sources.add(self.calendar.source(day))


class Unknown(NamedTuple):
    """A derived value that depends on facts not given: each ref is (parameter, path suffix)."""

    refs: tuple[tuple[str, str], ...]


def unknown_where(param: str, suffixes: list[str]) -> Unknown | None:
    """``Unknown`` for the given suffixes of one parameter's path, or None when there are none."""
    return Unknown(tuple((param, s) for s in suffixes)) if suffixes else None


class Function(NamedTuple):
    """A derived function as the registry lists it: its name, result kind, parameters and first doc line."""

    name: str
    returns: str  # bool | int | str | date | list
    func: Callable[..., Any]
    params: tuple[str, ...]
    doc: str

    @classmethod
    def of(cls, func: Callable[..., Any]) -> Function:
        """The registry entry for a function marked with ``derived``."""
        params = tuple(p for p in _parameters(func) if p != "ctx")
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        return cls(func.__name__, func._derived_returns, func, params, doc)  # type: ignore[attr-defined]


def _parameters(func: Callable[..., Any]) -> tuple[str, ...]:
    """The names ``inspect.signature(func).parameters`` lists, in order.

    Read from the code object for a plain function (no ``*args``/``**kwargs``, not wrapped):
    inspect.signature took ~2 ms of start-up for the registry's two dozen functions.
    """
    code = func.__code__ if type(func) is FunctionType else None  # a bound method's lists no self
    if (code is None or code.co_flags & 0x0C  # CO_VARARGS | CO_VARKEYWORDS
            or hasattr(func, "__wrapped__") or hasattr(func, "__signature__")):
        import inspect

        return tuple(inspect.signature(func).parameters)
    return code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]


def derived(returns: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a function as callable from rule files, returning ``returns``; ``_derive.FUNCTIONS`` lists it."""
    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        func._derived_returns = returns  # type: ignore[attr-defined]
        return func
    return mark


__all__ = ["Context", "Function", "Unknown", "derived", "unknown_where"]
