"""Derived-fact functions used by the meeting rule files (registered by name in _derive.FUNCTIONS)."""

from __future__ import annotations

from typing import Any, Mapping

from ._derive import Context, derived


@derived("list")
def names_where(ctx: Context, persons: list[Mapping[str, Any]], field: str, value: Any = True) -> list[str]:
    """The names of the persons whose ``field`` equals ``value``, in order, without repeats."""
    out: list[str] = []
    seen: set[str] = set()  # a set, so a 60-person leadership costs no more than linear
    for p in persons or ():
        name = p.get("name")
        if p.get(field) == value and name not in seen:
            seen.add(name)
            out.append(name)
    return out


@derived("list")
def missing_from(ctx: Context, items: list[Any], present: list[Any]) -> list[Any]:
    """The items not in ``present``, in order (set look-up: linear in both lists)."""
    there = set(present or ())
    return [x for x in items or () if x not in there]


@derived("str")
def joined(ctx: Context, items: list[Any], separator: str = "、") -> str:
    """The items as one string, e.g. 李四、王五 (the engine carries no lists, so messages need this)."""
    return separator.join(str(x) for x in items or ())


@derived("bool")
def exceeds(ctx: Context, value: int | None, limit: int) -> bool:
    """Whether ``value`` is given and greater than ``limit``."""
    return value is not None and value > limit


@derived("date")
def working_days_before_when(ctx: Context, date: str, days: int, applies: bool) -> str | None:
    """The ``days``-th working day strictly before ``date``, or nothing when ``applies`` is false."""
    if not applies:
        return None  # no deadline: the calendar is not consulted, so no year data is needed
    d = ctx.date(date)
    out = ctx.calendar.add_working_days(d, -days)
    ctx.note(d)
    ctx.note(out)
    return out.isoformat()


@derived("date")
def previous_working_day_when(ctx: Context, date: str, applies: bool) -> str | None:
    """The last working day strictly before ``date``, or nothing when ``applies`` is false."""
    if not applies:
        return None
    d = ctx.date(date)
    out = ctx.calendar.previous_working_day(d)
    ctx.note(d)
    ctx.note(out)
    return out.isoformat()


@derived("str")
def deadline_status_when_due(ctx: Context, date: str | None, deadline: str | None) -> str:
    """'not_applicable' without a deadline; else 'missing', 'on_time' (on or before) or 'late'."""
    if not deadline:
        return "not_applicable"
    if not date:
        return "missing"
    return "on_time" if ctx.date(date) <= ctx.date(deadline) else "late"


@derived("str")
def authority(ctx: Context, person: Mapping[str, Any] | None, roles: list[str],
              delegated_roles: list[str] | None = None) -> str:
    """'not_given' without a person; 'authorised' for a role in ``roles``, or in ``delegated_roles`` with delegated_by_mayor; else 'not_authorised'."""
    if not person:
        return "not_given"
    role = person.get("role")
    if role in (roles or ()):
        return "authorised"
    if role in (delegated_roles or ()) and person.get("delegated_by_mayor"):
        return "authorised"
    return "not_authorised"
