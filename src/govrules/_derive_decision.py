"""Derived-fact functions used by the decision rule files (registered by name in _derive.FUNCTIONS)."""

from __future__ import annotations

from typing import Any

from ._derive import Context, derived


@derived("int")
def count_distinct(ctx: Context, items: list[Any]) -> int:
    """How many different items (a department named twice is one department)."""
    seen: list[Any] = []
    for x in items or ():
        if x not in seen:
            seen.append(x)
    return len(seen)


@derived("str")
def joined(ctx: Context, items: list[Any], separator: str = "、") -> str:
    """The items as one string, joined with 、 (lists never reach the engine, so messages need this)."""
    return separator.join(str(x) for x in items or ())
