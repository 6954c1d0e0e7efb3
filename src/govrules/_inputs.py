"""attrs classes a caller may pass where the contract takes a mapping (CONTRACT §1, §3)."""

from __future__ import annotations

from typing import Any

import attrs


def _optional_tuple(value: Any) -> tuple[Any, ...] | None:
    # What attrs.converters.optional(tuple) does. A Python function rather than that wrapper
    # round a builtin: attrs reads a converter's signature, and for a builtin that means
    # parsing its text signature with tokenize, whose regexes cost ~5 ms at start-up.
    return None if value is None else tuple(value)


@attrs.frozen
class Person:
    """A person (CONTRACT §3): name, role (code or Chinese term), portfolios, delegated_by_mayor."""

    name: str
    role: str
    # Not given unless given (CONTRACT §1): None is left out of the facts, never read as
    # "no portfolios" or "not delegated".
    portfolios: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_tuple)
    delegated_by_mayor: bool | None = None
