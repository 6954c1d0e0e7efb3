"""Derived-fact functions used by the documents rule files (listed by name in _derive.FUNCTIONS)."""

from __future__ import annotations

import functools
import re
from typing import Any, Mapping

from ._derive_core import Context, derived


@functools.cache
def _punctuation() -> re.Pattern[str]:
    """Enumeration commas, spaces and quotation marks a clerk may or may not type in a listed term.

    Compiled on first use: ~0.5 ms at import, for rulesets most processes never run.
    """
    return re.compile(r"[\s、，,“”\"'《》]")


@derived("str")
def only(ctx: Context, items: list[Any]) -> Any:
    """The single item when there is exactly one, else nothing."""
    items = list(items or ())
    return items[0] if len(items) == 1 else None


@derived("str")
def code_of(ctx: Context, value: str | None, values: Mapping[str, Any]) -> str | None:
    """The code in ``values`` (code → a term or a list of wordings) that ``value`` names, punctuation aside; else nothing."""
    if value is None:
        return None
    wanted = _punctuation().sub("", value)
    for code, terms in (values or {}).items():
        wordings = [terms] if isinstance(terms, str) else list(terms or ())
        if wanted == code or any(wanted == _bare(t) for t in wordings):
            return code
    return None


@functools.lru_cache(maxsize=1024)
def _bare(term: str) -> str:
    # The listed wordings are the rule file's, the same on every call: stripped once each.
    return _punctuation().sub("", term)
