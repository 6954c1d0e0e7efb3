"""Size and shape limits on caller facts, checked in one walk before validation.

Everything past these limits used to escape as something other than the contract's three
errors (RecursionError, Python's 4,300-digit int limit, the engine's 16 MiB fact limit and
its refusal of lone surrogates), or to cost far more than its size. Each is now an
InputError naming the field path, or the limit. The numbers are documented in
docs/engine.md ("Limits"); they sit far above any real record (a meeting of 10,000
leaders is about 1 MB).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import attrs

from ._errors import InputError

MAX_DEPTH = 64                 # containers inside containers
MAX_INT = 10**30               # |n| < 10**30, i.e. at most 30 digits
MAX_STRING = 65_536            # characters in one string or key
MAX_TOTAL = 16 * 1024 * 1024   # characters of all strings and keys, plus 8 per other value
_ATOM_COST = 8
# A facts file for `govrules check`: MAX_TOTAL characters of 3-byte UTF-8 plus its syntax.
MAX_FACTS_FILE_BYTES = 64 * 1024 * 1024


class _Over(Exception):
    """A limit crossed; the path is collected while the walk unwinds (built only on error)."""

    def __init__(self, expected: str, value: Any = None) -> None:
        self.expected, self.value, self.steps = expected, value, []


def check_limits(facts: Any) -> None:
    """Raise InputError for the first value past a limit; return None when all is within them."""
    try:
        _atom_or_walk(facts, 0, MAX_TOTAL)
    except _Over as over:
        where = _where(reversed(over.steps))
        if over.value is None:
            raise InputError(where, over.expected) from None
        raise InputError(where, over.expected, over.value) from None


def _where(steps: Any) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "facts"


def _text(s: str, what: str) -> int:
    n = len(s)
    if n > MAX_STRING:
        raise _Over(f"{what} of at most {MAX_STRING:,} characters (got {n:,})")
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError as exc:
            # A lone surrogate is not text: JSON from a browser or a bad decoder can carry one.
            raise _Over(f"{what} without lone surrogates (U+{ord(s[exc.start]):04X} "
                        f"at character {exc.start})") from None
    return n


def _atom_or_walk(value: Any, depth: int, room: int) -> int:
    """Characters ``value`` counts towards MAX_TOTAL (``room`` is what is left of it)."""
    kind = type(value)
    if kind is str:
        return _text(value, "a string")
    if kind is bool or value is None:
        return _ATOM_COST
    if kind is int:
        # Compared before any str(): Python refuses to print ints over 4,300 digits.
        if not -MAX_INT < value < MAX_INT:
            raise _Over(f"an integer of at most {len(str(MAX_INT)) - 1} digits")
        return _ATOM_COST
    if kind is float:
        if not math.isfinite(value):
            raise _Over("a finite number", value)
        return _ATOM_COST
    if depth >= MAX_DEPTH:
        raise _Over(f"values nested at most {MAX_DEPTH} deep")
    if kind is dict or isinstance(value, Mapping):
        pairs: Any = value.items()
    elif kind is list or isinstance(value, tuple):
        pairs = enumerate(value)
    elif attrs.has(kind):
        # The library's own input classes: checked as the mapping validation will read.
        return _atom_or_walk(attrs.asdict(value, recurse=False), depth, room)
    elif isinstance(value, (int, float, str)):  # subclasses (IntEnum, str enums): as their value
        return _atom_or_walk(_base(value), depth, room)
    else:
        return _ATOM_COST  # a date, an unknown object: validation types every field
    used = _ATOM_COST
    depth += 1
    keyed = kind is not list and not isinstance(value, tuple)
    for key, item in pairs:
        if keyed and type(key) is not str:
            # Named at the container: a key such as a 5,000-digit int cannot even be printed.
            raise _Over(f"field names that are strings (got a {type(key).__name__})")
        try:
            if keyed:  # field names are short ASCII nearly always: checked without a call
                n = len(key)
                used += n if n <= MAX_STRING and key.isascii() else _text(key, "a field name")
            t = type(item)
            if t is str:  # the usual leaves, without a call each
                n = len(item)
                used += n if n <= MAX_STRING and item.isascii() else _text(item, "a string")
            elif t is bool or item is None:
                used += _ATOM_COST
            else:
                used += _atom_or_walk(item, depth, room - used)
            if used > room:
                raise _Over(f"facts of at most {MAX_TOTAL:,} characters in all (the limit is reached here)")
        except _Over as over:
            over.steps.append(key)
            raise
    return used


def _base(value: Any) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)
