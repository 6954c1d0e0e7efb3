"""attrs classes a caller may pass where the contract takes a mapping (CONTRACT §1, §3)."""

from __future__ import annotations

import attrs


@attrs.frozen
class Person:
    """A person (CONTRACT §3): name, role (code or Chinese term), portfolios, delegated_by_mayor."""

    name: str
    role: str
    # Not given unless given (CONTRACT §1): None is left out of the facts, never read as
    # "no portfolios" or "not delegated".
    portfolios: tuple[str, ...] | None = attrs.field(default=None, converter=attrs.converters.optional(tuple))
    delegated_by_mayor: bool | None = None
