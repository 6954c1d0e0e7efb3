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

_PLAIN = (str, int, float, bool, type(None))


class _Walk:
    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total = 0


def check_limits(facts: Any) -> None:
    """Raise InputError for the first value past a limit; return None when all is within them."""
    _value(facts, (), _Walk())


def _where(path: tuple[Any, ...]) -> str:
    # Built only for an error: the walk itself carries a tuple of steps.
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "facts"


def _text(s: str, path: tuple[Any, ...], walk: _Walk, what: str = "a string") -> None:
    n = len(s)
    if n > MAX_STRING:
        raise InputError(_where(path), f"{what} of at most {MAX_STRING:,} characters (got {n:,})")
    walk.total += n
    if walk.total > MAX_TOTAL:
        raise InputError(_where(path), f"facts of at most {MAX_TOTAL:,} characters in all (limit reached here)")
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError as exc:
            # A lone surrogate is not text: JSON from a browser or a bad decoder can carry one.
            raise InputError(_where(path), f"{what} without lone surrogates (U+{ord(s[exc.start]):04X} "
                             f"at character {exc.start})") from None


def _value(value: Any, path: tuple[Any, ...], walk: _Walk) -> None:
    kind = type(value)
    if kind is str:
        _text(value, path, walk)
        return
    if kind is int:
        # Compare before any str(): Python refuses to print ints over 4,300 digits.
        if not -MAX_INT < value < MAX_INT:
            raise InputError(_where(path), f"an integer of at most {len(str(MAX_INT)) - 1} digits")
    elif kind is float:
        if not math.isfinite(value):
            raise InputError(_where(path), "a finite number", value)
    elif kind is bool or value is None:
        pass
    else:
        _container(value, path, walk)
        return
    walk.total += _ATOM_COST
    if walk.total > MAX_TOTAL:
        raise InputError(_where(path), f"facts of at most {MAX_TOTAL:,} characters in all (limit reached here)")


def _container(value: Any, path: tuple[Any, ...], walk: _Walk) -> None:
    if len(path) >= MAX_DEPTH:
        raise InputError(_where(path), f"values nested at most {MAX_DEPTH} deep")
    walk.total += _ATOM_COST
    if type(value) is dict or isinstance(value, Mapping):
        for key, item in value.items():
            if type(key) is str:
                _text(key, path, walk, "a field name")
            elif not isinstance(key, _PLAIN):
                pass  # validation names the field names that are not strings
            else:
                _value(key, path, walk)
            _value(item, path + (key,), walk)
    elif type(value) is list or isinstance(value, tuple):
        for i, item in enumerate(value):
            _value(item, path + (i,), walk)
    elif attrs.has(type(value)):
        # The library's own input classes: checked as the mapping validation will read.
        _container(attrs.asdict(value, recurse=False), path, walk)
    elif isinstance(value, (int, float, str)):  # subclasses (IntEnum, str enums): as their value
        _value(_base(value), path, walk)
    # Anything else (a date, an unknown object) is left to validation, which types every field.


def _base(value: Any) -> Any:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)
