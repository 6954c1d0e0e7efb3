"""Derived-fact functions used by the meeting rule files (listed by name in _derive.FUNCTIONS)."""

from __future__ import annotations

from typing import Any, Mapping

from ._derive_core import Context, Unknown, derived


@derived("list")
def names_where(ctx: Context, persons: list[Mapping[str, Any]], field: str, value: Any = True) -> list[str] | Unknown:
    """The names of the persons whose ``field`` equals ``value``, in order, without repeats; unknown while one lacks ``field``."""
    lacking = [f"[{i}].{field}" for i, p in enumerate(persons or ()) if field not in p]
    if lacking:
        return Unknown(tuple(("persons", s) for s in lacking))
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
    """The items as one string, e.g. 甲、乙 (the engine carries no lists, so messages need this)."""
    return separator.join(str(x) for x in items or ())


@derived("bool")
def exceeds(ctx: Context, value: int | None, limit: int) -> bool:
    """Whether ``value`` is given and greater than ``limit``."""
    return value is not None and value > limit


@derived("str")
def authority(ctx: Context, person: Mapping[str, Any] | None, roles: list[str],
              delegated_roles: list[str] | None = None, delegation: str | None = None) -> str | Unknown:
    """'none' when there is no person; 'authorised' for a role in ``roles``, or in ``delegated_roles`` with the person's ``delegation`` field true; else 'not_authorised' (unknown while that field is not given)."""
    if not person:
        return "none"
    role = person.get("role")
    if role in (roles or ()):
        return "authorised"
    if delegation is not None and role in (delegated_roles or ()):
        if delegation not in person:
            return Unknown((("person", f".{delegation}"),))
        if person[delegation]:
            return "authorised"
    return "not_authorised"
