"""Named derived-fact functions that rule files call by name (``derive:``).

They compute what the engine must not (comparisons between two facts crash it, see
docs/engine.md): set look-ups, counts and working-day arithmetic. Each is small, generic
and free of any clause's logic: the rule files say which clause uses it and how.

Facts not given (CONTRACT §1): the runner calls a function only when every argument it
reads from the facts was given; otherwise the derived field is itself not given. A function
that finds a fact not given *inside* an argument (an item without ``present``, a portfolio
the division does not map) returns ``Unknown`` naming where, instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any, Callable, Mapping

import attrs

from ._calendar import WorkingCalendar


@attrs.define
class Context:
    """What a derived function may consult besides its arguments."""

    calendar: WorkingCalendar
    sources: set[str] = attrs.field(factory=set)  # calendar sources consulted, for data.calendar

    def date(self, value: str | dt.date) -> dt.date:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)

    def note(self, day: dt.date) -> None:
        self.sources.add(self.calendar.source(day))


@attrs.frozen
class Unknown:
    """A derived value that depends on facts not given: each ref is (parameter, path suffix)."""

    refs: tuple[tuple[str, str], ...]


def unknown_where(param: str, suffixes: list[str]) -> Unknown | None:
    """``Unknown`` for the given suffixes of one parameter's path, or None when there are none."""
    return Unknown(tuple((param, s) for s in suffixes)) if suffixes else None


@attrs.frozen
class Function:
    name: str
    returns: str  # bool | int | str | date | list
    func: Callable[..., Any]
    params: tuple[str, ...]
    doc: str


FUNCTIONS: dict[str, Function] = {}


def derived(returns: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        params = tuple(p for p in inspect.signature(func).parameters if p != "ctx")
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        FUNCTIONS[func.__name__] = Function(func.__name__, returns, func, params, doc)
        return func
    return register


# ---- sets and look-ups ---------------------------------------------------------------------


@derived("list")
def lookup_all(ctx: Context, keys: list[str], mapping: Mapping[str, str]) -> list[str] | Unknown:
    """The distinct values ``mapping[k]`` for k in keys, in first-seen order; unknown while a key is not in mapping."""
    out: list[str] = []
    unmapped: list[str] = []
    for k in keys or ():
        v = (mapping or {}).get(k)
        if v is None:
            unmapped.append(f".{k}")
        elif v not in out:
            out.append(v)
    return unknown_where("mapping", unmapped) or out


@derived("list")
def names_of(ctx: Context, persons: list[Mapping[str, Any]]) -> list[str]:
    """The names of a list of persons, in order, without repeats."""
    out: list[str] = []
    for p in persons or ():
        if p.get("name") not in out:
            out.append(p.get("name"))
    return out


@derived("list")
def difference(ctx: Context, items: list[Any], minus: list[Any]) -> list[Any]:
    """The items not in ``minus``, in order."""
    return [x for x in items or () if x not in (minus or ())]


@derived("bool")
def contains(ctx: Context, items: list[Any], value: Any) -> bool:
    """Whether ``value`` is one of ``items``."""
    return value in (items or ())


@derived("int")
def count(ctx: Context, items: list[Any]) -> int:
    """How many items."""
    return len(items or ())


@derived("int")
def count_where(ctx: Context, items: list[Mapping[str, Any]], field: str, value: Any = True,
                only_field: str | None = None, only_values: list[Any] | None = None) -> int | Unknown:
    """How many items have ``field`` equal to ``value`` (among those whose ``only_field`` is in ``only_values``, if given); unknown while a counted item lacks ``field``."""
    counted = [(i, x) for i, x in enumerate(items or ())
               if only_field is None or x.get(only_field) in (only_values or ())]
    lacking = [f"[{i}].{field}" for i, x in counted if field not in x]
    return unknown_where("items", lacking) or sum(1 for _, x in counted if x.get(field) == value)


@derived("int")
def count_in(ctx: Context, items: list[Mapping[str, Any]], field: str, values: list[Any]) -> int:
    """How many items have ``field`` among ``values``."""
    return sum(1 for x in items or () if x.get(field) in (values or ()))


@derived("int")
def ceil_fraction(ctx: Context, total: int, numerator: int, denominator: int) -> int:
    """⌈total × numerator / denominator⌉, in exact integer arithmetic."""
    return -(-total * numerator // denominator)


@derived("bool")
def at_least(ctx: Context, value: int, minimum: int) -> bool:
    """Whether ``value`` ≥ ``minimum`` (two computed numbers the engine must not compare itself)."""
    return value >= minimum


@derived("bool")
def equals(ctx: Context, left: Any, right: Any) -> bool:
    """Whether two values are equal."""
    return left == right


# ---- dates and working days ----------------------------------------------------------------


@derived("date")
def working_days_before(ctx: Context, date: str, days: int, applies: bool = True) -> str | None:
    """The ``days``-th working day strictly before ``date`` (调休 included); nothing when ``applies`` is false."""
    if not applies:
        return None  # no deadline: the calendar is not consulted, so no year data is needed
    d = ctx.date(date)
    out = ctx.calendar.add_working_days(d, -days)
    ctx.note(d)
    ctx.note(out)
    return out.isoformat()


@derived("date")
def working_days_after(ctx: Context, date: str, days: int) -> str:
    """The ``days``-th working day strictly after ``date``."""
    d = ctx.date(date)
    out = ctx.calendar.add_working_days(d, days)
    ctx.note(d)
    ctx.note(out)
    return out.isoformat()


@derived("date")
def previous_working_day(ctx: Context, date: str, applies: bool = True) -> str | None:
    """The last working day strictly before ``date``; nothing when ``applies`` is false."""
    if not applies:
        return None
    d = ctx.date(date)
    out = ctx.calendar.previous_working_day(d)
    ctx.note(d)
    ctx.note(out)
    return out.isoformat()


@derived("str")
def deadline_status(ctx: Context, date: str | None, deadline: str | None, not_before: str | None = None) -> str:
    """'not_applicable' without a deadline; else 'missing', 'early' (before ``not_before``), 'on_time' (on or before the deadline) or 'late'."""
    if not deadline:
        return "not_applicable"
    if date and not_before and ctx.date(date) < ctx.date(not_before):
        return "early"
    if not date:
        return "missing"
    return "on_time" if ctx.date(date) <= ctx.date(deadline) else "late"


@derived("int")
def days_between(ctx: Context, start: str | None, end: str) -> int:
    """Calendar days from ``start`` to ``end`` (0 when there is no ``start``)."""
    if not start:
        return 0
    return (ctx.date(end) - ctx.date(start)).days


def call(name: str, ctx: Context, args: Mapping[str, Any]) -> Any:
    fn = FUNCTIONS[name]
    return fn.func(ctx, **args)


__all__ = ["FUNCTIONS", "Context", "Unknown", "call", "derived", "unknown_where"]


# Area modules register their functions on import; keep this last so `derived` exists first.
from . import _derive_decision, _derive_documents, _derive_meeting  # noqa: E402,F401
