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

from typing import Any, Mapping

from . import _derive_decision, _derive_documents, _derive_meeting
from ._derive_core import Context, Function, Unknown, derived, unknown_where


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


@derived("int")
def above_fraction(ctx: Context, total: int, numerator: int, denominator: int) -> int:
    """The least whole number strictly more than total × numerator / denominator (「过半数」: 1/2)."""
    return total * numerator // denominator + 1


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
    return ctx.working_days_from(ctx.date(date), -days).isoformat()


@derived("date")
def working_days_after(ctx: Context, date: str, days: int) -> str:
    """The ``days``-th working day strictly after ``date``."""
    return ctx.working_days_from(ctx.date(date), days).isoformat()


@derived("date")
def previous_working_day(ctx: Context, date: str, applies: bool = True) -> str | None:
    """The last working day strictly before ``date``; nothing when ``applies`` is false."""
    if not applies:
        return None
    return ctx.working_days_from(ctx.date(date), -1).isoformat()


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


# Every function a rule file may call, listed here rather than registered by importing a
# module: what is callable is readable in one place, and no module imports this one back.
FUNCTIONS: dict[str, Function] = {f.name: f for f in map(Function.of, [
    lookup_all, names_of, difference, contains, count, count_where, count_in, ceil_fraction, above_fraction,
    at_least, equals,
    working_days_before, working_days_after, previous_working_day, deadline_status, days_between,
    _derive_decision.count_distinct,
    _derive_documents.only, _derive_documents.code_of,
    _derive_meeting.names_where, _derive_meeting.missing_from, _derive_meeting.joined, _derive_meeting.exceeds,
    _derive_meeting.authority,
])}


def call(name: str, ctx: Context, args: Mapping[str, Any]) -> Any:
    fn = FUNCTIONS[name]
    return fn.func(ctx, **args)


__all__ = ["FUNCTIONS", "Context", "Function", "Unknown", "call", "derived", "unknown_where"]
