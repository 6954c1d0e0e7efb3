"""Derived-fact functions used by the decision rule files (listed by name in _derive.FUNCTIONS)."""

from __future__ import annotations

from typing import Any

from ._derive_core import Context, derived


@derived("int")
def count_distinct(ctx: Context, items: list[Any]) -> int:
    """How many different items (a department named twice is one department)."""
    seen: list[Any] = []
    for x in items or ():
        if x not in seen:
            seen.append(x)
    return len(seen)

