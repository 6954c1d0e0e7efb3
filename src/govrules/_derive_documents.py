"""Derived-fact functions used by the documents rule files (registered by name in _derive.FUNCTIONS)."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ._derive import Context, derived

# Enumeration commas, spaces and quotation marks a clerk may or may not type in a listed term.
_PUNCTUATION = re.compile(r"[\s、，,“”\"'《》]")


@derived("str")
def only(ctx: Context, items: list[Any]) -> Any:
    """The single item when there is exactly one, else nothing."""
    items = list(items or ())
    return items[0] if len(items) == 1 else None


@derived("int")
def value_or(ctx: Context, value: Any, default: Any) -> Any:
    """``value`` when it was given, else ``default``."""
    return default if value is None else value


@derived("str")
def code_of(ctx: Context, value: str | None, values: Mapping[str, str]) -> str | None:
    """The code in ``values`` (code → term) that ``value`` names as code or term, punctuation aside; else nothing."""
    if value is None:
        return None
    wanted = _PUNCTUATION.sub("", value)
    for code, term in (values or {}).items():
        if wanted == code or wanted == _PUNCTUATION.sub("", term):
            return code
    return None
